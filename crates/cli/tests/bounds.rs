//! Bounded input and safe output at `tok`: far-future dates and hostile names are refused with
//! exit 2 and nothing changes; a store already holding bad rows still lists, shows, repairs and
//! deletes; nothing printed for people carries a raw control character; the usage snippet is
//! safe to paste into a shell; errors never repeat what looks like a secret.

use std::path::Path;
use std::process::Command;

use crate::util::{unchanged, Out, Tok};

/// Runs SQL straight on the install's database, as an older version could have written it.
fn sql(tok: &Tok, statement: &str) {
    let conn = rusqlite::Connection::open(tok.home.path().join("tokenkeeper.db")).unwrap();
    conn.execute_batch(statement).unwrap();
}

/// No raw control character (ESC, BEL, ...) or bidi control reaches the terminal.
#[track_caller]
fn terminal_safe(out: &Out) {
    for text in [&out.stdout, &out.stderr] {
        let bad = text
            .chars()
            .find(|&c| (c.is_control() && c != '\n') || ('\u{202A}'..='\u{202E}').contains(&c));
        assert!(bad.is_none(), "raw {bad:?} printed: {text:?}");
    }
}

#[test]
fn a_far_future_expiry_is_refused_in_every_form_and_the_list_keeps_working() {
    let tok = Tok::new();
    tok.add("existing", "sk_FarFuture0123456789abcdef");
    for expires in [
        "+10000-01-01",
        "3000000d",
        "99999999d",
        "10000-01-01T00:00:00Z",
    ] {
        unchanged(&tok, || {
            tok.run_stdin(
                &["add", "x", "--expires", expires],
                "sk_Other0123456789abcdefgh",
            )
        })
        .fails(2, "9999-12-31");
        unchanged(&tok, || tok.run(&["generate", "y", "--expires", expires]))
            .fails(2, "9999-12-31");
        unchanged(&tok, || {
            tok.run(&["edit", "existing", "--expires", expires])
        })
        .fails(2, "9999-12-31");
    }
    assert_eq!(tok.list(&[]).len(), 1);
    tok.run(&["list"]).ok();
    tok.run(&["generate", "fine", "--expires", "9999-12-30"])
        .ok();
}

#[test]
fn names_with_escapes_bidi_or_zero_width_are_refused() {
    let tok = Tok::new();
    tok.add("existing", "sk_Names0123456789abcdefghij");
    for (args, says) in [
        (vec!["generate", "x\u{1b}]0;pwned\u{7}"], "U+001B"),
        (vec!["generate", "invoice\u{202E}fdp.exe"], "U+202E"),
        (vec!["generate", "pay\u{200B}pal"], "U+200B"),
        (
            vec!["generate", "ok", "--description", "clear\u{1b}[2J"],
            "Description",
        ),
        (vec!["edit", "existing", "--name", "a\u{7}b"], "U+0007"),
        (
            vec!["generate", "ok", "--service", "Git\u{FEFF}Hub"],
            "Service name",
        ),
    ] {
        let out = unchanged(&tok, || tok.run(&args)).fails(2, says);
        terminal_safe(&out);
    }
}

/// An install whose database holds a row with a year-10000 expiry and a name carrying a
/// terminal title sequence, as an older version let through. Returns its id.
fn with_bad_row(tok: &Tok) -> String {
    tok.add("healthy", "sk_Healthy0123456789abcdefgh");
    let id = tok.add("far", "sk_BadRow0123456789abcdefghi");
    sql(
        tok,
        &format!(
            "UPDATE tokens SET expires_at = '+10000-01-01T00:00:00.000000Z', \
             name = 'far' || char(27) || ']0;pwned' || char(7), \
             description = 'a' || char(27) || '[2J' || char(10) || 'second line' WHERE id = '{id}'"
        ),
    );
    id
}

#[test]
fn a_store_with_a_bad_row_lists_shows_repairs_and_deletes() {
    let tok = Tok::new();
    let id = with_bad_row(&tok);

    let list = tok.run(&["list"]).ok();
    terminal_safe(&list);
    assert!(list.stdout.contains("(needs repair)"), "{}", list.stdout);
    assert!(
        list.stdout.contains("far\\u{1b}]0;pwned\\u{7}"),
        "{}",
        list.stdout
    );
    let json = tok.list(&[]);
    let row = json.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(row["needs_repair"][0], "expires_at");
    assert!(row["expires_at"].is_null());

    let show = tok.run(&["show", &id]).ok();
    terminal_safe(&show);
    assert!(show.stdout.contains("Needs repair:"), "{}", show.stdout);
    assert!(show.stdout.contains("--expires never"), "{}", show.stdout);
    assert!(show.stdout.contains("second line"), "{}", show.stdout);

    // Changing something else would silently make the expiry "never": refused, naming the fix.
    unchanged(&tok, || tok.run(&["disable", &id])).fails(4, "--expires");
    tok.run(&["edit", &id, "--expires", "never"]).ok();
    let row = tok
        .list(&[])
        .into_iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["needs_repair"], serde_json::json!([]), "{row}");
    assert!(!tok.run(&["list"]).ok().stdout.contains("needs repair"));
    tok.run(&["disable", &id]).ok();
    tok.run(&["delete", &id, "--yes"]).ok();
    assert_eq!(tok.list(&[]).len(), 1);
    assert_eq!(tok.keychain_secret(&id), None, "its secret went with it");
}

