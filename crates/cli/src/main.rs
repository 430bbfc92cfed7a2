//! `tok`: parses the command line, opens the vault, runs one command, and turns any error into
//! an exit code and a message, here and nowhere else.

mod args;
mod commands;
mod output;
mod secret_input;
mod team;
mod vault_file;

use std::process::ExitCode;

use clap::Parser;
use tokenkeeper_core::{default_data_dir, Error, Vault};

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return refused_arguments(e),
    };
    let json = cli.json;
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => report(&err, json),
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    // `check` is offline: it must work without a data directory or a keychain.
    if let Command::Check = cli.command {
        return commands::check(json);
    }
    let mut vault = Vault::open(&default_data_dir()?)?;
    match cli.command {
        Command::List(a) => commands::list(&vault, a, json),
        Command::Show { which } => commands::show(&vault, &which, json),
        Command::Generate(a) => commands::generate(&mut vault, a, json),
        Command::Add(a) => commands::add(&mut vault, a, json),
        Command::Get { which } => commands::get(&mut vault, &which, json),
        Command::Edit(a) => commands::edit(&mut vault, a, json),
        Command::Enable { which } => commands::set_enabled(&mut vault, &which, true, json),
        Command::Disable { which } => commands::set_enabled(&mut vault, &which, false, json),
        Command::Rotate { which, grace } => commands::rotate(&mut vault, &which, &grace, json),
        Command::Delete { which, yes } => commands::delete(&mut vault, &which, yes, json),
        Command::Verify => commands::verify(&mut vault),
        Command::Whoami => commands::whoami(&mut vault, json),
        Command::Export(a) => vault_file::export(&mut vault, a, json),
        Command::Import(a) => vault_file::import(&mut vault, a, json),
        Command::Team(c) => team::run(&mut vault, c, json),
        Command::Run(a) => commands::run(vault, a),
        Command::Check => unreachable!("handled before the vault is opened"),
    }
}

/// A flag value the core parses and refuses (an expiry) is reported as every core error is:
/// `tok: message` or `{kind, message}`, with its exit code, and never in clap's words, which would
/// repeat the value even when it looks like a secret. Any other parse error is clap's own.
fn refused_arguments(e: clap::Error) -> ExitCode {
    use std::error::Error as _;
    if !e.source().is_some_and(|s| s.is::<Error>()) {
        e.exit();
    }
    // The parse failed, so --json is found by hand: it takes no value, and `--` ends the flags.
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    report(&anyhow::Error::new(e), json)
}

/// The exit code for each kind of core error (the table in `tok --help` and docs/cli.md).
fn exit_code(kind: &str) -> u8 {
    match kind {
        "invalid_input" | "malformed_token" | "confirmation_required" => 2,
        "not_found" => 3,
        "duplicate" | "conflict" => 4,
        "keychain_unavailable" | "secret_missing" => 5,
        "bad_passphrase"
        | "passphrase_required"
        | "not_for_this_identity"
        | "not_a_vault_file"
        | "vault_file_damaged"
        | "unsupported_vault_version"
        | "invalid_vault_file"
        | "unsigned_vault_file"
        | "bad_signature"
        | "untrusted_signer" => 7,
        // not_a_database, database_too_new, storage, and anything newer.
        _ => 6,
    }
}

/// Prints the error on stderr (`tok: message`, or the core's `{kind, message}` with --json)
/// and returns its exit code. Core errors never carry secrets; neither do ours.
fn report(err: &anyhow::Error, json: bool) -> ExitCode {
    let (kind, message) = match err.chain().find_map(|e| e.downcast_ref::<Error>()) {
        Some(core) => (core.kind(), core.to_string()),
        None => ("storage", format!("{err:#}")),
    };
    if json {
        let wire = serde_json::json!({ "kind": kind, "message": message });
        eprintln!("{wire}");
    } else {
        // Messages may quote what a file or the user gave: made safe for the terminal.
        eprintln!("tok: {}", output::esc(&message));
    }
    ExitCode::from(exit_code(kind))
}
