//! How `tok` shows things: aligned tables and detail pages for people, JSON for scripts. Every
//! value printed for people goes through [`esc`], so text from a file or an older database can
//! never drive the terminal; JSON escapes control characters by itself.

use std::borrow::Cow;

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use tokenkeeper_core::{escape_for_terminal, Identity, Service, Token, TokenDetails, Verification};

/// Header used in the usage snippet when a token has no service.
const DEFAULT_AUTH_HEADER: &str = "Authorization: Bearer {token}";

/// A value made safe for the terminal: control, bidi and zero-width characters shown as
/// `\u{1b}`-style escapes (the core's one escaping function).
pub fn esc(s: &str) -> Cow<'_, str> {
    escape_for_terminal(s)
}

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
            if !t.needs_repair.is_empty() {
                state.push_str(" (needs repair)");
            }
            [
                esc(&t.name).into_owned(),
                esc(t.service.as_deref().unwrap_or("-")).into_owned(),
                esc(&t.hint).into_owned(),
                if t.scopes.is_empty() {
                    "-".into()
                } else {
                    esc(&t.scopes.join(",")).into_owned()
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
    let field = |label: &str, value: &str| println!("{:<14}{}", format!("{label}:"), esc(value));
    field("Name", &t.name);
    field("ID", &t.id);
    field("Service", t.service.as_deref().unwrap_or("-"));
    if !t.description.is_empty() {
        // Line breaks are the one control character a description keeps: later lines indented.
        field(
            "Description",
            &t.description.replace('\n', "\n              "),
        );
    }
    let mut state = t.state.to_string();
    if t.secret_missing {
        state.push_str(" (secret missing from the keychain; rotate it to store a new one)");
    }
    field("State", &state);
    if !t.needs_repair.is_empty() {
        field(
            "Needs repair",
            &format!(
                "{} (written by an older version, unreadable or out of range; set it with \
                 `tok edit {} ...`, for example --expires never, or delete the token)",
                t.needs_repair.join(", "),
                t.id
            ),
        );
    }
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
    field("Fingerprint", &fingerprint_label(t));
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
    println!("  {}", esc(&usage_snippet(d.service.as_ref())));
    if t.storage == tokenkeeper_core::Storage::Keychain {
        println!(
            "  (with the secret from Tokenkeeper: {})",
            esc(&run_snippet(&t.name, d.service.as_ref()))
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
            .map(|s| format!(" ({})", esc(s)))
            .unwrap_or_default();
        println!(
            "  {}  {:<9} by {}{detail}",
            local_time(e.at),
            e.kind.as_str(),
            esc(&e.actor)
        );
    }
}

/// `curl -H 'xc-token: '"$TOKEN" 'https://.../...'`, built from the service's header template.
/// Every value from the service is single-quoted for a POSIX shell, so pasting the snippet runs
/// curl and nothing else, whatever a vault file put into the service; only `$TOKEN` expands.
pub fn usage_snippet(service: Option<&Service>) -> String {
    let template = service
        .map(|s| s.auth_header.as_str())
        .unwrap_or(DEFAULT_AUTH_HEADER);
    let header = template
        .split("{token}")
        .map(|part| {
            if part.is_empty() {
                String::new()
            } else {
                shell_quote_always(part)
            }
        })
        .collect::<Vec<_>>()
        .join("\"$TOKEN\"");
    let url = service
        .and_then(|s| s.base_url.as_deref())
        .map(|u| shell_quote_always(&format!("{}/...", u.trim_end_matches('/'))))
        .unwrap_or_else(|| "...".to_string());
    format!("curl -H {header} {url}")
}

/// The snippet run with the secret from Tokenkeeper:
/// `tok run --env TOKEN=name -- sh -c '<usage snippet>'`, quoted as a whole once more.
pub fn run_snippet(name: &str, service: Option<&Service>) -> String {
    format!(
        "tok run --env TOKEN={} -- sh -c {}",
        shell_quote(name),
        shell_quote_always(&usage_snippet(service))
    )
}

/// Single quotes for a POSIX shell, `'\''` for a quote inside.
fn shell_quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Quotes a name for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c));
    if plain {
        s.to_string()
    } else {
        shell_quote_always(s)
    }
}

/// `tok whoami` for people.
pub fn identity(id: &Identity) {
    println!("Display name:      {}", esc(&id.display_name));
    println!("Vault id:          {}", id.vault_id);
    println!("Keychain service:  {}", id.keychain_service);
    println!(
        "Data directory:    {}",
        esc(&id.data_dir.display().to_string())
    );
    match &id.public_key {
        Some(key) => println!("Public key:        {}", esc(key)),
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
        println!("{verb} '{}' ({}).", esc(&t.name), esc(&t.hint));
    }
}

/// A token's fingerprint as `tok show` labels it: an added key's is keyed to this install (it
/// means nothing elsewhere), and may be unknown when its secret never arrived.
fn fingerprint_label(t: &Token) -> String {
    match (t.origin, t.fingerprint.is_empty()) {
        (tokenkeeper_core::Origin::Imported, true) => {
            "unknown (the secret has not arrived here)".to_string()
        }
        (tokenkeeper_core::Origin::Imported, false) => {
            format!("{} (HMAC-SHA256, keyed to this install)", t.fingerprint)
        }
        (tokenkeeper_core::Origin::Generated, _) => format!("{} (SHA-256)", t.fingerprint),
    }
}
