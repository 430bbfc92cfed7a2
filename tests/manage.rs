//! Managing a token from the table and its details page: the Active/Disabled toggle, edit, and
//! the General, Scopes, Details and Activity tabs with the usage snippet.

use tokenkeeper_core::{Status, TokenState};

use crate::util::*;

#[tokio::test]
async fn toggle_status_from_the_table() {
    let mut seed = Seed::new();
    seed.generate("CI deploy", None, &["read"], false);
    let app = App::with("toggle", seed).await;

    let switch = app.in_row("CI deploy", "[role=switch]").await;
    assert_eq!(
        app.find(&switch)
            .await
            .attr("aria-checked")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    app.click(&switch).await;
    app.wait_text(&app.in_row("CI deploy", ".state").await, |t| {
        t == "Disabled"
    })
    .await;
    app.wait_text("#stat-disabled [data-count]", |t| t == "1")
        .await;
    assert_eq!(
        app.vault().show("CI deploy").unwrap().token.status,
        Status::Disabled
    );
    app.screenshot("disabled").await;

    app.click(&app.in_row("CI deploy", "[role=switch]").await)
        .await;
    app.wait_text(&app.in_row("CI deploy", ".state").await, |t| t == "Active")
        .await;
    assert_eq!(
        app.vault().show("CI deploy").unwrap().token.state,
        TokenState::Active
    );
    app.finish().await;
}

#[tokio::test]
async fn details_tabs_show_the_token_and_edit_changes_it() {
    let mut seed = Seed::new();
    let token = seed.import("NocoDB", Some("NocoDB"), "nc_0123456789abcdefghij");
    seed.vault
        .edit(
            &token.id,
            tokenkeeper_core::TokenEdit {
                description: Some("Reporting dashboard".into()),
                scopes: Some(vec!["read".into(), "billing:read".into()]),
                ..Default::default()
            },
        )
        .unwrap();
    let app = App::with("details", seed).await;

    // The name opens the details page.
    app.click(&app.in_row("NocoDB", ".token-name").await).await;
    app.wait_text("#details-name", |t| t == "NocoDB").await;
    app.wait_text("#details-description", |t| t == "Reporting dashboard")
        .await;
    let snippet = app.text("#usage-snippet").await;
    assert!(
        snippet.contains("curl -H 'xc-token: '\"$TOKEN\""),
        "{snippet}"
    );
    // Show, then hide, the value on the General tab.
    app.click("#panel-general [data-action=reveal]").await;
    app.wait_text("#details-secret", |t| t == "nc_0123456789abcdefghij")
        .await;
    app.click("#panel-general [data-action=reveal]").await;
    app.wait_text("#details-secret", |t| t != "nc_0123456789abcdefghij")
        .await;
    app.screenshot("general").await;

    app.click("#tab-scopes").await;
    app.wait_css("#panel-scopes:not([hidden])").await;
    let scopes = app.wait_text("#details-scopes", |t| !t.is_empty()).await;
    assert!(
        scopes.contains("read") && scopes.contains("billing:read"),
        "{scopes}"
    );
    assert!(
        !app.visible("#panel-general").await,
        "one tab panel at a time"
    );

    app.click("#tab-details").await;
    let times = app
        .wait_text("#details-times", |t| t.contains("Created"))
        .await;
    assert!(
        times.contains("Last used") && times.contains("Expires"),
        "{times}"
    );

    app.click("#tab-activity").await;
    let activity = app
        .wait_text("#details-activity", |t| t.contains("Revealed"))
        .await;
    assert!(
        activity.contains("Added") && activity.contains("Edited"),
        "{activity}"
    );
    app.screenshot("activity").await;

    // Edit from the details page.
    app.click("#details-actions [data-action=edit]").await;
    app.wait_css("#dlg-edit[open]").await;
    app.type_into("#e-name", "").await;
    app.click("#edit-save").await;
    app.wait_text("#e-name-error", |t| t == "Name is required")
        .await;
    app.type_into("#e-name", "NocoDB reporting").await;
    app.type_into("#e-description", "Read-only reports").await;
    app.click("#edit-save").await;
    app.wait_gone("#dlg-edit[open]").await;
    app.wait_text("#details-name", |t| t == "NocoDB reporting")
        .await;
    let edited = app.vault().show(&token.id).unwrap().token;
    assert_eq!(
        (edited.name.as_str(), edited.description.as_str()),
        ("NocoDB reporting", "Read-only reports")
    );
    app.finish().await;
}
