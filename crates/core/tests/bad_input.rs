//! Bad input gets a clear message naming what was wrong, and changes nothing.

use chrono::{Duration, Utc};
use tokenkeeper_core::*;

use crate::util::*;

fn seeded() -> MemVault {
    let mut m = mem_vault();
    m.vault
        .import(import_req("Existing", "key-0123456789abcdefghij"))
        .unwrap();
    m.vault.generate(gen_req("hashed", false)).unwrap();
    m
}

#[test]
fn empty_and_overlong_names() {
    let mut m = seeded();
    refused(&mut m, "invalid_input", "Name is required", |v| {
        v.generate(gen_req("", false))
    });
    refused(&mut m, "invalid_input", "Name is required", |v| {
        v.import(import_req("  ", "key-aaaaaaaaaaaaaaaa"))
    });
    refused(&mut m, "invalid_input", "at most 100", |v| {
        v.generate(gen_req(&"n".repeat(101), false))
    });
    refused(&mut m, "invalid_input", "Name is required", |v| {
        v.edit(
            "Existing",
            TokenEdit {
                name: Some("".into()),
                ..Default::default()
            },
        )
    });
}

#[test]
fn duplicate_names_compare_without_case() {
    let mut m = seeded();
    refused(&mut m, "duplicate", "'Existing' already exists", |v| {
        v.generate(gen_req("existing", false))
    });
    refused(&mut m, "duplicate", "already exists", |v| {
        v.edit(
            "hashed",
            TokenEdit {
                name: Some("EXISTING".into()),
                ..Default::default()
            },
        )
    });
}

#[test]
fn unknown_id_or_name() {
    let mut m = seeded();
    refused(&mut m, "not_found", "No token is named 'nope'", |v| {
        v.reveal("nope", Access::Revealed)
    });
    refused(&mut m, "not_found", "nope", |v| {
        v.set_enabled("nope", false)
    });
    refused(&mut m, "not_found", "nope", |v| v.delete("nope"));
    refused(&mut m, "not_found", "nope", |v| {
        v.rotate("nope", RotateRequest::default())
    });
    assert_eq!(m.vault.show("nope").unwrap_err().kind(), "not_found");
}

#[test]
fn expiry_in_the_past() {
    let mut m = seeded();
    let past = Utc::now() - Duration::days(1);
    refused(&mut m, "invalid_input", "in the past", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                expires_at: Some(past),
                ..new_token("x")
            },
            keep: false,
        })
    });
    refused(&mut m, "invalid_input", "in the past", |v| {
        v.edit(
            "Existing",
            TokenEdit {
                expires_at: Some(Some(past)),
                ..Default::default()
            },
        )
    });
}

#[test]
fn revealing_a_hash_only_token() {
    let mut m = seeded();
    refused(&mut m, "conflict", "hash-only", |v| {
        v.reveal("hashed", Access::Copied)
    });
}

#[test]
fn verifying_garbage() {
    let mut m = seeded();
    refused(&mut m, "invalid_input", "presented token is empty", |v| {
        v.verify(&secret(""))
    });
    refused(&mut m, "invalid_input", "whitespace", |v| {
        v.verify(&secret("tk_abc def"))
    });
    // A well-formed but unknown token is an answer, not an error.
    let v = m
        .vault
        .verify(&secret("tk_0000000000000000000000000000000000000000"))
        .unwrap();
    assert_eq!(v.status, VerifyStatus::Unknown);
}

#[test]
fn bad_scopes_and_keys() {
    let mut m = seeded();
    refused(&mut m, "invalid_input", "Scope", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                scopes: vec!["no spaces".into()],
                ..new_token("x")
            },
            keep: false,
        })
    });
    refused(&mut m, "invalid_input", "key is empty", |v| {
        v.import(import_req("x", " \n"))
    });
    refused(&mut m, "duplicate", "already stored as 'Existing'", |v| {
        v.import(import_req("x", "key-0123456789abcdefghij"))
    });
}

#[test]
fn unreachable_keychain_stores_nothing() {
    let mut m = seeded();
    m.secrets.set_unavailable(true);
    refused(&mut m, "keychain_unavailable", "nothing was stored", |v| {
        v.import(import_req("new", "key-zzzzzzzzzzzzzzzzzzzzzzz"))
    });
    // Not even the new service the key would have belonged to.
    refused(&mut m, "keychain_unavailable", "", |v| {
        v.import(ImportRequest {
            token: NewToken {
                service: Some("Brand New Service".into()),
                ..new_token("new")
            },
            secret: secret("key-zzzzzzzzzzzzzzzzzzzzzzz"),
        })
    });
    refused(&mut m, "keychain_unavailable", "", |v| {
        v.generate(gen_req("kept", true))
    });
    refused(&mut m, "keychain_unavailable", "", |v| v.delete("Existing"));
    refused(&mut m, "keychain_unavailable", "", |v| {
        v.reveal("Existing", Access::Revealed)
    });
    // Hash-only generation needs no keychain.
    m.vault.generate(gen_req("still works", false)).unwrap();
}

#[test]
fn a_file_that_is_not_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, "these are my notes, not a database\n".repeat(100)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let err = Vault::open_with_store(dir.path(), |_| Box::new(MemoryStore::new())).unwrap_err();
    assert_eq!(err.kind(), "not_a_database");
    assert!(err.to_string().contains("not SQLite"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "file untouched");
}

#[test]
fn a_foreign_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    sql(dir.path(), "CREATE TABLE recipes (name TEXT)");
    let err = Vault::open_with_store(dir.path(), |_| Box::new(MemoryStore::new())).unwrap_err();
    assert_eq!(err.kind(), "not_a_database");
    assert!(err.to_string().contains("not a Tokenkeeper one"), "{err}");
}

#[test]
fn a_database_from_a_newer_version() {
    let m = seeded();
    let dir = m.dir;
    drop(m.vault);
    sql(dir.path(), "PRAGMA user_version = 99");
    let err = Vault::open_with_store(dir.path(), |_| Box::new(MemoryStore::new())).unwrap_err();
    assert_eq!(err.kind(), "database_too_new");
    assert!(err.to_string().contains("newer Tokenkeeper"), "{err}");
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99, "not migrated down");
}

#[test]
fn precheck_refuses_before_the_secret_is_asked_for() {
    let m = seeded();
    let draft = |name: &str| NewToken {
        name: name.into(),
        description: String::new(),
        service: Some("A new service".into()),
        scopes: vec!["read".to_string()],
        expires_at: None,
    };
    m.vault.precheck_new(&draft("fine")).unwrap();
    assert_eq!(
        m.vault.precheck_new(&draft("existing")).unwrap_err().kind(),
        "duplicate"
    );
    assert_eq!(
        m.vault.precheck_new(&draft("")).unwrap_err().kind(),
        "invalid_input"
    );
    let past = NewToken {
        expires_at: Some(Utc::now() - Duration::hours(1)),
        ..draft("fine")
    };
    assert!(m
        .vault
        .precheck_new(&past)
        .unwrap_err()
        .to_string()
        .contains("in the past"));
    assert!(
        !m.vault
            .services()
            .unwrap()
            .iter()
            .any(|s| s.name == "A new service"),
        "a precheck stores nothing"
    );
}
