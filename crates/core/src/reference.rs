//! `tok://NAME` and `tok://ID` references: how a config file, a dotenv file or a template names
//! a kept key without holding it. Parsing and finding references lives here; resolving them
//! (reading each secret once, recording the use) is [`crate::Vault::resolve`].

use std::ops::Range;
use std::path::Path;

use crate::bounded::Refusal;
use crate::error::{Error, InputError, NotFoundError, Result};
use crate::validate::{self, MAX_NAME_CHARS};

/// The scheme every reference starts with (compared without case, as URL schemes are).
pub const REFERENCE_SCHEME: &str = "tok://";

/// The most references one run or template may hold: more is not a config file.
pub const MAX_REFERENCES: usize = 1_000;

/// The largest template `tok inject` reads (templates are config files, not data).
pub const MAX_TEMPLATE_BYTES: u64 = 4 * 1024 * 1024;

/// One reference to a kept key, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The token's name or id, trimmed.
    pub which: String,
    /// Where the reference was found, for messages: "line 3 of config.tmpl", "--env TOKEN".
    pub at: String,
}

impl Reference {
    /// Whether `text` is meant as a reference (starts with `tok://`, any case, after spaces).
    pub fn is_reference(text: &str) -> bool {
        let t = text.trim_start();
        t.get(..REFERENCE_SCHEME.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(REFERENCE_SCHEME))
    }

    /// Parses `tok://NAME` or `tok://ID`; `at` says where it was found.
    pub fn parse(text: &str, at: impl Into<String>) -> Result<Reference> {
        let at = at.into();
        let bad = |why: &'static str| -> Error {
            InputError::BadReference {
                quoted: quote_reference(text),
                at: at.clone(),
                why,
            }
            .into()
        };
        if !Self::is_reference(text) {
            return Err(bad("it does not start with tok://"));
        }
        let which = text.trim_start()[REFERENCE_SCHEME.len()..].trim();
        Self::check_which(which).map_err(bad)?;
        Ok(Reference {
            which: which.to_string(),
            at,
        })
    }

    /// A bare token name or id given where a reference is meant (`tok run --env VAR=NAME`).
    pub fn named(which: &str, at: impl Into<String>) -> Result<Reference> {
        let at = at.into();
        let which = which.trim();
        Self::check_which(which).map_err(|why| InputError::BadReference {
            quoted: validate::quote_input(which),
            at: at.clone(),
            why,
        })?;
        Ok(Reference {
            which: which.to_string(),
            at,
        })
    }

    /// The same rule as a token name: 1 to 100 characters of plain text.
    fn check_which(which: &str) -> std::result::Result<(), &'static str> {
        if which.is_empty() {
            return Err("it names no token after tok://");
        }
        if which.chars().count() > MAX_NAME_CHARS {
            return Err("a token name or id has at most 100 characters");
        }
        if which.chars().any(validate::is_unsafe_char) {
            return Err("it holds a control, bidi or zero-width character");
        }
        Ok(())
    }

    /// The reference as a message may quote it (a pasted secret in its place is not repeated).
    pub fn quoted(&self) -> String {
        quote_reference(&format!("{REFERENCE_SCHEME}{}", self.which))
    }

    pub(crate) fn not_found(&self) -> Error {
        NotFoundError::Reference {
            quoted: self.quoted(),
            at: self.at.clone(),
        }
        .into()
    }
}

/// A reference (or what was meant as one) as a message may quote it: the part after `tok://`
/// is judged alone, so a secret pasted in place of a name is not repeated.
fn quote_reference(text: &str) -> String {
    let t = text.trim();
    if !Reference::is_reference(t) {
        return validate::quote_input(t);
    }
    let quoted = validate::quote_input(&t[REFERENCE_SCHEME.len()..]);
    match quoted.strip_prefix('\'') {
        Some(rest) => format!("'{REFERENCE_SCHEME}{rest}"),
        None => quoted,
    }
}

/// Where each `{{ tok://... }}` of a template is (the whole `{{ ... }}`, in bytes) and what it
/// references. Other `{{ ... }}` are left for whatever else reads the template. A `{{ tok://`
/// whose `}}` is not on the same line, a malformed reference, or more than [`MAX_REFERENCES`]
/// is an error that names the line; `source` names the template in messages.
pub fn template_references(text: &str, source: &str) -> Result<Vec<(Range<usize>, Reference)>> {
    let mut found = Vec::new();
    let mut line_start = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let at = format!("line {} of {source}", index + 1);
        let mut from = 0;
        while let Some(open) = line[from..].find("{{").map(|i| from + i) {
            let inner_start = open + 2;
            let rest = &line[inner_start..];
            if !Reference::is_reference(rest) {
                from = open + 1;
                continue;
            }
            let Some(close) = rest.find("}}").map(|i| inner_start + i) else {
                return Err(InputError::BadReference {
                    quoted: quote_reference(rest),
                    at,
                    why: "its {{ has no }} on the same line",
                }
                .into());
            };
            let reference = Reference::parse(&line[inner_start..close], at.clone())?;
            if found.len() == MAX_REFERENCES {
                return Err(InputError::BadReferenceFile {
                    path: source.into(),
                    why: format!("holds more than {MAX_REFERENCES} references"),
                }
                .into());
            }
            found.push((line_start + open..line_start + close + 2, reference));
            from = close + 2;
        }
        line_start += line.len();
    }
    Ok(found)
}

