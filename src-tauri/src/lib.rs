//! The Tauri shell of Tokenkeeper: builds the window and wires its commands to the core.

mod clipboard;
mod commands;
mod error;
mod state;

pub use error::AppError;

/// Builds and runs the desktop app until its last window closes. On the way out it clears the
/// clipboard of a secret it copied that is still there (before the clipboard plugin hands the
/// clipboard to the desktop's clipboard manager, which would keep it).
///
/// # Panics
///
/// Panics when the window system or webview cannot start; there is no app without them.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(state::AppState::default())
        .manage(clipboard::LastCopy::default())
        .invoke_handler(tauri::generate_handler![
            commands::tokens::dashboard_page,
            commands::tokens::generate_token,
            commands::tokens::add_token,
            commands::tokens::show_token,
            commands::tokens::edit_token,
            commands::tokens::set_token_enabled,
            commands::tokens::rotate_token,
            commands::tokens::delete_token,
            commands::secrets::reveal_token,
            commands::secrets::copy_token,
            commands::secrets::copy_text,
            commands::settings::services,
            commands::settings::settings,
            commands::settings::update_settings,
            commands::settings::about,
            commands::vault_file::public_key,
            commands::vault_file::passphrase_hint,
            commands::vault_file::suggested_export_path,
            commands::vault_file::export_vault,
            commands::vault_file::vault_file_kind,
            commands::vault_file::preview_import,
            commands::vault_file::apply_import,
            commands::vault_file::cancel_import,
            commands::vault_file::trust_signer,
            commands::team::member_key,
            commands::team::team_list,
            commands::team::team_add,
            commands::team::team_remove,
        ])
        .build(tauri::generate_context!())
        .expect("Tokenkeeper could not start its window")
        .run(|app, event| {
            if let tauri::RunEvent::ExitRequested { .. } | tauri::RunEvent::Exit = event {
                clipboard::clear_on_quit(app);
            }
        });
}
