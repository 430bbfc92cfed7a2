//! The signed container inside a version-2 vault file (docs/vault-format.md, "Signature"): the
//! payload JSON bytes, a minisign signature over exactly those bytes, and who signed them.
//!
//! An age file says nothing about who made it, so this is checked before anything else in the
//! file is read. The signature is minisign's prehashed form ("ED": Ed25519 over BLAKE2b-512 of
//! the payload), so after `age -d` the standard `minisign -V` checks it too.

use base64::Engine as _;
use blake2::{Blake2b512, Digest};
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::payload::{self, FORMAT};
use crate::error::{
    Error, NotAVaultFileError, Result, StorageError, UnsignedError, VaultFileError,
};
use crate::member_key::MemberKey;

/// The version of the signed container (and of the payload inside it).
pub const VERSION: u32 = 2;
/// How every trusted comment starts; the rest names the signer.
const TRUSTED_PREFIX: &str = "tokenkeeper-vault 2";
/// minisign's algorithm tag for a prehashed (BLAKE2b-512) Ed25519 signature.
const PREHASHED: &[u8; 2] = b"ED";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Serialize)]
struct ContainerOut<'a> {
    format: &'static str,
    version: u32,
    signer: SignerOut<'a>,
    signature: &'a str,
    payload: &'a str,
}

#[derive(Serialize)]
struct SignerOut<'a> {
    name: &'a str,
    member_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerIn {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u32,
    signer: SignerIn,
    signature: String,
    /// Base64 of the payload, which holds secrets.
    payload: SecretString,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignerIn {
    name: String,
    member_key: String,
}

/// Enough of the top-level object to tell v1, v2 and foreign files apart.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    signature: Option<serde::de::IgnoredAny>,
    payload: Option<serde::de::IgnoredAny>,
}

/// Who signed a file, as proven by its signature.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub member_key: MemberKey,
    /// The name the signer gave (in the signed trusted comment): a claim, not an identity.
    pub name: String,
    pub signed_at: DateTime<Utc>,
}

/// The one line minisign shows as "Trusted comment", covered by the global signature:
/// `tokenkeeper-vault 2 signed_at=<RFC 3339> member=<member key> name=<signer's name>`.
fn trusted_comment(name: &str, member: &MemberKey, at: DateTime<Utc>) -> String {
    format!(
        "{TRUSTED_PREFIX} signed_at={} member={member} name={name}",
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

fn parse_trusted_comment(c: &str) -> Option<(DateTime<Utc>, &str, &str)> {
    let rest = c
        .strip_prefix(TRUSTED_PREFIX)?
        .strip_prefix(" signed_at=")?;
    let (at, rest) = rest.split_once(" member=")?;
    let (member, name) = rest.split_once(" name=")?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, member, name))
}

/// The minisign signature file (`.minisig`) for `payload`: four lines, as `minisign -S -H`
/// writes them.
pub(crate) fn minisig(
    payload: &[u8],
    key: &SigningKey,
    member: &MemberKey,
    name: &str,
    at: DateTime<Utc>,
) -> String {
    let signature = key.sign(&Blake2b512::digest(payload));
    let mut line = Vec::with_capacity(74);
    line.extend_from_slice(PREHASHED);
    line.extend_from_slice(&member.key_id());
    line.extend_from_slice(&signature.to_bytes());
    let trusted = trusted_comment(name, member, at);
    let mut global = signature.to_bytes().to_vec();
    global.extend_from_slice(trusted.as_bytes());
    let global = key.sign(&global);
    format!(
        "untrusted comment: Tokenkeeper vault file signed by {}\n{}\ntrusted comment: {trusted}\n{}\n",
        member.fingerprint(),
        B64.encode(line),
        B64.encode(global.to_bytes())
    )
}

/// Wraps a payload in the signed container. The result holds the payload's secrets (in
/// base64) and is zeroed on drop.
pub(crate) fn seal(
    payload: &[u8],
    key: &SigningKey,
    member: &MemberKey,
    name: &str,
    at: DateTime<Utc>,
) -> Result<Zeroizing<Vec<u8>>> {
    let signature = minisig(payload, key, member, name, at);
    let encoded = Zeroizing::new(B64.encode(payload));
    let container = ContainerOut {
        format: FORMAT,
        version: VERSION,
        signer: SignerOut {
            name,
            member_key: member.to_string(),
        },
        signature: &signature,
        payload: &encoded,
    };
    let mut out = Zeroizing::new(Vec::with_capacity(encoded.len() + 1024));
    serde_json::to_writer(&mut *out, &container).map_err(|source| StorageError::Json {
        context: "could not write the vault file".into(),
        source,
    })?;
    Ok(out)
}

/// Reads the decrypted file: refuses unsigned (every version 1) and badly signed files, and
/// returns the payload bytes only once the signature over them holds.
pub(crate) fn open(plaintext: &[u8]) -> Result<(Zeroizing<Vec<u8>>, Verified)> {
    let header: Header =
        serde_json::from_slice(plaintext).map_err(|_| NotAVaultFileError::NotJson)?;
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(NotAVaultFileError::OtherFormat { format: FORMAT }.into());
    }
    match header.version.as_ref().and_then(|v| v.as_u64()) {
        Some(1) => return Err(UnsignedError::Version1.into()),
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) if v > u64::from(VERSION) => return Err(payload::newer_version(v)),
        _ => return Err(VaultFileError::ContainerVersion { version: VERSION }.into()),
    }
    if header.signature.is_none() || header.payload.is_none() {
        return Err(UnsignedError::NoSignature.into());
    }
    // serde's message may quote a value from the file: only its redacted words are kept.
    let container: ContainerIn =
        serde_json::from_slice(plaintext).map_err(|e| VaultFileError::Container {
            why: payload::redact(&e),
        })?;

    let member_key: MemberKey =
        container.signer.member_key.parse().map_err(|_| {
            bad_signature("the signer's member key in it is not a valid member key")
        })?;
    let mut bytes = Zeroizing::new(Vec::new());
    B64.decode_vec(container.payload.expose_secret(), &mut bytes)
        .map_err(|_| VaultFileError::PayloadNotBase64)?;
    let verified = verify(
        &container.signature,
        &bytes,
        &member_key,
        &container.signer.name,
    )?;
    Ok((bytes, verified))
}

