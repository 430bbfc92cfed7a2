//! The leak sweep: finds the secrets this install holds wherever they were written down (files,
//! and with `git` every blob of a repository's history), without reading them out of the keychain.
//!
//! How a held key is recognised (see [`ScanIndex`]): the text is cut into runs of characters
//! that are neither whitespace nor control characters. A key ends at the end of a run or before
//! a punctuation character, and starts at the start of a run or after one. Each such end whose
//! last characters are the last characters of a held key's hint (`ghp_…3456`) is a candidate;
//! only then are the starts before it (that begin with the hint's prefix, if it has one) hashed,
//! with the same fingerprint the store keeps (plain SHA-256 for generated tokens, this install's
//! keyed HMAC for added keys), and looked up. A token in Tokenkeeper's own format is recognised
//! by its checksum and looked up by its SHA-256, so hash-only tokens are found too.
//!
//! Keys shorter than 8 characters have no tail in their hint: they are not searched (any word
//! could be one), and the report counts them.

mod git;
mod walk;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::fingerprint::FingerprintKey;
use crate::model::{Origin, Status, TokenState};
use crate::store::tokens;
use crate::validate::MAX_SECRET_BYTES;
use crate::vault::Vault;

/// Files larger than this are skipped (and listed in the report): 64 MiB.
pub const MAX_SCAN_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A file (or blob) with a NUL byte in its first this many bytes is binary and skipped, as git
/// itself decides.
const BINARY_SNIFF_BYTES: usize = 8192;

/// Keys shorter than this many characters are not searched (their hint shows no last characters).
const MIN_SEARCHABLE_CHARS: usize = 8;

/// One place a held secret was found. Never carries the secret or the text around it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanFinding {
    /// The file as found under the scanned path; for a finding in history, the path inside the
    /// commit.
    pub path: String,
    /// 1-based line of the secret's first character.
    pub line: u64,
    /// 1-based column, in bytes, of the secret's first character.
    pub column: u64,
    /// For a finding in a repository's history: the commit that added this version of the file
    /// (full hash); None for a file on disk.
    pub commit: Option<String>,
    /// For a finding in history: the repository scanned (the path given).
    pub repository: Option<String>,
    pub token_id: String,
    pub token_name: String,
    /// The token's display hint, e.g. `ghp_…3456`.
    pub hint: String,
    pub service: Option<String>,
    pub state: TokenState,
    /// Generated here (rotating prints a new one) or added from a service (reset it there first).
    pub origin: Origin,
}

/// A file that was not scanned, and why (too large, unreadable).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSkip {
    pub path: String,
    pub reason: String,
}

/// What a scan found and covered.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanReport {
    pub findings: Vec<ScanFinding>,
    /// Text files scanned on disk.
    pub files_scanned: u64,
    /// Distinct blobs scanned in repository histories.
    pub blobs_scanned: u64,
    /// Bytes read and searched, files and blobs together.
    pub bytes_scanned: u64,
    /// Files and blobs skipped as binary (a NUL byte in their first 8 KiB).
    pub binary_skipped: u64,
    /// Symbolic links met inside the scanned folders; never followed.
    pub symlinks_skipped: u64,
    /// Files too large or unreadable, each with its reason.
    pub skipped: Vec<ScanSkip>,
    /// Held keys that were looked for.
    pub keys_searched: u64,
    /// Held keys that cannot be looked for: shorter than 8 characters, or without a fingerprint
    /// here (an added key that arrived in a vault file without its secret).
    pub keys_not_searchable: u64,
}

/// What to scan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRequest {
    /// Files and folders. Folders are walked (ignored files too; `.git` internals and symbolic
    /// links are not).
    #[cfg_attr(feature = "ts", ts(type = "string[]"))]
    pub paths: Vec<PathBuf>,
    /// Also scan every blob reachable from any ref of the repository each path is in.
    pub git: bool,
}

/// A held token as findings name it.
#[derive(Debug, Clone)]
struct Held {
    id: String,
    name: String,
    hint: String,
    service: Option<String>,
    state: TokenState,
    origin: Origin,
}

