//! `tok inject`: a template's `{{ tok://NAME }}` replaced by the secrets, written 0600 and
//! atomically, all or nothing; a bad reference is named with its line and nothing is written.

use crate::util::Tok;

const STRIPE: &str = "sk_live_InjectKey0123456789abcdefGH";
const SLACK: &str = "xoxb-InjectBot-0123456789-abcdefJK";

const TEMPLATE: &str = "\
# config for the app
stripe_key: {{ tok://stripe }}
slack: \"{{tok://slack}}\"
kept_for_helm: {{ .Values.other }}
";

fn expected() -> String {
    format!(
        "# config for the app\nstripe_key: {STRIPE}\nslack: \"{SLACK}\"\nkept_for_helm: {{{{ .Values.other }}}}\n"
    )
}

#[test]
fn a_template_is_written_0600_with_its_secrets() {
    let tok = Tok::new();
    tok.add("stripe", STRIPE);
    tok.add("slack", SLACK);
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("config.yaml.tmpl");
    std::fs::write(&template, TEMPLATE).unwrap();
    let out_file = dir.path().join("config.yaml");
    let (t, o) = (template.to_str().unwrap(), out_file.to_str().unwrap());

    let out = tok.run(&["inject", "-i", t, "-o", o]).ok();
    assert!(!out.stdout.contains(STRIPE) && !out.stderr.contains(STRIPE));
    assert!(out.stderr.contains("2 references"), "{out:?}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), expected());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "readable only by the user");
    }

    // Without -o, on stdout exactly.
    assert_eq!(tok.run(&["inject", "-i", t]).ok().stdout, expected());

    // Each resolution is a use of the token.
    let details = tok.run(&["--json", "show", "slack"]).ok().json();
    let used = details["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "used" && e["detail"] == "tok inject")
        .count();
    assert_eq!(used, 2, "{details}");
}

#[test]
fn a_bad_reference_is_named_with_its_line_and_nothing_is_written() {
    let tok = Tok::new();
    tok.add("stripe", STRIPE);
    tok.run(&["generate", "issued"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("app.env.tmpl");
    let out_file = dir.path().join("app.env");
    std::fs::write(&out_file, "previous contents\n").unwrap();
    let (t, o) = (template.to_str().unwrap(), out_file.to_str().unwrap());

    for (text, code, says) in [
        (
            "A={{ tok://stripe }}\nB={{ tok://nope }}\n",
            3,
            "tok://nope' at line 2",
        ),
        (
            "A={{ tok://stripe }}\n\nB={{ tok://issued }}\n",
            4,
            "hash-only",
        ),
        ("A={{ tok://stripe\n", 2, "line 1"),
        // A key pasted where the name belongs is not repeated.
        (
            "A={{ tok://ghp_16C7e42F292c6912E7710c838347Ae178B4a }}",
            3,
            "not repeated",
        ),
    ] {
        std::fs::write(&template, text).unwrap();
        let out = tok.run(&["inject", "-i", t, "-o", o]).fails(code, says);
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(!out.stderr.contains("16C7e42F"), "{out:?}");
        let out = tok.run(&["inject", "-i", t]).fails(code, says);
        assert!(out.stdout.is_empty(), "no partial output: {out:?}");
        assert_eq!(
            std::fs::read_to_string(&out_file).unwrap(),
            "previous contents\n",
            "the output file is untouched"
        );
    }
    let names = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(names, 2, "no temporary file left behind");
    // Nothing resolved, nothing recorded.
    assert!(tok.list(&[]).iter().all(|t| t["last_used_at"].is_null()));
    // The template is never the output.
    std::fs::write(&template, "A={{ tok://stripe }}\n").unwrap();
    tok.run(&["inject", "-i", t, "-o", t])
        .fails(2, "the template itself");
    assert_eq!(
        std::fs::read_to_string(&template).unwrap(),
        "A={{ tok://stripe }}\n"
    );
    tok.run(&["inject", "-i", dir.path().join("none").to_str().unwrap()])
        .fails(3, "no file");
}