fn bad_signature(why: &'static str) -> Error {
    Error::BadSignature { why }
}

/// Checks a `.minisig` text against the payload and the member key the container names, and
/// that the signed trusted comment names the same key and signer.
fn verify(sig: &str, payload: &[u8], member: &MemberKey, name: &str) -> Result<Verified> {
    let text = sig.strip_suffix('\n').unwrap_or(sig);
    let lines: Vec<&str> = text.split('\n').collect();
    let [untrusted, sig_line, trusted_line, global_line] = lines[..] else {
        return Err(bad_signature(
            "it is not a minisign signature of four lines",
        ));
    };
    if !untrusted.starts_with("untrusted comment: ") {
        return Err(bad_signature("it is not a minisign signature"));
    }
    let raw = B64
        .decode(sig_line)
        .map_err(|_| bad_signature("its signature line is not base64"))?;
    if raw.len() != 74 {
        return Err(bad_signature("its signature line has the wrong length"));
    }
    if &raw[..2] != PREHASHED {
        return Err(bad_signature(
            "it is not a prehashed (ED) minisign signature",
        ));
    }
    if raw[2..10] != member.key_id() {
        return Err(bad_signature(
            "it was made by another key than the one it names",
        ));
    }
    let signature = Signature::from_slice(&raw[10..]).expect("64 bytes");
    let key = member.verifying_key();
    key.verify_strict(&Blake2b512::digest(payload), &signature)
        .map_err(|_| bad_signature("it does not match the contents"))?;

    let trusted = trusted_line
        .strip_prefix("trusted comment: ")
        .ok_or_else(|| bad_signature("it has no trusted comment"))?;
    let global: [u8; 64] = B64
        .decode(global_line)
        .ok()
        .and_then(|g| g.try_into().ok())
        .ok_or_else(|| bad_signature("its last line is not a signature"))?;
    let mut signed = signature.to_bytes().to_vec();
    signed.extend_from_slice(trusted.as_bytes());
    key.verify_strict(&signed, &Signature::from_bytes(&global))
        .map_err(|_| bad_signature("its trusted comment was changed"))?;
    let (signed_at, claimed_member, claimed_name) = parse_trusted_comment(trusted)
        .ok_or_else(|| bad_signature("its trusted comment is not Tokenkeeper's"))?;
    if claimed_member != member.to_string() || claimed_name != name {
        return Err(bad_signature(
            "the signer it names is not the one its signature names",
        ));
    }
    Ok(Verified {
        member_key: member.clone(),
        name: name.to_string(),
        signed_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> (SigningKey, MemberKey) {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let age = age::x25519::Identity::generate().to_public();
        let member = MemberKey::new(&age, key.verifying_key());
        (key, member)
    }

    #[test]
    fn a_sealed_payload_opens_and_names_its_signer() {
        let (key, member) = signer();
        let at = Utc::now();
        let sealed = seal(b"{\"format\":\"x\"}", &key, &member, "Ana Li", at).unwrap();
        let (bytes, who) = open(&sealed).unwrap();
        assert_eq!(&bytes[..], b"{\"format\":\"x\"}");
        assert_eq!(who.member_key, member);
        assert_eq!(who.name, "Ana Li");
        assert_eq!(who.signed_at.timestamp(), at.timestamp());
    }

    #[test]
    fn a_changed_payload_or_name_or_key_is_a_bad_signature() {
        let (key, member) = signer();
        let sealed = seal(b"[1,2,3]", &key, &member, "Ana", Utc::now()).unwrap();
        let mut c: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        let tamper = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut c = c.clone();
            f(&mut c);
            open(&serde_json::to_vec(&c).unwrap()).unwrap_err()
        };
        let e = tamper(&|c| c["payload"] = B64.encode(b"[1,2,4]").into());
        assert_eq!(e.kind(), "bad_signature", "{e}");
        let e = tamper(&|c| c["signer"]["name"] = "Boss".into());
        assert_eq!(e.kind(), "bad_signature", "{e}");
        let (_, other) = signer();
        let other_age = age::x25519::Identity::generate().to_public();
        let swapped = MemberKey::new(&other_age, *member.verifying_key());
        let e = tamper(&|c| c["signer"]["member_key"] = swapped.to_string().into());
        assert_eq!(e.kind(), "bad_signature", "{e}");
        drop(other);
        let other_key = SigningKey::from_bytes(&[3u8; 32]);
        let impostor = MemberKey::new(&other_age, other_key.verifying_key());
        let e = tamper(&|c| c["signer"]["member_key"] = impostor.to_string().into());
        assert_eq!(e.kind(), "bad_signature", "{e}");
        let e = tamper(&|c| {
            c.as_object_mut().unwrap().remove("signature");
        });
        assert_eq!(e.kind(), "unsigned_vault_file", "{e}");
        c["version"] = 1.into();
        let e = open(&serde_json::to_vec(&c).unwrap()).unwrap_err();
        assert_eq!(e.kind(), "unsigned_vault_file", "{e}");
        assert!(e.to_string().contains("older Tokenkeeper"), "{e}");
    }
}