/// What a candidate's last characters must be for one or more held keys, and the constraints on
/// its start.
#[derive(Debug, Clone)]
struct TailRule {
    /// The hint's last characters, as bytes.
    tail: Box<[u8]>,
    /// The hint's prefix (`ghp_`), empty when the hint shows none.
    prefix: Box<[u8]>,
    /// Length bounds of the secret, in bytes.
    min_len: usize,
    max_len: usize,
}

/// Everything a scan needs from the store, read once: the fingerprints of the held tokens and the
/// tails of their hints. Holds no secret but this install's fingerprint key; independent of the
/// [`Vault`], so a scan can run on another thread while the vault serves others.
pub struct ScanIndex {
    held: Vec<Held>,
    /// SHA-256 of the secret -> held token, for generated tokens (and added keys whose rows are
    /// not keyed yet).
    plain: HashMap<[u8; 32], usize>,
    /// Keyed fingerprint -> held token, for added keys.
    keyed: HashMap<[u8; 32], usize>,
    key: Option<FingerprintKey>,
    /// Rules by the last 4 bytes of their tail (keys of 16 characters and more).
    tails4: HashMap<u32, Vec<TailRule>>,
    /// A 65,536-bit filter over `tails4`'s keys, so most ends cost one bit test.
    filter4: Box<[u64]>,
    /// Rules by the last 2 bytes of their tail (keys of 8 to 15 characters).
    tails2: HashMap<u16, Vec<TailRule>>,
    filter2: Box<[u64]>,
    keys_searched: u64,
    keys_not_searchable: u64,
}

impl ScanIndex {
    /// An index holding no token yet, matching with `key` (this install's fingerprint key, when
    /// added keys are to be found).
    fn empty(key: Option<FingerprintKey>) -> ScanIndex {
        ScanIndex {
            held: Vec::new(),
            plain: HashMap::new(),
            keyed: HashMap::new(),
            key,
            tails4: HashMap::new(),
            filter4: vec![0u64; 1024].into_boxed_slice(),
            tails2: HashMap::new(),
            filter2: vec![0u64; 1024].into_boxed_slice(),
            keys_searched: 0,
            keys_not_searchable: 0,
        }
    }
}

impl std::fmt::Debug for ScanIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanIndex")
            .field("held", &self.held.len())
            .field("keys_searched", &self.keys_searched)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Reads what a scan needs: every live token's fingerprint and hint, and (only when live
    /// added keys exist) this install's fingerprint key from the keychain. No secret is read.
    pub fn scan_index(&self) -> Result<ScanIndex> {
        let now = Utc::now();
        let keyed_rows = self.fingerprints_keyed()?;
        let key = if keyed_rows && tokens::any_live_keyed(&self.conn)? {
            self.existing_fingerprint_key()?
                .map(FingerprintKey::duplicate)
        } else {
            None
        };
        let mut index = ScanIndex::empty(key);
        for t in tokens::all(&self.conn, now)? {
            if t.status == Status::Deleted {
                continue;
            }
            let Some(digest) = decode_digest(&t.fingerprint) else {
                index.keys_not_searchable += 1;
                continue;
            };
            let i = index.held.len();
            index.held.push(Held {
                id: t.id.clone(),
                name: t.name.clone(),
                hint: t.hint.clone(),
                service: t.service.clone(),
                state: t.state,
                origin: t.origin,
            });
            if t.origin == Origin::Generated {
                // Found by the token format's checksum, whatever its hint.
                index.plain.insert(digest, i);
                index.keys_searched += 1;
                continue;
            }
            if keyed_rows {
                if index.key.is_none() {
                    index.keys_not_searchable += 1;
                    continue;
                }
                index.keyed.insert(digest, i);
            } else {
                index.plain.insert(digest, i);
            }
            match tail_rule(&t.hint) {
                Some(rule) => {
                    index.add_rule(rule);
                    index.keys_searched += 1;
                }
                None => index.keys_not_searchable += 1,
            }
        }
        Ok(index)
    }

    /// Scans `req.paths` for the secrets this install holds (see [`ScanIndex::scan`]).
    pub fn scan(&self, req: &ScanRequest) -> Result<ScanReport> {
        self.scan_index()?.scan(req)
    }
}

