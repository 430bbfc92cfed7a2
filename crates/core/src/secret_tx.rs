//! One secret transaction: the only way a token's secret is written, replaced or destroyed, so
//! the keychain and SQLite stay in step (two stores, one truth).
//!
//! An operation plans what it does to the keychain ([`SecretPlan`]: create, replace, destroy),
//! then [`Vault::secret_tx`] runs the same steps for every operation:
//!
//! 1. **Journal** every account the plan touches in `secret_journal`, committed, before the
//!    keychain is written (a replaced secret's `#prev` copy too).
//! 2. **Write** the secrets. A replaced secret is first copied to `<id>#prev`.
//! 3. **Commit** the SQL change the operation gives, clearing the journal of the accounts just
//!    written in that same transaction.
//! 4. On failure in 2 or 3, **undo** what was written, newest first: a created secret is removed,
//!    a replaced one is put back and only then its `#prev` copy dropped.
//! 5. Once committed, **finish**: drop the `#prev` copies and destroy the secrets of deleted
//!    tokens.
//!
//! An account's journal entry is cleared only once the account is settled (untouched, undone,
//! committed, or finished). Whatever is not (an undo or a finishing delete failed, usually
//! because the keychain went away, or the process died) stays journaled, and
//! [`Vault::settle_journal`] puts it in line with SQLite at the next open or before the next
//! keychain write, restoring a replaced secret from its `#prev` copy. The caller holds the write
//! lock, so a settling process never mistakes another process's transaction for a crash.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use secrecy::SecretString;

use crate::error::Result;
use crate::model::{Status, Storage, Token};
use crate::store::{self, journal, tokens};
use crate::vault::{ReconcileReport, Vault, WriteLock};

/// Keychain account suffix that holds the old secret while a transaction that replaces it is in
/// flight (a rotation, or a vault-file merge that overwrites a secret).
const PREVIOUS_SUFFIX: &str = "#prev";

/// What an operation will do to the keychain, planned before anything is written. Accounts are
/// token ids; a replaced secret's old value is kept under `<id>#prev` until the commit.
#[derive(Default)]
pub(crate) struct SecretPlan<'s> {
    ops: Vec<Op<'s>>,
    reach_first: bool,
}

enum Op<'s> {
    /// A new account: written before the commit, removed again by an undo.
    Create {
        id: String,
        secret: &'s SecretString,
    },
    /// An account that may hold a secret already: the old value is copied to `#prev`, then
    /// replaced; an undo puts it back, and after the commit the copy is dropped.
    Replace {
        id: String,
        secret: &'s SecretString,
    },
    /// An account whose secret is removed once the commit has made it unused.
    Destroy { id: String },
}

impl<'s> SecretPlan<'s> {
    /// Stores `secret` under a new account `id`.
    pub(crate) fn create(&mut self, id: &str, secret: &'s SecretString) {
        self.ops.push(Op::Create {
            id: id.to_string(),
            secret,
        });
    }

    /// Replaces whatever `id` holds with `secret`, keeping the old value until the commit.
    pub(crate) fn replace(&mut self, id: &str, secret: &'s SecretString) {
        self.ops.push(Op::Replace {
            id: id.to_string(),
            secret,
        });
    }

    /// Removes `id`'s secret once the commit is done.
    pub(crate) fn destroy(&mut self, id: &str) {
        self.ops.push(Op::Destroy { id: id.to_string() });
    }

    /// Reads each account to be destroyed before anything is journaled or committed, so an
    /// unreachable keychain changes nothing (a deletion the user asked for, not one a file
    /// brings, which the next open may finish).
    pub(crate) fn reach_keychain_first(&mut self) {
        self.reach_first = true;
    }

    /// Every account the plan touches, with its token: what is journaled before any write.
    fn journal_entries(&self) -> Vec<(String, String)> {
        let mut entries = Vec::new();
        for op in &self.ops {
            match op {
                Op::Create { id, .. } | Op::Destroy { id } => {
                    entries.push((id.clone(), id.clone()));
                }
                Op::Replace { id, .. } => {
                    entries.push((id.clone(), id.clone()));
                    entries.push((previous(id), id.clone()));
                }
            }
        }
        entries
    }

    /// The accounts written before the commit, whose entries the commit itself clears.
    fn written_accounts(&self) -> Vec<&str> {
        self.ops
            .iter()
            .filter_map(|op| match op {
                Op::Create { id, .. } | Op::Replace { id, .. } => Some(id.as_str()),
                Op::Destroy { .. } => None,
            })
            .collect()
    }
}

