//! Generated tokens: shown once on stdout, hash only unless `--keep`, checked offline, rotated with grace.

use crate::util::{typo, Tok};

#[test]
fn generated_token_is_shown_once_and_only_its_hash_is_kept() {
    let tok = Tok::new();
    let out = tok
        .run(&[
            "generate",
            "api-client",
            "--scope",
            "read",
            "--description",
            "partner A",
        ])
        .ok();
    let secret = out.single_line();
    assert!(secret.starts_with("tk_"), "{secret}");
    assert_eq!(secret.len(), "tk_".len() + 38, "{secret}");
    assert!(
        out.stderr.contains("will not be shown again"),
        "warning on stderr: {:?}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&tok.vault_id()),
        "vault id on stderr: {:?}",
        out.stderr
    );

    let t = &tok.list(&[])[0];
    assert_eq!(t["storage"], "hash_only");
    assert_eq!(t["origin"], "generated");
    let id = t["id"].as_str().unwrap();
    assert_eq!(
        tok.keychain_secret(id),
        None,
        "hash-only tokens keep nothing in the keychain"
    );
    assert!(!tok.keychain_search().contains(&secret));

    // It cannot be shown again, and the refusal says why.
    tok.run(&["get", "api-client"]).fails(4, "hash");

    // It verifies, once, by its secret.
    let (code, v) = tok.verify(&secret);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "active");
    assert_eq!(v["name"], "api-client");
    assert_eq!(v["scopes"], serde_json::json!(["read"]));
    assert_eq!(v["via_grace_period"], false);
    assert!(
        tok.list(&[])[0]["last_used_at"].is_string(),
        "verify records last use"
    );

    // check accepts it offline, and rejects a one-character typo without echoing it.
    let ok = tok.run_stdin(&["check"], &secret).ok();
    assert!(ok.stdout.contains("well-formed"), "{:?}", ok.stdout);
    let bad = typo(&secret);
    let out = tok.run_stdin(&["check"], &bad);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("checksum"), "{:?}", out.stdout);
    assert!(!out.stdout.contains(&bad) && !out.stderr.contains(&bad));
    let (code, v) = tok.verify(&bad);
    assert_eq!((code, v["status"].as_str()), (1, Some("unknown")));
}

#[test]
fn generate_json_gives_token_secret_and_vault_id_once() {
    let tok = Tok::new();
    let out = tok
        .run(&["--json", "generate", "ci", "--expires", "90d"])
        .ok();
    let j = out.json();
    let secret = j["secret"].as_str().unwrap();
    assert_eq!(j["vault_id"], tok.vault_id().as_str());
    assert_eq!(j["token"]["name"], "ci");
    assert!(j["token"]["expires_at"].is_string());
    assert!(secret.starts_with("tk_"));
    assert_eq!(
        tok.run_stdin(&["--json", "check"], secret).ok().json()["well_formed"],
        true
    );
    assert_eq!(tok.verify(secret).0, 0);
    // No other command ever prints it again.
    let listing =
        tok.run(&["--json", "list"]).ok().stdout + &tok.run(&["--json", "show", "ci"]).ok().stdout;
    assert!(!listing.contains(secret));
}

#[test]
fn generate_keep_stores_a_copy_that_get_returns() {
    let tok = Tok::new();
    let out = tok.run(&["generate", "kept", "--keep"]).ok();
    let secret = out.single_line();
    assert!(
        !out.stderr.contains("will not be shown again"),
        "{:?}",
        out.stderr
    );
    let t = &tok.list(&[])[0];
    assert_eq!(t["storage"], "keychain");
    assert_eq!(tok.run(&["get", "kept"]).ok().stdout, format!("{secret}\n"));
    assert_eq!(
        tok.keychain_secret(t["id"].as_str().unwrap()).as_deref(),
        Some(secret.as_str())
    );
}

#[test]
fn every_generated_token_is_different() {
    let tok = Tok::new();
    let a = tok.run(&["generate", "a"]).ok().single_line();
    let b = tok.run(&["generate", "b"]).ok().single_line();
    assert_ne!(a, b);
}

#[test]
fn rotation_with_grace_keeps_the_old_secret_working() {
    let tok = Tok::new();
    let old = tok.run(&["generate", "svc"]).ok().single_line();
    let out = tok.run(&["rotate", "svc", "--grace", "24h"]).ok();
    let new = out.single_line();
    assert_ne!(old, new);
    assert!(new.starts_with("tk_"));
    assert!(
        out.stderr.contains("keeps working until"),
        "{:?}",
        out.stderr
    );

    let (code, v) = tok.verify(&old);
    assert_eq!(code, 0, "old secret within grace: {v}");
    assert_eq!(v["status"], "active");
    assert_eq!(v["via_grace_period"], true);
    let (code, v) = tok.verify(&new);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["via_grace_period"], false);
    assert!(tok.list(&[])[0]["previous_valid_until"].is_string());
}

#[test]
fn rotation_now_stops_the_old_secret_at_once() {
    let tok = Tok::new();
    let old = tok.run(&["generate", "svc", "--keep"]).ok().single_line();
    let new = tok
        .run(&["rotate", "svc", "--grace", "now"])
        .ok()
        .single_line();
    assert_ne!(old, new);
    let (code, v) = tok.verify(&old);
    assert_eq!((code, v["status"].as_str()), (1, Some("unknown")), "{v}");
    assert_eq!(tok.verify(&new).0, 0);
    assert_eq!(tok.run(&["get", "svc"]).ok().stdout, format!("{new}\n"));
}
