//! Signs test vault files as a Tokenkeeper install would, written here independently of the
//! core: the committed test signing key, minisign's prehashed signature with Tokenkeeper's
//! trusted comment, and the signed container. Shared by the core's and the CLI's tests, which
//! both need hostile files that pass the signature check and then meet the payload's rules.

use std::path::Path;

use tokenkeeper_core::MemberKey;

/// A committed vault test vector (crates/core/tests/vectors/vault/).
fn signing_vector(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = if dir.ends_with("core") {
        dir.join("tests/vectors/vault")
    } else {
        dir.join("../core/tests/vectors/vault")
    };
    std::fs::read(dir.join(name)).unwrap()
}

/// Who signs the committed v2 vectors and the test-made files below.
pub const TEST_SIGNER: &str = "Test Vector";

/// The committed test signing key (test-signing-key.txt; for these tests only).
pub fn test_signing_key() -> ed25519_dalek::SigningKey {
    let text = String::from_utf8(signing_vector("test-signing-key.txt")).unwrap();
    let hex = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .expect("a key line")
        .trim();
    let seed: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap())
}

/// The member key of the test signer: the committed test identity's age key and the test
/// signing key.
pub fn test_member_key() -> MemberKey {
    let text = String::from_utf8(signing_vector("test-identity.txt")).unwrap();
    let age = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap();
    MemberKey::from_parts(age, test_signing_key().verifying_key().to_bytes()).unwrap()
}

/// A minisign signature file over `payload`, written here independently of the core (as
/// `minisign -S -H` would, with Tokenkeeper's trusted comment).
pub fn minisig(
    payload: &[u8],
    key: &ed25519_dalek::SigningKey,
    member: &MemberKey,
    name: &str,
    at: &str,
) -> String {
    use base64::Engine as _;
    use blake2::Digest as _;
    use ed25519_dalek::Signer as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let public = b64.decode(member.minisign_public_key()).unwrap();
    let key_id = &public[2..10];
    let sig = key.sign(&blake2::Blake2b512::digest(payload)).to_bytes();
    let trusted = format!("tokenkeeper-vault 2 signed_at={at} member={member} name={name}");
    let mut global = sig.to_vec();
    global.extend_from_slice(trusted.as_bytes());
    let global = key.sign(&global).to_bytes();
    let line = [&b"ED"[..], key_id, &sig].concat();
    format!(
        "untrusted comment: test signature\n{}\ntrusted comment: {trusted}\n{}\n",
        b64.encode(line),
        b64.encode(global)
    )
}

/// The signed container (the plaintext of a version-2 file) around `payload`.
pub fn container(payload: &[u8], minisig: &str, member: &MemberKey, name: &str) -> Vec<u8> {
    use base64::Engine as _;
    let c = serde_json::json!({
        "format": "tokenkeeper-vault",
        "version": 2,
        "signer": { "name": name, "member_key": member.to_string() },
        "signature": minisig,
        "payload": base64::engine::general_purpose::STANDARD.encode(payload),
    });
    serde_json::to_vec_pretty(&c).unwrap()
}

/// `payload` signed by the test signer: what a version-2 file decrypts to.
pub fn signed(payload: &[u8]) -> Vec<u8> {
    let (key, member) = (test_signing_key(), test_member_key());
    let sig = minisig(payload, &key, &member, TEST_SIGNER, "2026-11-24T12:00:00Z");
    container(payload, &sig, &member, TEST_SIGNER)
}
