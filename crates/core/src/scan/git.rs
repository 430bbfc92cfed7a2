//! A repository's history, through the real `git` command: every blob reachable from any ref is
//! read once (`git rev-list --all --objects` into `git cat-file --batch`), and the blobs holding
//! a secret are mapped to the commits that added them (`git log --all --raw`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{
    display, is_binary, ScanFinding, ScanIndex, ScanReport, ScanSkip, Scanner, MAX_SCAN_FILE_BYTES,
};
use crate::error::{InputError, Result, StorageError};

/// The folder git runs in for `path`: the path itself, or a file's folder.
fn git_dir_for(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// `git` in `dir`, never prompting, taking no optional locks, running no file-system monitor a
/// scanned repository's config might name.
fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(["-c", "core.fsmonitor=false", "-c", "core.quotePath=false"])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    cmd
}

fn git_failed(context: &str, detail: impl std::fmt::Display) -> crate::Error {
    StorageError::Git {
        context: context.to_string(),
        detail: detail.to_string(),
    }
    .into()
}

/// The repository `path` is in, as its absolute git directory (two paths in one repository
/// name the same one); refused when it is in none.
pub(super) fn repository_root(path: &Path) -> Result<PathBuf> {
    let out = git(&git_dir_for(path))
        .args(["rev-parse", "--absolute-git-dir"])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| git_failed("could not run git", e))?;
    if !out.status.success() {
        return Err(InputError::NotAGitRepository {
            path: path.to_path_buf(),
        }
        .into());
    }
    let dir = String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_string();
    Ok(PathBuf::from(dir))
}

/// Output of a git command that must succeed, with its first error line otherwise.
fn run(mut cmd: Command, context: &str) -> Result<Vec<u8>> {
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| git_failed(context, e))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.lines().next().unwrap_or("git failed").to_string();
        return Err(git_failed(context, crate::escape_for_terminal(&line)));
    }
    Ok(out.stdout)
}

/// Runs `git cat-file` with `args`, feeding it `ids` (one per line) from another thread while
/// `read` consumes its output.
fn cat_file<T>(
    dir: &Path,
    args: &[&str],
    ids: &[String],
    read: impl FnOnce(&mut dyn BufRead) -> Result<T>,
) -> Result<T> {
    let context = "could not read the repository's objects (git cat-file)";
    let mut child = git(dir)
        .arg("cat-file")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| git_failed(context, e))?;
    let mut stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let result = std::thread::scope(|s| {
        let writer = s.spawn(move || -> std::io::Result<()> {
            let mut w = std::io::BufWriter::new(&mut stdin);
            for id in ids {
                w.write_all(id.as_bytes())?;
                w.write_all(b"\n")?;
            }
            w.flush()
            // stdin closes when dropped here, and cat-file ends.
        });
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let result = read(&mut reader);
        // Drain whatever is left so the writer cannot block on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
        let wrote = writer.join().expect("writer thread");
        result.and_then(|v| wrote.map(|_| v).map_err(|e| git_failed(context, e)))
    });
    let status = child.wait().map_err(|e| git_failed(context, e))?;
    let value = result?;
    if !status.success() {
        return Err(git_failed(context, format!("git exited with {status}")));
    }
    Ok(value)
}

