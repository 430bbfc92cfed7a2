//! tokenkeeper-core: every token operation, over SQLite metadata and the OS keychain. No UI in here.
//!
//! The public surface is small: [`Vault::open`] a data directory, then call one method per
//! lifecycle operation. Secrets only ever travel as [`secrecy::SecretString`].

mod bounded;
mod calendar;
pub mod dotenv;
mod error;
mod expiry;
mod fingerprint;
pub mod intake;
mod keyed_fingerprints;
mod member_key;
mod model;
mod passphrase;
mod reference;
mod reminders;
mod scan;
pub mod secret_store;
mod secret_tx;
mod store;
mod team;
pub mod token_format;
mod validate;
mod vault;
mod vault_file;

pub use calendar::{CalendarSummary, DEFAULT_REMINDER_DAYS};
pub use error::{
    BaseUrlProblem, ConflictError, DuplicateError, Error, InputError, KeychainError,
    MemberKeyProblem, NotADatabaseError, NotAVaultFileError, NotForThisIdentityError,
    NotFoundError, Result, SecretMissingError, SecretRole, StorageError, UnsignedError,
    UnsupportedVersionError, VaultFileError, WireError,
};
pub use expiry::parse as parse_expiry;
pub use fingerprint::{hint_for, Fingerprint};
pub use member_key::{normalize_fingerprint, MemberKey, MEMBER_KEY_PREFIX};
pub use model::*;
pub use passphrase::{passphrase_strength, Strength};
pub use reference::{
    read_text_file, template_references, Reference, MAX_REFERENCES, MAX_TEMPLATE_BYTES,
    REFERENCE_SCHEME,
};
pub use reminders::{
    check_reminder_days, escape_markup, expiry_notification, parse_days, parse_reminder_days,
    stale_notification, Notification, Reminder, Sent, StaleReminder, DESKTOP_ENTRY,
    EXPIRED_LOOKBACK_DAYS, MAX_REMINDERS, MAX_REMINDER_DAYS, STALE_EVERY_DAYS, STALE_NAMES,
};
pub use scan::{ScanFinding, ScanIndex, ScanReport, ScanRequest, ScanSkip, MAX_SCAN_FILE_BYTES};
pub use secret_store::{KeychainStore, MemoryStore, SecretStore};
pub use team::{Member, Signer, SIGNING_ACCOUNT};
pub use validate::{
    check_date, date_in_range, earliest_date, escape_for_terminal, is_unsafe_char, latest_date,
    looks_like_secret, quote_input, read_vault_file, MAX_BASE_URL_CHARS, MAX_DESCRIPTION_CHARS,
    MAX_HEADER_CHARS, MAX_NAME_CHARS, MAX_SCOPES, MAX_SCOPE_CHARS, MAX_SERVICES_PER_FILE,
    MAX_SERVICE_NAME_CHARS, MAX_TOKENS_PER_FILE, MAX_VAULT_FILE_BYTES,
};
pub use vault::{
    default_data_dir, write_injected, Injected, ReconcileReport, Resolved, Settings, Vault,
    DB_FILE, DEFAULT_STALE_DAYS, MAX_PAGE_ROWS, MAX_STALE_DAYS, TIMELINE_WEEKS,
};
pub use vault_file::{
    vault_file_protection, ChangeKind, ConflictKind, DestructiveKind, ExportSummary, ExportTarget,
    FileProtection, ImportKey, MergeCounts, MergePlan, MergeReport, MergeRow, Resolution,
    VaultFileSource, FINGERPRINT_KEY_ACCOUNT, IDENTITY_ACCOUNT,
};

/// Re-exported so callers build and read secrets with the same types the core uses.
pub use secrecy::{ExposeSecret, SecretString};
