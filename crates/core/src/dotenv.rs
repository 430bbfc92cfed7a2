//! Reads dotenv files (`.env`) the way dotenvx, python-dotenv and Docker read them, keeping where
//! each value sits so a rewrite can replace exactly that value and leave every other byte alone.
//!
//! The syntax read:
//!
//! - `KEY=value`, optionally `export KEY=value`; spaces around `=` are allowed. A key is letters,
//!   digits, `_`, `.` and `-`, not starting with a digit, `.` or `-`.
//! - Blank lines and full-line `#` comments. After an unquoted value, `#` starts a comment when
//!   whitespace comes before it (`KEY=a#b` keeps `a#b`; `KEY=a #b` is `a`).
//! - Unquoted values are trimmed. `'single'` and `` `backtick` `` quotes are literal. `"double"`
//!   quotes read the escapes `\n \r \t \" \\ \' \$` (another backslash stays as it is). Quoted
//!   values may span lines.
//! - No variable expansion: `${OTHER}` is kept as written (a kept key must be the bytes that
//!   were in the file, not what another variable happened to hold).
//! - A UTF-8 byte-order mark and CRLF line ends are accepted.
//!
//! Input is bounded ([`MAX_DOTENV_BYTES`], [`MAX_DOTENV_ENTRIES`], [`MAX_DOTENV_KEY_CHARS`],
//! [`MAX_DOTENV_VALUE_BYTES`]); every refusal is a [`DotenvError`] naming the line, and never
//! quotes a value (values are usually secrets).

use std::ops::Range;
use std::path::Path;

use secrecy::SecretString;

use crate::error::InputError;

/// The largest dotenv file read: 1 MiB, far above any real one.
pub const MAX_DOTENV_BYTES: usize = 1024 * 1024;
/// The most entries a dotenv file may hold.
pub const MAX_DOTENV_ENTRIES: usize = 10_000;
/// The longest key, in characters.
pub const MAX_DOTENV_KEY_CHARS: usize = 256;
/// The longest value, in bytes (after quotes and escapes are read): room for a PEM certificate.
pub const MAX_DOTENV_VALUE_BYTES: usize = 64 * 1024;

/// How a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// `KEY=value`
    None,
    /// `KEY='value'`
    Single,
    /// `KEY="value"`
    Double,
    /// ``KEY=`value` ``
    Backtick,
}

/// One `KEY=value` of a dotenv file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key as written.
    pub key: String,
    /// The value, with quotes removed and double-quote escapes read.
    pub value: SecretString,
    /// The line the entry starts on, from 1.
    pub line: usize,
    /// The line the entry ends on (a quoted value may span lines).
    pub end_line: usize,
    /// Where the value is written in the text, quotes included: replacing exactly these bytes
    /// changes this value and nothing else. Empty (at the place the value would go) for `KEY=`.
    pub value_span: Range<usize>,
    /// How the value was quoted.
    pub quote: Quote,
    /// Whether the line began with `export`.
    pub exported: bool,
}

/// Why a dotenv file was refused. Each names the line; none repeats a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DotenvError {
    /// Larger than [`MAX_DOTENV_BYTES`].
    #[error(
        "the file is {len} bytes; a .env file may hold at most {max} bytes. Check that this is \
         the .env file you meant"
    )]
    TooLarge { len: usize, max: usize },
    /// A NUL byte: a binary file.
    #[error(
        "line {line} holds a NUL byte: this looks like a binary file, not a .env file. Check \
         the path"
    )]
    Binary { line: usize },
    /// Bytes that are not UTF-8.
    #[error("line {line} is not UTF-8 text; save the file as UTF-8")]
    NotUtf8 { line: usize },
    /// More than [`MAX_DOTENV_ENTRIES`] entries.
    #[error("line {line} is entry number {}: a .env file may hold at most {max}", max + 1)]
    TooManyEntries { line: usize, max: usize },
    /// A line that is neither blank, a comment nor `KEY=value`.
    #[error(
        "line {line} is not KEY=value (a key is letters, digits, _ . or -, not starting with \
         a digit, then =, then the value); fix it, or make it a comment with #"
    )]
    NotAnEntry { line: usize },
    /// A key longer than [`MAX_DOTENV_KEY_CHARS`].
    #[error("line {line}: the key is {len} characters long; use at most {max}")]
    KeyTooLong { line: usize, len: usize, max: usize },
    /// A quote that is never closed.
    #[error(
        "line {line}: the value of {key} opens a {quote} quote that is never closed; close it \
         (a quoted value may span lines), or escape a \" inside double quotes as \\\""
    )]
    Unclosed {
        line: usize,
        key: String,
        quote: char,
    },
    /// Something other than a comment after a closing quote.
    #[error(
        "line {line}: there is text after the closing quote of {key}'s value; remove it, or \
         start a comment with # (with a space before it)"
    )]
    AfterQuote { line: usize, key: String },
    /// A value longer than [`MAX_DOTENV_VALUE_BYTES`].
    #[error("line {line}: the value of {key} is longer than {max} bytes; check the quotes")]
    ValueTooLong {
        line: usize,
        key: String,
        max: usize,
    },
}

