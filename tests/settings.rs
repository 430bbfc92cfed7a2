//! Settings: display name, clipboard timeout and expiry warning are validated inline, saved, and
//! used by the rest of the app; the page shows who this install is and which version it runs.

use crate::util::*;

#[tokio::test]
async fn settings_are_checked_saved_and_used() {
    let mut seed = Seed::new();
    let mut req = tokenkeeper_core::GenerateRequest {
        token: tokenkeeper_core::NewToken {
            name: "Soon".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    req.token.expires_at = Some(chrono_days(45));
    seed.vault.generate(req).unwrap();
    let vault_id = seed.vault.identity().vault_id;
    let app = App::with("settings", seed).await;
    app.wait_text("#stat-expiring [data-count]", |t| t == "0")
        .await;

    app.click("#nav-settings").await;
    app.wait_css("#view-settings:not([hidden])").await;
    app.wait_text("#identity", |t| t.contains(&vault_id)).await;
    // About names the workspace's version, the one `tok --version` and the packages carry.
    let version = format!("Tokenkeeper {}", env!("CARGO_PKG_VERSION"));
    app.wait_text("#about-version", |t| t == version).await;
    // My public key, made in the keychain on first use, for teammates to export to.
    let key = app
        .wait_value("#my-public-key", |v| v.starts_with("age1"))
        .await;
    assert_eq!(
        Some(key),
        app.vault().identity().public_key,
        "Settings shows this install's age key"
    );

    // Out-of-range values are refused next to their fields, and nothing is saved.
    app.type_into("#set-clipboard", "2").await;
    app.type_into("#set-display-name", "").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text("#set-clipboard-error", |t| t.contains("from 5 to 3600"))
        .await;
    app.wait_text("#set-display-name-error", |t| {
        t == "Display name is required"
    })
    .await;
    assert_eq!(app.vault().settings().unwrap().clipboard_clear_seconds, 30);
    app.screenshot("invalid").await;

    app.type_into("#set-display-name", "Ada Lovelace").await;
    app.type_into("#set-clipboard", "45").await;
    app.type_into("#set-warning", "60").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text(".toast", |t| t.contains("Settings saved"))
        .await;
    let saved = app.vault().settings().unwrap();
    assert_eq!(
        (
            saved.display_name.as_str(),
            saved.clipboard_clear_seconds,
            saved.expiry_warning_days
        ),
        ("Ada Lovelace", 45, 60)
    );

    // The wider warning window now counts the token expiring in 45 days, and new tokens
    // carry the new display name.
    app.click("#nav-tokens").await;
    app.wait_text("#stat-expiring", |t| {
        t.contains("Expiring in 60 days") && t.starts_with('1')
    })
    .await;
    app.press("n").await;
    app.type_into("#f-name", "By Ada").await;
    assert!(
        !app.visible("#f-key").await,
        "Generate does not ask for a key"
    );
    app.click("#form-submit").await;
    app.click("#shown-ok").await;
    app.wait_text(&app.in_row("By Ada", "td:nth-child(4)").await, |t| {
        t.contains("by Ada Lovelace")
    })
    .await;
    app.finish().await;
}

fn chrono_days(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(days)
}
