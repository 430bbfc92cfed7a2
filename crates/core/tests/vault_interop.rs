//! The promise that the standard `age` tool (Debian package `age`) opens our vault files, that
//! the standard `minisign` tool (Debian package `minisign`) checks their signature by the steps
//! of docs/vault-format.md, and that a signed container `age` encrypted imports: real
//! binaries, real keychain.

use std::path::Path;
use std::process::{Command, Stdio};

use tokenkeeper_core::*;

use crate::util::*;

const KEPT: &str = "key-interop-kept-0123456789abcdef";

/// Runs `age ARGS` and returns its stdout, failing with its stderr.
fn age(args: &[&str]) -> Vec<u8> {
    let out = Command::new("age")
        .args(args)
        .output()
        .expect("the age tool runs (Debian package age, listed in scripts/packages.txt)");
    assert!(
        out.status.success(),
        "age {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `age` with a pseudo-terminal, because it reads passphrases only from a terminal;
/// `typed` is what a person would type there.
fn age_at_a_terminal(args: &str, typed: &str) {
    use std::io::Write;
    let mut child = Command::new("script")
        .args(["-qec", &format!("age {args}"), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs (util-linux)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "age {args}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// The payload inside a decrypted version-2 file (the signed container).
fn payload_of(plain: &[u8]) -> serde_json::Value {
    serde_json::from_slice(&payload_bytes(plain)).expect("the payload is JSON")
}

fn payload_bytes(plain: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let container: serde_json::Value =
        serde_json::from_slice(plain).expect("the decrypted file is JSON");
    assert_eq!(container["format"], "tokenkeeper-vault");
    assert_eq!(container["version"], 2);
    base64::engine::general_purpose::STANDARD
        .decode(container["payload"].as_str().unwrap())
        .unwrap()
}

/// Follows docs/vault-format.md, "Checking a signature by hand": after `age -d`, python3 splits
/// the container into payload.json and payload.json.minisig, and `minisign -V` checks them
/// against the signer's minisign public key. Returns minisign's output.
fn minisign_verify(dir: &Path, container: &Path, public_key: &str) -> std::process::Output {
    let split = Command::new("python3")
        .current_dir(dir)
        .args([
            "-c",
            "import json,base64,sys; c=json.load(open(sys.argv[1])); \
             open('payload.json','wb').write(base64.b64decode(c['payload'])); \
             open('payload.json.minisig','w').write(c['signature'])",
            container.to_str().unwrap(),
        ])
        .output()
        .expect("python3 runs");
    assert!(
        split.status.success(),
        "{}",
        String::from_utf8_lossy(&split.stderr)
    );
    Command::new("minisign")
        .current_dir(dir)
        .args([
            "-V",
            "-P",
            public_key,
            "-m",
            "payload.json",
            "-x",
            "payload.json.minisig",
        ])
        .output()
        .expect("minisign runs (Debian package minisign, listed in scripts/packages.txt)")
}

#[test]
fn age_decrypts_an_export_with_the_identity_kept_in_the_keychain() {
    let (_dir, mut vault) = keychain_vault();
    vault.import(import_req("kept", KEPT)).unwrap();
    let key = vault.public_key().unwrap();
    let file = vault
        .export(ExportTarget::Recipients(vec![key.clone()]))
        .unwrap();

    // The identity, as any other tool sees it in the keychain.
    let service = vault.identity().keychain_service;
    let identity = secret_tool_lookup(&service, IDENTITY_ACCOUNT).expect("identity stored");
    assert!(identity.starts_with("AGE-SECRET-KEY-1"));
    let tmp = tempfile::tempdir().unwrap();
    let id_file = write(tmp.path(), "me.txt", identity.as_bytes());
    // age-keygen derives the same public key from it that `tok whoami` shows.
    let public = Command::new("age-keygen")
        .args(["-y", &id_file])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&public.stdout).trim(), key);

    let vault_file = write(tmp.path(), "team.tkvault", &file);
    let plain = age(&["-d", "-i", &id_file, &vault_file]);
    let payload = payload_of(&plain);
    assert_eq!(payload["format"], "tokenkeeper-vault");
    assert_eq!(payload["version"], 2);
    assert_eq!(payload["tokens"][0]["name"], "kept");
    assert_eq!(payload["tokens"][0]["secret"], KEPT);

    // minisign checks the signature with the key `tok whoami` shows, and shows who signed.
    let container = tmp.path().join("container.json");
    std::fs::write(&container, &plain).unwrap();
    let id = vault.identity();
    let minisign_key = id.minisign_public_key.expect("made by the export");
    let out = minisign_verify(tmp.path(), &container, &minisign_key);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("Signature and comment signature verified"),
        "{said}"
    );
    assert!(
        said.contains(&format!("member={}", id.member_key.unwrap())),
        "{said}"
    );
    // And refuses the payload once a byte of it changed.
    let tampered = std::fs::read(tmp.path().join("payload.json"))
        .unwrap()
        .iter()
        .map(|&b| if b == b'k' { b'K' } else { b })
        .collect::<Vec<u8>>();
    std::fs::write(tmp.path().join("payload.json"), tampered).unwrap();
    let out = Command::new("minisign")
        .current_dir(tmp.path())
        .args(["-V", "-P", &minisign_key, "-m", "payload.json"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "minisign refuses a changed payload");
}

#[test]
fn age_decrypts_a_passphrase_export() {
    let (_dir, mut vault) = keychain_vault();
    vault.import(import_req("kept", KEPT)).unwrap();
    let file = vault
        .export(ExportTarget::Passphrase(secret("plum harbor violet 9")))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let vault_file = write(tmp.path(), "team.tkvault", &file);
    let out = tmp.path().join("plain.json");
    age_at_a_terminal(
        &format!("-d -o {} {vault_file}", out.display()),
        "plum harbor violet 9\n",
    );
    let payload = payload_of(&std::fs::read(out).unwrap());
    assert_eq!(payload["tokens"][0]["secret"], KEPT);
}

#[test]
fn a_signed_container_the_age_tool_encrypted_to_us_imports() {
    let (_dir, mut vault) = keychain_vault();
    let key = vault.public_key().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let json = write(tmp.path(), "vault.json", &vector("vault-v2-container.json"));
    let encrypted = tmp.path().join("by-age.tkvault");
    age(&["-r", &key, "-o", encrypted.to_str().unwrap(), &json]);
    // And the ASCII-armored form people paste into chats.
    let armored = tmp.path().join("by-age-armored.tkvault");
    age(&["-a", "-r", &key, "-o", armored.to_str().unwrap(), &json]);

    let armored_plan = vault
        .preview_import(&std::fs::read(&armored).unwrap(), ImportKey::OwnIdentity)
        .unwrap();
    assert_eq!(armored_plan.counts.new, 3);
    let plan = preview_trusted(
        &mut vault,
        &std::fs::read(&encrypted).unwrap(),
        ImportKey::OwnIdentity,
    );
    assert_eq!((plan.counts.new, plan.counts.deleted), (3, 1));
    vault.apply_import(plan, |_, _| {}).unwrap();
    let service = vault.identity().keychain_service;
    let github = vault.show("GitHub CI").unwrap().token;
    assert_eq!(
        secret_tool_lookup(&service, &github.id).as_deref(),
        Some("ghp_vectorKeychainSecret0123456789abcdef"),
        "the secret landed in the real keychain"
    );
}

#[test]
fn a_signed_container_the_age_tool_encrypted_to_a_passphrase_imports() {
    let (_dir, vault) = keychain_vault();
    let tmp = tempfile::tempdir().unwrap();
    let json = write(tmp.path(), "vault.json", &vector("vault-v2-container.json"));
    let encrypted = tmp.path().join("by-age.tkvault");
    age_at_a_terminal(
        &format!("-p -o {} {json}", encrypted.display()),
        "tide quartz ember 5\ntide quartz ember 5\n",
    );
    let plan = vault
        .preview_import(
            &std::fs::read(&encrypted).unwrap(),
            ImportKey::Passphrase(secret("tide quartz ember 5")),
        )
        .unwrap();
    assert_eq!(plan.counts.new, 3);
}

#[test]
fn age_decrypts_the_committed_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/vault");
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let plain = age(&[
        "-d",
        "-i",
        &path("test-identity.txt"),
        &path("vault-v1.tkvault"),
    ]);
    assert_eq!(plain, vector("vault-v1.json"));
    let plain = age(&[
        "-d",
        "-i",
        &path("test-identity.txt"),
        &path("vault-v2.tkvault"),
    ]);
    assert_eq!(plain, vector("vault-v2-container.json"));
    assert_eq!(payload_bytes(&plain), vector("vault-v2-payload.json"));
}

#[test]
fn minisign_checks_the_committed_v2_vector() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/vault");
    let tmp = tempfile::tempdir().unwrap();
    let container = tmp.path().join("container.json");
    let id = dir.join("test-identity.txt");
    age(&[
        "-d",
        "-i",
        id.to_str().unwrap(),
        "-o",
        container.to_str().unwrap(),
        dir.join("vault-v2.tkvault").to_str().unwrap(),
    ]);
    let public = test_member_key().minisign_public_key();
    let out = minisign_verify(tmp.path(), &container, &public);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("name=Test Vector"), "{said}");
    // The committed payload and .minisig are what the container holds.
    assert_eq!(
        std::fs::read(tmp.path().join("payload.json")).unwrap(),
        vector("vault-v2-payload.json")
    );
    assert_eq!(
        std::fs::read(tmp.path().join("payload.json.minisig")).unwrap(),
        vector("vault-v2-payload.json.minisig")
    );
    // Another key does not verify it.
    let other = MemberKey::from_parts(
        test_member_key().age_recipient(),
        ed25519_dalek::SigningKey::from_bytes(&[5u8; 32])
            .verifying_key()
            .to_bytes(),
    )
    .unwrap();
    let out = minisign_verify(tmp.path(), &container, &other.minisign_public_key());
    assert!(
        !out.status.success(),
        "a signature by another key is refused"
    );
}
