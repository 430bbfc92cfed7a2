//! The Vault: one data directory's tokens, and every lifecycle operation on them.
//! STUB signatures; bodies being written.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::*;
use crate::secret_store::SecretStore;

/// Name of the SQLite file inside the data directory.
pub const DB_FILE: &str = "tokenkeeper.db";

/// The data directory: `TOKENKEEPER_HOME` if set, else the platform's app-data directory
/// (`~/.local/share/tokenkeeper`, `~/Library/Application Support/tokenkeeper`, `%APPDATA%\tokenkeeper`).
pub fn default_data_dir() -> Result<PathBuf> {
    todo!()
}

/// User preferences kept in the database (Settings screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub display_name: String,
    pub clipboard_clear_seconds: u32,
    pub expiry_warning_days: u32,
}

/// What reconciliation at open found and fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Keychain secrets that had no row and were removed.
    pub orphans_removed: usize,
    /// Rows whose secret is missing from the keychain, now flagged.
    pub flagged_missing: usize,
    /// Interrupted rotations whose secret was put back or completed.
    pub repaired: usize,
    /// Set when the keychain could not be reached, so reconciliation waits for the next open.
    pub deferred: Option<String>,
}

/// One data directory: SQLite metadata plus the secret store.
pub struct Vault {
    _p: (),
}

impl Vault {
    /// Opens (creating if needed) the data directory with the real OS keychain.
    pub fn open(_dir: &Path) -> Result<Vault> {
        todo!()
    }

    /// Opens with another secret store (the in-memory one in logic tests). `make_store`
    /// receives the keychain service name, `tokenkeeper:<vault-id>`.
    pub fn open_with_store(
        _dir: &Path,
        _make_store: impl FnOnce(&str) -> Box<dyn SecretStore>,
    ) -> Result<Vault> {
        todo!()
    }

    pub fn identity(&self) -> Identity {
        todo!()
    }
    pub fn settings(&self) -> Result<Settings> {
        todo!()
    }
    pub fn update_settings(&mut self, _s: Settings) -> Result<Settings> {
        todo!()
    }
    /// Reconciles keychain and SQLite after an interrupted operation. Runs at open.
    pub fn reconcile(&mut self) -> Result<ReconcileReport> {
        todo!()
    }
    pub fn last_reconcile(&self) -> &ReconcileReport {
        todo!()
    }
    pub fn services(&self) -> Result<Vec<Service>> {
        todo!()
    }
    pub fn upsert_service(&mut self, _s: Service) -> Result<Service> {
        todo!()
    }
    pub fn generate(&mut self, _req: GenerateRequest) -> Result<IssuedToken> {
        todo!()
    }
    pub fn import(&mut self, _req: ImportRequest) -> Result<Token> {
        todo!()
    }
    /// Never touches the keychain.
    pub fn list(&self, _q: &ListQuery) -> Result<Vec<Token>> {
        todo!()
    }
    pub fn summary(&self, _warning_days: u32) -> Result<Summary> {
        todo!()
    }
    /// `which` is a token id or a name (case-insensitive).
    pub fn show(&self, _which: &str) -> Result<TokenDetails> {
        todo!()
    }
    pub fn reveal(&mut self, _which: &str, _why: Access) -> Result<SecretString> {
        todo!()
    }
    pub fn edit(&mut self, _which: &str, _edit: TokenEdit) -> Result<Token> {
        todo!()
    }
    pub fn set_enabled(&mut self, _which: &str, _enabled: bool) -> Result<Token> {
        todo!()
    }
    pub fn rotate(&mut self, _which: &str, _req: RotateRequest) -> Result<Rotated> {
        todo!()
    }
    pub fn delete(&mut self, _which: &str) -> Result<Token> {
        todo!()
    }
    pub fn verify(&mut self, _presented: &SecretString) -> Result<Verification> {
        todo!()
    }
}
