//! The one error type of tokenkeeper-core: every failure names what was wrong and what to do.
//!
//! Each kind of failure is one variant of [`Error`] (its `kind()` is what the window and
//! `tok --json` branch on). A kind with several causes wraps a sub-enum whose variants carry
//! what went wrong as fields; the wording lives in one `#[error]` per variant. Where a library
//! failed underneath (SQLite, the file system, the keychain), the variant keeps that error as its
//! [`source`](std::error::Error::source).
//!
//! No field ever holds a secret: errors derive `Debug`. What a user typed is kept only as
//! [`quote_input`](crate::quote_input) made it (a placeholder when it looks like a key), and
//! library errors that could repeat a secret (keyring's `BadEncoding` holds the bytes it could
//! not read; serde's messages quote values) are not kept as sources.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::secret_store::{backend_name, start_hint};
use crate::validate::{MAX_HEADER_CHARS, MAX_SECRET_BYTES};

/// Result type of every core operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core. No variant ever carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed a value the operation cannot accept (empty name, past expiry, ...).
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// No token, member or file matched what the caller named.
    #[error(transparent)]
    NotFound(#[from] NotFoundError),
    /// The name or the secret is already held by another token (or team member).
    #[error(transparent)]
    Duplicate(#[from] DuplicateError),
    /// The operation is not possible in the token's current state
    /// (revealing a hash-only token, editing a deleted one, ...).
    #[error(transparent)]
    Conflict(#[from] ConflictError),
    /// The OS keychain could not be reached or refused access. Nothing was stored.
    #[error(transparent)]
    KeychainUnavailable(#[from] KeychainError),
    /// The keychain answered, but the secret for a token (or a key of this install) is not
    /// there, or not readable.
    #[error(transparent)]
    SecretMissing(#[from] SecretMissingError),
    /// A presented token is not in Tokenkeeper's format (see docs/token-format.md).
    #[error("{0}")]
    MalformedToken(#[from] crate::token_format::TokenFormatError),
    /// The data directory holds a file that is not a Tokenkeeper database.
    #[error(transparent)]
    NotADatabase(#[from] NotADatabaseError),
    /// The database was written by a newer Tokenkeeper.
    #[error(
        "{} was written by a newer Tokenkeeper (schema version {version}; this build knows \
         up to {known}). Upgrade Tokenkeeper to open it; the file was not changed",
        path.display()
    )]
    DatabaseTooNew {
        path: PathBuf,
        version: i64,
        known: i64,
    },
    /// SQLite or the file system failed underneath us.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The vault file is protected by a passphrase, and the one given does not open it.
    #[error(
        "The passphrase does not open this vault file. Check it and try again (it is case-sensitive); \
         nothing was changed"
    )]
    BadPassphrase,
    /// The vault file is protected by a passphrase, and none was given.
    #[error(
        "This vault file is protected by a passphrase; import it with the passphrase it was \
         exported with. Nothing was changed"
    )]
    PassphraseRequired,
    /// The vault file is encrypted to public keys, and this install's key is not one of them.
    #[error(transparent)]
    NotForThisIdentity(#[from] NotForThisIdentityError),
    /// The file is not an age-encrypted Tokenkeeper vault at all.
    #[error(transparent)]
    NotAVaultFile(#[from] NotAVaultFileError),
    /// The vault file is truncated or was changed after it was written. Deliberately opaque: it
    /// never says which byte was wrong.
    #[error(
        "The vault file is damaged: it was cut short or changed after it was exported. Ask for \
         a fresh copy; nothing was changed"
    )]
    VaultFileDamaged,
    /// The vault file was written by a newer Tokenkeeper (or a newer age format).
    #[error(transparent)]
    UnsupportedVaultVersion(#[from] UnsupportedVersionError),
    /// The vault file decrypted, but its contents break the rules of docs/vault-format.md.
    #[error(transparent)]
    InvalidVaultFile(#[from] VaultFileError),
    /// The vault file carries no signature (every format version 1 file): nothing proves who
    /// made it, so it is refused.
    #[error(transparent)]
    UnsignedVaultFile(#[from] UnsignedError),
    /// The vault file's signature does not hold: changed after signing, or forged. `why` is
    /// which check failed, in words.
    #[error(
        "The vault file's signature does not hold ({why}): the file was changed after it was \
         signed, or was not made by the key it names. Do not trust it; ask the sender for a \
         fresh export. Nothing was changed"
    )]
    BadSignature { why: &'static str },
    /// The vault file is signed by a key that is not a team member's: it can be previewed, but
    /// applied only once the user trusts that key.
    #[error(
        "This vault file is signed by an unknown key {fingerprint}, which claims to be \
         {claimed_name}. Check that fingerprint with {claimed_name} (their `tok whoami` \
         shows it), then trust the key: `tok import FILE --trust-signer {fingerprint}`, or Trust \
         in the app's import preview. Nothing was changed"
    )]
    UntrustedSigner {
        fingerprint: String,
        claimed_name: String,
    },
    /// The import deletes tokens or replaces secrets here and the caller has not confirmed it.
    /// `names` are the tokens it would delete or overwrite.
    #[error(
        "This import would delete tokens here or replace secrets kept here ({}). Confirm \
         it (`tok import --yes`, or the Apply button that names them) to go ahead. Nothing \
         was changed",
        names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
    )]
    ConfirmationRequired { names: Vec<String> },
}