#[test]
fn a_bad_row_can_also_simply_be_deleted() {
    let tok = Tok::new();
    let id = with_bad_row(&tok);
    let out = tok.run(&["delete", &id, "--yes"]).ok();
    terminal_safe(&out);
    assert_eq!(tok.list(&[]).len(), 1);
}

/// A fake `curl` (prints each argument on its own line) and a fake `tok` (runs what follows
/// `--`, as `tok run` does) in a fresh directory, to put first on PATH.
fn fake_bin(dir: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "curl",
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
    );
    write(
        "tok",
        "#!/bin/sh\n[ \"$1 $2 $4\" = \"run --env --\" ] || exit 99\nshift 4\nexec \"$@\"\n",
    );
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap())
}

#[test]
fn the_usage_snippet_is_safe_to_paste_whatever_the_service_holds() {
    let tok = Tok::new();
    let id = tok.add("svc-key", "sk_Snippet0123456789abcdefgh");
    let tmp = tempfile::tempdir().unwrap();
    let pwned = tmp.path().join("pwned");
    let pwned2 = tmp.path().join("pwned2");
    tok.run(&["edit", &id, "--service", "Hostile"]).ok();
    // Both values are visible ASCII, so HTTP and the vault format allow them.
    let header = format!("x-token: $(touch {}) '\"{{token}}\"' `id`", pwned.display());
    let url = format!(
        "https://api.example/;touch${{IFS}}{};`id`",
        pwned2.display()
    );
    sql(
        &tok,
        &format!(
            "UPDATE services SET auth_header = '{}', base_url = '{}' WHERE name = 'Hostile'",
            header.replace('\'', "''"),
            url.replace('\'', "''")
        ),
    );
    let show = tok.run(&["show", &id]).ok();
    terminal_safe(&show);
    let lines: Vec<&str> = show.stdout.lines().collect();
    let at = lines.iter().position(|l| *l == "Usage:").unwrap();
    let snippet = lines[at + 1].trim();
    let run_line = lines[at + 2]
        .trim()
        .strip_prefix("(with the secret from Tokenkeeper: ")
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{}", lines[at + 2]));
    assert!(snippet.starts_with("curl -H '"), "{snippet}");

    let path = fake_bin(tmp.path());
    let expected = format!(
        "-H\nx-token: $(touch {}) '\"the-secret\"' `id`\nhttps://api.example/;touch${{IFS}}{};`id`/...\n",
        pwned.display(),
        pwned2.display()
    );
    for line in [snippet, run_line] {
        let syntax = Command::new("sh")
            .args(["-n", "-c", line])
            .output()
            .unwrap();
        assert!(syntax.status.success(), "sh -n: {line}");
        let out = Command::new("sh")
            .args(["-c", line])
            .env("PATH", &path)
            .env("TOKEN", "the-secret")
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{line}");
        assert!(!pwned.exists() && !pwned2.exists(), "{line} ran a command");
    }
}

#[test]
fn control_characters_in_errors_are_escaped() {
    let tok = Tok::new();
    let out = tok
        .run(&["show", "nope\u{1b}]0;pwned\u{7}"])
        .fails(3, "nope\\u{1b}");
    terminal_safe(&out);
}

