//! `tok run`: secrets go into the child's environment only, and the child's exit code comes back.

use crate::util::Tok;

const SECRET: &str = "xc_RunSecret0123456789abcdefLMNO";

#[test]
fn the_child_sees_the_secret_in_its_environment() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    // EXPECTED is set by the test, not by tok: the comparison can fail.
    let check = r#"test "$TOKEN" = "$EXPECTED""#;
    let mut cmd = tok.command(&["run", "--env", "TOKEN=noco", "--", "sh", "-c", check]);
    cmd.env("EXPECTED", SECRET);
    assert_eq!(tok.run_with(cmd, None).code, 0);
    let mut cmd = tok.command(&["run", "--env", "TOKEN=noco", "--", "sh", "-c", check]);
    cmd.env("EXPECTED", "something else");
    assert_eq!(
        tok.run_with(cmd, None).code,
        1,
        "the check inside the child is real"
    );

    // Several variables at once; the child prints the lengths only.
    let out = tok
        .run(&[
            "run",
            "--env",
            "A=noco",
            "--env",
            "B=noco",
            "--",
            "sh",
            "-c",
            r#"printf '%s %s' "${#A}" "${#B}""#,
        ])
        .ok();
    assert_eq!(out.stdout, format!("{} {}", SECRET.len(), SECRET.len()));
    // Running counts as a reveal.
    assert!(tok.list(&[])[0]["last_used_at"].is_string());
}

#[test]
fn the_childs_exit_code_passes_through() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    let out = tok.run(&["run", "--env", "TOKEN=noco", "--", "sh", "-c", "exit 42"]);
    assert_eq!(out.code, 42, "{out:?}");
    let out = tok.run(&["run", "--env", "TOKEN=noco", "--", "true"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn an_unknown_token_runs_nothing() {
    let tok = Tok::new();
    let marker = tok.home.path().join("ran");
    let script = format!("touch '{}'", marker.display());
    tok.run(&["run", "--env", "TOKEN=missing", "--", "sh", "-c", &script])
        .fails(3, "missing");
    assert!(!marker.exists(), "the command must not run");
    tok.run(&["run", "--env", "1BAD=missing", "--", "true"])
        .fails(2, "1BAD");
    // A hash-only token has nothing to put in the environment.
    tok.run(&["generate", "issued"]).ok();
    tok.run(&["run", "--env", "T=issued", "--", "sh", "-c", &script])
        .fails(4, "hash");
    assert!(!marker.exists());
}