impl Error {
    /// A stable machine-readable name for the variant, used by the UI and `tok --json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::NotFound(_) => "not_found",
            Error::Duplicate(_) => "duplicate",
            Error::Conflict(_) => "conflict",
            Error::KeychainUnavailable(_) => "keychain_unavailable",
            Error::SecretMissing(_) => "secret_missing",
            Error::MalformedToken(_) => "malformed_token",
            Error::NotADatabase(_) => "not_a_database",
            Error::DatabaseTooNew { .. } => "database_too_new",
            Error::Storage(_) => "storage",
            Error::BadPassphrase => "bad_passphrase",
            Error::PassphraseRequired => "passphrase_required",
            Error::NotForThisIdentity(_) => "not_for_this_identity",
            Error::NotAVaultFile(_) => "not_a_vault_file",
            Error::VaultFileDamaged => "vault_file_damaged",
            Error::UnsupportedVaultVersion(_) => "unsupported_vault_version",
            Error::InvalidVaultFile(_) => "invalid_vault_file",
            Error::UnsignedVaultFile(_) => "unsigned_vault_file",
            Error::BadSignature { .. } => "bad_signature",
            Error::UntrustedSigner { .. } => "untrusted_signer",
            Error::ConfirmationRequired { .. } => "confirmation_required",
        }
    }

    /// The error as it crosses IPC or `--json`: `{ "kind": "...", "message": "..." }`.
    pub fn to_wire(&self) -> WireError {
        WireError {
            kind: self.kind(),
            message: self.to_string(),
        }
    }

    /// SQLite failed while doing `context` ("could not open /path/db.sqlite").
    pub(crate) fn sql(context: impl Into<String>, source: rusqlite::Error) -> Self {
        StorageError::Sql {
            context: context.into(),
            source,
        }
        .into()
    }

    /// The file system failed while doing `context` ("could not create /path").
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StorageError::Io {
            context: context.into(),
            source,
        }
        .into()
    }
}

/// The serialized shape of an [`Error`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WireError {
    pub kind: &'static str,
    pub message: String,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_wire().serialize(s)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::sql("database error", err)
    }
}

// ----- invalid_input -----

/// Which secret a refused value was meant to be: a key pasted in, or a token presented for
/// verification. Only the wording differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRole {
    /// A key from another service, pasted in (add, rotate).
    Key,
    /// A token presented to `verify`.
    Presented,
}

impl SecretRole {
    fn subject(self) -> &'static str {
        match self {
            SecretRole::Key => "The key",
            SecretRole::Presented => "The presented token",
        }
    }

    fn give_it(self) -> &'static str {
        match self {
            SecretRole::Key => "paste the key the service gave you",
            SecretRole::Presented => "pass the token to verify on stdin",
        }
    }
}

/// What is wrong with a service's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaseUrlProblem {
    TooLong,
    /// Holds this space or control character.
    Unsafe(char),
    /// Is not a URL; `quoted` is the value as a message may quote it.
    NotAUrl {
        quoted: String,
    },
    NotHttp,
    NoHost,
    HasCredentials,
}

impl std::fmt::Display for BaseUrlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseUrlProblem::TooLong => write!(
                f,
                "is longer than {} characters",
                crate::validate::MAX_BASE_URL_CHARS
            ),
            BaseUrlProblem::Unsafe(c) => {
                write!(
                    f,
                    "contains a space or control character ({})",
                    code_point(*c)
                )
            }
            BaseUrlProblem::NotAUrl { quoted } => write!(f, "{quoted} is not a URL"),
            BaseUrlProblem::NotHttp => f.write_str("must start with http:// or https://"),
            BaseUrlProblem::NoHost => f.write_str("has no host name"),
            BaseUrlProblem::HasCredentials => {
                f.write_str("must not carry a user name or password (keep secrets in tokens)")
            }
        }
    }
}

/// What is wrong with a pasted member key. The key itself is never kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberKeyProblem {
    Empty,
    AgeSecretKey,
    AgePublicKeyOnly,
    NotAMemberKey,
    Whitespace,
    NotTwoParts,
    DamagedAgePart,
    DamagedSigningPart,
}

impl std::fmt::Display for MemberKeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MemberKeyProblem::Empty => "The member key is empty",
            MemberKeyProblem::AgeSecretKey => {
                "This is an age secret key, not a member key: keep it private, and never paste \
                 it anywhere"
            }
            MemberKeyProblem::AgePublicKeyOnly => {
                "This is only an age public key; team members are added with their member key, \
                 which also holds the key their files are signed with"
            }
            MemberKeyProblem::NotAMemberKey => "This is not a member key",
            MemberKeyProblem::Whitespace => {
                "The member key has a space or line break inside; copy it again as one line"
            }
            MemberKeyProblem::NotTwoParts => {
                "The member key does not have its two parts (age1... and tksign1...)"
            }
            MemberKeyProblem::DamagedAgePart => {
                "The age part of the member key is damaged (a character is wrong or missing)"
            }
            MemberKeyProblem::DamagedSigningPart => {
                "The signing part of the member key is damaged (a character is wrong or missing)"
            }
        })
    }
}

/// How a header template is told to look.
const HEADER_EXAMPLE: &str = "write it as 'Header-Name: ... {token}', for example \
                              'Authorization: Bearer {token}' or 'xc-token: {token}'";

