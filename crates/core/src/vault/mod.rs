//! The Vault: one data directory's tokens, and every lifecycle operation on them.
//!
//! Two stores, one truth: every operation that writes, replaces or destroys a secret does it
//! through one secret transaction (secret_tx.rs), which keeps the keychain in step with SQLite
//! and leaves in its journal whatever a crash or a failed undo did not settle; [`Vault::reconcile`]
//! settles that at the next open. Writers across processes are serialized by a lock file, so a
//! reconciling process never mistakes another process's operation in flight for a crash.
//!
//! The methods are split by concern, one `impl Vault` block per file: opening, settings and the
//! helpers they share here; `lifecycle` (generate, add, edit, enable, rotate, delete); `access`
//! (list, show, reveal, summary, timeline, services); `resolve` (`tok://` references, inject);
//! `page` (the dashboard's window of rows and its counts); `verify`; `reconcile`.

mod access;
mod lifecycle;
mod page;
mod reconcile;
mod resolve;
mod verify;

pub use page::{MAX_PAGE_ROWS, TIMELINE_WEEKS};
pub use resolve::{write_injected, Injected, Resolved};

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::calendar::DEFAULT_REMINDER_DAYS;
use crate::error::{
    ConflictError, Error, InputError, KeychainError, NotFoundError, Result, StorageError,
};
use crate::fingerprint::FingerprintKey;
use crate::model::*;
use crate::secret_store::{KeychainStore, SecretStore};
use crate::store::{self, events, meta, tokens};
use crate::validate;

pub use reconcile::ReconcileReport;

/// Name of the SQLite file inside the data directory.
pub const DB_FILE: &str = "tokenkeeper.db";

/// Lock file that serializes writers across processes (the app and any number of `tok`).
const LOCK_FILE: &str = "tokenkeeper.lock";

/// How long a writer waits for another process's operation before giving up.
const LOCK_WAIT: StdDuration = StdDuration::from_secs(20);

/// The data directory: `TOKENKEEPER_HOME` if set, else the platform's app-data directory
/// (`~/.local/share/tokenkeeper`, `~/Library/Application Support/tokenkeeper`, `%APPDATA%\tokenkeeper`).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("TOKENKEEPER_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    dirs::data_dir()
        .map(|d| d.join("tokenkeeper"))
        .ok_or_else(|| InputError::NoDataDir.into())
}

/// The stale-days setting's default: GitHub's token pages flag a token unused for 90 days.
pub const DEFAULT_STALE_DAYS: u32 = 90;

/// The longest stale-days setting (and `--unused-for`): ten years.
pub const MAX_STALE_DAYS: u32 = 3650;

/// User preferences kept in the database (Settings screen).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub display_name: String,
    pub clipboard_clear_seconds: u32,
    pub expiry_warning_days: u32,
    /// Expiry reminders, in days before a token expires (0: when it expires), largest first,
    /// each once. Empty: no expiry reminders. Default 30, 7, 1, 0.
    pub reminder_days: Vec<u32>,
    /// A token unused for this many days counts as stale (the summary's card, `tok remind`'s
    /// monthly mention). Default 90.
    pub stale_days: u32,
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
        let deferred = |why: KeychainError| ReconcileReport {
            deferred: Some(why.to_string()),
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
            reminder_days: match meta::get(&self.conn, "reminder_days")? {
                // A value this build cannot read (written by hand) falls back to the default.
                Some(v) => crate::reminders::read_stored_days(&v)
                    .unwrap_or_else(|| DEFAULT_REMINDER_DAYS.to_vec()),
                None => DEFAULT_REMINDER_DAYS.to_vec(),
            },
            stale_days: num("stale_days", DEFAULT_STALE_DAYS)?,
        })
    }

    pub fn update_settings(&mut self, s: Settings) -> Result<Settings> {
        let name = validate::display_name(&s.display_name)?;
        if !(5..=3600).contains(&s.clipboard_clear_seconds) {
            return Err(InputError::ClipboardSeconds {
                seconds: s.clipboard_clear_seconds,
            }
            .into());
        }
        if !(1..=365).contains(&s.expiry_warning_days) {
            return Err(InputError::ExpiryWarningDays {
                days: s.expiry_warning_days,
            }
            .into());
        }
        let reminder_days = crate::reminders::check_reminder_days(&s.reminder_days)?;
        if !(1..=MAX_STALE_DAYS).contains(&s.stale_days) {
            return Err(InputError::StaleDays { days: s.stale_days }.into());
        }
        let tx = store::write_tx(&self.conn)?;
        meta::set(&tx, "display_name", &name)?;
        meta::set(
            &tx,
            "reminder_days",
            &crate::reminders::stored_days(&reminder_days),
        )?;
        meta::set(&tx, "stale_days", &s.stale_days.to_string())?;
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
            .map_err(|e| Error::io(format!("could not open {}", path.display()), e))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(WriteLock(file)),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(StdDuration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StorageError::Busy {
                        dir: self.dir.clone(),
                        seconds: LOCK_WAIT.as_secs(),
                    }
                    .into())
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(format!("could not lock {}", path.display()), e))
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
        Err(NotFoundError::Token {
            quoted: validate::quote_input(which),
        }
        .into())
    }

    /// Like [`Self::find`], refusing deleted tokens.
    fn find_live(&self, which: &str, now: DateTime<Utc>) -> Result<Token> {
        let token = self.find(which, now)?;
        if token.status == Status::Deleted {
            return Err(ConflictError::Deleted { name: token.name }.into());
        }
        Ok(token)
    }
}

/// What happened to a token, recorded as one event beside the change itself.
#[derive(Clone, Copy)]
pub(crate) struct Change<'a> {
    kind: EventKind,
    detail: Option<&'a str>,
    at: DateTime<Utc>,
    actor: &'a str,
}

pub(crate) fn change<'a>(
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
/// `also` writes (a new service row). For changes that touch no secret; those that do go through
/// [`Vault::secret_tx`], with [`write_row`].
fn save(
    conn: &Connection,
    token: &Token,
    change: Change<'_>,
    also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
) -> Result<()> {
    let tx = store::write_tx(conn)?;
    also(&tx)?;
    write_row(&tx, token, change)?;
    tx.commit()?;
    Ok(())
}

/// Writes a token's row and the event about it, inside the caller's transaction.
pub(crate) fn write_row(
    tx: &rusqlite::Transaction<'_>,
    token: &Token,
    change: Change<'_>,
) -> Result<()> {
    tokens::upsert(tx, token)?;
    let Change {
        kind,
        detail,
        at,
        actor,
    } = change;
    events::append(tx, &token.id, at, actor, kind, detail)
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
            .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(dir)
            .map_err(|e| Error::io(format!("could not read {}", dir.display()), e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(StorageError::NotOurs {
                dir: dir.to_path_buf(),
                owner: meta.uid(),
                me,
            }
            .into());
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
        .map_err(|e| Error::io(format!("could not protect {}", path.display()), e))
}