impl DotenvError {
    /// The line the problem is on (0 for the file as a whole).
    pub fn line(&self) -> usize {
        match self {
            DotenvError::TooLarge { .. } => 0,
            DotenvError::Binary { line }
            | DotenvError::NotUtf8 { line }
            | DotenvError::TooManyEntries { line, .. }
            | DotenvError::NotAnEntry { line }
            | DotenvError::KeyTooLong { line, .. }
            | DotenvError::Unclosed { line, .. }
            | DotenvError::AfterQuote { line, .. }
            | DotenvError::ValueTooLong { line, .. } => *line,
        }
    }
}

/// A dotenv file as read from disk: its text (for a rewrite) and its entries. Its Debug output
/// leaves the text out (it holds the values).
pub struct DotenvFile {
    /// The whole file. Holds the values in plain text: keep it short-lived.
    pub text: zeroize::Zeroizing<String>,
    pub entries: Vec<Entry>,
}

impl std::fmt::Debug for DotenvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DotenvFile")
            .field(
                "text",
                &format_args!("[REDACTED {} bytes]", self.text.len()),
            )
            .field("entries", &self.entries)
            .finish()
    }
}

/// Reads and parses the dotenv file at `path`, refusing one larger than [`MAX_DOTENV_BYTES`]
/// before reading it (and never reading more, should it grow meanwhile). Errors name the path
/// and the line.
pub fn read_file(path: &Path) -> crate::Result<DotenvFile> {
    let bad = |problem: DotenvError| -> crate::Error {
        InputError::Dotenv {
            path: path.to_path_buf(),
            problem,
        }
        .into()
    };
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    crate::bounded::read_into(path, MAX_DOTENV_BYTES as u64, &mut bytes).map_err(|refused| {
        refused.into_error(path, |len| {
            bad(DotenvError::TooLarge {
                len: usize::try_from(len).unwrap_or(usize::MAX),
                max: MAX_DOTENV_BYTES,
            })
        })
    })?;
    let entries = parse_bytes(&bytes).map_err(bad)?;
    let text = zeroize::Zeroizing::new(
        String::from_utf8(std::mem::take(&mut *bytes)).expect("parse_bytes checked UTF-8"),
    );
    Ok(DotenvFile { text, entries })
}

/// Reads a dotenv file's bytes: checks the size, that it is text (no NUL, UTF-8), then
/// [`parse`]s it. Spans index into `bytes` (a byte-order mark, if any, is kept and skipped).
pub fn parse_bytes(bytes: &[u8]) -> Result<Vec<Entry>, DotenvError> {
    if bytes.len() > MAX_DOTENV_BYTES {
        return Err(DotenvError::TooLarge {
            len: bytes.len(),
            max: MAX_DOTENV_BYTES,
        });
    }
    let line_at = |at: usize| 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(DotenvError::Binary { line: line_at(at) });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| DotenvError::NotUtf8 {
        line: line_at(e.valid_up_to()),
    })?;
    parse(text)
}

