//! Copies that clean up after themselves: a copied secret is cleared from the system clipboard
//! after the user's timeout, but only if the clipboard still holds that value.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tauri::{AppHandle, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};

/// Writes `value` to the clipboard and clears it after `clear_after`, unless something else has
/// been copied by then (by the user or another app): that is never touched.
pub fn copy_then_clear<R: Runtime>(
    app: &AppHandle<R>,
    value: SecretString,
    clear_after: Duration,
) -> AppResult<()> {
    app.clipboard()
        .write_text(value.expose_secret())
        .map_err(|e| AppError::Clipboard(e.to_string()))?;
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(clear_after);
        if still_holds(&app, &value) {
            // Best effort: if the clipboard has gone away there is nothing left to clear.
            let _ = app.clipboard().clear();
        }
    });
    Ok(())
}

fn still_holds<R: Runtime>(app: &AppHandle<R>, value: &SecretString) -> bool {
    match app.clipboard().read_text() {
        Ok(now) => {
            let now = Zeroizing::new(now);
            bool::from(now.as_bytes().ct_eq(value.expose_secret().as_bytes()))
        }
        Err(_) => false,
    }
}
