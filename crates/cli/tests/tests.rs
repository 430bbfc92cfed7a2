//! Integration tests of the real `tok` binary: each test gets a fresh `TOKENKEEPER_HOME` and talks
//! to the real OS keychain (Secret Service in CI), and secrets only ever reach `tok` on stdin.
//!
//! The submodules live in `suite/` because Cargo builds every `tests/*.rs` file as its own
//! test binary; this file is the only one.

// Shared fixture: run `tok`, read its JSON, ask `secret-tool` what the keychain holds.
#[path = "suite/util.rs"]
mod util;

// An imported key from `add` to `delete`; `show`, `edit` and `whoami`.
#[path = "suite/lifecycle.rs"]
mod lifecycle;
// Generated tokens: shown once, hash only by default, `--keep`, `check`, rotation with grace.
#[path = "suite/generated.rs"]
mod generated;
// Bad input: each refused with its exit code and message, leaving the list unchanged.
#[path = "suite/bad_input.rs"]
mod bad_input;
// The world misbehaving: no keychain, a data directory that is not ours.
#[path = "suite/broken_environment.rs"]
mod broken_environment;
// `tok run`: secrets into the child's environment, the child's exit code out.
#[path = "suite/run.rs"]
mod run;