/// `U+001B`: how a refused character is named in messages.
pub(crate) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Why a value given to the core was refused ([`Error::InvalidInput`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A date outside 1970-01-01 through 9999-12-31. `field` is "Expiry", "Created", ...
    #[error(
        "{field} {} is {}; Tokenkeeper keeps dates from 1970-01-01 through 9999-12-31. \
         Choose a date in that range{}",
        date.format("%Y-%m-%d"),
        if *date > crate::validate::latest_date() { "after 9999-12-31" } else { "before 1970-01-01" },
        if *field == "Expiry" { ", or no expiry (never)" } else { "" }
    )]
    DateOutOfRange {
        field: &'static str,
        date: DateTime<Utc>,
    },
    /// An expiry of a number of days that runs past 9999-12-31. `quoted` is the value as given.
    #[error("Expiry {quoted} is too many days: the latest expiry is 9999-12-31")]
    ExpiryTooManyDays { quoted: String },
    /// An expiry date whose end of day does not exist in the local time zone.
    #[error("Expiry {quoted} has no end of day in the local time zone")]
    ExpiryNoEndOfDay { quoted: String },
    /// An expiry in none of the forms read (30d, a date, RFC 3339, never).
    #[error(
        "{quoted} is not an expiry; use a number of days like 30d, a date like 2027-01-31 \
         (end of that day, local time), an RFC 3339 time like 2027-01-31T12:00:00Z, or never (dates run up to 9999-12-31)"
    )]
    NotAnExpiry { quoted: String },
    /// An expiry that is not in the future.
    #[error(
        "Expiry {} is in the past; choose a future date, or no expiry",
        at.format("%Y-%m-%d %H:%M UTC")
    )]
    ExpiryInPast { at: DateTime<Utc> },
    /// A name (`what`: "Name", "Service name", ...) that is empty.
    #[error("{what} is required: give 1 to {max} characters of plain text")]
    Required { what: &'static str, max: usize },
    /// A name or description of `len` characters, more than `max`.
    #[error("{what} is too long ({len} characters); use at most {max}")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    /// A name holding a control, bidi or zero-width character.
    #[error(
        "{what} contains a control, bidi or zero-width character ({}), such as a tab, \
         newline or terminal escape; use plain text",
        code_point(*c)
    )]
    UnsafeChar { what: &'static str, c: char },
    /// A description holding a control character other than a line break.
    #[error(
        "Description contains a control, bidi or zero-width character ({}); only line \
         breaks are allowed. Remove it",
        code_point(*c)
    )]
    UnsafeDescription { c: char },
    /// A team member's name that breaks the rules of token names.
    #[error("A member name follows the rules of token names: {0}")]
    MemberName(Box<InputError>),
    /// A scope that is empty.
    #[error("A scope is empty; remove it or name it (for example read, write or billing:read)")]
    EmptyScope,
    /// A scope that is too long or has other characters than letters, digits and `:._-`.
    #[error(
        "Scope {quoted} is not valid; use up to {max} letters, digits and : . _ - \
         (for example billing:read)"
    )]
    BadScope { quoted: String, max: usize },
    /// More than `max` distinct scopes.
    #[error("Too many scopes (more than {max}); a token may have at most {max}")]
    TooManyScopes { max: usize },
    /// An empty key or presented token.
    #[error("{} is empty; {}", role.subject(), role.give_it())]
    EmptySecret { role: SecretRole },
    /// A key or presented token longer than the longest accepted.
    #[error(
        "{} is longer than {MAX_SECRET_BYTES} bytes; check that you pasted only the key",
        role.subject()
    )]
    SecretTooLong { role: SecretRole },
    /// A key or presented token with whitespace or a control character inside.
    #[error(
        "{} contains whitespace or a control character; paste only the key itself",
        role.subject()
    )]
    SecretNotPlain { role: SecretRole },
    /// A header template longer than allowed.
    #[error("Header template is too long; use at most {MAX_HEADER_CHARS} characters")]
    HeaderTooLong,
    /// A header template without `:`.
    #[error("Header template {quoted} has no ':' after the header name; {HEADER_EXAMPLE}")]
    HeaderNoColon { quoted: String },
    /// A header template whose name is not an HTTP header name.
    #[error(
        "Header name in {quoted} is not an HTTP header name (letters, digits and \
         !#$%&'*+-.^_`|~, no spaces); {HEADER_EXAMPLE}"
    )]
    HeaderBadName { quoted: String },
    /// A header value with a character HTTP does not allow.
    #[error(
        "Header value may hold only visible ASCII characters, spaces and tabs, and it has {}; \
         {HEADER_EXAMPLE}",
        code_point(*c)
    )]
    HeaderBadValue { c: char },
    /// A header template without `{token}`.
    #[error("Header template {quoted} has no {{token}} where the token goes; {HEADER_EXAMPLE}")]
    HeaderNoToken { quoted: String },
    /// A base URL that is not an http(s) URL with a host.
    #[error("Base URL {0}; write it like https://api.example.com")]
    BaseUrl(BaseUrlProblem),
    /// A text that is not one of the values of `what` ("status", "origin", ...).
    #[error("'{given}' is not a valid {what}; use one of: {}", options.join(", "))]
    NotOneOf {
        given: String,
        what: String,
        options: &'static [&'static str],
    },
    /// A grace period that is not one of now, 1h, 24h, 7d.
    #[error("'{given}' is not a grace period; use now, 1h, 24h or 7d")]
    NotAGrace { given: String },
    /// An import file larger than the importers read.
    #[error(
        "{} is larger than {max_mib} MiB, more than an export of keys holds; check the path",
        path.display()
    )]
    ImportFileTooBig { path: PathBuf, max_mib: u64 },
    /// An import file that does not read as the format it was given as (`why` never quotes a
    /// value).
    #[error("{}, line {line}: {why}", path.display())]
    ImportFile {
        path: PathBuf,
        line: usize,
        why: String,
    },
    /// A CSV column mapping names a column the file does not have.
    #[error(
        "{} has no column {column}; its columns are {columns}. Map to one of them \
         (--map name=Title,secret=Password)",
        path.display()
    )]
    NoSuchColumn {
        path: PathBuf,
        column: String,
        columns: String,
    },
    /// A CSV column mapping that does not read.
    #[error(
        "The column mapping does not read: {why}. Write it like \
         name=Title,secret=Password,service=URL (description= is optional too)"
    )]
    BadColumnMap { why: String },
    /// An import source with more rows than one import takes.
    #[error("The file holds {rows} keys; one import takes at most {max}. Split it")]
    TooManyImportRows { rows: usize, max: usize },
    /// An import with rows that cannot be imported (`rows`: "line N: why" each). Nothing was
    /// stored.
    #[error(
        "{} row(s) of {source_label} cannot be imported, so nothing was imported: {}. Fix \
         those lines (or remove them) and import again",
        rows.len(),
        rows.join("; ")
    )]
    ImportRowsRefused {
        source_label: &'static str,
        rows: Vec<String>,
    },
    /// A dotenv file that does not read (see `crate::dotenv`); `problem` names the line.
    #[error("{}: {problem}", path.display())]
    Dotenv {
        path: PathBuf,
        problem: crate::dotenv::DotenvError,
    },
    /// A file that could not be read.
    #[error(
        "{} could not be read: {source}. Check the path and that you may read the file",
        path.display()
    )]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A path that names a directory, a FIFO or a device, not a regular file.
    #[error(
        "{} is not a regular file (it is a folder, a pipe or a device); name the file itself",
        path.display()
    )]
    NotAFile { path: PathBuf },
    /// A path without a file name to write to.
    #[error("'{}' is not a file name", path.display())]
    NotAFileName { path: PathBuf },
    /// A `tok://` reference that cannot be read. `quoted` is the reference as a message may
    /// quote it, `at` where it was found ("line 3 of config.tmpl", "--env TOKEN").
    #[error(
        "{quoted} at {at} is not a usable reference: {why}. A reference is tok://NAME or \
         tok://ID of a kept key (`tok list` shows them); nothing was run or written"
    )]
    BadReference {
        quoted: String,
        at: String,
        why: &'static str,
    },
    /// A template or dotenv file that cannot be used as a whole (too big, not UTF-8, too many
    /// references).
    #[error("{} {why}; nothing was run or written", path.display())]
    BadReferenceFile { path: PathBuf, why: String },
    /// `tok inject` asked to write its output over its own template.
    #[error(
        "the output {} is the template itself; writing the secrets over it would lose the \
         template. Choose another output file",
        path.display()
    )]
    OutputIsTemplate { path: PathBuf },
    /// The platform has no app-data directory and TOKENKEEPER_HOME is not set.
    #[error(
        "Could not find this platform's app-data directory; set TOKENKEEPER_HOME to the \
         directory Tokenkeeper should use"
    )]
    NoDataDir,
    /// A clipboard clear time outside 5-3600 s.
    #[error("Clipboard clear time {seconds} s is out of range; use 5 to 3600 seconds")]
    ClipboardSeconds { seconds: u32 },
    /// An expiry warning outside 1-365 days.
    #[error("Expiry warning of {days} days is out of range; use 1 to 365 days")]
    ExpiryWarningDays { days: u32 },
    /// An expiry reminder more than `max` days before expiry.
    #[error(
        "A reminder {days} days before expiry is out of range; use 0 (when it expires) to {max} \
         days before"
    )]
    ReminderDays { days: u32, max: u32 },
    /// More distinct reminder thresholds than allowed.
    #[error(
        "{count} reminders per token is too many; use at most {max} (for example 30, 7, 1, 0)"
    )]
    TooManyReminders { count: usize, max: usize },
    /// A stale-days setting (or `--unused-for`) outside 1 to 3650 days.
    #[error("Unused for {days} days is out of range; use 1 to 3650 days (for example 90)")]
    StaleDays { days: u32 },
    /// A number of days that does not read (`--unused-for abc`, a reminder list with a word in
    /// it). `quoted` is the value as given.
    #[error(
        "{quoted} is not a number of days; write a whole number like 90 or 90d{}",
        if *list { ", and separate reminders with commas, like 30, 7, 1, 0" } else { "" }
    )]
    NotDays { quoted: String, list: bool },
    /// A service limit of zero active tokens.
    #[error("A service must allow at least one active token; leave the limit empty for no limit")]
    ZeroMaxActive,
    /// A path given to the leak sweep that does not exist (or cannot be looked at).
    #[error(
        "{} does not exist or cannot be read ({why}); give existing files or folders to scan. \
         Nothing was scanned",
        path.display()
    )]
    ScanPathMissing { path: PathBuf, why: String },
    /// A path given to `scan --git` that is in no git repository.
    #[error(
        "{} is not in a git repository, so it has no history to scan: give the repository's \
         folder, or scan without --git. Nothing was scanned",
        path.display()
    )]
    NotAGitRepository { path: PathBuf },
    /// An expiry timeline outside 1-104 weeks.
    #[error("An expiry timeline of {weeks} weeks is out of range; use 1 to 104 weeks")]
    TimelineWeeks { weeks: u32 },
    /// A new value supplied to rotate a generated token.
    #[error(
        "'{name}' was generated by Tokenkeeper, which makes its new value itself; \
         rotate it without supplying a key"
    )]
    GeneratedTakesNoKey { name: String },
    /// No new value supplied to rotate a key from another service.
    #[error("'{name}' is a key from its service: reset it there, then paste the new value")]
    ImportedNeedsKey { name: String },
    /// A rotation to the value the token already has.
    #[error(
        "The new value is the same as the current one for '{name}'; paste the new key the \
         service issued"
    )]
    SameValue { name: String },
    /// Not an age public key (from a member key's parts).
    #[error("That is not an age public key (age1...)")]
    NotAnAgeRecipient,
    /// Not an Ed25519 public key (from a member key's parts).
    #[error("That is not a usable Ed25519 public key")]
    NotASigningKey,
    /// A member key that does not read.
    #[error(
        "{0}. A member key starts with {prefix} and is shown by `tok whoami` \
         (or Settings) on the member's own install; copy it whole",
        prefix = crate::member_key::MEMBER_KEY_PREFIX
    )]
    BadMemberKey(MemberKeyProblem),
    /// This install's own member key, added as a team member.
    #[error(
        "This is this install's own member key. You are always included: your own \
         files are trusted, and `tok export --team` always encrypts to you too"
    )]
    OwnMemberKey,
    /// A signer fingerprint that is not 32 hex digits.
    #[error(
        "A signer fingerprint is {digits} hex digits, e.g. \
         3f2a-9c01-77be-0d4e-12ab-c3d4-e5f6-0718 (as the import preview shows it); \
         check what you typed"
    )]
    BadFingerprint { digits: usize },
    /// An empty passphrase to export with.
    #[error("The passphrase is empty; choose one to protect the vault file")]
    EmptyPassphrase,
    /// Export to the team while it has no members.
    #[error(
        "There are no team members yet, so there is no team to export to. Add \
         them with `tok team add NAME MEMBER-KEY` (each member's `tok whoami` \
         shows their member key), or export --to their public keys"
    )]
    NoTeam,
    /// An age secret key given where a public key belongs. Never repeated.
    #[error(
        "That is an age secret key (your private identity), not a public key: keep it \
         to yourself, and if it was shared, make a new one. Give public keys only; a public key \
         starts with age1 (each person's `tok whoami` shows theirs)"
    )]
    SecretKeyAsRecipient,
    /// A recipient that is not an age public key.
    #[error(
        "{quoted} is not an age public key; a public key starts with age1 (each person's \
         `tok whoami` shows theirs)"
    )]
    NotARecipient { quoted: String },
    /// An export to public keys with none given.
    #[error("No recipients: give at least one public key (age1...), or export to a passphrase")]
    NoRecipients,
    /// age refused the recipients.
    #[error("could not encrypt to these recipients: {source}")]
    CannotEncrypt {
        #[source]
        source: age::EncryptError,
    },
    /// An identity that is not an age X25519 secret key. Never repeated.
    #[error(
        "The identity is not an age X25519 secret key (AGE-SECRET-KEY-1...); check the \
         identity file"
    )]
    NotAnIdentity,
    /// An import preview applied to another vault than it was made for.
    #[error("This import preview was made for another vault; preview the file again here")]
    PreviewForAnotherVault,
    /// Taking theirs for a token that is not in conflict.
    #[error("'{name}' is not in conflict; there is nothing to choose")]
    NotInConflict { name: String },
}

