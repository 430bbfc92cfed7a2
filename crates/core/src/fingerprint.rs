//! How a secret is identified without keeping it: its fingerprint and a short display hint.
//!
//! Two kinds of fingerprint: generated tokens keep the plain SHA-256 of the secret (they carry
//! about 190 random bits, and verification by a service needs a hash anyone can recompute); keys
//! the user adds are fingerprinted with HMAC-SHA256 under a per-install [`FingerprintKey`] kept
//! in the keychain, over their SHA-256, so a database leaked without the keychain cannot confirm a
//! guessed low-entropy key offline.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The fingerprint of a secret as stored: SHA-256 hex for generated tokens, keyed (see
/// [`FingerprintKey`]) for keys the user adds. Serves verification and duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The plain SHA-256 of a secret (generated tokens, and what a vault file carries).
    pub fn of(secret: &SecretString) -> Self {
        Fingerprint(hex(&Sha256::digest(secret.expose_secret().as_bytes())))
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

/// This install's key for the fingerprints of added keys: 32 random bytes, kept in the keychain
/// (account `fingerprint-key`), never in SQLite. The keyed fingerprint of a secret is
/// `HMAC-SHA256(key, SHA-256(secret))` in hex, so a plain fingerprint (from a vault file, or a
/// row written before keyed fingerprints) turns into the keyed one without the secret.
pub(crate) struct FingerprintKey(Zeroizing<[u8; 32]>);

impl FingerprintKey {
    /// A new random key from the OS CSPRNG.
    pub(crate) fn generate() -> crate::Result<Self> {
        use rand::TryRngCore;
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng
            .try_fill_bytes(key.as_mut_slice())
            .map_err(|source| crate::error::StorageError::RandomForFingerprintKey { source })?;
        Ok(FingerprintKey(key))
    }

    /// Reads the key as the keychain holds it: 64 hex digits.
    pub(crate) fn from_stored(stored: &SecretString) -> Option<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        decode_hex(stored.expose_secret().trim(), key.as_mut_slice())?;
        Some(FingerprintKey(key))
    }

    /// The key as the keychain keeps it: 64 hex digits.
    pub(crate) fn to_stored(&self) -> SecretString {
        SecretString::from(hex(self.0.as_slice()))
    }

    /// The keyed fingerprint of a secret.
    pub(crate) fn of(&self, secret: &SecretString) -> Fingerprint {
        self.of_digest(&Sha256::digest(secret.expose_secret().as_bytes()))
    }

    /// The keyed form of a plain fingerprint (SHA-256 hex), or None if it is not 64 hex digits.
    pub(crate) fn rekey(&self, plain: &str) -> Option<Fingerprint> {
        let mut digest = [0u8; 32];
        decode_hex(plain, &mut digest)?;
        Some(self.of_digest(&digest))
    }

    /// A copy of the key, for a scan that runs apart from the vault.
    pub(crate) fn duplicate(&self) -> Self {
        FingerprintKey(Zeroizing::new(*self.0))
    }

    /// The keyed fingerprint of a secret's SHA-256, as raw bytes (the scan compares bytes).
    pub(crate) fn keyed_digest(&self, digest: &[u8; 32]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_slice())
            .expect("HMAC takes a key of any length");
        mac.update(digest);
        mac.finalize().into_bytes().into()
    }

    fn of_digest(&self, digest: &[u8]) -> Fingerprint {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_slice())
            .expect("HMAC takes a key of any length");
        mac.update(digest);
        Fingerprint(hex(&mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey([REDACTED])")
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Decodes exactly `out.len()` bytes of lowercase or uppercase hex; None for anything else.
fn decode_hex(s: &str, out: &mut [u8]) -> Option<()> {
    let b = s.as_bytes();
    if b.len() != out.len() * 2 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(())
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
    fn keyed_fingerprint_is_hmac_of_the_sha256_and_rekeys_a_plain_one() {
        let key = FingerprintKey::from_stored(&s(&"0b".repeat(32))).unwrap();
        let plain = Fingerprint::of(&s("abc"));
        let keyed = key.of(&s("abc"));
        // HMAC-SHA256(key = 0x0b * 32, message = the 32 bytes of SHA-256("abc")), computed
        // independently: `printf abc | sha256sum | cut -c1-64 | xxd -r -p |
        // openssl dgst -sha256 -mac HMAC -macopt hexkey:0b0b...0b`.
        assert_eq!(
            keyed.as_str(),
            "1e18c60af672a9a88fc69f853427d3283774b9f9672a5f83833ea5a463a47ccf"
        );
        assert_ne!(keyed, plain);
        assert_eq!(key.rekey(plain.as_str()), Some(keyed.clone()));
        assert_eq!(key.rekey("not hex"), None);
        let other = FingerprintKey::generate().unwrap();
        assert_ne!(other.of(&s("abc")), keyed);
        assert_eq!(
            FingerprintKey::from_stored(&key.to_stored())
                .unwrap()
                .of(&s("abc")),
            keyed
        );
        assert!(!format!("{key:?}").contains("0b0b"));
    }

    #[test]
    fn constant_time_match() {
        let f = Fingerprint::of(&s("abc"));
        assert!(f.matches("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        assert!(!f.matches("ba7816bf"));
        assert!(!f.matches(&"0".repeat(64)));
    }
}
