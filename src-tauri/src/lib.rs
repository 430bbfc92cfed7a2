//! The Tauri shell of Tokenkeeper: builds the window and wires plugins (and later, commands) to the core.

/// Builds and runs the desktop app until its last window closes.
///
/// # Panics
///
/// Panics when the window system or webview cannot start; there is no app without them.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .run(tauri::generate_context!())
        .expect("Tokenkeeper could not start its window");
}
