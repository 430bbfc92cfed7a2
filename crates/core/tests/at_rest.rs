//! No secret at rest outside the keychain: the SQLite file, its WAL and shared memory are scanned
//! byte for byte for every secret; Debug output and errors are checked too.

use tokenkeeper_core::*;

use crate::util::*;

fn files_of(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn sqlite_files_hold_no_secret() {
    let (dir, mut vault) = keychain_vault();
    let mut secrets: Vec<String> = Vec::new();
    for i in 0..5 {
        let kept = vault.generate(gen_req(&format!("kept {i}"), true)).unwrap();
        secrets.push(kept.secret.expose_secret().to_string());
        let hashed = vault
            .generate(gen_req(&format!("hashed {i}"), false))
            .unwrap();
        secrets.push(hashed.secret.expose_secret().to_string());
        let key = format!("sk_live_imported_key_number_{i}_abcdefghijkl");
        vault
            .import(import_req(&format!("imported {i}"), &key))
            .unwrap();
        secrets.push(key);
    }
    let rotated = vault.rotate("kept 0", RotateRequest::default()).unwrap();
    secrets.push(rotated.secret.unwrap().expose_secret().to_string());
    vault.reveal("imported 1", Access::Copied).unwrap();
    vault.delete("kept 1").unwrap();
    for s in &secrets {
        vault.verify(&secret(s)).unwrap();
    }

    // While open (data still in the WAL) and after close (checkpointed into the main file).
    let scan = |when: &str| {
        let files = files_of(dir.path());
        assert!(
            files.iter().any(|(n, _)| n.ends_with(DB_FILE)),
            "{when}: db exists"
        );
        for (name, bytes) in &files {
            for s in &secrets {
                assert!(
                    !contains(bytes, s.as_bytes()),
                    "{when}: a secret is in {name}"
                );
                // The random body without its prefix must not appear either.
                let body = &s[s.len() - 20..];
                assert!(
                    !contains(bytes, body.as_bytes()),
                    "{when}: part of a secret is in {name}"
                );
            }
        }
    };
    assert!(
        files_of(dir.path())
            .iter()
            .any(|(n, b)| n.ends_with("-wal") && !b.is_empty()),
        "the WAL is really scanned"
    );
    scan("open");
    drop(vault);
    scan("closed");
}

#[test]
fn debug_output_and_errors_never_show_secrets() {
    let mut m = mem_vault();
    let issued = m.vault.generate(gen_req("debug me", true)).unwrap();
    let value = issued.secret.expose_secret().to_string();
    let debug = format!("{issued:?} {:?}", m.vault);
    assert!(!debug.contains(&value), "Debug leaked the secret");
    assert!(debug.contains("REDACTED"));

    let req = import_req("x", &value);
    assert!(!format!("{req:?}").contains(&value));
    let err = m.vault.import(req).unwrap_err();
    assert!(!err.to_string().contains(&value));
    let err = m.vault.verify(&secret(&format!("{value} x"))).unwrap_err();
    assert!(
        !err.to_string().contains(&value[3..]),
        "verify error echoes nothing: {err}"
    );
}