// ----- not_found -----

/// What could not be found ([`Error::NotFound`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotFoundError {
    /// No token has this name or id; `quoted` is what was asked for, as a message may quote it.
    #[error("No token is named {quoted} and none has that id; check the name in the token list")]
    Token { quoted: String },
    /// A `tok://` reference that names no token; `quoted` is the reference as a message may
    /// quote it, `at` where it was found.
    #[error(
        "{quoted} at {at} names no token (by name or id); `tok list` shows the names. Nothing \
         was run or written"
    )]
    Reference { quoted: String, at: String },
    /// No template or dotenv file at this path.
    #[error("There is no file {}; check the path. Nothing was run or written", path.display())]
    ReferenceFile { path: PathBuf },
    /// No team member has this name.
    #[error("There is no team member named '{name}'; `tok team list` shows them")]
    Member { name: String },
    /// The import preview has no token with this id.
    #[error("The vault file has no token with id {id}; check the preview")]
    ImportRow { id: String },
    /// No file at this path.
    #[error("There is no file {}; check the path of the vault file", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

// ----- duplicate -----

/// What is already held by someone else ([`Error::Duplicate`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DuplicateError {
    /// Another token has this name (compared without case); `other` is its name.
    #[error(
        "A token named '{other}' already exists (names are compared without case); choose another name"
    )]
    TokenName { other: String },
    /// Another token holds this secret; `other` is its name.
    #[error("This key is already stored as '{other}'; use that token instead of adding it twice")]
    Secret { other: String },
    /// A team member has this name already.
    #[error(
        "There is already a team member named '{other}'; choose another name, or remove \
         them first (`tok team remove`)"
    )]
    MemberName { other: String },
    /// This member key is in the team already, under `other`.
    #[error("This member key is already in the team as '{other}'")]
    MemberKey { other: String },
}

