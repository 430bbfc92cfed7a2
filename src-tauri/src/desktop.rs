//! How the app behaves as a desktop app: one running instance per data directory, whose second
//! launch brings the first window forward instead of opening another, and a window that opens
//! at the size and place it was left. Both are keyed by the data directory (`TOKENKEEPER_HOME`),
//! so two data directories are two independent apps, as two `tok` homes are.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_window_state::StateFlags;

/// The window-state file, in the data directory.
pub const WINDOW_STATE_FILE: &str = "window-state.json";

/// The single-instance plugin: a second launch over the same data directory shows and focuses
/// the running window, then exits with status 0. On Linux the instance is a D-Bus name on the
/// session bus, derived from the data directory (see [`instance_id`]).
pub fn single_instance<R: Runtime>(identifier: &str, data_dir: Option<&Path>) -> TauriPlugin<R> {
    let mut builder = tauri_plugin_single_instance::Builder::new().callback(|app, _argv, _cwd| {
        bring_forward(app);
    });
    if let Some(dir) = data_dir {
        builder = builder.dbus_id(instance_id(identifier, dir));
    }
    builder.build()
}

/// The window-state plugin, saving to the data directory (without one, to the plugin's
/// default file under the config directory): size, position and maximized, not visibility.
pub fn window_state<R: Runtime>(data_dir: Option<&Path>) -> TauriPlugin<R> {
    let mut builder = tauri_plugin_window_state::Builder::default()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED);
    if let Some(file) =
        data_dir.and_then(|dir| dir.join(WINDOW_STATE_FILE).to_str().map(String::from))
    {
        builder = builder.with_filename(file);
    }
    builder.build()
}

/// The D-Bus id of the instance over `data_dir`: the app identifier and a hash of the data
/// directory's canonical path (a D-Bus name element must not start with a digit, hence `d`).
pub fn instance_id(identifier: &str, data_dir: &Path) -> String {
    // Not made yet on a first launch: then at least absolute, as the next launch's will be.
    let dir: PathBuf = std::fs::canonicalize(data_dir)
        .or_else(|_| std::path::absolute(data_dir))
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    format!("{identifier}.d{hex}")
}

/// Shows the main window, restored from minimized, and gives it the focus.
fn bring_forward<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_data_directory_is_one_instance_and_two_are_two() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let id = |p: &Path| instance_id("com.tokenkeeper.app", p);
        assert_eq!(id(a.path()), id(a.path()));
        // The same directory by another spelling is the same instance.
        std::fs::create_dir(a.path().join("x")).unwrap();
        assert_eq!(id(a.path()), id(&a.path().join("x").join("..")));
        assert_ne!(id(a.path()), id(b.path()));
        // A relative home not made yet is the instance of where it will be.
        let relative = Path::new("tokenkeeper-not-made-yet");
        let absolute = std::env::current_dir().unwrap().join(relative);
        assert_eq!(id(relative), id(&absolute));
    }

    #[test]
    fn the_instance_id_is_a_valid_dbus_name() {
        let dir = tempfile::tempdir().unwrap();
        let name = format!(
            "{}.SingleInstance",
            instance_id("com.tokenkeeper.app", dir.path())
        );
        assert!(name.len() <= 255);
        for element in name.split('.') {
            assert!(!element.is_empty(), "{name}");
            assert!(!element.starts_with(|c: char| c.is_ascii_digit()), "{name}");
            assert!(
                element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{name}"
            );
        }
    }
}
