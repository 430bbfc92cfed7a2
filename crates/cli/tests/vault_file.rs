//! `tok export` and `tok import` between two installs on the real keychain: the passphrase only
//! through stdin or a prompt, the preview before the merge, and exit 7 for a file that cannot
//! be opened, with nothing changed.

use serde_json::Value;

use crate::util::{Out, Tok};

const KEY: &str = "ghp_cliVaultFile0123456789abcdefgh";

fn public_key(tok: &Tok) -> String {
    tok.run(&["--json", "whoami"]).ok().json()["public_key"]
        .as_str()
        .expect("whoami shows a public key")
        .to_string()
}

fn names(tok: &Tok) -> Vec<String> {
    tok.list(&["--state", "active"])
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

fn file_in(tok: &Tok, name: &str) -> String {
    tok.home.path().join(name).to_str().unwrap().to_string()
}

/// Ana has a kept key and a hash-only token; returns her and the hash-only token's secret.
fn ana() -> (Tok, String) {
    let ana = Tok::new();
    ana.add("GitHub CI", KEY);
    let partner = ana.run(&["generate", "partner-a"]).ok().single_line();
    (ana, partner)
}

#[test]
fn whoami_shows_a_lasting_public_key() {
    let tok = Tok::new();
    let key = public_key(&tok);
    assert!(key.starts_with("age1"), "{key}");
    assert_eq!(public_key(&tok), key);
    let human = tok.run(&["whoami"]).ok().stdout;
    assert!(
        human.contains(&format!("Public key:        {key}")),
        "{human}"
    );
    assert_ne!(public_key(&Tok::new()), key, "each install has its own");
}

#[test]
fn a_team_mate_imports_an_export_to_their_key_once() {
    let (ana, partner) = ana();
    let ben = Tok::new();
    let file = file_in(&ana, "team.tkvault");
    let out = ana
        .run(&["export", "--to", &public_key(&ben), "-o", &file])
        .ok();
    assert!(out.stdout.contains("Exported 2 tokens"), "{}", out.stdout);

    let dry = ben.run(&["import", &file, "--dry-run"]).ok();
    assert!(dry.stdout.contains("2 new"), "{}", dry.stdout);
    assert!(dry.stdout.contains("Dry run: nothing was changed"));
    assert!(names(&ben).is_empty(), "a dry run changes nothing");

    let json = ben.run(&["--json", "import", &file]).ok().json();
    assert_eq!(json["plan"]["counts"]["new"], 2);
    assert_eq!(json["applied"]["secrets_stored"], 1);
    assert!(!json.to_string().contains(KEY), "no secret in the output");
    assert_eq!(names(&ben), ["GitHub CI", "partner-a"]);
    assert_eq!(ben.run(&["get", "GitHub CI"]).ok().single_line(), KEY);
    let (code, v) = ben.verify(&partner);
    assert_eq!((code, v["status"].as_str()), (0, Some("active")));

    let again = ben.run(&["import", &file]).ok();
    assert!(again.stdout.contains("2 unchanged"), "{}", again.stdout);
    assert!(
        again.stdout.contains("Nothing to change"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_passphrase_comes_from_stdin_and_a_wrong_one_changes_nothing() {
    let (ana, _) = ana();
    let ben = Tok::new();
    let file = file_in(&ana, "team.tkvault");
    let out = ana
        .run_stdin(
            &["export", "--passphrase-stdin", "-o", &file],
            "pelican marble orchard 77\n",
        )
        .ok();
    assert!(
        out.stderr.is_empty(),
        "a strong passphrase gets no warning: {}",
        out.stderr
    );

    ben.add("own", "sk_BensOwnKey0123456789abcd");
    let before = (ben.list(&[]), ben.keychain_search());
    let out = ben.run_stdin(
        &["import", &file, "--passphrase-stdin"],
        "pelican marble orchard 78\n",
    );
    out.fails(7, "passphrase does not open");
    // Without --passphrase-stdin and without a terminal, tok asks for the flag.
    ben.run(&["import", &file]).fails(2, "--passphrase-stdin");
    assert_eq!((ben.list(&[]), ben.keychain_search()), before);

    ben.run_stdin(
        &["import", &file, "--passphrase-stdin"],
        "pelican marble orchard 77\n",
    )
    .ok();
    assert_eq!(names(&ben), ["GitHub CI", "own", "partner-a"]);
}

#[test]
fn an_empty_passphrase_is_refused_and_a_weak_one_warned() {
    let (ana, _) = ana();
    let file = file_in(&ana, "team.tkvault");
    ana.run_stdin(&["export", "--passphrase-stdin", "-o", &file], "\n")
        .fails(2, "passphrase is empty");
    assert!(!std::path::Path::new(&file).exists(), "nothing was written");
    let out = ana
        .run_stdin(
            &["export", "--passphrase-stdin", "-o", &file],
            "password1\n",
        )
        .ok();
    assert!(
        out.stderr.contains("Warning: weak passphrase"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("password1"),
        "the warning never repeats it"
    );
    assert!(std::path::Path::new(&file).exists());
}

#[test]
fn bad_files_exit_7_with_their_own_message_and_change_nothing() {
    let (ana, _) = ana();
    let ben = Tok::new();
    ben.add("own", "sk_BensOwnKey0123456789abcd");
    let not_for_ben = file_in(&ana, "for-ana.tkvault");
    ana.run(&["export", "--to-self", "-o", &not_for_ben]).ok();
    let text = file_in(&ana, "notes.txt");
    std::fs::write(&text, "not a vault\n").unwrap();
    let for_ben = file_in(&ana, "for-ben.tkvault");
    ana.run(&["export", "--to", &public_key(&ben), "-o", &for_ben])
        .ok();
    let bytes = std::fs::read(&for_ben).unwrap();
    let truncated = file_in(&ana, "truncated.tkvault");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    let before = (ben.list(&[]), ben.keychain_search());
    let check = |out: Out, kind: &str| {
        assert_eq!(out.code, 7, "{kind}: {out:?}");
        let err: Value = serde_json::from_str(out.stderr.trim()).unwrap();
        assert_eq!(err["kind"], kind, "{out:?}");
    };
    check(
        ben.run(&["--json", "import", &not_for_ben]),
        "not_for_this_identity",
    );
    check(ben.run(&["--json", "import", &text]), "not_a_vault_file");
    check(
        ben.run(&["--json", "import", &truncated]),
        "vault_file_damaged",
    );
    ben.run(&["import", &truncated])
        .fails(7, "damaged: it was cut short or changed");
    ben.run(&["import", &file_in(&ben, "missing.tkvault")])
        .fails(3, "there is no file");
    ben.run(&[
        "export",
        "--to",
        "age1nope",
        "-o",
        &file_in(&ben, "x.tkvault"),
    ])
    .fails(2, "not an age public key");
    assert_eq!((ben.list(&[]), ben.keychain_search()), before);
}

#[test]
fn edits_on_both_sides_are_kept_unless_theirs_is_taken() {
    let (ana, _) = ana();
    let ben = Tok::new();
    let send = |from: &Tok, to: &Tok| {
        let file = file_in(from, "send.tkvault");
        from.run(&["export", "--to", &public_key(to), "-o", &file])
            .ok();
        file
    };
    let file = send(&ana, &ben);
    ben.run(&["import", &file]).ok();
    ana.run(&["edit", "partner-a", "--description", "ana's"])
        .ok();
    ben.run(&["edit", "partner-a", "--description", "ben's"])
        .ok();

    let file = send(&ana, &ben);
    let out = ben.run(&["import", &file]).ok();
    assert!(out.stdout.contains("conflict"), "{}", out.stdout);
    assert!(out.stdout.contains("--take-theirs"), "{}", out.stdout);
    let description = |tok: &Tok| {
        tok.run(&["--json", "show", "partner-a"]).ok().json()["token"]["description"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(description(&ben), "ben's");
    ben.run(&["import", &file, "--take-theirs"]).ok();
    assert_eq!(description(&ben), "ana's");
}
