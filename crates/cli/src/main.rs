//! `tok`: parses the command line, opens the vault, runs one command, and turns any error into
//! an exit code and a message, here and nowhere else.

mod args;
mod commands;
mod error;
mod expiry;
mod output;
mod secret_input;
mod team;
mod vault_file;

use std::process::ExitCode;

use clap::Parser;
use tokenkeeper_core::{default_data_dir, Vault};

use crate::args::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => report(&err, json),
    }
}

fn dispatch(cli: Cli) -> error::Result<ExitCode> {
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

/// Prints the error on stderr (`tok: message`, or the core's `{kind, message}` with --json)
/// and returns its exit code, chosen by variant (`CliError::exit_code`). Core errors never carry
/// secrets; neither do ours.
fn report(err: &CliError, json: bool) -> ExitCode {
    let (kind, message) = (err.kind(), err.to_string());
    if json {
        let wire = serde_json::json!({ "kind": kind, "message": message });
        eprintln!("{wire}");
    } else {
        // Messages may quote what a file or the user gave: made safe for the terminal.
        eprintln!("tok: {}", output::esc(&message));
    }
    ExitCode::from(err.exit_code())
}