/// Reads a template or dotenv file as UTF-8 text, refusing one larger than `max` bytes before
/// reading it (and never reading more, should it grow meanwhile).
pub fn read_text_file(path: &Path, max: u64) -> Result<String> {
    let bad = |why: String| -> Error {
        InputError::BadReferenceFile {
            path: path.to_path_buf(),
            why,
        }
        .into()
    };
    let mut bytes = Vec::new();
    crate::bounded::read_into(path, max, &mut bytes).map_err(|refused| match refused {
        Refusal::Missing(_) => NotFoundError::ReferenceFile {
            path: path.to_path_buf(),
        }
        .into(),
        Refusal::NotAFile => bad("is not a regular file (a folder, a pipe or a device)".into()),
        Refusal::TooBig(_) => bad(format!("is larger than {} MiB", max / (1024 * 1024))),
        Refusal::Unreadable(source) => InputError::Unreadable {
            path: path.to_path_buf(),
            source,
        }
        .into(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        InputError::BadReferenceFile {
            path: path.to_path_buf(),
            why: format!("is not UTF-8 text (line {line}); only text files can hold references"),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_by_name_or_id_with_spaces_trimmed() {
        let r = Reference::parse("tok://GitHub CI", "x").unwrap();
        assert_eq!(r.which, "GitHub CI");
        assert_eq!(Reference::parse("  TOK:// ci  ", "x").unwrap().which, "ci");
        assert!(Reference::is_reference("tok://a"));
        assert!(!Reference::is_reference("op://a"));
    }

    #[test]
    fn bad_references_say_why_and_where() {
        for (bad, why) in [
            ("tok://", "names no token"),
            ("tok://   ", "names no token"),
            ("op://vault/item", "does not start with tok://"),
            ("tok://a\u{1b}[2J", "control"),
        ] {
            let e = Reference::parse(bad, "line 7 of t").unwrap_err();
            assert_eq!(e.kind(), "invalid_input", "{bad}");
            let m = e.to_string();
            assert!(m.contains(why) && m.contains("line 7 of t"), "{bad}: {m}");
        }
        let long = format!("tok://{}", "n".repeat(101));
        assert!(Reference::parse(&long, "x")
            .unwrap_err()
            .to_string()
            .contains("100 characters"));
    }

    #[test]
    fn a_pasted_secret_in_place_of_a_name_is_not_repeated() {
        let pasted = "tok://ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gH3kL5";
        let r = Reference::parse(pasted, "x").unwrap();
        assert!(!r.not_found().to_string().contains("ghp_"));
    }

    #[test]
    fn templates_find_each_reference_with_its_line_and_span() {
        let text = "a: {{ tok://one }}\nb: {{tok://two}} and {{ other }}\n{{ tok://one}}";
        let refs = template_references(text, "t").unwrap();
        let got: Vec<(&str, &str, &str)> = refs
            .iter()
            .map(|(span, r)| (&text[span.clone()], r.which.as_str(), r.at.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("{{ tok://one }}", "one", "line 1 of t"),
                ("{{tok://two}}", "two", "line 2 of t"),
                ("{{ tok://one}}", "one", "line 3 of t"),
            ]
        );
    }

    #[test]
    fn an_unclosed_reference_names_its_line() {
        let e = template_references("ok\nx: {{ tok://one\n}}", "t").unwrap_err();
        assert!(e.to_string().contains("line 2 of t"), "{e}");
        assert!(e.to_string().contains("no }}"), "{e}");
    }

    #[test]
    fn too_many_references_are_refused() {
        let text = "{{ tok://a }}".repeat(MAX_REFERENCES + 1);
        assert!(template_references(&text, "t")
            .unwrap_err()
            .to_string()
            .contains("more than"));
        assert_eq!(
            template_references(&"{{ tok://a }}".repeat(MAX_REFERENCES), "t")
                .unwrap()
                .len(),
            MAX_REFERENCES
        );
    }
}
