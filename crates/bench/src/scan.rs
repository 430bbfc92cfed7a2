//! The leak sweep's rows: `tok scan` on a large generated tree next to grep reading every byte of
//! it (the floor), and `tok scan` and detect-secrets (the peer, from PyPI) scanning the same
//! smaller tree in the same run, all in MB per second. The trees are source-like text with held
//! keys planted among look-alikes that are not held (random keys of the same shapes, well-formed
//! `tk_` tokens issued elsewhere), and each run's findings are checked: exactly the planted keys.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use secrecy::{ExposeSecret, SecretString};
use tokenkeeper_core::{token_format, ImportRequest, NewToken, Vault};

use crate::compare::{GoalKind, Row};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The release `tok` binary
    #[arg(long)]
    tok: PathBuf,
    /// The peer: detect-secrets' executable
    #[arg(long)]
    peer: PathBuf,
    /// A fresh directory for the store and the tree
    #[arg(long)]
    work: PathBuf,
    /// Size of the large tree tok scans next to grep, in MiB
    #[arg(long, default_value_t = 200)]
    mib: usize,
    /// Size of the tree tok and detect-secrets both scan, in MiB (detect-secrets reads well
    /// under 1 MB/s)
    #[arg(long, default_value_t = 4)]
    peer_mib: usize,
    #[arg(long, default_value_t = 5)]
    runs: usize,
    #[arg(long, default_value_t = 3)]
    peer_runs: usize,
    /// Added keys held by the store (generated tokens: 10 times as many)
    #[arg(long, default_value_t = 200)]
    keys: usize,
}

const FILE_BYTES: usize = 256 * 1024;
const WORDS: &[&str] = &[
    "let", "const", "return", "if", "else", "for", "while", "function", "self", "config", "value",
    "user", "request", "response", "error", "result", "token", "client", "server", "data", "items",
    "index", "name", "path", "options", "default", "true", "false", "null", "import", "from",
    "export", "class", "def", "async", "await", "match", "struct", "impl",
];

/// A xorshift generator: the tree is the same on every run of the benchmark.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn base62(&mut self, n: usize) -> String {
        const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..n).map(|_| A[self.below(62)] as char).collect()
    }
}

/// A key of one of the well-known shapes.
fn shaped_key(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!("ghp_{}", rng.base62(36)),
        1 => format!("sk_live_{}", rng.base62(24)),
        2 => format!("xoxb-{}-{}", rng.base62(12), rng.base62(24)),
        3 => format!("glpat-{}", rng.base62(20)),
        4 => format!("sk-proj-{}", rng.base62(48)),
        _ => format!("AKIA{}", rng.base62(16).to_uppercase()),
    }
}

pub fn run(a: ScanArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&a.work)?;
    let home = a.work.join("home");
    let mut rng = Rng(0x5EED_5CA7);

    // The store: added keys of every shape, and ten times as many generated tokens.
    let mut vault = Vault::open(&home).context("opening the scan store")?;
    let mut held: Vec<(String, String)> = Vec::new();
    // Generated first: the seeding checks that the store holds exactly what it made.
    let generated = crate::seed::fill(&mut vault, a.keys * 10, 0)?;
    for (i, s) in generated.iter().enumerate() {
        held.push((crate::seed::name(i), s.expose_secret().to_string()));
    }
    for i in 0..a.keys {
        let key = shaped_key(&mut rng);
        let name = format!("key-{i:04}");
        vault.import(ImportRequest {
            token: NewToken {
                name: name.clone(),
                ..Default::default()
            },
            secret: SecretString::from(key.clone()),
        })?;
        held.push((name, key));
    }
    drop(vault);

    let large = make_tree(&a.work.join("large"), a.mib, &held, &mut rng)?;
    let small = make_tree(&a.work.join("small"), a.peer_mib, &held, &mut rng)?;

    // Row 1: the large tree, next to grep reading every byte of it for one fixed string.
    let (mut o, mut f) = (Vec::new(), Vec::new());
    time_tok(&a.tok, &home, &large, true)?;
    time_grep(&large)?;
    for i in 0..a.runs {
        if i % 2 == 0 {
            o.push(time_tok(&a.tok, &home, &large, false)?);
            f.push(time_grep(&large)?);
        } else {
            f.push(time_grep(&large)?);
            o.push(time_tok(&a.tok, &home, &large, false)?);
        }
    }
    let row = Row {
        row: "leak sweep".into(),
        workload: format!(
            "MB/s: tok scan of {:.0} MB in {} files for {} held keys ({} added, {} generated), \
             {} planted among {} look-alikes, found exactly",
            large.mb(),
            large.files,
            held.len(),
            a.keys,
            held.len() - a.keys,
            large.planted_total(),
            large.decoys,
        ),
        floor: "grep -rcF of one string, same tree".into(),
        unit: "/s".into(),
        ours: o,
        floor_runs: f,
        goal: GoalKind::RateMin,
        goal_value: 100.0,
    };
    println!("{}", serde_json::to_string(&row)?);

    // Row 2: the peer, on a smaller tree of the same kind (it reads well under 1 MB/s here).
    let mut peer_flagged = 0usize;
    let mut peer = |count: bool| -> Result<f64> {
        let started = Instant::now();
        let out = Command::new(&a.peer)
            .args(["scan", "--all-files", "."])
            .current_dir(&small.dir)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", a.peer.display()))?;
        let secs = started.elapsed().as_secs_f64();
        if !out.status.success() {
            bail!(
                "detect-secrets failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if count {
            let j: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            peer_flagged = j["results"]
                .as_object()
                .map(|m| m.values().filter_map(|v| v.as_array()).map(Vec::len).sum())
                .unwrap_or(0);
        }
        Ok(small.mb() / secs)
    };
    // One untimed run each warms the page cache; ours checks what it found, the peer's count
    // of flagged strings is reported.
    time_tok(&a.tok, &home, &small, true)?;
    peer(true)?;
    let (mut o, mut p) = (Vec::new(), Vec::new());
    for i in 0..a.peer_runs {
        if i % 2 == 0 {
            o.push(time_tok(&a.tok, &home, &small, false)?);
            p.push(peer(false)?);
        } else {
            p.push(peer(false)?);
            o.push(time_tok(&a.tok, &home, &small, false)?);
        }
    }
    let row = Row {
        row: "leak sweep, peer".into(),
        workload: format!(
            "scan of {:.1} MB in {} files, {} planted held keys among {} look-alikes: tok found \
             exactly the {}, detect-secrets flagged {peer_flagged}",
            small.mb(),
            small.files,
            small.planted_total(),
            small.decoys,
            small.planted_total(),
        ),
        floor: "detect-secrets 1.5.0 scan --all-files".into(),
        // Times, not rates: the peer's rate rounds to 0 MB/s in the table.
        unit: "ms".into(),
        ours: o.iter().map(|r| small.mb() / r * 1e3).collect(),
        floor_runs: p.iter().map(|r| small.mb() / r * 1e3).collect(),
        goal: GoalKind::Report,
        goal_value: 0.0,
    };
    println!("{}", serde_json::to_string(&row)?);
    Ok(ExitCode::SUCCESS)
}

