//! Every lifecycle operation as a user sees it, over the in-memory secret store (logic only;
//! the real keychain is covered in `keychain`).

use chrono::{Duration, Utc};
use tokenkeeper_core::*;

use crate::util::*;

#[test]
fn generate_is_hash_only_by_default_and_shown_once() {
    let mut m = mem_vault();
    let issued = m.vault.generate(gen_req("ci deploy", false)).unwrap();
    let value = issued.secret.expose_secret().to_string();
    assert!(value.starts_with("tk_"), "default prefix");
    token_format::check(&value).expect("generated tokens pass the offline check");
    assert_eq!(issued.token.storage, Storage::HashOnly);
    assert_eq!(issued.token.origin, Origin::Generated);
    assert_eq!(
        issued.token.fingerprint,
        Fingerprint::of(&issued.secret).to_string()
    );
    let (hint_prefix, hint_tail) = issued.token.hint.split_once('…').unwrap();
    assert_eq!(hint_prefix, "tk_");
    assert!(
        hint_tail.len() == 4 && value.ends_with(hint_tail),
        "hint shows the last 4"
    );
    assert!(
        m.secrets.accounts().is_empty(),
        "hash-only keeps nothing in the keychain"
    );

    let err = m.vault.reveal("ci deploy", Access::Revealed).unwrap_err();
    assert_eq!(err.kind(), "conflict");
    assert!(err.to_string().contains("hash-only"), "{err}");

    let v = m.vault.verify(&issued.secret).unwrap();
    assert_eq!(v.status, VerifyStatus::Active);
    assert_eq!(v.name.as_deref(), Some("ci deploy"));
    let shown = m.vault.show("ci deploy").unwrap();
    assert!(
        shown.token.last_used_at.is_some(),
        "verify records last use"
    );
}

#[test]
fn generate_with_keep_can_be_revealed_and_copied() {
    let mut m = mem_vault();
    let issued = m.vault.generate(gen_req("kept", true)).unwrap();
    assert_eq!(issued.token.storage, Storage::Keychain);
    assert_eq!(m.secrets.accounts(), vec![issued.token.id.clone()]);
    let revealed = m.vault.reveal("KEPT", Access::Revealed).unwrap();
    assert_eq!(revealed.expose_secret(), issued.secret.expose_secret());
    m.vault.reveal(&issued.token.id, Access::Copied).unwrap();
    let kinds: Vec<EventKind> = m
        .vault
        .show("kept")
        .unwrap()
        .events
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![EventKind::Copied, EventKind::Revealed, EventKind::Created]
    );
}

#[test]
fn no_two_generated_tokens_are_the_same() {
    let mut m = mem_vault();
    let mut seen = std::collections::HashSet::new();
    for i in 0..200 {
        let t = m.vault.generate(gen_req(&format!("t{i}"), false)).unwrap();
        assert!(seen.insert(t.secret.expose_secret().to_string()));
    }
}

#[test]
fn service_prefix_and_header_are_used() {
    let mut m = mem_vault();
    m.vault
        .upsert_service(Service {
            name: "Acme API".into(),
            auth_header: "X-Acme-Key: {token}".into(),
            token_prefix: Some("acme".into()),
            base_url: None,
            max_active: None,
        })
        .unwrap();
    let mut req = gen_req("client a", false);
    req.token.service = Some("acme api".into());
    let t = m.vault.generate(req).unwrap();
    assert!(t.secret.expose_secret().starts_with("acme_"));
    assert_eq!(
        t.token.service.as_deref(),
        Some("Acme API"),
        "canonical service name"
    );
    let d = m.vault.show("client a").unwrap();
    assert_eq!(d.service.unwrap().auth_header, "X-Acme-Key: {token}");
}

