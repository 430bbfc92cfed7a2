//! Generate: the drawer's inline validation, then the show-once dialog with the token and the
//! vault id, copying it, and the clipboard cleared after the timeout.

use std::time::Duration;

use tokenkeeper_core::{token_format, SecretString, VerifyStatus};

use crate::util::*;

#[tokio::test]
async fn generate_shows_the_token_once_and_the_copy_is_cleared() {
    let mut seed = Seed::new();
    seed.clipboard_seconds(5);
    let app = App::with("generate", seed).await;

    // `n` opens the drawer; submitting without a name is refused inline and stores nothing.
    app.press("n").await;
    app.wait_css("#drawer.drawer--open").await;
    app.wait_still("#drawer").await;
    app.click("#form-submit").await;
    app.wait_text("#f-name-error", |t| t == "Name is required")
        .await;
    app.screenshot("name-required").await;
    assert!(
        app.vault().list(&Default::default()).unwrap().is_empty(),
        "a refused form stores nothing"
    );

    app.type_into("#f-name", "Billing export").await;
    app.wait_gone("#f-name-error").await;
    app.click("#f-scope-read").await;
    app.type_into("#f-scopes-more", "billing:read").await;
    app.click("#form-submit").await;

    // The show-once dialog: the token, the vault id, the warning.
    app.wait_css("#dlg-shown[open]").await;
    let warning = app.text("#shown-warning").await;
    assert!(warning.contains("will not be shown again"), "{warning}");
    let secret = app.value("#shown-secret").await;
    token_format::check(&secret).expect("a well-formed token");
    let vault_id = app.value("#shown-vault").await;
    assert_eq!(vault_id, app.vault().identity().vault_id);
    app.screenshot("show-once").await;

    // Copy: the X clipboard holds the token, then is cleared after the 5 s timeout.
    app.click("#shown-copy-secret").await;
    let copied = wait_clipboard(Duration::from_secs(5), |c| c == secret).await;
    assert_eq!(copied, secret, "the clipboard holds the copied token");
    app.wait_css(".toast").await;
    let after = wait_clipboard(Duration::from_secs(12), |c| c != secret).await;
    assert_ne!(after, secret, "the clipboard is cleared after the timeout");

    // Closing the dialog removes the value from the page; the row is there, hash-only.
    app.click("#shown-ok").await;
    app.wait_gone("#dlg-shown[open]").await;
    let field = app
        .client
        .find(fantoccini::Locator::Css("#shown-secret"))
        .await
        .unwrap();
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(""));
    app.wait_rows(&["Billing export"]).await;
    let scopes = app
        .text(&app.in_row("Billing export", ".cell-scopes").await)
        .await;
    assert_eq!(scopes, "2 scopes");
    let verified = app.vault().verify(&SecretString::from(secret)).unwrap();
    assert_eq!(verified.status, VerifyStatus::Active);
    let mut scopes = verified.scopes;
    scopes.sort();
    assert_eq!(scopes, ["billing:read", "read"]);
    app.finish().await;
}

#[tokio::test]
async fn a_copy_is_not_cleared_when_the_user_copied_something_else() {
    let mut seed = Seed::new();
    seed.clipboard_seconds(5);
    seed.import(
        "Stripe live",
        Some("Stripe"),
        "sk_live_not_a_real_key_0123456789",
    );
    let app = App::with("clipboard-kept", seed).await;

    app.click(&app.in_row("Stripe live", "[data-action=copy]").await)
        .await;
    let copied = wait_clipboard(Duration::from_secs(5), |c| c.starts_with("sk_live")).await;
    assert_eq!(copied, "sk_live_not_a_real_key_0123456789");

    // The user copies something of their own before the timeout: it must survive. xclip stays
    // behind to serve the selection, so it must not hold the test run's output pipe open
    // (scripts/test pipes cargo through tee, which would wait for it forever).
    let mut xclip = std::process::Command::new("xclip")
        .args(["-selection", "clipboard"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    xclip
        .stdin
        .take()
        .unwrap()
        .write_all(b"my own note")
        .unwrap();
    xclip.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(
        clipboard(),
        "my own note",
        "Tokenkeeper only clears its own value"
    );
    app.finish().await;
}
