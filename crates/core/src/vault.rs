//! The Vault: one data directory's tokens, and every lifecycle operation on them.
//!
//! Two stores, one truth: an operation that writes a secret records the keychain accounts it is
//! about to touch in `secret_journal` (committed), writes the keychain, then commits the SQLite
//! change and clears the journal in one transaction. If that transaction fails, the keychain write
//! is undone before the error is returned, and its journal entry is cleared only once the undo
//! succeeded; if the undo fails too, or the process dies in between, [`Vault::reconcile`] finds
//! the entry at the next open (or the next keychain write) and puts the keychain back in line
//! with SQLite, restoring a replaced secret from its `#prev` copy.
//! Writers across processes are serialized by a lock file, so a reconciling process never mistakes
//! another process's operation in flight for a crash.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fingerprint::{hint_for, Fingerprint, FingerprintKey};
use crate::model::*;
use crate::secret_store::{KeychainStore, SecretStore};
use crate::store::services::OnConflict;
use crate::store::{self, events, journal, meta, services, tokens};
use crate::token_format;
use crate::validate;

/// Name of the SQLite file inside the data directory.
pub const DB_FILE: &str = "tokenkeeper.db";
/// Lock file that serializes writers across processes (the app and any number of `tok`).
const LOCK_FILE: &str = "tokenkeeper.lock";
/// How long a writer waits for another process's operation before giving up.
const LOCK_WAIT: StdDuration = StdDuration::from_secs(20);
/// Keychain account suffix that holds the old secret while a rotation (or a vault-file merge
/// that overwrites a secret) is in flight.
pub(crate) const PREVIOUS_SUFFIX: &str = "#prev";
/// How precisely [`Vault::verify`] records usage: "last used" and `verified` events to the minute.
const USAGE_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The data directory: `TOKENKEEPER_HOME` if set, else the platform's app-data directory
/// (`~/.local/share/tokenkeeper`, `~/Library/Application Support/tokenkeeper`, `%APPDATA%\tokenkeeper`).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("TOKENKEEPER_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    dirs::data_dir()
        .map(|d| d.join("tokenkeeper"))
        .ok_or_else(|| {
            Error::invalid(
                "Could not find this platform's app-data directory; set TOKENKEEPER_HOME to the \
                 directory Tokenkeeper should use",
            )
        })
}

/// User preferences kept in the database (Settings screen).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub display_name: String,
    pub clipboard_clear_seconds: u32,
    pub expiry_warning_days: u32,
}

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

/// One data directory: SQLite metadata plus the secret store.
pub struct Vault {
    pub(crate) conn: Connection,
    pub(crate) secrets: Box<dyn SecretStore>,
    dir: PathBuf,
    vault_id: String,
    last_reconcile: ReconcileReport,
    /// The key of added keys' fingerprints, read from the keychain on first need.
    pub(crate) fingerprint_key: std::sync::OnceLock<FingerprintKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("vault_id", &self.vault_id)
            .field("secrets", &self.secrets.backend())
            .finish()
    }
}

