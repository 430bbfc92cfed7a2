//! The real OS keychain (Secret Service under gnome-keyring in CI): secrets land where the
//! documented service name says, come back intact, and are gone after delete.

use tokenkeeper_core::*;

use crate::util::*;

#[test]
fn secrets_live_under_the_documented_service_name() {
    let (_dir, mut vault) = keychain_vault();
    let service = vault.identity().keychain_service;
    assert_eq!(
        service,
        format!("tokenkeeper:{}", vault.identity().vault_id)
    );

    let t = vault
        .import(import_req(
            "github",
            "ghp_realKeychainRoundTrip0123456789abcd",
        ))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&service, &t.id).as_deref(),
        Some("ghp_realKeychainRoundTrip0123456789abcd"),
        "secret-tool sees the secret under service {service}, account {}",
        t.id
    );
    assert_eq!(
        vault
            .reveal("github", Access::Revealed)
            .unwrap()
            .expose_secret(),
        "ghp_realKeychainRoundTrip0123456789abcd"
    );

    let hashed = vault.generate(gen_req("hash only", false)).unwrap();
    assert_eq!(
        secret_tool_lookup(&service, &hashed.token.id),
        None,
        "hash-only keeps nothing"
    );

    vault.delete("github").unwrap();
    assert_eq!(
        secret_tool_lookup(&service, &t.id),
        None,
        "destroyed on delete"
    );
    assert_eq!(secret_tool_count(&service), 0);
}

#[test]
fn rotation_replaces_the_keychain_value() {
    let (_dir, mut vault) = keychain_vault();
    let service = vault.identity().keychain_service;
    let issued = vault.generate(gen_req("api", true)).unwrap();
    let r = vault
        .rotate(
            "api",
            RotateRequest {
                grace: Grace::SevenDays,
                new_secret: None,
            },
        )
        .unwrap();
    let new = r.secret.unwrap();
    assert_eq!(
        secret_tool_lookup(&service, &issued.token.id).as_deref(),
        Some(new.expose_secret())
    );
    assert_eq!(
        secret_tool_count(&service),
        1,
        "the old value's backup copy is gone"
    );
    assert_eq!(
        vault.verify(&issued.secret).unwrap().status,
        VerifyStatus::Active
    );
}

#[test]
fn failed_sqlite_step_leaves_nothing_in_the_real_keychain() {
    let (dir, mut vault) = keychain_vault();
    let service = vault.identity().keychain_service;
    fail_token_writes(dir.path());
    let err = vault
        .import(import_req("doomed", "key-real-keychain-doomed-0123"))
        .unwrap_err();
    assert_eq!(err.kind(), "storage");
    assert_eq!(secret_tool_count(&service), 0, "keychain write rolled back");
    assert!(vault.list(&ListQuery::default()).unwrap().is_empty());
}

#[test]
fn reopening_reconciles_against_the_real_keychain() {
    let (dir, vault) = keychain_vault();
    let service = vault.identity().keychain_service;
    drop(vault);
    // A crash left a journaled secret with no row.
    let id = "0190f0f0-0000-7000-8000-0000000000aa";
    KeychainStore::new(&service)
        .set(id, &secret("orphan-in-real-keychain"))
        .unwrap();
    sql(
        dir.path(),
        &format!(
            "INSERT INTO secret_journal VALUES ('{id}', '{id}', '2026-01-01T00:00:00.000000Z')"
        ),
    );
    assert_eq!(secret_tool_count(&service), 1);
    let vault = Vault::open(dir.path()).unwrap();
    assert_eq!(vault.last_reconcile().orphans_removed, 1);
    assert_eq!(secret_tool_count(&service), 0);
}