// ----- conflict -----

/// Why the operation does not fit the current state ([`Error::Conflict`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConflictError {
    /// A `.env` rewrite asked for while some of its keys are not kept (`lines`).
    #[error(
        "The .env file was not rewritten: the keys on line(s) {} are not kept. Import them \
         first; the file was not changed",
        lines.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    RewriteWithoutKeys { lines: Vec<usize> },
    /// A file that changed between reading it and rewriting it.
    #[error(
        "{} changed while it was being imported, so it was not rewritten (its keys are kept). \
         Run the import with --rewrite again to rewrite it as it is now",
        path.display()
    )]
    ChangedSinceRead { path: PathBuf },
    /// Revealing a token only the fingerprint of which was kept.
    #[error(
        "'{name}' is hash-only: Tokenkeeper kept only its SHA-256 fingerprint, so the token \
         cannot be shown again. Rotate it to issue a new value"
    )]
    HashOnly { name: String },
    /// Using or changing a deleted token.
    #[error(
        "'{name}' was deleted, and deleted tokens cannot be used or changed; add or generate a new one"
    )]
    Deleted { name: String },
    /// A `tok://` reference to a token whose value cannot be handed out: hash-only, deleted or
    /// disabled (`why` says which and what to do).
    #[error("tok://{name} at {at} {why}; nothing was run or written")]
    ReferenceUnusable {
        name: String,
        at: String,
        why: &'static str,
    },
    /// A service already has its most active tokens (`active` names them).
    #[error(
        "{service} allows only {max} active token{} and '{}' is active; disable or delete it first",
        if *max == 1 { "" } else { "s" },
        active.join("', '")
    )]
    ServiceLimit {
        service: String,
        max: u32,
        active: Vec<String>,
    },
    /// A token whose stored expiry an older version wrote out of range: saving would turn it
    /// into "never". `name` is terminal-escaped.
    #[error(
        "'{name}' has a stored expiry Tokenkeeper cannot read (a date after 9999-12-31 or not a date); \
         set it first with `tok edit {id} --expires DATE` (or --expires never), or in the token's \
         Edit dialog, or delete the token"
    )]
    UnreadableExpiry { name: String, id: String },
    /// Taking theirs for a token that clashes with another one here.
    #[error(
        "'{name}' clashes with another token here ({reason}); theirs cannot simply be taken. \
         Rename or delete one of them, then preview the import again"
    )]
    CannotTakeTheirs { name: String, reason: String },
    /// The tokens here changed between the import preview and Apply.
    #[error(
        "The tokens here changed since the import was previewed; preview it again and \
         check the new plan. Nothing was changed"
    )]
    StalePreview,
}

