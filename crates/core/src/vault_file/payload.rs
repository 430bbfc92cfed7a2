//! The JSON inside a `.tkvault` file (docs/vault-format.md): written from the database, and read
//! back with every rule checked, so nothing a file claims reaches the database unchecked.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{
    Error, NotAVaultFileError, Result, StorageError, UnsupportedVersionError, VaultFileError,
};
use crate::fingerprint::{hint_for, Fingerprint};
use crate::model::{Origin, Service, Status, Storage, Token, TokenState};
use crate::store::tokens::name_key;
use crate::store::ts;
use crate::{token_format, validate};

/// The `format` field of every payload.
pub const FORMAT: &str = "tokenkeeper-vault";
/// The payload version this build writes and the only one it reads: the payload inside a
/// signed version-2 container (a version-1 file is unsigned and refused before its payload is
/// read).
pub const VERSION: u32 = super::signed::VERSION;
/// Longest hint accepted for a hash-only token, in characters.
const MAX_HINT_CHARS: usize = 64;
/// Longest `created_by` / `exported_by`, in characters.
const MAX_ACTOR_CHARS: usize = 100;
/// Most versions a token's `history` may list.
pub(crate) const MAX_HISTORY: usize = 64;

/// Why a token's name was refused.
const BAD_TOKEN_NAME: &str = "has no valid name (1 to 100 characters of plain text, no control, \
                              bidi or zero-width characters)";
/// Why a token's scopes were refused.
const BAD_SCOPES: &str = "has an invalid or repeated scope, or more than 64 (each up to 64 \
                          letters, digits and : . _ -)";

/// A payload that passed every rule: what the merge works from.
#[derive(Debug)]
pub(crate) struct Payload {
    pub vault_id: String,
    pub exported_at: DateTime<Utc>,
    pub exported_by: String,
    pub services: Vec<Service>,
    pub tokens: Vec<IncomingToken>,
}

/// One token from a file, as a row this vault could store, with its secret when it travelled.
#[derive(Debug)]
pub(crate) struct IncomingToken {
    pub token: Token,
    pub secret: Option<SecretString>,
    /// The versions (content hashes) the exporter has shared, its current one included.
    pub history: Vec<String>,
    /// The other form this secret would be stored under here, for duplicate detection: for an
    /// added key its plain SHA-256 (as a generated token here would hold it), for a generated
    /// token its keyed form (as an added key here would). Set by the import, not by the file.
    pub other_form: Option<String>,
}

// ----- writing -----

/// The payload as written: borrowed from the database rows, secrets exposed only here, into a
/// buffer that is zeroed when dropped.
#[derive(Serialize)]
struct PayloadOut<'a> {
    format: &'static str,
    version: u32,
    vault_id: &'a str,
    exported_at: DateTime<Utc>,
    exported_by: &'a str,
    services: &'a [Service],
    tokens: Vec<TokenOut<'a>>,
}

#[derive(Serialize)]
struct TokenOut<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    service: Option<&'a str>,
    origin: Origin,
    storage: Storage,
    scopes: &'a [String],
    status: Status,
    fingerprint: Option<String>,
    hint: &'a str,
    created_at: DateTime<Utc>,
    created_by: &'a str,
    updated_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    rotated_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
    previous_fingerprint: Option<&'a str>,
    previous_valid_until: Option<DateTime<Utc>>,
    history: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

/// What goes into one export.
pub(crate) struct Outgoing<'a> {
    pub vault_id: &'a str,
    pub exported_at: DateTime<Utc>,
    pub exported_by: &'a str,
    pub services: &'a [Service],
    /// Every token, tombstones included.
    pub tokens: &'a [OutgoingToken],
}

/// One exported token: its secret when it is kept and readable, and its shared versions.
pub(crate) struct OutgoingToken {
    pub token: Token,
    pub secret: Option<SecretString>,
    pub history: Vec<String>,
}

