//! `.env` files as an import source, and the rewrite that replaces each imported value with its
//! `tok://NAME` reference once every key is kept.

use std::path::Path;

use secrecy::ExposeSecret;

use super::{default_description, IntakeReport, IntakeSource, SourceRow};
use crate::dotenv::{self, DotenvFile};
use crate::error::{ConflictError, Error, InputError, Result};

/// The scheme of a reference to a kept key.
pub const REFERENCE_SCHEME: &str = "tok://";

/// Reads the `.env` file at `path` (bounded, see [`dotenv::read_file`]) and its rows.
pub fn read(path: &Path, prefix: Option<&str>) -> Result<(DotenvFile, Vec<SourceRow>)> {
    let file = dotenv::read_file(path)?;
    let rows = rows(&file, prefix);
    Ok((file, rows))
}

/// The rows of a parsed `.env` file: each `KEY=value` becomes a key named `KEY` (or
/// `PREFIX_KEY`). Empty values and values that are already references are skipped.
pub fn rows(file: &DotenvFile, prefix: Option<&str>) -> Vec<SourceRow> {
    let mut rows: Vec<SourceRow> = file
        .entries
        .iter()
        .map(|e| {
            let value = e.value.expose_secret();
            let mut row = SourceRow::new(e.line, e.key.clone(), e.value.clone());
            row.description = default_description(IntakeSource::Dotenv);
            if value.trim().is_empty() {
                row.skipped = Some(format!("{} is empty: there is no key to keep", e.key));
            } else if value.trim_start().starts_with(REFERENCE_SCHEME) {
                row.skipped = Some(format!("{} is a reference already", e.key));
            }
            row
        })
        .collect();
    super::apply_prefix(&mut rows, prefix);
    rows
}

/// Rewrites the `.env` file at `path`, replacing each value the import kept (new or held) with
/// `tok://NAME`; skipped lines, comments and every other byte stay. Refuses (changing nothing)
/// when a row of the report is not kept, or when the file changed since it was read. The write is
/// atomic: a temporary file in the same directory with the original's permissions, synced, then
/// renamed over it (the target of a symlink is what is rewritten). Returns how many values were
/// replaced.
pub fn rewrite(path: &Path, file: &DotenvFile, report: &IntakeReport) -> Result<usize> {
    let not_kept: Vec<usize> = report
        .rows
        .iter()
        .filter(|r| {
            !matches!(
                r.action,
                super::IntakeAction::New | super::IntakeAction::Held | super::IntakeAction::Skipped
            )
        })
        .map(|r| r.line)
        .collect();
    if !not_kept.is_empty() {
        return Err(ConflictError::RewriteWithoutKeys { lines: not_kept }.into());
    }
    let mut edits = Vec::new();
    for e in &file.entries {
        if let Some(name) = report.kept_as(e.line) {
            let reference = format!("{REFERENCE_SCHEME}{name}");
            edits.push((e.value_span.clone(), dotenv::quote_value(&reference)));
        }
    }
    if edits.is_empty() {
        return Ok(0);
    }
    let target = std::fs::canonicalize(path).map_err(|source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let now = dotenv::read_file(&target)?;
    if now.text.as_bytes() != file.text.as_bytes() {
        return Err(ConflictError::ChangedSinceRead {
            path: path.to_path_buf(),
        }
        .into());
    }
    let out = zeroize::Zeroizing::new(dotenv::replace_values(&file.text, &edits));
    write_keeping_mode(&target, out.as_bytes())?;
    Ok(edits.len())
}

/// Writes `bytes` over `path` atomically, keeping its permission bits (the core's one atomic
/// writer, given the original's mode).
fn write_keeping_mode(path: &Path, bytes: &[u8]) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    crate::vault_file::write_atomically_as(path, bytes, Some(meta.permissions()))
}
