//! The Tauri shell of Tokenkeeper: builds the window and wires its commands to the core.

#[macro_use]
mod command_list;
mod clipboard;
mod commands;
mod error;
#[cfg(test)]
mod ipc_check;
#[cfg(test)]
mod ipc_types;
mod state;

pub use command_list::COMMAND_NAMES;
pub use error::AppError;

/// `generate_handler!` over the commands of [`app_commands!`], each under `commands::`.
macro_rules! handler {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

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
        // The system file chooser, opened by `choose_path` only: the page gets no dialog grant.
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::default())
        .manage(clipboard::LastCopy::default())
        .invoke_handler(app_commands!(handler))
        .build(tauri::generate_context!())
        .expect("Tokenkeeper could not start its window")
        .run(|app, event| {
            if let tauri::RunEvent::ExitRequested { .. } | tauri::RunEvent::Exit = event {
                clipboard::clear_on_quit(app);
            }
        });
}
