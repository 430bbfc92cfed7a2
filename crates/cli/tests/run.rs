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

/// A child that prints the secret in pieces, with pauses between, on stdout and on stderr: the
/// pieces arrive in separate reads.
const IN_PIECES: &str = r#"
head="${S%"${S#??????????}"}"; tail="${S#??????????}"
printf 'out: %s' "$head"; sleep 0.2; printf '%s end\n' "$tail"
printf 'err: %s' "${S%"${S#???}"}" >&2; sleep 0.2; printf '%s end\n' "${S#???}" >&2
exit 3
"#;

#[test]
fn a_secret_printed_in_pieces_is_concealed_on_both_streams() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    let out = tok.run(&["run", "--env", "S=noco", "--", "sh", "-c", IN_PIECES]);
    assert_eq!(out.code, 3, "the exit code passes through: {out:?}");
    assert_eq!(out.stdout, "out: <concealed by tok> end\n");
    assert_eq!(out.stderr, "err: <concealed by tok> end\n");

    // The child really printed it: without masking it comes through.
    let out = tok.run(&[
        "run",
        "--no-masking",
        "--env",
        "S=noco",
        "--",
        "sh",
        "-c",
        IN_PIECES,
    ]);
    assert_eq!(out.code, 3);
    assert_eq!(out.stdout, format!("out: {SECRET} end\n"));
    assert_eq!(out.stderr, format!("err: {SECRET} end\n"));
}

#[test]
fn each_run_is_recorded_as_a_use() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    tok.run(&["run", "--env", "A=noco", "--env", "B=noco", "--", "true"])
        .ok();
    let details = tok.run(&["--json", "show", "noco"]).ok().json();
    let used: Vec<&serde_json::Value> = details["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "used")
        .collect();
    assert_eq!(
        used.len(),
        1,
        "one use per run, however many variables: {details}"
    );
    assert_eq!(used[0]["detail"], "tok run");
    let page = tok.run(&["show", "noco"]).ok().stdout;
    assert!(page.contains("used"), "{page}");
}

#[test]
fn output_without_a_secret_appears_at_once() {
    use std::io::Read;
    let tok = Tok::new();
    tok.add("noco", SECRET);
    // A prompt without a newline, then a long pause: it must be seen before the child ends.
    let mut child = tok
        .command(&[
            "run",
            "--env",
            "S=noco",
            "--",
            "sh",
            "-c",
            "printf 'name: '; sleep 5; echo done",
        ])
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 6];
        let ok = stdout.read_exact(&mut buf).is_ok();
        let _ = tx.send((ok, buf));
    });
    let got = rx.recv_timeout(std::time::Duration::from_secs(3));
    let _ = child.kill();
    let _ = child.wait();
    let (ok, buf) = got.expect("the prompt appeared while the child was still running");
    assert!(ok);
    assert_eq!(&buf, b"name: ");
}

#[test]
fn a_signal_that_kills_the_child_is_reported_as_a_shell_would() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    for masking in [&[][..], &["--no-masking"][..]] {
        let mut args = vec!["run", "--env", "S=noco"];
        args.extend_from_slice(masking);
        args.extend_from_slice(&["--", "sh", "-c", "kill -TERM $$"]);
        let out = tok.run(&args);
        assert_eq!(out.code, 128 + 15, "{masking:?}: {out:?}");
    }
}

#[test]
fn sigterm_sent_to_tok_reaches_the_child() {
    use std::io::{BufRead, BufReader};
    let tok = Tok::new();
    tok.add("noco", SECRET);
    let script = r#"trap 'echo "got TERM"; exit 7' TERM; echo ready; while :; do sleep 0.1; done"#;
    for masking in [&[][..], &["--no-masking"][..]] {
        let mut args = vec!["run", "--env", "S=noco"];
        args.extend_from_slice(masking);
        args.extend_from_slice(&["--", "sh", "-c", script]);
        let mut child = tok.command(&args).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        // SAFETY: kill has no memory preconditions; the pid is our own child's (tok).
        let pid = i32::try_from(child.id()).unwrap();
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        assert_eq!(lines.next().unwrap().unwrap(), "got TERM", "{masking:?}");
        let status = child.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(7),
            "tok waited and passed the code on: {masking:?}"
        );
    }
}

const OTHER: &str = "xc_OtherSecret0123456789abcdefPQRS";

/// A project's .env: references among plain settings, in the syntax people write.
const DOTENV: &str = r#"# settings for the app
export APP_ENV=staging
DATABASE_URL="postgres://localhost/app"   # not a secret
NOCO_TOKEN=tok://noco
OTHER_TOKEN = 'tok://other'
GREETING="two
lines"
"#;

#[test]
fn an_env_file_resolves_references_and_passes_the_rest_through() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    tok.add("other", OTHER);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, DOTENV).unwrap();
    let env = env.to_str().unwrap();

    // The child checks every value itself; EXPECTED_* are set by the test, not by tok.
    let check = r#"test "$NOCO_TOKEN" = "$EXPECTED_NOCO" && test "$OTHER_TOKEN" = "$EXPECTED_OTHER" &&
        test "$APP_ENV" = staging && test "$DATABASE_URL" = postgres://localhost/app &&
        test "$GREETING" = "$(printf 'two\nlines')" && echo "all set; key $NOCO_TOKEN""#;
    let mut cmd = tok.command(&["run", "--env-file", env, "--", "sh", "-c", check]);
    cmd.env("EXPECTED_NOCO", SECRET)
        .env("EXPECTED_OTHER", OTHER);
    let out = tok.run_with(cmd, None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "all set; key <concealed by tok>\n");

    // --env wins over the file for the same variable.
    let mut cmd = tok.command(&[
        "run",
        "--env-file",
        env,
        "--env",
        "NOCO_TOKEN=other",
        "--",
        "sh",
        "-c",
        r#"test "$NOCO_TOKEN" = "$EXPECTED_OTHER""#,
    ]);
    cmd.env("EXPECTED_OTHER", OTHER);
    assert_eq!(
        tok.run_with(cmd, None).code,
        0,
        "--env overrides --env-file"
    );

    // Both tokens are recorded as used by this run.
    for name in ["noco", "other"] {
        let details = tok.run(&["--json", "show", name]).ok().json();
        assert!(
            details["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "used"),
            "{name}: {details}"
        );
    }
}

#[test]
fn a_bad_reference_in_an_env_file_runs_nothing_and_names_its_line() {
    let tok = Tok::new();
    tok.add("noco", SECRET);
    tok.run(&["generate", "issued"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("app.env");
    let marker = dir.path().join("ran");
    let script = format!("touch '{}'", marker.display());
    for (text, code, says) in [
        ("A=tok://noco\nB=tok://nope\n", 3, "line 2 of"),
        // The first one written is the one reported.
        (
            "Z=tok://first-bad\nA=tok://second-bad\n",
            3,
            "tok://first-bad' at line 1",
        ),
        ("A=tok://noco\n# comment\nB=tok://issued\n", 4, "hash-only"),
        ("A=tok://\n", 2, "line 1 of"),
        ("A='unclosed\n", 2, "line 1"),
    ] {
        std::fs::write(&env, text).unwrap();
        let out = tok.run(&[
            "run",
            "--env-file",
            env.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &script,
        ]);
        out.fails(code, says);
        assert!(!marker.exists(), "{text:?}: the command must not run");
    }
    tok.run(&[
        "run",
        "--env-file",
        dir.path().join("none").to_str().unwrap(),
        "--",
        "true",
    ])
    .fails(3, "none");
    assert!(tok.list(&[]).iter().all(|t| t["last_used_at"].is_null()));
}
