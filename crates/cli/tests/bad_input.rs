//! Bad input: each is refused with its exit code and a message that says what was wrong,
//! and the token list is exactly as it was before.

use crate::util::{unchanged, Tok};

/// A vault holding one imported key ("Deploy-Key") and one hash-only generated token ("issued").
fn vault_with_two_tokens() -> Tok {
    let tok = Tok::new();
    tok.add("Deploy-Key", "dk_BadInput0123456789abcdefQRST");
    tok.run(&["generate", "issued"]).ok();
    tok
}

#[test]
fn empty_name_is_invalid_input() {
    let tok = vault_with_two_tokens();
    unchanged(&tok, || {
        tok.run_stdin(&["add", ""], "sk_EmptyName0123456789")
    })
    .fails(2, "name");
    unchanged(&tok, || tok.run(&["generate", "  "])).fails(2, "name");
}

#[test]
fn name_of_101_characters_is_invalid_input() {
    let tok = vault_with_two_tokens();
    let long = "n".repeat(101);
    unchanged(&tok, || {
        tok.run_stdin(&["add", &long], "sk_LongName0123456789")
    })
    .fails(2, "100");
    // 100 is still fine.
    tok.run(&["generate", &"n".repeat(100)]).ok();
}

#[test]
fn duplicate_name_is_refused_case_insensitively() {
    let tok = vault_with_two_tokens();
    let out = unchanged(&tok, || {
        tok.run_stdin(&["add", "deploy-key"], "sk_Other0123456789abcdef")
    });
    out.fails(4, "deploy-key");
    unchanged(&tok, || tok.run(&["generate", "DEPLOY-KEY"])).fails(4, "deploy-key");
    unchanged(&tok, || {
        tok.run(&["edit", "issued", "--name", "deploy-KEY"])
    })
    .fails(4, "deploy-key");
}

#[test]
fn duplicate_secret_is_refused_naming_the_holder() {
    let tok = vault_with_two_tokens();
    let out = unchanged(&tok, || {
        tok.run_stdin(&["add", "copy"], "dk_BadInput0123456789abcdefQRST")
    });
    let out = out.fails(4, "Deploy-Key");
    assert!(!out.stderr.contains("dk_BadInput0123456789abcdefQRST"));
}

#[test]
fn unknown_name_is_not_found() {
    let tok = vault_with_two_tokens();
    for args in [
        vec!["show", "nope"],
        vec!["get", "nope"],
        vec!["disable", "nope"],
        vec!["enable", "nope"],
        vec!["rotate", "nope"],
        vec!["delete", "nope", "--yes"],
        vec!["edit", "nope", "--description", "x"],
    ] {
        unchanged(&tok, || tok.run(&args)).fails(3, "nope");
    }
    // With --json the error is the core's {kind, message} on stderr.
    let out = tok.run(&["--json", "show", "nope"]);
    assert_eq!(out.code, 3);
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).expect("JSON error");
    assert_eq!(err["kind"], "not_found");
    assert!(err["message"].as_str().unwrap().contains("nope"));
}

#[test]
fn expiry_in_the_past_or_unreadable_is_invalid_input() {
    let tok = vault_with_two_tokens();
    unchanged(&tok, || {
        tok.run(&["generate", "late", "--expires", "2020-01-31"])
    })
    .fails(2, "past");
    unchanged(&tok, || {
        tok.run_stdin(
            &["add", "late", "--expires", "2020-01-31T00:00:00Z"],
            "sk_Late0123456789",
        )
    })
    .fails(2, "past");
    // Refused before the key is asked for: no key given, yet the message is about the expiry.
    unchanged(&tok, || {
        tok.run_stdin(&["add", "late", "--expires", "2020-01-31"], "")
    })
    .fails(2, "past");
    unchanged(&tok, || {
        tok.run(&["edit", "issued", "--expires", "2020-01-31"])
    })
    .fails(2, "past");
    unchanged(&tok, || {
        tok.run(&["generate", "late", "--expires", "tomorrow"])
    })
    .fails(2, "'tomorrow' is not an expiry");
}

