//! The files on disk a scan reads: folders walked without following symbolic links or entering
//! `.git`, ignored files included (a leaked `.env` is usually git-ignored), only regular files
//! opened, huge and binary ones skipped.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{display, is_binary, ScanIndex, ScanReport, ScanSkip, Scanner, MAX_SCAN_FILE_BYTES};
use crate::error::{InputError, Result};

/// Refuses the request when a path does not exist, before anything is read.
pub(super) fn check_paths(paths: &[PathBuf]) -> Result<()> {
    for path in paths {
        if let Err(e) = std::fs::metadata(path) {
            return Err(InputError::ScanPathMissing {
                path: path.clone(),
                why: e.kind().to_string(),
            }
            .into());
        }
    }
    Ok(())
}

/// Scans one path as given: a file, or a folder walked depth-first in name order. A symbolic
/// link given on the command line is followed (the user named it); those met inside are not.
pub(super) fn scan_path(
    index: &ScanIndex,
    root: &Path,
    scanner: &mut Scanner,
    report: &mut ScanReport,
) -> Result<()> {
    let meta = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(e) => {
            return Err(InputError::ScanPathMissing {
                path: root.to_path_buf(),
                why: e.kind().to_string(),
            }
            .into())
        }
    };
    if meta.is_file() {
        scan_file(index, root, meta.len(), scanner, report);
        return Ok(());
    }
    if !meta.is_dir() {
        report.skipped.push(ScanSkip {
            path: display(root),
            reason: "not a regular file or folder".into(),
        });
        return Ok(());
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                report.skipped.push(ScanSkip {
                    path: display(&dir),
                    reason: format!("folder not readable: {}", e.kind()),
                });
                continue;
            }
        };
        let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for entry in entries {
            if entry.file_name() == ".git" {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_symlink() {
                report.symlinks_skipped += 1;
            } else if kind.is_dir() {
                subdirs.push(path);
            } else if kind.is_file() {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                scan_file(index, &path, len, scanner, report);
            }
            // Sockets, FIFOs and devices are never opened: reading a FIFO would block.
        }
        // Popped in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

fn scan_file(
    index: &ScanIndex,
    path: &Path,
    len: u64,
    scanner: &mut Scanner,
    report: &mut ScanReport,
) {
    if len > MAX_SCAN_FILE_BYTES {
        report.skipped.push(ScanSkip {
            path: display(path),
            reason: format!(
                "larger than {} MiB ({} MiB)",
                MAX_SCAN_FILE_BYTES >> 20,
                len >> 20
            ),
        });
        return;
    }
    scanner.buf.clear();
    let read = File::open(path).and_then(|f| {
        // Bounded even if the file grew since it was measured.
        f.take(MAX_SCAN_FILE_BYTES + 1)
            .read_to_end(&mut scanner.buf)
    });
    if let Err(e) = read {
        report.skipped.push(ScanSkip {
            path: display(path),
            reason: format!("not readable: {}", e.kind()),
        });
        return;
    }
    if scanner.buf.len() as u64 > MAX_SCAN_FILE_BYTES {
        report.skipped.push(ScanSkip {
            path: display(path),
            reason: format!("larger than {} MiB", MAX_SCAN_FILE_BYTES >> 20),
        });
        return;
    }
    if is_binary(&scanner.buf) {
        report.binary_skipped += 1;
        return;
    }
    report.files_scanned += 1;
    report.bytes_scanned += scanner.buf.len() as u64;
    index.find_in(&scanner.buf, &mut scanner.hits);
    if !scanner.hits.is_empty() {
        index.findings(
            &scanner.buf,
            &scanner.hits,
            &display(path),
            None,
            &mut report.findings,
        );
    }
}