// ----- keychain_unavailable -----

/// What a keychain error says: for `PlatformFailure` and `NoStorageAccess`, the platform's own
/// error, as the messages always quoted it.
fn keyring_cause(e: &keyring::Error) -> &dyn std::fmt::Display {
    match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => inner,
        other => other,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// Why the keychain could not be used ([`Error::KeychainUnavailable`]). Never built from
/// keyring's `BadEncoding`, which holds the unreadable secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// The keychain could not be reached (keyring's `PlatformFailure`).
    #[error(
        "the OS keychain ({}) could not be reached: {}. {}. Nothing was stored",
        backend_name(),
        keyring_cause(source),
        start_hint()
    )]
    Unreachable {
        #[source]
        source: keyring::Error,
    },
    /// The keychain is locked or refused access (keyring's `NoStorageAccess`).
    #[error(
        "the OS keychain ({}) answered but is locked or refused access: {}. Unlock your \
         login keyring, or {}. Nothing was stored",
        backend_name(),
        keyring_cause(source),
        lowercase_first(start_hint())
    )]
    Locked {
        #[source]
        source: keyring::Error,
    },
    /// The keychain refused the request for another reason.
    #[error(
        "the OS keychain ({}) refused the request: {source}. {}",
        backend_name(),
        start_hint()
    )]
    Refused {
        #[source]
        source: keyring::Error,
    },
    /// A secret store that is not the OS keychain (`store` names it) is switched off, as tests
    /// do to exercise rollbacks.
    #[error("{store} is switched off; nothing was stored")]
    SwitchedOff { store: &'static str },
}

// ----- secret_missing -----

/// A secret the keychain should hold but does not ([`Error::SecretMissing`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretMissingError {
    /// The keychain has no secret for this token that matches its recorded fingerprint.
    #[error(
        "The keychain ({backend}) has no secret for '{name}' matching what Tokenkeeper recorded. \
         If you still have the key, rotate the token and paste it; otherwise delete the token"
    )]
    NoMatchingSecret { backend: &'static str, name: String },
    /// The keychain holds a value that is not text (keyring's `BadEncoding`; the bytes are
    /// dropped).
    #[error(
        "the keychain holds a value for this token that is not valid text; \
         rotate the token to store a fresh secret"
    )]
    NotText,
    /// The fingerprint key entry does not hold 64 hex digits. `service` is the keychain service.
    #[error(
        "The keychain entry '{account}' of this install does not hold a \
         valid fingerprint key (64 hex digits), so the keys you added cannot be matched. \
         Restore the entry, or remove it with `secret-tool clear service {service} username \
         {account}` and add those keys again",
        account = crate::vault_file::FINGERPRINT_KEY_ACCOUNT
    )]
    BadFingerprintKey { service: String },
    /// The signing key entry does not hold a signing key.
    #[error(
        "The keychain entry '{account}' of this install does not hold a valid \
         signing key. Remove it with `secret-tool clear service {service} username \
         {account}` to make a new one (team mates must then trust the new key)",
        account = crate::team::SIGNING_ACCOUNT
    )]
    BadSigningKey { service: String },
    /// The identity entry does not hold an age identity.
    #[error(
        "The keychain entry '{account}' of this install does not hold a valid \
         age identity. Remove it with `secret-tool clear service {service} username \
         {account}` to make a new one (files encrypted to the old key will \
         no longer open)",
        account = crate::vault_file::IDENTITY_ACCOUNT
    )]
    BadIdentity { service: String },
}

// ----- not_a_database -----

/// A database file that is not Tokenkeeper's ([`Error::NotADatabase`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotADatabaseError {
    /// Not SQLite at all.
    #[error(
        "{} is not a Tokenkeeper database (it is not SQLite at all). Move it away or point \
         TOKENKEEPER_HOME at another directory; the file was not changed",
        path.display()
    )]
    NotSqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// An SQLite database with tables but no Tokenkeeper schema version.
    #[error(
        "{} is an SQLite database, but not a Tokenkeeper one. Move it away or point \
         TOKENKEEPER_HOME at another directory; the file was not changed",
        path.display()
    )]
    Foreign { path: PathBuf },
}