#[test]
fn import_keeps_the_key_and_refuses_it_twice() {
    let mut m = mem_vault();
    let mut req = import_req("GitHub CI", "ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    req.token.service = Some("github".into());
    req.token.scopes = vec!["repo".into(), "read:org".into()];
    let t = m.vault.import(req).unwrap();
    assert_eq!(t.origin, Origin::Imported);
    assert_eq!(t.storage, Storage::Keychain);
    assert_eq!(t.service.as_deref(), Some("GitHub"));
    assert_eq!(t.hint, "ghp_…6789");
    assert_eq!(
        t.created_by,
        m.vault.identity().display_name,
        "created by the OS user"
    );

    let err = m
        .vault
        .import(import_req(
            "again",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ))
        .unwrap_err();
    assert_eq!(err.kind(), "duplicate");
    assert!(
        err.to_string().contains("GitHub CI"),
        "names the existing token: {err}"
    );
    assert_eq!(m.vault.list(&ListQuery::default()).unwrap().len(), 1);
}

#[test]
fn nocodb_allows_one_active_token() {
    let mut m = mem_vault();
    let mut a = import_req("noco 1", "nocodb-key-aaaaaaaaaaaaaaaaaaaa");
    a.token.service = Some("NocoDB".into());
    m.vault.import(a).unwrap();
    let mut b = import_req("noco 2", "nocodb-key-bbbbbbbbbbbbbbbbbbbb");
    b.token.service = Some("NocoDB".into());
    let err = m.vault.import(b).unwrap_err();
    assert_eq!(err.kind(), "conflict");
    assert!(err.to_string().contains("noco 1"), "{err}");
    m.vault.set_enabled("noco 1", false).unwrap();
    let mut b = import_req("noco 2", "nocodb-key-bbbbbbbbbbbbbbbbbbbb");
    b.token.service = Some("NocoDB".into());
    m.vault.import(b).unwrap();
    assert_eq!(
        m.vault.set_enabled("noco 1", true).unwrap_err().kind(),
        "conflict"
    );
    let d = m.vault.show("noco 2").unwrap();
    assert_eq!(d.service.unwrap().auth_header, "xc-token: {token}");
}

#[test]
fn disable_and_enable_change_what_verify_answers() {
    let mut m = mem_vault();
    let t = m.vault.generate(gen_req("svc", false)).unwrap();
    let off = m.vault.set_enabled("svc", false).unwrap();
    assert_eq!(off.state, TokenState::Disabled);
    assert_eq!(
        m.vault.verify(&t.secret).unwrap().status,
        VerifyStatus::Disabled
    );
    m.vault.set_enabled("svc", true).unwrap();
    assert_eq!(
        m.vault.verify(&t.secret).unwrap().status,
        VerifyStatus::Active
    );
    let kinds: Vec<EventKind> = m
        .vault
        .show("svc")
        .unwrap()
        .events
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EventKind::Disabled) && kinds.contains(&EventKind::Enabled));
}

#[test]
fn expired_is_derived_from_the_expiry() {
    let mut m = mem_vault();
    let mut req = gen_req("short lived", false);
    req.token.expires_at = Some(Utc::now() + Duration::days(3));
    let t = m.vault.generate(req).unwrap();
    assert_eq!(t.token.state, TokenState::Active);
    let soon = ListQuery {
        expiring_within_days: Some(7),
        ..Default::default()
    };
    assert_eq!(m.vault.list(&soon).unwrap().len(), 1);
    assert_eq!(m.vault.summary(30).unwrap().expiring_soon, 1);

    // Time passes: move the stored expiry into the past.
    sql(
        m.dir.path(),
        "UPDATE tokens SET expires_at = '2001-01-01T00:00:00.000000Z'",
    );
    let listed = m.vault.list(&ListQuery::default()).unwrap();
    assert_eq!(listed[0].state, TokenState::Expired);
    assert_eq!(
        listed[0].status,
        Status::Active,
        "expiry is not stored as a status"
    );
    assert_eq!(
        m.vault.verify(&t.secret).unwrap().status,
        VerifyStatus::Expired
    );
    let s = m.vault.summary(30).unwrap();
    assert_eq!((s.active, s.expired), (0, 1));
    let expired = ListQuery {
        state: Some(TokenState::Expired),
        ..Default::default()
    };
    assert_eq!(m.vault.list(&expired).unwrap().len(), 1);
}

