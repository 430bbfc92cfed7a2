//! Commands of the Settings screen and the lists the forms offer (services).

use serde::Serialize;
use tauri::State;
use tokenkeeper_core::{Identity, ReconcileReport, Service, Settings};

use crate::error::AppResult;
use crate::reminders::Reminders;
use crate::state::AppState;

#[tauri::command(async)]
pub fn services(state: State<'_, AppState>) -> AppResult<Vec<Service>> {
    state.with_vault(|v| Ok(v.services()?))
}

#[tauri::command(async)]
pub fn settings(state: State<'_, AppState>) -> AppResult<Settings> {
    state.with_vault(|v| Ok(v.settings()?))
}

/// Saved settings can make reminders due (new thresholds), so the reminder thread looks again.
#[tauri::command(async)]
pub fn update_settings(
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    settings: Settings,
) -> AppResult<Settings> {
    let saved = state.with_vault(|v| Ok(v.update_settings(settings)?))?;
    reminders.check_soon();
    Ok(saved)
}

/// Which version this is, who this install is, and what opening the data directory had to repair.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct About {
    /// The workspace's version, the one `tok --version` and the packages carry.
    version: &'static str,
    identity: Identity,
    reconcile: ReconcileReport,
}

#[tauri::command(async)]
pub fn about(state: State<'_, AppState>) -> AppResult<About> {
    state.with_vault(|v| {
        Ok(About {
            version: env!("CARGO_PKG_VERSION"),
            identity: v.identity(),
            reconcile: v.last_reconcile().clone(),
        })
    })
}
