//! `tk-bench`: the programs behind `scripts/bench` and `scripts/torture`. It seeds data through
//! the core like a user would, measures rows next to their floors in the same run, and drives
//! and checks the reliability runs. Nothing here is shipped to users.

mod app_start;
mod compare;
mod inproc;
mod kdbx;
mod scan;
mod seed;
mod torture;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tk-bench",
    about = "Tokenkeeper benchmarks and reliability harness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill a data directory with generated tokens through the core (the real keychain for kept ones)
    Seed {
        #[arg(long, default_value_t = 10_000)]
        tokens: usize,
        /// How many of them keep their secret in the keychain (`tok get` can read those)
        #[arg(long, default_value_t = 100)]
        with_secrets: usize,
        #[arg(long)]
        dir: PathBuf,
    },
    /// In-process rows: core list, search and verify against raw rusqlite / SHA-256 floors (JSON lines)
    Inproc {
        #[arg(long, default_value_t = 10_000)]
        tokens: usize,
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
    /// Write a KeePass 2 XML file with N entries, for `keepassxc-cli import` (the peer store)
    KdbxXml {
        #[arg(long, default_value_t = 10_000)]
        entries: usize,
        /// The title of the entry the benchmark reads; its password is printed on stdout
        #[arg(long, default_value = "seed-00042")]
        probe: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Window rows: start a new app window to a painted dashboard, and its memory, seeded
    /// store against an empty one (WebDriver through tauri-driver; JSON lines)
    AppStart(app_start::AppStartArgs),
    /// The leak sweep's row: `tok scan` and detect-secrets on the same generated tree, in MB/s
    /// (one JSON line)
    Scan(scan::ScanArgs),
    /// Time two shell commands alternately, N runs each, and print one JSON row
    Compare(compare::CompareArgs),
    /// Print the benchmark table from JSON-lines rows
    Table { rows: PathBuf },
    /// Run lifecycle operations and log each one before and after (crash, concurrency, faults)
    TortureWriter(torture::WriterArgs),
    /// Open the store after a run and check that nothing was lost or left half-done
    TortureCheck(torture::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Seed {
            tokens,
            with_secrets,
            dir,
        } => seed::run(&dir, tokens, with_secrets),
        Command::Inproc { tokens, runs } => inproc::run(tokens, runs),
        Command::KdbxXml {
            entries,
            probe,
            out,
        } => kdbx::run(entries, &probe, &out),
        Command::AppStart(a) => app_start::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Table { rows } => compare::table(&rows),
        Command::TortureWriter(a) => torture::writer(a),
        Command::TortureCheck(a) => torture::check(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tk-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}