// ----- storage -----

/// SQLite, the file system or the OS failed underneath ([`Error::Storage`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// SQLite failed while doing `context`.
    #[error(
        "{context}: {source}. Check that the data directory is writable and has free space, then try again"
    )]
    Sql {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The file system failed while doing `context`.
    #[error(
        "{context}: {source}. Check that the data directory is writable and has free space, then try again"
    )]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Writing our own JSON failed while doing `context`.
    #[error(
        "{context}: {source}. Check that the data directory is writable and has free space, then try again"
    )]
    Json {
        context: String,
        #[source]
        source: serde_json::Error,
    },
    /// The `git` command could not be run, or failed, while scanning a repository's history.
    #[error(
        "{context}: {detail}. Check that git is installed and on PATH and that `git log --all` \
         works in that repository, then try again"
    )]
    Git { context: String, detail: String },
    /// The OS random generator failed while making the fingerprint key.
    #[error("the operating system's random generator failed ({source}); try again")]
    RandomForFingerprintKey {
        #[source]
        source: rand::rand_core::OsError,
    },
    /// The OS random generator failed while making the signing key.
    #[error("the OS random number generator failed: {source}")]
    RandomForSigningKey {
        #[source]
        source: rand::rand_core::OsError,
    },
    /// Another process has held the write lock on `dir` for `seconds`.
    #[error(
        "another Tokenkeeper process has been writing to {} for over {seconds} s \
         (perhaps waiting on a keychain prompt); finish or close it and try again",
        dir.display()
    )]
    Busy { dir: PathBuf, seconds: u64 },
    /// The data directory belongs to another user.
    #[error(
        "{} belongs to another user (uid {owner}, while Tokenkeeper runs as uid {me}), so \
         others could read or replace what is kept there. Point TOKENKEEPER_HOME at a \
         directory of your own, or have its owner hand it over (chown); nothing was changed",
        dir.display()
    )]
    NotOurs { dir: PathBuf, owner: u32, me: u32 },
    /// A stored team member's key (`part`: "age" or "signing") does not read.
    #[error(
        "The stored member '{name}' has a damaged {part} key; remove them (`tok team remove`) \
         and add them again"
    )]
    DamagedMemberKey { name: String, part: &'static str },
}

// ----- vault files -----

/// Why this install cannot open a vault file encrypted to public keys
/// ([`Error::NotForThisIdentity`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotForThisIdentityError {
    /// A passphrase was given for a file encrypted to public keys.
    #[error(
        "This vault file is encrypted to public keys, not to a passphrase. Import it \
         without a passphrase on an install whose public key (`tok whoami`) it was \
         exported to. Nothing was changed"
    )]
    NotAPassphraseFile,
    /// This install has no identity yet.
    #[error(
        "This vault file is encrypted to public keys, and this install \
         has no identity yet, so it cannot be one of them. Send your \
         public key (`tok whoami`) to the sender and ask for a new \
         export. Nothing was changed"
    )]
    NoIdentity,
    /// The file was encrypted to other keys than `whose` ("this install's key (age1...)").
    #[error(
        "This vault file was encrypted to other public keys, not to {whose}. \
         Ask the sender to export it to your public key (`tok whoami`). \
         Nothing was changed"
    )]
    OtherKeys { whose: String },
}

/// Why a file is not a Tokenkeeper vault file ([`Error::NotAVaultFile`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotAVaultFileError {
    #[error(
        "The file is empty, so it is not a vault file. Check that you picked the .tkvault \
         file; nothing was changed"
    )]
    Empty,
    #[error(
        "This is not a Tokenkeeper vault file (it is not an age-encrypted file). Check that \
         you picked the .tkvault file; nothing was changed"
    )]
    NotAge,
    #[error(
        "The file decrypted, but it holds no Tokenkeeper vault (its contents are not a JSON \
         object). It was probably encrypted with age by another program; nothing was changed"
    )]
    NotJson,
    /// Its `"format"` is not `format`.
    #[error(
        "The file decrypted, but it holds no Tokenkeeper vault (its \"format\" is not \
         \"{format}\"). It was probably made by another program; nothing was changed"
    )]
    OtherFormat { format: &'static str },
}

/// A vault file from a newer Tokenkeeper ([`Error::UnsupportedVaultVersion`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnsupportedVersionError {
    /// A newer age format than this build reads.
    #[error(
        "This file uses a newer version of the age encryption format than this \
         Tokenkeeper reads. Upgrade Tokenkeeper to import it; nothing was changed"
    )]
    Age,
    /// Format `version`, while this build reads only `reads`.
    #[error(
        "This vault file uses format version {version}, and this Tokenkeeper reads only version \
         {reads}. Upgrade Tokenkeeper to import it; nothing was changed"
    )]
    Format { version: u64, reads: u32 },
}