impl ScanIndex {
    fn add_rule(&mut self, rule: TailRule) {
        let n = rule.tail.len();
        if n >= 4 {
            let k = u32::from_le_bytes(rule.tail[n - 4..].try_into().expect("4 bytes"));
            set_bit(&mut self.filter4, mix32(k));
            self.tails4.entry(k).or_default().push(rule);
        } else {
            let k = u16::from_le_bytes(rule.tail[n - 2..].try_into().expect("2 bytes"));
            set_bit(&mut self.filter2, k);
            self.tails2.entry(k).or_default().push(rule);
        }
    }

    /// Scans every path: files on disk (folders walked), and with `req.git` the history of the
    /// repository each path is in. Paths that do not exist are refused before anything is read.
    pub fn scan(&self, req: &ScanRequest) -> Result<ScanReport> {
        walk::check_paths(&req.paths)?;
        let mut report = ScanReport {
            keys_searched: self.keys_searched,
            keys_not_searchable: self.keys_not_searchable,
            ..Default::default()
        };
        // Refuse a path outside any repository before the (possibly long) walk; each repository
        // is read once, whichever of its paths were given.
        let mut repositories: Vec<(PathBuf, &PathBuf)> = Vec::new();
        if req.git {
            for path in &req.paths {
                let root = git::repository_root(path)?;
                if !repositories.iter().any(|(r, _)| *r == root) {
                    repositories.push((root, path));
                }
            }
        }
        let mut files = Vec::new();
        for path in &req.paths {
            walk::list_path(path, &mut files, &mut report)?;
        }
        walk::scan_files(self, &files, &mut report);
        let mut scanner = Scanner::default();
        for (_, path) in repositories {
            git::scan_history(self, path, &mut scanner, &mut report)?;
        }
        Ok(report)
    }

    /// Finds held secrets in one buffer; each hit is (byte offset, held token), in order.
    pub(crate) fn find_in(&self, buf: &[u8], hits: &mut Vec<(usize, usize)>) {
        hits.clear();
        let have_tails = !self.tails4.is_empty() || !self.tails2.is_empty();
        let have_plain = !self.plain.is_empty();
        if !have_tails && !have_plain {
            return;
        }
        let n = buf.len();
        let mut run_start = 0;
        // An iterator, so the hot loop has no bounds checks.
        for (i, &b) in buf.iter().enumerate() {
            let class = CLASS[usize::from(b)];
            if class == WORD {
                continue;
            }
            if have_tails && i > run_start {
                self.check_end(buf, run_start, i, hits);
            }
            if class == BREAK {
                run_start = i + 1;
            } else if b == b'_' && have_plain {
                self.check_token_format(buf, run_start, i, hits);
            }
        }
        if have_tails && n > run_start {
            self.check_end(buf, run_start, n, hits);
        }
        hits.sort_unstable();
        hits.dedup();
    }

    /// A candidate end `e` of the run starting at `run_start`: looks its last bytes up among the
    /// hints' tails, and hashes the candidate starts only on a match.
    fn check_end(&self, buf: &[u8], run_start: usize, e: usize, hits: &mut Vec<(usize, usize)>) {
        let len = e - run_start;
        if len >= 4 && !self.tails4.is_empty() {
            let k = u32::from_le_bytes(buf[e - 4..e].try_into().expect("4 bytes"));
            if test_bit(&self.filter4, mix32(k)) {
                if let Some(rules) = self.tails4.get(&k) {
                    self.try_starts(buf, run_start, e, rules, hits);
                }
            }
        }
        if len >= 2 && !self.tails2.is_empty() {
            let k = u16::from_le_bytes(buf[e - 2..e].try_into().expect("2 bytes"));
            if test_bit(&self.filter2, k) {
                if let Some(rules) = self.tails2.get(&k) {
                    self.try_starts(buf, run_start, e, rules, hits);
                }
            }
        }
    }

