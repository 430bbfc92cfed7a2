//! Checks on user input, each with a message that says what was wrong and what to do.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest secret accepted for import, in bytes.
pub const MAX_SECRET_BYTES: usize = 8192;

/// Why a short piece of text (a name) was refused.
enum PlainTextError {
    Empty,
    TooLong(usize),
    Control,
}

/// Trimmed text of 1 to `max` characters with no control characters: the rule every name follows.
fn plain_text(raw: &str, max: usize) -> std::result::Result<String, PlainTextError> {
    let text = raw.trim();
    let n = text.chars().count();
    if n == 0 {
        Err(PlainTextError::Empty)
    } else if n > max {
        Err(PlainTextError::TooLong(n))
    } else if text.chars().any(char::is_control) {
        Err(PlainTextError::Control)
    } else {
        Ok(text.to_string())
    }
}

/// A token name: trimmed, 1-100 characters, no control characters.
pub(crate) fn name(raw: &str) -> Result<String> {
    plain_text(raw, MAX_NAME_CHARS).map_err(|e| match e {
        PlainTextError::Empty => {
            Error::invalid("Name is required: give the token a name of 1 to 100 characters")
        }
        PlainTextError::TooLong(n) => Error::invalid(format!(
            "Name is too long ({n} characters); use at most {MAX_NAME_CHARS}"
        )),
        PlainTextError::Control => Error::invalid(
            "Name contains a control character (such as a tab or newline); use plain text",
        ),
    })
}

/// The display name recorded on events: 1-100 characters of plain text.
pub(crate) fn display_name(raw: &str) -> Result<String> {
    plain_text(raw, 100)
        .map_err(|_| Error::invalid("Display name must be 1 to 100 characters of plain text"))
}

pub(crate) fn description(raw: &str) -> Result<String> {
    let d = raw.trim();
    let n = d.chars().count();
    if n > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(format!(
            "Description is too long ({n} characters); use at most {MAX_DESCRIPTION_CHARS}"
        )));
    }
    Ok(d.to_string())
}

/// Scopes: each 1-64 characters of letters, digits and `:._-`; duplicates dropped, order kept.
pub(crate) fn scopes(raw: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for s in raw {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid(
                "A scope is empty; remove it or name it (for example read, write or billing:read)",
            ));
        }
        if s.len() > 64
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'))
        {
            return Err(Error::invalid(format!(
                "Scope '{}' is not valid; use up to 64 letters, digits and : . _ - (for example billing:read)",
                s.chars().take(64).collect::<String>()
            )));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// An expiry must lie in the future.
pub(crate) fn expiry(
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    match expires_at {
        Some(t) if t <= now => Err(Error::invalid(format!(
            "Expiry {} is in the past; choose a future date, or no expiry",
            t.format("%Y-%m-%d %H:%M UTC")
        ))),
        other => Ok(other),
    }
}

/// A key the user pastes in: surrounding whitespace removed, not empty, no control characters.
pub(crate) fn imported_secret(raw: &SecretString) -> Result<SecretString> {
    let s = raw.expose_secret().trim();
    if s.is_empty() {
        return Err(Error::invalid(
            "The key is empty; paste the key the service gave you",
        ));
    }
    if s.len() > MAX_SECRET_BYTES {
        return Err(Error::invalid(format!(
            "The key is longer than {MAX_SECRET_BYTES} bytes; check that you pasted only the key"
        )));
    }
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(
            "The key contains whitespace or a control character; paste only the key itself",
        ));
    }
    Ok(SecretString::from(s.to_string()))
}

/// A token presented for verification. Same rules as an imported key, with its own wording.
pub(crate) fn presented(raw: &SecretString) -> Result<SecretString> {
    imported_secret(raw).map_err(|e| match e {
        Error::InvalidInput(msg) => {
            Error::InvalidInput(msg.replace("The key", "The presented token").replace(
                "paste the key the service gave you",
                "pass the token to verify on stdin",
            ))
        }
        other => other,
    })
}

/// A service name: trimmed, 1-64 characters, no control characters.
pub(crate) fn service_name(raw: &str) -> Result<String> {
    plain_text(raw, 64)
        .map_err(|_| Error::invalid("Service name must be 1 to 64 characters of plain text"))
}

/// A header template must contain `{token}` and look like `Header-Name: value`.
pub(crate) fn auth_header(raw: &str) -> Result<String> {
    let h = raw.trim();
    let ok = h.contains("{token}")
        && h.split_once(':').is_some_and(|(n, _)| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if !ok {
        return Err(Error::invalid(format!(
            "Header template '{h}' is not valid; write it as 'Header-Name: ... {{token}}', \
             for example 'Authorization: Bearer {{token}}' or 'xc-token: {{token}}'"
        )));
    }
    Ok(h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  ci deploy ").unwrap(), "ci deploy");
        assert!(name("")
            .unwrap_err()
            .to_string()
            .contains("Name is required"));
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(100)).is_ok());
        let long = name(&"x".repeat(101)).unwrap_err().to_string();
        assert!(long.contains("101") && long.contains("100"), "{long}");
        assert!(
            name(&"é".repeat(100)).is_ok(),
            "counts characters, not bytes"
        );
        assert!(name("a\nb").is_err());
    }

    #[test]
    fn scopes_are_checked_and_deduplicated() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            scopes(&v(&["read", "billing:read", "read"])).unwrap(),
            v(&["read", "billing:read"])
        );
        assert!(scopes(&v(&["has space"])).is_err());
        assert!(scopes(&v(&[""])).is_err());
    }

    #[test]
    fn past_expiry_is_refused() {
        let now = Utc::now();
        assert!(expiry(Some(now - chrono::Duration::seconds(1)), now).is_err());
        assert!(expiry(Some(now + chrono::Duration::days(1)), now).is_ok());
        assert!(expiry(None, now).unwrap().is_none());
    }

    #[test]
    fn header_templates_need_a_token_placeholder() {
        assert!(auth_header("xc-token: {token}").is_ok());
        assert!(auth_header("Authorization: Bearer {token}").is_ok());
        assert!(auth_header("Authorization: Bearer").is_err());
        assert!(auth_header("{token}").is_err());
    }

    #[test]
    fn secret_messages_never_echo_the_secret() {
        let e = imported_secret(&SecretString::from("abc def".to_string())).unwrap_err();
        assert!(!e.to_string().contains("abc"));
    }
}
