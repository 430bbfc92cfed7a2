//! Recognises which service a key belongs to from its well-known format (GitHub's `ghp_`,
//! Stripe's `sk_live_`, ...), so an import can file it under that service without asking. The
//! table in docs/key-formats.md lists the same formats; a test keeps them in step.

use secrecy::{ExposeSecret, SecretString};

/// What follows a format's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rest {
    /// At least this many more characters of letters, digits, `_` and `-`.
    AtLeast(usize),
    /// Exactly this many more uppercase letters and digits (AWS key ids).
    UpperAlnum(usize),
    /// Exactly this many more letters, digits, `_` and `-` (Google API keys).
    Exactly(usize),
    /// Exactly this many more lowercase hex digits (Twilio API key SIDs).
    Hex(usize),
}

/// A well-known key format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFormat {
    /// The service a key of this format is filed under.
    pub service: &'static str,
    /// What the key starts with (case-sensitive).
    pub prefix: &'static str,
    /// What follows.
    pub rest: Rest,
    /// What kind of key it is, for the docs.
    pub what: &'static str,
}

const fn f(
    service: &'static str,
    prefix: &'static str,
    rest: Rest,
    what: &'static str,
) -> KeyFormat {
    KeyFormat {
        service,
        prefix,
        rest,
        what,
    }
}

/// The formats recognised, most specific first (`sk-ant-` before any other `sk-`).
pub const KEY_FORMATS: &[KeyFormat] = &[
    f(
        "GitHub",
        "ghp_",
        Rest::AtLeast(30),
        "personal access token (classic)",
    ),
    f(
        "GitHub",
        "github_pat_",
        Rest::AtLeast(30),
        "fine-grained personal access token",
    ),
    f("GitHub", "gho_", Rest::AtLeast(30), "OAuth access token"),
    f(
        "GitHub",
        "ghu_",
        Rest::AtLeast(30),
        "GitHub App user access token",
    ),
    f(
        "GitHub",
        "ghs_",
        Rest::AtLeast(30),
        "GitHub App installation access token",
    ),
    f(
        "GitHub",
        "ghr_",
        Rest::AtLeast(30),
        "GitHub App refresh token",
    ),
    f(
        "GitLab",
        "glpat-",
        Rest::AtLeast(20),
        "personal, project or group access token",
    ),
    f("GitLab", "gldt-", Rest::AtLeast(20), "deploy token"),
    f(
        "Stripe",
        "sk_live_",
        Rest::AtLeast(16),
        "secret key (live mode)",
    ),
    f(
        "Stripe",
        "rk_live_",
        Rest::AtLeast(16),
        "restricted key (live mode)",
    ),
    f(
        "Stripe",
        "sk_test_",
        Rest::AtLeast(16),
        "secret key (test mode)",
    ),
    f(
        "Stripe",
        "rk_test_",
        Rest::AtLeast(16),
        "restricted key (test mode)",
    ),
    f(
        "Stripe",
        "whsec_",
        Rest::AtLeast(16),
        "webhook signing secret",
    ),
    f("Anthropic", "sk-ant-", Rest::AtLeast(20), "API key"),
    f("OpenAI", "sk-proj-", Rest::AtLeast(20), "project API key"),
    f(
        "OpenAI",
        "sk-svcacct-",
        Rest::AtLeast(20),
        "service account API key",
    ),
    f("Slack", "xoxb-", Rest::AtLeast(20), "bot token"),
    f("Slack", "xoxp-", Rest::AtLeast(20), "user token"),
    f("Slack", "xapp-", Rest::AtLeast(20), "app-level token"),
    f("AWS", "AKIA", Rest::UpperAlnum(16), "access key ID"),
    f(
        "AWS",
        "ASIA",
        Rest::UpperAlnum(16),
        "temporary (STS) access key ID",
    ),
    f("Google", "AIza", Rest::Exactly(35), "API key"),
    f("npm", "npm_", Rest::AtLeast(30), "access token"),
    f("PyPI", "pypi-", Rest::AtLeast(50), "API token"),
    f("Twilio", "SK", Rest::Hex(32), "API key SID"),
    f("SendGrid", "SG.", Rest::AtLeast(40), "API key"),
    f(
        "Hugging Face",
        "hf_",
        Rest::AtLeast(30),
        "user access token",
    ),
    f(
        "DigitalOcean",
        "dop_v1_",
        Rest::Hex(64),
        "personal access token",
    ),
    f("Shopify", "shpat_", Rest::Hex(32), "Admin API access token"),
];

