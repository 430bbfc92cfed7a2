//! The decrypt layer of import against age's published test vectors, the C2SP CCTV age testkit
//! (npm package `cctv-age`, pinned in crates/core/tests/cctv/package-lock.json and installed by
//! scripts/test): every vector's expected outcome maps to the error kind a user gets.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::{ImportKey, AGE_MAGIC, ARMOR_MAGIC};
use crate::secret_store::MemoryStore;
use crate::vault::Vault;

#[derive(serde::Deserialize)]
struct Header {
    name: String,
    expect: String,
    identities: Vec<String>,
    passphrases: Vec<String>,
    payload: Option<String>,
}

/// Writes the testkit to `out` with crates/core/tests/cctv/vectors.mjs.
fn dump_testkit(out: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cctv");
    assert!(
        dir.join("node_modules/cctv-age").is_dir(),
        "the CCTV age testkit is not installed: run `npm ci --prefix crates/core/tests/cctv` \
         (scripts/test does)"
    );
    let status = Command::new("node")
        .arg(dir.join("vectors.mjs"))
        .arg(out)
        .status()
        .expect("node runs (Debian package nodejs)");
    assert!(status.success(), "vectors.mjs failed");
}

/// The error kind a user gets for a testkit outcome. `file` decides between "not an age file at
/// all" and "damaged" for header and armor failures.
fn expected_kind(h: &Header, file: &[u8]) -> &'static str {
    let start = super::trim_leading_whitespace(file);
    let age_at_all = start.starts_with(AGE_MAGIC) || start.starts_with(ARMOR_MAGIC);
    let hybrid = h
        .identities
        .first()
        .is_some_and(|i| i.starts_with("AGE-SECRET-KEY-PQ-"));
    let has_scrypt_stanza = file.windows(10).any(|w| w == b"\n-> scrypt");
    match h.expect.as_str() {
        _ if AGE_ACCEPTS.contains(&h.name.as_str()) => "ok",
        // The version line names a newer age format: the one "upgrade" case.
        "header failure" if h.name == "version_unsupported" => "unsupported_vault_version",
        // 2^23 is a valid header asking for more work than Tokenkeeper allows (2^20).
        "header failure" if h.name == "scrypt_work_factor_23" => "invalid_vault_file",
        "header failure" | "armor failure" if !age_at_all => "not_a_vault_file",
        "header failure" | "armor failure" | "HMAC failure" | "payload failure" if !hybrid => {
            "vault_file_damaged"
        }
        // age 0.11 has no post-quantum (ML-KEM hybrid) identities: such an identity is refused
        // as it is read, unless the file fails before (see HYBRID_FAILS_FIRST).
        _ if hybrid && HYBRID_FAILS_FIRST.contains(&h.name.as_str()) => "vault_file_damaged",
        _ if hybrid => "invalid_input",
        "success" => "ok",
        // A passphrase opens only a file with a scrypt stanza; without one the file is for keys.
        "no match" if !h.passphrases.is_empty() && has_scrypt_stanza => "bad_passphrase",
        "no match" => "not_for_this_identity",
        other => panic!("{}: unknown expected outcome {other}", h.name),
    }
}

/// Hybrid vectors whose damage shows in the generic age header, before any identity is used.
const HYBRID_FAILS_FIRST: &[&str] = &["hybrid_not_canonical_body", "hybrid_x25519_arg"];

/// Header failures age 0.11 accepts: a stanza without its final (short) body line. The header MAC
/// covers the header bytes as they were written, so such a file decrypts to what its maker
/// encrypted; it is only written non-canonically, by an encoder other than age's or ours.
const AGE_ACCEPTS: &[&str] = &["stanza_missing_body", "stanza_missing_final_line"];

#[test]
fn every_testkit_vector_gets_its_error_kind() {
    let out = tempfile::tempdir().unwrap();
    dump_testkit(out.path());
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let vault = Vault::open_with_store(dir.path(), {
        let s = secrets.clone();
        move |_| Box::new(s)
    })
    .unwrap();

    let mut counts: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        seen += 1;
        let h: Header = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let file = std::fs::read(path.with_extension("age")).unwrap();
        let key = match (h.identities.first(), h.passphrases.first()) {
            (Some(i), _) => ImportKey::AgeIdentity(SecretString::from(i.clone())),
            (None, Some(p)) => ImportKey::Passphrase(SecretString::from(p.clone())),
            // Nothing to open it with: it fails before any key is used.
            (None, None) => ImportKey::Passphrase(SecretString::from("unused".to_string())),
        };
        let want = expected_kind(&h, &file);
        let got = match vault.decrypt(&file, key) {
            Ok(plain) => {
                let hash: String = Sha256::digest(&plain[..])
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                // Vectors that expect a failure carry no payload hash.
                if h.payload.as_deref().is_none_or(|p| p == hash) {
                    "ok"
                } else {
                    "ok, but the wrong payload"
                }
            }
            Err(e) => e.kind(),
        };
        if got != want {
            wrong.push(format!("{} ({}): want {want}, got {got}", h.name, h.expect));
        }
        *counts.entry((h.expect.clone(), want)).or_default() += 1;
    }
    assert!(seen >= 143, "only {seen} vectors");
    eprintln!("CCTV age testkit: {seen} vectors");
    for ((expect, kind), n) in &counts {
        eprintln!("  {n:3}  {expect:16} -> {kind}");
    }
    assert!(
        wrong.is_empty(),
        "{} vectors:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
