//! Commands that read a kept secret: reveal (sent to the page) and copy (written to the clipboard
//! here, then cleared after the user's timeout).

use std::time::Duration;

use tauri::{AppHandle, Runtime, State};
use tokenkeeper_core::Access;

use super::{SecretInput, ShownSecret};
use crate::clipboard::copy_then_clear;
use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(async)]
pub fn reveal_token(state: State<'_, AppState>, id: String) -> AppResult<ShownSecret> {
    state.with_vault(|v| Ok(ShownSecret(v.reveal(&id, Access::Revealed)?)))
}

/// Copies a kept token's secret; returns after how many seconds the clipboard will be cleared.
#[tauri::command(async)]
pub fn copy_token<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<u32> {
    state.with_vault(|v| {
        let seconds = v.settings()?.clipboard_clear_seconds;
        let secret = v.reveal(&id, Access::Copied)?;
        copy_then_clear(&app, secret, Duration::from_secs(seconds.into()))?;
        Ok(seconds)
    })
}

/// Copies a value the page already shows (the show-once token, the vault id) with the same
/// clear-after-timeout promise as every other copy.
#[tauri::command(async)]
pub fn copy_text<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    value: SecretInput,
) -> AppResult<u32> {
    let seconds = state.with_vault(|v| Ok(v.settings()?.clipboard_clear_seconds))?;
    copy_then_clear(&app, value.0, Duration::from_secs(seconds.into()))?;
    Ok(seconds)
}
