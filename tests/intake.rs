//! Import keys through the window: a .env file previewed as a table (new, kept already, skipped,
//! refused with its line), applied all or nothing, and the file rewritten to tok:// references;
//! a refused plan offers no Apply and changes nothing.

use tokenkeeper_core::{Access, ExposeSecret};

use crate::util::*;

const GITHUB: &str = "ghp_from_the_window_0123456789abcdefghij";
const OPENAI: &str = "sk-proj-window0123456789abcdefghijkl";

#[tokio::test]
async fn import_env_previews_applies_and_rewrites_the_file() {
    let mut seed = Seed::new();
    seed.import("openai", Some("OpenAI"), OPENAI);
    let app = App::with("intake", seed).await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        format!("# keys\nGITHUB_TOKEN={GITHUB}\nOPENAI_API_KEY=\"{OPENAI}\"\nDEBUG=\n"),
    )
    .unwrap();

    app.click("#open-intake").await;
    app.wait_css("#dlg-intake[open]").await;
    app.click("#intake-preview-btn").await;
    app.wait_text("#k-path-error", |t| t.starts_with("File is required"))
        .await;
    app.type_into("#k-path", env.to_str().unwrap()).await;
    app.click("#k-rewrite").await;
    app.click("#intake-preview-btn").await;
    app.wait_css("#intake-preview:not([hidden])").await;
    let table = app.text("#intake-rows").await;
    for needle in [
        "GITHUB_TOKEN",
        "GitHub",
        "New",
        "Kept already as openai",
        "Skipped",
    ] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
    assert!(
        !table.contains(GITHUB) && !table.contains(OPENAI),
        "no key in the page"
    );
    app.screenshot("preview").await;

    app.wait_text("#intake-apply", |t| t.contains("keep 1 key"))
        .await;
    app.click("#intake-apply").await;
    app.wait_text(".toast", |t| t.contains("Kept 1 new key"))
        .await;
    app.wait_gone("#dlg-intake[open]").await;
    app.in_row("GITHUB_TOKEN", ".token-name").await;
    let mut v = app.vault();
    assert_eq!(
        v.reveal("GITHUB_TOKEN", Access::Revealed)
            .unwrap()
            .expose_secret(),
        GITHUB
    );
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        "# keys\nGITHUB_TOKEN=tok://GITHUB_TOKEN\nOPENAI_API_KEY=tok://openai\nDEBUG=\n"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_refused_row_offers_no_apply_and_changes_nothing() {
    let mut seed = Seed::new();
    seed.import("TOKEN", None, "a-different-key-0123456789");
    let app = App::with("intake-refused", seed).await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    let text = format!("NEW={GITHUB}\nTOKEN=another-value-0123456789\n");
    std::fs::write(&env, &text).unwrap();

    app.click("#open-intake").await;
    app.wait_css("#dlg-intake[open]").await;
    app.type_into("#k-path", env.to_str().unwrap()).await;
    app.click("#k-rewrite").await;
    app.click("#intake-preview-btn").await;
    app.wait_text("#intake-error", |t| t.contains("cannot be imported"))
        .await;
    let table = app.text("#intake-rows").await;
    assert!(
        table.contains("Refused") && table.contains("--prefix"),
        "{table}"
    );
    assert!(
        !app.visible("#intake-apply").await,
        "no Apply while a row is refused"
    );

    // A prefix makes the names free: the plan applies.
    app.type_into("#k-prefix", "app").await;
    app.click("#intake-preview-btn").await;
    app.wait_text("#intake-apply", |t| t.contains("keep 2 keys"))
        .await;
    app.click("#intake-cancel").await;
    app.wait_gone("#dlg-intake[open]").await;
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        text,
        "the file is unchanged"
    );
    app.wait_rows(&["TOKEN"]).await;
    app.finish().await;
}
