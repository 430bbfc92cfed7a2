//! The promise that the standard `age` tool (Debian package `age`) opens our vault files, and
//! that a payload it encrypted imports: real binary, real keychain.

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

fn payload_of(plain: &[u8]) -> serde_json::Value {
    serde_json::from_slice(plain).expect("the decrypted payload is JSON")
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
    let payload = payload_of(&age(&["-d", "-i", &id_file, &vault_file]));
    assert_eq!(payload["format"], "tokenkeeper-vault");
    assert_eq!(payload["version"], 1);
    assert_eq!(payload["tokens"][0]["name"], "kept");
    assert_eq!(payload["tokens"][0]["secret"], KEPT);
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
fn a_payload_the_age_tool_encrypted_to_us_imports() {
    let (_dir, mut vault) = keychain_vault();
    let key = vault.public_key().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let json = write(tmp.path(), "vault.json", &vector("vault-v1.json"));
    let encrypted = tmp.path().join("by-age.tkvault");
    age(&["-r", &key, "-o", encrypted.to_str().unwrap(), &json]);
    // And the ASCII-armored form people paste into chats.
    let armored = tmp.path().join("by-age-armored.tkvault");
    age(&["-a", "-r", &key, "-o", armored.to_str().unwrap(), &json]);

    let armored_plan = vault
        .preview_import(&std::fs::read(&armored).unwrap(), ImportKey::OwnIdentity)
        .unwrap();
    assert_eq!(armored_plan.counts.new, 3);
    let plan = vault
        .preview_import(&std::fs::read(&encrypted).unwrap(), ImportKey::OwnIdentity)
        .unwrap();
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
fn a_payload_the_age_tool_encrypted_to_a_passphrase_imports() {
    let (_dir, vault) = keychain_vault();
    let tmp = tempfile::tempdir().unwrap();
    let json = write(tmp.path(), "vault.json", &vector("vault-v1.json"));
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
}
