//! The reliability harness: a writer that runs lifecycle operations and logs each one before it
//! starts and after it reports success or failure, and a checker that opens the store afterwards
//! (reconciling it, as every open does) and proves that nothing reported as done was lost,
//! nothing that failed left a trace, and the keychain and SQLite agree.
//!
//! The log is tab-separated, one `write` per line (so a SIGKILL never leaves half a line):
//! `start LABEL SEQ OP NAME`, then `ok LABEL SEQ OP NAME STATE-JSON` or
//! `fail LABEL SEQ OP NAME KIND MESSAGE`. A `start` with neither after it was in flight.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context, Result};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokenkeeper_core::{
    ChangeKind, ExportTarget, GenerateRequest, ImportKey, ImportRequest, KeychainStore, ListQuery,
    MergePlan, NewToken, Origin, Resolution, RotateRequest, SecretStore, Status, Storage, Token,
    TokenEdit, TokenState, Vault, VerifyStatus, DB_FILE,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// Every lifecycle operation, hash-only and keychain tokens alike
    All,
    /// Only operations that touch the keychain (for the keychain-gone fault)
    Keychain,
    /// Writes with long descriptions (for the disk-full fault)
    Storage,
}

#[derive(Debug, clap::Args)]
pub struct WriterArgs {
    #[arg(long)]
    dir: PathBuf,
    #[arg(long)]
    log: PathBuf,
    /// Prefix of this writer's token names; unique per writer and per restart
    #[arg(long)]
    label: String,
    /// Operations to run; 0 runs until killed
    #[arg(long, default_value_t = 0)]
    ops: usize,
    /// Run each operation through this `tok` binary instead of the core in this process
    #[arg(long)]
    via_tok: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "all")]
    mix: Mix,
    /// Error kinds that are expected (logged, and the loop goes on); any other ends the writer
    #[arg(long)]
    tolerate: Vec<String>,
    /// A second install's data directory: some operations then change it and import its export
    /// (a vault file) here, and export this store (core driver only)
    #[arg(long)]
    peer: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[arg(long)]
    dir: PathBuf,
    #[arg(long, required = true)]
    log: Vec<PathBuf>,
    /// Check keychain secrets only for tokens this label touched (the rest were checked before)
    #[arg(long)]
    recent: Option<String>,
    /// Failure kinds that are expected; any other failure is a violation
    #[arg(long)]
    allow_fail: Vec<String>,
    /// The fault must really have happened: at least one failure of this kind
    #[arg(long)]
    expect_fail: Option<String>,
    /// Every expected failure's message must contain this text (the clear message users get)
    #[arg(long)]
    expect_message: Option<String>,
}

/// What a user can observe of a token, as the log records it after each operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Observed {
    id: String,
    status: Status,
    description: String,
    fingerprint: String,
    storage: Storage,
}

impl From<&Token> for Observed {
    fn from(t: &Token) -> Self {
        Observed {
            id: t.id.clone(),
            status: t.status,
            description: t.description.clone(),
            fingerprint: t.fingerprint.clone(),
            storage: t.storage,
        }
    }
}

/// One of this writer's tokens, and the secret it would present (when it knows it).
struct Own {
    name: String,
    origin: Origin,
    status: Status,
    secret: SecretString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Generate,
    GenerateKeep,
    Import,
    Disable,
    Enable,
    Edit,
    Rotate,
    Delete,
    Verify,
    /// Export this store to its own key and preview the file.
    Export,
    /// Change the peer, then import the peer's export here.
    FileImport,
    /// Keep the keys of a .env file (two new keys, one transaction: tok import-env's path).
    EnvImport,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Generate => "generate",
            Op::GenerateKeep => "generate-keep",
            Op::Import => "import",
            Op::Disable => "disable",
            Op::Enable => "enable",
            Op::Edit => "edit",
            Op::Rotate => "rotate",
            Op::Delete => "delete",
            Op::Verify => "verify",
            Op::Export => "export",
            Op::FileImport => "file-import",
            Op::EnvImport => "env-import",
        }
    }
}

/// An error as the writer logs it: kind and message, never a secret (the core's never carry one).
struct Failure {
    kind: String,
    message: String,
}

impl From<tokenkeeper_core::Error> for Failure {
    fn from(e: tokenkeeper_core::Error) -> Self {
        Failure {
            kind: e.kind().to_string(),
            message: e.to_string(),
        }
    }
}

struct Log(std::fs::File);

impl Log {
    fn line(&mut self, fields: &[&str]) -> Result<()> {
        let clean: Vec<String> = fields
            .iter()
            .map(|f| f.replace(['\t', '\n'], " "))
            .collect();
        // One write per line, appended: a kill never leaves half a line behind.
        self.0
            .write_all(format!("{}\n", clean.join("\t")).as_bytes())?;
        Ok(())
    }
}

