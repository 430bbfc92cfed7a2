//! Integration tests of the real `tok` binary: each test gets a fresh `TOKENKEEPER_HOME` and talks
//! to the real OS keychain (Secret Service in CI), and secrets only ever reach `tok` on stdin.
//!
//! One test binary (`autotests = false` in Cargo.toml); the submodules live beside this file.

// Shared fixture: run `tok`, read its JSON, ask `secret-tool` what the keychain holds.
mod util;
// Signs hostile vault files as an install would, so they meet the payload's rules (the core's
// test helper, shared).
#[path = "../../core/tests/signing.rs"]
mod signing;

// An imported key from `add` to `delete`; `show`, `edit` and `whoami`.
mod lifecycle;
// Generated tokens: shown once, hash only by default, `--keep`, `check`, rotation with grace.
mod generated;
// Bad input: each refused with its exit code and message, leaving the list unchanged.
mod bad_input;
// Bounded input at `tok`, a store with bad rows, terminal-safe output, shell-safe snippets,
// and no secret repeated in an error.
mod bounds;
// The world misbehaving: no keychain, a data directory that is not ours.
mod broken_environment;
// `tok run`: secrets into the child's environment, the child's exit code and signals out, its
// output masked.
mod run;
// `tok inject`: templates written 0600 with their secrets, all or nothing.
mod inject;
// `export` and `import` between two installs: passphrase via stdin, preview, merge, exit 7.
mod vault_file;
// `completions` and `man`: read back by the real bash, zsh and man.
mod docs;
// `calendar`: the expiries as iCalendar, read back by Python's icalendar.
mod calendar;
// `remind` against a real notification server (notification-daemon on a private session bus,
// watched by dbus-monitor): exact texts, once per threshold, no server, the stale-keys mention,
// `settings`, `list --unused-for`, and the systemd timer of `remind --install`.
mod remind;
// `import-env` (with --rewrite) and `import-from`: KeePassXC exports made by the real
// keepassxc-cli, keys already held, refusals by line that change nothing.
mod intake;
// `scan`: the leak sweep over a real project folder and a real git history.
mod scan;
// What a release carries: the workspace's version, the Linux packages' files, and the release
// workflow, read back by Python's YAML parser.
mod release;
