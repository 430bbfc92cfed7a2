//! The leak sweep in the core: held keys found by fingerprint (added keys keyed, generated
//! tokens by checksum and SHA-256), without reading any secret out of the keychain, and nothing
//! reported that is not held.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokenkeeper_core::*;

use crate::util::*;

/// A secret store that records every account read, over the in-memory one.
struct Recording {
    inner: Arc<MemoryStore>,
    reads: Arc<Mutex<Vec<String>>>,
}

impl SecretStore for Recording {
    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.inner.set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        self.reads.lock().unwrap().push(account.to_string());
        self.inner.get(account)
    }
    fn delete(&self, account: &str) -> Result<bool> {
        self.inner.delete(account)
    }
    fn backend(&self) -> &'static str {
        "recording"
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn scan(v: &Vault, path: &Path) -> ScanReport {
    v.scan(&ScanRequest {
        paths: vec![path.to_path_buf()],
        git: false,
    })
    .unwrap()
}

/// A key-looking string: `prefix` then `len` base62 characters from a simple generator.
fn random_key(seed: &mut u64, prefix: &str, len: usize) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = prefix.to_string();
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        s.push(A[(*seed % 62) as usize] as char);
    }
    s
}

#[test]
fn added_keys_and_hash_only_tokens_are_found_where_they_were_written() {
    let mut m = mem_vault();
    let github = "ghp_R8x2Lq9ZtY4mWc7NvB3kJd6Hs1Pf0GaE5uQi";
    let short = "hunter2-pw9"; // 11 characters: a hint of 2 last characters
    m.vault.import(import_req("github-ci", github)).unwrap();
    m.vault.import(import_req("db-password", short)).unwrap();
    let issued = m.vault.generate(gen_req("billing-api", false)).unwrap();
    let tk = issued.secret.expose_secret().to_string();

    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        ".env",
        &format!("# keys\nDEBUG=1\nGITHUB_TOKEN={github}\n"),
    );
    write(
        tree.path(),
        "config/app.yml",
        &format!("db:\n  password: \"{short}\"\nbilling: {{ token: '{tk}' }}\n"),
    );
    let report = scan(&m.vault, tree.path());
    let got: Vec<(String, u64, u64, String)> = report
        .findings
        .iter()
        .map(|f| (f.path.clone(), f.line, f.column, f.token_name.clone()))
        .collect();
    let p = |rel: &str| tree.path().join(rel).to_string_lossy().into_owned();
    assert_eq!(
        got,
        vec![
            (p(".env"), 3, 14, "github-ci".to_string()),
            (p("config/app.yml"), 2, 14, "db-password".to_string()),
            (p("config/app.yml"), 3, 20, "billing-api".to_string()),
        ]
    );
    assert_eq!(report.files_scanned, 2);
    assert_eq!(report.keys_searched, 3);
    // Findings carry the hint, never the value.
    let json = serde_json::to_string(&report).unwrap();
    for s in [github, short, tk.as_str()] {
        assert!(!json.contains(s), "the report holds a secret: {json}");
    }
    assert!(json.contains("ghp_…"));
}

#[test]
fn the_scan_reads_no_secret_from_the_keychain_only_the_fingerprint_key() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let mut seed = 7;
    let mut keys = Vec::new();
    {
        let mut v = open_mem(dir.path(), &secrets);
        for i in 0..40 {
            let key = random_key(&mut seed, "sk-proj-", 40);
            v.import(import_req(&format!("k{i}"), &key)).unwrap();
            keys.push(key);
        }
    }
    let reads = Arc::new(Mutex::new(Vec::new()));
    let (inner, r) = (secrets.clone(), reads.clone());
    let v = Vault::open_with_store(dir.path(), move |_| Box::new(Recording { inner, reads: r }))
        .unwrap();
    reads.lock().unwrap().clear();
    let tree = tempfile::tempdir().unwrap();
    write(tree.path(), "a.txt", &format!("x {} y\n", keys[17]));
    let report = scan(&v, tree.path());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].token_name, "k17");
    assert_eq!(
        *reads.lock().unwrap(),
        vec![FINGERPRINT_KEY_ACCOUNT.to_string()]
    );
}

#[test]
fn nothing_that_is_not_held_is_reported_even_with_a_held_keys_prefix_and_tail() {
    let mut m = mem_vault();
    let mut seed = 99;
    let mut held = Vec::new();
    for i in 0..50 {
        let key = random_key(&mut seed, "ghp_", 36);
        m.vault.import(import_req(&format!("gh{i}"), &key)).unwrap();
        held.push(key);
    }
    for i in 0..5 {
        m.vault.generate(gen_req(&format!("tk{i}"), false)).unwrap();
    }
    // Look-alikes: the held keys' prefix and last four characters around other middles, random
    // keys of the same shape, and well-formed tokens of Tokenkeeper's format not issued here.
    let mut text = String::new();
    for (n, key) in held.iter().enumerate() {
        let tail = &key[key.len() - 4..];
        let middle = random_key(&mut seed, "", 32);
        text.push_str(&format!("TOKEN_{n}=ghp_{middle}{tail}\n"));
        text.push_str(&format!("other: {}\n", random_key(&mut seed, "ghp_", 36)));
        let foreign = token_format::generate("tk").unwrap();
        text.push_str(&format!("t = \"{}\"\n", foreign.expose_secret()));
        // A held key inside a longer word is not that key.
        text.push_str(&format!("x{key}y\n"));
    }
    let tree = tempfile::tempdir().unwrap();
    write(tree.path(), "lookalikes.env", &text);
    let report = scan(&m.vault, tree.path());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.keys_searched, 55);
    // The same file with one held key in it: exactly that one.
    text.push_str(&format!("REAL={}\n", held[31]));
    write(tree.path(), "lookalikes.env", &text);
    let report = scan(&m.vault, tree.path());
    let names: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.token_name.as_str())
        .collect();
    assert_eq!(names, ["gh31"]);
}

#[test]
fn keys_too_short_to_tell_from_words_are_counted_not_searched() {
    let mut m = mem_vault();
    m.vault.import(import_req("pin", "abc12")).unwrap();
    m.vault
        .import(import_req("long", "a-long-enough-key-1234"))
        .unwrap();
    let tree = tempfile::tempdir().unwrap();
    write(tree.path(), "f", "abc12 a-long-enough-key-1234\n");
    let report = scan(&m.vault, tree.path());
    assert_eq!((report.keys_searched, report.keys_not_searchable), (1, 1));
    let names: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.token_name.as_str())
        .collect();
    assert_eq!(names, ["long"]);
}

#[test]
fn a_deleted_token_is_not_looked_for_and_a_missing_path_is_refused() {
    let mut m = mem_vault();
    let key = "sk_live_51HqLyjWDarjtT1zdp7dcXYZ";
    let t = m.vault.import(import_req("stripe", key)).unwrap();
    m.vault.delete(&t.id).unwrap();
    let tree = tempfile::tempdir().unwrap();
    write(tree.path(), "f", key);
    assert!(scan(&m.vault, tree.path()).findings.is_empty());
    let err = m
        .vault
        .scan(&ScanRequest {
            paths: vec![tree.path().join("nope")],
            git: false,
        })
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    assert!(err.to_string().contains("nope"), "{err}");
}
