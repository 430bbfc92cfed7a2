//! `tok scan`: a real project folder (a git-ignored `.env`, a config template, nested folders, a
//! binary file, a symbolic link) and a real git history where a key was committed and later
//! removed. Findings name file, line, commit, token and hint, never the value; exit 1 when found.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

const GITHUB: &str = "ghp_R8x2Lq9ZtY4mWc7NvB3kJd6Hs1Pf0GaE5uQi";
const STRIPE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcXYZabc";
/// Key-looking, and not held: must never be reported.
const NOT_HELD: &str = "ghp_Zz9x2Lq9ZtY4mWc7NvB3kJd6Hs1Pf0GaE5uQi";

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// `git ARGS` in `dir`, as a person would run it (fixed identity and dates, no global config).
fn git(dir: &Path, args: &[&str]) -> String {
    read_back(
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1"),
        "git refused",
    )
    .trim()
    .to_string()
}

/// The findings of `tok --json scan ARGS` as (path relative to `root`, line, column, token, commit).
fn findings(j: &Value, root: &Path) -> Vec<(String, u64, u64, String, Option<String>)> {
    let root = root.to_string_lossy();
    let mut v: Vec<_> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let path = path
                .strip_prefix(&*root)
                .map(|p| p.trim_start_matches('/'))
                .unwrap_or(path);
            (
                path.to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["token_name"].as_str().unwrap().to_string(),
                f["commit"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

fn assert_no_secret(out: &Out, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !out.stdout.contains(s) && !out.stderr.contains(s),
            "a secret was printed: {out:?}"
        );
    }
}

#[test]
fn a_project_folder_shows_each_leak_by_place_and_name_never_by_value() {
    let tok = Tok::new();
    tok.add("github-ci", GITHUB);
    tok.add("stripe live", STRIPE);
    let issued = tok.run(&["--json", "generate", "billing"]).ok().json();
    let tk = issued["secret"].as_str().unwrap().to_string();

    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    write(p, ".gitignore", b".env\n");
    write(
        p,
        ".env",
        format!("# local\nGITHUB_TOKEN={GITHUB}\nSTRIPE_KEY=\"{STRIPE}\"\n").as_bytes(),
    );
    write(
        p,
        "config/settings.template.toml",
        format!("[billing]\ntoken = \"{tk}\"\nother = \"{NOT_HELD}\"\n").as_bytes(),
    );
    write(
        p,
        "src/deep/er/client.js",
        format!("const k = '{GITHUB}';\n").as_bytes(),
    );
    // A binary file holding a key: skipped, and counted.
    let mut bin = b"\x7fELF\x00\x01".to_vec();
    bin.extend_from_slice(GITHUB.as_bytes());
    write(p, "bin/tool", &bin);
    // A symbolic link to the .env is not followed (the .env itself is scanned once).
    std::os::unix::fs::symlink(p.join(".env"), p.join("env-link")).unwrap();
    write(p, "README.md", b"No keys here: ghp_ is GitHub's prefix.\n");

    let out = tok.run(&["--json", "scan", p.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_no_secret(&out, &[GITHUB, STRIPE, &tk]);
    let j = out.json();
    assert_eq!(
        findings(&j, p),
        vec![
            (".env".into(), 2, 14, "github-ci".into(), None),
            (".env".into(), 3, 13, "stripe live".into(), None),
            (
                "config/settings.template.toml".into(),
                2,
                10,
                "billing".into(),
                None
            ),
            (
                "src/deep/er/client.js".into(),
                1,
                12,
                "github-ci".into(),
                None
            ),
        ]
    );
    assert_eq!(j["findings"][0]["hint"], "ghp_…5uQi");
    assert_eq!(j["binary_skipped"], 1);
    assert_eq!(j["symlinks_skipped"], 1);
    assert_eq!(j["files_scanned"], 5);
    let steps: Vec<&str> = j["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "tok rotate github-ci --grace now",
            "tok rotate 'stripe live' --grace now",
            "tok rotate billing --grace now",
        ]
    );

    // For people: a table and the next step, which works as printed.
    let out = tok.run(&["scan", p.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_no_secret(&out, &[GITHUB, STRIPE, &tk]);
    assert!(
        out.stdout.contains("Found 4 copies of 3 secrets"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("ghp_…5uQi"), "{}", out.stdout);
    assert!(out.stdout.contains(".env:2:14"), "{}", out.stdout);
    assert!(
        out.stdout.contains("tok rotate 'stripe live' --grace now"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Skipped 1 binary file"),
        "{}",
        out.stdout
    );
    let rotated = tok.run_stdin(
        &["--json", "rotate", "stripe live", "--grace", "now"],
        "sk_live_51NewKeyFromTheDashboard0000",
    );
    rotated.ok();
    // The old value is no longer held: that copy is no longer a finding.
    let j = tok.run(&["--json", "scan", p.to_str().unwrap()]).json();
    assert!(!findings(&j, p).iter().any(|f| f.3 == "stripe live"));
}

#[test]
fn a_key_committed_and_later_removed_is_found_in_history_with_its_commit() {
    let tok = Tok::new();
    tok.add("github-ci", GITHUB);
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    git(r, &["init", "-q"]);
    write(r, "app.py", b"print('hello')\n");
    write(
        r,
        ".env",
        format!("DEBUG=1\nGITHUB_TOKEN={GITHUB}\n").as_bytes(),
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "first version"]);
    let leaked = git(r, &["rev-parse", "HEAD"]);
    git(r, &["rm", "-q", "--cached", ".env"]);
    std::fs::remove_file(r.join(".env")).unwrap();
    write(r, ".gitignore", b".env\n");
    git(r, &["add", ".gitignore"]);
    git(r, &["commit", "-qm", "stop tracking .env"]);
    // A second branch whose file held it too, in another commit.
    git(r, &["checkout", "-qb", "feature"]);
    write(
        r,
        "deploy/ci.yml",
        format!("env:\n  TOKEN: {GITHUB}\n").as_bytes(),
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "ci"]);
    let on_branch = git(r, &["rev-parse", "HEAD"]);
    git(r, &["rm", "-q", "deploy/ci.yml"]);
    git(r, &["commit", "-qm", "oops"]);
    git(r, &["checkout", "-q", "main"]);

    // The working tree is clean.
    let out = tok.run(&["--json", "scan", r.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.json()["findings"].as_array().unwrap().is_empty());
    let out = tok.run(&["scan", r.to_str().unwrap()]).ok();
    assert!(
        out.stdout.starts_with("No secret held here was found."),
        "{}",
        out.stdout
    );

    // History is not.
    let out = tok.run(&["--json", "scan", "--git", r.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_no_secret(&out, &[GITHUB]);
    let j = out.json();
    assert_eq!(findings(&j, r), {
        let mut want = vec![
            (
                ".env".to_string(),
                2,
                14,
                "github-ci".to_string(),
                Some(leaked.clone()),
            ),
            (
                "deploy/ci.yml".to_string(),
                2,
                10,
                "github-ci".to_string(),
                Some(on_branch.clone()),
            ),
        ];
        want.sort();
        want
    });
    assert_eq!(j["findings"][0]["repository"], r.to_str().unwrap());
    // Two paths in one repository: its history is read once.
    let app = r.join("app.py");
    let twice = tok.run(&[
        "--json",
        "scan",
        "--git",
        r.to_str().unwrap(),
        app.to_str().unwrap(),
    ]);
    assert_eq!(findings(&twice.json(), r), findings(&j, r));
    assert!(j["blobs_scanned"].as_u64().unwrap() >= 4, "{j}");
    let out = tok.run(&["scan", "--git", r.to_str().unwrap()]);
    assert!(out.stdout.contains(&leaked[..12]), "{}", out.stdout);
    assert!(
        out.stdout.contains("tok rotate github-ci --grace now"),
        "{}",
        out.stdout
    );
}

#[test]
fn nothing_held_means_nothing_found_and_bad_paths_are_refused() {
    let tok = Tok::new();
    tok.add("github-ci", GITHUB);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.env",
        format!("A={NOT_HELD}\nB=ghp_{}\n", "x".repeat(36)).as_bytes(),
    );
    let out = tok
        .run(&["--json", "scan", dir.path().to_str().unwrap()])
        .ok();
    assert!(out.json()["findings"].as_array().unwrap().is_empty());
    assert_eq!(out.json()["keys_searched"], 1);

    let missing = dir.path().join("no-such-dir");
    tok.run(&["scan", missing.to_str().unwrap()])
        .fails(2, "does not exist");
    let out = tok.run(&["--json", "scan", "--git", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 2, "{out:?}");
    let err: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(err["kind"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("not in a git repository"));
    // No path at all is a usage error.
    assert_eq!(tok.run(&["scan"]).code, 2);
}

#[test]
fn hostile_file_names_are_escaped_for_the_terminal_and_exact_in_json() {
    let tok = Tok::new();
    tok.add("github-ci", GITHUB);
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\x1b]0;pwned\x07.env";
    write(dir.path(), name, format!("T={GITHUB}\n").as_bytes());
    let out = tok.run(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        !out.stdout.contains('\x1b') && !out.stdout.contains('\x07'),
        "{:?}",
        out.stdout
    );
    assert!(
        out.stdout.contains(r"evil\u{1b}]0;pwned\u{7}.env:1:3"),
        "{}",
        out.stdout
    );
    let j = tok
        .run(&["--json", "scan", dir.path().to_str().unwrap()])
        .json();
    assert!(j["findings"][0]["path"].as_str().unwrap().ends_with(name));
}