/// A generated tree and what was put in it.
struct Tree {
    dir: PathBuf,
    files: usize,
    bytes: u64,
    planted: BTreeMap<String, usize>,
    decoys: usize,
}

impl Tree {
    fn mb(&self) -> f64 {
        self.bytes as f64 / 1e6
    }
    fn planted_total(&self) -> usize {
        self.planted.values().sum()
    }
}

/// Source-like lines, a look-alike every 40 lines, and one held key planted in every 16th file.
fn make_tree(
    dir: &std::path::Path,
    mib: usize,
    held: &[(String, String)],
    rng: &mut Rng,
) -> Result<Tree> {
    let files = (mib * 1024 * 1024).div_ceil(FILE_BYTES);
    let mut planted: BTreeMap<String, usize> = BTreeMap::new();
    let mut decoys = 0usize;
    let mut bytes = 0u64;
    for f in 0..files {
        let sub = dir.join(format!("pkg{:02}/src/mod{:02}", f % 23, f % 7));
        std::fs::create_dir_all(&sub)?;
        let ext = ["rs", "py", "js", "yml", "md", "env"][f % 6];
        let mut text = String::with_capacity(FILE_BYTES + 256);
        let plant_at = (f % 16 == 0).then(|| 1 + rng.below(FILE_BYTES / 100));
        let mut line = 0;
        while text.len() < FILE_BYTES {
            line += 1;
            if plant_at == Some(line) {
                let (name, key) = &held[rng.below(held.len())];
                text.push_str(&format!("    api_key = \"{key}\"\n"));
                *planted.entry(name.clone()).or_default() += 1;
                continue;
            }
            if line % 40 == 0 {
                let decoy = if rng.below(3) == 0 {
                    token_format::generate("tk")?.expose_secret().to_string()
                } else {
                    shaped_key(rng)
                };
                text.push_str(&format!("SECRET_{line}={decoy}\n"));
                decoys += 1;
                continue;
            }
            text.push_str("    ");
            for w in 0..(4 + rng.below(8)) {
                if w > 0 {
                    text.push(' ');
                }
                text.push_str(WORDS[rng.below(WORDS.len())]);
                if rng.below(5) == 0 {
                    text.push_str(&format!("({}, {})", rng.below(1000), rng.base62(6)));
                }
            }
            text.push_str(";\n");
        }
        bytes += text.len() as u64;
        std::fs::File::create(sub.join(format!("file{f:05}.{ext}")))?.write_all(text.as_bytes())?;
    }
    Ok(Tree {
        dir: dir.to_path_buf(),
        files,
        bytes,
        planted,
        decoys,
    })
}

/// One `tok scan` of the tree, in MB/s; with `check`, what it found must be what was planted.
fn time_tok(
    tok: &std::path::Path,
    home: &std::path::Path,
    tree: &Tree,
    check: bool,
) -> Result<f64> {
    let started = Instant::now();
    let out = Command::new(tok)
        .args(["--json", "scan"])
        .arg(&tree.dir)
        .env("TOKENKEEPER_HOME", home)
        .stdin(Stdio::null())
        .output()?;
    let secs = started.elapsed().as_secs_f64();
    ensure!(
        out.status.code() == Some(1),
        "tok scan should exit 1 (found): {} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    if check {
        let j: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let mut found: BTreeMap<String, usize> = BTreeMap::new();
        for f in j["findings"].as_array().context("findings")? {
            *found
                .entry(f["token_name"].as_str().unwrap_or("").to_string())
                .or_default() += 1;
        }
        ensure!(
            found == tree.planted,
            "tok scan found {found:?}, but {:?} were planted",
            tree.planted
        );
    }
    Ok(tree.mb() / secs)
}

/// The floor: grep reading every byte of the tree for one fixed string (absent, exit 1).
fn time_grep(tree: &Tree) -> Result<f64> {
    let started = Instant::now();
    let status = Command::new("grep")
        .args(["-rcF", "tokenkeeper-absent-string"])
        .arg(&tree.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()?;
    let secs = started.elapsed().as_secs_f64();
    ensure!(status.code() == Some(1), "grep failed: {status}");
    Ok(tree.mb() / secs)
}