/// Held while a write is in flight; dropping it releases the lock.
pub(crate) struct WriteLock(#[allow(dead_code)] File);

impl Vault {
    /// Opens (creating if needed) the data directory with the real OS keychain.
    pub fn open(dir: &Path) -> Result<Vault> {
        Self::open_with_store(dir, |service| Box::new(KeychainStore::new(service)))
    }

    /// Opens with another secret store (the in-memory one in logic tests). `make_store`
    /// receives the keychain service name, `tokenkeeper:<vault-id>`.
    pub fn open_with_store(
        dir: &Path,
        make_store: impl FnOnce(&str) -> Box<dyn SecretStore>,
    ) -> Result<Vault> {
        prepare_private_dir(dir)?;
        let conn = store::open(&dir.join(DB_FILE))?;
        let vault_id = meta::get_or_init(&conn, "vault_id", || uuid::Uuid::now_v7().to_string())?;
        let secrets = make_store(&keychain_service(&vault_id));
        let mut vault = Vault {
            conn,
            secrets,
            dir: dir.to_path_buf(),
            vault_id,
            last_reconcile: ReconcileReport::default(),
            fingerprint_key: std::sync::OnceLock::new(),
        };
        // Both wait for a reachable keychain: what could not be done now is done at a later open.
        let deferred = |why: String| ReconcileReport {
            deferred: Some(why),
            ..Default::default()
        };
        vault.last_reconcile = match vault.reconcile() {
            Ok(report) => report,
            Err(Error::KeychainUnavailable(why)) => deferred(why),
            Err(e) => return Err(e),
        };
        if vault.last_reconcile.deferred.is_none() {
            match vault.upgrade_fingerprints() {
                Ok(()) => {}
                Err(Error::KeychainUnavailable(why)) => vault.last_reconcile = deferred(why),
                Err(e) => return Err(e),
            }
        }
        Ok(vault)
    }

    /// Who this install is.
    pub fn identity(&self) -> Identity {
        let member = self.cached_member_key();
        Identity {
            display_name: self.actor(),
            vault_id: self.vault_id.clone(),
            keychain_service: keychain_service(&self.vault_id),
            data_dir: self.dir.clone(),
            public_key: self.cached_public_key(),
            member_key: member.as_ref().map(|m| m.to_string()),
            signer_fingerprint: member.as_ref().map(|m| m.fingerprint()),
            minisign_public_key: member.as_ref().map(|m| m.minisign_public_key()),
        }
    }

    pub fn settings(&self) -> Result<Settings> {
        let num = |key: &str, default: u32| -> Result<u32> {
            Ok(meta::get(&self.conn, key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(default))
        };
        Ok(Settings {
            display_name: self.actor(),
            clipboard_clear_seconds: num("clipboard_clear_seconds", 30)?,
            expiry_warning_days: num("expiry_warning_days", 30)?,
        })
    }

    pub fn update_settings(&mut self, s: Settings) -> Result<Settings> {
        let name = validate::display_name(&s.display_name)?;
        if !(5..=3600).contains(&s.clipboard_clear_seconds) {
            return Err(Error::invalid(format!(
                "Clipboard clear time {} s is out of range; use 5 to 3600 seconds",
                s.clipboard_clear_seconds
            )));
        }
        if !(1..=365).contains(&s.expiry_warning_days) {
            return Err(Error::invalid(format!(
                "Expiry warning of {} days is out of range; use 1 to 365 days",
                s.expiry_warning_days
            )));
        }
        let tx = store::write_tx(&self.conn)?;
        meta::set(&tx, "display_name", &name)?;
        meta::set(
            &tx,
            "clipboard_clear_seconds",
            &s.clipboard_clear_seconds.to_string(),
        )?;
        meta::set(
            &tx,
            "expiry_warning_days",
            &s.expiry_warning_days.to_string(),
        )?;
        tx.commit()?;
        self.settings()
    }

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

    pub fn services(&self) -> Result<Vec<Service>> {
        services::all(&self.conn)
    }

    /// Adds a service or changes an existing one (matched by name, case-insensitively).
    pub fn upsert_service(&mut self, s: Service) -> Result<Service> {
        let name = validate::service_name(&s.name)?;
        let service = Service {
            name: services::by_name(&self.conn, &name)?
                .map(|existing| existing.name)
                .unwrap_or(name),
            auth_header: validate::auth_header(&s.auth_header)?,
            token_prefix: match s.token_prefix.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(p) => {
                    token_format::validate_prefix(p)?;
                    Some(p.to_string())
                }
            },
            base_url: validate::base_url(s.base_url.as_deref())?,
            max_active: s.max_active,
        };
        if service.max_active == Some(0) {
            return Err(Error::invalid(
                "A service must allow at least one active token; leave the limit empty for no limit",
            ));
        }
        let tx = store::write_tx(&self.conn)?;
        services::write(&tx, &service, OnConflict::Replace)?;
        tx.commit()?;
        Ok(service)
    }

    /// Makes a new random token. It is returned once; unless `keep` is set only its SHA-256 is stored.
    pub fn generate(&mut self, req: GenerateRequest) -> Result<IssuedToken> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let draft = self.check_draft(&req.draft(), now)?;
        let prefix = token_prefix(draft.service.as_ref());

        // 190 random bits never collide in practice; the check keeps the promise anyway.
        let (secret, fingerprint) = loop {
            let secret = token_format::generate(prefix)?;
            let fingerprint = Fingerprint::of(&secret);
            if tokens::live_by_fingerprint(&self.conn, fingerprint.as_str(), now)?.is_none() {
                break (secret, fingerprint);
            }
        };
        let storage = if req.keep {
            Storage::Keychain
        } else {
            Storage::HashOnly
        };
        let token = self.record_new(NewToken {
            draft,
            origin: Origin::Generated,
            storage,
            secret: &secret,
            fingerprint,
            now,
        })?;
        Ok(IssuedToken { token, secret })
    }

    /// Stores a key the user already has, in the keychain. Refuses a key that is already stored.
    pub fn import(&mut self, req: ImportRequest) -> Result<Token> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let draft = self.check_draft(&req.draft(), now)?;
        let secret = validate::imported_secret(&req.secret)?;
        let fingerprint = self.fingerprint_for(Origin::Imported, &secret, &_lock)?;
        self.ensure_secret_new(&self.stored_forms(&secret)?, None, now)?;
        self.record_new(NewToken {
            draft,
            origin: Origin::Imported,
            storage: Storage::Keychain,
            secret: &secret,
            fingerprint,
            now,
        })
    }

    /// Checks what can be checked before a new token's secret exists (name, description, scopes,
    /// expiry, the service's limit), so a form or prompt can refuse bad input before asking for
    /// the key. Changes nothing.
    pub fn precheck_new(&self, draft: &TokenDraft<'_>) -> Result<()> {
        self.check_draft(draft, Utc::now()).map(drop)
    }

    /// Filtered, sorted token summaries. Reads SQLite only; never touches the keychain.
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Token>> {
        tokens::list(&self.conn, q, Utc::now())
    }

    /// Counts for the dashboard's summary strip.
    pub fn summary(&self, warning_days: u32) -> Result<Summary> {
        tokens::summary(&self.conn, warning_days, Utc::now())
    }

    /// Active tokens expiring in each of the next `weeks` weeks (week 0 starts now), for the
    /// dashboard's expiry timeline. Reads SQLite only.
    pub fn expiry_timeline(&self, weeks: u32) -> Result<Vec<u64>> {
        if !(1..=104).contains(&weeks) {
            return Err(Error::invalid(format!(
                "An expiry timeline of {weeks} weeks is out of range; use 1 to 104 weeks"
            )));
        }
        tokens::expiry_weeks(&self.conn, weeks, Utc::now())
    }

    /// One token's metadata, service and activity. `which` is a token id or a name.
    pub fn show(&self, which: &str) -> Result<TokenDetails> {
        let token = self.find(which, Utc::now())?;
        let service = match &token.service {
            Some(name) => services::by_name(&self.conn, name)?,
            None => None,
        };
        let events = events::for_token(&self.conn, &token.id)?;
        Ok(TokenDetails {
            token,
            service,
            events,
        })
    }

    /// Reads a kept secret from the keychain, recording why (revealed or copied).
    pub fn reveal(&mut self, which: &str, why: Access) -> Result<SecretString> {
        let now = Utc::now();
        let token = self.find_live(which, now)?;
        if token.storage == Storage::HashOnly {
            return Err(Error::Conflict(format!(
                "'{}' is hash-only: Tokenkeeper kept only its SHA-256 fingerprint, so the token \
                 cannot be shown again. Rotate it to issue a new value",
                token.name
            )));
        }
        let matching = |v: &Vault| -> Result<Option<SecretString>> {
            Ok(match v.secrets.get(&token.id)? {
                Some(s) if v.holds(&s, &token)? => Some(s),
                _ => None,
            })
        };
        let mut secret = matching(self)?;
        if secret.is_none() && !journal::pending(&self.conn)?.is_empty() {
            // An earlier operation's undo failed and left the keychain unsettled (the next
            // open would put it right): finish it now, then look again.
            let _lock = self.write_lock()?;
            self.settle_pending()?;
            secret = matching(self)?;
        }
        let Some(secret) = secret else {
            tokens::set_secret_missing(&self.conn, &token.id, true)?;
            return Err(Error::SecretMissing(format!(
                "The keychain ({}) has no secret for '{}' matching what Tokenkeeper recorded. \
                 If you still have the key, rotate the token and paste it; otherwise delete the token",
                self.secrets.backend(),
                token.name
            )));
        };
        let kind = match why {
            Access::Revealed => EventKind::Revealed,
            Access::Copied => EventKind::Copied,
        };
        let actor = self.actor();
        record_use(&self.conn, &token.id, true, change(kind, None, now, &actor))?;
        Ok(secret)
    }

    /// Changes name, description, service, scopes or expiry.
    pub fn edit(&mut self, which: &str, edit: TokenEdit) -> Result<Token> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let mut token = self.find_live(which, now)?;
        // A field flagged for repair holds a stand-in value: setting it always writes.
        let repairs = |field: &str| token.needs_repair.iter().any(|f| f == field);
        let (fix_name, fix_description, fix_expiry) = (
            repairs("name"),
            repairs("description"),
            repairs("expires_at"),
        );
        if fix_expiry && edit.expires_at.is_none() {
            return Err(unreadable_expiry(&token));
        }
        let mut changed: Vec<&str> = Vec::new();
        let mut new_service = None;
        if let Some(name) = &edit.name {
            let name = validate::name(name)?;
            if name != token.name || fix_name {
                self.ensure_name_free(&name, Some(&token.id), now)?;
                token.name = name;
                changed.push("name");
            }
        }
        if let Some(description) = &edit.description {
            let description = validate::description(description)?;
            if description != token.description || fix_description {
                token.description = description;
                changed.push("description");
            }
        }
        if let Some(service) = &edit.service {
            let service = self.resolve_service(service.as_deref())?;
            let name = service.as_ref().map(|s| s.name.clone());
            if name != token.service {
                if token.state == TokenState::Active {
                    self.ensure_service_has_room(service.as_ref(), Some(&token.id), now)?;
                }
                token.service = name;
                new_service = service;
                changed.push("service");
            }
        }
        if let Some(scopes) = &edit.scopes {
            let scopes = validate::scopes(scopes)?;
            if scopes != token.scopes {
                token.scopes = scopes;
                changed.push("scopes");
            }
        }
        if let Some(expires_at) = edit.expires_at {
            let expires_at = validate::expiry(expires_at, now)?;
            if expires_at != token.expires_at || fix_expiry {
                token.expires_at = expires_at;
                changed.push("expiry");
            }
        }
        if changed.is_empty() {
            return Ok(token);
        }
        token.updated_at = now;
        token.state = TokenState::derive(token.status, token.expires_at, now);
        // What this save writes anew is repaired (the expiry was required above).
        let repaired = |f: &str| match f {
            "expires_at" | "updated_at" => true,
            "name" | "description" => changed.contains(&f),
            _ => false,
        };
        token.needs_repair.retain(|f| !repaired(f));
        let (detail, actor) = (changed.join(", "), self.actor());
        let edited = change(EventKind::Edited, Some(&detail), now, &actor);
        save(&self.conn, &token, edited, |tx| match &new_service {
            Some(service) => services::write(tx, service, OnConflict::Keep),
            None => Ok(()),
        })?;
        Ok(token)
    }

    /// Enables or disables a token. A disabled token fails verification but keeps its secret.
    pub fn set_enabled(&mut self, which: &str, enabled: bool) -> Result<Token> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let mut token = self.find_live(which, now)?;
        if token.needs_repair.iter().any(|f| f == "expires_at") {
            return Err(unreadable_expiry(&token));
        }
        let wanted = if enabled {
            Status::Active
        } else {
            Status::Disabled
        };
        if token.status == wanted {
            return Ok(token);
        }
        if enabled {
            let service = self.resolve_service(token.service.as_deref())?;
            self.ensure_service_has_room(service.as_ref(), Some(&token.id), now)?;
        }
        token.status = wanted;
        token.updated_at = now;
        token.state = TokenState::derive(token.status, token.expires_at, now);
        let kind = if enabled {
            EventKind::Enabled
        } else {
            EventKind::Disabled
        };
        let actor = self.actor();
        save(&self.conn, &token, change(kind, None, now, &actor), |_| {
            Ok(())
        })?;
        Ok(token)
    }

    /// Gives a token a new secret, keeping its record and settings. The old secret stops working
    /// at once or after the grace period.
    pub fn rotate(&mut self, which: &str, req: RotateRequest) -> Result<Rotated> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let mut token = self.find_live(which, now)?;
        if token.needs_repair.iter().any(|f| f == "expires_at") {
            return Err(unreadable_expiry(&token));
        }
        if token.storage == Storage::Keychain {
            self.settle_pending()?;
            token = self.find_live(which, now)?;
        }
        let (secret, issued) = match (token.origin, req.new_secret) {
            (Origin::Generated, None) => {
                let service = self.resolve_service(token.service.as_deref())?;
                (
                    token_format::generate(token_prefix(service.as_ref()))?,
                    true,
                )
            }
            (Origin::Generated, Some(_)) => {
                return Err(Error::invalid(format!(
                    "'{}' was generated by Tokenkeeper, which makes its new value itself; \
                     rotate it without supplying a key",
                    token.name
                )))
            }
            (Origin::Imported, Some(new)) => (validate::imported_secret(&new)?, false),
            (Origin::Imported, None) => {
                return Err(Error::invalid(format!(
                    "'{}' is a key from its service: reset it there, then paste the new value",
                    token.name
                )))
            }
        };
        let fingerprint = self.fingerprint_for(token.origin, &secret, &_lock)?;
        if fingerprint.matches(&token.fingerprint) {
            return Err(Error::invalid(format!(
                "The new value is the same as the current one for '{}'; paste the new key the \
                 service issued",
                token.name
            )));
        }
        self.ensure_secret_new(&self.stored_forms(&secret)?, Some(&token.id), now)?;

        let old_fingerprint = std::mem::replace(&mut token.fingerprint, fingerprint.to_string());
        match req.grace.duration() {
            Some(grace) => {
                token.previous_fingerprint = Some(old_fingerprint);
                token.previous_valid_until = Some(now + grace);
            }
            None => {
                token.previous_fingerprint = None;
                token.previous_valid_until = None;
            }
        }
        token.hint = hint_for(&secret);
        token.rotated_at = Some(now);
        token.updated_at = now;
        token.secret_missing = false;
        let detail = format!("grace {}", req.grace.label());
        let actor = self.actor();
        let rotated = change(EventKind::Rotated, Some(&detail), now, &actor);
        let commit = |conn: &Connection| {
            save(conn, &token, rotated, |tx| {
                journal::finish(tx, &[&token.id])
            })
        };

        if token.storage == Storage::Keychain {
            let previous_account = format!("{}{PREVIOUS_SUFFIX}", token.id);
            let accounts = [token.id.as_str(), previous_account.as_str()];
            journal::begin(&self.conn, &token.id, &accounts, now)?;
            let old = match self.secrets.get(&token.id) {
                Ok(old) => old,
                Err(e) => {
                    // Nothing was written: both accounts are as committed.
                    let _ = journal::finish(&self.conn, &accounts);
                    return Err(e);
                }
            };
            let result = (|| {
                if let Some(old) = &old {
                    self.secrets.set(&previous_account, old)?;
                }
                self.secrets.set(&token.id, &secret)?;
                // Finishes the main account's entry in the same transaction.
                commit(&self.conn)
            })();
            if let Err(e) = result {
                // The main account may hold the new value (even a failed write may have
                // landed). Put the old one back; only then is the copy in `#prev` spare. What
                // cannot be settled now stays journaled, and the next open (or the next
                // keychain write) restores the old value from `#prev`.
                let restored = match &old {
                    Some(old) => self.secrets.set(&token.id, old),
                    None => self.secrets.delete(&token.id).map(drop),
                };
                if restored.is_ok() {
                    let _ = journal::finish(&self.conn, &[&token.id]);
                    if self.secrets.delete(&previous_account).is_ok() {
                        let _ = journal::finish(&self.conn, &[&previous_account]);
                    }
                }
                return Err(e);
            }
            // Committed: the old value is no longer needed. If the keychain fails here, the
            // journal entry makes the next open remove it.
            if self.secrets.delete(&previous_account).is_ok() {
                let _ = journal::finish(&self.conn, &[&previous_account]);
            }
        } else {
            commit(&self.conn)?;
        }
        token.state = TokenState::derive(token.status, token.expires_at, now);
        Ok(Rotated {
            secret: issued.then_some(secret),
            token,
        })
    }

    /// Deletes a token for good: the secret is destroyed and the row stays as a tombstone.
    pub fn delete(&mut self, which: &str) -> Result<Token> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let mut token = self.find_live(which, now)?;
        token.status = Status::Deleted;
        token.state = TokenState::Deleted;
        token.deleted_at = Some(now);
        token.updated_at = now;
        token.previous_fingerprint = None;
        token.previous_valid_until = None;
        let actor = self.actor();
        let kept = token.storage == Storage::Keychain;
        if kept {
            // Reach the keychain before changing anything, so an unreachable one changes nothing.
            self.secrets.get(&token.id)?;
            journal::begin(&self.conn, &token.id, &[&token.id], now)?;
        }
        let deleted = change(EventKind::Deleted, None, now, &actor);
        if let Err(e) = save(&self.conn, &token, deleted, |_| Ok(())) {
            if kept {
                let _ = journal::finish(&self.conn, &[&token.id]);
            }
            return Err(e);
        }
        // The tombstone is committed; if the keychain fails now, the journal entry makes the
        // next open remove the secret.
        if kept && self.secrets.delete(&token.id).is_ok() {
            // The deletion is done; a journal entry left behind only costs a look at next open.
            let _ = journal::finish(&self.conn, &[&token.id]);
        }
        Ok(token)
    }

    /// Answers whether a presented token is active, disabled, expired or unknown. The previous
    /// secret of a rotated token counts within its grace period.
    ///
    /// Usage is recorded to the minute, as GitHub's and Stripe's token pages show "last used":
    /// an active answer moves `last_used_at` only when the stored time is at least a minute old, and Activity gets a `verified` event only when the token's last
    /// one is that old or gave another answer (so the first refusal after a disable shows at
    /// once). Inside that minute a verification is one indexed read and writes nothing, which is
    /// what lets a service behind Tokenkeeper verify tens of thousands of tokens a second.
    pub fn verify(&mut self, presented: &SecretString) -> Result<Verification> {
        let now = Utc::now();
        let presented = validate::presented(presented)?;
        // Generated tokens (plain SHA-256) first: the hot path never asks the keychain. Keys the
        // user added are found by their keyed fingerprint, with the key from the keychain.
        let mut found =
            tokens::for_verification(&self.conn, Fingerprint::of(&presented).as_str(), now)?;
        if found.is_none() {
            if let Some(keyed) = self.keyed_for_lookup(&presented)? {
                found = tokens::for_verification(&self.conn, keyed.as_str(), now)?;
            }
        }
        let Some((token, via_grace_period)) = found else {
            return Ok(Verification {
                status: VerifyStatus::Unknown,
                token_id: None,
                name: None,
                scopes: Vec::new(),
                via_grace_period: false,
            });
        };
        let status = match token.state {
            TokenState::Active => VerifyStatus::Active,
            TokenState::Disabled => VerifyStatus::Disabled,
            TokenState::Expired => VerifyStatus::Expired,
            TokenState::Deleted => VerifyStatus::Unknown,
        };
        let detail = format!(
            "{}{}",
            token.state,
            if via_grace_period {
                " (previous secret, in grace period)"
            } else {
                ""
            }
        );
        // A refused attempt is recorded, but is not a use.
        self.record_verification(&token, status == VerifyStatus::Active, &detail, now)?;
        Ok(Verification {
            status,
            token_id: Some(token.id),
            name: Some(token.name),
            scopes: token.scopes,
            via_grace_period,
        })
    }

    /// Records a verification at minute precision (see [`Vault::verify`]): reads first, and opens
    /// a write transaction only when `last_used_at` or Activity would change. Inside it the same
    /// conditions are checked again, so two processes racing on one token still write once.
    fn record_verification(
        &self,
        token: &tokens::VerifyRow,
        used: bool,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let since = now - USAGE_RESOLUTION;
        let touch = used && token.last_used_at.is_none_or(|t| t <= since);
        let differs = |last: &Option<(DateTime<Utc>, Option<String>)>| match last {
            Some((at, last_detail)) => *at <= since || last_detail.as_deref() != Some(detail),
            None => true,
        };
        let note = differs(&token.last_verified);
        if !touch && !note {
            return Ok(());
        }
        let actor = self.actor();
        let tx = store::write_tx(&self.conn)?;
        if touch {
            tokens::touch_last_used_unless_since(&tx, &token.id, now, since)?;
        }
        if note
            && differs(&events::latest_of_kind(
                &tx,
                &token.id,
                EventKind::Verified,
            )?)
        {
            events::append(
                &tx,
                &token.id,
                now,
                &actor,
                EventKind::Verified,
                Some(detail),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    // ----- internals -----

    /// The display name recorded as the actor of events.
    pub(crate) fn actor(&self) -> String {
        meta::get(&self.conn, "display_name")
            .ok()
            .flatten()
            .unwrap_or_else(default_display_name)
    }

    pub(crate) fn write_lock(&self) -> Result<WriteLock> {
        let path = self.dir.join(LOCK_FILE);
        let mut options = File::options();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&path)
            .map_err(|e| Error::storage(&format!("could not open {}", path.display()), e))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(WriteLock(file)),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(StdDuration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Storage(format!(
                        "another Tokenkeeper process has been writing to {} for over {} s \
                         (perhaps waiting on a keychain prompt); finish or close it and try again",
                        self.dir.display(),
                        LOCK_WAIT.as_secs()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::storage(
                        &format!("could not lock {}", path.display()),
                        e,
                    ))
                }
            }
        }
    }

    /// A token by id (any status) or by name (live tokens, case-insensitive).
    fn find(&self, which: &str, now: DateTime<Utc>) -> Result<Token> {
        let which = which.trim();
        if let Some(t) = tokens::by_id(&self.conn, which, now)? {
            return Ok(t);
        }
        if let Some(t) = tokens::live_by_name(&self.conn, which, now)? {
            return Ok(t);
        }
        Err(Error::NotFound(format!(
            "No token is named {} and none has that id; check the name in the token list",
            validate::quote_input(which)
        )))
    }

    /// Like [`Self::find`], refusing deleted tokens.
    fn find_live(&self, which: &str, now: DateTime<Utc>) -> Result<Token> {
        let token = self.find(which, now)?;
        if token.status == Status::Deleted {
            return Err(Error::Conflict(format!(
                "'{}' was deleted, and deleted tokens cannot be used or changed; add or generate a new one",
                token.name
            )));
        }
        Ok(token)
    }

    fn ensure_name_free(&self, name: &str, except: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        match tokens::live_by_name(&self.conn, name, now)? {
            Some(t) if Some(t.id.as_str()) != except => Err(Error::Duplicate(format!(
                "A token named '{}' already exists (names are compared without case); choose another name",
                t.name
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a secret another live token holds, in any of the forms it could be stored under
    /// ([`Vault::stored_forms`]).
    fn ensure_secret_new(
        &self,
        forms: &[Fingerprint],
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for fingerprint in forms {
            match tokens::live_by_fingerprint(&self.conn, fingerprint.as_str(), now)? {
                Some(t) if Some(t.id.as_str()) != except => {
                    return Err(Error::Duplicate(format!(
                    "This key is already stored as '{}'; use that token instead of adding it twice",
                    t.name
                )))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The named service, or for an unknown name a new one with a Bearer header. Writes nothing:
    /// a new service is stored in the same transaction as the token that names it.
    fn resolve_service(&self, name: Option<&str>) -> Result<Option<Service>> {
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let name = validate::service_name(name)?;
        if let Some(s) = services::by_name(&self.conn, &name)? {
            return Ok(Some(s));
        }
        Ok(Some(Service {
            name,
            auth_header: "Authorization: Bearer {token}".into(),
            token_prefix: None,
            base_url: None,
            max_active: None,
        }))
    }

    /// Validates a new token's fields and checks them against the stored tokens.
    fn check_draft(&self, d: &TokenDraft<'_>, now: DateTime<Utc>) -> Result<CheckedDraft> {
        let name = validate::name(d.name)?;
        let description = validate::description(d.description)?;
        let scopes = validate::scopes(d.scopes)?;
        let expires_at = validate::expiry(d.expires_at, now)?;
        self.ensure_name_free(&name, None, now)?;
        let service = self.resolve_service(d.service)?;
        self.ensure_service_has_room(service.as_ref(), None, now)?;
        Ok(CheckedDraft {
            name,
            description,
            scopes,
            expires_at,
            service,
        })
    }

    /// Refuses a new active token when the service allows no more (NocoDB allows one per user).
    fn ensure_service_has_room(
        &self,
        service: Option<&Service>,
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(service) = service else {
            return Ok(());
        };
        let Some(max) = service.max_active else {
            return Ok(());
        };
        let active = tokens::active_names_for_service(&self.conn, &service.name, except, now)?;
        if active.len() >= max as usize {
            return Err(Error::Conflict(format!(
                "{} allows only {max} active token{} and '{}' is active; disable or delete it first",
                service.name,
                if max == 1 { "" } else { "s" },
                active.join("', '")
            )));
        }
        Ok(())
    }

    /// Records a new token: its secret in the keychain first (when kept), then the row, its
    /// service if new, and its first event in one SQLite transaction. The keychain write is
    /// undone if the transaction fails.
    fn record_new(&mut self, n: NewToken<'_>) -> Result<Token> {
        let token = Token {
            id: uuid::Uuid::now_v7().to_string(),
            name: n.draft.name,
            description: n.draft.description,
            service: n.draft.service.as_ref().map(|s| s.name.clone()),
            origin: n.origin,
            storage: n.storage,
            scopes: n.draft.scopes,
            status: Status::Active,
            state: TokenState::derive(Status::Active, n.draft.expires_at, n.now),
            fingerprint: n.fingerprint.to_string(),
            hint: hint_for(n.secret),
            created_at: n.now,
            created_by: self.actor(),
            updated_at: n.now,
            last_used_at: None,
            expires_at: n.draft.expires_at,
            rotated_at: None,
            deleted_at: None,
            previous_fingerprint: None,
            previous_valid_until: None,
            secret_missing: false,
            needs_repair: Vec::new(),
        };
        let (kind, detail) = match (n.origin, n.storage) {
            (Origin::Generated, Storage::HashOnly) => (EventKind::Created, "hash only"),
            (Origin::Generated, Storage::Keychain) => (EventKind::Created, "kept in keychain"),
            (Origin::Imported, _) => (EventKind::Imported, "kept in keychain"),
        };
        let service = n.draft.service.as_ref();
        let commit = |conn: &Connection| {
            let created = change(kind, Some(detail), n.now, &token.created_by);
            save(conn, &token, created, |tx| {
                if let Some(service) = service {
                    services::write(tx, service, OnConflict::Keep)?;
                }
                journal::finish(tx, &[&token.id])
            })
        };
        if n.storage == Storage::HashOnly {
            commit(&self.conn)?;
            return Ok(token);
        }
        journal::begin(&self.conn, &token.id, &[&token.id], n.now)?;
        // A failed keychain write may still have landed, so either failure is undone the same
        // way; if even the undo fails, the journal entry makes the next open remove the secret.
        if let Err(e) = self
            .secrets
            .set(&token.id, n.secret)
            .and_then(|()| commit(&self.conn))
        {
            if self.secrets.delete(&token.id).is_ok() {
                let _ = journal::finish(&self.conn, &[&token.id]);
            }
            return Err(e);
        }
        Ok(token)
    }
}

/// Refusal to change a token whose stored expiry an older version wrote out of range: saving
/// would silently turn it into "never".
fn unreadable_expiry(token: &Token) -> Error {
    Error::Conflict(format!(
        "'{}' has a stored expiry Tokenkeeper cannot read (a date after 9999-12-31 or not a date); \
         set it first with `tok edit {} --expires DATE` (or --expires never), or in the token's \
         Edit dialog, or delete the token",
        validate::escape_for_terminal(&token.name),
        token.id
    ))
}

/// The fields of a new token that can be checked before its secret exists.
#[derive(Debug, Clone, Copy)]
pub struct TokenDraft<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub service: Option<&'a str>,
    pub scopes: &'a [String],
    pub expires_at: Option<DateTime<Utc>>,
}

/// A [`TokenDraft`] that passed validation.
struct CheckedDraft {
    name: String,
    description: String,
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    /// The named service; may not be stored yet.
    service: Option<Service>,
}

/// Everything [`Vault::record_new`] needs to store a new token.
struct NewToken<'a> {
    draft: CheckedDraft,
    origin: Origin,
    storage: Storage,
    secret: &'a SecretString,
    fingerprint: Fingerprint,
    now: DateTime<Utc>,
}

impl GenerateRequest {
    fn draft(&self) -> TokenDraft<'_> {
        TokenDraft {
            name: &self.name,
            description: &self.description,
            service: self.service.as_deref(),
            scopes: &self.scopes,
            expires_at: self.expires_at,
        }
    }
}

impl ImportRequest {
    fn draft(&self) -> TokenDraft<'_> {
        TokenDraft {
            name: &self.name,
            description: &self.description,
            service: self.service.as_deref(),
            scopes: &self.scopes,
            expires_at: self.expires_at,
        }
    }
}

/// What happened to a token, recorded as one event beside the change itself.
#[derive(Clone, Copy)]
struct Change<'a> {
    kind: EventKind,
    detail: Option<&'a str>,
    at: DateTime<Utc>,
    actor: &'a str,
}

fn change<'a>(
    kind: EventKind,
    detail: Option<&'a str>,
    at: DateTime<Utc>,
    actor: &'a str,
) -> Change<'a> {
    Change {
        kind,
        detail,
        at,
        actor,
    }
}

/// Writes a token's row and the event about it in one transaction, together with whatever
/// `also` writes (a new service row, the end of a journal entry).
fn save(
    conn: &Connection,
    token: &Token,
    change: Change<'_>,
    also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
) -> Result<()> {
    let tx = store::write_tx(conn)?;
    also(&tx)?;
    tokens::upsert(&tx, token)?;
    let Change {
        kind,
        detail,
        at,
        actor,
    } = change;
    events::append(&tx, &token.id, at, actor, kind, detail)?;
    tx.commit()?;
    Ok(())
}

/// Records that a token's secret was read or presented, and when it was last used.
fn record_use(conn: &Connection, token_id: &str, used: bool, change: Change<'_>) -> Result<()> {
    let tx = store::write_tx(conn)?;
    if used {
        tokens::touch_last_used(&tx, token_id, change.at)?;
    }
    events::append(
        &tx,
        token_id,
        change.at,
        change.actor,
        change.kind,
        change.detail,
    )?;
    tx.commit()?;
    Ok(())
}

/// The prefix of tokens generated for `service`: its own, else `tk`.
fn token_prefix(service: Option<&Service>) -> &str {
    service
        .and_then(|s| s.token_prefix.as_deref())
        .unwrap_or(token_format::DEFAULT_PREFIX)
}

/// The keychain service name secrets of a vault are filed under.
fn keychain_service(vault_id: &str) -> String {
    format!("tokenkeeper:{vault_id}")
}

/// The OS user, as the default display name: the login name from the environment, else the
/// name of the home directory.
fn default_display_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| {
            dirs::home_dir()
                .and_then(|h| h.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|n| !n.trim().is_empty())
        })
        .unwrap_or_else(|| "me".to_string())
}

