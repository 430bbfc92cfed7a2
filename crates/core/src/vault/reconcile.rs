//! Reconciliation: when the keychain is put back in line with SQLite (at open, and before an
//! operation that needs the committed secrets); how is the secret transaction's (secret_tx.rs).

use serde::Serialize;

use super::{Vault, WriteLock};
use crate::error::Result;
use crate::store::journal;

/// What reconciliation at open found and fixed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Keychain secrets that had no row and were removed.
    pub orphans_removed: usize,
    /// Rows whose secret is missing from the keychain, now flagged.
    pub flagged_missing: usize,
    /// Interrupted rotations whose old secret was put back.
    pub repaired: usize,
    /// Set when the keychain could not be reached, so reconciliation waits for the next open.
    pub deferred: Option<String>,
}

impl Vault {
    /// What the reconciliation at open found.
    pub fn last_reconcile(&self) -> &ReconcileReport {
        &self.last_reconcile
    }

    /// Puts the keychain back in line with SQLite after an interrupted operation: removes secrets
    /// that have no live row, restores the old secret of an interrupted rotation or import (from
    /// its `#prev` copy), and flags rows
    /// whose secret is missing. Only accounts named in the journal are touched, so this is cheap
    /// when the last run ended cleanly (and then never touches the keychain).
    pub fn reconcile(&mut self) -> Result<ReconcileReport> {
        if journal::pending(&self.conn)?.is_empty() {
            return Ok(ReconcileReport::default());
        }
        let lock = self.write_lock()?;
        self.settle_journal(&lock)
    }

    /// Finishes what an earlier operation left in the journal (its undo failed, usually because
    /// the keychain went away), before an operation that writes the keychain starts: the old
    /// secret it would copy to `#prev` must be the committed one, not a leftover. The caller
    /// holds the write lock. With an empty journal this is one SQLite read.
    pub(crate) fn settle_pending(&mut self, lock: &WriteLock) -> Result<()> {
        if !journal::pending(&self.conn)?.is_empty() {
            self.settle_journal(lock)?;
        }
        Ok(())
    }
}
