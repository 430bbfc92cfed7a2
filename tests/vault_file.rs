//! The team vault file through the window: Export checks the passphrase (required, confirmed,
//! strength hint) and writes a file another install can open; Import previews the merge in a
//! table, refuses a wrong passphrase, applies with a progress bar, and a second import of the
//! same file changes nothing.

use tokenkeeper_core::{
    Access, ExportTarget, ExposeSecret, GenerateRequest, ImportKey, NewToken, SecretString, Vault,
};

use crate::util::*;

const PASSPHRASE: &str = "correct horse battery staple 42";

#[tokio::test]
async fn export_with_a_passphrase_opens_in_another_install() {
    let mut seed = Seed::new();
    seed.import(
        "GitHub CI",
        Some("GitHub"),
        "ghp_exported_from_the_window_0123456789",
    );
    seed.generate("Partner", None, &["read"], false);
    let app = App::with("export", seed).await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("team.tkvault");

    app.click("#open-export").await;
    app.wait_css("#dlg-export[open]").await;
    // Empty, weak, then mismatched: each refused or flagged next to its field.
    app.type_into("#x-path", file.to_str().unwrap()).await;
    app.click("#export-confirm").await;
    app.wait_text("#x-pass-error", |t| t.starts_with("Passphrase is required"))
        .await;
    app.type_into("#x-pass", "abc").await;
    app.wait_text("#x-strength", |t| t.starts_with("Weak"))
        .await;
    app.type_into("#x-pass", PASSPHRASE).await;
    app.wait_text("#x-strength", |t| !t.is_empty() && !t.starts_with("Weak"))
        .await;
    app.type_into("#x-confirm", "something else").await;
    app.click("#export-confirm").await;
    app.wait_text("#x-confirm-error", |t| t.contains("differ"))
        .await;
    assert!(!file.exists(), "nothing is written until the form is right");
    app.screenshot("form").await;

    app.type_into("#x-confirm", PASSPHRASE).await;
    app.click("#export-confirm").await;
    app.wait_text(".toast", |t| t.contains("Exported 2 tokens"))
        .await;
    app.wait_gone("#dlg-export[open]").await;

    // Another install opens it with the passphrase: two new tokens, the key included.
    let other = tempfile::tempdir().unwrap();
    let mut ben = Vault::open(other.path()).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let mut plan = ben
        .preview_import(
            &bytes,
            ImportKey::Passphrase(SecretString::from(PASSPHRASE.to_string())),
        )
        .unwrap();
    assert_eq!(plan.counts.new, 2);
    // Signed by the app's install, which Ben does not know yet: he trusts it, then applies.
    assert!(!plan.signer.trusted);
    ben.trust_signer(&mut plan, None).unwrap();
    ben.apply_import(plan, |_, _| {}).unwrap();
    let key = ben.reveal("GitHub CI", Access::Revealed).unwrap();
    assert_eq!(
        key.expose_secret(),
        "ghp_exported_from_the_window_0123456789"
    );
    app.finish().await;
}

#[tokio::test]
async fn import_previews_then_applies_and_a_second_import_changes_nothing() {
    // A teammate's install exports one kept token to a passphrase.
    let theirs = tempfile::tempdir().unwrap();
    let mut ben = Vault::open(theirs.path()).unwrap();
    let issued = ben
        .generate(GenerateRequest {
            token: NewToken {
                name: "From Ben".into(),
                ..Default::default()
            },
            keep: true,
        })
        .unwrap();
    let file = theirs.path().join("ben.tkvault");
    ben.export_to_file(
        ExportTarget::Passphrase(SecretString::from(PASSPHRASE.to_string())),
        &file,
    )
    .unwrap();
    let ben_key = ben.own_member_key().unwrap().to_string();
    drop(ben);

    let mut seed = Seed::new();
    seed.generate("Mine", None, &[], false);
    // Ben is a team member here, so his signed file merges as before.
    seed.vault.team_add("Ben", &ben_key).unwrap();
    let app = App::with("import", seed).await;
    let before = app.vault().list(&Default::default()).unwrap();

    app.click("#open-import").await;
    app.wait_css("#dlg-import[open]").await;
    app.type_into("#i-path", file.to_str().unwrap()).await;
    app.click("#import-preview-btn").await;
    // It is a passphrase file: the field appears and asks for it.
    app.wait_text("#i-pass-error", |t| t.contains("protected by a passphrase"))
        .await;
    app.type_into("#i-pass", "wrong passphrase").await;
    app.click("#import-preview-btn").await;
    app.wait_text("#i-pass-error", |t| {
        !t.contains("protected by a passphrase") && !t.is_empty()
    })
    .await;
    assert_eq!(
        app.vault().list(&Default::default()).unwrap(),
        before,
        "a wrong passphrase changes nothing"
    );

    app.type_into("#i-pass", PASSPHRASE).await;
    app.click("#import-preview-btn").await;
    app.wait_css("#import-preview:not([hidden])").await;
    app.wait_text("#import-counts [data-kind=new]", |t| t.starts_with('1'))
        .await;
    app.wait_text("#import-rows", |t| {
        t.contains("From Ben") && t.contains("New")
    })
    .await;
    assert_eq!(
        app.vault().list(&Default::default()).unwrap(),
        before,
        "the preview changes nothing"
    );
    app.screenshot("preview").await;

    app.click("#import-apply").await;
    app.wait_text(".toast", |t| t.contains("1 added")).await;
    app.wait_rows(&["From Ben", "Mine"]).await;
    let mut vault = app.vault();
    let key = vault.reveal("From Ben", Access::Revealed).unwrap();
    assert_eq!(key.expose_secret(), issued.secret.expose_secret());

    // The same file again: nothing to apply.
    app.click("#open-import").await;
    app.type_into("#i-path", file.to_str().unwrap()).await;
    app.click("#import-preview-btn").await;
    app.type_into("#i-pass", PASSPHRASE).await;
    app.click("#import-preview-btn").await;
    app.wait_text("#import-more", |t| t.starts_with("Nothing to import"))
        .await;
    assert!(!app.visible("#import-apply").await);
    app.finish().await;
}
