//! Commands of the dashboard, the drawer, the details page and the confirm dialogs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tauri::State;
use tokenkeeper_core::{
    DashboardPage, GenerateRequest, Grace, ImportRequest, ListQuery, NewToken, RotateRequest,
    Token, TokenDetails, TokenEdit,
};

use super::{SecretInput, ShownSecret};
use crate::error::AppResult;
use crate::reminders::Reminders;
use crate::state::AppState;

/// One window of the dashboard's rows (at most 500) with the total and the counts around it.
#[tauri::command(async)]
pub fn dashboard_page(
    state: State<'_, AppState>,
    query: ListQuery,
    offset: u64,
    limit: u32,
) -> AppResult<DashboardPage> {
    state.with_vault(|v| Ok(v.dashboard_page(&query, offset, limit)?))
}

/// A token shown once: its value and the vault id, for the show-once dialog.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct ShownOnce {
    token: Token,
    #[cfg_attr(test, ts(type = "string | null"))]
    secret: Option<ShownSecret>,
    vault_id: String,
}

/// The Generate drawer's fields: the core's [`NewToken`] and `keep`.
#[tauri::command(async)]
pub fn generate_token(
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    input: GenerateRequest,
) -> AppResult<ShownOnce> {
    let shown = state.with_vault(|v| {
        let issued = v.generate(input)?;
        Ok(ShownOnce {
            token: issued.token,
            secret: Some(ShownSecret(issued.secret)),
            vault_id: v.identity().vault_id,
        })
    })?;
    reminders.check_soon();
    Ok(shown)
}

/// The Add existing key form's fields (a `keep` it sends is ignored: an added key is always kept).
#[tauri::command(async)]
pub fn add_token(
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    input: NewToken,
    key: SecretInput,
) -> AppResult<Token> {
    let token = state.with_vault(|v| {
        Ok(v.import(ImportRequest {
            token: input,
            secret: key.0,
        })?)
    })?;
    reminders.check_soon();
    Ok(token)
}

#[tauri::command(async)]
pub fn show_token(state: State<'_, AppState>, id: String) -> AppResult<TokenDetails> {
    state.with_vault(|v| Ok(v.show(&id)?))
}

/// The edit dialog always sends every field; `service` or `expires_at` null means none.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Deserialize)]
pub struct EditInput {
    name: String,
    description: String,
    service: Option<String>,
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
}

#[tauri::command(async)]
pub fn edit_token(
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    id: String,
    input: EditInput,
) -> AppResult<Token> {
    let edit = TokenEdit {
        name: Some(input.name),
        description: Some(input.description),
        service: Some(input.service),
        scopes: Some(input.scopes),
        expires_at: Some(input.expires_at),
    };
    let token = state.with_vault(|v| Ok(v.edit(&id, edit)?))?;
    reminders.check_soon();
    Ok(token)
}

#[tauri::command(async)]
pub fn set_token_enabled(
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    id: String,
    enabled: bool,
) -> AppResult<Token> {
    let token = state.with_vault(|v| Ok(v.set_enabled(&id, enabled)?))?;
    reminders.check_soon();
    Ok(token)
}

#[tauri::command(async)]
pub fn rotate_token(
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    id: String,
    grace: Grace,
    key: Option<SecretInput>,
) -> AppResult<ShownOnce> {
    let shown = state.with_vault(|v| {
        let rotated = v.rotate(
            &id,
            RotateRequest {
                grace,
                new_secret: key.map(|k| k.0),
            },
        )?;
        Ok(ShownOnce {
            token: rotated.token,
            secret: rotated.secret.map(ShownSecret),
            vault_id: v.identity().vault_id,
        })
    })?;
    reminders.check_soon();
    Ok(shown)
}

#[tauri::command(async)]
pub fn delete_token(state: State<'_, AppState>, id: String) -> AppResult<Token> {
    state.with_vault(|v| Ok(v.delete(&id)?))
}
