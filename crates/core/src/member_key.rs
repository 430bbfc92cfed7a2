//! The member key: the one string a person shares so team mates can encrypt vault files to them
//! and check the files they sign, and the signer fingerprint people compare and type.
//!
//! A member key is `tkmember1_<age recipient>_<signing key>`: the install's age X25519 public
//! key (`age1...`) and its Ed25519 signing public key in bech32 (`tksign1...`). Both halves are
//! lowercase letters and digits with a checksum, joined by `_`, so a double-click selects the
//! whole key and a typo is caught instead of becoming a stranger's key.
//!
//! The fingerprint is the first 128 bits of SHA-256 of the 32-byte signing public key, as 32
//! lowercase hex digits in groups of four. minisign's key id is its first 64 bits.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use bech32::{FromBase32, ToBase32, Variant};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};

use crate::error::{Error, InputError, MemberKeyProblem, Result};

/// Start of every member key; the digit is the version of this encoding.
pub const MEMBER_KEY_PREFIX: &str = "tkmember1_";
/// Human-readable part of the bech32 signing key.
const SIGNING_HRP: &str = "tksign";
/// Hex digits in a fingerprint (128 bits).
const FINGERPRINT_HEX: usize = 32;

/// A team member's public keys: the age recipient files are encrypted to, and the Ed25519 key
/// their files are signed with. Public values only.
#[derive(Clone, PartialEq, Eq)]
pub struct MemberKey {
    age: String,
    signing: VerifyingKey,
}

impl fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberKey({self})")
    }
}

impl MemberKey {
    pub(crate) fn new(age: &age::x25519::Recipient, signing: VerifyingKey) -> Self {
        MemberKey {
            age: age.to_string(),
            signing,
        }
    }

    /// Builds a member key from its two public keys: an age recipient (`age1...`) and a raw
    /// Ed25519 signing public key.
    pub fn from_parts(age_recipient: &str, signing_key: [u8; 32]) -> Result<Self> {
        let age = age::x25519::Recipient::from_str(age_recipient.trim())
            .map_err(|_| InputError::NotAnAgeRecipient)?;
        let signing = VerifyingKey::from_bytes(&signing_key)
            .ok()
            .filter(|k| !k.is_weak())
            .ok_or(InputError::NotASigningKey)?;
        Ok(MemberKey::new(&age, signing))
    }

    /// The age X25519 recipient (`age1...`) files for this member are encrypted to.
    pub fn age_recipient(&self) -> &str {
        &self.age
    }

    /// The raw 32-byte Ed25519 signing public key.
    pub fn signing_key_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.signing
    }

    /// The signer fingerprint people compare: 128 bits of SHA-256 of the signing key,
    /// `xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx` in lowercase hex.
    pub fn fingerprint(&self) -> String {
        group(&self.fingerprint_hex())
    }

    fn fingerprint_hex(&self) -> String {
        let digest = Sha256::digest(self.signing.as_bytes());
        digest[..FINGERPRINT_HEX / 2]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// minisign's 8-byte key id, as stored in its key and signature lines: the first 64 bits of
    /// SHA-256 of the signing key.
    pub(crate) fn key_id(&self) -> [u8; 8] {
        let digest = Sha256::digest(self.signing.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        id
    }

    /// The signing key in minisign's public key encoding (`RWQ...`: base64 of "Ed", key id and
    /// key), for `minisign -V -P`.
    pub fn minisign_public_key(&self) -> String {
        let mut raw = Vec::with_capacity(42);
        raw.extend_from_slice(b"Ed");
        raw.extend_from_slice(&self.key_id());
        raw.extend_from_slice(self.signing.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(raw)
    }
}

impl fmt::Display for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signing = bech32::encode(
            SIGNING_HRP,
            self.signing.as_bytes().to_base32(),
            Variant::Bech32,
        )
        .expect("a fixed valid hrp always encodes");
        write!(f, "{MEMBER_KEY_PREFIX}{}_{signing}", self.age)
    }
}

impl FromStr for MemberKey {
    type Err = Error;