/// How a decrypted vault file breaks docs/vault-format.md ([`Error::InvalidVaultFile`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultFileError {
    /// Larger than any vault file may be (`mib` of at most `max_mib`).
    #[error(
        "{} is {mib} MiB, larger than any vault file may be ({max_mib} MiB); it is not a Tokenkeeper \
         vault file. Nothing was changed",
        path.display()
    )]
    TooBig {
        path: PathBuf,
        mib: u64,
        max_mib: u64,
    },
    /// Decrypts to more than `max_mb` MB.
    #[error(
        "The vault file holds more than {max_mb} MB, more than any vault Tokenkeeper writes; \
         nothing was changed"
    )]
    PayloadTooBig { max_mb: u64 },
    /// Scrypt asks for `2^required` work, more than `2^allowed`.
    #[error(
        "This vault file's passphrase protection asks for more work (scrypt 2^{required}) \
         than Tokenkeeper allows (2^{allowed}, about 1 GiB of memory). Ask for a \
         file exported with Tokenkeeper or a standard age tool; nothing was changed"
    )]
    ExcessiveWork { required: u8, allowed: u8 },
    /// A payload rule is broken; `why` says which, naming no value from the file.
    #[error(
        "This vault file breaks the format's rules (docs/vault-format.md): {why}. It was not \
         made by Tokenkeeper as written, or was edited by hand; nothing was changed"
    )]
    Payload { why: String },
    /// The signed container's `"version"` is not the number `version`.
    #[error(
        "The vault file breaks the format: \"version\" must be the number {version}. Ask the \
         sender for a fresh export; nothing was changed"
    )]
    ContainerVersion { version: u32 },
    /// The signed container does not parse; `why` is serde's message without values.
    #[error(
        "The vault file breaks the format: its signed container does not follow it ({why}). \
         Ask the sender for a fresh export; nothing was changed"
    )]
    Container { why: String },
    /// The signed payload is not base64.
    #[error(
        "The vault file breaks the format: its payload is not base64. Ask the sender for a \
         fresh export; nothing was changed"
    )]
    PayloadNotBase64,
    /// The signer's name is not a display name.
    #[error(
        "The vault file breaks the format: its signer's name is not 1 to 100 characters \
         of plain text. Ask the sender for a fresh export; nothing was changed"
    )]
    SignerName,
}

/// Why nothing proves who made a vault file ([`Error::UnsignedVaultFile`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnsignedError {
    /// Format version 1, which had no signatures.
    #[error(
        "This vault file is format version 1, made by an older Tokenkeeper, and is not \
         signed, so nothing proves who made it. Ask the sender to update Tokenkeeper and \
         export again (`tok export`, or Export in the app); every new export is signed. \
         Nothing was changed"
    )]
    Version1,
    /// A current version without its signature or payload.
    #[error(
        "This vault file carries no signature, so nothing proves who made it: it was not \
         written by Tokenkeeper's export, or was rebuilt by hand. Ask the sender to export \
         it again with Tokenkeeper. Nothing was changed"
    )]
    NoSignature,
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// Every error an error chain reaches from `err`, `err` first.
    fn chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
        let mut out = vec![err.to_string()];
        let mut next = err.source();
        while let Some(e) = next {
            out.push(e.to_string());
            next = e.source();
        }
        out
    }

    #[test]
    fn storage_errors_keep_what_failed_underneath_as_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let err = Error::io("could not create /data", io);
        assert_eq!(err.kind(), "storage");
        assert_eq!(
            err.to_string(),
            "could not create /data: permission denied. Check that the data directory is \
             writable and has free space, then try again"
        );
        let source = err.source().expect("the io error is the source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("the source is the io::Error itself, not a wrapper");
        assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(chain(&err).len(), 2, "{:?}", chain(&err));

        let sql: Error = rusqlite::Error::QueryReturnedNoRows.into();
        let source = sql.source().expect("the SQLite error is the source");
        assert!(matches!(
            source.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::QueryReturnedNoRows)
        ));
        assert!(sql.to_string().starts_with("database error: "), "{sql}");
    }

    #[test]
    fn keychain_errors_walk_down_to_the_platform_error() {
        let platform = std::io::Error::other("no D-Bus session");
        let err: Error = KeychainError::Unreachable {
            source: keyring::Error::PlatformFailure(Box::new(platform)),
        }
        .into();
        assert_eq!(err.kind(), "keychain_unavailable");
        // The message quotes the platform's words, as it always did, not keyring's wrapper.
        assert!(
            err.to_string().starts_with(&format!(
                "the OS keychain ({}) could not be reached: no D-Bus session. ",
                backend_name()
            )),
            "{err}"
        );
        let chain = chain(&err);
        assert_eq!(chain.len(), 3, "{chain:?}");
        assert!(
            chain[1].contains("Platform secure storage failure"),
            "{chain:?}"
        );
        assert_eq!(chain[2], "no D-Bus session");
    }

    #[test]
    fn refusals_without_a_cause_underneath_have_no_source() {
        let err: Error = InputError::EmptyScope.into();
        assert!(err.source().is_none());
        assert_eq!(err.kind(), "invalid_input");
        let err: Error = DuplicateError::TokenName {
            other: "ci deploy".into(),
        }
        .into();
        assert!(err.source().is_none());
        assert_eq!(
            err.to_wire(),
            WireError {
                kind: "duplicate",
                message: "A token named 'ci deploy' already exists (names are compared without \
                          case); choose another name"
                    .into()
            }
        );
    }

    #[test]
    fn a_member_name_error_wraps_the_name_rule_it_broke() {
        let err: Error = InputError::MemberName(Box::new(InputError::Required {
            what: "Name",
            max: 100,
        }))
        .into();
        assert_eq!(
            err.to_string(),
            "A member name follows the rules of token names: Name is required: give 1 to 100 \
             characters of plain text"
        );
    }

    #[test]
    fn presented_tokens_are_worded_as_such() {
        let key: Error = InputError::EmptySecret {
            role: SecretRole::Key,
        }
        .into();
        let presented: Error = InputError::EmptySecret {
            role: SecretRole::Presented,
        }
        .into();
        assert_eq!(
            key.to_string(),
            "The key is empty; paste the key the service gave you"
        );
        assert_eq!(
            presented.to_string(),
            "The presented token is empty; pass the token to verify on stdin"
        );
    }
}
