//! Bad vault files against the real keychain: each kind gets its own message, and the database
//! files and the keychain stay byte-for-byte as they were, also for a real export mutated
//! hundreds of ways.

use tokenkeeper_core::*;

use crate::util::*;

/// A real-keychain vault with a kept key, a hash-only token and a tombstone, and its public key.
fn seeded() -> (tempfile::TempDir, Vault, String) {
    let (dir, mut vault) = keychain_vault();
    vault
        .import(import_req("kept", "key-bad-input-kept-0123456789"))
        .unwrap();
    vault.generate(gen_req("hashed", false)).unwrap();
    vault
        .import(import_req("gone", "key-bad-input-gone-0123456789"))
        .unwrap();
    vault.delete("gone").unwrap();
    let key = vault.public_key().unwrap();
    (dir, vault, key)
}

/// What must not change: the SQLite files' bytes and every keychain item of the vault.
fn state(dir: &std::path::Path, vault: &Vault) -> (Vec<u8>, String) {
    (
        db_bytes(dir),
        keychain_dump(&vault.identity().keychain_service),
    )
}

const ALLOWED: &[&str] = &[
    "vault_file_damaged",
    "not_a_vault_file",
    "not_for_this_identity",
    "bad_passphrase",
    "unsupported_vault_version",
    "invalid_vault_file",
];

#[test]
fn each_kind_of_bad_file_has_its_own_message_and_changes_nothing() {
    let (dir, vault, key) = seeded();
    let (_other_dir, mut other, _) = seeded();
    let good = other
        .export(ExportTarget::Recipients(vec![key.clone()]))
        .unwrap();
    let stranger = age::x25519::Identity::generate().to_public().to_string();
    let for_someone_else = other
        .export(ExportTarget::Recipients(vec![stranger]))
        .unwrap();
    let valid_json = String::from_utf8(v2_payload()).unwrap();
    let container = String::from_utf8(vector("vault-v2-container.json")).unwrap();
    let mut flipped = good.clone();
    let last = flipped.len() - 20;
    flipped[last] ^= 0x01;

    // The header edited as a text editor would: a recipient line broken, or the version line
    // naming a newer age format.
    let header_end = good.windows(4).position(|w| w == b"\n---").unwrap();
    let header = String::from_utf8(good[..header_end].to_vec()).unwrap();
    let with_header = |h: String| [h.as_bytes(), &good[header_end..]].concat();
    let damaged_header = with_header(header.replacen("-> X25519 ", "-> X25519  ", 1));
    let newer_age =
        with_header(header.replacen("age-encryption.org/v1", "age-encryption.org/v2", 1));

    let own = || ImportKey::OwnIdentity;
    let cases: Vec<(&str, Vec<u8>, ImportKey, &str, &str)> = vec![
        (
            "damaged header",
            damaged_header,
            own(),
            "vault_file_damaged",
            "damaged",
        ),
        (
            "newer age format",
            newer_age,
            own(),
            "unsupported_vault_version",
            "newer version of the age encryption format",
        ),
        (
            "not age",
            b"just some text\n".to_vec(),
            own(),
            "not_a_vault_file",
            "not an age-encrypted file",
        ),
        ("empty", Vec::new(), own(), "not_a_vault_file", "empty"),
        (
            "another identity",
            for_someone_else,
            own(),
            "not_for_this_identity",
            &key,
        ),
        (
            "truncated",
            good[..good.len() - 30].to_vec(),
            own(),
            "vault_file_damaged",
            "cut short or changed",
        ),
        (
            "bit flipped",
            flipped,
            own(),
            "vault_file_damaged",
            "cut short or changed",
        ),
        (
            "newer version",
            age_encrypt_to(
                &key,
                container
                    .replacen("\"version\": 2", "\"version\": 3", 1)
                    .as_bytes(),
            ),
            own(),
            "unsupported_vault_version",
            "version 3",
        ),
        (
            "a newer payload inside",
            age_encrypt_to(
                &key,
                &signed(
                    valid_json
                        .replace("\"version\": 2", "\"version\": 3")
                        .as_bytes(),
                ),
            ),
            own(),
            "unsupported_vault_version",
            "version 3",
        ),
        (
            "version 1, unsigned",
            age_encrypt_to(&key, &vector("vault-v1.json")),
            own(),
            "unsigned_vault_file",
            "older Tokenkeeper",
        ),
        (
            "version 2 payload without its signature",
            age_encrypt_to(&key, valid_json.as_bytes()),
            own(),
            "unsigned_vault_file",
            "carries no signature",
        ),
        (
            "signed, then changed",
            age_encrypt_to(
                &key,
                &container_with_payload(
                    &container,
                    valid_json.replace("\"repo\",", "\"admin\",").as_bytes(),
                ),
            ),
            own(),
            "bad_signature",
            "does not match the contents",
        ),
        (
            "breaks the rules",
            age_encrypt_to(
                &key,
                &signed(valid_json.replace("\"repo\",", "\"a repo\",").as_bytes()),
            ),
            own(),
            "invalid_vault_file",
            "token #1 (id 0190f0f0-0000-7000-8000-000000000001) has an invalid or repeated scope",
        ),
        (
            "age, but not a vault",
            age_encrypt_to(&key, b"{\"hello\": \"world\"}"),
            own(),
            "not_a_vault_file",
            "holds no Tokenkeeper vault",
        ),
        (
            "passphrase for a key file",
            good.clone(),
            ImportKey::Passphrase(secret("anything")),
            "not_for_this_identity",
            "not to a passphrase",
        ),
    ];
    for (what, bytes, key, kind, says) in cases {
        let before = state(dir.path(), &vault);
        let err = vault.preview_import(&bytes, key).unwrap_err();
        assert_eq!(err.kind(), kind, "{what}: {err}");
        assert!(
            err.to_string().contains(says),
            "{what}: '{err}' should say '{says}'"
        );
        assert!(
            !err.to_string().contains("key-bad-input"),
            "{what}: no secret in {err}"
        );
        assert_eq!(state(dir.path(), &vault), before, "{what}: nothing changed");
    }
    // The untouched file does open, so the refusals above were about the damage alone.
    let plan = vault.preview_import(&good, ImportKey::OwnIdentity).unwrap();
    assert_eq!(plan.rows.len(), 3);
}

