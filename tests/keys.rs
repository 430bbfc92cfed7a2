//! Add existing key: the form stores a pasted key in the keychain; the eye icon reveals it in the
//! table and hides it again after 30 seconds; a duplicate key is refused and changes nothing.

use std::time::Duration;

use tokenkeeper_core::{Access, ExposeSecret, Storage};

use crate::util::*;

const KEY: &str = "xc_live_9d8f7a6s5d4f3g2h1j0k";

#[tokio::test]
async fn add_an_existing_key_then_reveal_it_with_the_eye_icon() {
    let app = App::start("add-and-reveal").await;
    app.wait_css("#empty:not([hidden])").await;
    app.screenshot("empty").await;

    app.click("#open-add").await;
    app.wait_css("#drawer.drawer--open").await;
    app.type_into("#f-name", "NocoDB prod").await;
    app.select("#f-service", "NocoDB").await;
    app.wait_text("#f-service-hint", |t| t.contains("xc-token"))
        .await;
    // No key yet: refused inline, nothing stored.
    app.click("#form-submit").await;
    app.wait_text("#f-key-error", |t| t.starts_with("Key is required"))
        .await;
    assert!(app.vault().list(&Default::default()).unwrap().is_empty());

    app.type_into("#f-key", KEY).await;
    assert_eq!(
        app.find("#f-key")
            .await
            .attr("type")
            .await
            .unwrap()
            .as_deref(),
        Some("password")
    );
    app.click("#form-submit").await;
    app.wait_gone("#drawer").await;
    app.wait_rows(&["NocoDB prod"]).await;

    // Stored in the real keychain, only the hint in the table.
    let mut vault = app.vault();
    let token = vault.show("NocoDB prod").unwrap().token;
    assert_eq!(token.storage, Storage::Keychain);
    assert_eq!(token.service.as_deref(), Some("NocoDB"));
    assert_eq!(
        vault
            .reveal(&token.id, Access::Revealed)
            .unwrap()
            .expose_secret(),
        KEY
    );
    let secret_cell = app.in_row("NocoDB prod", "[data-role=secret]").await;
    let masked = app.text(&secret_cell).await;
    assert!(
        !masked.contains(KEY) && masked.ends_with("1j0k"),
        "masked: {masked}"
    );

    // The eye reveals the key in place...
    app.click(&app.in_row("NocoDB prod", "[data-action=reveal]").await)
        .await;
    app.wait_text(&secret_cell, |t| t == KEY).await;
    app.screenshot("revealed").await;
    // ...and it hides itself again after 30 seconds.
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert_eq!(app.text(&secret_cell).await, KEY, "still shown before 30 s");
    app.wait_text(&secret_cell, |t| t != KEY && t.ends_with("1j0k"))
        .await;

    // The same key again is refused, next to the key field, and nothing changes.
    app.click("#open-add").await;
    app.type_into("#f-name", "Copy of NocoDB").await;
    app.type_into("#f-key", KEY).await;
    app.click("#form-submit").await;
    let error = app.wait_text("#f-key-error", |t| !t.is_empty()).await;
    assert!(error.contains("already stored as 'NocoDB prod'"), "{error}");
    app.screenshot("duplicate").await;
    assert_eq!(app.vault().list(&Default::default()).unwrap().len(), 1);
    app.press("\u{e00c}").await; // Escape closes the drawer
    app.wait_gone("#drawer").await;
    app.finish().await;
}

#[tokio::test]
async fn a_secret_removed_from_the_keychain_is_reported_not_swallowed() {
    let mut seed = Seed::new();
    let token = seed.import(
        "GitHub CI",
        Some("GitHub"),
        "ghp_removed_behind_our_back_0123456789",
    );
    // Someone deletes the secret in Seahorse (or with secret-tool) while Tokenkeeper is closed.
    let removed = std::process::Command::new("secret-tool")
        .args([
            "clear",
            "service",
            &seed.vault.identity().keychain_service,
            "username",
            &token.id,
        ])
        .status()
        .expect("secret-tool is installed by scripts/setup");
    assert!(removed.success());
    let app = App::with("secret-missing", seed).await;

    app.click(&app.in_row("GitHub CI", "[data-action=reveal]").await)
        .await;
    let toast = app.wait_text(".toast--error", |t| !t.is_empty()).await;
    assert!(toast.contains("has no secret for 'GitHub CI'"), "{toast}");
    // The row is now flagged, and the error stays until dismissed.
    app.click("#refresh").await;
    app.wait_text(&app.in_row("GitHub CI", ".cell-token").await, |t| {
        t.contains("missing")
    })
    .await;
    app.screenshot("toast").await;
    app.click(".toast--error .icon-btn").await;
    app.wait_gone(".toast--error").await;
    app.finish().await;
}
