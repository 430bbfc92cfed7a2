//! The project's seed command: many realistic tokens made through the core's own `generate`, so
//! benchmarks run on data shaped like a user's, not on hand-made files.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Duration, Utc};
use secrecy::SecretString;
use tokenkeeper_core::{GenerateRequest, NewToken, Vault};

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

/// Generates `tokens` tokens in `vault`; the first `with_secrets` keep their secret in the
/// keychain. Returns every secret, for benchmarks that present them (never written anywhere).
pub fn fill(vault: &mut Vault, tokens: usize, with_secrets: usize) -> Result<Vec<SecretString>> {
    let now = Utc::now();
    let mut secrets = Vec::with_capacity(tokens);
    for i in 0..tokens {
        let service = SERVICES[i % SERVICES.len()];
        let issued = vault
            .generate(GenerateRequest {
                token: NewToken {
                    name: name(i),
                    description: format!(
                        "{} client {} for team {}",
                        if i % 10 == 0 { "billing" } else { "deploy" },
                        i,
                        i % 37
                    ),
                    service: service.map(str::to_string),
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
                keep: i < with_secrets,
            })
            .with_context(|| format!("seeding {}", name(i)))?;
        secrets.push(issued.secret);
    }
    Ok(secrets)
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
