//! How `tok` shows things: aligned tables and detail pages for people, JSON for scripts.

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use tokenkeeper_core::{Identity, Service, Token, TokenDetails, Verification};

/// Header used in the usage snippet when a token has no service.
const DEFAULT_AUTH_HEADER: &str = "Authorization: Bearer {token}";

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    // Serializing our own model types cannot fail; an empty line would be a bug, not a leak.
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// A time in local time, short: `2026-11-24 18:31`.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn opt_time(t: Option<DateTime<Utc>>, none: &str) -> String {
    t.map(local_time).unwrap_or_else(|| none.to_string())
}

/// The `tok list` table: NAME, SERVICE, TOKEN, SCOPES, STATE, CREATED, LAST USED, EXPIRES.
pub fn token_table(tokens: &[Token]) {
    if tokens.is_empty() {
        println!("No tokens.");
        return;
    }
    let header = [
        "NAME",
        "SERVICE",
        "TOKEN",
        "SCOPES",
        "STATE",
        "CREATED",
        "LAST USED",
        "EXPIRES",
    ];
    let rows: Vec<[String; 8]> = tokens
        .iter()
        .map(|t| {
            let mut state = t.state.to_string();
            if t.secret_missing {
                state.push_str(" (secret missing)");
            }
            [
                t.name.clone(),
                t.service.clone().unwrap_or_else(|| "-".into()),
                t.hint.clone(),
                if t.scopes.is_empty() {
                    "-".into()
                } else {
                    t.scopes.join(",")
                },
                state,
                local_time(t.created_at),
                opt_time(t.last_used_at, "never"),
                opt_time(t.expires_at, "never"),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    print_row(&header.map(String::from), &widths);
    for row in &rows {
        print_row(row, &widths);
    }
}

fn print_row(cells: &[String; 8], widths: &[usize; 8]) {
    let mut line = String::new();
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        line.push_str(cell);
        if i + 1 < cells.len() {
            let pad = w - cell.chars().count() + 2;
            line.push_str(&" ".repeat(pad));
        }
    }
    println!("{}", line.trim_end());
}

/// The `tok show` page: metadata, usage snippet and activity (newest first).
pub fn token_details(d: &TokenDetails) {
    let t = &d.token;
    let field = |label: &str, value: &str| println!("{:<14}{value}", format!("{label}:"));
    field("Name", &t.name);
    field("ID", &t.id);
    field("Service", t.service.as_deref().unwrap_or("-"));
    if !t.description.is_empty() {
        field("Description", &t.description);
    }
    let mut state = t.state.to_string();
    if t.secret_missing {
        state.push_str(" (secret missing from the keychain; rotate it to store a new one)");
    }
    field("State", &state);
    field("Token", &t.hint);
    field("Origin", t.origin.as_str());
    field(
        "Storage",
        match t.storage {
            tokenkeeper_core::Storage::Keychain => "keychain (can be revealed with `tok get`)",
            tokenkeeper_core::Storage::HashOnly => "hash only (the secret was shown once)",
        },
    );
    field(
        "Scopes",
        &if t.scopes.is_empty() {
            "-".to_string()
        } else {
            t.scopes.join(", ")
        },
    );
    field("Fingerprint", &t.fingerprint);
    field(
        "Created",
        &format!("{} by {}", local_time(t.created_at), t.created_by),
    );
    field("Updated", &local_time(t.updated_at));
    field("Last used", &opt_time(t.last_used_at, "never"));
    field("Expires", &opt_time(t.expires_at, "never"));
    if let Some(r) = t.rotated_at {
        field("Rotated", &local_time(r));
    }
    if let Some(until) = t.previous_valid_until {
        field("Old secret", &format!("valid until {}", local_time(until)));
    }
    if let Some(del) = t.deleted_at {
        field("Deleted", &local_time(del));
    }

    println!();
    println!("Usage:");
    println!("  {}", usage_snippet(d.service.as_ref()));
    if t.storage == tokenkeeper_core::Storage::Keychain {
        println!(
            "  (with the secret from Tokenkeeper: tok run --env TOKEN={} -- sh -c '{}')",
            shell_quote(&t.name),
            usage_snippet(d.service.as_ref()).replace('\'', r"'\''")
        );
    }

    println!();
    println!("Activity:");
    if d.events.is_empty() {
        println!("  (none)");
    }
    for e in &d.events {
        let detail = e
            .detail
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        println!(
            "  {}  {:<9} by {}{detail}",
            local_time(e.at),
            e.kind.as_str(),
            e.actor
        );
    }
}

/// `curl -H "xc-token: $TOKEN" https://...`, built from the service's header template.
pub fn usage_snippet(service: Option<&Service>) -> String {
    let template = service
        .map(|s| s.auth_header.as_str())
        .unwrap_or(DEFAULT_AUTH_HEADER);
    let header = template.replace("{token}", "$TOKEN");
    let url = service
        .and_then(|s| s.base_url.as_deref())
        .map(|u| format!("{}/...", u.trim_end_matches('/')))
        .unwrap_or_else(|| "...".to_string());
    format!("curl -H \"{header}\" {url}")
}

/// Quotes a name for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `tok whoami` for people.
pub fn identity(id: &Identity) {
    println!("Display name:      {}", id.display_name);
    println!("Vault id:          {}", id.vault_id);
    println!("Keychain service:  {}", id.keychain_service);
    println!("Data directory:    {}", id.data_dir.display());
    match &id.public_key {
        Some(key) => println!("Public key:        {key}"),
        None => println!("Public key:        (not available: the keychain could not be reached)"),
    }
    match (&id.member_key, &id.signer_fingerprint) {
        (Some(key), Some(fingerprint)) => {
            println!("Member key:        {key}");
            println!("Fingerprint:       {fingerprint}");
            if let Some(minisign) = &id.minisign_public_key {
                println!("Signing key:       {minisign} (minisign)");
            }
        }
        _ => println!("Member key:        (not available: the keychain could not be reached)"),
    }
}

/// `tok verify` always answers in JSON: the Verification itself.
pub fn verification(v: &Verification) {
    json(v);
}

/// The token a command changed: as JSON, or one short confirmation line for people,
/// e.g. `Disabled 'ci-deploy' (tk_…9fQa).`
pub fn done(verb: &str, t: &Token, as_json: bool) {
    if as_json {
        json(t);
    } else {
        println!("{verb} '{}' ({}).", t.name, t.hint);
    }
}