/// Parses dotenv text. Entries come in file order; a key written twice appears twice (a caller
/// that sets variables lets the last win, as every dotenv reader does; an import refuses it).
pub fn parse(text: &str) -> Result<Vec<Entry>, DotenvError> {
    if text.len() > MAX_DOTENV_BYTES {
        return Err(DotenvError::TooLarge {
            len: text.len(),
            max: MAX_DOTENV_BYTES,
        });
    }
    if let Some(at) = text.bytes().position(|b| b == 0) {
        let line = 1 + text.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(DotenvError::Binary { line });
    }
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        line: 1,
    };
    if text.starts_with('\u{feff}') {
        p.i = '\u{feff}'.len_utf8();
    }
    let mut entries = Vec::new();
    loop {
        p.skip_blanks();
        match p.peek() {
            None => break,
            _ if p.at_line_end() => {
                p.end_of_line();
                continue;
            }
            Some(b'#') => {
                p.skip_to_line_end();
                p.end_of_line();
                continue;
            }
            Some(_) => {}
        }
        if entries.len() == MAX_DOTENV_ENTRIES {
            return Err(DotenvError::TooManyEntries {
                line: p.line,
                max: MAX_DOTENV_ENTRIES,
            });
        }
        entries.push(p.entry()?);
    }
    Ok(entries)
}

