//! Two stores, one truth: a failed SQLite step undoes the keychain write, and an interrupted
//! operation is put right by reconciliation at the next open.

use tokenkeeper_core::*;

use crate::util::*;

#[test]
fn failed_sqlite_step_after_keychain_write_leaves_nothing() {
    let mut m = mem_vault();
    fail_token_writes(m.dir.path());
    let before = snapshot(&m.vault);
    let err = m
        .vault
        .import(import_req("doomed", "key-doomed-0123456789abc"))
        .unwrap_err();
    assert_eq!(err.kind(), "storage");
    let err = m.vault.generate(gen_req("doomed too", true)).unwrap_err();
    assert_eq!(err.kind(), "storage");
    assert!(
        token_accounts(&m.secrets).is_empty(),
        "keychain write undone"
    );
    assert_eq!(snapshot(&m.vault), before);
    // And the next open has nothing to reconcile.
    heal_token_writes(m.dir.path());
    drop(m.vault);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.last_reconcile(), &ReconcileReport::default());
}

#[test]
fn failed_rotation_keeps_the_old_secret() {
    let mut m = mem_vault();
    m.vault
        .import(import_req("svc", "key-old-0123456789abcdef"))
        .unwrap();
    fail_token_writes(m.dir.path());
    let err = m
        .vault
        .rotate(
            "svc",
            RotateRequest {
                grace: Grace::OneHour,
                new_secret: Some(secret("key-new-0123456789abcdef")),
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), "storage");
    heal_token_writes(m.dir.path());
    assert_eq!(
        m.vault
            .reveal("svc", Access::Revealed)
            .unwrap()
            .expose_secret(),
        "key-old-0123456789abcdef"
    );
    assert_eq!(
        token_accounts(&m.secrets).len(),
        1,
        "no stray copy of the old value"
    );
    assert_eq!(
        m.vault
            .verify(&secret("key-old-0123456789abcdef"))
            .unwrap()
            .status,
        VerifyStatus::Active
    );
}

#[test]
fn crash_after_keychain_write_is_cleaned_at_open() {
    // A process wrote the journal and the keychain, then died before its SQLite commit.
    let m = mem_vault();
    let id = "0190f0f0-0000-7000-8000-000000000001";
    sql(
        m.dir.path(),
        &format!(
            "INSERT INTO secret_journal VALUES ('{id}', '{id}', '2026-01-01T00:00:00.000000Z')"
        ),
    );
    m.secrets
        .set(id, &secret("orphaned-secret-value-123"))
        .unwrap();
    drop(m.vault);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.last_reconcile().orphans_removed, 1);
    assert!(token_accounts(&m.secrets).is_empty());
    drop(v);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(
        v.last_reconcile(),
        &ReconcileReport::default(),
        "journal cleared"
    );
}

#[test]
fn crash_mid_rotation_restores_the_old_secret() {
    let mut m = mem_vault();
    let t = m
        .vault
        .import(import_req("svc", "key-old-0123456789abcdef"))
        .unwrap();
    // The rotating process saved the old value, wrote the new one, then died.
    let prev = format!("{}#prev", t.id);
    sql(
        m.dir.path(),
        &format!(
            "INSERT INTO secret_journal VALUES ('{0}', '{0}', '2026-01-01T00:00:00.000000Z'), \
             ('{prev}', '{0}', '2026-01-01T00:00:00.000000Z')",
            t.id
        ),
    );
    m.secrets
        .set(&prev, &secret("key-old-0123456789abcdef"))
        .unwrap();
    m.secrets
        .set(&t.id, &secret("key-new-uncommitted-0000"))
        .unwrap();
    drop(m.vault);
    let mut v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.last_reconcile().repaired, 1);
    assert_eq!(
        v.reveal("svc", Access::Revealed).unwrap().expose_secret(),
        "key-old-0123456789abcdef"
    );
    assert_eq!(token_accounts(&m.secrets), vec![t.id.clone()]);
}

#[test]
fn crash_after_tombstone_removes_the_secret_at_open() {
    let mut m = mem_vault();
    let t = m
        .vault
        .import(import_req("svc", "key-0123456789abcdefghij"))
        .unwrap();
    m.vault.delete("svc").unwrap();
    // Put the state back to "tombstone committed, secret not yet destroyed".
    m.secrets
        .set(&t.id, &secret("key-0123456789abcdefghij"))
        .unwrap();
    sql(
        m.dir.path(),
        &format!(
            "INSERT INTO secret_journal VALUES ('{0}', '{0}', '2026-01-01T00:00:00.000000Z')",
            t.id
        ),
    );
    drop(m.vault);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.last_reconcile().orphans_removed, 1);
    assert!(token_accounts(&m.secrets).is_empty());
}

#[test]
fn missing_secret_is_flagged() {
    let mut m = mem_vault();
    let t = m
        .vault
        .import(import_req("svc", "key-0123456789abcdefghij"))
        .unwrap();
    // Someone removed the secret from the keychain behind Tokenkeeper's back.
    m.secrets.delete(&t.id).unwrap();
    let err = m.vault.reveal("svc", Access::Revealed).unwrap_err();
    assert_eq!(err.kind(), "secret_missing");
    assert!(err.to_string().contains("rotate"), "{err}");
    assert!(m.vault.show("svc").unwrap().token.secret_missing);
    // Rotating with the key restores it.
    m.vault
        .rotate(
            "svc",
            RotateRequest {
                grace: Grace::None,
                new_secret: Some(secret("key-fresh-0123456789abcd")),
            },
        )
        .unwrap();
    assert!(!m.vault.show("svc").unwrap().token.secret_missing);
}

#[test]
fn interrupted_import_with_keychain_down_is_reconciled_later() {
    let m = mem_vault();
    let id = "0190f0f0-0000-7000-8000-000000000002";
    sql(
        m.dir.path(),
        &format!(
            "INSERT INTO secret_journal VALUES ('{id}', '{id}', '2026-01-01T00:00:00.000000Z')"
        ),
    );
    m.secrets
        .set(id, &secret("orphaned-secret-value-456"))
        .unwrap();
    drop(m.vault);
    m.secrets.set_unavailable(true);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert!(
        v.last_reconcile().deferred.is_some(),
        "opens anyway, and says why it waited"
    );
    drop(v);
    m.secrets.set_unavailable(false);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.last_reconcile().orphans_removed, 1);
}
