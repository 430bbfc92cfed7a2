//! When the world misbehaves: no keychain to talk to, or a data directory that is not ours.

use crate::util::{collect, Tok};

#[test]
fn unreachable_keychain_stores_nothing_and_says_what_to_start() {
    let tok = Tok::new();
    tok.add("existing", "sk_Existing0123456789abcd");
    let mut cmd = tok.command(&["add", "offline"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    let out = tok.run_with(cmd, Some("sk_Offline0123456789abcd"));
    let out = out.fails(5, "Secret Service");
    assert!(out.stderr.contains("gnome-keyring"), "{:?}", out.stderr);
    assert!(!out.stderr.contains("sk_Offline0123456789abcd"));

    let mut cmd = tok.command(&["generate", "offline-kept", "--keep"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    let out = tok.run_with(cmd, None).fails(5, "Secret Service");
    assert!(
        out.stdout.is_empty(),
        "no secret was issued: {:?}",
        out.stdout
    );

    let names: Vec<String> = tok
        .list(&[])
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["existing"]);
}

#[test]
fn a_data_dir_whose_database_is_a_text_file_is_a_storage_error() {
    let tok = Tok::new();
    let db = tok.home.path().join("tokenkeeper.db");
    std::fs::write(&db, "my shopping list\n").unwrap();
    let out = tok.run(&["list"]).fails(6, "tokenkeeper.db");
    assert!(
        out.stderr
            .to_lowercase()
            .contains("not a tokenkeeper database"),
        "{:?}",
        out.stderr
    );
    let out = tok.run(&["--json", "list"]);
    assert_eq!(out.code, 6);
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).expect("JSON error");
    assert_eq!(err["kind"], "not_a_database");
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "my shopping list\n",
        "left untouched"
    );
}

#[test]
fn check_works_without_any_data_directory() {
    let tok = Tok::new();
    let secret = tok.run(&["generate", "x"]).ok().single_line();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tok"));
    cmd.arg("check")
        .env("TOKENKEEPER_HOME", "/nonexistent/tokenkeeper")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    let out = collect(cmd, Some(&secret));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!std::path::Path::new("/nonexistent/tokenkeeper").exists());
}
