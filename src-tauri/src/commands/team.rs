//! Commands of the Team page: this install's member key to share, and the members whose files
//! are trusted on import and to whom "My team" exports are encrypted.

use serde::Serialize;
use tauri::State;
use tokenkeeper_core::Member;

use crate::error::AppResult;
use crate::state::AppState;

/// This install's member key and the fingerprint team mates see in their import previews.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct MyMemberKey {
    member_key: String,
    fingerprint: String,
}

/// Made in the keychain on first use (the age identity and the signing key).
#[tauri::command(async)]
pub fn member_key(state: State<'_, AppState>) -> AppResult<MyMemberKey> {
    state.with_vault(|v| {
        let key = v.own_member_key()?;
        Ok(MyMemberKey {
            member_key: key.to_string(),
            fingerprint: key.fingerprint(),
        })
    })
}

#[tauri::command(async)]
pub fn team_list(state: State<'_, AppState>) -> AppResult<Vec<Member>> {
    state.with_vault(|v| Ok(v.team_list()?))
}

#[tauri::command(async)]
pub fn team_add(state: State<'_, AppState>, name: String, member_key: String) -> AppResult<Member> {
    state.with_vault(|v| Ok(v.team_add(&name, &member_key)?))
}

#[tauri::command(async)]
pub fn team_remove(state: State<'_, AppState>, name: String) -> AppResult<Member> {
    state.with_vault(|v| Ok(v.team_remove(&name)?))
}
