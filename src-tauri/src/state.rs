//! The one open vault the window works on, opened on first use so a broken data directory
//! shows up as an error in the window instead of a window that never opens.

use std::sync::Mutex;

use tokenkeeper_core::{default_data_dir, MergePlan, Vault};

use crate::commands::intake::PendingIntake;
use crate::error::{AppError, AppResult};

/// Managed Tauri state: the vault, behind a lock because commands run on a thread pool.
#[derive(Default)]
pub struct AppState {
    vault: Mutex<Option<Vault>>,
    /// The import preview waiting for Apply; it holds the file's secrets, so it stays here.
    plan: Mutex<Option<MergePlan>>,
    /// The Import keys preview waiting for Apply; it holds the keys, so it stays here too.
    intake: Mutex<Option<PendingIntake>>,
}

impl AppState {
    /// Runs `f` on the vault, opening it first if this is the first call or the last open failed.
    /// The data directory is the one `tok` uses (`TOKENKEEPER_HOME` overrides it), so both see
    /// the same tokens; every call reads SQLite afresh, so changes from `tok` show on refresh.
    pub fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> AppResult<T>) -> AppResult<T> {
        // A panic inside a command cannot leave the vault half-changed (the core commits or rolls
        // back), so a poisoned lock is safe to keep using.
        let mut slot = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        let vault = match slot.as_mut() {
            Some(v) => v,
            None => slot.insert(Vault::open(&default_data_dir()?)?),
        };
        f(vault)
    }

    /// Keeps (or with `None`, drops) the import preview until Apply.
    pub fn keep_plan(&self, plan: Option<MergePlan>) {
        *self.plan.lock().unwrap_or_else(|p| p.into_inner()) = plan;
    }

    /// Runs `f` on the kept import preview (to trust its signer, say).
    pub fn with_plan<T>(&self, f: impl FnOnce(&mut MergePlan) -> AppResult<T>) -> AppResult<T> {
        let mut slot = self.plan.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_mut() {
            Some(plan) => f(plan),
            None => Err(AppError::NoPreview { to_apply: false }),
        }
    }

    /// Takes the import preview for Apply; a second Apply finds none.
    pub fn take_plan(&self) -> Option<MergePlan> {
        self.plan.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Keeps (or with `None`, drops) the Import keys preview until Apply.
    pub fn keep_intake(&self, pending: Option<PendingIntake>) {
        *self.intake.lock().unwrap_or_else(|p| p.into_inner()) = pending;
    }

    /// Takes the Import keys preview for Apply; a second Apply finds none.
    pub fn take_intake(&self) -> Option<PendingIntake> {
        self.intake.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