/// An account written (or about to be: a write that reports failure may still have landed),
/// with what it held before, for the undo.
struct Written<'p> {
    id: &'p str,
    /// What the account held (`None`: nothing, so an undo removes it).
    old: Option<SecretString>,
    /// Whether the old value was (or may have been) copied to `#prev`.
    copied: bool,
}

/// The keychain account that holds a replaced secret's old value until the commit.
fn previous(id: &str) -> String {
    format!("{id}{PREVIOUS_SUFFIX}")
}

impl Vault {
    /// Runs one secret transaction (see the module's steps): journals `plan`'s accounts, writes
    /// its secrets, then runs `commit` inside the SQLite transaction that also clears their
    /// journal entries. If writing or committing fails, the writes are undone and the error is
    /// returned. An empty plan is one SQLite transaction and never touches the keychain.
    pub(crate) fn secret_tx<T>(
        &self,
        lock: &WriteLock,
        plan: &SecretPlan<'_>,
        now: DateTime<Utc>,
        commit: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.secret_tx_with_progress(lock, plan, now, || {}, commit)
    }

    /// Like [`Vault::secret_tx`], calling `step` after each secret written and each one
    /// destroyed.
    pub(crate) fn secret_tx_with_progress<T>(
        &self,
        _lock: &WriteLock,
        plan: &SecretPlan<'_>,
        now: DateTime<Utc>,
        mut step: impl FnMut(),
        commit: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        if plan.reach_first {
            for op in &plan.ops {
                if let Op::Destroy { id } = op {
                    self.secrets.get(id)?;
                }
            }
        }
        let journaled = plan.journal_entries();
        if !journaled.is_empty() {
            journal::begin(&self.conn, &journaled, now)?;
        }
        let mut written = Vec::new();
        let done = self
            .write_secrets(plan, &mut written, &mut step)
            .and_then(|()| self.commit_sql(plan, commit));
        match done {
            Ok(value) => {
                self.finish_committed(plan, &mut step);
                Ok(value)
            }
            Err(e) => {
                let unsettled = self.undo(&written);
                let settled: Vec<&str> = journaled
                    .iter()
                    .map(|(account, _)| account.as_str())
                    .filter(|a| !unsettled.iter().any(|u| u == a))
                    .collect();
                self.clear_journal(&settled);
                Err(e)
            }
        }
    }

