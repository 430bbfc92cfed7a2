//! `tok export` and `tok import`: the team vault file from a terminal or a script. Passphrases
//! come from a hidden prompt or stdin, never argv.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::error::{CliError, InputError, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokenkeeper_core::{
    normalize_fingerprint, passphrase_strength, read_vault_file, vault_file_protection, ChangeKind,
    DestructiveKind, ExportSummary, ExportTarget, FileProtection, ImportKey, MergePlan,
    MergeReport, Vault,
};

use crate::args::{ExportArgs, ImportArgs};
use crate::{output, secret_input};

/// What `tok export --json` prints.
#[derive(Serialize)]
struct ExportJson<'a> {
    path: &'a std::path::Path,
    #[serde(flatten)]
    summary: &'a ExportSummary,
}

/// What `tok import --json` prints: the preview, and what was applied (null for --dry-run).
#[derive(Serialize)]
struct ImportJson<'a> {
    dry_run: bool,
    plan: &'a serde_json::Value,
    applied: Option<&'a MergeReport>,
}

pub fn export(vault: &mut Vault, a: ExportArgs, json: bool) -> Result<ExitCode> {
    let target = if a.team {
        ExportTarget::Team
    } else if a.to.is_empty() && !a.to_self {
        ExportTarget::Passphrase(export_passphrase(a.passphrase_stdin)?)
    } else {
        let mut keys = a.to;
        if a.to_self {
            keys.push(vault.public_key()?);
        }
        ExportTarget::Recipients(keys)
    };
    let summary = vault.export_to_file(target, &a.output)?;
    if json {
        output::json(&ExportJson {
            path: &a.output,
            summary: &summary,
        });
    } else {
        println!(
            "Exported {} token{} ({} with {} secret, {} deleted) to {}, {}, signed by your key \
             {}.",
            summary.tokens,
            plural(summary.tokens),
            summary.secrets,
            if summary.secrets == 1 { "its" } else { "their" },
            summary.tombstones,
            output::esc(&a.output.display().to_string()),
            match (summary.protection, a.team) {
                (FileProtection::Passphrase, _) => "protected by the passphrase".to_string(),
                (FileProtection::Recipients, true) => format!(
                    "encrypted to the team ({} member{} and you)",
                    summary.recipients - 1,
                    plural(summary.recipients - 1)
                ),
                (FileProtection::Recipients, false) =>
                    "encrypted to the given public keys".to_string(),
            },
            summary.signed_by
        );
    }
    if summary.secrets_missing > 0 {
        eprintln!(
            "Note: {} kept token{} had no secret in the keychain and went without it.",
            summary.secrets_missing,
            plural(summary.secrets_missing)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The export passphrase: from stdin with --passphrase-stdin, else typed twice at a hidden
/// prompt. Empty is refused; weak gets a warning with advice.
fn export_passphrase(from_stdin: bool) -> Result<SecretString> {
    let passphrase = if from_stdin {
        secret_input::read_piped()?
    } else if secret_input::stdin_is_terminal() {
        let first = prompt("Passphrase for the vault file: ")?;
        if !first.expose_secret().is_empty() {
            let again = prompt("Passphrase again: ")?;
            if again.expose_secret() != first.expose_secret() {
                return Err(InputError::PassphrasesDiffer.into());
            }
        }
        first
    } else {
        return Err(InputError::NoPassphraseSource { command: "export" }.into());
    };
    if passphrase.expose_secret().is_empty() {
        return Err(InputError::EmptyPassphrase.into());
    }
    let strength = passphrase_strength(&passphrase);
    if strength.is_weak() {
        eprintln!(
            "Warning: weak passphrase (strength {}/4). {} Anyone who gets the file can try \
             passphrases offline.",
            strength.score, strength.hint
        );
    }
    Ok(passphrase)
}

fn prompt(text: &str) -> Result<SecretString> {
    rpassword::prompt_password(text)
        .map(SecretString::from)
        .map_err(|source| InputError::PassphraseUnreadable { source }.into())
}

pub fn import(vault: &mut Vault, a: ImportArgs, json: bool) -> Result<ExitCode> {
    // Refuses a file larger than any vault file before reading it.
    let file = read_vault_file(&a.file)?;
    let key = match vault_file_protection(&file)? {
        FileProtection::Passphrase if a.passphrase_stdin => {
            ImportKey::Passphrase(secret_input::read_piped()?)
        }
        FileProtection::Passphrase if secret_input::stdin_is_terminal() => {
            ImportKey::Passphrase(prompt("Passphrase of the vault file: ")?)
        }
        FileProtection::Passphrase => {
            return Err(InputError::NoPassphraseSource { command: "import" }.into())
        }
        FileProtection::Recipients => match &a.identity {
            Some(path) => ImportKey::AgeIdentity(read_identity_file(path)?),
            None => ImportKey::OwnIdentity,
        },
    };
    let mut plan = vault.preview_import(&file, key)?;
    drop(file);
    if a.take_theirs {
        plan.take_theirs_for_all_edits();
    }
    let dry_run = a.dry_run;
    if !json {
        print_preview(&plan);
    }
    if !dry_run {
        if let Some(declined) = confirm_import(vault, &mut plan, &a, json)? {
            return Ok(declined);
        }
    }
    // The plan is consumed by apply; keep what will be printed about it.
    let plan_json = serde_json::to_value(&plan)?;
    let counts = plan.counts;
    let report = if dry_run {
        None
    } else {
        let show_progress = !json && std::io::stderr().is_terminal();
        Some(vault.apply_import(plan, |done, total| {
            if show_progress {
                eprint!("\rImporting: {done}/{total}");
                if done == total {
                    eprintln!();
                }
            }
        })?)
    };
    if json {
        output::json(&ImportJson {
            dry_run: a.dry_run,
            plan: &plan_json,
            applied: report.as_ref(),
        });
    } else {
        print_outcome(counts.conflicts, report.as_ref(), a.dry_run);
    }
    Ok(ExitCode::SUCCESS)
}

/// The two questions before an import changes anything: trust the signer (when not a member
/// yet) and apply what the file deletes or replaces here. On a terminal they are asked; in
/// scripts --trust-signer and --yes answer them. Nothing is changed before both are answered:
/// the signer becomes a member only once the import is going ahead. Returns the exit code
/// when the user declined.
fn confirm_import(
    vault: &mut Vault,
    plan: &mut MergePlan,
    a: &ImportArgs,
    json: bool,
) -> Result<Option<ExitCode>> {
    let interactive = !json && secret_input::stdin_is_terminal();
    let signer = plan.signer().clone();
    let trust = match &a.trust_signer {
        Some(typed) => {
            let wanted = normalize_fingerprint(typed)?;
            if wanted != signer.fingerprint {
                return Err(CliError::SignerMismatch {
                    fingerprint: signer.fingerprint,
                    claimed_name: signer.claimed_name,
                    wanted,
                });
            }
            !signer.trusted
        }
        None if signer.trusted => false,
        None if interactive => {
            let question = format!(
                "Trust this key? Only if {} confirmed the fingerprint {} to you; they become \
                 team member '{}'.",
                signer.claimed_name, signer.fingerprint, signer.claimed_name
            );
            if !secret_input::confirm(&question)? {
                eprintln!("Not imported: the key is not trusted. Nothing was changed.");
                return Ok(Some(ExitCode::from(NEGATIVE)));
            }
            true
        }
        // Refused by the core with the fingerprint and how to trust it.
        None => false,
    };
    if plan.destructive > 0 {
        if a.yes {
            plan.confirm_destructive();
        } else if interactive {
            let question = format!(
                "Apply the {} deletion{} and replaced secret{} listed above?",
                plan.destructive,
                plural(plan.destructive),
                plural(plan.destructive)
            );
            if !secret_input::confirm(&question)? {
                eprintln!("Not imported. Nothing was changed.");
                return Ok(Some(ExitCode::from(NEGATIVE)));
            }
            plan.confirm_destructive();
        } else if signer.trusted || trust {
            return Err(CliError::NeedsYes {
                count: plan.destructive,
            });
        }
    }
    if trust {
        vault.trust_signer(plan, None)?;
        if !json {
            println!(
                "Trusted the key {}: '{}' is now a team member.",
                signer.fingerprint, signer.claimed_name
            );
        }
    }
    Ok(None)
}

/// Exit code of a declined confirmation (docs/cli.md).
const NEGATIVE: u8 = 1;

fn read_identity_file(path: &std::path::Path) -> Result<SecretString> {
    let text = SecretString::from(std::fs::read_to_string(path).map_err(|source| {
        InputError::IdentityFileUnreadable {
            path: path.to_path_buf(),
            source,
        }
    })?);
    text.expose_secret()
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .map(|l| SecretString::from(l.to_string()))
        .ok_or_else(|| {
            InputError::NoIdentityInFile {
                path: path.to_path_buf(),
            }
            .into()
        })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The preview table for people: only the tokens that change or conflict, then the counts.
fn print_preview(plan: &MergePlan) {
    let s = &plan.source;
    println!(
        "Vault file from {} (exported {}), {} token{}.",
        output::esc(&s.exported_by),
        output::local_time(s.exported_at),
        s.tokens,
        plural(s.tokens)
    );
    let signer = plan.signer();
    if signer.trusted {
        println!("Signature: good, {}.", output::esc(&signer.description));
    } else {
        println!(
            "Signature: good, but {}. Nothing is imported until you trust that key: compare \
             the fingerprint with them (their `tok whoami` shows it).",
            output::esc(&signer.description)
        );
    }
    let changing: Vec<_> = plan
        .rows
        .iter()
        .filter(|r| r.change != ChangeKind::Unchanged)
        .collect();
    if !changing.is_empty() {
        let width = changing
            .iter()
            .map(|r| output::esc(&r.name).chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        println!("{:<9}  {:<width$}  REASON", "CHANGE", "NAME");
        for r in &changing {
            let change = match r.change {
                ChangeKind::New => "new",
                ChangeKind::Updated => "updated",
                ChangeKind::Deleted => "deleted",
                ChangeKind::Conflict => "conflict",
                ChangeKind::Unchanged => "unchanged",
            };
            println!(
                "{change:<9}  {:<width$}  {}",
                output::esc(&r.name),
                output::esc(&r.reason)
            );
        }
    }
    let c = &plan.counts;
    println!(
        "{} new, {} updated, {} deleted, {} unchanged, {} conflict{}.",
        c.new,
        c.updated,
        c.deleted,
        c.unchanged,
        c.conflicts,
        plural(c.conflicts)
    );
    let destructive = plan.destructive_rows();
    if !destructive.is_empty() {
        println!("This import would destroy here:");
        for r in destructive {
            let what = match r.destructive {
                Some(DestructiveKind::DeletesToken) => "delete the token",
                Some(DestructiveKind::ReplacesSecret) => "replace the kept secret of",
                Some(DestructiveKind::RemovesSecret) => "remove the kept secret of",
                None => continue,
            };
            println!("  {what} '{}'", output::esc(&r.name));
        }
    }
}

/// What was done, after the preview.
fn print_outcome(conflicts: usize, applied: Option<&MergeReport>, dry_run: bool) {
    match applied {
        None if dry_run => println!("Dry run: nothing was changed."),
        None => {}
        Some(r) if r.added + r.updated + r.deleted + r.taken_theirs == 0 => {
            println!("Nothing to change: this vault already has everything in the file.")
        }
        Some(r) => {
            println!(
                "Imported: {} added, {} updated, {} deleted; {} secret{} stored in the keychain.",
                r.added,
                r.updated,
                r.deleted,
                r.secrets_stored,
                plural(r.secrets_stored)
            );
            if r.taken_theirs > 0 {
                println!(
                    "Took theirs for {} token{} both sides edited.",
                    r.taken_theirs,
                    plural(r.taken_theirs)
                );
            }
        }
    }
    if conflicts > 0 && applied.is_none_or(|r| r.skipped_conflicts > 0) {
        println!(
            "Conflicts are skipped and yours kept. For tokens both sides edited, --take-theirs \
             takes their version; for a clash of name or secret, rename or delete one token and \
             import again."
        );
    }
}
