//! Commands of the Import keys dialog: a `.env` file, a KeePassXC or Bitwarden export, or a CSV
//! file, previewed as the core's import plan and applied all or nothing. The plan holds the keys,
//! so it stays here between the Preview and Apply clicks and never reaches the page.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::State;
use tokenkeeper_core::dotenv::DotenvFile;
use tokenkeeper_core::intake::{
    self, csv::ColumnMap, env, ExportFormat, IntakePlan, IntakeReport, IntakeSource,
};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What the file is, as the dialog's Kind menu says.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeKind {
    Dotenv,
    KeepassxcXml,
    KeepassxcCsv,
    Bitwarden,
    Csv,
}

/// A previewed import waiting for Apply: the plan and, for a `.env` file, the file as read (for
/// the rewrite).
pub struct PendingIntake {
    plan: IntakePlan,
    dotenv: Option<(PathBuf, DotenvFile)>,
}

/// What Apply did: the report, and for a `.env` rewrite how many values now reference kept keys.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct IntakeApplied {
    pub report: IntakeReport,
    #[cfg_attr(test, ts(type = "number | null"))]
    pub rewritten: Option<usize>,
}

/// The plan as the page sees it (its own JSON, which never holds a key).
#[derive(Serialize)]
#[serde(transparent)]
pub struct IntakePlanView(serde_json::Value);

/// Reads the file and previews its import. Changes nothing; the plan waits here for Apply.
/// `map` is the CSV column mapping (`name=Title,secret=Password,...`), for `csv` only.
#[tauri::command(async)]
pub fn preview_intake(
    state: State<'_, AppState>,
    kind: IntakeKind,
    path: String,
    prefix: Option<String>,
    map: Option<String>,
) -> AppResult<IntakePlanView> {
    let path = path.trim();
    if path.is_empty() {
        return Err(AppError::NoPath);
    }
    let path = PathBuf::from(path);
    let prefix = prefix.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let (source, rows, dotenv) = match kind {
        IntakeKind::Dotenv => {
            let (file, rows) = env::read(&path, prefix)?;
            (IntakeSource::Dotenv, rows, Some((path, file)))
        }
        other => {
            let format = match other {
                IntakeKind::KeepassxcXml => ExportFormat::KeepassxcXml,
                IntakeKind::KeepassxcCsv => ExportFormat::KeepassxcCsv,
                IntakeKind::Bitwarden => ExportFormat::Bitwarden,
                _ => ExportFormat::Csv(ColumnMap::parse(map.as_deref().unwrap_or(""))?),
            };
            let rows = intake::read_export(&format, &path, prefix)?;
            (format.source(), rows, None)
        }
    };
    let plan = state.with_vault(|v| Ok(v.plan_intake(source, rows)?))?;
    let view = serde_json::to_value(&plan)
        .map(IntakePlanView)
        .map_err(|source| AppError::Preview { source })?;
    state.keep_intake(Some(PendingIntake { plan, dotenv }));
    Ok(view)
}

/// Applies the last preview; with `rewrite`, a `.env` file's values then become `tok://NAME`.
#[tauri::command(async)]
pub fn apply_intake(state: State<'_, AppState>, rewrite: bool) -> AppResult<IntakeApplied> {
    let Some(pending) = state.take_intake() else {
        return Err(AppError::NoPreview { to_apply: true });
    };
    let report = state.with_vault(|v| Ok(v.apply_intake(pending.plan)?))?;
    let rewritten = match (&pending.dotenv, rewrite) {
        (Some((path, file)), true) => Some(env::rewrite(path, file, &report)?),
        _ => None,
    };
    Ok(IntakeApplied { report, rewritten })
}

/// Forgets a preview the user cancelled.
#[tauri::command(async)]
pub fn cancel_intake(state: State<'_, AppState>) {
    state.keep_intake(None);
}