    fn try_starts(
        &self,
        buf: &[u8],
        run_start: usize,
        e: usize,
        rules: &[TailRule],
        hits: &mut Vec<(usize, usize)>,
    ) {
        let word = &buf[run_start..e];
        let rules: Vec<&TailRule> = rules.iter().filter(|r| word.ends_with(&r.tail)).collect();
        let Some(min) = rules.iter().map(|r| r.min_len).min() else {
            return;
        };
        let max = rules.iter().map(|r| r.max_len).max().unwrap_or(0);
        if e - run_start < min {
            return;
        }
        let lowest = run_start.max(e.saturating_sub(max));
        let mut s = e - min;
        loop {
            let boundary = s == run_start || CLASS[buf[s - 1] as usize] == PUNCT;
            if boundary {
                let cand = &buf[s..e];
                let fits = rules.iter().any(|r| {
                    (r.min_len..=r.max_len).contains(&cand.len()) && cand.starts_with(&r.prefix)
                });
                if fits && std::str::from_utf8(cand).is_ok() {
                    if let Some(i) = self.lookup(cand) {
                        hits.push((s, i));
                    }
                }
            }
            if s == lowest {
                break;
            }
            s -= 1;
        }
    }

    /// At a `_`: a token in Tokenkeeper's format around it (prefix of 1-16 lowercase letters and
    /// digits before, 38 base62 characters after, nothing alphanumeric on either side) whose
    /// checksum holds is looked up by its SHA-256.
    fn check_token_format(
        &self,
        buf: &[u8],
        run_start: usize,
        u: usize,
        hits: &mut Vec<(usize, usize)>,
    ) {
        const BODY: usize = 38;
        let end = u + 1 + BODY;
        if end > buf.len() || (end < buf.len() && buf[end].is_ascii_alphanumeric()) {
            return;
        }
        if !buf[u + 1..end].iter().all(u8::is_ascii_alphanumeric) {
            return;
        }
        let mut s = u;
        while s > run_start && u - s < 17 && matches!(buf[s - 1], b'a'..=b'z' | b'0'..=b'9') {
            s -= 1;
        }
        if s == u || u - s > 16 || (s > 0 && buf[s - 1].is_ascii_alphanumeric()) {
            return;
        }
        let Ok(cand) = std::str::from_utf8(&buf[s..end]) else {
            return;
        };
        if crate::token_format::check(cand).is_err() {
            return;
        }
        let digest: [u8; 32] = Sha256::digest(cand.as_bytes()).into();
        if let Some(&i) = self.plain.get(&digest) {
            hits.push((s, i));
        }
    }

    /// The held token whose secret is `cand`, by either kind of fingerprint.
    fn lookup(&self, cand: &[u8]) -> Option<usize> {
        let digest: [u8; 32] = Sha256::digest(cand).into();
        if let Some(&i) = self.plain.get(&digest) {
            return Some(i);
        }
        let key = self.key.as_ref()?;
        self.keyed.get(&key.keyed_digest(&digest)).copied()
    }

    /// The findings of one buffer's hits, with line and column.
    fn findings(
        &self,
        buf: &[u8],
        hits: &[(usize, usize)],
        path: &str,
        commit: Option<(&str, &str)>,
        out: &mut Vec<ScanFinding>,
    ) {
        let mut line = 1u64;
        let mut counted = 0usize;
        let mut line_start = 0usize;
        for &(offset, i) in hits {
            for (j, &b) in buf[counted..offset].iter().enumerate() {
                if b == b'\n' {
                    line += 1;
                    line_start = counted + j + 1;
                }
            }
            counted = offset;
            let h = &self.held[i];
            out.push(ScanFinding {
                path: path.to_string(),
                line,
                column: (offset - line_start + 1) as u64,
                commit: commit.map(|(c, _)| c.to_string()),
                repository: commit.map(|(_, r)| r.to_string()),
                token_id: h.id.clone(),
                token_name: h.name.clone(),
                hint: h.hint.clone(),
                service: h.service.clone(),
                state: h.state,
                origin: h.origin,
            });
        }
    }
}

/// Reused buffers across files.
#[derive(Default)]
pub(crate) struct Scanner {
    buf: Vec<u8>,
    hits: Vec<(usize, usize)>,
}

/// Whether a buffer is binary: a NUL byte in its first 8 KiB.
fn is_binary(buf: &[u8]) -> bool {
    buf[..buf.len().min(BINARY_SNIFF_BYTES)].contains(&0)
}

/// Byte classes: whitespace and control characters end a run; ASCII punctuation may start or
/// end a key inside one; letters, digits and every byte of a non-ASCII character are inside.
const BREAK: u8 = 0;
const PUNCT: u8 = 1;
const WORD: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [WORD; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c <= b' ' || c == 0x7f {
            BREAK
        } else if c.is_ascii_alphanumeric() {
            WORD
        } else {
            PUNCT
        };
        b += 1;
    }
    t
};

