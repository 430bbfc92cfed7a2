//! `tok export`, `tok import` and `tok team` between installs on the real keychain: the
//! passphrase only through stdin or a prompt, the preview before the merge, a signer trusted
//! only by fingerprint, deletions only with --yes, and exit 7 for a file that cannot be opened
//! or trusted, with nothing changed.

use serde_json::Value;

use crate::util::{Out, Tok};

const KEY: &str = "ghp_cliVaultFile0123456789abcdefgh";

fn public_key(tok: &Tok) -> String {
    tok.run(&["--json", "whoami"]).ok().json()["public_key"]
        .as_str()
        .expect("whoami shows a public key")
        .to_string()
}

fn whoami(tok: &Tok, field: &str) -> String {
    tok.run(&["--json", "whoami"]).ok().json()[field]
        .as_str()
        .unwrap_or_else(|| panic!("whoami shows {field}"))
        .to_string()
}

/// The signer fingerprint of an install, as it would read it out to a team mate.
fn fingerprint(tok: &Tok) -> String {
    whoami(tok, "signer_fingerprint")
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
    let fp = fingerprint(&ana);
    assert!(
        dry.stdout
            .contains(&format!("signed by an unknown key {fp}, claims to be")),
        "{}",
        dry.stdout
    );
    assert!(names(&ben).is_empty(), "a dry run changes nothing");

    // In a script, an unknown signer needs --trust-signer with the right fingerprint.
    let before = (ben.list(&[]), ben.keychain_search());
    ben.run(&["import", &file])
        .fails(7, &format!("--trust-signer {fp}"));
    let wrong = fingerprint(&Tok::new());
    ben.run(&["import", &file, "--trust-signer", &wrong])
        .fails(7, "not by");
    ben.run(&["import", &file, "--trust-signer", "12ab"])
        .fails(2, "32 hex digits");
    assert_eq!((ben.list(&[]), ben.keychain_search()), before);
    assert!(ben.run(&["--json", "team", "list"]).ok().json()[0].is_null());

    let typed = fp.replace('-', "").to_uppercase();
    let json = ben
        .run(&["--json", "import", &file, "--trust-signer", &typed])
        .ok()
        .json();
    assert_eq!(json["plan"]["signer"]["trusted"], true);
    let team = ben.run(&["--json", "team", "list"]).ok().json();
    assert_eq!(
        team[0]["fingerprint"],
        fp.as_str(),
        "the signer is a member now"
    );
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
        &[
            "import",
            &file,
            "--passphrase-stdin",
            "--trust-signer",
            &fingerprint(&ana),
        ],
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
    ben.run(&["import", &file, "--trust-signer", &fingerprint(&ana)])
        .ok();
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

#[test]
fn whoami_shows_the_member_key_and_fingerprint() {
    let tok = Tok::new();
    let member = whoami(&tok, "member_key");
    let fp = fingerprint(&tok);
    assert!(member.starts_with("tkmember1_age1"), "{member}");
    assert!(
        member.contains(&public_key(&tok)),
        "it holds the public key"
    );
    assert_eq!(fp.len(), 39, "{fp}");
    let human = tok.run(&["whoami"]).ok().stdout;
    assert!(
        human.contains(&format!("Member key:        {member}")),
        "{human}"
    );
    assert!(
        human.contains(&format!("Fingerprint:       {fp}")),
        "{human}"
    );
    assert!(human.contains("(minisign)"), "{human}");
}

#[test]
fn team_commands_and_export_to_the_team() {
    let (ana, _) = ana();
    let ben = Tok::new();
    let cy = Tok::new();
    let file = file_in(&ana, "team.tkvault");
    ana.run(&["export", "--team", "-o", &file])
        .fails(2, "no team members");

    let ben_key = whoami(&ben, "member_key");
    let added = ana
        .run(&["--json", "team", "add", "Ben", &ben_key])
        .ok()
        .json();
    assert_eq!(added["name"], "Ben");
    assert_eq!(added["fingerprint"], fingerprint(&ben).as_str());
    ana.run(&["team", "add", "ben", &ben_key])
        .fails(4, "already a team member named 'Ben'");
    ana.run(&["team", "add", "Cy", &public_key(&cy)])
        .fails(2, "only an age public key");
    ana.run(&["team", "add", "Me", &whoami(&ana, "member_key")])
        .fails(2, "always included");
    ana.run(&["team", "remove", "Nobody"])
        .fails(3, "no team member named 'Nobody'");
    let listed = ana.run(&["team", "list"]).ok().stdout;
    assert!(listed.contains("Ben"), "{listed}");
    assert!(listed.contains(&fingerprint(&ben)), "{listed}");

    let out = ana.run(&["export", "--team", "-o", &file]).ok();
    assert!(
        out.stdout.contains("the team (1 member and you)"),
        "{}",
        out.stdout
    );
    // Ben can open it, Ana herself can, Cy cannot.
    ben.run(&["import", &file, "--dry-run"]).ok();
    ana.run(&["import", &file, "--dry-run"]).ok();
    cy.run(&["import", &file, "--dry-run"])
        .fails(7, "encrypted to other public keys");

    ana.run(&["team", "remove", "BEN"]).ok();
    ana.run(&["export", "--team", "-o", &file])
        .fails(2, "no team members");
}

#[test]
fn a_deletion_from_a_members_file_needs_yes_in_scripts() {
    let (ana, _) = ana();
    let ben = Tok::new();
    ben.run(&["team", "add", "Ana", &whoami(&ana, "member_key")])
        .ok();
    let send = || {
        let file = file_in(&ana, "send.tkvault");
        ana.run(&["export", "--to", &public_key(&ben), "-o", &file])
            .ok();
        file
    };
    ben.run(&["import", &send()]).ok();
    assert_eq!(names(&ben), ["GitHub CI", "partner-a"]);

    ana.run(&["delete", "GitHub CI", "--yes"]).ok();
    let file = send();
    let before = (ben.list(&[]), ben.keychain_search());
    let out = ben.run(&["import", &file]);
    assert!(
        out.stdout.contains("delete the token 'GitHub CI'"),
        "the preview names it: {}",
        out.stdout
    );
    out.fails(2, "pass --yes");
    let err = ben.run(&["--json", "import", &file]);
    assert_eq!(err.code, 2);
    let err: Value = serde_json::from_str(err.stderr.trim()).unwrap();
    assert_eq!(err["kind"], "confirmation_required");
    assert_eq!((ben.list(&[]), ben.keychain_search()), before);

    ben.run(&["import", &file, "--yes"]).ok();
    assert_eq!(names(&ben), ["partner-a"]);
    assert_eq!(
        ben.keychain_search()
            .iter()
            .filter(|s| s.as_str() == KEY)
            .count(),
        0
    );
}

#[test]
fn a_version_1_file_exits_7_as_unsigned() {
    let ben = Tok::new();
    let vectors =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/vectors/vault");
    let file = vectors.join("vault-v1.tkvault");
    let identity = vectors.join("test-identity.txt");
    let out = ben.run(&[
        "--json",
        "import",
        file.to_str().unwrap(),
        "--identity",
        identity.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 7, "{out:?}");
    let err: Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["kind"], "unsigned_vault_file");
    assert!(
        err["message"].as_str().unwrap().contains("export again"),
        "{err}"
    );
    assert!(names(&ben).is_empty());
}

/// `tok import FILE` at a terminal (a pseudo-terminal through `script`), with `typed` as the
/// person's answers.
fn import_at_a_terminal(tok: &Tok, file: &str, typed: &str) -> Out {
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} import {file}", env!("CARGO_BIN_EXE_tok")),
        "/dev/null",
    ]);
    tok.run_with(cmd, Some(typed))
}

