//! Shell completions and man pages, generated from tok's clap definitions so they never drift
//! from the real commands and flags (packages install them; `cargo install` users print them).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::args::Cli;
use crate::error::{InputError, Result};

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tok", &mut out);
    write_stdout(&out)
}

/// Prints tok(1) on stdout, or writes tok.1 and a page per command (tok-list.1, ...) into
/// `out_dir`, which must exist already: a mistyped path writes nothing.
pub fn man(out_dir: Option<&Path>) -> Result<ExitCode> {
    let cmd = Cli::command();
    match out_dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|source| InputError::StdoutUnwritable { source })?;
            write_stdout(&out)
        }
        Some(dir) => {
            if !dir.is_dir() {
                return Err(InputError::NotADirectory {
                    path: dir.to_path_buf(),
                }
                .into());
            }
            clap_mangen::generate_to(cmd, dir).map_err(|source| {
                InputError::ManPagesUnwritable {
                    path: dir.to_path_buf(),
                    source,
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_stdout(bytes: &[u8]) -> Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|source| InputError::StdoutUnwritable { source })?;
    Ok(ExitCode::SUCCESS)
}