/// The service Tokenkeeper's own tokens (`tk_...`, checked by their checksum) are filed under.
pub const TOKENKEEPER_SERVICE: &str = "Tokenkeeper";

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl KeyFormat {
    /// Whether `key` is of this format.
    pub fn matches(&self, key: &str) -> bool {
        let Some(rest) = key.strip_prefix(self.prefix) else {
            return false;
        };
        let b = rest.as_bytes();
        match self.rest {
            // SendGrid keys are two base64url parts joined by a dot.
            Rest::AtLeast(n) => {
                b.len() >= n
                    && b.iter()
                        .all(|&c| word_byte(c) || (self.prefix == "SG." && c == b'.'))
            }
            Rest::UpperAlnum(n) => {
                b.len() == n
                    && b.iter()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            }
            Rest::Exactly(n) => b.len() == n && b.iter().all(|&c| word_byte(c)),
            Rest::Hex(n) => {
                b.len() == n
                    && b.iter()
                        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            }
        }
    }
}

/// The format `secret` is of, if any.
pub fn recognise(secret: &SecretString) -> Option<&'static KeyFormat> {
    let key = secret.expose_secret().trim();
    KEY_FORMATS.iter().find(|f| f.matches(key))
}

/// The service `secret` belongs to, recognised from its format: a table entry, or Tokenkeeper's
/// own format with the default `tk` prefix.
pub fn service_of(secret: &SecretString) -> Option<&'static str> {
    if let Some(format) = recognise(secret) {
        return Some(format.service);
    }
    let key = secret.expose_secret().trim();
    match crate::token_format::check(key) {
        Ok(_) if key.starts_with("tk_") => Some(TOKENKEEPER_SERVICE),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(key: &str) -> Option<&'static str> {
        service_of(&SecretString::from(key.to_string()))
    }

    #[test]
    fn recognises_the_well_known_formats() {
        let cases = [
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", Some("GitHub")),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
                Some("GitHub"),
            ),
            ("glpat-abcdefghij0123456789", Some("GitLab")),
            ("sk_live_51Habcdefghijklmnop", Some("Stripe")),
            ("rk_live_51Habcdefghijklmnop", Some("Stripe")),
            ("sk-proj-abcdefghijklmnopqrstuvwxyz", Some("OpenAI")),
            ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", Some("Anthropic")),
            ("xoxb-123456789012-abcdefghijkl", Some("Slack")),
            ("AKIAIOSFODNN7EXAMPLE", Some("AWS")),
            ("AIzaSyA-abcdefghijklmnopqrstuvwxyz01234", Some("Google")),
            ("npm_abcdefghijklmnopqrstuvwxyz0123456789", Some("npm")),
            ("SK0123456789abcdef0123456789abcdef", Some("Twilio")),
            (
                "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                Some("SendGrid"),
            ),
            // Too short, wrong case, or words that merely start the same way.
            ("ghp_short", None),
            ("AKIAiosfodnn7example", None),
            ("SKY_IS_BLUE", None),
            ("sk-abc", None),
            ("hello", None),
        ];
        for (key, want) in cases {
            assert_eq!(service(key), want, "{key}");
        }
    }

    #[test]
    fn recognises_tokenkeeper_tokens_by_checksum() {
        let token = crate::token_format::generate("tk").unwrap();
        assert_eq!(service_of(&token), Some(TOKENKEEPER_SERVICE));
        let mut broken = token.expose_secret().to_string();
        let last = broken.pop().unwrap();
        broken.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(service(&broken), None);
    }

    #[test]
    fn the_docs_table_lists_every_format() {
        let doc = include_str!("../../../../docs/key-formats.md");
        for f in KEY_FORMATS {
            let row = format!("| {} | `{}` |", f.service, f.prefix);
            assert!(
                doc.contains(&row),
                "docs/key-formats.md lacks the row {row}"
            );
        }
        assert!(doc.contains(&format!("| {TOKENKEEPER_SERVICE} | `tk_` |")));
    }
}
