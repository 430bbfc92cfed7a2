//! Keys the user adds get keyed fingerprints (HMAC-SHA256 under a per-install keychain key): a
//! database leaked without the keychain does not hold their SHA-256, a database from before is
//! moved once (and waits for the keychain when it is away), duplicates are still refused, and
//! two installs with different keys still find the same secret and merge cleanly.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use tokenkeeper_core::*;

use crate::util::*;

const ADDED: &str = "sk_live_lowEntropyGuessable1";
const ROTATED_FROM: &str = "sk_live_beforeTheRotation22";
const DELETED: &str = "sk_live_deletedKeyValue3333";

fn sha256_hex(s: &str) -> String {
    Fingerprint::of(&secret(s)).to_string()
}

fn sha256_bytes(s: &str) -> Vec<u8> {
    let hex = sha256_hex(s);
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Every SQLite file of the data directory (database, WAL, shared memory), concatenated.
fn sqlite_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.to_string_lossy().contains(DB_FILE) {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether a leaked copy of the data directory would confirm `key` to someone who guessed it.
fn confirms(dir: &Path, key: &str) -> bool {
    let bytes = sqlite_bytes(dir);
    contains(&bytes, sha256_hex(key).as_bytes()) || contains(&bytes, &sha256_bytes(key))
}

fn stored_fingerprints(dir: &Path) -> Vec<(String, String, Option<String>)> {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let mut stmt = conn
        .prepare("SELECT name, fingerprint, previous_fingerprint FROM tokens ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_leaked_database_does_not_confirm_a_key_the_user_added() {
    let mut m = mem_vault();
    m.vault.import(import_req("stripe", ADDED)).unwrap();
    m.vault.import(import_req("old", ROTATED_FROM)).unwrap();
    m.vault
        .rotate(
            "old",
            RotateRequest {
                grace: Grace::OneDay,
                new_secret: Some(secret("sk_live_afterTheRotation444")),
            },
        )
        .unwrap();
    m.vault.import(import_req("gone", DELETED)).unwrap();
    m.vault.delete("gone").unwrap();
    // A generated hash-only token keeps its plain SHA-256: the scan does find that one, so it
    // would find an added key's too.
    let generated = m.vault.generate(gen_req("issued", false)).unwrap();
    let generated = generated.secret.expose_secret().to_string();

    for key in [ADDED, ROTATED_FROM, "sk_live_afterTheRotation444", DELETED] {
        assert!(!confirms(m.dir.path(), key), "the database confirms {key}");
    }
    assert!(confirms(m.dir.path(), &generated));
    for (name, fingerprint, previous) in stored_fingerprints(m.dir.path()) {
        assert_eq!(fingerprint.len(), 64, "{name}");
        if name == "old" {
            let previous = previous.expect("the grace period keeps the old fingerprint");
            assert_ne!(previous, sha256_hex(ROTATED_FROM));
        }
    }

    // The key that makes them is in the keychain, never in SQLite.
    let key = m
        .secrets
        .get(FINGERPRINT_KEY_ACCOUNT)
        .unwrap()
        .expect("made on first need");
    assert_eq!(key.expose_secret().len(), 64);
    assert!(!contains(
        &sqlite_bytes(m.dir.path()),
        key.expose_secret().as_bytes()
    ));

    // With the keychain at hand, everything still matches: duplicates are refused by name, the
    // added key reveals, and it verifies (the old value within its grace period).
    let err = m.vault.import(import_req("again", ADDED)).unwrap_err();
    assert_eq!(err.kind(), "duplicate");
    assert!(err.to_string().contains("'stripe'"), "{err}");
    assert_eq!(
        m.vault
            .reveal("stripe", Access::Revealed)
            .unwrap()
            .expose_secret(),
        ADDED
    );
    let v = m.vault.verify(&secret(ADDED)).unwrap();
    assert_eq!(
        (v.status, v.name.as_deref()),
        (VerifyStatus::Active, Some("stripe"))
    );
    let v = m.vault.verify(&secret(ROTATED_FROM)).unwrap();
    assert_eq!((v.status, v.via_grace_period), (VerifyStatus::Active, true));
    assert_eq!(
        m.vault.verify(&secret(DELETED)).unwrap().status,
        VerifyStatus::Unknown
    );
    // A value generated here and added as a key is the same secret too.
    let kept = m.vault.generate(gen_req("kept", true)).unwrap();
    let err = m
        .vault
        .import(import_req("kept again", kept.secret.expose_secret()))
        .unwrap_err();
    assert!(err.to_string().contains("'kept'"), "{err}");
}

#[test]
fn the_fingerprint_key_lives_in_the_real_keychain() {
    let (dir, mut vault) = keychain_vault();
    let service = vault.identity().keychain_service;
    assert_eq!(
        secret_tool_lookup(&service, FINGERPRINT_KEY_ACCOUNT),
        None,
        "nothing is made before it is needed"
    );
    vault.import(import_req("stripe", ADDED)).unwrap();
    let key = secret_tool_lookup(&service, FINGERPRINT_KEY_ACCOUNT).expect("made on first need");
    assert_eq!(key.len(), 64);
    assert!(!confirms(dir.path(), ADDED));
    drop(vault);
    // Another process (here: a reopen) uses the same key.
    let mut vault = Vault::open(dir.path()).unwrap();
    let err = vault.import(import_req("again", ADDED)).unwrap_err();
    assert!(err.to_string().contains("'stripe'"), "{err}");
    assert_eq!(
        secret_tool_lookup(&service, FINGERPRINT_KEY_ACCOUNT).as_deref(),
        Some(key.as_str())
    );
}

const BULK: usize = 300;

fn bulk_key(i: usize) -> String {
    format!("sk_live_bulkKey{i:04}")
}

/// A data directory as the first version wrote it (schema 2, plain SHA-256 for every token):
/// an added key in a grace period, an added key deleted, and a generated hash-only token.
/// Returns the added key's id.
fn old_data_directory(dir: &Path, secrets: &MemoryStore, generated: &str) -> String {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch(include_str!("../src/store/migrations/001_init.sql"))
        .unwrap();
    conn.execute_batch(include_str!(
        "../src/store/migrations/002_token_history.sql"
    ))
    .unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    let id = "0190f0f0-0000-7000-8000-0000000000a1";
    let rows = [
        (
            id,
            "stripe",
            "imported",
            "keychain",
            "active",
            sha256_hex(ADDED),
            Some(sha256_hex(ROTATED_FROM)),
        ),
        (
            "0190f0f0-0000-7000-8000-0000000000a2",
            "gone",
            "imported",
            "keychain",
            "deleted",
            sha256_hex(DELETED),
            None,
        ),
        (
            "0190f0f0-0000-7000-8000-0000000000a3",
            "issued",
            "generated",
            "hash_only",
            "active",
            sha256_hex(generated),
            None,
        ),
    ];
    for (id, name, origin, storage, status, fingerprint, previous) in rows {
        let deleted = (status == "deleted").then_some("2026-11-02T00:00:00.000000Z");
        let until = previous.as_ref().map(|_| "2999-01-01T00:00:00.000000Z");
        conn.execute(
            "INSERT INTO tokens (id, name, name_key, description, service, origin, storage, \
             scopes, status, fingerprint, hint, created_at, created_by, updated_at, \
             last_used_at, expires_at, rotated_at, deleted_at, previous_fingerprint, \
             previous_valid_until, secret_missing) VALUES (?1, ?2, ?2, '', NULL, ?3, ?4, '[]', \
             ?5, ?6, '…', '2026-11-01T00:00:00.000000Z', 'ana', '2026-11-01T00:00:00.000000Z', \
             NULL, NULL, NULL, ?7, ?8, ?9, 0)",
            rusqlite::params![
                id,
                name,
                origin,
                storage,
                status,
                fingerprint,
                deleted,
                previous,
                until
            ],
        )
        .unwrap();
    }
    // Enough added keys that their fingerprints fill many pages of the table and its indexes.
    for i in 0..BULK {
        conn.execute(
            "INSERT INTO tokens (id, name, name_key, origin, storage, status, fingerprint, hint, \
             created_at, created_by, updated_at) VALUES (?1, ?2, ?2, 'imported', 'keychain', \
             'active', ?3, '…', '2026-11-01T00:00:00.000000Z', 'ana', \
             '2026-11-01T00:00:00.000000Z')",
            rusqlite::params![
                format!("0190f0f0-0000-7000-8000-{i:012}"),
                format!("bulk {i}"),
                sha256_hex(&bulk_key(i))
            ],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('vault_id', '0190f0f0-0000-7000-8000-0000000000ff')",
        [],
    )
    .unwrap();
    conn.execute_batch("COMMIT").unwrap();
    secrets.set(id, &secret(ADDED)).unwrap();
    id.to_string()
}

#[test]
fn a_database_from_before_moves_once_the_keychain_is_there_and_still_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let generated = "tk_0ldGeneratedHashOnlyToken0123456abcdef";
    old_data_directory(dir.path(), &secrets, generated);
    assert!(confirms(dir.path(), ADDED), "the fixture is the old scheme");
    assert!(confirms(dir.path(), &bulk_key(BULK - 1)));

    // The keychain is away at the first open: the move waits, and nothing stores a plain hash
    // for a new added key meanwhile.
    secrets.set_unavailable(true);
    let mut vault = open_mem(dir.path(), &secrets);
    assert!(vault.last_reconcile().deferred.is_some());
    let err = vault
        .import(import_req("new", "sk_live_addedWhileAway555"))
        .unwrap_err();
    assert_eq!(err.kind(), "keychain_unavailable");
    assert!(!confirms(dir.path(), "sk_live_addedWhileAway555"));
    assert_eq!(vault.list(&ListQuery::default()).unwrap().len(), 2 + BULK);
    drop(vault);

    // The next open that reaches the keychain moves every added key's row, tombstones too.
    secrets.set_unavailable(false);
    let mut vault = open_mem(dir.path(), &secrets);
    assert_eq!(vault.last_reconcile().deferred, None);
    drop(vault);
    for key in [ADDED, ROTATED_FROM, DELETED] {
        assert!(!confirms(dir.path(), key), "still confirms {key}");
    }
    let bytes = sqlite_bytes(dir.path());
    let windows: std::collections::HashSet<&[u8]> = bytes.windows(64).collect();
    for i in 0..BULK {
        assert!(
            !windows.contains(sha256_hex(&bulk_key(i)).as_bytes()),
            "still confirms {}",
            bulk_key(i)
        );
    }
    assert!(
        confirms(dir.path(), generated),
        "generated tokens keep SHA-256"
    );
    let before = stored_fingerprints(dir.path());
    vault = open_mem(dir.path(), &secrets);
    assert_eq!(stored_fingerprints(dir.path()), before, "moved only once");

    // Duplicate detection, reveal and verification carry over.
    let err = vault.import(import_req("again", ADDED)).unwrap_err();
    assert_eq!(err.kind(), "duplicate");
    assert!(err.to_string().contains("'stripe'"), "{err}");
    assert_eq!(
        vault
            .reveal("stripe", Access::Revealed)
            .unwrap()
            .expose_secret(),
        ADDED
    );
    assert_eq!(
        vault.verify(&secret(ROTATED_FROM)).unwrap().name.as_deref(),
        Some("stripe")
    );
    assert_eq!(
        vault.verify(&secret(generated)).unwrap().status,
        VerifyStatus::Active
    );
    vault
        .import(import_req("new", "sk_live_addedWhileAway555"))
        .unwrap();
    assert!(!confirms(dir.path(), "sk_live_addedWhileAway555"));
}

/// Decrypts an export made to `identity` and returns the JSON of the payload its signed
/// container carries (base64 in the container's `payload` field).
fn payload_of(file: &[u8], identity: &age::x25519::Identity) -> serde_json::Value {
    use base64::Engine as _;
    let mut plain = Vec::new();
    age::Decryptor::new(file)
        .unwrap()
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let container: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(container["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

fn token_json<'a>(payload: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    payload["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
}

#[test]
fn a_vault_file_carries_the_plain_sha256_only_beside_the_secret() {
    let mut a = mem_vault();
    a.vault.import(import_req("stripe", ADDED)).unwrap();
    a.vault.import(import_req("old", ROTATED_FROM)).unwrap();
    a.vault
        .rotate(
            "old",
            RotateRequest {
                grace: Grace::OneDay,
                new_secret: Some(secret("sk_live_afterTheRotation444")),
            },
        )
        .unwrap();
    a.vault.import(import_req("gone", DELETED)).unwrap();
    a.vault.delete("gone").unwrap();
    let reader = age::x25519::Identity::generate();
    let file = a
        .vault
        .export(ExportTarget::Recipients(vec![reader
            .to_public()
            .to_string()]))
        .unwrap();
    let payload = payload_of(&file, &reader);
    assert_eq!(
        token_json(&payload, "stripe")["fingerprint"],
        sha256_hex(ADDED)
    );
    let old = token_json(&payload, "old");
    assert_eq!(
        old["fingerprint"],
        sha256_hex("sk_live_afterTheRotation444")
    );
    assert!(old["previous_fingerprint"].is_null());
    assert!(old["previous_valid_until"].is_string());
    let gone = token_json(&payload, "gone");
    assert!(gone["fingerprint"].is_null(), "{gone}");
    assert!(gone.get("secret").is_none());
}

#[test]
fn two_installs_with_different_keys_find_the_same_secret_and_merge_cleanly() {
    let mut a = mem_vault();
    let mut b = mem_vault();
    // The same key added on both sides, under different ids: a conflict, named.
    a.vault.import(import_req("stripe (ana)", ADDED)).unwrap();
    b.vault.import(import_req("stripe (bo)", ADDED)).unwrap();
    // A token generated and kept at A, which B added as a key by hand (and the reverse).
    let a_kept = a.vault.generate(gen_req("deploy", true)).unwrap();
    b.vault
        .import(import_req("deploy key", a_kept.secret.expose_secret()))
        .unwrap();
    let b_kept = b.vault.generate(gen_req("ci", true)).unwrap();
    a.vault
        .import(import_req("ci key", b_kept.secret.expose_secret()))
        .unwrap();
    // And one key only A has.
    a.vault.import(import_req("shared", DELETED)).unwrap();
    assert_ne!(
        a.secrets
            .get(FINGERPRINT_KEY_ACCOUNT)
            .unwrap()
            .map(|k| k.expose_secret().to_string()),
        b.secrets
            .get(FINGERPRINT_KEY_ACCOUNT)
            .unwrap()
            .map(|k| k.expose_secret().to_string()),
        "each install has its own key"
    );

    let plan = send(&mut a.vault, &mut b.vault);
    let row = |name: &str| plan.rows.iter().find(|r| r.name == name).unwrap().clone();
    for (theirs, ours) in [
        ("stripe (ana)", "stripe (bo)"),
        ("deploy", "deploy key"),
        ("ci key", "ci"),
    ] {
        let r = row(theirs);
        assert_eq!(
            r.conflict,
            Some(ConflictKind::SameSecret),
            "{theirs}: {r:?}"
        );
        assert!(r.reason.contains(&format!("'{ours}'")), "{}", r.reason);
    }
    assert_eq!(row("shared").change, ChangeKind::New);
    b.vault.apply_import(plan, |_, _| {}).unwrap();
    assert_eq!(
        b.vault
            .reveal("shared", Access::Revealed)
            .unwrap()
            .expose_secret(),
        DELETED
    );
    let err = b.vault.import(import_req("twice", DELETED)).unwrap_err();
    assert!(err.to_string().contains("'shared'"), "{err}");
    assert!(!confirms(b.dir.path(), DELETED));

    // Back again: nothing changed, though each side keys it differently.
    let back = send(&mut b.vault, &mut a.vault);
    let shared = back.rows.iter().find(|r| r.name == "shared").unwrap();
    assert_eq!(shared.change, ChangeKind::Unchanged, "{shared:?}");

    // An edit and a rotation at A arrive at B as updates, not conflicts.
    a.vault
        .edit(
            "shared",
            TokenEdit {
                description: Some("billing".into()),
                ..Default::default()
            },
        )
        .unwrap();
    a.vault
        .rotate(
            "shared",
            RotateRequest {
                grace: Grace::None,
                new_secret: Some(secret("sk_live_sharedRotated6666")),
            },
        )
        .unwrap();
    let plan = send(&mut a.vault, &mut b.vault);
    let shared = plan.rows.iter().find(|r| r.name == "shared").unwrap();
    assert_eq!(shared.change, ChangeKind::Updated, "{shared:?}");
    assert!(
        shared.reason.contains("secret (rotated)"),
        "{}",
        shared.reason
    );
    // The rotation replaces the secret B keeps: the preview names it, and B says yes.
    assert_eq!(plan.destructive, 1);
    let mut plan = plan;
    plan.confirm_destructive();
    b.vault.apply_import(plan, |_, _| {}).unwrap();
    assert_eq!(
        b.vault
            .reveal("shared", Access::Revealed)
            .unwrap()
            .expose_secret(),
        "sk_live_sharedRotated6666"
    );
    assert_eq!(
        b.vault
            .verify(&secret("sk_live_sharedRotated6666"))
            .unwrap()
            .name
            .as_deref(),
        Some("shared")
    );
}

#[test]
fn an_added_key_whose_secret_did_not_travel_arrives_flagged_and_keeps_ours() {
    let mut a = mem_vault();
    let mut b = mem_vault();
    let t = a.vault.import(import_req("stripe", ADDED)).unwrap();
    // B has it from an earlier exchange.
    let plan = send(&mut a.vault, &mut b.vault);
    b.vault.apply_import(plan, |_, _| {}).unwrap();
    // A's keychain loses the secret; A edits the token and sends it again, without the secret.
    a.secrets.delete(&t.id).unwrap();
    a.vault
        .edit(
            "stripe",
            TokenEdit {
                description: Some("moved to billing".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let plan = send(&mut a.vault, &mut b.vault);
    assert_eq!(plan.source.secrets, 0);
    assert_eq!(plan.rows[0].change, ChangeKind::Updated);
    b.vault.apply_import(plan, |_, _| {}).unwrap();
    // B's copy of the secret still matches, and still refuses a duplicate.
    let shown = b.vault.show("stripe").unwrap().token;
    assert_eq!(shown.description, "moved to billing");
    assert!(!shown.secret_missing);
    assert_eq!(
        b.vault
            .reveal("stripe", Access::Revealed)
            .unwrap()
            .expose_secret(),
        ADDED
    );
    assert_eq!(
        b.vault.import(import_req("x", ADDED)).unwrap_err().kind(),
        "duplicate"
    );

    // A third install gets it as "secret missing", with no fingerprint to match.
    let mut c = mem_vault();
    let plan = send(&mut a.vault, &mut c.vault);
    c.vault.apply_import(plan, |_, _| {}).unwrap();
    assert!(c.vault.show("stripe").unwrap().token.secret_missing);
    c.vault.import(import_req("stripe copy", ADDED)).unwrap();
}

#[test]
fn a_lost_fingerprint_key_is_made_again_from_the_kept_secrets() {
    let mut m = mem_vault();
    m.vault.import(import_req("stripe", ADDED)).unwrap();
    let lost = m.vault.import(import_req("lost", DELETED)).unwrap();
    drop(std::mem::replace(
        &mut m.vault,
        open_mem(m.dir.path(), &m.secrets),
    ));
    // The keychain loses the key, and the secret of one of the keys too.
    m.secrets.delete(FINGERPRINT_KEY_ACCOUNT).unwrap();
    m.secrets.delete(&lost.id).unwrap();
    let mut vault = open_mem(m.dir.path(), &m.secrets);
    vault.import(import_req("new", ROTATED_FROM)).unwrap();
    assert!(m.secrets.get(FINGERPRINT_KEY_ACCOUNT).unwrap().is_some());
    let err = vault.import(import_req("again", ADDED)).unwrap_err();
    assert!(err.to_string().contains("'stripe'"), "{err}");
    assert_eq!(
        vault
            .reveal("stripe", Access::Revealed)
            .unwrap()
            .expose_secret(),
        ADDED
    );
    assert!(vault.show("lost").unwrap().token.secret_missing);
}