/// The form a value takes when a rewrite writes it: as is when it is plain (letters, digits and
/// `_ - . / : @ % + , =`), else in double quotes with `\ " $` and line breaks escaped.
pub fn quote_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@%+,=".contains(&b));
    if plain {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` with each span replaced by its text; every other byte is kept. Spans must not overlap
/// (the spans of one parse never do).
pub fn replace_values(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, replacement) in sorted {
        out.push_str(&text[at..span.start]);
        out.push_str(replacement);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
}

fn is_key_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces, tabs and a lone `\r` (not a line break: only `\n` and `\r\n` are).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.i += 1,
                Some(b'\r') if self.s.get(self.i + 1) != Some(&b'\n') => self.i += 1,
                _ => break,
            }
        }
    }

    /// Moves to the `\n` (or `\r\n`, or end) that ends the current line.
    fn skip_to_line_end(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' || (b == b'\r' && self.s.get(self.i + 1) == Some(&b'\n')) {
                break;
            }
            self.i += 1;
        }
    }

    /// Whether the parser stands at a line end (`\n`, `\r\n`, or the end).
    fn at_line_end(&self) -> bool {
        match self.peek() {
            None | Some(b'\n') => true,
            Some(b'\r') => self.s.get(self.i + 1) == Some(&b'\n'),
            _ => false,
        }
    }

    /// Consumes a line end (`\n` or `\r\n`), counting the line.
    fn end_of_line(&mut self) {
        if self.peek() == Some(b'\r') && self.s.get(self.i + 1) == Some(&b'\n') {
            self.i += 2;
            self.line += 1;
        } else if self.peek() == Some(b'\n') {
            self.i += 1;
            self.line += 1;
        }
    }

    fn entry(&mut self) -> Result<Entry, DotenvError> {
        let line = self.line;
        let not_an_entry = DotenvError::NotAnEntry { line };
        let mut exported = false;
        if self.s[self.i..].starts_with(b"export")
            && matches!(self.s.get(self.i + 6), Some(b' ' | b'\t'))
        {
            exported = true;
            self.i += 6;
            self.skip_blanks();
        }
        let key_start = self.i;
        if !self.peek().is_some_and(is_key_start) {
            return Err(not_an_entry);
        }
        while self.peek().is_some_and(is_key_byte) {
            self.i += 1;
        }
        let key = &self.text[key_start..self.i];
        self.skip_blanks();
        if self.peek() != Some(b'=') {
            return Err(not_an_entry);
        }
        if key.len() > MAX_DOTENV_KEY_CHARS {
            return Err(DotenvError::KeyTooLong {
                line,
                len: key.len(),
                max: MAX_DOTENV_KEY_CHARS,
            });
        }
        let key = key.to_string();
        self.i += 1;
        let after_equals = self.i;
        self.skip_blanks();
        let (value, value_span, quote) = match self.peek() {
            Some(q @ (b'\'' | b'`')) => {
                let open = self.i;
                self.i += 1;
                let close = self.s[self.i..]
                    .iter()
                    .position(|&b| b == q)
                    .map(|at| self.i + at)
                    .ok_or_else(|| DotenvError::Unclosed {
                        line,
                        key: key.clone(),
                        quote: q as char,
                    })?;
                let value = self.text[self.i..close].to_string();
                self.count_lines(self.i, close);
                self.i = close + 1;
                let quote = if q == b'\'' {
                    Quote::Single
                } else {
                    Quote::Backtick
                };
                (value, open..self.i, quote)
            }
            Some(b'"') => {
                let open = self.i;
                self.i += 1;
                let value = self.double_quoted(line, &key)?;
                (value, open..self.i, Quote::Double)
            }
            _ => {
                // From `=` to the line end; a `#` after whitespace (counting the whitespace right
                // after `=`) starts a comment.
                let start = self.i;
                self.skip_to_line_end();
                let rest = &self.s[after_equals..self.i];
                let mut end = self.i;
                if let Some(at) = (0..rest.len())
                    .find(|&k| k > 0 && rest[k] == b'#' && matches!(rest[k - 1], b' ' | b'\t'))
                {
                    end = end.min(after_equals + at);
                }
                let start = start.min(end);
                let raw = self.text[start..end].trim_end_matches([' ', '\t', '\r']);
                let span = start..start + raw.len();
                (raw.to_string(), span, Quote::None)
            }
        };
        if value.len() > MAX_DOTENV_VALUE_BYTES {
            return Err(DotenvError::ValueTooLong {
                line,
                key,
                max: MAX_DOTENV_VALUE_BYTES,
            });
        }
        if quote != Quote::None {
            self.skip_blanks();
            if self.peek() == Some(b'#') {
                self.skip_to_line_end();
            }
            if !self.at_line_end() {
                return Err(DotenvError::AfterQuote { line, key });
            }
        }
        let end_line = self.line;
        self.end_of_line();
        Ok(Entry {
            key,
            value: SecretString::from(value),
            line,
            end_line,
            value_span,
            quote,
            exported,
        })
    }

    /// Counts the line breaks between two positions (inside a quoted value).
    fn count_lines(&mut self, from: usize, to: usize) {
        self.line += self.s[from..to].iter().filter(|&&b| b == b'\n').count();
    }

    /// Reads a double-quoted value from just after its opening quote through its closing one.
    fn double_quoted(&mut self, line: usize, key: &str) -> Result<String, DotenvError> {
        let mut out = String::new();
        let mut run = self.i;
        loop {
            match self.peek() {
                None => {
                    return Err(DotenvError::Unclosed {
                        line,
                        key: key.to_string(),
                        quote: '"',
                    })
                }
                Some(b'"') => {
                    out.push_str(&self.text[run..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run..self.i]);
                    let escaped = match self.s.get(self.i + 1) {
                        Some(b'n') => Some('\n'),
                        Some(b'r') => Some('\r'),
                        Some(b't') => Some('\t'),
                        Some(b'"') => Some('"'),
                        Some(b'\\') => Some('\\'),
                        Some(b'\'') => Some('\''),
                        Some(b'$') => Some('$'),
                        _ => None,
                    };
                    match escaped {
                        Some(c) => {
                            out.push(c);
                            self.i += 2;
                        }
                        None => {
                            out.push('\\');
                            self.i += 1;
                        }
                    }
                    run = self.i;
                }
                Some(b'\n') => {
                    self.line += 1;
                    self.i += 1;
                }
                Some(_) => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    fn kv(text: &str) -> Vec<(String, String)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value.expose_secret().to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_common_forms() {
        let text = "\u{feff}# a comment\n\
                    \n\
                    PLAIN=abc\n\
                    export EXPORTED=def\n\
                    SPACED = ghi  \n\
                    COMMENTED=jkl # note\n\
                    HASH=a#b\n\
                    EMPTY=\n\
                    EMPTY_COMMENT= # nothing\n\
                    SINGLE='lit $X \\n'\n\
                    DOUBLE=\"a\\nb \\\"q\\\" \\\\ \\x\"  # after\n\
                    TICK=`t'\"`\n\
                    MULTI=\"line1\n\
                    line2\"\n\
                    CRLF=v\r\n\
                    LAST=end";
        assert_eq!(
            kv(text),
            pairs(&[
                ("PLAIN", "abc"),
                ("EXPORTED", "def"),
                ("SPACED", "ghi"),
                ("COMMENTED", "jkl"),
                ("HASH", "a#b"),
                ("EMPTY", ""),
                ("EMPTY_COMMENT", ""),
                ("SINGLE", "lit $X \\n"),
                ("DOUBLE", "a\nb \"q\" \\ \\x"),
                ("TICK", "t'\""),
                ("MULTI", "line1\nline2"),
                ("CRLF", "v"),
                ("LAST", "end"),
            ])
        );
    }

    #[test]
    fn keeps_lines_and_spans() {
        let text = "A=1\n# c\nexport B=\"two\nlines\" # x\nC='3'\nD=four # c\nE=\n";
        let entries = parse(text).unwrap();
        let got: Vec<(usize, usize, &str)> = entries
            .iter()
            .map(|e| (e.line, e.end_line, &text[e.value_span.clone()]))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 1, "1"),
                (3, 4, "\"two\nlines\""),
                (5, 5, "'3'"),
                (6, 6, "four"),
                (7, 7, ""),
            ]
        );
        assert!(entries[1].exported && !entries[0].exported);
    }

    #[test]
    fn refuses_bad_lines_by_number() {
        let cases: &[(&str, DotenvError)] = &[
            ("A=1\nnot an entry\n", DotenvError::NotAnEntry { line: 2 }),
            ("A=1\n\nB\n", DotenvError::NotAnEntry { line: 3 }),
            ("1A=x\n", DotenvError::NotAnEntry { line: 1 }),
            ("export\n", DotenvError::NotAnEntry { line: 1 }),
            (
                "A=1\nB=\"open\nC=2\n",
                DotenvError::Unclosed {
                    line: 2,
                    key: "B".into(),
                    quote: '"',
                },
            ),
            (
                "B='open\n",
                DotenvError::Unclosed {
                    line: 1,
                    key: "B".into(),
                    quote: '\'',
                },
            ),
            (
                "B=\"x\\\"\n",
                DotenvError::Unclosed {
                    line: 1,
                    key: "B".into(),
                    quote: '"',
                },
            ),
            (
                "\nB='x' y\n",
                DotenvError::AfterQuote {
                    line: 2,
                    key: "B".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap_err(), *want, "{text:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_small_text_file() {
        let big = vec![b'#'; MAX_DOTENV_BYTES + 1];
        assert!(matches!(
            parse_bytes(&big),
            Err(DotenvError::TooLarge { .. })
        ));
        assert_eq!(
            parse_bytes(b"A=1\nB=2\x00\n").unwrap_err(),
            DotenvError::Binary { line: 2 }
        );
        assert_eq!(
            parse_bytes(b"A=1\n\nB=\xff\xfe\n").unwrap_err(),
            DotenvError::NotUtf8 { line: 3 }
        );
        let many = "A=1\n".repeat(MAX_DOTENV_ENTRIES + 1);
        assert_eq!(
            parse(&many).unwrap_err(),
            DotenvError::TooManyEntries {
                line: MAX_DOTENV_ENTRIES + 1,
                max: MAX_DOTENV_ENTRIES
            }
        );
        let long_key = format!("{}=1\n", "K".repeat(MAX_DOTENV_KEY_CHARS + 1));
        assert!(matches!(
            parse(&long_key),
            Err(DotenvError::KeyTooLong { line: 1, .. })
        ));
        let long_value = format!("\nV=\"{}\"\n", "v".repeat(MAX_DOTENV_VALUE_BYTES + 1));
        assert!(matches!(
            parse(&long_value),
            Err(DotenvError::ValueTooLong { line: 2, .. })
        ));
    }

    #[test]
    fn messages_never_repeat_a_value() {
        let secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        for text in [
            format!("{secret}\n"),
            format!("K=\"{secret}\n"),
            format!("K='{secret}' {secret}\n"),
            format!("K=\"{}\"", secret.repeat(2000)),
        ] {
            let message = parse(&text).unwrap_err().to_string();
            assert!(!message.contains("ghp_"), "{message}");
        }
    }

    #[test]
    fn debug_output_never_shows_a_value() {
        let secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, format!("K=\"{secret}\"\n")).unwrap();
        let file = read_file(&path).unwrap();
        assert!(!format!("{file:?}").contains(secret));
        assert_eq!(file.entries[0].value.expose_secret(), secret);
    }

    #[test]
    fn a_lone_carriage_return_is_not_a_line_break() {
        let entries = parse("A=1\rB=2\r\nC=3\n").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].value.expose_secret(), "1\rB=2");
        assert_eq!((entries[1].key.as_str(), entries[1].line), ("C", 2));
    }

    #[test]
    fn replace_values_touches_only_the_values() {
        let text = "# keep\nA=1 # one\nexport B=\"x y\"\nC='z'\n";
        let entries = parse(text).unwrap();
        let edits: Vec<_> = entries
            .iter()
            .map(|e| (e.value_span.clone(), format!("tok://{}", e.key)))
            .collect();
        assert_eq!(
            replace_values(text, &edits),
            "# keep\nA=tok://A # one\nexport B=tok://B\nC=tok://C\n"
        );
    }

    fn value_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9_./:@%+,=-]{1,40}",
            "[ -~]{0,40}",
            "[ -~\n\t\r'\"\\\\$#é]{0,40}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the text, the parser answers without panicking, and an error names a line
        /// that exists.
        #[test]
        fn never_panics(text in "[ -~\n\r\t'\"`\\\\#=é]{0,200}") {
            match parse(&text) {
                Ok(entries) => {
                    for e in entries {
                        prop_assert!(text.is_char_boundary(e.value_span.start));
                        prop_assert!(text.is_char_boundary(e.value_span.end));
                    }
                }
                Err(e) => prop_assert!(e.line() >= 1 && e.line() <= text.split('\n').count()),
            }
        }

        /// Values written with [`quote_value`] read back as they were, each on its own line.
        #[test]
        fn written_values_read_back(
            entries in prop::collection::vec(("[A-Z_][A-Z0-9_]{0,10}", value_strategy(), any::<bool>()), 0..8)
        ) {
            let mut text = String::new();
            let mut lines = Vec::new();
            for (key, value, export) in &entries {
                lines.push(1 + text.matches('\n').count());
                if *export {
                    text.push_str("export ");
                }
                text.push_str(&format!("{key}={}\n", quote_value(value)));
            }
            let parsed = parse(&text).unwrap();
            prop_assert_eq!(parsed.len(), entries.len());
            for ((e, (key, value, export)), line) in parsed.iter().zip(&entries).zip(lines) {
                prop_assert_eq!(&e.key, key);
                prop_assert_eq!(e.value.expose_secret(), value.as_str());
                prop_assert_eq!(e.exported, *export);
                prop_assert_eq!(e.line, line);
            }
        }

        /// Replacing one value's span changes that value and no other, and keeps every comment.
        #[test]
        fn a_span_replacement_changes_only_its_value(
            entries in prop::collection::vec(("[A-Z][A-Z0-9_]{0,6}", value_strategy()), 1..6),
            pick in any::<prop::sample::Index>(),
            new in value_strategy(),
        ) {
            let mut text = String::from("# head\n");
            for (key, value) in &entries {
                text.push_str(&format!("{key}={} # c\n\n", quote_value(value)));
            }
            let parsed = parse(&text).unwrap();
            let k = pick.index(parsed.len());
            let edited = replace_values(&text, &[(parsed[k].value_span.clone(), quote_value(&new))]);
            let reparsed = parse(&edited).unwrap();
            prop_assert_eq!(reparsed.len(), parsed.len());
            for (i, (a, b)) in parsed.iter().zip(&reparsed).enumerate() {
                prop_assert_eq!(&a.key, &b.key);
                prop_assert_eq!(a.line, b.line);
                if i == k {
                    prop_assert_eq!(b.value.expose_secret(), new.as_str());
                } else {
                    prop_assert_eq!(b.value.expose_secret(), a.value.expose_secret());
                }
            }
            prop_assert_eq!(edited.matches("# c\n").count(), entries.len());
        }
    }
}
