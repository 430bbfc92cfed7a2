//! "Scan a folder…": a typed folder's leaks in a table (file, line, token, hint, the rotate
//! command), a git history's with their commit, never a value; a bad path refused in place.

use std::process::Command;

use crate::util::*;

const KEY: &str = "ghp_R8x2Lq9ZtY4mWc7NvB3kJd6Hs1Pf0GaE5uQi";

#[tokio::test]
async fn scan_page_shows_the_leaks_of_a_folder_and_its_history_in_a_table() {
    let mut seed = Seed::new();
    seed.import("github-ci", Some("GitHub"), KEY);
    let (_, tk) = seed.generate("billing", None, &[], false);
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::write(p.join(".env"), format!("A=1\nGITHUB_TOKEN={KEY}\n")).unwrap();
    std::fs::create_dir(p.join("config")).unwrap();
    std::fs::write(
        p.join("config/app.toml"),
        format!(
            "token = \"{}\"\n",
            secrecy::ExposeSecret::expose_secret(&tk)
        ),
    )
    .unwrap();
    let app = App::with("scan", seed).await;

    app.click("#nav-scan").await;
    app.wait_css("#view-scan:not([hidden])").await;
    // The folder can be typed or picked with the system chooser.
    assert!(app.visible("#scan-browse").await);
    // Not a full path: refused next to the field.
    app.type_into("#scan-path", "code/app").await;
    app.click("#scan-run").await;
    app.wait_text("#scan-path-error", |t| t.contains("full path"))
        .await;

    app.type_into("#scan-path", p.to_str().unwrap()).await;
    app.click("#scan-run").await;
    let summary = app
        .wait_text("#scan-summary", |t| t.starts_with("Found"))
        .await;
    assert!(summary.contains("2 copies of 2 keys"), "{summary}");
    let rows = app.text("#scan-rows").await;
    assert!(
        rows.contains("github-ci") && rows.contains("ghp_…5uQi"),
        "{rows}"
    );
    assert!(rows.contains(".env") && rows.contains("2:14"), "{rows}");
    assert!(
        rows.contains("config/app.toml") && rows.contains("billing"),
        "{rows}"
    );
    assert!(rows.contains("tok rotate github-ci --grace now"), "{rows}");
    let page = app.text("body").await;
    assert!(!page.contains(KEY) && !page.contains(secrecy::ExposeSecret::expose_secret(&tk)));
    app.screenshot("found").await;

    // The same folder as a repository whose history held the key: found with its commit.
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(p)
            .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", ".env"]);
    git(&["commit", "-qm", "add env"]);
    let commit = String::from_utf8(
        Command::new("git")
            .arg("-C")
            .arg(p)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    git(&["rm", "-q", ".env"]);
    git(&["commit", "-qm", "remove env"]);
    app.click("#scan-git").await;
    app.click("#scan-run").await;
    app.wait_text("#scan-rows", |t| t.contains(&commit.trim()[..12]))
        .await;
    let summary = app.text("#scan-summary").await;
    assert!(summary.contains("2 copies of 2 keys"), "{summary}");
    app.finish().await;
}