/// Scans every blob reachable from any ref of the repository `path` is in, once each, and
/// reports each finding at the commits that added that blob.
pub(super) fn scan_history(
    index: &ScanIndex,
    path: &Path,
    scanner: &mut Scanner,
    report: &mut ScanReport,
) -> Result<()> {
    let dir = git_dir_for(path);
    let repository = display(path);
    let mut list = git(&dir);
    list.args([
        "rev-list",
        "--all",
        "--objects",
        "--no-object-names",
        "--filter=object:type=blob",
    ]);
    let listed = run(
        list,
        "could not list the repository's history (git rev-list)",
    )?;
    let ids: Vec<String> = String::from_utf8_lossy(&listed)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();

    // Which of them are blobs, and how large.
    let format = "--batch-check=%(objectname) %(objecttype) %(objectsize)";
    let blobs: Vec<String> = cat_file(&dir, &[format], &ids, |r| {
        let mut blobs = Vec::new();
        for line in r.lines() {
            let line = line.map_err(|e| git_failed("could not read git cat-file", e))?;
            let mut parts = line.split(' ');
            let (Some(id), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if kind != "blob" {
                continue;
            }
            let size: u64 = size.parse().unwrap_or(u64::MAX);
            if size > MAX_SCAN_FILE_BYTES {
                report.skipped.push(ScanSkip {
                    path: format!("{repository}: blob {id}"),
                    reason: format!("larger than {} MiB", MAX_SCAN_FILE_BYTES >> 20),
                });
                continue;
            }
            blobs.push(id.to_string());
        }
        Ok(blobs)
    })?;

    // Each blob read once; the findings of each blob kept with an empty path for now.
    let mut found: Vec<(String, Vec<ScanFinding>)> = Vec::new();
    cat_file(&dir, &["--batch"], &blobs, |r| {
        let mut header = String::new();
        loop {
            header.clear();
            if r.read_line(&mut header)
                .map_err(|e| git_failed("could not read git cat-file", e))?
                == 0
            {
                return Ok(());
            }
            let mut parts = header.trim_end().split(' ');
            let id = parts.next().unwrap_or("").to_string();
            let size = match (parts.next(), parts.next()) {
                (Some(_), Some(size)) => size.parse::<u64>().unwrap_or(0),
                // `<id> missing`: nothing follows.
                _ => continue,
            };
            scanner.buf.clear();
            (&mut *r)
                .take(size)
                .read_to_end(&mut scanner.buf)
                .map_err(|e| git_failed("could not read git cat-file", e))?;
            let mut newline = [0u8; 1];
            let _ = r.read_exact(&mut newline);
            if is_binary(&scanner.buf) {
                report.binary_skipped += 1;
                continue;
            }
            report.blobs_scanned += 1;
            report.bytes_scanned += scanner.buf.len() as u64;
            index.find_in(&scanner.buf, &mut scanner.hits);
            if !scanner.hits.is_empty() {
                let mut findings = Vec::new();
                index.findings(&scanner.buf, &scanner.hits, "", None, &mut findings);
                found.push((id, findings));
            }
        }
    })?;
    if found.is_empty() {
        return Ok(());
    }

    // The commits that added each of those blobs, at which paths.
    let wanted: HashMap<&str, usize> = found
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let mut log = git(&dir);
    log.args([
        "log",
        "--all",
        "--no-renames",
        "--raw",
        "-z",
        "--no-abbrev",
        "--format=%x01%H",
    ]);
    let raw = run(log, "could not read the repository's history (git log)")?;
    let mut added: Vec<Vec<(String, String)>> = vec![Vec::new(); found.len()];
    let mut commit = String::new();
    let mut fields = raw.split(|&b| b == 0).peekable();
    while let Some(field) = fields.next() {
        let field = field.strip_prefix(b"\n").unwrap_or(field);
        if let Some(hash) = field.strip_prefix(b"\x01") {
            commit = String::from_utf8_lossy(hash).trim().to_string();
            continue;
        }
        if !field.starts_with(b":") {
            continue;
        }
        // `:old-mode new-mode old-id new-id status`, then the path as the next field.
        let Some(path) = fields.next() else { break };
        let meta = String::from_utf8_lossy(field);
        let parts: Vec<&str> = meta.split(' ').collect();
        let (Some(new_id), Some(status)) = (parts.get(3), parts.get(4)) else {
            continue;
        };
        if status.starts_with('D') {
            continue;
        }
        if let Some(&i) = wanted.get(new_id) {
            added[i].push((commit.clone(), String::from_utf8_lossy(path).into_owned()));
        }
    }
    for ((id, findings), commits) in found.into_iter().zip(added) {
        // A blob no commit's diff adds (reachable only through a merge's resolution, or a tag
        // pointing at a blob) is reported by its id.
        let commits = if commits.is_empty() {
            vec![(String::new(), format!("blob {id}"))]
        } else {
            commits
        };
        for (commit, path) in &commits {
            for f in &findings {
                report.findings.push(ScanFinding {
                    path: path.clone(),
                    commit: (!commit.is_empty()).then(|| commit.clone()),
                    repository: Some(repository.clone()),
                    ..f.clone()
                });
            }
        }
    }
    Ok(())
}
