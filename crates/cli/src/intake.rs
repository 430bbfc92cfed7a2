//! `tok import-env` and `tok import-from`: keys taken in from a .env file or another manager's
//! export. Both show the core's plan as a table, then apply it all or nothing; `import-env
//! --rewrite` then points the file at the kept keys.

use std::process::ExitCode;

use serde::Serialize;
use tokenkeeper_core::intake::{
    self, csv::ColumnMap, env, ExportFormat, IntakeAction, IntakePlan, IntakeReport,
};
use tokenkeeper_core::Vault;

use crate::args::{ExportFormatArg, ImportEnvArgs, ImportFromArgs};
use crate::error::{InputError, Result};
use crate::output::{self, esc};

/// What `--json` prints: the plan, what was applied (null for --dry-run), and for --rewrite how
/// many values the file now references.
#[derive(Serialize)]
struct IntakeJson<'a> {
    dry_run: bool,
    plan: &'a serde_json::Value,
    applied: Option<&'a IntakeReport>,
    rewritten: Option<usize>,
}

pub fn import_env(vault: &mut Vault, a: ImportEnvArgs, json: bool) -> Result<ExitCode> {
    let (file, rows) = env::read(&a.file, a.prefix.as_deref())?;
    let plan = vault.plan_intake(intake::IntakeSource::Dotenv, rows)?;
    let shown = a.file.display().to_string();
    let (report, plan_json) = preview_and_apply(vault, plan, &shown, a.dry_run, json)?;
    let rewritten = match (&report, a.rewrite) {
        (Some(report), true) => Some(env::rewrite(&a.file, &file, report)?),
        _ => None,
    };
    if json {
        output::json(&IntakeJson {
            dry_run: a.dry_run,
            plan: &plan_json,
            applied: report.as_ref(),
            rewritten,
        });
    } else if let Some(n) = rewritten {
        println!(
            "Rewrote {}: {n} value{} now reference{} the kept key{} (tok://NAME).",
            esc(&shown),
            plural(n),
            if n == 1 { "s" } else { "" },
            plural(n)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn import_from(vault: &mut Vault, a: ImportFromArgs, json: bool) -> Result<ExitCode> {
    let format = match (a.format, &a.map) {
        (ExportFormatArg::Csv, Some(map)) => ExportFormat::Csv(ColumnMap::parse(map)?),
        (ExportFormatArg::Csv, None) => return Err(InputError::MapRequired.into()),
        (other, Some(_)) => {
            return Err(InputError::MapNotForFormat {
                format: match other {
                    ExportFormatArg::KeepassxcXml => "KeePassXC XML",
                    ExportFormatArg::KeepassxcCsv => "KeePassXC CSV",
                    _ => "Bitwarden",
                },
            }
            .into())
        }
        (ExportFormatArg::KeepassxcXml, None) => ExportFormat::KeepassxcXml,
        (ExportFormatArg::KeepassxcCsv, None) => ExportFormat::KeepassxcCsv,
        (ExportFormatArg::Bitwarden, None) => ExportFormat::Bitwarden,
    };
    let rows = intake::read_export(&format, &a.file, a.prefix.as_deref())?;
    let plan = vault.plan_intake(format.source(), rows)?;
    let shown = a.file.display().to_string();
    let (report, plan_json) = preview_and_apply(vault, plan, &shown, a.dry_run, json)?;
    if json {
        output::json(&IntakeJson {
            dry_run: a.dry_run,
            plan: &plan_json,
            applied: report.as_ref(),
            rewritten: None,
        });
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the plan (for people), refuses it when a row is refused (a dry run too: the exit code
/// says whether it would apply), and applies it unless `dry_run`. Returns the report and the
/// plan as it was previewed (apply consumes it).
fn preview_and_apply(
    vault: &mut Vault,
    plan: IntakePlan,
    shown: &str,
    dry_run: bool,
    json: bool,
) -> Result<(Option<IntakeReport>, serde_json::Value)> {
    if !json {
        print_plan(&plan, shown);
    }
    let previewed = serde_json::to_value(&plan)?;
    if let Err(refused) = plan.check_applies() {
        if json {
            output::json(&IntakeJson {
                dry_run,
                plan: &previewed,
                applied: None,
                rewritten: None,
            });
        }
        return Err(refused.into());
    }
    if dry_run {
        if !json {
            println!("Dry run: nothing was stored.");
        }
        return Ok((None, previewed));
    }
    let report = vault.apply_intake(plan)?;
    if !json {
        let c = report.counts;
        println!(
            "Kept {} new key{}{}.",
            c.new,
            plural(c.new),
            if c.held > 0 {
                format!(
                    "; {} {} kept already and not stored twice",
                    c.held,
                    if c.held == 1 { "was" } else { "were" }
                )
            } else {
                String::new()
            }
        );
    }
    Ok((Some(report), previewed))
}

/// The preview: counts, then one line per row (LINE, NAME, SERVICE, KEY hint, WHAT).
fn print_plan(plan: &IntakePlan, shown: &str) {
    let c = plan.counts;
    println!(
        "{}: {} new, {} kept already, {} skipped, {} refused",
        esc(shown),
        c.new,
        c.held,
        c.skipped,
        c.refused
    );
    if plan.rows.is_empty() {
        println!("(no keys in the file)");
        return;
    }
    let rows: Vec<[String; 5]> = plan
        .rows
        .iter()
        .map(|r| {
            let what = match r.action {
                IntakeAction::New => "new".to_string(),
                IntakeAction::Held => format!(
                    "kept already as {}",
                    esc(r.held_by.as_deref().unwrap_or("?"))
                ),
                IntakeAction::Skipped => {
                    format!("skipped: {}", esc(r.reason.as_deref().unwrap_or("")))
                }
                IntakeAction::NameTaken | IntakeAction::Bad => {
                    format!("REFUSED: {}", esc(r.reason.as_deref().unwrap_or("")))
                }
            };
            [
                r.line.to_string(),
                esc(&r.name).into_owned(),
                esc(r.service.as_deref().unwrap_or("-")).into_owned(),
                if r.hint.is_empty() {
                    "-".into()
                } else {
                    esc(&r.hint).into_owned()
                },
                what,
            ]
        })
        .collect();
    let header = ["LINE", "NAME", "SERVICE", "KEY", "WHAT"];
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()).take(4) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i < 4 {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                out.push_str(cell);
            }
        }
        println!("{}", out.trim_end());
    };
    line(header);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