/// Runs operations through the core in this process, as the app does.
struct CoreDriver(Vault);
/// Runs each operation as a `tok` process, as a script does.
struct TokDriver {
    tok: PathBuf,
    dir: PathBuf,
}

trait Driver {
    fn generate(
        &mut self,
        name: &str,
        desc: &str,
        keep: bool,
    ) -> Result<(Token, SecretString), Failure>;
    fn import(&mut self, name: &str, desc: &str, secret: &SecretString) -> Result<Token, Failure>;
    fn set_enabled(&mut self, name: &str, enabled: bool) -> Result<Token, Failure>;
    fn edit(&mut self, name: &str, desc: &str) -> Result<Token, Failure>;
    fn rotate(
        &mut self,
        own: &Own,
        new: Option<&SecretString>,
    ) -> Result<(Token, Option<SecretString>), Failure>;
    fn delete(&mut self, name: &str) -> Result<Token, Failure>;
    fn verify(&mut self, secret: &SecretString) -> Result<VerifyStatus, Failure>;
    /// The store itself, for vault-file operations (the core driver only).
    fn vault(&mut self) -> Option<&mut Vault> {
        None
    }
}

impl Driver for CoreDriver {
    fn generate(
        &mut self,
        name: &str,
        desc: &str,
        keep: bool,
    ) -> Result<(Token, SecretString), Failure> {
        let issued = self.0.generate(GenerateRequest {
            token: NewToken {
                name: name.into(),
                description: desc.into(),
                ..Default::default()
            },
            keep,
        })?;
        Ok((issued.token, issued.secret))
    }
    fn import(&mut self, name: &str, desc: &str, secret: &SecretString) -> Result<Token, Failure> {
        Ok(self.0.import(ImportRequest {
            token: NewToken {
                name: name.into(),
                description: desc.into(),
                service: None,
                scopes: vec!["read".into()],
                expires_at: None,
            },
            secret: secret.clone(),
        })?)
    }
    fn set_enabled(&mut self, name: &str, enabled: bool) -> Result<Token, Failure> {
        Ok(self.0.set_enabled(name, enabled)?)
    }
    fn edit(&mut self, name: &str, desc: &str) -> Result<Token, Failure> {
        Ok(self.0.edit(
            name,
            TokenEdit {
                description: Some(desc.into()),
                ..Default::default()
            },
        )?)
    }
    fn rotate(
        &mut self,
        own: &Own,
        new: Option<&SecretString>,
    ) -> Result<(Token, Option<SecretString>), Failure> {
        let r = self.0.rotate(
            &own.name,
            RotateRequest {
                grace: Default::default(),
                new_secret: new.cloned(),
            },
        )?;
        Ok((r.token, r.secret))
    }
    fn delete(&mut self, name: &str) -> Result<Token, Failure> {
        Ok(self.0.delete(name)?)
    }
    fn verify(&mut self, secret: &SecretString) -> Result<VerifyStatus, Failure> {
        Ok(self.0.verify(secret)?.status)
    }
    fn vault(&mut self) -> Option<&mut Vault> {
        Some(&mut self.0)
    }
}

#[derive(Deserialize)]
struct IssuedJson {
    token: Token,
    secret: String,
}

#[derive(Deserialize)]
struct VerifyJson {
    status: String,
}

#[derive(Deserialize)]
struct ErrorJson {
    kind: String,
    message: String,
}

