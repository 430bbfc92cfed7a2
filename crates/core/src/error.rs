//! The one error type of tokenkeeper-core: every failure names what was wrong and what to do.

use serde::Serialize;

/// Result type of every core operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core. No variant ever carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed a value the operation cannot accept (empty name, past expiry, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// No token, service or setting matched what the caller named.
    #[error("{0}")]
    NotFound(String),
    /// The name or the secret is already held by another token.
    #[error("{0}")]
    Duplicate(String),
    /// The operation is not possible in the token's current state
    /// (revealing a hash-only token, editing a deleted one, ...).
    #[error("{0}")]
    Conflict(String),
    /// The OS keychain could not be reached or refused access. Nothing was stored.
    #[error("{0}")]
    KeychainUnavailable(String),
    /// The keychain answered, but the secret for a token is not there.
    #[error("{0}")]
    SecretMissing(String),
    /// A presented token is not in Tokenkeeper's format (see docs/token-format.md).
    #[error("{0}")]
    MalformedToken(#[from] crate::token_format::TokenFormatError),
    /// The data directory holds a file that is not a Tokenkeeper database.
    #[error("{0}")]
    NotADatabase(String),
    /// The database was written by a newer Tokenkeeper.
    #[error("{0}")]
    DatabaseTooNew(String),
    /// SQLite or the file system failed underneath us.
    #[error("{0}")]
    Storage(String),
    /// The vault file is protected by a passphrase, and the one given does not open it.
    #[error(
        "The passphrase does not open this vault file. Check it and try again (it is case-sensitive); \
         nothing was changed"
    )]
    BadPassphrase,
    /// The vault file is protected by a passphrase, and none was given.
    #[error("{0}")]
    PassphraseRequired(String),
    /// The vault file is encrypted to public keys, and this install's key is not one of them.
    #[error("{0}")]
    NotForThisIdentity(String),
    /// The file is not an age-encrypted Tokenkeeper vault at all.
    #[error("{0}")]
    NotAVaultFile(String),
    /// The vault file is truncated or was changed after it was written. Deliberately opaque: it
    /// never says which byte was wrong.
    #[error(
        "The vault file is damaged: it was cut short or changed after it was exported. Ask for \
         a fresh copy; nothing was changed"
    )]
    VaultFileDamaged,
    /// The vault file was written by a newer Tokenkeeper (or a newer age format).
    #[error("{0}")]
    UnsupportedVaultVersion(String),
    /// The vault file decrypted, but its contents break the rules of docs/vault-format.md.
    #[error("{0}")]
    InvalidVaultFile(String),
    /// The vault file carries no signature (every format version 1 file): nothing proves who
    /// made it, so it is refused.
    #[error("{0}")]
    UnsignedVaultFile(String),
    /// The vault file's signature does not hold: changed after signing, or forged.
    #[error("{0}")]
    BadSignature(String),
    /// The vault file is signed by a key that is not a team member's: it can be previewed, but
    /// applied only once the user trusts that key.
    #[error("{0}")]
    UntrustedSigner(String),
    /// The operation deletes or replaces something here and the caller has not confirmed it.
    #[error("{0}")]
    ConfirmationRequired(String),
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
            Error::DatabaseTooNew(_) => "database_too_new",
            Error::Storage(_) => "storage",
            Error::BadPassphrase => "bad_passphrase",
            Error::PassphraseRequired(_) => "passphrase_required",
            Error::NotForThisIdentity(_) => "not_for_this_identity",
            Error::NotAVaultFile(_) => "not_a_vault_file",
            Error::VaultFileDamaged => "vault_file_damaged",
            Error::UnsupportedVaultVersion(_) => "unsupported_vault_version",
            Error::InvalidVaultFile(_) => "invalid_vault_file",
            Error::UnsignedVaultFile(_) => "unsigned_vault_file",
            Error::BadSignature(_) => "bad_signature",
            Error::UntrustedSigner(_) => "untrusted_signer",
            Error::ConfirmationRequired(_) => "confirmation_required",
        }
    }

    /// The error as it crosses IPC or `--json`: `{ "kind": "...", "message": "..." }`.
    pub fn to_wire(&self) -> WireError {
        WireError {
            kind: self.kind(),
            message: self.to_string(),
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub(crate) fn storage(context: &str, err: impl std::fmt::Display) -> Self {
        Error::Storage(format!(
            "{context}: {err}. Check that the data directory is writable and has free space, then try again"
        ))
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
        Error::storage("database error", err)
    }
}
