//! The Team page and trust in the import preview: my member key to share, adding and removing
//! members, exporting to the team, an unknown signer's file that waits until its key is
//! trusted, and an Apply button that names the deletions it needs a yes for.

use tokenkeeper_core::{ExportTarget, GenerateRequest, ImportKey, NewToken, Settings, Vault};

use crate::util::*;

/// A team mate's install, with a display name of its own.
fn teammate(name: &str) -> (tempfile::TempDir, Vault) {
    let home = tempfile::tempdir().unwrap();
    let mut vault = Vault::open(home.path()).unwrap();
    let s = vault.settings().unwrap();
    vault
        .update_settings(Settings {
            display_name: name.into(),
            ..s
        })
        .unwrap();
    (home, vault)
}

#[tokio::test]
async fn team_page_shares_my_key_adds_and_removes_members_and_exports_to_them() {
    let (_ben_home, mut ben) = teammate("Ben");
    let ben_key = ben.own_member_key().unwrap();
    let mut seed = Seed::new();
    seed.generate("Shared", None, &[], true);
    let app = App::with("team", seed).await;

    app.click("#nav-team").await;
    let mine = app
        .wait_value("#my-member-key", |v| v.starts_with("tkmember1_"))
        .await;
    let own = app.vault().own_member_key().unwrap();
    assert_eq!(
        mine,
        own.to_string(),
        "the page shows this install's member key"
    );
    assert_eq!(app.text("#my-fingerprint").await, own.fingerprint());

    // A bad key is refused next to its field, and nobody is added.
    app.type_into("#team-name", "Ben").await;
    app.type_into("#team-key", "age1notamemberkey").await;
    app.click("#team-add").await;
    app.wait_text("#team-key-error", |t| !t.is_empty()).await;
    assert!(app.vault().team_list().unwrap().is_empty());

    app.type_into("#team-key", &ben_key.to_string()).await;
    app.click("#team-add").await;
    app.wait_text("#team-rows", |t| {
        t.contains("Ben") && t.contains(&ben_key.fingerprint())
    })
    .await;
    let members = app.vault().team_list().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].member_key, ben_key.to_string());
    app.screenshot("members").await;

    // Export to "My team": Ben's install opens it with its own key and sees who signed it.
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("team.tkvault");
    app.click("#open-export").await;
    app.wait_css("#dlg-export[open]").await;
    app.wait_text("#x-team-count", |t| t.contains("1 member"))
        .await;
    app.click("#x-to-team").await;
    app.type_into("#x-path", file.to_str().unwrap()).await;
    app.click("#export-confirm").await;
    app.wait_text(".toast", |t| t.contains("Exported 1 tokens"))
        .await;
    let plan = ben
        .preview_import(&std::fs::read(&file).unwrap(), ImportKey::OwnIdentity)
        .unwrap();
    assert_eq!(plan.counts.new, 1);
    assert_eq!(plan.signer.fingerprint, own.fingerprint());

    // Remove asks first; the second click removes.
    app.click("#team-rows button[data-name=Ben]").await;
    app.wait_text("#team-rows button[data-name=Ben]", |t| {
        t.contains("Remove Ben?")
    })
    .await;
    assert_eq!(
        app.vault().team_list().unwrap().len(),
        1,
        "one click only asks"
    );
    app.click("#team-rows button[data-name=Ben]").await;
    app.wait_css("#team-empty:not([hidden])").await;
    assert!(!app.visible("#team-table").await);
    assert!(app.vault().team_list().unwrap().is_empty());
    app.finish().await;
}

#[tokio::test]
async fn unknown_signer_waits_for_trust_and_apply_names_what_it_deletes() {
    let (_ben_home, mut ben) = teammate("Ben");
    for name in ["Doomed", "Kept"] {
        ben.generate(GenerateRequest {
            token: NewToken {
                name: name.into(),
                ..Default::default()
            },
            keep: true,
        })
        .unwrap();
    }
    let mut seed = Seed::new();
    let my_key = seed.vault.public_key().unwrap();
    let to_me = || ExportTarget::Recipients(vec![my_key.clone()]);

    // Both tokens came from Ben once, when he was trusted; then he left the team.
    let first = ben.export(to_me()).unwrap();
    let mut plan = seed
        .vault
        .preview_import(&first, ImportKey::OwnIdentity)
        .unwrap();
    seed.vault.trust_signer(&mut plan, None).unwrap();
    seed.vault.apply_import(plan, |_, _| {}).unwrap();
    seed.vault.team_remove("Ben").unwrap();

    // Ben deletes one and sends a new file.
    ben.delete("Doomed").unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("ben.tkvault");
    std::fs::write(&file, ben.export(to_me()).unwrap()).unwrap();
    let ben_fingerprint = ben.own_member_key().unwrap().fingerprint();

    let app = App::with("trust", seed).await;
    app.wait_rows(&["Doomed", "Kept"]).await;
    let before = app.vault().list(&Default::default()).unwrap();

    app.click("#open-import").await;
    app.wait_css("#dlg-import[open]").await;
    app.type_into("#i-path", file.to_str().unwrap()).await;
    app.click("#import-preview-btn").await;
    let said = app
        .wait_text("#import-signer", |t| t.contains("unknown key"))
        .await;
    assert!(said.contains(&ben_fingerprint), "{said}");
    assert!(said.contains("claims to be Ben"), "{said}");
    assert!(
        !app.visible("#import-apply").await,
        "nothing to apply until trusted"
    );
    assert_eq!(app.value("#i-trust-name").await, "Ben");
    app.wait_text("#import-rows", |t| {
        t.contains("Doomed") && t.contains("Deletes this token here")
    })
    .await;
    assert_eq!(app.vault().list(&Default::default()).unwrap(), before);
    assert!(app.vault().team_list().unwrap().is_empty());
    app.screenshot("unknown-signer").await;

    app.click("#import-trust-btn").await;
    app.wait_text("#import-signer", |t| !t.contains("unknown key"))
        .await;
    let apply = app
        .wait_text("#import-apply", |t| t.contains("delete 1 token"))
        .await;
    assert_eq!(apply, "Apply and delete 1 token");
    let members = app.vault().team_list().unwrap();
    assert_eq!(members.len(), 1, "trusting the key adds the signer");
    assert_eq!(members[0].fingerprint, ben_fingerprint);
    assert_eq!(
        app.vault().list(&Default::default()).unwrap(),
        before,
        "trusting changes no token"
    );
    app.screenshot("trusted").await;

    app.click("#import-apply").await;
    app.wait_text(".toast", |t| t.contains("1 deleted")).await;
    app.wait_rows(&["Kept"]).await;
    app.finish().await;
}