#[test]
fn on_a_terminal_tok_asks_before_trusting_a_key_and_before_deleting() {
    let (ana, _) = ana();
    let ben = Tok::new();
    let send = || {
        let file = file_in(&ana, "send.tkvault");
        ana.run(&["export", "--to", &public_key(&ben), "-o", &file])
            .ok();
        file
    };
    let file = send();
    // The first look at a file holding added keys makes Ben's own fingerprint key (an install
    // key, not a token); from then on, a refused import leaves everything as it was.
    ben.run(&["import", "--dry-run", &file]);
    let before = (ben.list(&[]), ben.keychain_search());
    let no = import_at_a_terminal(&ben, &file, "n\n");
    assert_eq!(no.code, 1, "{no:?}");
    assert!(no.stdout.contains("Trust this key?"), "{}", no.stdout);
    assert!(no.stdout.contains(&fingerprint(&ana)), "{}", no.stdout);
    assert_eq!((ben.list(&[]), ben.keychain_search()), before);
    assert!(ben.run(&["--json", "team", "list"]).ok().json()[0].is_null());

    let yes = import_at_a_terminal(&ben, &file, "y\n");
    assert_eq!(yes.code, 0, "{yes:?}");
    assert_eq!(names(&ben), ["GitHub CI", "partner-a"]);
    assert_eq!(
        ben.run(&["--json", "team", "list"]).ok().json()[0]["fingerprint"],
        fingerprint(&ana).as_str()
    );

    // A member's file that deletes a token here: asked about, and only a yes deletes it.
    ana.run(&["delete", "GitHub CI", "--yes"]).ok();
    let file = send();
    let no = import_at_a_terminal(&ben, &file, "n\n");
    assert_eq!(no.code, 1, "{no:?}");
    assert!(
        no.stdout.contains("delete the token 'GitHub CI'"),
        "{}",
        no.stdout
    );
    assert!(
        !no.stdout.contains("Trust this key?"),
        "a member is not asked about"
    );
    assert_eq!(names(&ben), ["GitHub CI", "partner-a"]);
    let yes = import_at_a_terminal(&ben, &file, "y\n");
    assert_eq!(yes.code, 0, "{yes:?}");
    assert_eq!(names(&ben), ["partner-a"]);
}
