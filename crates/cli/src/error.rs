//! `tok`'s one error type: the core's errors, and the few only a command line can meet (what is
//! typed, piped or run), each a variant with its fields. `main` picks the exit code by variant.

use std::path::PathBuf;

use tokenkeeper_core::Error;

/// Result of every command handler.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// Everything a `tok` command can fail with. Like the core's errors, none carries a secret:
/// what the user typed is kept only as [`tokenkeeper_core::quote_input`] made it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The core refused or failed; its kind passes through.
    #[error(transparent)]
    Core(#[from] Error),
    /// What was typed, piped or given on the command line is not usable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// `--trust-signer` names another key than the one that signed the file.
    #[error(
        "This vault file is signed by the key {fingerprint} (claiming to be {claimed_name}), not \
         by {wanted} given with --trust-signer. Check the fingerprint with the sender; nothing \
         was changed"
    )]
    SignerMismatch {
        fingerprint: String,
        claimed_name: String,
        wanted: String,
    },
    /// The import deletes or replaces `count` things here and no terminal can ask.
    #[error(
        "This import would delete or replace {count} thing{} here (listed in the preview) \
         and stdin is not a terminal: pass --yes to apply them. Nothing was changed",
        if *count == 1 { "" } else { "s" }
    )]
    NeedsYes { count: usize },
    /// The import preview could not be turned into JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// `tok remind` found no notification server on the session bus. Nothing was recorded.
    #[error(
        "No desktop notification server answered ({why}). tok remind needs a desktop session \
         with one (GNOME Shell, KDE Plasma, dunst, notification-daemon, ...): run it from your \
         session, or let `tok remind --install` run it there. Nothing was marked as sent; \
         `tok remind --dry-run` lists what is due"
    )]
    NoNotificationServer { why: String },
    /// The notification server refused a notification after `sent` went out; the rest stay due.
    #[error(
        "The notification server refused a notification ({why}) after {sent} went out; the \
         rest were not marked as sent and go out at the next tok remind"
    )]
    NotificationRefused { sent: usize, why: String },
    /// A unit file of the reminder timer could not be written or removed.
    #[error("could not write or remove {}: {source}", path.display())]
    UnitUnwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// The machine-readable kind `--json` prints: the core's names, for the core's kinds.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Core(e) => e.kind(),
            CliError::Input(_) => "invalid_input",
            CliError::SignerMismatch { .. } => "untrusted_signer",
            CliError::NeedsYes { .. } => "confirmation_required",
            CliError::Json(_) | CliError::UnitUnwritable { .. } => "storage",
            CliError::NoNotificationServer { .. } | CliError::NotificationRefused { .. } => {
                "notifications_unavailable"
            }
        }
    }

    /// The exit code (the table in `tok --help` and docs/cli.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Core(e) => core_exit_code(e),
            CliError::Input(_) | CliError::NeedsYes { .. } => 2,
            CliError::SignerMismatch { .. } => 7,
            CliError::Json(_) | CliError::UnitUnwritable { .. } => 6,
            CliError::NoNotificationServer { .. } | CliError::NotificationRefused { .. } => 8,
        }
    }
}

/// The exit code for each kind of core error.
pub(crate) fn core_exit_code(e: &Error) -> u8 {
    match e {
        Error::InvalidInput(_) | Error::MalformedToken(_) | Error::ConfirmationRequired { .. } => 2,
        Error::NotFound(_) => 3,
        Error::Duplicate(_) | Error::Conflict(_) => 4,
        Error::KeychainUnavailable(_) | Error::SecretMissing(_) => 5,
        Error::BadPassphrase
        | Error::PassphraseRequired
        | Error::NotForThisIdentity(_)
        | Error::NotAVaultFile(_)
        | Error::VaultFileDamaged
        | Error::UnsupportedVaultVersion(_)
        | Error::InvalidVaultFile(_)
        | Error::UnsignedVaultFile(_)
        | Error::BadSignature { .. }
        | Error::UntrustedSigner { .. } => 7,
        Error::NotADatabase(_) | Error::DatabaseTooNew { .. } | Error::Storage(_) => 6,
        // A kind a newer core adds counts as a storage failure until it has its own code.
        _ => 6,
    }
}

