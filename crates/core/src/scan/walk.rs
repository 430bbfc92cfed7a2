//! The files on disk a scan reads: folders walked without following symbolic links or entering
//! `.git`, ignored files included (a leaked `.env` is usually git-ignored), only regular files
//! opened, huge and binary ones skipped.

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    display, is_binary, ScanFinding, ScanIndex, ScanReport, ScanSkip, Scanner, MAX_SCAN_FILE_BYTES,
};
use crate::bounded::{self, Refusal};
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

/// A regular file to read (its size is checked when it is read).
pub(super) struct FileToScan {
    path: PathBuf,
}

/// Lists the files of one path as given: a file, or a folder walked depth-first in name order.
/// A symbolic link given on the command line is followed (the user named it); those met inside
/// are not.
pub(super) fn list_path(
    root: &Path,
    out: &mut Vec<FileToScan>,
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
        out.push(FileToScan {
            path: root.to_path_buf(),
        });
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
                out.push(FileToScan { path });
            }
            // Sockets, FIFOs and devices are never opened: reading a FIFO would block.
        }
        // Popped in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

/// What one worker found in its share of the files, by file position.
#[derive(Default)]
struct Partial {
    findings: Vec<(usize, ScanFinding)>,
    skipped: Vec<(usize, ScanSkip)>,
    files_scanned: u64,
    bytes_scanned: u64,
    binary_skipped: u64,
}

/// Scans the listed files on every core (each worker takes the next file), and adds what was
/// found to `report` in the order of the list, so the output does not depend on the timing.
pub(super) fn scan_files(index: &ScanIndex, files: &[FileToScan], report: &mut ScanReport) {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let partials: Vec<Partial> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut scanner = Scanner::default();
                    let mut part = Partial::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        scan_file(index, i, file, &mut scanner, &mut part);
                    }
                    part
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("scan worker"))
            .collect()
    });
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    for p in partials {
        findings.extend(p.findings);
        skipped.extend(p.skipped);
        report.files_scanned += p.files_scanned;
        report.bytes_scanned += p.bytes_scanned;
        report.binary_skipped += p.binary_skipped;
    }
    // Stable: a file's findings keep their order.
    findings.sort_by_key(|(i, _)| *i);
    skipped.sort_by_key(|(i, _)| *i);
    report.findings.extend(findings.into_iter().map(|(_, f)| f));
    report.skipped.extend(skipped.into_iter().map(|(_, s)| s));
}

fn scan_file(
    index: &ScanIndex,
    i: usize,
    file: &FileToScan,
    scanner: &mut Scanner,
    part: &mut Partial,
) {
    let path = &file.path;
    let skip = |part: &mut Partial, reason: String| {
        part.skipped.push((
            i,
            ScanSkip {
                path: display(path),
                reason,
            },
        ))
    };
    // Bounded even if the file grew since it was listed.
    let reason = match bounded::read_into(path, MAX_SCAN_FILE_BYTES, &mut scanner.buf) {
        Ok(()) => None,
        Err(Refusal::TooBig(len)) => Some(format!(
            "larger than {} MiB ({} MiB)",
            MAX_SCAN_FILE_BYTES >> 20,
            len.div_ceil(1 << 20)
        )),
        Err(Refusal::Missing(e) | Refusal::Unreadable(e)) => {
            Some(format!("not readable: {}", e.kind()))
        }
        Err(Refusal::NotAFile) => Some("no longer a regular file".into()),
    };
    if let Some(reason) = reason {
        skip(part, reason);
        return;
    }
    if is_binary(&scanner.buf) {
        part.binary_skipped += 1;
        return;
    }
    part.files_scanned += 1;
    part.bytes_scanned += scanner.buf.len() as u64;
    index.find_in(&scanner.buf, &mut scanner.hits);
    if !scanner.hits.is_empty() {
        let mut found = Vec::new();
        index.findings(
            &scanner.buf,
            &scanner.hits,
            &display(path),
            None,
            &mut found,
        );
        part.findings.extend(found.into_iter().map(|f| (i, f)));
    }
}