    /// Reads a member key strictly. Surrounding whitespace (from copy and paste) is ignored;
    /// anything else wrong is refused with what to do. The input is never repeated back: a
    /// secret key pasted by mistake must not end up in a message.
    fn from_str(raw: &str) -> Result<Self> {
        let s = raw.trim();
        let bad = |why: MemberKeyProblem| Error::from(InputError::BadMemberKey(why));
        if s.is_empty() {
            return Err(bad(MemberKeyProblem::Empty));
        }
        if s.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
            return Err(bad(MemberKeyProblem::AgeSecretKey));
        }
        if s.starts_with("age1") {
            return Err(bad(MemberKeyProblem::AgePublicKeyOnly));
        }
        if !s.starts_with(MEMBER_KEY_PREFIX) {
            return Err(bad(MemberKeyProblem::NotAMemberKey));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(MemberKeyProblem::Whitespace));
        }
        let rest = &s[MEMBER_KEY_PREFIX.len()..];
        let mut parts = rest.split('_');
        let (Some(age_part), Some(signing_part), None) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad(MemberKeyProblem::NotTwoParts));
        };
        let age = age::x25519::Recipient::from_str(age_part)
            .map_err(|_| bad(MemberKeyProblem::DamagedAgePart))?;
        let signing =
            parse_signing(signing_part).ok_or_else(|| bad(MemberKeyProblem::DamagedSigningPart))?;
        Ok(MemberKey::new(&age, signing))
    }
}

fn parse_signing(s: &str) -> Option<VerifyingKey> {
    let (hrp, data, variant) = bech32::decode(s).ok()?;
    if hrp != SIGNING_HRP || variant != Variant::Bech32 || s.chars().any(|c| c.is_uppercase()) {
        return None;
    }
    let bytes: [u8; 32] = Vec::<u8>::from_base32(&data).ok()?.try_into().ok()?;
    let key = VerifyingKey::from_bytes(&bytes).ok()?;
    // A small-order point verifies forged signatures; it is never a real install's key.
    (!key.is_weak()).then_some(key)
}

fn group(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// A fingerprint as typed (`--trust-signer`): any case, with or without `-`, `:` or spaces
/// between digits. Returns the canonical grouped form, or an error saying what is expected.
pub fn normalize_fingerprint(typed: &str) -> Result<String> {
    let hex: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() != FINGERPRINT_HEX || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(InputError::BadFingerprint {
            digits: FINGERPRINT_HEX,
        }
        .into());
    }
    Ok(group(&hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MemberKey {
        let age = age::x25519::Identity::generate().to_public();
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        MemberKey::new(&age, signing)
    }

    #[test]
    fn a_member_key_reads_back_what_it_wrote() {
        let k = key();
        let text = k.to_string();
        assert!(text.starts_with("tkmember1_age1"), "{text}");
        assert!(text.contains("_tksign1"), "{text}");
        assert!(text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        assert_eq!(MemberKey::from_str(&format!("  {text}\n")).unwrap(), k);
    }

    #[test]
    fn a_typo_or_a_wrong_kind_of_key_is_refused_without_echoing_it() {
        let text = key().to_string();
        let mut typo = text.clone().into_bytes();
        let last = typo.len() - 3;
        typo[last] = if typo[last] == b'q' { b'p' } else { b'q' };
        let typo = String::from_utf8(typo).unwrap();
        for (input, says) in [
            (typo.as_str(), "signing part"),
            ("age1qqqq", "only an age public key"),
            ("AGE-SECRET-KEY-1QQQQ", "secret key"),
            ("", "empty"),
            ("tkmember1_age1abc", "two parts"),
            ("hello", "not a member key"),
        ] {
            let e = MemberKey::from_str(input).unwrap_err();
            assert_eq!(e.kind(), "invalid_input");
            assert!(e.to_string().contains(says), "{input}: {e}");
            if input.len() > 8 {
                assert!(!e.to_string().contains(input), "{e}");
            }
        }
        let spaced = text.replacen("_tksign", " _tksign", 1);
        assert!(MemberKey::from_str(&spaced)
            .unwrap_err()
            .to_string()
            .contains("space"));
    }

    #[test]
    fn a_fingerprint_is_accepted_in_any_case_with_or_without_separators() {
        let fp = key().fingerprint();
        assert_eq!(fp.len(), 39);
        let compact: String = fp.chars().filter(|c| *c != '-').collect();
        assert_eq!(normalize_fingerprint(&compact.to_uppercase()).unwrap(), fp);
        assert_eq!(normalize_fingerprint(&fp.replace('-', " ")).unwrap(), fp);
        assert!(normalize_fingerprint(&compact[..30]).is_err());
        assert!(normalize_fingerprint(&format!("{}zz", &compact[..30])).is_err());
    }

    #[test]
    fn the_minisign_public_key_holds_the_key_id_and_key() {
        let k = key();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(k.minisign_public_key())
            .unwrap();
        assert_eq!(&raw[..2], b"Ed");
        assert_eq!(&raw[2..10], &k.key_id());
        assert_eq!(&raw[10..], k.signing_key_bytes());
        assert!(k.minisign_public_key().starts_with("RWQ") || raw.len() == 42);
    }
}