/// The rule a hint gives: `prefix…tail`. None when it shows no last characters (a key shorter
/// than 8 characters) or is not in that shape.
fn tail_rule(hint: &str) -> Option<TailRule> {
    let (prefix, tail) = hint.split_once('…')?;
    let tail_chars = tail.chars().count();
    // hint_for shows 4 last characters from 16 characters on, 2 from 8 to 15, none below.
    let (min_chars, max_chars) = match tail_chars {
        4 => (16, usize::MAX),
        2 => (MIN_SEARCHABLE_CHARS, 15),
        _ => return None,
    };
    let min_len = min_chars.max(prefix.len() + tail.len());
    let max_len = if max_chars == usize::MAX {
        MAX_SECRET_BYTES
    } else {
        max_chars * 4
    };
    Some(TailRule {
        tail: tail.as_bytes().into(),
        prefix: prefix.as_bytes().into(),
        min_len,
        max_len: max_len.min(MAX_SECRET_BYTES),
    })
}

fn decode_digest(hex: &str) -> Option<[u8; 32]> {
    let b = hex.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi << 4 | lo) as u8;
    }
    Some(out)
}

fn mix32(k: u32) -> u16 {
    (k.wrapping_mul(0x9E37_79B1) >> 16) as u16
}

fn set_bit(bits: &mut [u64], i: u16) {
    bits[usize::from(i) / 64] |= 1 << (i % 64);
}

fn test_bit(bits: &[u64], i: u16) -> bool {
    bits[usize::from(i) / 64] & (1 << (i % 64)) != 0
}

/// A path as a finding shows it (not valid UTF-8 is shown with replacement characters).
fn display(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_with(plain: &[&str]) -> ScanIndex {
        let mut index = ScanIndex::empty(None);
        for (i, s) in plain.iter().enumerate() {
            let secret = secrecy::SecretString::from(s.to_string());
            index.held.push(Held {
                id: format!("id{i}"),
                name: format!("k{i}"),
                hint: crate::hint_for(&secret),
                service: None,
                state: TokenState::Active,
                origin: Origin::Imported,
            });
            index.plain.insert(Sha256::digest(s.as_bytes()).into(), i);
            if let Some(rule) = tail_rule(&crate::hint_for(&secret)) {
                index.add_rule(rule);
            }
        }
        index
    }

    fn found(index: &ScanIndex, text: &str) -> Vec<(usize, usize)> {
        let mut hits = Vec::new();
        index.find_in(text.as_bytes(), &mut hits);
        hits
    }

    #[test]
    fn finds_a_key_wherever_punctuation_or_space_bounds_it() {
        let key = "ghp_abcdefghijklmnopqrstuvwxyz123456";
        let index = index_with(&[key, "s3cr3t-pass.word"]);
        for (text, at) in [
            (format!("GITHUB_TOKEN={key}\n"), 13),
            (format!("token: \"{key}\","), 8),
            (key.to_string(), 0),
            (format!("see {key}."), 4),
            (format!("https://x:{key}@host"), 10),
        ] {
            assert_eq!(found(&index, &text), vec![(at, 0)], "{text}");
        }
        assert_eq!(found(&index, "pw=s3cr3t-pass.word;"), vec![(3, 1)]);
        // Not a key: a longer word that contains it, another key with the same tail.
        assert!(found(&index, &format!("x{key}")).is_empty());
        assert!(found(&index, "ghp_bbcdefghijklmnopqrstuvwxyz123456").is_empty());
        assert!(found(&index, "a1s3cr3t-pass.word").is_empty());
    }

    #[test]
    fn hints_give_the_tail_rules() {
        let r = tail_rule("ghp_…3456").unwrap();
        assert_eq!(
            (&*r.prefix, &*r.tail, r.min_len),
            (&b"ghp_"[..], &b"3456"[..], 16)
        );
        let r = tail_rule("…ij").unwrap();
        assert_eq!((r.min_len, r.max_len), (8, 60));
        assert!(tail_rule("…").is_none());
        assert!(tail_rule("garbage").is_none());
    }
}
