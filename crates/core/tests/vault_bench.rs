//! The vault-file benchmark (ignored by default; figures, not pass/fail): export and import of
//! a 10,000-token vault, 1,000 of them with secrets, on the real keychain, against the floor of
//! 1,000 raw keychain writes and reads measured in the same run and the same keyring (it takes
//! several minutes under gnome-keyring, whose writes slow down as the keyring fills). Run it with
//!
//! ```sh
//! cargo test -p tokenkeeper-core --release --test tests vault_bench -- --ignored --nocapture
//! ```
//!
//! inside the private Secret Service of scripts/test (dbus-run-session + gnome-keyring).

use std::time::{Duration, Instant};

use tokenkeeper_core::*;

use crate::util::*;

const TOKENS: usize = 10_000;
const WITH_SECRETS: usize = 1_000;

/// A version-1 payload of `TOKENS` tokens, every tenth kept with its secret, the rest hash-only.
fn payload() -> Vec<u8> {
    let now = "2026-11-24T12:00:00Z";
    let tokens: Vec<serde_json::Value> = (0..TOKENS)
        .map(|i| {
            let kept = i % (TOKENS / WITH_SECRETS) == 0;
            let secret = format!("tk_bench{i:06}abcdefghijklmnopqrstuvwxyz0123");
            let mut t = serde_json::json!({
                "id": format!("0190f0f0-0000-7000-8000-{i:012x}"),
                "name": format!("bench token {i:05}"),
                "description": "made by the vault-file benchmark",
                "service": if i % 3 == 0 { serde_json::json!("GitHub") } else { serde_json::Value::Null },
                "origin": if kept { "imported" } else { "generated" },
                "storage": if kept { "keychain" } else { "hash_only" },
                "scopes": ["read", "billing:read"],
                "status": "active",
                "fingerprint": Fingerprint::of(&secret_of(&secret)).to_string(),
                "hint": hint_for(&secret_of(&secret)),
                "created_at": now, "created_by": "bench", "updated_at": now,
                "last_used_at": null, "expires_at": null, "rotated_at": null, "deleted_at": null,
                "previous_fingerprint": null, "previous_valid_until": null, "history": [],
            });
            if kept {
                t["secret"] = serde_json::json!(secret);
            }
            t
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "format": "tokenkeeper-vault", "version": 2,
        "vault_id": "0190f0f0-0000-7000-8000-0000000be7c4",
        "exported_at": now, "exported_by": "bench",
        "services": [{"name": "GitHub", "auth_header": "Authorization: Bearer {token}",
                      "token_prefix": null, "base_url": null, "max_active": null}],
        "tokens": tokens,
    }))
    .unwrap()
}

fn secret_of(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[test]
#[ignore = "benchmark: prints figures; run with --release --ignored --nocapture"]
fn vault_file_10k_tokens_1k_secrets() {
    // A: filled by importing a synthetic 10k-token file (itself a measurement).
    let (_dir_a, mut a) = keychain_vault();
    let key_a = a.public_key().unwrap();
    let synthetic = age_encrypt_to(&key_a, &signed(&payload()));
    let (plan, fill_preview) = time(|| preview_trusted(&mut a, &synthetic, ImportKey::OwnIdentity));
    assert_eq!(plan.counts.new, TOKENS);
    let (_, fill_apply) = time(|| a.apply_import(plan, |_, _| {}).unwrap());

    // Export A to B's key, and to a passphrase.
    let (_dir_b, mut b) = keychain_vault();
    let key_b = b.public_key().unwrap();
    let (file, export_keys) = time(|| a.export(ExportTarget::Recipients(vec![key_b])).unwrap());
    let (pass_file, export_pass) = time(|| {
        a.export(ExportTarget::Passphrase(secret_of(
            "bench passphrase with some words",
        )))
        .unwrap()
    });

    // Floor: the same number of raw keychain writes and reads, nothing else, measured with the
    // keyring as full as it is for the import below (gnome-keyring slows down as it fills).
    let floor = KeychainStore::new(format!("tokenkeeper-bench-floor:{}", std::process::id()));
    let accounts: Vec<String> = (0..WITH_SECRETS).map(|i| format!("floor-{i}")).collect();
    let (_, floor_write) = time(|| {
        for a in &accounts {
            floor
                .set(a, &secret_of("tk_floor_secret_0123456789abcdef"))
                .unwrap();
        }
    });
    let (_, floor_read) = time(|| {
        for a in &accounts {
            floor.get(a).unwrap().unwrap();
        }
    });
    for a in &accounts {
        floor.delete(a).unwrap();
    }

    // Import into the empty B, then the same file again.
    let (plan, import_preview) = time(|| preview_trusted(&mut b, &file, ImportKey::OwnIdentity));
    assert_eq!(plan.counts.new, TOKENS);
    let (report, import_apply) = time(|| b.apply_import(plan, |_, _| {}).unwrap());
    assert_eq!(report.secrets_stored, WITH_SECRETS);
    let (plan, again_preview) = time(|| b.preview_import(&file, ImportKey::OwnIdentity).unwrap());
    assert_eq!(plan.counts.unchanged, TOKENS);
    let (_, again_apply) = time(|| b.apply_import(plan, |_, _| {}).unwrap());
    let (_, pass_preview) = time(|| {
        b.preview_import(
            &pass_file,
            ImportKey::Passphrase(secret_of("bench passphrase with some words")),
        )
        .unwrap()
    });

    let ratio = |d: Duration, floor: Duration| d.as_secs_f64() / floor.as_secs_f64();
    println!();
    println!(
        "Vault file: {TOKENS} tokens, {WITH_SECRETS} with secrets (file {} KiB)",
        file.len() / 1024
    );
    println!("| step | time | vs floor |");
    println!("|---|---|---|");
    println!(
        "| floor: {WITH_SECRETS} raw keychain writes | {} | 1.0 |",
        ms(floor_write)
    );
    println!(
        "| floor: {WITH_SECRETS} raw keychain reads | {} | 1.0 |",
        ms(floor_read)
    );
    println!(
        "| export to a public key (reads {WITH_SECRETS} secrets) | {} | {:.2} × reads |",
        ms(export_keys),
        ratio(export_keys, floor_read)
    );
    println!(
        "| export to a passphrase | {} | {:.2} × reads |",
        ms(export_pass),
        ratio(export_pass, floor_read)
    );
    println!(
        "| import preview (decrypt, check, plan) | {} | |",
        ms(import_preview)
    );
    println!("| import apply into an empty vault ({WITH_SECRETS} keychain writes) | {} | {:.2} × writes |", ms(import_apply), ratio(import_apply, floor_write));
    println!(
        "| import the same file again: preview | {} | |",
        ms(again_preview)
    );
    println!(
        "| import the same file again: apply (no change) | {} | |",
        ms(again_apply)
    );
    println!(
        "| import preview of the passphrase file | {} | |",
        ms(pass_preview)
    );
    println!(
        "| (setup) fill A from a synthetic file: preview + apply | {} + {} | |",
        ms(fill_preview),
        ms(fill_apply)
    );

    // Leave nothing behind in the keyring.
    for v in [&a, &b] {
        let _ = std::process::Command::new("secret-tool")
            .args(["clear", "service", &v.identity().keychain_service])
            .output();
    }
}
