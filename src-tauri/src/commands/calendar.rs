//! "Add to calendar": the same iCalendar file of expiries `tok calendar -o` writes, saved where
//! the user chose, so the reminders reach the calendar they already look at every day.

use serde::Serialize;
use tauri::State;
use tokenkeeper_core::DEFAULT_REMINDER_DAYS;

use crate::commands::vault_file::file_path;
use crate::error::AppResult;
use crate::state::AppState;

/// What "Add to calendar" wrote, for the toast.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct CalendarWritten {
    /// One event per active token that has not expired yet.
    events: usize,
    /// Where the file is, as written.
    path: String,
}

/// Writes the calendar of expiries to `path` (replaced atomically, mode 0600), with reminders
/// at the same days before each expiry as `tok calendar`.
#[tauri::command(async)]
pub fn write_calendar(state: State<'_, AppState>, path: String) -> AppResult<CalendarWritten> {
    let path = file_path(&path)?;
    let summary =
        state.with_vault(|v| Ok(v.write_expiry_calendar(&path, &DEFAULT_REMINDER_DAYS)?))?;
    Ok(CalendarWritten {
        events: summary.events,
        path: path.display().to_string(),
    })
}
