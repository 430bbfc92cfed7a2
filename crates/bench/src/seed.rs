//! The project's seed command: many realistic tokens shaped by the core's own `generate`, so
//! benchmarks run on data like a user's, not on hand-made files.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Duration, SecondsFormat, Utc};
use rusqlite::Connection;
use secrecy::SecretString;
use tokenkeeper_core::{
    hint_for, token_format, Fingerprint, GenerateRequest, NewToken, Vault, DB_FILE,
};

const SERVICES: [Option<&str>; 5] = [
    Some("GitHub"),
    Some("Stripe"),
    Some("OpenAI"),
    None,
    Some("Billing API"),
];
const SCOPES: [&[&str]; 4] = [
    &["read"],
    &["read", "write"],
    &["billing:read"],
    &["repo", "workflow", "read:org"],
];

/// The name of seeded token `i`.
pub fn name(i: usize) -> String {
    format!("seed-{i:05}")
}

/// The fields of seeded token `i`: spread over services, scopes and expiries like a user's.
fn request(i: usize, keep: bool, now: chrono::DateTime<Utc>) -> GenerateRequest {
    GenerateRequest {
        token: NewToken {
            name: name(i),
            description: format!(
                "{} client {} for team {}",
                if i.is_multiple_of(10) {
                    "billing"
                } else {
                    "deploy"
                },
                i,
                i % 37
            ),
            service: SERVICES[i % SERVICES.len()].map(str::to_string),
            scopes: SCOPES[i % SCOPES.len()]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            expires_at: match i % 4 {
                0 => None,
                1 => Some(now + Duration::days(7)),
                2 => Some(now + Duration::days(90)),
                _ => Some(now + Duration::days(365)),
            },
        },
        keep,
    }
}

/// Generates `tokens` tokens in `vault`; the first `with_secrets` keep their secret in the
/// keychain. Returns every secret, for benchmarks that present them (never written anywhere).
///
/// The first token of each service (and every kept one) is made by the core's `generate`. The
/// rest are written in one SQLite transaction as copies of those rows with their own id, name,
/// fields, secret, fingerprint and hint, made by the core's token format and fingerprint: one
/// `generate` per token commits 100,000 times, which takes minutes and writes gigabytes of WAL.
/// The copies are the rows `generate` writes (the store's triggers index them the same way);
/// the run checks that the core reads them all back.
pub fn fill(vault: &mut Vault, tokens: usize, with_secrets: usize) -> Result<Vec<SecretString>> {
    let now = Utc::now();
    let mut secrets = Vec::with_capacity(tokens);
    let by_core = tokens.min(with_secrets.max(SERVICES.len()));
    let mut ids = Vec::with_capacity(by_core);
    for i in 0..by_core {
        let issued = vault
            .generate(request(i, i < with_secrets, now))
            .with_context(|| format!("seeding {}", name(i)))?;
        ids.push(issued.token.id);
        secrets.push(issued.secret);
    }
    if tokens > by_core {
        let mut conn = Connection::open(vault.identity().data_dir.join(DB_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            // A hash-only template per service (token i copies the template of i's service).
            let templates: Vec<&String> = (0..SERVICES.len())
                .map(|s| {
                    (s..by_core)
                        .step_by(SERVICES.len())
                        .find(|&i| i >= with_secrets)
                        .map_or(&ids[s], |i| &ids[i])
                })
                .collect();
            let mut row = tx.prepare(
                "INSERT INTO tokens (id, name, name_key, description, service, origin, storage, \
                 scopes, status, fingerprint, hint, created_at, created_by, updated_at, \
                 last_used_at, expires_at, rotated_at, deleted_at, previous_fingerprint, \
                 previous_valid_until, secret_missing) \
                 SELECT ?2, ?3, ?4, ?5, service, origin, storage, ?6, status, ?7, ?8, \
                 ?10, created_by, ?10, last_used_at, ?9, rotated_at, deleted_at, \
                 previous_fingerprint, previous_valid_until, secret_missing \
                 FROM tokens WHERE id = ?1",
            )?;
            let mut event = tx.prepare(
                "INSERT INTO events (token_id, at, actor, kind, detail) \
                 SELECT ?2, ?3, actor, kind, detail FROM events WHERE token_id = ?1",
            )?;
            for i in by_core..tokens {
                let req = request(i, false, now);
                let secret = token_format::generate(token_format::DEFAULT_PREFIX)?;
                let id = uuid_like(i);
                let template = templates[i % SERVICES.len()];
                // One millisecond apart, as if made one after the other.
                let created = stored_time(now + Duration::milliseconds(i as i64));
                let inserted = row.execute(rusqlite::params![
                    template,
                    id,
                    req.token.name,
                    req.token.name.to_lowercase(),
                    req.token.description,
                    serde_json::to_string(&req.token.scopes)?,
                    Fingerprint::of(&secret).as_str(),
                    hint_for(&secret),
                    req.token.expires_at.map(stored_time),
                    created,
                ])?;
                anyhow::ensure!(inserted == 1, "no template row for {}", name(i));
                event.execute([template, &id, &created])?;
                secrets.push(secret);
            }
        }
        tx.commit()?;
    }
    let listed = vault.list(&Default::default())?.len();
    anyhow::ensure!(
        listed == tokens,
        "the core lists {listed} tokens after seeding {tokens}"
    );
    Ok(secrets)
}

/// A time as the core stores it (RFC 3339 UTC with microseconds).
fn stored_time(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A unique id for bulk-seeded token `i`, shaped like the core's UUID v7 ids and sorting after
/// them.
fn uuid_like(i: usize) -> String {
    format!("ffffffff-0000-7000-8000-{i:012x}")
}

pub fn run(dir: &Path, tokens: usize, with_secrets: usize) -> Result<ExitCode> {
    anyhow::ensure!(
        with_secrets <= tokens,
        "--with-secrets ({with_secrets}) cannot exceed --tokens ({tokens})"
    );
    let started = Instant::now();
    let mut vault = Vault::open(dir)?;
    let existing = vault.list(&Default::default())?.len();
    anyhow::ensure!(
        existing == 0,
        "{} already holds {existing} tokens; seed an empty directory",
        dir.display()
    );
    fill(&mut vault, tokens, with_secrets)?;
    let id = vault.identity();
    let probe = (with_secrets > 0)
        .then(|| vault.show(&name(with_secrets / 2)))
        .transpose()?;
    println!(
        "{}",
        serde_json::json!({
            "tokens": tokens,
            "with_secrets": with_secrets,
            "vault_id": id.vault_id,
            "keychain_service": id.keychain_service,
            "probe_name": probe.as_ref().map(|p| p.token.name.clone()),
            "probe_id": probe.as_ref().map(|p| p.token.id.clone()),
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(ExitCode::SUCCESS)
}
