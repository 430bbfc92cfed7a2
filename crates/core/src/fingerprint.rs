//! How a secret is identified without keeping it: its SHA-256 fingerprint and a short display hint.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// SHA-256 hex of a secret. Serves verification and duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Hashes a secret.
    pub fn of(secret: &SecretString) -> Self {
        let digest = Sha256::digest(secret.expose_secret().as_bytes());
        let mut hex = String::with_capacity(64);
        for b in digest {
            use std::fmt::Write;
            let _ = write!(hex, "{b:02x}");
        }
        Fingerprint(hex)
    }

    /// Wraps a stored fingerprint.
    pub fn from_hex(hex: impl Into<String>) -> Self {
        Fingerprint(hex.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in constant time, so a caller cannot learn how much of a fingerprint matched.
    pub fn matches(&self, other: &str) -> bool {
        self.0.len() == other.len() && bool::from(self.0.as_bytes().ct_eq(other.as_bytes()))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The only part of a secret the list shows: its prefix (up to and including the first `_` or
/// `-`, when that comes early) and its last characters, e.g. `tk_…9fQa`. Short secrets show less,
/// so a hint never gives away a meaningful share of the secret.
pub fn hint_for(secret: &SecretString) -> String {
    let s = secret.expose_secret();
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let tail = match n {
        0..=7 => 0,
        8..=15 => 2,
        _ => 4,
    };
    let prefix: String = match chars.iter().position(|c| *c == '_' || *c == '-') {
        Some(i) if i <= 8 && n >= 16 && n - (i + 1) >= 12 => chars[..=i].iter().collect(),
        _ => String::new(),
    };
    let last: String = chars[n - tail..].iter().collect();
    format!("{prefix}…{last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> SecretString {
        SecretString::from(v.to_string())
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        // Known vector: SHA-256("abc").
        assert_eq!(
            Fingerprint::of(&s("abc")).as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hint_keeps_prefix_and_last_four() {
        assert_eq!(
            hint_for(&s("tk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA9fQaZZ")),
            "tk_…QaZZ"
        );
        assert_eq!(
            hint_for(&s("ghp_abcdefghijklmnopqrstuvwxyz123456")),
            "ghp_…3456"
        );
        assert_eq!(hint_for(&s("sk-live-abcdefghijklmnop")), "sk-…mnop");
    }

    #[test]
    fn short_secrets_show_less() {
        assert_eq!(hint_for(&s("abcdefghij")), "…ij");
        assert_eq!(hint_for(&s("abc")), "…");
    }

    #[test]
    fn constant_time_match() {
        let f = Fingerprint::of(&s("abc"));
        assert!(f.matches("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        assert!(!f.matches("ba7816bf"));
        assert!(!f.matches(&"0".repeat(64)));
    }
}
