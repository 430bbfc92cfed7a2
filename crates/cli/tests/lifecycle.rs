//! An imported key through its whole life, as a user would drive it from a shell.

use crate::util::Tok;

#[test]
fn imported_key_lives_from_add_to_delete() {
    let tok = Tok::new();
    let secret = "ghp_Lifecycle0123456789abcdefWXYZ";

    // add: the secret arrives on stdin; one trailing newline is not part of it.
    let added = tok
        .run_stdin(
            &[
                "add",
                "github-ci",
                "--service",
                "GitHub",
                "--scope",
                "read",
                "--scope",
                "write",
                "--description",
                "CI deploys",
            ],
            &format!("{secret}\n"),
        )
        .ok();
    assert!(added.stdout.contains("github-ci"), "{:?}", added.stdout);
    assert!(!added.stdout.contains(secret) && !added.stderr.contains(secret));

    // list shows the hint, never the secret.
    let tokens = tok.list(&[]);
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(t["name"], "github-ci");
    assert_eq!(t["service"], "GitHub");
    assert_eq!(t["origin"], "imported");
    assert_eq!(t["storage"], "keychain");
    assert_eq!(t["state"], "active");
    assert_eq!(t["scopes"], serde_json::json!(["read", "write"]));
    let hint = t["hint"].as_str().unwrap().to_string();
    assert!(hint.ends_with("WXYZ"), "hint {hint}");
    assert!(!serde_json::to_string(&tokens).unwrap().contains(secret));
    let table = tok.run(&["list"]).ok().stdout;
    for column in [
        "NAME",
        "SERVICE",
        "TOKEN",
        "SCOPES",
        "STATE",
        "CREATED",
        "LAST USED",
        "EXPIRES",
    ] {
        assert!(table.contains(column), "{column} missing from {table}");
    }
    assert!(
        table.contains("github-ci") && table.contains(&hint),
        "{table}"
    );
    assert!(!table.contains(secret), "{table}");

    // get prints exactly the secret, and the keychain holds exactly it under our service.
    assert_eq!(
        tok.run(&["get", "github-ci"]).ok().stdout,
        format!("{secret}\n")
    );
    assert_eq!(tok.keychain_secret(&id).as_deref(), Some(secret));
    assert!(tok.keychain_search().contains(&secret.to_string()));

    // rotate: an imported key takes its new value from stdin and does not echo it.
    let rotated_secret = "ghp_Rotated9876543210zyxwvuABCD";
    let rotated = tok.run_stdin(&["rotate", "github-ci"], rotated_secret).ok();
    assert!(!rotated.stdout.contains(rotated_secret) && !rotated.stderr.contains(rotated_secret));
    assert_eq!(
        tok.run(&["get", "github-ci"]).ok().stdout,
        format!("{rotated_secret}\n")
    );
    assert_eq!(tok.keychain_secret(&id).as_deref(), Some(rotated_secret));
    let (code, v) = tok.verify(secret);
    assert_eq!(
        (code, v["status"].as_str()),
        (1, Some("unknown")),
        "old secret after rotate --grace now"
    );

    // disable: verify answers disabled and exits 1.
    tok.run(&["disable", "github-ci"]).ok();
    assert_eq!(tok.list(&[])[0]["state"], "disabled");
    let (code, v) = tok.verify(rotated_secret);
    assert_eq!(code, 1);
    assert_eq!(v["status"], "disabled");
    assert_eq!(v["name"], "github-ci");

    // enable: active again.
    tok.run(&["enable", "github-ci"]).ok();
    let (code, v) = tok.verify(rotated_secret);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "active");
    assert_eq!(v["scopes"], serde_json::json!(["read", "write"]));

    // delete: the secret is destroyed, the row stays as a tombstone.
    tok.run(&["delete", "github-ci", "--yes"]).ok();
    let gone = tok.run(&["get", "github-ci"]);
    assert!(matches!(gone.code, 3 | 4), "get after delete: {gone:?}");
    assert!(gone.stderr.starts_with("tok: ") && !gone.stderr.contains(rotated_secret));
    assert_eq!(tok.keychain_secret(&id), None);
    assert!(!tok.keychain_search().contains(&rotated_secret.to_string()));
    assert!(tok.list(&[]).is_empty());
    let tombstones = tok.list(&["--state", "deleted"]);
    assert_eq!(tombstones.len(), 1);
    assert_eq!(tombstones[0]["id"], id.as_str());
    assert_eq!(tombstones[0]["state"], "deleted");
    let (code, v) = tok.verify(rotated_secret);
    assert_eq!((code, v["status"].as_str()), (1, Some("unknown")));
}