/// What is wrong with what the user typed, piped or gave on the command line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "nothing to change; pass --name, --description, --service, --no-service, --scope, \
         --clear-scopes or --expires"
    )]
    NothingToChange,
    /// Deleting without `--yes` when no terminal can ask. `quoted` is the token as given.
    #[error(
        "refusing to delete {quoted} without confirmation: stdin is not a terminal; \
         pass --yes to delete it"
    )]
    DeleteNeedsYes { quoted: String },
    #[error("no command given after `--`")]
    NoCommand,
    /// `tok import-from csv` without `--map`.
    #[error(
        "a CSV file needs --map to say which column holds what, e.g. \
         --map name=Title,secret=Password,service=URL"
    )]
    MapRequired,
    /// `--map` given for an export whose columns are known.
    #[error("--map is only for csv; the columns of a {format} export are known")]
    MapNotForFormat { format: &'static str },
    /// `tok man --out-dir` names something that is not an existing directory.
    #[error(
        "{} is not an existing directory; create it first (for example `mkdir -p DIR`) and run \
         tok man --out-dir again. Nothing was written",
        path.display()
    )]
    NotADirectory { path: PathBuf },
    #[error("could not write the man pages into {}: {source}", path.display())]
    ManPagesUnwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `tok remind --install` on a platform without systemd user timers.
    #[error(
        "tok remind --install sets up a systemd user timer, which this platform does not have; \
         docs/cli.md shows how to run tok remind daily with launchd (macOS) or the Task \
         Scheduler (Windows)"
    )]
    NoTimerHere,
    #[error("could not find the user's configuration directory; set XDG_CONFIG_HOME")]
    NoConfigDir,
    /// The timer needs tok's own absolute path, and the OS does not give it.
    #[error("could not find the path of this tok binary: {source}")]
    NoOwnPath {
        #[source]
        source: std::io::Error,
    },
    #[error("could not write to standard output: {source}")]
    StdoutUnwritable {
        #[source]
        source: std::io::Error,
    },
    #[error("could not start '{program}': {source}")]
    CannotStart {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("lost track of '{program}' while waiting for it to end: {source}")]
    CannotWait {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// An `--env` that is not `VAR=NAME`. `quoted` is the pair as given.
    #[error("--env {quoted} is not VAR=NAME; for example --env GITHUB_TOKEN=github-ci")]
    EnvNotAPair { quoted: String },
    #[error(
        "--env {quoted}: {var} is not an environment variable name (letters, digits and _, not starting with a digit)"
    )]
    EnvBadVariable { quoted: String, var: String },
    #[error("--env {quoted} names no token; use VAR=NAME")]
    EnvNoToken { quoted: String },
    #[error("the two passphrases differ; nothing was written. Run the export again")]
    PassphrasesDiffer,
    #[error(
        "the passphrase is empty; a vault file needs one (or use --to age1... to encrypt to \
         public keys). Nothing was written"
    )]
    EmptyPassphrase,
    #[error("could not read the passphrase: {source}")]
    PassphraseUnreadable {
        #[source]
        source: std::io::Error,
    },
    /// A passphrase is needed, and neither a terminal nor `--passphrase-stdin` gives it.
    #[error(
        "a passphrase is needed and stdin is not a terminal: pass --passphrase-stdin and pipe it \
         in (for example `tok {command} ... --passphrase-stdin < passfile`), or run it in a terminal"
    )]
    NoPassphraseSource { command: &'static str },
    #[error("could not read the identity file {}: {source}", path.display())]
    IdentityFileUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} holds no age identity (a line starting with AGE-SECRET-KEY-1)",
        path.display()
    )]
    NoIdentityInFile { path: PathBuf },
    /// Nothing came on stdin or at the prompt; `what_for` is "token", "key", ...
    #[error(
        "no {what_for} was given: pipe it on stdin (for example `printf %s \"$TOKEN\" | tok ...`) \
         or run the command in a terminal to type it at a hidden prompt"
    )]
    NoSecret { what_for: String },
    #[error("could not read the {what_for} from the terminal: {source}")]
    TerminalUnreadable {
        what_for: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not read the secret from stdin: {source}")]
    StdinUnreadable {
        #[source]
        source: std::io::Error,
    },
    #[error("could not read the answer: {source}")]
    AnswerUnreadable {
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tokenkeeper_core::{
        ConflictError, DuplicateError, Error, KeychainError, NotFoundError, SecretMissingError,
        StorageError, VaultFileError,
    };

    use super::*;

    /// One error of every kind the core has, and of each of tok's own: its `--json` kind and
    /// exit code are those of the table in `tok --help`.
    #[test]
    fn every_kind_of_error_gets_the_exit_code_of_the_table() {
        let cases: Vec<(CliError, &str, u8)> = vec![
            (
                Error::from(tokenkeeper_core::InputError::EmptyScope).into(),
                "invalid_input",
                2,
            ),
            (
                Error::ConfirmationRequired {
                    names: vec!["ci".into()],
                }
                .into(),
                "confirmation_required",
                2,
            ),
            (
                Error::from(NotFoundError::Member { name: "bo".into() }).into(),
                "not_found",
                3,
            ),
            (
                Error::from(DuplicateError::MemberKey { other: "bo".into() }).into(),
                "duplicate",
                4,
            ),
            (
                Error::from(ConflictError::StalePreview).into(),
                "conflict",
                4,
            ),
            (
                Error::from(KeychainError::SwitchedOff { store: "memory" }).into(),
                "keychain_unavailable",
                5,
            ),
            (
                Error::from(SecretMissingError::NotText).into(),
                "secret_missing",
                5,
            ),
            (
                Error::DatabaseTooNew {
                    path: PathBuf::from("db"),
                    version: 9,
                    known: 5,
                }
                .into(),
                "database_too_new",
                6,
            ),
            (
                Error::from(StorageError::Busy {
                    dir: PathBuf::from("d"),
                    seconds: 5,
                })
                .into(),
                "storage",
                6,
            ),
            (Error::BadPassphrase.into(), "bad_passphrase", 7),
            (Error::PassphraseRequired.into(), "passphrase_required", 7),
            (Error::VaultFileDamaged.into(), "vault_file_damaged", 7),
            (
                Error::from(VaultFileError::PayloadNotBase64).into(),
                "invalid_vault_file",
                7,
            ),
            (
                Error::BadSignature { why: "forged" }.into(),
                "bad_signature",
                7,
            ),
            (
                Error::UntrustedSigner {
                    fingerprint: "3f2a".into(),
                    claimed_name: "bo".into(),
                }
                .into(),
                "untrusted_signer",
                7,
            ),
            (InputError::NoCommand.into(), "invalid_input", 2),
            (
                CliError::NoNotificationServer {
                    why: "ServiceUnknown".into(),
                },
                "notifications_unavailable",
                8,
            ),
            (
                CliError::NotificationRefused {
                    sent: 1,
                    why: "busy".into(),
                },
                "notifications_unavailable",
                8,
            ),
            (CliError::NeedsYes { count: 2 }, "confirmation_required", 2),
            (
                CliError::SignerMismatch {
                    fingerprint: "3f2a".into(),
                    claimed_name: "bo".into(),
                    wanted: "0718".into(),
                },
                "untrusted_signer",
                7,
            ),
        ];
        for (err, kind, code) in cases {
            assert_eq!((err.kind(), err.exit_code()), (kind, code), "{err}");
        }
    }

    #[test]
    fn an_import_needing_yes_counts_what_it_would_change() {
        assert!(CliError::NeedsYes { count: 1 }
            .to_string()
            .starts_with("This import would delete or replace 1 thing here "));
        assert!(CliError::NeedsYes { count: 3 }
            .to_string()
            .starts_with("This import would delete or replace 3 things here "));
    }
}