#[test]
fn errors_never_repeat_a_pasted_secret() {
    let tok = Tok::new();
    tok.add("existing", "sk_Errors0123456789abcdefghij");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.tkvault");
    let age_secret = "AGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J3";
    let ghp = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    let file_arg = file.to_str().unwrap();
    let env_pair = format!("TOKEN={ghp}");
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["export", "--to", age_secret, "-o", file_arg],
            2,
            "secret key",
        ),
        (vec!["show", ghp], 3, "not repeated"),
        (vec!["get", ghp], 3, "not repeated"),
        (vec!["generate", "x", "--expires", ghp], 2, "not an expiry"),
        (
            vec!["run", "--env", &env_pair, "--", "true"],
            3,
            "not repeated",
        ),
        (vec!["delete", ghp], 2, "not repeated"),
    ];
    for (args, code, says) in cases {
        let out = unchanged(&tok, || tok.run(&args)).fails(code, says);
        for secret in ["GQ9778VQXMMJ", "16C7e42F292c"] {
            assert!(!out.stderr.contains(secret), "{args:?}: {}", out.stderr);
            assert!(!out.stdout.contains(secret), "{args:?}: {}", out.stdout);
        }
    }
    assert!(!file.exists(), "nothing was written");
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read() {
    let tok = Tok::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.tkvault");
    std::fs::File::create(&file)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let started = std::time::Instant::now();
    unchanged(&tok, || tok.run(&["import", file.to_str().unwrap()]))
        .fails(7, "larger than any vault file");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// The committed vault vector's JSON with `edit` applied, signed, encrypted with the standard `age` tool
/// to `tok`'s own public key, as anyone holding that (shareable) key could make it.
fn hostile_file(tok: &Tok, dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let vector = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/vectors/vault/vault-v2-payload.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vector).unwrap()).unwrap();
    edit(&mut json);
    // Signed (by the test signer, unknown here), so the file gets past the signature check and
    // meets the payload's rules.
    let plain = dir.join("container.json");
    std::fs::write(&plain, crate::signing::signed(json.to_string().as_bytes())).unwrap();
    let key = tok.run(&["--json", "whoami"]).ok().json()["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let file = dir.join("hostile.tkvault");
    let out = Command::new("age")
        .args(["-r", &key, "-o"])
        .arg(&file)
        .arg(&plain)
        .output()
        .expect("the age tool runs (package age)");
    assert!(out.status.success(), "{out:?}");
    file.to_str().unwrap().to_string()
}

#[test]
fn a_file_with_a_far_future_date_or_an_escape_exits_7_naming_the_field() {
    let tok = Tok::new();
    tok.add("existing", "sk_FileBounds0123456789abcdef");
    let dir = tempfile::tempdir().unwrap();
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|j| j["tokens"][0]["expires_at"] = "9999-12-31T23:30:00-01:00".into()),
            "has expires_at outside 1970-01-01 through 9999-12-31",
        ),
        (
            Box::new(|j| j["tokens"][0]["description"] = "x\u{1b}]0;pwned\u{7}".into()),
            "has a description",
        ),
        (
            Box::new(|j| j["services"][0]["base_url"] = "https://a.example/ ;id".into()),
            "has a base_url",
        ),
    ];
    for (edit, says) in cases {
        let file = hostile_file(&tok, dir.path(), edit);
        let out = unchanged(&tok, || tok.run(&["import", &file])).fails(7, says);
        assert!(
            out.stderr
                .contains("token #1 (id 0190f0f0-0000-7000-8000-000000000001)")
                || out.stderr.contains("service #1 'GitHub'"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("pwned") && !out.stderr.contains(";id"));
        terminal_safe(&out);
    }
}

/// A pipe (FIFO) or a folder named where `tok` reads a file is refused at once, by name, and
/// changes nothing: opening a FIFO for reading would otherwise wait for a writer forever. Each
/// attempt runs under `timeout`, so a hang fails here (exit 124) instead of stalling the suite.
#[test]
fn a_pipe_or_a_folder_named_as_an_input_file_is_refused_at_once() {
    let tok = Tok::new();
    tok.add("kept", "sk_PipeOrFolder0123456789abcdef");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo (coreutils) made no FIFO");
    let written = dir.path().join("out.txt");
    let written = written.to_str().unwrap();
    for path in [fifo.as_path(), dir.path()] {
        let p = path.to_str().unwrap();
        for args in [
            vec!["import-env", p, "--dry-run"],
            vec!["import-from", "keepassxc-csv", p, "--dry-run"],
            vec!["import", p, "--dry-run"],
            vec!["inject", "-i", p, "-o", written],
            vec!["run", "--env-file", p, "--", "true"],
        ] {
            let mut cmd = Command::new("timeout");
            cmd.arg("20").arg(env!("CARGO_BIN_EXE_tok")).args(&args);
            let out = unchanged(&tok, || tok.run_with(cmd, None));
            assert_ne!(out.code, 124, "tok {args:?} hung on {p}");
            let out = out.fails(2, "is not a regular file");
            assert!(out.stderr.contains(p), "{args:?}: {}", out.stderr);
            terminal_safe(&out);
        }
    }
    assert!(!Path::new(written).exists(), "inject wrote nothing");
}
