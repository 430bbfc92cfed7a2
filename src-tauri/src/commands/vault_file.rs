//! Commands of the Export and Import dialogs: the team vault file (`.tkvault`), the passphrase
//! strength hint, and this install's public key. The import preview is kept here between the
//! Preview and Apply clicks, so the secrets it carries never reach the page.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use tokenkeeper_core::{
    passphrase_strength, read_vault_file, vault_file_protection, ExportSummary, ExportTarget,
    FileProtection, ImportKey, MergePlan, MergeReport, Strength,
};

use super::SecretInput;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[tauri::command(async)]
pub fn public_key(state: State<'_, AppState>) -> AppResult<String> {
    state.with_vault(|v| Ok(v.public_key()?))
}

#[tauri::command(async)]
pub fn passphrase_hint(passphrase: SecretInput) -> Strength {
    passphrase_strength(&passphrase.0)
}

/// Where the Export dialog proposes to write: the documents folder (or home), dated.
#[tauri::command(async)]
pub fn suggested_export_path() -> String {
    let dir = dirs::document_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."));
    let day = chrono::Local::now().format("%Y-%m-%d");
    dir.join(format!("tokenkeeper-{day}.tkvault"))
        .display()
        .to_string()
}

/// Who the export is for: a passphrase, or age public keys (optionally this install's own too).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportTo {
    Passphrase {
        #[cfg_attr(test, ts(type = "string"))]
        passphrase: SecretInput,
    },
    Recipients {
        recipients: Vec<String>,
        include_me: bool,
    },
    /// Every team member, and this install.
    Team,
}

#[tauri::command(async)]
pub fn export_vault(
    state: State<'_, AppState>,
    path: String,
    to: ExportTo,
) -> AppResult<ExportSummary> {
    let path = file_path(&path)?;
    state.with_vault(|v| {
        let target = match to {
            ExportTo::Passphrase { passphrase } => ExportTarget::Passphrase(passphrase.0),
            ExportTo::Recipients {
                mut recipients,
                include_me,
            } => {
                if include_me {
                    recipients.push(v.public_key()?);
                }
                ExportTarget::Recipients(recipients)
            }
            ExportTo::Team => ExportTarget::Team,
        };
        Ok(v.export_to_file(target, &path)?)
    })
}

/// Whether a file needs a passphrase (or opens with this install's identity).
#[tauri::command(async)]
pub fn vault_file_kind(path: String) -> AppResult<FileProtection> {
    Ok(vault_file_protection(&read_file(&path)?)?)
}

/// The preview table. Changes nothing; the plan waits here for Apply.
#[tauri::command(async)]
pub fn preview_import(
    state: State<'_, AppState>,
    path: String,
    passphrase: Option<SecretInput>,
) -> AppResult<MergePlanView> {
    let bytes = read_file(&path)?;
    let key = match passphrase {
        Some(p) => ImportKey::Passphrase(p.0),
        None => ImportKey::OwnIdentity,
    };
    let plan = state.with_vault(|v| Ok(v.preview_import(&bytes, key)?))?;
    let view = MergePlanView::of(&plan)?;
    state.keep_plan(Some(plan));
    Ok(view)
}

/// The plan as the page sees it (its own JSON, which never includes a secret).
#[derive(Serialize)]
#[serde(transparent)]
pub struct MergePlanView(serde_json::Value);

impl MergePlanView {
    fn of(plan: &MergePlan) -> AppResult<MergePlanView> {
        serde_json::to_value(plan)
            .map(MergePlanView)
            .map_err(|source| AppError::Preview { source })
    }
}

/// Progress of Apply, for the dialog's progress bar.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Serialize)]
pub struct Progress {
    done: usize,
    total: usize,
}

/// Trusts the key that signed the previewed file: its signer joins the team under `name` (or
/// the name they claim), and the preview can then be applied. Returns the updated preview.
#[tauri::command(async)]
pub fn trust_signer(state: State<'_, AppState>, name: Option<String>) -> AppResult<MergePlanView> {
    state.with_plan(|plan| {
        state.with_vault(|v| Ok(v.trust_signer(plan, name.as_deref())?))?;
        MergePlanView::of(plan)
    })
}

/// Applies the last preview, taking their side for the listed both-edited conflicts.
/// `confirm_destructive` is the user's yes to the deletions and replaced secrets the Apply
/// button named; without it the core refuses a plan that has any.
#[tauri::command(async)]
pub fn apply_import(
    state: State<'_, AppState>,
    take_theirs: Vec<String>,
    confirm_destructive: bool,
    on_progress: Channel<Progress>,
) -> AppResult<MergeReport> {
    let Some(mut plan) = state.take_plan() else {
        return Err(AppError::NoPreview { to_apply: true });
    };
    for id in &take_theirs {
        plan.take_theirs(id)?;
    }
    if confirm_destructive {
        plan.confirm_destructive();
    }
    state.with_vault(|v| {
        Ok(v.apply_import(plan, |done, total| {
            // The page may have closed the dialog; the import goes on regardless.
            let _ = on_progress.send(Progress { done, total });
        })?)
    })
}

/// Forgets a preview the user cancelled.
#[tauri::command(async)]
pub fn cancel_import(state: State<'_, AppState>) {
    state.keep_plan(None);
}

pub(crate) fn file_path(path: &str) -> AppResult<PathBuf> {
    let path = path.trim();
    if path.is_empty() {
        return Err(AppError::NoPath);
    }
    Ok(PathBuf::from(path))
}

/// Reads through the core, which refuses a file larger than any vault file before reading it.
fn read_file(path: &str) -> AppResult<Vec<u8>> {
    Ok(read_vault_file(&file_path(path)?)?)
}
