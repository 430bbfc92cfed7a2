//! Build script: generates the Tauri context and the ACL for the app's own commands.
//!
//! Every IPC command the UI may call is listed in `APP_COMMANDS`. tauri-build then generates
//! `allow-<command>`/`deny-<command>` permissions, and `capabilities/default.json` must grant
//! each one explicitly. Once the list is non-empty, Tauri refuses any command not granted.

/// The app's own commands: each must also be granted in `capabilities/default.json`.
const APP_COMMANDS: &[&str] = &[
    "dashboard_page",
    "generate_token",
    "add_token",
    "show_token",
    "edit_token",
    "set_token_enabled",
    "rotate_token",
    "delete_token",
    "reveal_token",
    "copy_token",
    "copy_text",
    "services",
    "settings",
    "update_settings",
    "about",
    "public_key",
    "passphrase_hint",
    "suggested_export_path",
    "export_vault",
    "vault_file_kind",
    "preview_import",
    "apply_import",
    "cancel_import",
    "trust_signer",
    "member_key",
    "team_list",
    "team_add",
    "team_remove",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
