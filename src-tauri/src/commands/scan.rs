//! The "Scan a folder…" page's command: the leak sweep over one typed folder, off the window's
//! thread, holding the vault only while the scan's index is read.

use std::path::PathBuf;

use tauri::State;
use tokenkeeper_core::{ScanReport, ScanRequest};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Scans `path` (a folder or file; `~/` is the home folder) for the secrets this install holds,
/// and with `git` every commit of the repository it is in. The vault is locked only while the
/// fingerprints are read; the walk runs on the command thread pool, so the window and other
/// commands go on meanwhile.
#[tauri::command(async)]
pub fn scan_folder(state: State<'_, AppState>, path: String, git: bool) -> AppResult<ScanReport> {
    let path = folder_path(&path)?;
    let index = state.with_vault(|v| Ok(v.scan_index()?))?;
    Ok(index.scan(&ScanRequest {
        paths: vec![path],
        git,
    })?)
}

/// The typed path: trimmed, `~` expanded, and absolute (a relative path would be relative to
/// wherever the app was started, which the user cannot see).
fn folder_path(typed: &str) -> AppResult<PathBuf> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(AppError::NoFolder);
    }
    let path = match typed.strip_prefix("~") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            let home = dirs::home_dir().ok_or(AppError::NoFolder)?;
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(typed),
    };
    if !path.is_absolute() {
        return Err(AppError::NoFolder);
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_folder_is_absolute_or_refused() {
        assert_eq!(
            folder_path(" /srv/app ").unwrap(),
            PathBuf::from("/srv/app")
        );
        let home = dirs::home_dir().unwrap();
        assert_eq!(folder_path("~/code").unwrap(), home.join("code"));
        assert_eq!(folder_path("~").unwrap(), home);
        for bad in ["", "  ", "code/app", "~other/x"] {
            assert_eq!(
                folder_path(bad).unwrap_err().kind(),
                "invalid_input",
                "{bad:?}"
            );
        }
    }
}