/// The fingerprints a file carries for a token, in the one form every install can compare: the
/// plain SHA-256. A generated token's stored ones are that already. An added key's stored ones are
/// keyed to this install, so the file carries the SHA-256 of its secret when the secret travels
/// with it and `null` otherwise (tombstones, secrets missing), and never a previous fingerprint.
fn portable_fingerprints<'a>(
    t: &'a Token,
    secret: Option<&SecretString>,
) -> (Option<String>, Option<&'a str>) {
    match t.origin {
        Origin::Generated => (
            Some(t.fingerprint.clone()),
            t.previous_fingerprint.as_deref(),
        ),
        Origin::Imported => (secret.map(|s| Fingerprint::of(s).to_string()), None),
    }
}

/// Serializes a payload. The returned buffer holds secrets and is zeroed on drop.
pub(crate) fn write(out: &Outgoing<'_>) -> Result<Zeroizing<Vec<u8>>> {
    let payload = PayloadOut {
        format: FORMAT,
        version: VERSION,
        vault_id: out.vault_id,
        exported_at: out.exported_at,
        exported_by: out.exported_by,
        services: out.services,
        tokens: out
            .tokens
            .iter()
            .map(|o| (&o.token, &o.secret, &o.history))
            .map(|(t, secret, history)| {
                let (fingerprint, previous_fingerprint) = portable_fingerprints(t, secret.as_ref());
                TokenOut {
                    id: &t.id,
                    name: &t.name,
                    description: &t.description,
                    service: t.service.as_deref(),
                    origin: t.origin,
                    storage: t.storage,
                    scopes: &t.scopes,
                    status: t.status,
                    fingerprint,
                    hint: &t.hint,
                    created_at: t.created_at,
                    created_by: &t.created_by,
                    updated_at: t.updated_at,
                    last_used_at: t.last_used_at,
                    expires_at: t.expires_at,
                    rotated_at: t.rotated_at,
                    deleted_at: t.deleted_at,
                    previous_fingerprint,
                    previous_valid_until: t.previous_valid_until,
                    history,
                    secret: secret.as_ref().map(|s| s.expose_secret()),
                }
            })
            .collect(),
    };
    let mut buf = Zeroizing::new(Vec::with_capacity(512 * (out.tokens.len() + 4)));
    serde_json::to_writer(&mut *buf, &payload).map_err(|source| StorageError::Json {
        context: "could not write the vault payload".into(),
        source,
    })?;
    Ok(buf)
}

// ----- reading -----

/// Just enough to tell a foreign or newer file apart before reading it in full.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayloadIn {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u32,
    vault_id: String,
    exported_at: DateTime<Utc>,
    exported_by: String,
    services: Vec<ServiceIn>,
    tokens: Vec<TokenIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceIn {
    name: String,
    auth_header: String,
    token_prefix: Option<String>,
    base_url: Option<String>,
    max_active: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenIn {
    id: String,
    name: String,
    description: String,
    service: Option<String>,
    origin: Origin,
    storage: Storage,
    scopes: Vec<String>,
    status: Status,
    fingerprint: Option<String>,
    hint: String,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    rotated_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
    previous_fingerprint: Option<String>,
    previous_valid_until: Option<DateTime<Utc>>,
    history: Vec<String>,
    secret: Option<SecretString>,
}

/// Reads a decrypted payload and checks every rule of docs/vault-format.md. Never panics: any
/// input yields either a payload that keeps the rules or an error saying what is wrong.
pub(crate) fn parse(bytes: &[u8], now: DateTime<Utc>) -> Result<Payload> {
    let header: Header = serde_json::from_slice(bytes).map_err(|_| NotAVaultFileError::NotJson)?;
    match header.format.as_ref().and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        _ => return Err(NotAVaultFileError::OtherFormat { format: FORMAT }.into()),
    }
    match header.version.as_ref().and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) if v > u64::from(VERSION) => return Err(newer_version(v)),
        _ => {
            return Err(invalid(&format!(
                "\"version\" must be the number {VERSION}"
            )))
        }
    }
    let raw: PayloadIn = serde_json::from_slice(bytes).map_err(|e| {
        // serde's message names the field and position, never a value.
        invalid(&format!(
            "its contents do not follow the format: {}",
            redact(&e)
        ))
    })?;
    check(raw, now)
}