#[test]
fn expiry_timeline_counts_active_tokens_per_week() {
    let mut m = mem_vault();
    for (name, days) in [
        ("in 2 days", 2),
        ("in 3 days", 3),
        ("in 20 days", 20),
        ("in a year", 365),
    ] {
        let mut req = gen_req(name, false);
        req.token.expires_at = Some(Utc::now() + Duration::days(days));
        m.vault.generate(req).unwrap();
    }
    let mut disabled = gen_req("disabled in 2 days", false);
    disabled.token.expires_at = Some(Utc::now() + Duration::days(2));
    let disabled = m.vault.generate(disabled).unwrap();
    m.vault.set_enabled(&disabled.token.id, false).unwrap();
    m.vault.generate(gen_req("never expires", false)).unwrap();

    let weeks = m.vault.expiry_timeline(8).unwrap();
    assert_eq!(
        weeks,
        vec![2, 0, 1, 0, 0, 0, 0, 0],
        "disabled, far and never-expiring tokens are left out"
    );
    assert!(matches!(
        m.vault.expiry_timeline(0),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn edit_changes_fields_and_records_what_changed() {
    let mut m = mem_vault();
    m.vault.generate(gen_req("old name", false)).unwrap();
    let t = m
        .vault
        .edit(
            "old name",
            TokenEdit {
                name: Some("new name".into()),
                description: Some("used by the nightly job".into()),
                scopes: Some(vec!["read".into(), "billing:read".into()]),
                expires_at: Some(Some(Utc::now() + Duration::days(60))),
                service: Some(Some("Stripe".into())),
            },
        )
        .unwrap();
    assert_eq!(t.name, "new name");
    assert_eq!(t.scopes, vec!["read", "billing:read"]);
    assert_eq!(t.service.as_deref(), Some("Stripe"));
    assert!(m.vault.show("old name").is_err());
    let d = m.vault.show("new name").unwrap();
    assert_eq!(d.token.description, "used by the nightly job");
    assert_eq!(d.events[0].kind, EventKind::Edited);
    let detail = d.events[0].detail.clone().unwrap();
    assert!(detail.contains("name") && detail.contains("scopes") && detail.contains("expiry"));
    // Removing the service and the expiry.
    let t = m
        .vault
        .edit(
            "new name",
            TokenEdit {
                service: Some(None),
                expires_at: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((t.service, t.expires_at), (None, None));
}

#[test]
fn rotate_with_grace_keeps_the_old_secret_working_for_a_while() {
    let mut m = mem_vault();
    let old = m.vault.generate(gen_req("api", true)).unwrap();
    let r = m
        .vault
        .rotate(
            "api",
            RotateRequest {
                grace: Grace::OneDay,
                new_secret: None,
            },
        )
        .unwrap();
    let new = r
        .secret
        .expect("a generated token's new value is shown once");
    assert_ne!(new.expose_secret(), old.secret.expose_secret());
    assert_eq!(r.token.id, old.token.id, "same record");
    assert!(r.token.rotated_at.is_some());
    let v_old = m.vault.verify(&old.secret).unwrap();
    assert_eq!(v_old.status, VerifyStatus::Active);
    assert!(v_old.via_grace_period);
    assert_eq!(m.vault.verify(&new).unwrap().status, VerifyStatus::Active);
    assert_eq!(
        m.vault
            .reveal("api", Access::Revealed)
            .unwrap()
            .expose_secret(),
        new.expose_secret(),
        "the keychain holds the new secret"
    );
    assert_eq!(
        m.secrets.accounts(),
        vec![old.token.id.clone()],
        "no leftovers"
    );

    // Grace over: the old secret is unknown.
    sql(
        m.dir.path(),
        "UPDATE tokens SET previous_valid_until = '2001-01-01T00:00:00.000000Z'",
    );
    assert_eq!(
        m.vault.verify(&old.secret).unwrap().status,
        VerifyStatus::Unknown
    );
}

#[test]
fn rotate_now_invalidates_the_old_secret_at_once() {
    let mut m = mem_vault();
    let old = m.vault.generate(gen_req("api", false)).unwrap();
    let r = m.vault.rotate("api", RotateRequest::default()).unwrap();
    assert_eq!(
        m.vault.verify(&old.secret).unwrap().status,
        VerifyStatus::Unknown
    );
    assert_eq!(
        m.vault.verify(&r.secret.unwrap()).unwrap().status,
        VerifyStatus::Active
    );
    let d = m.vault.show("api").unwrap();
    let rotated = d
        .events
        .iter()
        .find(|e| e.kind == EventKind::Rotated)
        .unwrap();
    assert_eq!(rotated.detail.as_deref(), Some("grace now"));
}

#[test]
fn rotating_an_imported_key_takes_the_new_value() {
    let mut m = mem_vault();
    m.vault
        .import(import_req("stripe", "sk_live_aaaaaaaaaaaaaaaaaaaaaaaa"))
        .unwrap();
    let err = m
        .vault
        .rotate("stripe", RotateRequest::default())
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    let r = m
        .vault
        .rotate(
            "stripe",
            RotateRequest {
                grace: Grace::None,
                new_secret: Some(secret("sk_live_bbbbbbbbbbbbbbbbbbbbbbbb")),
            },
        )
        .unwrap();
    assert!(r.secret.is_none());
    assert_eq!(r.token.hint, "sk_…bbbb");
    assert_eq!(
        m.vault
            .reveal("stripe", Access::Revealed)
            .unwrap()
            .expose_secret(),
        "sk_live_bbbbbbbbbbbbbbbbbbbbbbbb"
    );
}

#[test]
fn delete_leaves_a_tombstone_and_destroys_the_secret() {
    let mut m = mem_vault();
    let t = m.vault.generate(gen_req("gone", true)).unwrap();
    let d = m.vault.delete("gone").unwrap();
    assert_eq!(d.status, Status::Deleted);
    assert!(m.secrets.accounts().is_empty(), "secret destroyed");
    assert!(
        m.vault.list(&ListQuery::default()).unwrap().is_empty(),
        "hidden by default"
    );
    let deleted = ListQuery {
        state: Some(TokenState::Deleted),
        ..Default::default()
    };
    assert_eq!(m.vault.list(&deleted).unwrap().len(), 1, "tombstone kept");
    assert_eq!(
        m.vault.verify(&t.secret).unwrap().status,
        VerifyStatus::Unknown
    );
    assert_eq!(
        m.vault
            .reveal(&t.token.id, Access::Revealed)
            .unwrap_err()
            .kind(),
        "conflict"
    );
    assert_eq!(m.vault.delete(&t.token.id).unwrap_err().kind(), "conflict");
    // The name is free again.
    m.vault.generate(gen_req("gone", false)).unwrap();
}

#[test]
fn list_filters_searches_and_sorts() {
    let mut m = mem_vault();
    for (name, service, scopes) in [
        ("beta", Some("GitHub"), vec!["read"]),
        ("alpha", Some("Stripe"), vec!["read", "write"]),
        ("gamma", None, vec!["billing:read"]),
    ] {
        let mut r = gen_req(name, false);
        r.token.service = service.map(Into::into);
        r.token.scopes = scopes.into_iter().map(Into::into).collect();
        m.vault.generate(r).unwrap();
    }
    m.vault.set_enabled("gamma", false).unwrap();
    let names = |q: ListQuery| -> Vec<String> {
        m.vault
            .list(&q)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    assert_eq!(names(ListQuery::default()), ["alpha", "beta", "gamma"]);
    assert_eq!(
        names(ListQuery {
            descending: true,
            ..Default::default()
        }),
        ["gamma", "beta", "alpha"]
    );
    assert_eq!(
        names(ListQuery {
            sort: SortKey::Created,
            ..Default::default()
        }),
        ["beta", "alpha", "gamma"]
    );
    assert_eq!(
        names(ListQuery {
            service: Some("github".into()),
            ..Default::default()
        }),
        ["beta"]
    );
    assert_eq!(
        names(ListQuery {
            scope: Some("write".into()),
            ..Default::default()
        }),
        ["alpha"]
    );
    assert_eq!(
        names(ListQuery {
            text: Some("AMM".into()),
            ..Default::default()
        }),
        ["gamma"]
    );
    assert_eq!(
        names(ListQuery {
            text: Some("%".into()),
            ..Default::default()
        }),
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );
    assert_eq!(
        names(ListQuery {
            state: Some(TokenState::Disabled),
            ..Default::default()
        }),
        ["gamma"]
    );
}

#[test]
fn list_never_touches_the_keychain() {
    let mut m = mem_vault();
    m.vault.generate(gen_req("kept", true)).unwrap();
    m.secrets.set_unavailable(true);
    assert_eq!(m.vault.list(&ListQuery::default()).unwrap().len(), 1);
    m.vault.summary(30).unwrap();
    m.vault.show("kept").unwrap();
    // Reopening with an unreachable keychain still lists.
    drop(m.vault);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.list(&ListQuery::default()).unwrap().len(), 1);
}

#[test]
fn settings_change_the_recorded_actor() {
    let mut m = mem_vault();
    let mut s = m.vault.settings().unwrap();
    assert_eq!((s.clipboard_clear_seconds, s.expiry_warning_days), (30, 30));
    s.display_name = "Alice".into();
    m.vault.update_settings(s.clone()).unwrap();
    let t = m.vault.generate(gen_req("a", false)).unwrap();
    assert_eq!(t.token.created_by, "Alice");
    assert_eq!(m.vault.identity().display_name, "Alice");
    s.clipboard_clear_seconds = 0;
    assert_eq!(
        m.vault.update_settings(s).unwrap_err().kind(),
        "invalid_input"
    );
}

#[test]
fn the_app_and_the_cli_can_share_a_data_directory() {
    let m = mem_vault();
    let mut a = m.vault;
    let mut b = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(a.identity().vault_id, b.identity().vault_id);
    a.generate(gen_req("from a", false)).unwrap();
    b.generate(gen_req("from b", false)).unwrap();
    assert_eq!(a.list(&ListQuery::default()).unwrap().len(), 2);
    assert_eq!(
        b.generate(gen_req("FROM A", false)).unwrap_err().kind(),
        "duplicate"
    );
}

/// The `verified` events of a token, newest first, as Activity shows them.
fn verified_events(v: &Vault, which: &str) -> Vec<Event> {
    v.show(which)
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.kind == EventKind::Verified)
        .collect()
}

#[test]
fn verify_records_use_to_the_minute() {
    let mut m = mem_vault();
    let t = m.vault.generate(gen_req("api client", false)).unwrap();
    for _ in 0..50 {
        assert_eq!(
            m.vault.verify(&t.secret).unwrap().status,
            VerifyStatus::Active
        );
    }
    let first_use = m.vault.show("api client").unwrap().token.last_used_at;
    assert!(first_use.is_some(), "the first verification is a use");
    assert_eq!(
        verified_events(&m.vault, "api client").len(),
        1,
        "50 verifications inside a minute show as one entry in Activity"
    );

    // A minute later the next verification is recorded again.
    sql(
        m.dir.path(),
        "UPDATE tokens SET last_used_at = '2020-01-01T00:00:00.000000Z';
         UPDATE events SET at = '2020-01-01T00:00:00.000000Z' WHERE kind = 'verified';",
    );
    m.vault.verify(&t.secret).unwrap();
    let later = m
        .vault
        .show("api client")
        .unwrap()
        .token
        .last_used_at
        .unwrap();
    assert!(
        later > Utc::now() - Duration::seconds(5),
        "last used moved on"
    );
    let events = verified_events(&m.vault, "api client");
    assert_eq!(events.len(), 2);
    assert!(events[0].at > Utc::now() - Duration::seconds(5));
}

#[test]
fn a_changed_verify_answer_shows_at_once_and_a_refusal_is_not_a_use() {
    let mut m = mem_vault();
    let t = m.vault.generate(gen_req("partner", false)).unwrap();
    m.vault.verify(&t.secret).unwrap();
    let used = m.vault.show("partner").unwrap().token.last_used_at;
    m.vault.set_enabled("partner", false).unwrap();
    for _ in 0..3 {
        assert_eq!(
            m.vault.verify(&t.secret).unwrap().status,
            VerifyStatus::Disabled
        );
    }
    let details: Vec<Option<String>> = verified_events(&m.vault, "partner")
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        details,
        vec![Some("disabled".to_string()), Some("active".to_string())],
        "the first refusal is recorded within the minute, the repeats are not"
    );
    assert_eq!(
        m.vault.show("partner").unwrap().token.last_used_at,
        used,
        "a refused verification does not count as a use"
    );
    m.vault.set_enabled("partner", true).unwrap();
    m.vault.verify(&t.secret).unwrap();
    assert_eq!(verified_events(&m.vault, "partner").len(), 3);
}

#[test]
fn verify_within_the_minute_writes_nothing() {
    let mut m = mem_vault();
    let t = m.vault.generate(gen_req("hot path", false)).unwrap();
    m.vault.verify(&t.secret).unwrap();
    // Empty the write-ahead log, so that any write would show as growth.
    sql(m.dir.path(), "PRAGMA wal_checkpoint(TRUNCATE);");
    let db = m.dir.path().join(DB_FILE);
    let before = std::fs::metadata(&db).unwrap().modified().unwrap();
    let wal = m.dir.path().join(format!("{DB_FILE}-wal"));
    let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    for _ in 0..100 {
        m.vault.verify(&t.secret).unwrap();
    }
    assert_eq!(std::fs::metadata(&db).unwrap().modified().unwrap(), before);
    assert_eq!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        wal_before,
        "nothing was appended to the write-ahead log"
    );
}
