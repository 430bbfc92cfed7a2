//! Integration tests of tokenkeeper-core. Each submodule says what it covers.

mod util;
// Signs test vault files as an install would (shared with the CLI's tests).
mod signing;

// The token format against the committed test vectors (docs/token-format.md).
mod token_format;
// The token parser against arbitrary and near-miss input, compared with a reference model.
mod token_format_props;
// Every lifecycle operation, as a user sees it (in-memory secret store).
mod lifecycle;
// The dashboard's pages: every sort key and filter, ties, search, the text index kept in step.
mod paging;
// Bad input: a clear message and no change.
mod bad_input;
// Bounded input from every door (dates, caps, characters, services, files), bad stored rows,
// and no secret repeated in a message.
mod bounds;
// Keychain first, then SQLite; undo on failure; reconciliation after a crash.
mod consistency;
// Keychain faults mid-import and mid-rotation, undo failing too: nothing lost, nothing orphaned.
mod faults;
// The data directory and its files are private on every open; another user's is refused.
mod private_dir;
// Many writers on one data directory at once.
mod concurrency;
// No secret in the SQLite files, Debug output or errors (real keychain).
mod at_rest;
// The real OS keychain through Secret Service.
mod keychain;
// Keyed fingerprints of added keys: nothing to confirm a guess in a leaked database, the move of
// an old database, duplicates still found within and across installs.
mod keyed_fingerprints;
// The team vault file: export, preview, apply, conflicts, tombstones, committed vectors.
mod vault_file;
// Bad vault files on the real keychain: own messages, nothing changed, hundreds of mutations.
mod vault_file_bad_input;
// The standard `age` tool opens our files, `minisign` checks their signatures, and files age
// made import.
mod vault_interop;
// Members and signatures: the team, signed exports, unknown signers, forged and unsigned files.
mod trust;
// `tok://` references: all or nothing, each secret read once, uses recorded; inject.
mod references;
// The dotenv parser reads what python-dotenv reads (the real python3-dotenv).
mod dotenv_interop;
// Keys taken in from .env files, Bitwarden and CSV exports through one plan; the .env rewrite.
mod intake;
// The leak sweep: held keys found by fingerprint, no secret read, no false positives.
mod scan;
// Benchmark (ignored by default): export and import of 10,000 tokens, 1,000 with secrets.
mod vault_bench;
// Expiry reminders (each threshold once, the nearest of several, a new expiry starts again,
// never for disabled, deleted or never-expiring tokens, once across processes) and stale keys.
mod reminders;