#[test]
fn get_of_a_hash_only_token_is_a_conflict() {
    let tok = vault_with_two_tokens();
    let out = unchanged(&tok, || tok.run(&["get", "issued"]));
    let out = out.fails(4, "hash");
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
}

#[test]
fn verify_and_check_of_garbage() {
    let tok = vault_with_two_tokens();
    // Nothing on stdin: not a question verify can answer.
    unchanged(&tok, || tok.run(&["verify"])).fails(2, "no token");
    // Something that is no token: answered, negatively.
    let out = unchanged(&tok, || tok.run_stdin(&["verify"], "garbage"));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["status"], "unknown");
    let out = tok.run_stdin(&["check"], "garbage");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("not well-formed") && !out.stdout.contains("garbage"));
    let out = tok.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("empty"), "{out:?}");
}

#[test]
fn delete_without_yes_and_without_a_terminal_is_refused() {
    let tok = vault_with_two_tokens();
    unchanged(&tok, || tok.run(&["delete", "Deploy-Key"])).fails(2, "--yes");
    assert_eq!(
        tok.run(&["get", "Deploy-Key"]).ok().stdout,
        "dk_BadInput0123456789abcdefQRST\n"
    );
}

#[test]
fn a_secret_is_never_taken_from_the_command_line() {
    let tok = vault_with_two_tokens();
    let out = unchanged(&tok, || {
        tok.run(&["add", "argv", "sk_OnTheCommandLine0123"])
    });
    assert_eq!(out.code, 2, "{out:?}");
    // Nor an empty one from stdin.
    unchanged(&tok, || tok.run(&["add", "empty"])).fails(2, "no secret");
}

#[test]
fn edit_with_nothing_to_change_and_bad_grace_are_invalid_input() {
    let tok = vault_with_two_tokens();
    unchanged(&tok, || tok.run(&["edit", "issued"])).fails(2, "nothing to change");
    unchanged(&tok, || tok.run(&["rotate", "issued", "--grace", "2w"])).fails(2, "grace");
    let out = unchanged(&tok, || tok.run(&["list", "--state", "sleeping"]));
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn help_documents_the_exit_codes() {
    let tok = Tok::new();
    for args in [vec!["--help"], vec!["delete", "--help"]] {
        let help = tok.run(&args).ok().stdout;
        assert!(help.contains("Exit codes:"), "{help}");
        for line in [
            "3  not found",
            "5  the OS keychain is unreachable",
            "6  database or storage",
        ] {
            assert!(help.contains(line), "{line} missing from {help}");
        }
    }
    // clap's own usage errors are exit 2 as well.
    assert_eq!(tok.run(&["list", "--bogus"]).code, 2);
    assert_eq!(
        tok.run(&["--home", "/tmp", "list"]).code,
        2,
        "there is no --home"
    );
}

#[test]
fn a_refused_expiry_is_reported_like_every_core_error_wherever_json_is_given() {
    let tok = vault_with_two_tokens();
    for args in [
        &["--json", "generate", "late", "--expires", "tomorrow"][..],
        &["generate", "late", "--json", "--expires", "tomorrow"],
        &["add", "late", "--expires", "tomorrow", "--json"],
    ] {
        let out = unchanged(&tok, || tok.run(args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).expect("JSON error");
        assert_eq!(err["kind"], "invalid_input", "{args:?}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.starts_with("'tomorrow' is not an expiry"),
            "{message}"
        );
    }
    // Without --json: one line in tok's words, not clap's usage text.
    let out = unchanged(&tok, || {
        tok.run(&["generate", "late", "--expires", "tomorrow"])
    });
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("tok: 'tomorrow' is not an expiry"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Usage:"), "{}", out.stderr);
}
