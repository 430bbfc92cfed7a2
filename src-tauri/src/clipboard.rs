//! Copies that clean up after themselves: a copied secret is cleared from the system clipboard
//! after the user's timeout, or when the app quits before that, but only if the clipboard still
//! holds that value.
//!
//! The value last copied and not yet cleared is kept in [`LastCopy`] (managed state). On quit the
//! clipboard plugin hands whatever the app still owns to the desktop's clipboard manager, which
//! keeps it after the app is gone; so the app clears its own value first.

use std::sync::Mutex;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};

/// The value this app last put on the clipboard and has not cleared yet.
#[derive(Default)]
pub struct LastCopy(Mutex<Option<SecretString>>);

impl LastCopy {
    fn set(&self, value: Option<SecretString>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = value;
    }

    fn take(&self) -> Option<SecretString> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Forgets the record if it is `value` (a later copy has its own timer).
    fn forget(&self, value: &SecretString) {
        let mut last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if last.as_ref().is_some_and(|l| same(l, value)) {
            *last = None;
        }
    }
}

/// Writes `value` to the clipboard and clears it after `clear_after`, unless something else has
/// been copied by then (by the user or another app): that is never touched.
pub fn copy_then_clear<R: Runtime>(
    app: &AppHandle<R>,
    value: SecretString,
    clear_after: Duration,
) -> AppResult<()> {
    app.clipboard()
        .write_text(value.expose_secret())
        .map_err(|source| AppError::Clipboard { source })?;
    app.state::<LastCopy>().set(Some(value.clone()));
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(clear_after);
        clear_if_still_ours(&app, &value);
        app.state::<LastCopy>().forget(&value);
    });
    Ok(())
}

/// When the app quits: clears the clipboard if it still holds the value copied last.
pub fn clear_on_quit<R: Runtime>(app: &AppHandle<R>) {
    if let Some(value) = app.state::<LastCopy>().take() {
        clear_if_still_ours(app, &value);
    }
}

fn clear_if_still_ours<R: Runtime>(app: &AppHandle<R>, value: &SecretString) {
    if still_holds(app, value) {
        // Best effort: if the clipboard has gone away there is nothing left to clear.
        let _ = app.clipboard().clear();
    }
}

fn still_holds<R: Runtime>(app: &AppHandle<R>, value: &SecretString) -> bool {
    match app.clipboard().read_text() {
        Ok(now) => {
            let now = SecretString::from(Zeroizing::new(now).to_string());
            same(&now, value)
        }
        Err(_) => false,
    }
}

/// Compares two secrets in constant time (for equal lengths).
fn same(a: &SecretString, b: &SecretString) -> bool {
    bool::from(
        a.expose_secret()
            .as_bytes()
            .ct_eq(b.expose_secret().as_bytes()),
    )
}