    /// Step 2: writes the planned secrets in order. Each account is listed in `written` before
    /// its first write, since a write that reports failure may still land.
    fn write_secrets<'p>(
        &self,
        plan: &'p SecretPlan<'_>,
        written: &mut Vec<Written<'p>>,
        step: &mut impl FnMut(),
    ) -> Result<()> {
        for op in &plan.ops {
            match op {
                Op::Create { id, secret } => {
                    written.push(Written {
                        id,
                        old: None,
                        copied: false,
                    });
                    self.secrets.set(id, secret)?;
                }
                Op::Replace { id, secret } => {
                    let old = self.secrets.get(id)?;
                    written.push(Written {
                        id,
                        old: old.clone(),
                        copied: true,
                    });
                    if let Some(old) = &old {
                        self.secrets.set(&previous(id), old)?;
                    }
                    self.secrets.set(id, secret)?;
                }
                Op::Destroy { .. } => continue,
            }
            step();
        }
        Ok(())
    }

    /// Step 3: the operation's SQL and the end of the written accounts' journal entries, in one
    /// transaction.
    fn commit_sql<T>(
        &self,
        plan: &SecretPlan<'_>,
        commit: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = store::write_tx(&self.conn)?;
        let value = commit(&tx)?;
        journal::finish(&tx, &plan.written_accounts())?;
        tx.commit()?;
        Ok(value)
    }

    /// Step 4: puts every written account back, newest first, and returns the accounts it could
    /// not settle. The copy in `#prev` is dropped only once the main account holds the old value
    /// again.
    fn undo(&self, written: &[Written<'_>]) -> Vec<String> {
        let mut unsettled = Vec::new();
        for w in written.iter().rev() {
            let restored = match &w.old {
                Some(old) => self.secrets.set(w.id, old),
                None => self.secrets.delete(w.id).map(drop),
            };
            if restored.is_err() {
                unsettled.push(w.id.to_string());
            }
            if w.copied && (restored.is_err() || self.secrets.delete(&previous(w.id)).is_err()) {
                unsettled.push(previous(w.id));
            }
        }
        unsettled
    }

    /// Step 5, once committed: the old values in `#prev` are no longer needed, and destroyed
    /// secrets are removed. What the keychain refuses now stays journaled, and the next open
    /// removes it.
    fn finish_committed(&self, plan: &SecretPlan<'_>, step: &mut impl FnMut()) {
        for op in &plan.ops {
            if let Op::Replace { id, .. } = op {
                let account = previous(id);
                if self.secrets.delete(&account).is_ok() {
                    self.clear_journal(&[&account]);
                }
            }
        }
        for op in &plan.ops {
            if let Op::Destroy { id } = op {
                if self.secrets.delete(id).is_ok() {
                    self.clear_journal(&[id]);
                }
                step();
            }
        }
    }

    /// Clears the journal entries of settled accounts. This never fails the operation: if SQLite
    /// refuses even this, the entries stay, and the next open (or keychain write) finds those
    /// accounts settled and clears them then, at the cost of one keychain read each.
    fn clear_journal(&self, accounts: &[&str]) {
        if journal::finish(&self.conn, accounts).is_err() {
            // Left journaled on purpose: settle_journal finishes them.
        }
    }

    /// Finishes what earlier transactions left in the journal, under the write lock the caller
    /// holds (see [`Vault::reconcile`]). Each entry is cleared only once its account is settled;
    /// a keychain error stops here and leaves the rest journaled.
    pub(crate) fn settle_journal(&mut self, _lock: &WriteLock) -> Result<ReconcileReport> {
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

#[cfg(test)]
mod tests {
    //! The transaction's ordering and journal logic over a scripted in-memory keychain that logs
    //! every call and fails the ones it is told to. The real keychain's behaviour under faults is
    //! covered by tests/faults.rs and tests/consistency.rs.

    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::error::{Error, KeychainError};
    use crate::secret_store::{MemoryStore, SecretStore};
    use secrecy::ExposeSecret;

    /// A keychain that logs each call as "op account" and fails the calls it is told to.
    #[derive(Default)]
    struct Scripted {
        inner: MemoryStore,
        log: Mutex<Vec<String>>,
        /// Calls to fail, each with the occurrence to fail (1: the first such call since the log
        /// was last taken), or 0 for every one.
        fail: Mutex<Vec<(String, usize)>>,
    }

    impl Scripted {
        fn call(&self, op: &str, account: &str) -> Result<()> {
            let call = format!("{op} {account}");
            let mut log = self.log.lock().unwrap();
            log.push(call.clone());
            let nth = log.iter().filter(|c| **c == call).count();
            let fails = self.fail.lock().unwrap();
            if fails
                .iter()
                .any(|(c, n)| *c == call && (*n == 0 || *n == nth))
            {
                return Err(KeychainError::SwitchedOff {
                    store: "the scripted keychain",
                }
                .into());
            }
            Ok(())
        }
        fn fail(&self, calls: &[(&str, usize)]) {
            *self.fail.lock().unwrap() = calls.iter().map(|(c, n)| (c.to_string(), *n)).collect();
        }
        fn take_log(&self) -> Vec<String> {
            std::mem::take(&mut *self.log.lock().unwrap())
        }
        fn value(&self, account: &str) -> Option<String> {
            let secret = self.inner.get(account).unwrap();
            secret.map(|s| s.expose_secret().to_string())
        }
    }

    impl SecretStore for Scripted {
        fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
            self.call("set", account)?;
            self.inner.set(account, secret)
        }
        fn get(&self, account: &str) -> Result<Option<SecretString>> {
            self.call("get", account)?;
            self.inner.get(account)
        }
        fn delete(&self, account: &str) -> Result<bool> {
            self.call("delete", account)?;
            self.inner.delete(account)
        }
        fn backend(&self) -> &'static str {
            "scripted"
        }
    }

    struct Case {
        _dir: tempfile::TempDir,
        vault: Vault,
        keychain: Arc<Scripted>,
    }

    fn case() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Arc::new(Scripted::default());
        let store = keychain.clone();
        let vault = Vault::open_with_store(dir.path(), move |_| Box::new(store)).unwrap();
        keychain.take_log();
        Case {
            _dir: dir,
            vault,
            keychain,
        }
    }

    impl Case {
        fn journaled(&self) -> Vec<String> {
            let pending = journal::pending(&self.vault.conn).unwrap();
            pending.into_iter().map(|(account, _)| account).collect()
        }
        /// Runs `plan` with a commit that fails when `commit_fails`, and marks that it ran.
        fn run(&self, plan: &SecretPlan<'_>, commit_fails: bool) -> Result<()> {
            let lock = self.vault.write_lock().unwrap();
            self.vault.secret_tx(&lock, plan, Utc::now(), |tx| {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('tx-test', 'ran')",
                    [],
                )?;
                if commit_fails {
                    return Err(Error::sql(
                        "scripted SQLite failure",
                        rusqlite::Error::ExecuteReturnedResults,
                    ));
                }
                Ok(())
            })
        }
        fn committed(&self) -> bool {
            crate::store::meta::get(&self.vault.conn, "tx-test")
                .unwrap()
                .is_some()
        }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn a_failed_commit_undoes_newest_first_and_puts_a_replaced_secret_back() {
        let c = case();
        c.keychain.inner.set("b", &secret("b-old")).unwrap();
        let (a_new, b_new) = (secret("a-new"), secret("b-new"));
        let mut plan = SecretPlan::default();
        plan.create("a", &a_new);
        plan.replace("b", &b_new);

        let err = c.run(&plan, true).unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
        assert_eq!(
            c.keychain.take_log(),
            [
                "set a",
                "get b",
                "set b#prev",
                "set b", // written, in plan order
                "set b",
                "delete b#prev",
                "delete a", // undone, newest first
            ]
        );
        assert_eq!(c.keychain.value("a"), None, "the created secret is gone");
        assert_eq!(c.keychain.value("b").as_deref(), Some("b-old"));
        assert_eq!(c.keychain.value("b#prev"), None);
        assert!(c.journaled().is_empty(), "everything was settled");
        assert!(!c.committed());
    }

    #[test]
    fn only_what_a_failed_undo_left_stays_journaled_and_reconcile_settles_it() {
        let mut c = case();
        c.keychain.inner.set("b", &secret("b-old")).unwrap();
        let (a_new, b_new, c_new) = (secret("a-new"), secret("b-new"), secret("c-new"));
        let mut plan = SecretPlan::default();
        plan.create("a", &a_new);
        plan.replace("b", &b_new);
        plan.create("c", &c_new);
        // The third write fails, and so does putting b back (the second write to b).
        c.keychain.fail(&[("set c", 0), ("set b", 2)]);
        let err = c.run(&plan, false).unwrap_err();
        assert!(matches!(err, Error::KeychainUnavailable(_)), "{err:?}");
        assert!(!c.committed(), "the SQL never ran");
        assert_eq!(c.keychain.value("a"), None, "a was undone");
        assert_eq!(c.keychain.value("c"), None, "c's write did not land");
        assert_eq!(
            c.journaled(),
            ["b", "b#prev"],
            "b and its copy stay journaled; a and c are settled"
        );
        assert_eq!(c.keychain.value("b#prev").as_deref(), Some("b-old"));

        c.keychain.fail(&[]);
        let report = c.vault.reconcile().unwrap();
        assert!(c.journaled().is_empty());
        assert_eq!(c.keychain.value("b#prev"), None);
        assert_eq!(
            report.orphans_removed, 1,
            "b has no row here, so its secret is an orphan"
        );
    }

    #[test]
    fn a_commit_clears_the_journal_then_drops_copies_and_destroyed_secrets() {
        let c = case();
        c.keychain.inner.set("b", &secret("b-old")).unwrap();
        c.keychain.inner.set("d", &secret("d-old")).unwrap();
        let b_new = secret("b-new");
        let mut plan = SecretPlan::default();
        plan.destroy("d");
        plan.replace("b", &b_new);

        c.run(&plan, false).unwrap();
        assert!(c.committed());
        assert_eq!(
            c.keychain.take_log(),
            ["get b", "set b#prev", "set b", "delete b#prev", "delete d"],
            "nothing is destroyed before the commit; copies go before destroyed secrets"
        );
        assert_eq!(c.keychain.value("b").as_deref(), Some("b-new"));
        assert_eq!(c.keychain.value("d"), None);
        assert!(c.journaled().is_empty());
    }

    #[test]
    fn a_destroy_the_keychain_refuses_after_the_commit_stays_journaled() {
        let c = case();
        c.keychain.inner.set("d", &secret("d-old")).unwrap();
        let mut plan = SecretPlan::default();
        plan.destroy("d");
        c.keychain.fail(&[("delete d", 0)]);
        c.run(&plan, false).unwrap();
        assert!(c.committed(), "the operation itself succeeded");
        assert_eq!(c.journaled(), ["d"], "the next open removes it");
    }

    #[test]
    fn reaching_the_keychain_first_changes_nothing_when_it_is_away() {
        let c = case();
        let mut plan = SecretPlan::default();
        plan.destroy("d");
        plan.reach_keychain_first();
        c.keychain.fail(&[("get d", 0)]);
        c.run(&plan, false).unwrap_err();
        assert!(!c.committed());
        assert!(c.journaled().is_empty(), "nothing was journaled");
        assert_eq!(c.keychain.take_log(), ["get d"]);
    }

    #[test]
    fn an_empty_plan_is_one_sqlite_transaction_and_never_asks_the_keychain() {
        let c = case();
        c.run(&SecretPlan::default(), false).unwrap();
        assert!(c.committed());
        assert!(c.keychain.take_log().is_empty());
        assert!(c.journaled().is_empty());
    }
}