/// The committed container with another payload put in, its signature left as it was.
fn container_with_payload(container: &str, payload: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let mut c: serde_json::Value = serde_json::from_str(container).unwrap();
    c["payload"] = base64::engine::general_purpose::STANDARD
        .encode(payload)
        .into();
    serde_json::to_vec(&c).unwrap()
}

#[test]
fn a_wrong_passphrase_and_a_damaged_passphrase_file_are_told_apart() {
    let (dir, vault, _) = seeded();
    // The committed passphrase vector: a real passphrase file with a low work factor, so each
    // try takes milliseconds (a fresh export takes a second per try; vault_file covers that).
    let file = vector("vault-v2-passphrase.tkvault");
    let pass = || secret("tokenkeeper test vector passphrase");
    let before = state(dir.path(), &vault);

    let err = vault
        .preview_import(
            &file,
            ImportKey::Passphrase(secret("tokenkeeper test vector")),
        )
        .unwrap_err();
    assert_eq!(err.kind(), "bad_passphrase", "{err}");
    assert!(
        err.to_string().contains("passphrase does not open"),
        "{err}"
    );

    for at in [file.len() - 5, file.len() / 2 + 100] {
        let mut damaged = file.clone();
        damaged[at] ^= 0x80;
        let err = vault
            .preview_import(&damaged, ImportKey::Passphrase(pass()))
            .unwrap_err();
        assert_eq!(err.kind(), "vault_file_damaged", "flip at {at}: {err}");
    }
    let err = vault
        .preview_import(&file[..file.len() - 1], ImportKey::Passphrase(pass()))
        .unwrap_err();
    assert_eq!(err.kind(), "vault_file_damaged", "{err}");

    let err = vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap_err();
    assert_eq!(err.kind(), "passphrase_required", "{err}");
    assert_eq!(state(dir.path(), &vault), before);
    assert_eq!(
        vault
            .preview_import(&file, ImportKey::Passphrase(pass()))
            .unwrap()
            .counts
            .new,
        3
    );
}

/// A small deterministic generator, so a failure names a case that can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn a_real_export_mutated_many_ways_never_imports_and_changes_nothing() {
    let (dir, mut vault, key) = seeded();
    let file = vault
        .export(ExportTarget::Recipients(vec![key.clone()]))
        .unwrap();
    let keychain_before = keychain_dump(&vault.identity().keychain_service);
    let db_before = db_bytes(dir.path());

    let mut mutations: Vec<(String, Vec<u8>)> = Vec::new();
    // Truncations: every offset through the header, then every 7th byte of the body.
    let header_end = file.windows(4).position(|w| w == b"\n---").unwrap() + 48;
    for cut in (0..header_end.min(file.len())).chain((header_end..file.len()).step_by(7)) {
        mutations.push((format!("truncated at {cut}"), file[..cut].to_vec()));
    }
    // Random single and double bit flips anywhere.
    let mut rng = XorShift(0x7ee1_5eed_0000_0004);
    for i in 0..300 {
        let mut m = file.clone();
        let flips = 1 + (i % 2);
        let mut at = Vec::new();
        for _ in 0..flips {
            let pos = (rng.next() % m.len() as u64) as usize;
            m[pos] ^= 1 << (rng.next() % 8);
            at.push(pos);
        }
        if m != file {
            mutations.push((format!("bits flipped at {at:?}"), m));
        }
    }
    // Bytes appended after the end.
    let mut longer = file.clone();
    longer.extend_from_slice(b"trailing");
    mutations.push(("appended bytes".into(), longer));
    assert!(mutations.len() > 400, "{} mutations", mutations.len());

    // Each keychain read costs a D-Bus round trip, so most tries use the identity read once
    // from the keychain (as `secret-tool` sees it); every 25th reads it through the vault.
    let service = vault.identity().keychain_service;
    let identity = secret_tool_lookup(&service, IDENTITY_ACCOUNT).unwrap();
    for (i, (what, bytes)) in mutations.iter().enumerate() {
        let key = if i % 25 == 0 {
            ImportKey::OwnIdentity
        } else {
            ImportKey::AgeIdentity(secret(&identity))
        };
        match vault.preview_import(bytes, key) {
            Ok(_) => panic!("{what}: a damaged file was accepted"),
            Err(e) => assert!(ALLOWED.contains(&e.kind()), "{what}: {} {e}", e.kind()),
        }
        assert!(
            db_bytes(dir.path()) == db_before,
            "{what}: the database changed"
        );
    }
    assert_eq!(
        keychain_dump(&vault.identity().keychain_service),
        keychain_before,
        "the keychain is unchanged"
    );
}