#[test]
fn show_gives_metadata_activity_and_the_services_header() {
    let tok = Tok::new();
    tok.run(&[
        "generate",
        "noco-admin",
        "--service",
        "NocoDB",
        "--description",
        "admin for the base",
        "--keep",
    ])
    .ok();
    tok.run(&["get", "noco-admin"]).ok();

    let page = tok.run(&["show", "noco-admin"]).ok().stdout;
    assert!(page.contains("noco-admin"), "{page}");
    assert!(page.contains("admin for the base"), "{page}");
    assert!(page.contains("NocoDB"), "{page}");
    // Every value from the service single-quoted; only $TOKEN expands.
    assert!(page.contains(r#"curl -H 'xc-token: '"$TOKEN""#), "{page}");
    let activity = &page[page.find("Activity:").expect("an Activity section")..];
    let revealed = activity
        .find("revealed")
        .expect("activity lists the reveal");
    let created = activity
        .find("created")
        .expect("activity lists the creation");
    assert!(revealed < created, "newest first: {activity}");

    let details = tok.run(&["--json", "show", "noco-admin"]).ok().json();
    assert_eq!(details["token"]["name"], "noco-admin");
    assert_eq!(details["service"]["auth_header"], "xc-token: {token}");
    let kinds: Vec<&str> = details["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"revealed"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"created"), "{kinds:?}");

    // By id as well as by name.
    let id = details["token"]["id"].as_str().unwrap();
    assert_eq!(
        tok.run(&["--json", "show", id]).ok().json()["token"]["name"],
        "noco-admin"
    );

    // The fingerprint says what it is: a generated token's plain SHA-256, an added key's HMAC
    // keyed to this install (it confirms nothing anywhere else).
    let fp = details["token"]["fingerprint"].as_str().unwrap();
    assert!(page.contains(&format!("{fp} (SHA-256)")), "{page}");
    tok.add("stripe-live", "sk_live_ShowFingerprintLabel0123456789");
    let added = tok.run(&["show", "stripe-live"]).ok().stdout;
    assert!(
        added.contains("(HMAC-SHA256, keyed to this install)"),
        "{added}"
    );
}

#[test]
fn edit_changes_what_it_is_told_and_nothing_else() {
    let tok = Tok::new();
    tok.add("old-name", "sk_live_EditMe0123456789abcdef");
    tok.run(&[
        "edit",
        "old-name",
        "--name",
        "new-name",
        "--scope",
        "billing:read",
        "--service",
        "Stripe",
        "--expires",
        "30d",
    ])
    .ok();
    let t = &tok.list(&[])[0];
    assert_eq!(t["name"], "new-name");
    assert_eq!(t["scopes"], serde_json::json!(["billing:read"]));
    assert_eq!(t["service"], "Stripe");
    assert!(t["expires_at"].is_string(), "{t}");
    assert_eq!(tok.list(&["--expiring", "31"]).len(), 1);
    assert_eq!(tok.list(&["--service", "Stripe"]).len(), 1);
    assert_eq!(tok.list(&["--search", "NEW-"]).len(), 1);
    assert_eq!(tok.list(&["--search", "nomatch"]).len(), 0);

    tok.run(&[
        "edit",
        "new-name",
        "--no-service",
        "--clear-scopes",
        "--expires",
        "never",
    ])
    .ok();
    let t = &tok.list(&[])[0];
    assert_eq!(t["service"], serde_json::Value::Null);
    assert_eq!(t["scopes"], serde_json::json!([]));
    assert_eq!(t["expires_at"], serde_json::Value::Null);
    assert_eq!(
        tok.run(&["get", "new-name"]).ok().stdout,
        "sk_live_EditMe0123456789abcdef\n"
    );
}

#[test]
fn whoami_names_the_vault_and_the_keychain_service() {
    let tok = Tok::new();
    let id = tok.run(&["--json", "whoami"]).ok().json();
    let vault_id = id["vault_id"].as_str().unwrap();
    assert!(!vault_id.is_empty());
    assert_eq!(id["keychain_service"], format!("tokenkeeper:{vault_id}"));
    assert_eq!(
        std::path::Path::new(id["data_dir"].as_str().unwrap()),
        tok.home.path()
    );
    let human = tok.run(&["whoami"]).ok().stdout;
    assert!(human.contains(vault_id) && human.contains(&format!("tokenkeeper:{vault_id}")));
}
