//! Reconciliation: putting the keychain back in line with SQLite after an operation that was
//! interrupted, or whose undo failed, from what the secret journal names.

use chrono::Utc;
use secrecy::SecretString;
use serde::Serialize;

use super::{Vault, PREVIOUS_SUFFIX};
use crate::error::Result;
use crate::model::*;
use crate::store::{journal, tokens};

/// What reconciliation at open found and fixed.
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
        let _lock = self.write_lock()?;
        self.settle_journal()
    }

    /// Finishes what an earlier operation left in the journal (its undo failed, usually because
    /// the keychain went away), before an operation that writes the keychain starts: the old
    /// secret it would copy to `#prev` must be the committed one, not a leftover. The caller
    /// holds the write lock. With an empty journal this is one SQLite read.
    pub(crate) fn settle_pending(&mut self) -> Result<()> {
        if !journal::pending(&self.conn)?.is_empty() {
            self.settle_journal()?;
        }
        Ok(())
    }

    /// The work of [`Vault::reconcile`], under the write lock the caller holds. Each entry is
    /// finished only once its account is settled; a keychain error stops here and leaves the
    /// rest journaled.
    fn settle_journal(&mut self) -> Result<ReconcileReport> {
        let mut report = ReconcileReport::default();
        let now = Utc::now();
        let mut pending = journal::pending(&self.conn)?;
        // Interrupted rotations first: the old secret may be needed to restore the main account.
        pending.sort_by_key(|(account, _)| !account.ends_with(PREVIOUS_SUFFIX));
        for (account, token_id) in pending {
            let row = tokens::by_id(&self.conn, &token_id, now)?
                .filter(|t| t.status != Status::Deleted && t.storage == Storage::Keychain);
            let holds = |secret: &Option<SecretString>, t: &Token| -> Result<bool> {
                match secret {
                    Some(s) => self.holds(s, t),
                    None => Ok(false),
                }
            };
            if account.ends_with(PREVIOUS_SUFFIX) {
                if let Some(t) = &row {
                    let main = self.secrets.get(&token_id)?;
                    let previous = self.secrets.get(&account)?;
                    if !holds(&main, t)? && holds(&previous, t)? {
                        let previous = previous.expect("holds() saw a secret");
                        self.secrets.set(&token_id, &previous)?;
                        if t.secret_missing {
                            tokens::set_secret_missing(&self.conn, &t.id, false)?;
                        }
                        report.repaired += 1;
                    }
                }
                self.secrets.delete(&account)?;
            } else {
                let secret = self.secrets.get(&account)?;
                match &row {
                    None => {
                        if secret.is_some() {
                            self.secrets.delete(&account)?;
                            report.orphans_removed += 1;
                        }
                    }
                    Some(t) if holds(&secret, t)? => {
                        if t.secret_missing {
                            tokens::set_secret_missing(&self.conn, &t.id, false)?;
                        }
                    }
                    Some(t) => {
                        // The keychain holds nothing, or a value this row never recorded.
                        if secret.is_some() {
                            self.secrets.delete(&account)?;
                            report.orphans_removed += 1;
                        }
                        tokens::set_secret_missing(&self.conn, &t.id, true)?;
                        report.flagged_missing += 1;
                    }
                }
            }
            journal::finish(&self.conn, &[account.as_str()])?;
        }
        Ok(report)
    }
}