/// serde_json's error text without any value from the file (a secret may sit in the wrong
/// field): field names are kept ("unknown field `x`", "missing field `x`"), values are cut at
/// their first quote, and the position is added.
pub(crate) fn redact(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or_default();
    let names_a_field = ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .any(|p| msg.starts_with(p));
    let kept = if names_a_field {
        // Up to the closing backtick of the field name.
        match msg.match_indices('`').nth(1) {
            Some((i, _)) => &msg[..=i],
            None => msg,
        }
    } else {
        msg.split(['`', '"']).next().unwrap_or_default().trim_end()
    };
    format!("{kept} (line {}, column {})", e.line(), e.column())
}

fn invalid(why: &str) -> Error {
    VaultFileError::Payload {
        why: why.to_string(),
    }
    .into()
}

fn at(i: usize, id: &str, why: impl std::fmt::Display) -> Error {
    // Ids are checked to be UUIDs before they are quoted; until then only the position is named.
    if uuid::Uuid::parse_str(id).is_ok() {
        invalid(&format!("token #{} (id {id}) {why}", i + 1))
    } else {
        invalid(&format!("token #{} {why}", i + 1))
    }
}

fn plain(raw: &str, max: usize) -> bool {
    validate::is_plain(raw, max)
}

/// Every time a token carries, by its field name, for the 1970-9999 check.
fn times(t: &TokenIn) -> [(&'static str, Option<DateTime<Utc>>); 7] {
    [
        ("created_at", Some(t.created_at)),
        ("updated_at", Some(t.updated_at)),
        ("last_used_at", t.last_used_at),
        ("expires_at", t.expires_at),
        ("rotated_at", t.rotated_at),
        ("deleted_at", t.deleted_at),
        ("previous_valid_until", t.previous_valid_until),
    ]
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check(raw: PayloadIn, now: DateTime<Utc>) -> Result<Payload> {
    if uuid::Uuid::parse_str(&raw.vault_id).is_err() {
        return Err(invalid("\"vault_id\" is not a UUID"));
    }
    if !plain(&raw.exported_by, MAX_ACTOR_CHARS) {
        return Err(invalid(
            "\"exported_by\" must be 1 to 100 characters of plain text (no control, bidi or \
             zero-width characters)",
        ));
    }
    if !validate::date_in_range(raw.exported_at) {
        return Err(invalid(
            "\"exported_at\" is outside 1970-01-01 through 9999-12-31",
        ));
    }
    // Counts first, before any per-entry work.
    if raw.services.len() > validate::MAX_SERVICES_PER_FILE {
        return Err(invalid(&format!(
            "it lists {} services, more than the {} a file may hold",
            raw.services.len(),
            validate::MAX_SERVICES_PER_FILE
        )));
    }
    if raw.tokens.len() > validate::MAX_TOKENS_PER_FILE {
        return Err(invalid(&format!(
            "it holds {} tokens, more than the {} a file may hold",
            raw.tokens.len(),
            validate::MAX_TOKENS_PER_FILE
        )));
    }

    let mut services: Vec<Service> = Vec::with_capacity(raw.services.len());
    let mut service_keys: HashSet<String> = HashSet::new();
    for (i, s) in raw.services.into_iter().enumerate() {
        let bad = |why: &str| invalid(&format!("service #{} {why}", i + 1));
        let name = validate::service_name(&s.name)
            .ok()
            .filter(|n| *n == s.name)
            .ok_or_else(|| {
                bad(
                    "has no valid name (1 to 64 characters of plain text, no control, bidi or \
                     zero-width characters)",
                )
            })?;
        if !service_keys.insert(name.to_lowercase()) {
            return Err(bad(&format!("'{name}' is listed twice")));
        }
        let auth_header = validate::auth_header(&s.auth_header)
            .ok()
            .filter(|h| *h == s.auth_header)
            .ok_or_else(|| {
                bad(&format!(
                    "'{name}' has an invalid auth_header (an HTTP header name, ':', then \
                     visible ASCII with {{token}} in it)"
                ))
            })?;
        if let Some(p) = &s.token_prefix {
            token_format::validate_prefix(p)
                .map_err(|_| bad(&format!("'{name}' has an invalid token_prefix")))?;
        }
        if s.max_active == Some(0) {
            return Err(bad(&format!(
                "'{name}' has max_active 0 (use null for no limit)"
            )));
        }
        if let Some(u) = &s.base_url {
            if validate::base_url(Some(u)).ok().flatten().as_ref() != Some(u) {
                return Err(bad(&format!(
                    "'{name}' has a base_url that is not an http(s) URL with a host (no spaces, \
                     control characters or user name)"
                )));
            }
        }
        services.push(Service {
            name,
            auth_header,
            token_prefix: s.token_prefix,
            base_url: s.base_url,
            max_active: s.max_active,
        });
    }

    let mut tokens: Vec<IncomingToken> = Vec::with_capacity(raw.tokens.len());
    let mut ids: HashSet<String> = HashSet::with_capacity(raw.tokens.len());
    let mut live_names: HashSet<String> = HashSet::new();
    let mut live_fingerprints: HashSet<String> = HashSet::new();
    for (i, t) in raw.tokens.into_iter().enumerate() {
        let bad = |why: &str| at(i, &t.id, why);
        if uuid::Uuid::parse_str(&t.id).is_err() || t.id != t.id.to_lowercase() {
            return Err(bad("has an \"id\" that is not a lowercase UUID"));
        }
        if let Some((field, _)) = times(&t)
            .into_iter()
            .find(|(_, v)| v.is_some_and(|v| !validate::date_in_range(v)))
        {
            return Err(bad(&format!(
                "has {field} outside 1970-01-01 through 9999-12-31"
            )));
        }
        if !ids.insert(t.id.clone()) {
            return Err(bad("appears twice"));
        }
        let name = validate::name(&t.name)
            .ok()
            .filter(|n| *n == t.name)
            .ok_or_else(|| bad(BAD_TOKEN_NAME))?;
        let description = validate::description(&t.description)
            .ok()
            .filter(|d| *d == t.description)
            .ok_or_else(|| {
                bad(
                    "has a description that is longer than 2000 characters, not trimmed, or holds \
                     a control, bidi or zero-width character other than a line break",
                )
            })?;
        if let Some(s) = &t.service {
            if !service_keys.contains(&s.to_lowercase()) {
                return Err(bad("names a service that is not in \"services\""));
            }
        }
        let scopes = validate::scopes(&t.scopes)
            .ok()
            .filter(|s| *s == t.scopes)
            .ok_or_else(|| bad(BAD_SCOPES))?;
        let fingerprint = match (&t.fingerprint, t.origin) {
            (Some(f), _) if is_fingerprint(f) => f.clone(),
            (Some(_), _) => {
                return Err(bad("has a fingerprint that is not 64 lowercase hex digits"));
            }
            // An added key's fingerprint travels only with its secret (see portable_fingerprints).
            (None, Origin::Imported) if t.secret.is_none() => String::new(),
            (None, Origin::Imported) => {
                return Err(bad("carries a secret but no fingerprint"));
            }
            (None, Origin::Generated) => {
                return Err(bad(
                    "has no fingerprint (only an added key without its secret may omit it)",
                ));
            }
        };
        if !plain(&t.created_by, MAX_ACTOR_CHARS) {
            return Err(bad(
                "has a created_by that is not 1 to 100 characters of plain text (no control, \
                 bidi or zero-width characters)",
            ));
        }
        if t.updated_at < t.created_at {
            return Err(bad("was updated before it was created"));
        }
        let deleted = t.status == Status::Deleted;
        if deleted != t.deleted_at.is_some() {
            return Err(bad(
                "must have deleted_at exactly when its status is deleted",
            ));
        }
        // An added key's previous fingerprint does not travel (it was keyed to its exporter), so
        // its grace period may come alone.
        if t.previous_fingerprint.is_some() && t.previous_valid_until.is_none()
            || t.origin == Origin::Generated
                && t.previous_fingerprint.is_none()
                && t.previous_valid_until.is_some()
        {
            return Err(bad(
                "must have previous_fingerprint and previous_valid_until together",
            ));
        }
        if t.previous_fingerprint
            .as_deref()
            .is_some_and(|f| !is_fingerprint(f))
        {
            return Err(bad(
                "has a previous_fingerprint that is not 64 lowercase hex digits",
            ));
        }
        if t.history.len() > MAX_HISTORY
            || !t.history.iter().all(|h| is_fingerprint(h))
            || t.history.iter().collect::<HashSet<_>>().len() != t.history.len()
        {
            return Err(bad(
                "has a history that is not a list of at most 64 distinct SHA-256 hex hashes",
            ));
        }
        let carries_secret = t.secret.is_some();
        if carries_secret && (deleted || t.storage == Storage::HashOnly) {
            return Err(bad(
                "carries a secret, but only live tokens kept in the keychain may",
            ));
        }
        let hint = match &t.secret {
            Some(secret) => {
                let checked = validate::imported_secret(secret)
                    .ok()
                    .filter(|s| s.expose_secret() == secret.expose_secret())
                    .ok_or_else(|| bad("carries a secret that is empty or has whitespace"))?;
                if !Fingerprint::of(&checked).matches(&fingerprint) {
                    return Err(bad("carries a secret whose SHA-256 is not its fingerprint"));
                }
                hint_for(&checked)
            }
            None => {
                if t.hint.chars().count() > MAX_HINT_CHARS
                    || t.hint.chars().any(validate::is_unsafe_char)
                {
                    return Err(bad(
                        "has a hint longer than 64 characters or with control, bidi or \
                         zero-width characters",
                    ));
                }
                t.hint.clone()
            }
        };
        if !deleted {
            if !live_names.insert(name_key(&name)) {
                return Err(bad(&format!(
                    "is named '{name}' like another live token in the file"
                )));
            }
            if !fingerprint.is_empty() && !live_fingerprints.insert(fingerprint.clone()) {
                return Err(bad(
                    "has the same fingerprint as another live token in the file",
                ));
            }
        }
        let secret_missing = !deleted && t.storage == Storage::Keychain && !carries_secret;
        tokens.push(IncomingToken {
            token: Token {
                state: TokenState::derive(t.status, t.expires_at, now),
                id: t.id,
                name,
                description,
                service: t.service,
                origin: t.origin,
                storage: t.storage,
                scopes,
                status: t.status,
                fingerprint,
                hint,
                created_at: t.created_at,
                created_by: t.created_by,
                updated_at: t.updated_at,
                last_used_at: t.last_used_at,
                expires_at: t.expires_at,
                rotated_at: t.rotated_at,
                deleted_at: t.deleted_at,
                previous_fingerprint: t.previous_fingerprint,
                previous_valid_until: t.previous_valid_until,
                secret_missing,
                needs_repair: Vec::new(),
            },
            secret: t.secret,
            history: t.history,
            other_form: None,
        });
    }
    Ok(Payload {
        vault_id: raw.vault_id,
        exported_at: raw.exported_at,
        exported_by: raw.exported_by,
        services,
        tokens,
    })
}

/// SHA-256 over the fields a merge compares: what a person would call "the token changed". Not
/// `updated_at` (two people making the same edit agree), not `last_used_at` (use is not an edit),
/// not `secret_missing` (local to one keychain). The service is compared without case.
///
/// An added key's fingerprints are left out (`null`): each install keys them with its own key, so
/// they differ between installs for the same secret; its rotation still changes `rotated_at`. Nor
/// does the hash then confirm a guessed key to someone holding the database.
pub(crate) fn content_hash(t: &Token) -> String {
    let portable = t.origin == Origin::Generated;
    hash_shared_fields(
        t,
        portable.then_some(t.fingerprint.as_str()),
        t.previous_fingerprint.as_deref().filter(|_| portable),
    )
}

/// The content hash as format version 1 defined it, with every token's fingerprints: only to
/// recognise versions recorded before added keys got keyed fingerprints.
pub(crate) fn legacy_content_hash(t: &Token) -> String {
    hash_shared_fields(t, Some(&t.fingerprint), t.previous_fingerprint.as_deref())
}

fn hash_shared_fields(t: &Token, fingerprint: Option<&str>, previous: Option<&str>) -> String {
    let shared = serde_json::json!([
        t.name,
        t.description,
        t.service.as_deref().map(str::to_lowercase),
        t.origin.as_str(),
        t.storage.as_str(),
        t.scopes,
        t.status.as_str(),
        fingerprint,
        ts(t.created_at),
        t.created_by,
        t.expires_at.map(ts),
        t.rotated_at.map(ts),
        t.deleted_at.map(ts),
        previous,
        t.previous_valid_until.map(ts),
    ]);
    let digest = Sha256::digest(shared.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The names of the shared fields that differ between two versions of a token, for the preview.
pub(crate) fn changed_fields(a: &Token, b: &Token) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut diff = |same: bool, field: &'static str| {
        if !same {
            out.push(field);
        }
    };
    diff(a.name == b.name, "name");
    diff(a.description == b.description, "description");
    diff(
        a.service.as_deref().map(str::to_lowercase) == b.service.as_deref().map(str::to_lowercase),
        "service",
    );
    diff(a.scopes == b.scopes, "scopes");
    diff(a.status == b.status, "status");
    diff(a.expires_at == b.expires_at, "expiry");
    // An added key's fingerprints are keyed per install (see content_hash): its rotation shows in
    // `rotated_at`.
    fn fingerprints(t: &Token) -> Option<(&String, &Option<String>)> {
        (t.origin == Origin::Generated).then_some((&t.fingerprint, &t.previous_fingerprint))
    }
    diff(
        fingerprints(a) == fingerprints(b)
            && a.previous_valid_until == b.previous_valid_until
            && a.rotated_at == b.rotated_at,
        "secret (rotated)",
    );
    diff(
        a.origin == b.origin
            && a.storage == b.storage
            && a.created_at == b.created_at
            && a.created_by == b.created_by
            && a.deleted_at == b.deleted_at,
        "record",
    );
    out
}

/// A file from a newer Tokenkeeper (its container or payload names version `v`).
pub(crate) fn newer_version(v: u64) -> Error {
    UnsupportedVersionError::Format {
        version: v,
        reads: VERSION,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = r#"{"format":"tokenkeeper-vault","version":2,
        "vault_id":"0190f0f0-0000-7000-8000-000000000001","exported_at":"2026-11-24T10:00:00Z",
        "exported_by":"ana","services":[{"name":"GitHub","auth_header":"Authorization: Bearer {token}",
        "token_prefix":null,"base_url":null,"max_active":null}],
        "tokens":[{"id":"0190f0f0-0000-7000-8000-0000000000aa","name":"ci","description":"",
        "service":"GitHub","origin":"imported","storage":"keychain","scopes":["read"],
        "status":"active","fingerprint":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "hint":"…","created_at":"2026-11-24T09:00:00Z","created_by":"ana",
        "updated_at":"2026-11-24T09:00:00Z","last_used_at":null,"expires_at":null,"rotated_at":null,
        "deleted_at":null,"previous_fingerprint":null,"previous_valid_until":null,"history":[],
        "secret":"abc"}]}"#;

    fn kind(bytes: &[u8]) -> &'static str {
        match parse(bytes, Utc::now()) {
            Ok(_) => "ok",
            Err(e) => e.kind(),
        }
    }

    #[test]
    fn a_valid_payload_reads_and_its_secret_matches_its_fingerprint() {
        let p = parse(VALID.as_bytes(), Utc::now()).unwrap();
        assert_eq!(p.tokens.len(), 1);
        assert_eq!(p.tokens[0].secret.as_ref().unwrap().expose_secret(), "abc");
        assert!(!p.tokens[0].token.secret_missing);
    }

    #[test]
    fn each_broken_rule_is_named_without_quoting_the_secret() {
        let cases = [
            (
                VALID.replace("\"secret\":\"abc\"", "\"secret\":\"abd\""),
                "SHA-256",
            ),
            (VALID.replace("\"version\":2", "\"version\":3"), "version 3"),
            (
                VALID.replace("tokenkeeper-vault", "other"),
                "no Tokenkeeper vault",
            ),
            (
                VALID.replace("\"name\":\"ci\"", "\"name\":\"\""),
                "valid name",
            ),
            (
                VALID.replace("\"scopes\":[\"read\"]", "\"scopes\":[\"a b\"]"),
                "scope",
            ),
            (
                VALID.replace("\"service\":\"GitHub\"", "\"service\":\"Nope\""),
                "service",
            ),
            (
                VALID.replace("\"status\":\"active\"", "\"status\":\"deleted\""),
                "deleted_at",
            ),
            (
                VALID.replace("\"storage\":\"keychain\"", "\"storage\":\"hash_only\""),
                "only live tokens",
            ),
            (
                VALID.replace("\"hint\":\"…\"", "\"hint\":\"…\",\"extra\":1"),
                "unknown field",
            ),
            (
                VALID.replace("\"version\":2", "\"version\":\"2\""),
                "version",
            ),
            (
                VALID.replace("\"history\":[]", "\"history\":[\"ab\"]"),
                "history",
            ),
            // A secret pasted into the wrong field is not quoted back.
            (
                VALID.replace("\"status\":\"active\"", "\"status\":\"abc\""),
                "unknown variant (line",
            ),
            (
                VALID.replace("\"hint\":\"…\"", "\"hint\":\"…\",\"abc\":1"),
                "unknown field `abc`",
            ),
        ];
        for (json, needle) in cases {
            let err = parse(json.as_bytes(), Utc::now()).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(needle), "{needle}: {msg}");
            if !needle.contains("abc") {
                assert!(!msg.contains("abc") && !msg.contains("abd"), "{msg}");
            }
        }
        assert_eq!(
            kind(VALID.replace("\"version\":2", "\"version\":3").as_bytes()),
            "unsupported_vault_version"
        );
        assert_eq!(kind(b"[1,2]"), "not_a_vault_file");
        assert_eq!(kind(b"\xff\xfe"), "not_a_vault_file");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes, Utc::now());
        }

        #[test]
        fn arbitrary_edits_of_a_valid_payload_give_an_error_or_a_valid_payload(
            cut in 0usize..VALID.len(),
            len in 0usize..8,
            insert in "[\\[\\]{}\",:0-9a-z\\\\ ]{0,6}",
        ) {
            let mut s = VALID.as_bytes().to_vec();
            let end = (cut + len).min(s.len());
            s.splice(cut..end, insert.bytes());
            if let Ok(p) = parse(&s, Utc::now()) {
                // Whatever was accepted keeps the rules: the secret still hashes to the fingerprint.
                for t in &p.tokens {
                    // Only an added key without its secret may come without a fingerprint.
                    prop_assert!(
                        is_fingerprint(&t.token.fingerprint)
                            || t.token.fingerprint.is_empty()
                                && t.token.origin == Origin::Imported
                                && t.secret.is_none()
                    );
                    if let Some(secret) = &t.secret {
                        prop_assert!(Fingerprint::of(secret).matches(&t.token.fingerprint));
                    }
                }
            }
        }
    }
}
