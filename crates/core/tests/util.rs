//! Shared helpers for the core's integration tests: temporary data directories and vaults.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tempfile::TempDir;
use tokenkeeper_core::*;

pub use crate::signing::*;

/// A vault in a fresh temporary directory over the in-memory secret store (logic tests only).
pub struct MemVault {
    pub dir: TempDir,
    pub vault: Vault,
    pub secrets: Arc<MemoryStore>,
}

pub fn mem_vault() -> MemVault {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let vault = open_mem(dir.path(), &secrets);
    MemVault {
        dir,
        vault,
        secrets,
    }
}

pub fn open_mem(dir: &Path, secrets: &Arc<MemoryStore>) -> Vault {
    let s = secrets.clone();
    Vault::open_with_store(dir, move |_| Box::new(s)).unwrap()
}

/// A vault in a fresh temporary directory over the real OS keychain (Secret Service in CI).
pub fn keychain_vault() -> (TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::open(dir.path()).unwrap_or_else(|e| panic!("open: {e}"));
    (dir, vault)
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// A new token's fields with only the name set.
pub fn new_token(name: &str) -> NewToken {
    NewToken {
        name: name.into(),
        ..Default::default()
    }
}

pub fn import_req(name: &str, key: &str) -> ImportRequest {
    ImportRequest {
        token: new_token(name),
        secret: secret(key),
    }
}

pub fn gen_req(name: &str, keep: bool) -> GenerateRequest {
    GenerateRequest {
        token: new_token(name),
        keep,
    }
}

/// Everything a user could observe about the vault's tokens, to prove an operation changed nothing.
pub fn snapshot(v: &Vault) -> String {
    let mut all = Vec::new();
    for state in [None, Some(TokenState::Deleted)] {
        let q = ListQuery {
            state,
            ..Default::default()
        };
        for t in v.list(&q).unwrap() {
            let d = v.show(&t.id).unwrap();
            all.push(serde_json::to_string(&d).unwrap());
        }
    }
    all.push(serde_json::to_string(&v.services().unwrap()).unwrap());
    all.push(serde_json::to_string(&v.settings().unwrap()).unwrap());
    all.join("\n")
}

/// Runs SQL straight on the vault's SQLite file, as a test fixture or a fault injector.
pub fn sql(dir: &Path, statement: &str) {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch(statement).unwrap();
}

/// Makes the next SQLite write to `tokens` fail, as a full disk or I/O error would.
pub fn fail_token_writes(dir: &Path) {
    sql(
        dir,
        "CREATE TRIGGER fail_insert BEFORE INSERT ON tokens BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
         CREATE TRIGGER fail_update BEFORE UPDATE ON tokens BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    );
}

pub fn heal_token_writes(dir: &Path) {
    sql(dir, "DROP TRIGGER fail_insert; DROP TRIGGER fail_update;");
}

/// `secret-tool lookup` against the real Secret Service: what a user would see outside Tokenkeeper.
pub fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

/// How many tokens' secrets the real Secret Service holds under a keychain service name: every
/// item but the install's own keys (its age identity and fingerprint key).
pub fn secret_tool_count(service: &str) -> usize {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    text.lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .filter(|a| ![IDENTITY_ACCOUNT, FINGERPRINT_KEY_ACCOUNT].contains(a))
        .count()
}

/// The accounts of an in-memory store that hold tokens' secrets: all but the install's own keys
/// (its age identity and fingerprint key, made on first need and kept).
pub fn token_accounts(secrets: &MemoryStore) -> Vec<String> {
    secrets
        .accounts()
        .into_iter()
        .filter(|a| a != IDENTITY_ACCOUNT && a != FINGERPRINT_KEY_ACCOUNT)
        .collect()
}

/// The bytes of the vault's SQLite files (database and write-ahead log): to prove a refused
/// operation left the database byte-for-byte as it was.
pub fn db_bytes(dir: &Path) -> Vec<u8> {
    let mut all = std::fs::read(dir.join(DB_FILE)).unwrap();
    if let Ok(wal) = std::fs::read(dir.join(format!("{DB_FILE}-wal"))) {
        all.extend_from_slice(&wal);
    }
    all
}

/// Every item the real Secret Service holds under a keychain service name, as
/// `secret-tool search --all` prints it on stdout (item path, label naming the account, secret,
/// created and modified times), sorted so the order of items does not matter. A rewrite, even of
/// the same value, changes the modified time or the item path, so it shows.
pub fn keychain_dump(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", service])
        .stderr(std::process::Stdio::null())
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    // secret-tool prints an item's schema line only some of the time; it is not the item's data.
    let text: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("schema = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut items: Vec<&str> = text.split("[/").filter(|i| !i.is_empty()).collect();
    items.sort();
    items.join("[/")
}

/// The committed vault test vectors (docs/vault-format.md).
pub fn vector(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/vault")
            .join(name),
    )
    .unwrap()
}

/// The committed test identity's secret key (AGE-SECRET-KEY-1...).
pub fn vector_identity() -> SecretString {
    let text = String::from_utf8(vector("test-identity.txt")).unwrap();
    let key = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("an identity line");
    SecretString::from(key.to_string())
}

/// Sends everything `from` holds to `to` through a vault file encrypted to `to`'s public key,
/// and returns the preview. `to` trusts `from`'s key (adds it as a member) on first contact.
pub fn send(from: &mut Vault, to: &mut Vault) -> MergePlan {
    let key = to.public_key().unwrap();
    let file = from.export(ExportTarget::Recipients(vec![key])).unwrap();
    preview_trusted(to, &file, ImportKey::OwnIdentity)
}

/// Encrypts any bytes to an age public key, as another program would.
pub fn age_encrypt_to(public_key: &str, plaintext: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let recipient: age::x25519::Recipient = public_key.parse().unwrap();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut out = Vec::new();
    let mut w = encryptor.wrap_output(&mut out).unwrap();
    w.write_all(plaintext).unwrap();
    w.finish().unwrap();
    out
}

/// When the secret store under a [`Faulty`] fails: its calls are numbered from 0, and those in
/// the window `from .. from + count` fail as an unreachable keychain does.
pub struct FaultPlan {
    calls: AtomicUsize,
    from: AtomicUsize,
    count: AtomicUsize,
}

impl FaultPlan {
    pub fn new() -> Arc<FaultPlan> {
        Arc::new(FaultPlan {
            calls: AtomicUsize::new(0),
            from: AtomicUsize::new(usize::MAX),
            count: AtomicUsize::new(0),
        })
    }

    /// Calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Lets the next `after` calls through, then fails `count` calls (`usize::MAX`: every later
    /// one, as a keychain that went away; 1: one call, as a keychain that hiccupped).
    pub fn fail(&self, after: usize, count: usize) {
        self.count.store(count, Ordering::SeqCst);
        self.from.store(self.calls() + after, Ordering::SeqCst);
    }

    /// Every later call works again.
    pub fn heal(&self) {
        self.from.store(usize::MAX, Ordering::SeqCst);
    }

    fn check(&self) -> Result<()> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let from = self.from.load(Ordering::SeqCst);
        if n >= from && n - from < self.count.load(Ordering::SeqCst) {
            return Err(KeychainError::SwitchedOff {
                store: "the keychain (an injected fault)",
            }
            .into());
        }
        Ok(())
    }
}

/// A secret store that fails when its [`FaultPlan`] says so, and otherwise passes every call on.
pub struct Faulty<S> {
    pub inner: S,
    pub plan: Arc<FaultPlan>,
}

impl<S: SecretStore> SecretStore for Faulty<S> {
    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.plan.check()?;
        self.inner.set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        self.plan.check()?;
        self.inner.get(account)
    }
    fn delete(&self, account: &str) -> Result<bool> {
        self.plan.check()?;
        self.inner.delete(account)
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// Opens `dir` over the in-memory `secrets`, failing as `plan` says.
pub fn open_faulty(dir: &Path, secrets: &Arc<MemoryStore>, plan: &Arc<FaultPlan>) -> Vault {
    let (inner, plan) = (secrets.clone(), plan.clone());
    Vault::open_with_store(dir, move |_| Box::new(Faulty { inner, plan })).unwrap()
}

/// The v1 vector's payload as version 2: what the signed vectors carry.
pub fn v2_payload() -> Vec<u8> {
    vector("vault-v2-payload.json")
}

/// Previews a file and, when it is signed by someone not trusted yet, trusts them (as the
/// user would after comparing fingerprints).
pub fn preview_trusted(v: &mut Vault, file: &[u8], key: ImportKey) -> MergePlan {
    let mut plan = v.preview_import(file, key).unwrap();
    if !plan.signer.trusted {
        v.trust_signer(&mut plan, None).unwrap();
    }
    plan
}

/// Runs `op`, expects an error of `kind` whose message contains `says`, and checks that nothing
/// a user could observe changed.
#[track_caller]
pub fn refused<T: std::fmt::Debug>(
    m: &mut MemVault,
    kind: &str,
    says: &str,
    op: impl FnOnce(&mut Vault) -> Result<T>,
) -> String {
    let before = snapshot(&m.vault);
    let accounts = m.secrets.accounts();
    let err = op(&mut m.vault).expect_err("the operation must be refused");
    assert_eq!(err.kind(), kind, "{err}");
    assert!(
        err.to_string().contains(says),
        "message '{err}' should say '{says}'"
    );
    assert_eq!(snapshot(&m.vault), before, "nothing changed");
    assert_eq!(m.secrets.accounts(), accounts, "keychain unchanged");
    err.to_string()
}
