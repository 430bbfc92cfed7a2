//! `tok scan`: the leak sweep's findings as a table (or JSON), each leaked token with the
//! command that retires the copies found. Exit 1 when anything is found, so CI can gate on it.

use std::process::ExitCode;

use serde::Serialize;
use tokenkeeper_core::{Origin, ScanFinding, ScanReport, ScanRequest, Vault};

use crate::args::ScanArgs;
use crate::error::Result;
use crate::output::{self, esc};

/// Exit code when a held secret was found (the "negative answer" of the table).
const FOUND: u8 = 1;

/// The next step for one leaked token.
#[derive(Serialize)]
struct NextStep<'a> {
    token_id: &'a str,
    token_name: &'a str,
    command: String,
    note: &'static str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a ScanReport,
    next_steps: Vec<NextStep<'a>>,
}

pub fn run(vault: &Vault, args: ScanArgs, json: bool) -> Result<ExitCode> {
    let report = vault.scan(&ScanRequest {
        paths: args.paths,
        git: args.git,
    })?;
    let steps = next_steps(&report.findings);
    if json {
        output::json(&JsonReport {
            report: &report,
            next_steps: steps,
        });
    } else {
        print_human(&report, &steps);
    }
    Ok(if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}

/// One step per leaked token, in order of first finding: rotate with no grace period, since the
/// old value is no longer secret.
fn next_steps(findings: &[ScanFinding]) -> Vec<NextStep<'_>> {
    let mut steps: Vec<NextStep<'_>> = Vec::new();
    for f in findings {
        if steps.iter().any(|s| s.token_id == f.token_id) {
            continue;
        }
        steps.push(NextStep {
            token_id: &f.token_id,
            token_name: &f.token_name,
            command: rotate_command(&f.token_name),
            note: match f.origin {
                Origin::Generated => {
                    "prints the new token once; use --grace 1h or 24h to give deployments time"
                }
                Origin::Imported => {
                    "reset the key at its service first, then give rotate the new one on stdin"
                }
            },
        });
    }
    steps
}

/// `tok rotate NAME --grace now`, the name as one shell word; a name starting with `-` goes
/// after `--`, so it is never taken for a flag.
fn rotate_command(name: &str) -> String {
    if name.starts_with('-') {
        format!("tok rotate --grace now -- {}", shell_word(name))
    } else {
        format!("tok rotate {} --grace now", shell_word(name))
    }
}

/// A name as one shell word: unchanged when it is plain, single-quoted otherwise.
fn shell_word(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:@%+=/".contains(c));
    if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

fn print_human(report: &ScanReport, steps: &[NextStep<'_>]) {
    if report.findings.is_empty() {
        println!("No secret held here was found.");
    } else {
        let n = report.findings.len();
        println!(
            "Found {n} cop{} of {} secret{} this install holds:\n",
            if n == 1 { "y" } else { "ies" },
            steps.len(),
            if steps.len() == 1 { "" } else { "s" }
        );
        let header = ["TOKEN", "HINT", "WHERE", "COMMIT"];
        let rows: Vec<[String; 4]> = report
            .findings
            .iter()
            .map(|f| {
                [
                    esc(&f.token_name).into_owned(),
                    esc(&f.hint).into_owned(),
                    format!("{}:{}:{}", esc(&f.path), f.line, f.column),
                    f.commit
                        .as_deref()
                        .map(|c| c.chars().take(12).collect())
                        .unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 4]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                out.push_str(cell);
                if i + 1 < cells.len() {
                    out.push_str(&" ".repeat(w - cell.chars().count() + 2));
                }
            }
            println!("{}", out.trim_end());
        };
        line(header);
        for r in &rows {
            line([&r[0], &r[1], &r[2], &r[3]]);
        }
        println!("\nNext step: rotate each one, so the copies found stop working:");
        for s in steps {
            println!("  {}    # {}", esc(&s.command), s.note);
        }
        println!("Then remove the copies (for history: rewrite it, e.g. git filter-repo).");
    }
    let mut covered = format!(
        "\nScanned {} file{}",
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" }
    );
    if report.blobs_scanned > 0 {
        covered.push_str(&format!(
            " and {} blob{} of history",
            report.blobs_scanned,
            if report.blobs_scanned == 1 { "" } else { "s" }
        ));
    }
    covered.push_str(&format!(
        " ({}) for {} key{}",
        human_bytes(report.bytes_scanned),
        report.keys_searched,
        if report.keys_searched == 1 { "" } else { "s" }
    ));
    println!("{covered}.");
    if report.keys_not_searchable > 0 {
        println!(
            "{} held key{} could not be looked for (shorter than 8 characters, or added from a \
             vault file without its secret).",
            report.keys_not_searchable,
            if report.keys_not_searchable == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    if report.binary_skipped > 0 || report.symlinks_skipped > 0 {
        println!(
            "Skipped {} binary file{} and {} symbolic link{} (links are not followed).",
            report.binary_skipped,
            if report.binary_skipped == 1 { "" } else { "s" },
            report.symlinks_skipped,
            if report.symlinks_skipped == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    for s in &report.skipped {
        println!("Skipped {}: {}", esc(&s.path), esc(&s.reason));
    }
}

fn human_bytes(n: u64) -> String {
    match n {
        0..=1023 => format!("{n} B"),
        1024..=1_048_575 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::rotate_command;

    #[test]
    fn the_next_step_names_the_token_as_one_shell_word() {
        assert_eq!(
            rotate_command("github-ci"),
            "tok rotate github-ci --grace now"
        );
        assert_eq!(rotate_command("my key"), "tok rotate 'my key' --grace now");
        assert_eq!(rotate_command("it's"), r"tok rotate 'it'\''s' --grace now");
        assert_eq!(rotate_command("-x"), "tok rotate --grace now -- -x");
        assert_eq!(rotate_command("$(rm)"), "tok rotate '$(rm)' --grace now");
    }
}