impl TokDriver {
    /// Runs `tok --json ARGS`, feeding `stdin`; stdout parsed as T, or the error JSON on stderr.
    fn tok<T: serde::de::DeserializeOwned>(
        &self,
        args: &[&str],
        stdin: Option<&SecretString>,
        ok_codes: &[i32],
    ) -> Result<T, Failure> {
        let spawn_failure = |e: std::io::Error| Failure {
            kind: "harness".into(),
            message: format!("could not run {}: {e}", self.tok.display()),
        };
        let mut child = Command::new(&self.tok)
            .arg("--json")
            .args(args)
            .env("TOKENKEEPER_HOME", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_failure)?;
        {
            let mut input = child.stdin.take().expect("stdin is piped");
            if let Some(s) = stdin {
                let _ = input.write_all(s.expose_secret().as_bytes());
            }
        }
        let out = child.wait_with_output().map_err(spawn_failure)?;
        let code = out.status.code().unwrap_or(-1);
        if ok_codes.contains(&code) {
            return serde_json::from_slice(&out.stdout).map_err(|e| Failure {
                kind: "harness".into(),
                message: format!("tok {} printed unreadable JSON: {e}", args[0]),
            });
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        match serde_json::from_str::<ErrorJson>(stderr.trim()) {
            Ok(e) => Err(Failure {
                kind: e.kind,
                message: e.message,
            }),
            Err(_) => Err(Failure {
                kind: "harness".into(),
                message: format!("tok {} exited {code}: {}", args[0], stderr.trim()),
            }),
        }
    }
}

impl Driver for TokDriver {
    fn generate(
        &mut self,
        name: &str,
        desc: &str,
        keep: bool,
    ) -> Result<(Token, SecretString), Failure> {
        let mut args = vec!["generate", name, "--description", desc];
        if keep {
            args.push("--keep");
        }
        let issued: IssuedJson = self.tok(&args, None, &[0])?;
        Ok((issued.token, SecretString::from(issued.secret)))
    }
    fn import(&mut self, name: &str, desc: &str, secret: &SecretString) -> Result<Token, Failure> {
        self.tok(
            &["add", name, "--description", desc, "--scope", "read"],
            Some(secret),
            &[0],
        )
    }
    fn set_enabled(&mut self, name: &str, enabled: bool) -> Result<Token, Failure> {
        self.tok(
            &[if enabled { "enable" } else { "disable" }, name],
            None,
            &[0],
        )
    }
    fn edit(&mut self, name: &str, desc: &str) -> Result<Token, Failure> {
        self.tok(&["edit", name, "--description", desc], None, &[0])
    }
    fn rotate(
        &mut self,
        own: &Own,
        new: Option<&SecretString>,
    ) -> Result<(Token, Option<SecretString>), Failure> {
        let args = ["rotate", own.name.as_str(), "--grace", "now"];
        match new {
            Some(new) => Ok((self.tok(&args, Some(new), &[0])?, None)),
            None => {
                let issued: IssuedJson = self.tok(&args, None, &[0])?;
                Ok((issued.token, Some(SecretString::from(issued.secret))))
            }
        }
    }
    fn delete(&mut self, name: &str) -> Result<Token, Failure> {
        self.tok(&["delete", name, "--yes"], None, &[0])
    }
    fn verify(&mut self, secret: &SecretString) -> Result<VerifyStatus, Failure> {
        let v: VerifyJson = self.tok(&["verify"], Some(secret), &[0, 1])?;
        Ok(match v.status.as_str() {
            "active" => VerifyStatus::Active,
            "disabled" => VerifyStatus::Disabled,
            "expired" => VerifyStatus::Expired,
            _ => VerifyStatus::Unknown,
        })
    }
}

/// The peer's export, encrypted to this store's key, and this store's preview of it: the one
/// place the run makes and opens a file from another install.
/// The peer is a team mate here: its key is trusted on first sight, as a user who compared
/// fingerprints would.
fn peer_file(here: &mut Vault, peer: &mut Vault) -> Result<MergePlan, Failure> {
    let file = peer.export(ExportTarget::Recipients(vec![here.public_key()?]))?;
    let mut plan = here.preview_import(&file, ImportKey::OwnIdentity)?;
    if !plan.signer.trusted {
        here.trust_signer(&mut plan, Some("peer"))?;
    }
    Ok(plan)
}

/// This store's export to its own key, opened again: a file of its own changes nothing.
fn export_own(here: &mut Vault) -> Result<(), Failure> {
    let key = here.public_key()?;
    let file = here.export(ExportTarget::Recipients(vec![key]))?;
    let plan = here.preview_import(&file, ImportKey::OwnIdentity)?;
    if plan.changes_anything() {
        return Err(Failure {
            kind: "violation".into(),
            message: format!(
                "importing this store's own export would change it: {:?}",
                plan.counts
            ),
        });
    }
    Ok(())
}

/// Live tokens the peer keeps; past this it deletes one per import, so its export stays small.
const PEER_LIVE: usize = 4;

/// Changes the peer (a new token; sometimes a rotation or a deletion of one it holds), then
/// imports the peer's export here. Each token the import changes is logged under its own name:
/// `start` with the state the file brings (so the checker knows what an interrupted import may
/// have left), then `ok` with the state here, or `fail`.
fn import_from_peer(
    here: &mut Vault,
    peer: &mut Vault,
    log: &mut Log,
    label: &str,
    seq: &str,
) -> Result<Result<(), Failure>> {
    let mut rng = rand::rng();
    let changed = (|| -> Result<(), Failure> {
        let before = peer.list(&ListQuery::default())?;
        peer.import(ImportRequest {
            token: NewToken {
                name: format!("{label}-p{seq}"),
                description: format!("from the peer, {label} step {seq}"),
                service: None,
                scopes: vec!["read".into()],
                expires_at: None,
            },
            secret: imported_key(),
        })?;
        if !before.is_empty() && rng.random_bool(0.5) {
            let t = &before[rng.random_range(0..before.len())];
            peer.rotate(
                &t.id,
                RotateRequest {
                    grace: Default::default(),
                    new_secret: Some(imported_key()),
                },
            )?;
        }
        if before.len() >= PEER_LIVE {
            peer.delete(&before[rng.random_range(0..before.len())].id)?;
        }
        Ok(())
    })();
    if let Err(f) = changed {
        return Ok(Err(f));
    }
    let mut plan = match peer_file(here, peer) {
        Ok(plan) => plan,
        Err(f) => return Ok(Err(f)),
    };
    // Nothing here edits the peer's tokens, so this only matters if a version fell out of the
    // history a file carries.
    plan.take_theirs_for_all_edits();
    // The user says yes to the deletions and replaced secrets the preview lists.
    plan.confirm_destructive();
    let rows: Vec<(String, String)> = plan
        .rows
        .iter()
        .filter(|r| match r.change {
            ChangeKind::Unchanged => false,
            ChangeKind::Conflict => r.resolution == Some(Resolution::TakeTheirs),
            _ => true,
        })
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    for (id, name) in &rows {
        let theirs = match peer.show(id) {
            Ok(d) => Observed::from(&d.token),
            Err(e) => return Ok(Err(e.into())),
        };
        let json = serde_json::to_string(&theirs)?;
        log.line(&["start", label, seq, "merged", name, &json])?;
    }
    match here.apply_import(plan, |_, _| {}) {
        Ok(_) => {
            for (id, name) in &rows {
                let state = match here.show(id) {
                    Ok(d) => Observed::from(&d.token),
                    Err(e) => return Ok(Err(e.into())),
                };
                let json = serde_json::to_string(&state)?;
                log.line(&["ok", label, seq, "merged", name, &json])?;
            }
            Ok(Ok(()))
        }
        Err(e) => {
            let f = Failure::from(e);
            for (_, name) in &rows {
                log.line(&["fail", label, seq, "merged", name, &f.kind, &f.message])?;
            }
            Ok(Err(f))
        }
    }
}

/// Keeps the keys of a `.env` file of two new keys, through the plan and the one transaction
/// `tok import-env` uses. Each key is logged under its own name as an `import`: `start` before
/// the apply, then `ok` with its state, or `fail` (for both: the apply is all or nothing).
fn import_env_file(
    here: &mut Vault,
    log: &mut Log,
    label: &str,
    seq: &str,
    desc: &str,
    own: &mut Vec<Own>,
) -> Result<Result<(), Failure>> {
    let keys = [imported_key(), imported_key()];
    let names = [format!("{label}-{seq}a"), format!("{label}-{seq}b")];
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(".env");
    let text = format!(
        "# {desc}\nA={}\nexport B=\"{}\"\n",
        keys[0].expose_secret(),
        keys[1].expose_secret()
    );
    std::fs::write(&path, text)?;
    let planned = (|| -> Result<_, Failure> {
        let (_, mut rows) = tokenkeeper_core::intake::env::read(&path, None)?;
        for (row, name) in rows.iter_mut().zip(&names) {
            row.name = name.clone();
        }
        Ok(here.plan_intake(tokenkeeper_core::intake::IntakeSource::Dotenv, rows)?)
    })();
    let plan = match planned {
        Ok(plan) => plan,
        Err(f) => return Ok(Err(f)),
    };
    for name in &names {
        log.line(&["start", label, seq, "import", name])?;
    }
    match here.apply_intake(plan) {
        Ok(_) => {
            for (name, key) in names.iter().zip(keys) {
                let state = match here.show(name) {
                    Ok(d) => d.token,
                    Err(e) => return Ok(Err(e.into())),
                };
                log.line(&[
                    "ok",
                    label,
                    seq,
                    "import",
                    name,
                    &serde_json::to_string(&Observed::from(&state))?,
                ])?;
                own.push(Own {
                    name: name.clone(),
                    origin: Origin::Imported,
                    status: state.status,
                    secret: key,
                });
            }
            Ok(Ok(()))
        }
        Err(e) => {
            let f = Failure::from(e);
            for name in &names {
                log.line(&["fail", label, seq, "import", name, &f.kind, &f.message])?;
            }
            Ok(Err(f))
        }
    }
}

fn imported_key() -> SecretString {
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
        .collect();
    SecretString::from(format!("sk-test-{body}"))
}

fn description(mix: Mix, label: &str, seq: usize) -> String {
    match mix {
        // Long rows fill a size-limited disk quickly.
        Mix::Storage => format!("{label}-{seq} ").repeat(120),
        _ => format!("written by {label} at step {seq}"),
    }
}

pub fn writer(a: WriterArgs) -> Result<ExitCode> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&a.log)
        .with_context(|| format!("opening {}", a.log.display()))?;
    let mut log = Log(file);
    let mut driver: Box<dyn Driver> = match &a.via_tok {
        Some(tok) => Box::new(TokDriver {
            tok: tok.clone(),
            dir: a.dir.clone(),
        }),
        None => Box::new(CoreDriver(Vault::open(&a.dir)?)),
    };
    let mut peer = match (&a.peer, driver.vault().is_some()) {
        (Some(dir), true) => Some(Vault::open(dir)?),
        (Some(_), false) => bail!("--peer needs the core driver (no --via-tok)"),
        (None, _) => None,
    };
    let mut rng = rand::rng();
    let mut own: Vec<Own> = Vec::new();
    let mut seq = 0usize;
    while a.ops == 0 || seq < a.ops {
        seq += 1;
        let live: Vec<usize> = (0..own.len())
            .filter(|&i| own[i].status != Status::Deleted)
            .collect();
        let create = live.len() < 3 || rng.random_bool(0.35);
        // The keychain-fault run imports more often, so the fault meets some in the middle.
        let files = if a.mix == Mix::Keychain { 0.4 } else { 0.15 };
        let (op, target) = if peer.is_some() && rng.random_bool(files) {
            let op = if rng.random_bool(0.7) {
                Op::FileImport
            } else {
                Op::Export
            };
            (op, None)
        } else if create && driver.vault().is_some() && rng.random_bool(0.2) {
            (Op::EnvImport, None)
        } else if create {
            let op = match (a.mix, rng.random_range(0..3)) {
                (Mix::Keychain, 0) | (_, 1) => Op::GenerateKeep,
                (Mix::Keychain, _) | (_, 2) => Op::Import,
                _ => Op::Generate,
            };
            (op, None)
        } else {
            let i = live[rng.random_range(0..live.len())];
            let t = &own[i];
            let op = match rng.random_range(0..10) {
                0 | 1 if t.status == Status::Active => Op::Disable,
                0 | 1 => Op::Enable,
                2 | 3 => Op::Edit,
                4 | 5 => Op::Rotate,
                6 => Op::Delete,
                _ if a.mix == Mix::Keychain => Op::Rotate,
                _ => Op::Verify,
            };
            (op, Some(i))
        };
        let name = match (target, op) {
            (Some(i), _) => own[i].name.clone(),
            // The file operations themselves are logged under a name no token has.
            (None, Op::Export | Op::FileImport | Op::EnvImport) => {
                format!("{}-file{seq}", a.label)
            }
            (None, _) => format!("{}-{seq}", a.label),
        };
        let seq_s = seq.to_string();
        log.line(&["start", &a.label, &seq_s, op.name(), &name])?;
        let desc = description(a.mix, &a.label, seq);
        let result: Result<Option<Token>, Failure> = match (op, target) {
            (Op::Generate | Op::GenerateKeep, _) => {
                let keep = op == Op::GenerateKeep;
                driver.generate(&name, &desc, keep).map(|(t, secret)| {
                    own.push(Own {
                        name: name.clone(),
                        origin: Origin::Generated,
                        status: t.status,
                        secret,
                    });
                    Some(t)
                })
            }
            (Op::Import, _) => {
                let key = imported_key();
                driver.import(&name, &desc, &key).map(|t| {
                    own.push(Own {
                        name: name.clone(),
                        origin: Origin::Imported,
                        status: t.status,
                        secret: key,
                    });
                    Some(t)
                })
            }
            (Op::Disable | Op::Enable, Some(i)) => {
                driver.set_enabled(&name, op == Op::Enable).map(|t| {
                    own[i].status = t.status;
                    Some(t)
                })
            }
            (Op::Edit, Some(_)) => driver.edit(&name, &desc).map(Some),
            (Op::Rotate, Some(i)) => {
                let new = (own[i].origin == Origin::Imported).then(imported_key);
                driver.rotate(&own[i], new.as_ref()).map(|(t, issued)| {
                    if let Some(s) = issued.or(new) {
                        own[i].secret = s;
                    }
                    Some(t)
                })
            }
            (Op::Delete, Some(i)) => driver.delete(&name).map(|t| {
                own[i].status = Status::Deleted;
                Some(t)
            }),
            (Op::Verify, Some(i)) => driver.verify(&own[i].secret).and_then(|answer| {
                let expected = match own[i].status {
                    Status::Active => VerifyStatus::Active,
                    Status::Disabled => VerifyStatus::Disabled,
                    Status::Deleted => VerifyStatus::Unknown,
                };
                if answer == expected {
                    Ok(None)
                } else {
                    Err(Failure {
                        kind: "violation".into(),
                        message: format!("verify answered {answer:?}, expected {expected:?}"),
                    })
                }
            }),
            (Op::Export, _) => export_own(
                driver
                    .vault()
                    .expect("file operations need the core driver"),
            )
            .map(|()| None),
            (Op::FileImport, _) => {
                let here = driver
                    .vault()
                    .expect("file operations need the core driver");
                let peer = peer.as_mut().expect("file operations need a peer");
                import_from_peer(here, peer, &mut log, &a.label, &seq_s)?.map(|()| None)
            }
            (Op::EnvImport, _) => {
                let here = driver
                    .vault()
                    .expect("file operations need the core driver");
                import_env_file(here, &mut log, &a.label, &seq_s, &desc, &mut own)?.map(|()| None)
            }
            _ => unreachable!("operations on a token always have a target"),
        };
        match result {
            Ok(state) => {
                let json = match state {
                    Some(t) => serde_json::to_string(&Observed::from(&t))?,
                    None => "{}".into(),
                };
                log.line(&["ok", &a.label, &seq_s, op.name(), &name, &json])?;
            }
            Err(f) => {
                log.line(&[
                    "fail",
                    &a.label,
                    &seq_s,
                    op.name(),
                    &name,
                    &f.kind,
                    &f.message,
                ])?;
                if !a.tolerate.contains(&f.kind) {
                    eprintln!(
                        "writer {}: {} {name} failed ({}): {}",
                        a.label,
                        op.name(),
                        f.kind,
                        f.message
                    );
                    return Ok(ExitCode::from(3));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What the logs say a token must look like now.
#[derive(Default)]
struct Expected {
    state: Option<Observed>,
    /// An operation that started and never reported back (the writer was killed).
    in_flight: Option<String>,
    /// For a token imports were changing when they were killed: the states their files bring
    /// (several, when one import after another was killed), any of which may have landed.
    pending: Vec<Observed>,
    /// `in_flight` and `pending` as they were when the current operation started, restored if
    /// it fails: a failure changes nothing, so what an earlier killed import may have left
    /// still may be there.
    before_start: Option<(Option<String>, Vec<Observed>)>,
    /// The label that last touched it.
    label: String,
}

#[derive(Default, Serialize)]
struct Report {
    ops_ok: usize,
    ops_failed: BTreeMap<String, usize>,
    /// Vault files imported from the peer, and exports of this store, reported done.
    imports_ok: usize,
    exports_ok: usize,
    /// Tokens those imports changed: each one checked like any other reported success.
    import_rows_ok: usize,
    /// Of those, tokens whose secret a file replaced, and tokens a file added with a secret.
    secrets_replaced: usize,
    secrets_added: usize,
    /// Imports whose apply failed (a fault met it after the preview): all must have left nothing.
    imports_failed_in_apply: usize,
    in_flight: usize,
    tokens_checked: usize,
    keychain_secrets_checked: usize,
    keychain_items: usize,
    orphans: usize,
    missing_secrets: usize,
    lost: usize,
    /// The first failure's message, as a user saw it.
    first_message: Option<String>,
    violations: Vec<String>,
}

pub fn check(a: CheckArgs) -> Result<ExitCode> {
    let report = inspect(&a)?;
    println!("{}", serde_json::to_string(&report)?);
    for v in report.violations.iter().take(20) {
        eprintln!("VIOLATION: {v}");
    }
    Ok(if report.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads the logs, opens the store and compares them; every problem is a violation in the report.
fn inspect(a: &CheckArgs) -> Result<Report> {
    let mut report = Report::default();
    let mut expected: HashMap<String, Expected> = HashMap::new();
    let mut failed_applies: HashSet<(String, String)> = HashSet::new();
    for path in &a.log {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 5 {
                bail!("{}: malformed log line {line:?}", path.display());
            }
            let (what, label, op, name) = (f[0], f[1], f[3], f[4]);
            let e = expected.entry(name.to_string()).or_default();
            e.label = label.to_string();
            match what {
                "start" => {
                    e.before_start = Some((e.in_flight.clone(), e.pending.clone()));
                    e.in_flight = Some(op.to_string());
                    if let Some(brings) = f.get(5) {
                        e.pending.push(serde_json::from_str(brings)?);
                    }
                }
                "ok" => {
                    e.in_flight = None;
                    e.pending.clear();
                    e.before_start = None;
                    match op {
                        "merged" => {
                            report.import_rows_ok += 1;
                            let now: Observed = serde_json::from_str(f[5])?;
                            if now.storage == Storage::Keychain && now.status != Status::Deleted {
                                match &e.state {
                                    None => report.secrets_added += 1,
                                    Some(old) if old.fingerprint != now.fingerprint => {
                                        report.secrets_replaced += 1
                                    }
                                    Some(_) => {}
                                }
                            }
                        }
                        "file-import" | "env-import" => report.imports_ok += 1,
                        "export" => report.exports_ok += 1,
                        _ => {}
                    }
                    if op != "merged" {
                        report.ops_ok += 1;
                    }
                    if !matches!(op, "verify" | "export" | "file-import" | "env-import") {
                        e.state = Some(serde_json::from_str(f[5])?);
                    }
                }
                "fail" => {
                    (e.in_flight, e.pending) = e.before_start.take().unwrap_or_default();
                    if op == "merged" {
                        failed_applies.insert((label.to_string(), f[2].to_string()));
                        // The import is counted once, as a failure of its own operation.
                        continue;
                    }
                    let kind = f.get(5).copied().unwrap_or("?");
                    *report.ops_failed.entry(kind.to_string()).or_default() += 1;
                    let message = f.get(6).copied().unwrap_or("");
                    if !a.allow_fail.iter().any(|k| k == kind) {
                        report
                            .violations
                            .push(format!("{op} {name} failed ({kind}): {message}"));
                    } else if let Some(text) = &a.expect_message {
                        if !message.contains(text.as_str()) {
                            report.violations.push(format!(
                                "{op} {name} failed ({kind}) without saying {text:?}: {message}"
                            ));
                        }
                    }
                    if report.first_message.is_none() {
                        report.first_message = Some(message.to_string());
                    }
                }
                other => bail!("{}: unknown log entry {other:?}", path.display()),
            }
        }
    }

    report.imports_failed_in_apply = failed_applies.len();
    if let Some(kind) = &a.expect_fail {
        if report.ops_failed.get(kind).copied().unwrap_or(0) == 0 {
            report.violations.push(format!(
                "the fault never showed: no operation failed with {kind}"
            ));
        }
    }

    // Opening reconciles, exactly as the app and `tok` do after a crash.
    let mut vault = Vault::open(&a.dir)?;
    let reconciled = vault.last_reconcile().clone();
    if let Some(why) = &reconciled.deferred {
        report.violations.push(format!(
            "reconciliation deferred, keychain unreachable: {why}"
        ));
    }
    let integrity: String = rusqlite::Connection::open(a.dir.join(DB_FILE))?.query_row(
        "PRAGMA integrity_check",
        [],
        |r| r.get(0),
    )?;
    if integrity != "ok" {
        report
            .violations
            .push(format!("PRAGMA integrity_check: {integrity}"));
    }

    let mut rows: HashMap<String, Token> = HashMap::new();
    for state in [None, Some(TokenState::Deleted)] {
        for t in vault.list(&ListQuery {
            state,
            ..Default::default()
        })? {
            rows.insert(t.name.clone(), t);
        }
    }
    for (name, e) in &expected {
        report.tokens_checked += 1;
        report.in_flight += usize::from(e.in_flight.is_some());
        let row = rows.get(name);
        // What an interrupted import may have left: the state its file brings. (The
        // fingerprint is this store's to compute; the secret behind it is checked below.)
        let as_pending = |got: &Token| {
            let got = Observed::from(got);
            e.pending.is_empty()
                || e.pending.iter().any(|p| {
                    (&got.id, got.status, &got.description, got.storage)
                        == (&p.id, p.status, &p.description, p.storage)
                })
        };
        let problem = match (&e.state, row, &e.in_flight) {
            (None, None, _) => None,
            // Created in flight: committed or not, both are fine, if it is what was being made.
            (None, Some(got), Some(_)) => (!as_pending(got))
                .then(|| format!("is {:?}, not what the import brought", Observed::from(got))),
            (None, Some(_), None) => Some("exists although its creation failed".to_string()),
            (Some(_), None, _) => Some("was reported created but is not in the store".to_string()),
            (Some(want), Some(got), None) => {
                let got = Observed::from(got);
                (got != *want).then(|| format!("is {got:?}, but the last success left {want:?}"))
            }
            (Some(want), Some(got), Some(_)) if !e.pending.is_empty() => {
                // An import in flight: the last success, or all of what the file brings.
                (Observed::from(got) != *want && !as_pending(got)).then(|| {
                    format!(
                        "is {:?}: neither the last success {want:?} nor what the import brought",
                        Observed::from(got)
                    )
                })
            }
            (Some(want), Some(got), Some(_)) => {
                (got.id != want.id).then(|| format!("has id {} instead of {}", got.id, want.id))
            }
        };
        if let Some(p) = problem {
            report.lost += 1;
            report.violations.push(format!("token {name} {p}"));
        }
    }

    // The keychain after reconciliation: every live keychain row has its secret, nothing else is there.
    let service = vault.identity().keychain_service;
    let store = KeychainStore::new(service.clone());
    let live_keychain: HashSet<String> = rows
        .values()
        .filter(|t| t.status != Status::Deleted && t.storage == Storage::Keychain)
        .map(|t| t.id.clone())
        .collect();
    for t in rows.values() {
        if t.status == Status::Deleted || t.storage != Storage::Keychain {
            continue;
        }
        let recent = match &a.recent {
            Some(label) => expected.get(&t.name).is_some_and(|e| &e.label == label),
            None => true,
        };
        if t.secret_missing {
            report.missing_secrets += 1;
            report.violations.push(format!(
                "token {} is flagged: its secret is missing",
                t.name
            ));
        } else if recent {
            report.keychain_secrets_checked += 1;
            match store.get(&t.id) {
                Ok(Some(s)) if vault.secret_matches(t, &s)? => {}
                Ok(Some(_)) => {
                    report.missing_secrets += 1;
                    report.violations.push(format!(
                        "token {}: the keychain holds a secret that is not the recorded one",
                        t.name
                    ))
                }
                Ok(None) => {
                    report.missing_secrets += 1;
                    report.violations.push(format!(
                        "token {}: the row claims a secret the keychain lacks",
                        t.name
                    ))
                }
                Err(e) => report.violations.push(format!("keychain: {e}")),
            }
        }
    }
    // The install's own keys (its age identity and the like) are not tokens' secrets.
    let accounts: Vec<String> = keychain_accounts(&service)?
        .into_iter()
        .filter(|a| is_token_account(a))
        .collect();
    report.keychain_items = accounts.len();
    for account in &accounts {
        if !live_keychain.contains(account) {
            report.orphans += 1;
            report
                .violations
                .push(format!("orphaned keychain secret for account {account}"));
        }
    }
    if accounts.len() != live_keychain.len() {
        report.violations.push(format!(
            "{} live keychain tokens but {} keychain items",
            live_keychain.len(),
            accounts.len()
        ));
    }
    // Reconcile again: a second pass must find nothing left to do.
    let again = vault.reconcile()?;
    if again.orphans_removed + again.flagged_missing + again.repaired > 0 {
        report.violations.push(format!(
            "a second reconciliation still found work: {again:?}"
        ));
    }

    Ok(report)
}

/// Whether a keychain account holds a token's secret: a token id (a UUID), or a token id with
/// `#prev` (an old secret kept aside while a rotation or an import is in flight).
fn is_token_account(account: &str) -> bool {
    let id = account.strip_suffix("#prev").unwrap_or(account);
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Every account the Secret Service holds under `service`, as `secret-tool` lists them.
/// (It prints attributes on stderr and secrets on stdout; only the attributes are read.)
fn keychain_accounts(service: &str) -> Result<Vec<String>> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .stdin(Stdio::null())
        .output()
        .context("running secret-tool (Debian package libsecret-tools)")?;
    let attributes = String::from_utf8_lossy(&out.stderr);
    let accounts: Vec<String> = attributes
        .lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .map(str::to_string)
        .collect();
    // secret-tool exits 1 when nothing matches; anything else it says is an error.
    let complaints: Vec<&str> = attributes
        .lines()
        .filter(|l| l.starts_with("secret-tool:"))
        .collect();
    if !complaints.is_empty() {
        bail!("secret-tool search failed: {}", complaints.join("; "));
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    //! The referee must be able to fail: a run it passes, then the same store with a lost
    //! write and an orphaned secret, which it must report. Needs a Secret Service (the test
    //! suite runs inside a private gnome-keyring session).

    use super::*;
    use tokenkeeper_core::ExposeSecret;

    #[test]
    fn the_checker_passes_a_clean_run_and_catches_loss_and_orphans() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, log) = (tmp.path().join("data"), tmp.path().join("run.log"));
        let code = writer(WriterArgs {
            dir: dir.clone(),
            log: log.clone(),
            label: "t".into(),
            ops: 120,
            via_tok: None,
            mix: Mix::All,
            tolerate: vec![],
            peer: Some(tmp.path().join("peer")),
        })
        .unwrap();
        assert_eq!(code, ExitCode::SUCCESS);
        let args = || CheckArgs {
            dir: dir.clone(),
            log: vec![log.clone()],
            recent: None,
            allow_fail: vec![],
            expect_fail: None,
            expect_message: None,
        };
        let clean = inspect(&args()).unwrap();
        assert!(clean.violations.is_empty(), "{:?}", clean.violations);
        assert!(clean.ops_ok >= 120 && clean.lost == 0 && clean.orphans == 0);
        // 120 operations hold about 12 imports (0.15 x 0.7 of them); none at all is a 1-in-500,000 run.
        assert!(
            clean.imports_ok > 0 && clean.secrets_added > 0,
            "{}",
            serde_json::to_string(&clean).unwrap()
        );

        // A reported edit goes missing, and a secret appears that no row owns.
        let vault = Vault::open(&dir).unwrap();
        let victim = vault.list(&ListQuery::default()).unwrap().remove(0);
        drop(vault);
        rusqlite::Connection::open(dir.join(DB_FILE))
            .unwrap()
            .execute(
                "UPDATE tokens SET description = 'tampered' WHERE id = ?1",
                [&victim.id],
            )
            .unwrap();
        // And a secret a file brought is swapped for another, as a lost import would leave it.
        let vault = Vault::open(&dir).unwrap();
        let service = vault.identity().keychain_service;
        let brought = vault
            .list(&ListQuery {
                text: Some("from the peer".into()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .find(|t| t.storage == Storage::Keychain)
            .expect("an import brought a kept token");
        drop(vault);
        let store = KeychainStore::new(service);
        let stray = SecretString::from("stray-secret-0123456789".to_string());
        let stray_account = "0190f0f0-0000-7000-8000-0000000000ff";
        store.set(stray_account, &stray).unwrap();
        store.set(&brought.id, &stray).unwrap();
        let dirty = inspect(&args()).unwrap();
        let _ = store.delete(stray_account);
        assert_eq!(dirty.lost, 1, "{:?}", dirty.violations);
        assert_eq!(dirty.orphans, 1, "{:?}", dirty.violations);
        assert_eq!(dirty.missing_secrets, 1, "{:?}", dirty.violations);
        assert!(dirty
            .violations
            .iter()
            .all(|v| !v.contains(stray.expose_secret())));
    }
}
