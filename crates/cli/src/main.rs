//! `tok`: parses the command line, opens the vault, runs one command, and turns any error into
//! an exit code and a message, here and nowhere else.

mod args;
mod commands;
mod docs;
mod error;
mod intake;
mod masking;
mod output;
mod remind;
mod run;
mod scan;
mod secret_input;
mod team;
mod vault_file;

use std::process::ExitCode;

use clap::Parser;
use tokenkeeper_core::{default_data_dir, Error, Vault};

use crate::args::{Cli, Command};
use crate::error::CliError;

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

fn dispatch(cli: Cli) -> error::Result<ExitCode> {
    let json = cli.json;
    // `check` is offline: it must work without a data directory or a keychain.
    // So are the completion scripts and man pages: they come from the definitions alone.
    match cli.command {
        Command::Check => return commands::check(json),
        Command::Completions { shell } => return docs::completions(shell),
        Command::Man { out_dir } => return docs::man(out_dir.as_deref()),
        _ => {}
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
        Command::Run(a) => run::run(vault, a),
        Command::Inject(a) => commands::inject(&mut vault, a, json),
        Command::Calendar { output } => commands::calendar(&vault, output.as_deref(), json),
        Command::Remind(a) => remind::run(&mut vault, a, json),
        Command::Settings(a) => commands::settings(&mut vault, a, json),
        Command::ImportEnv(a) => intake::import_env(&mut vault, a, json),
        Command::ImportFrom(a) => intake::import_from(&mut vault, a, json),
        Command::Scan(a) => scan::run(&vault, a, json),
        Command::Check | Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("handled before the vault is opened")
        }
    }
}

/// A flag value the core parses and refuses (an expiry) is reported as every core error is:
/// `tok: message` or `{kind, message}`, with its exit code, and never in clap's words, which would
/// repeat the value even when it looks like a secret. Any other parse error is clap's own.
fn refused_arguments(e: clap::Error) -> ExitCode {
    use std::error::Error as _;
    let Some(core) = e.source().and_then(|s| s.downcast_ref::<Error>()) else {
        e.exit();
    };
    // The parse failed, so --json is found by hand: it takes no value, and `--` ends the flags.
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    print_error(core.kind(), &core.to_string(), json);
    ExitCode::from(error::core_exit_code(core))
}

/// Prints the error and returns its exit code, chosen by variant (`CliError::exit_code`).
fn report(err: &CliError, json: bool) -> ExitCode {
    print_error(err.kind(), &err.to_string(), json);
    ExitCode::from(err.exit_code())
}

/// Prints an error on stderr: `tok: message`, or the core's `{kind, message}` with --json. Core
/// errors never carry secrets; neither do ours.
fn print_error(kind: &str, message: &str, json: bool) {
    if json {
        let wire = serde_json::json!({ "kind": kind, "message": message });
        eprintln!("{wire}");
    } else {
        // Messages may quote what a file or the user gave: made safe for the terminal.
        eprintln!("tok: {}", output::esc(message));
    }
}