/// Makes the data directory private, on every open and not only when it is new: it is created
/// if missing, refused if another user owns it (before anything is changed), and made 0700; the
/// lock file becomes 0600 (the SQLite files are handled by [`store::open`]).
///
/// A symlinked data directory is followed: the ownership check and the mode apply to the
/// directory it points to (data kept on another disk stays private), and the link itself is
/// left alone. It is the user's own link; whoever could change it could change the user's files.
fn prepare_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::storage(&format!("could not create {}", dir.display()), e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(dir)
            .map_err(|e| Error::storage(&format!("could not read {}", dir.display()), e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(Error::Storage(format!(
                "{} belongs to another user (uid {}, while Tokenkeeper runs as uid {me}), so                  others could read or replace what is kept there. Point TOKENKEEPER_HOME at a                  directory of your own, or have its owner hand it over (chown); nothing was changed",
                dir.display(),
                meta.uid()
            )));
        }
        make_private(dir, &meta, 0o700)?;
        let lock = dir.join(LOCK_FILE);
        if let Ok(meta) = std::fs::metadata(&lock) {
            make_private(&lock, &meta, 0o600)?;
        }
    }
    Ok(())
}

/// Sets `path`'s permission bits to `mode` unless they already are.
#[cfg(unix)]
pub(crate) fn make_private(path: &Path, meta: &std::fs::Metadata, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o7777 == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::storage(&format!("could not protect {}", path.display()), e))
}
