//! Reset ("rotate") with a chosen grace period, and delete behind a confirmation that says it
//! cannot be undone; a deleted token is still listed under the Deleted filter.

use tokenkeeper_core::{token_format, SecretString, TokenState, VerifyStatus};

use crate::util::*;

#[tokio::test]
async fn reset_with_a_grace_period_shows_the_new_value_once() {
    let mut seed = Seed::new();
    let (_, old) = seed.generate("Partner API", None, &["read"], false);
    let app = App::with("reset", seed).await;

    app.click(&app.in_row("Partner API", "[data-action=rotate]").await)
        .await;
    app.wait_css("#dlg-rotate[open]").await;
    let title = app.text("#rotate-title").await;
    assert_eq!(title, "Reset “Partner API”?");
    app.click("#dlg-rotate input[value=one_day]").await;
    app.screenshot("confirm").await;
    app.click("#rotate-confirm").await;

    app.wait_css("#dlg-shown[open]").await;
    let new = app.value("#shown-secret").await;
    token_format::check(&new).expect("a well-formed token");
    app.screenshot("new-value").await;
    app.click("#shown-ok").await;

    // The new value works; the old one still works inside its 24 h grace period.
    let mut vault = app.vault();
    let now = vault.verify(&SecretString::from(new)).unwrap();
    assert_eq!(now.status, VerifyStatus::Active);
    let before = vault.verify(&old).unwrap();
    assert_eq!(
        (before.status, before.via_grace_period),
        (VerifyStatus::Active, true)
    );
    app.finish().await;
}

#[tokio::test]
async fn delete_asks_first_and_leaves_a_tombstone() {
    let mut seed = Seed::new();
    let (old, _) = seed.generate("Old script", None, &[], false);
    seed.generate("Keep me", None, &[], false);
    let app = App::with("delete", seed).await;

    // Cancel changes nothing.
    app.click(&app.in_row("Old script", "[data-action=delete]").await)
        .await;
    app.wait_css("#dlg-delete[open]").await;
    let text = app.text("#delete-text").await;
    assert!(
        text.contains("cannot be undone") && text.contains("stops working"),
        "{text}"
    );
    app.screenshot("confirm").await;
    app.click("#delete-cancel").await;
    app.wait_gone("#dlg-delete[open]").await;
    app.wait_rows(&["Keep me", "Old script"]).await;

    // Confirm deletes it.
    app.click(&app.in_row("Old script", "[data-action=delete]").await)
        .await;
    app.click("#delete-confirm").await;
    app.wait_gone("#dlg-delete[open]").await;
    app.wait_rows(&["Keep me"]).await;
    assert_eq!(
        app.vault().show(&old.id).unwrap().token.state,
        TokenState::Deleted
    );

    // The Deleted filter still lists it, without actions.
    app.select("#filter-status", "deleted").await;
    app.wait_rows(&["Old script"]).await;
    let status = app
        .text(&app.in_row("Old script", ".cell-status").await)
        .await;
    assert_eq!(status, "Deleted");
    assert!(app
        .client
        .find(fantoccini::Locator::Css("#rows [data-action=rotate]"))
        .await
        .is_err());
    app.finish().await;
}
