//! Taking keys in from where they already are (`.env` files, KeePassXC, Bitwarden, CSV): every
//! source turns its file into [`IntakeRow`]s, and one plan does the rest the same way for all.
//!
//! [`Vault::plan_intake`] decides, row by row and without writing anything, what an import would
//! do: store a new key, skip a key already held (matched by fingerprint, so never stored twice),
//! or refuse a row (a name already taken, a name or key that breaks the rules, a name repeated in
//! the file) naming its line and why. [`Vault::apply_intake`] runs the same checks again under
//! the write lock and then stores every new key in one secret transaction (secret_tx.rs), all or
//! nothing: while any row is refused, nothing is stored.

pub mod bitwarden;
pub mod csv;
pub mod env;
pub mod formats;
pub mod keepassxc;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::error::{DuplicateError, Error, InputError, Result};
use crate::fingerprint::{hint_for, Fingerprint};
use crate::model::{EventKind, Origin, Storage, Token};
use crate::secret_tx::SecretPlan;
use crate::store::services::OnConflict;
use crate::store::{services, tokens};
use crate::validate;
use crate::vault::{change, write_row, Vault};

/// The most rows one import may hold.
pub const MAX_INTAKE_ROWS: usize = 10_000;
/// The largest export file read (a KeePassXC XML export carries attachments and history).
pub const MAX_INTAKE_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Where the rows come from: names the source in the preview, the event and messages.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeSource {
    Dotenv,
    KeepassxcXml,
    KeepassxcCsv,
    Bitwarden,
    Csv,
}

impl IntakeSource {
    /// The source in words, as the event detail says it ("imported from a .env file").
    pub fn label(self) -> &'static str {
        match self {
            IntakeSource::Dotenv => "a .env file",
            IntakeSource::KeepassxcXml => "a KeePassXC XML export",
            IntakeSource::KeepassxcCsv => "a KeePassXC CSV export",
            IntakeSource::Bitwarden => "a Bitwarden JSON export",
            IntakeSource::Csv => "a CSV file",
        }
    }
}

/// A password manager's export, or a CSV file with its column mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportFormat {
    KeepassxcXml,
    KeepassxcCsv,
    Bitwarden,
    Csv(csv::ColumnMap),
}

impl ExportFormat {
    /// The source its rows are recorded as coming from.
    pub fn source(&self) -> IntakeSource {
        match self {
            ExportFormat::KeepassxcXml => IntakeSource::KeepassxcXml,
            ExportFormat::KeepassxcCsv => IntakeSource::KeepassxcCsv,
            ExportFormat::Bitwarden => IntakeSource::Bitwarden,
            ExportFormat::Csv(_) => IntakeSource::Csv,
        }
    }
}

/// Reads the rows of an export file (bounded: [`read_source`]). `prefix`, if given, goes before
/// every name as `PREFIX_name`.
pub fn read_export(
    format: &ExportFormat,
    path: &std::path::Path,
    prefix: Option<&str>,
) -> Result<Vec<SourceRow>> {
    let text = read_source(path)?;
    match format {
        ExportFormat::KeepassxcXml => keepassxc::rows_from_xml(path, &text, prefix),
        ExportFormat::KeepassxcCsv => keepassxc::rows_from_csv(path, &text, prefix),
        ExportFormat::Bitwarden => bitwarden::rows(path, &text, prefix),
        ExportFormat::Csv(map) => csv::rows(path, &text, map, prefix),
    }
}

/// One key a source offers, before any check. `line` is where it is in the file (from 1).
#[derive(Debug)]
pub struct SourceRow {
    pub line: usize,
    /// The name the key would be kept under (already prefixed, if the user asked for a prefix).
    pub name: String,
    /// A service the source names; when None, it is recognised from the key's format.
    pub service: Option<String>,
    pub description: String,
    pub secret: SecretString,
    /// Why the source itself refuses the row (a bad CSV field, ...): reported by line.
    pub refused: Option<String>,
    /// Why the source leaves the row out without refusing it (an empty value, a value that is
    /// already a `tok://` reference, a Bitwarden card): reported, does not block.
    pub skipped: Option<String>,
}

impl SourceRow {
    /// A row holding a key.
    pub fn new(line: usize, name: String, secret: SecretString) -> Self {
        SourceRow {
            line,
            name,
            service: None,
            description: String::new(),
            secret,
            refused: None,
            skipped: None,
        }
    }
}

/// What an import does with one row.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeAction {
    /// Stored as a new kept key.
    New,
    /// This key is held already (by `held_by`): not stored twice.
    Held,
    /// Left out, without blocking the rest (`reason` says why).
    Skipped,
    /// Another token has this name: nothing is stored until it is renamed (or `--prefix`).
    NameTaken,
    /// The row breaks a rule (`reason` says which): nothing is stored until it is fixed.
    Bad,
}

/// One row of the preview table. Never holds a secret; `hint` is the key's short display hint.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeRow {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: usize,
    pub name: String,
    pub service: Option<String>,
    pub hint: String,
    pub action: IntakeAction,
    /// For `held`: the name of the token that holds this key.
    pub held_by: Option<String>,
    /// For `skipped`, `name_taken` and `bad`: why, in words that never repeat the key.
    pub reason: Option<String>,
}

/// How many rows get each action.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IntakeCounts {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub held: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: usize,
    /// Rows that block the import: `name_taken` and `bad`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refused: usize,
}

/// What an import would do, row by row. Holds the keys (for apply) but never shows them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct IntakePlan {
    pub source: IntakeSource,
    pub rows: Vec<IntakeRow>,
    pub counts: IntakeCounts,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    secrets: Vec<SecretString>,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    descriptions: Vec<String>,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    vault_id: String,
}

impl std::fmt::Debug for IntakePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntakePlan")
            .field("source", &self.source)
            .field("rows", &self.rows)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl IntakePlan {
    /// Whether apply would go ahead: no row is refused.
    pub fn can_apply(&self) -> bool {
        self.counts.refused == 0
    }

    /// Ok when apply would go ahead; else the error apply gives, listing the refused rows by
    /// line (what a dry run reports too).
    pub fn check_applies(&self) -> Result<()> {
        let refused: Vec<String> = self
            .refused_rows()
            .map(|r| {
                format!(
                    "line {}: {}",
                    r.line,
                    r.reason.as_deref().unwrap_or("refused")
                )
            })
            .collect();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(refused_error(self.source, refused))
        }
    }

    /// The refused rows, as apply's error and the CLI list them.
    pub fn refused_rows(&self) -> impl Iterator<Item = &IntakeRow> {
        self.rows
            .iter()
            .filter(|r| matches!(r.action, IntakeAction::NameTaken | IntakeAction::Bad))
    }
}

/// What an apply did: each row with its final action, and the name each stored or held key is
/// kept under (what a `--rewrite` points the file at).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct IntakeReport {
    pub source: IntakeSource,
    pub rows: Vec<IntakeRow>,
    pub counts: IntakeCounts,
}

impl IntakeReport {
    /// The name of the token that now keeps the key of the row at `line` (new or held), if any.
    pub fn kept_as(&self, line: usize) -> Option<&str> {
        self.rows
            .iter()
            .find(|r| r.line == line)
            .and_then(|r| match r.action {
                IntakeAction::New => Some(r.name.as_str()),
                IntakeAction::Held => r.held_by.as_deref(),
                _ => None,
            })
    }
}

/// A classified row with what apply needs.
struct Classified {
    row: IntakeRow,
    /// Set for `new` rows: the validated name and service.
    name: String,
    service: Option<crate::model::Service>,
}

impl Vault {
    /// Works out what importing `rows` from `source` would do. Writes nothing. A source with
    /// more than [`MAX_INTAKE_ROWS`] rows is refused.
    pub fn plan_intake(&self, source: IntakeSource, rows: Vec<SourceRow>) -> Result<IntakePlan> {
        if rows.len() > MAX_INTAKE_ROWS {
            return Err(InputError::TooManyImportRows {
                rows: rows.len(),
                max: MAX_INTAKE_ROWS,
            }
            .into());
        }
        let classified = self.classify_intake(&rows, Utc::now())?;
        let rows_out: Vec<IntakeRow> = classified.into_iter().map(|c| c.row).collect();
        let counts = count(&rows_out);
        let descriptions = rows.iter().map(|r| r.description.clone()).collect();
        Ok(IntakePlan {
            source,
            counts,
            rows: rows_out,
            secrets: rows.into_iter().map(|r| r.secret).collect(),
            descriptions,
            vault_id: self.identity().vault_id,
        })
    }

    /// Stores the new keys of a plan, all or nothing, in one secret transaction. Every row is
    /// checked again under the write lock: if any row is refused now (or a key came to be held
    /// since the preview under another name, which just makes it `held`), nothing is stored and
    /// the error lists the refused rows by line.
    pub fn apply_intake(&mut self, plan: IntakePlan) -> Result<IntakeReport> {
        if plan.vault_id != self.identity().vault_id {
            return Err(InputError::PreviewForAnotherVault.into());
        }
        let lock = self.write_lock()?;
        let now = Utc::now();
        let rows: Vec<SourceRow> = plan
            .rows
            .iter()
            .zip(plan.secrets)
            .zip(plan.descriptions)
            .map(|((r, secret), description)| SourceRow {
                line: r.line,
                name: r.name.clone(),
                service: r.service.clone(),
                description,
                secret,
                refused: (r.action == IntakeAction::Bad)
                    .then(|| r.reason.clone().unwrap_or_default()),
                skipped: (r.action == IntakeAction::Skipped)
                    .then(|| r.reason.clone().unwrap_or_default()),
            })
            .collect();
        let classified = self.classify_intake(&rows, now)?;
        let refused: Vec<String> = classified
            .iter()
            .filter(|c| matches!(c.row.action, IntakeAction::NameTaken | IntakeAction::Bad))
            .map(|c| {
                format!(
                    "line {}: {}",
                    c.row.line,
                    c.row.reason.as_deref().unwrap_or("refused")
                )
            })
            .collect();
        if !refused.is_empty() {
            return Err(refused_error(plan.source, refused));
        }

        let actor = self.actor();
        let detail = format!("imported from {}", plan.source.label());
        let mut new_tokens = Vec::new();
        let mut new_services: Vec<crate::model::Service> = Vec::new();
        for (c, r) in classified.iter().zip(&rows) {
            if c.row.action != IntakeAction::New {
                continue;
            }
            let secret = validate::imported_secret(&r.secret)?;
            let fingerprint = self.fingerprint_for(Origin::Imported, &secret, &lock)?;
            if let Some(s) = &c.service {
                if !new_services.iter().any(|n| n.name == s.name) {
                    new_services.push(s.clone());
                }
            }
            let token = Token::new_kept(
                c.name.clone(),
                validate::description(&r.description)?,
                c.service.as_ref().map(|s| s.name.clone()),
                &secret,
                &fingerprint,
                actor.clone(),
                now,
            );
            new_tokens.push((token, secret));
        }
        let mut secrets = SecretPlan::default();
        for (token, secret) in &new_tokens {
            secrets.create(&token.id, secret);
        }
        self.secret_tx(&lock, &secrets, now, |tx| {
            for s in &new_services {
                services::write(tx, s, OnConflict::Keep)?;
            }
            for (token, _) in &new_tokens {
                write_row(
                    tx,
                    token,
                    change(EventKind::Imported, Some(&detail), now, &actor),
                )?;
            }
            Ok(())
        })?;
        let rows_out: Vec<IntakeRow> = classified.into_iter().map(|c| c.row).collect();
        Ok(IntakeReport {
            source: plan.source,
            counts: count(&rows_out),
            rows: rows_out,
        })
    }

    /// Decides every row's action against the stored tokens and the rows before it. Pure but
    /// for reading SQLite (and the fingerprint key, to match added keys).
    fn classify_intake(&self, rows: &[SourceRow], now: DateTime<Utc>) -> Result<Vec<Classified>> {
        let mut out: Vec<Classified> = Vec::with_capacity(rows.len());
        // Names (case-insensitive, as stored) and keys seen on earlier rows, with their line.
        let mut names_seen: HashMap<String, usize> = HashMap::new();
        let mut keys_seen: HashMap<String, (usize, String)> = HashMap::new();
        // New tokens planned per service, for services that limit active tokens.
        let mut planned_per_service: HashMap<String, usize> = HashMap::new();
        for r in rows {
            let service_hint = r
                .service
                .clone()
                .or_else(|| formats::service_of(&r.secret).map(str::to_string));
            let hint = if r.secret.expose_secret().trim().is_empty() {
                String::new()
            } else {
                hint_for(&SecretString::from(
                    r.secret.expose_secret().trim().to_string(),
                ))
            };
            let mut row = IntakeRow {
                line: r.line,
                name: r.name.trim().to_string(),
                service: service_hint.clone(),
                hint,
                action: IntakeAction::New,
                held_by: None,
                reason: None,
            };
            let mut verdict = |action: IntakeAction, reason: String| {
                row.action = action;
                row.reason = Some(reason);
            };
            let checked = match (&r.refused, &r.skipped) {
                (Some(why), _) => {
                    verdict(IntakeAction::Bad, why.clone());
                    None
                }
                (None, Some(why)) => {
                    verdict(IntakeAction::Skipped, why.clone());
                    None
                }
                (None, None) => match self.check_intake_row(r, service_hint.as_deref(), now) {
                    Ok(ok) => Some(ok),
                    Err(RowProblem::NameTaken(reason)) => {
                        verdict(IntakeAction::NameTaken, reason);
                        None
                    }
                    Err(RowProblem::Bad(reason)) => {
                        verdict(IntakeAction::Bad, reason);
                        None
                    }
                    Err(RowProblem::Held(by)) => {
                        row.action = IntakeAction::Held;
                        row.reason = Some(format!("this key is kept already, as '{by}'"));
                        row.held_by = Some(by);
                        None
                    }
                    Err(RowProblem::Failed(e)) => return Err(e),
                },
            };
            let Some((name, service, plain)) = checked else {
                out.push(Classified {
                    row,
                    name: String::new(),
                    service: None,
                });
                continue;
            };
            row.name = name.clone();
            // Repeats within the file: the same key twice is stored once (the later row is
            // `held` by the earlier one); the same name twice is refused.
            if let Some((line, by)) = keys_seen.get(plain.as_str()) {
                row.action = IntakeAction::Held;
                row.reason = Some(format!("the same key as line {line}, kept once as '{by}'"));
                row.held_by = Some(by.clone());
            } else if let Some(line) = names_seen.get(&tokens::name_key(&name)) {
                row.action = IntakeAction::Bad;
                row.reason = Some(format!(
                    "the name '{}' is used on line {line} too; names are unique (case does not count)",
                    validate::escape_for_terminal(&name)
                ));
            } else if let Some(problem) =
                self.service_room(service.as_ref(), &mut planned_per_service, now)?
            {
                row.action = IntakeAction::Bad;
                row.reason = Some(problem);
            }
            if row.action == IntakeAction::New {
                names_seen.insert(tokens::name_key(&name), r.line);
                keys_seen.insert(plain, (r.line, name.clone()));
            }
            out.push(Classified { row, name, service });
        }
        Ok(out)
    }

    /// Checks one row on its own: its name, service and key, and whether the key or the name is
    /// held. Returns the validated name, the service and the key's plain fingerprint.
    fn check_intake_row(
        &self,
        r: &SourceRow,
        service: Option<&str>,
        now: DateTime<Utc>,
    ) -> std::result::Result<(String, Option<crate::model::Service>, String), RowProblem> {
        let name = validate::name(&r.name).map_err(|e| RowProblem::Bad(e.to_string()))?;
        validate::description(&r.description).map_err(|e| RowProblem::Bad(e.to_string()))?;
        let secret = validate::imported_secret(&r.secret).map_err(|e| match e {
            Error::InvalidInput(InputError::SecretNotPlain { .. }) => RowProblem::Bad(
                "the key holds whitespace or a control character (a multi-line value or a \
                 sentence?); Tokenkeeper keeps one-word keys. Remove the line or make it a \
                 comment"
                    .into(),
            ),
            e => RowProblem::Bad(e.to_string()),
        })?;
        let forms = self.stored_forms(&secret).map_err(RowProblem::Failed)?;
        for fingerprint in &forms {
            if let Some(t) = tokens::live_by_fingerprint(&self.conn, fingerprint.as_str(), now)
                .map_err(RowProblem::Failed)?
            {
                return Err(RowProblem::Held(t.name));
            }
        }
        match self.ensure_name_free(&name, None, now) {
            Ok(()) => {}
            Err(Error::Duplicate(DuplicateError::TokenName { other })) => {
                return Err(RowProblem::NameTaken(format!(
                    "a token named '{}' exists already and holds another key; rename one, or \
                     import with a prefix (--prefix)",
                    validate::escape_for_terminal(&other)
                )))
            }
            Err(e) => return Err(RowProblem::Failed(e)),
        }
        let service = match self.resolve_service(service) {
            Ok(s) => s,
            Err(Error::InvalidInput(e)) => return Err(RowProblem::Bad(e.to_string())),
            Err(e) => return Err(RowProblem::Failed(e)),
        };
        Ok((name, service, Fingerprint::of(&secret).as_str().to_string()))
    }

    /// Whether `service` has room for one more active token, counting those planned in this
    /// import; records the planned one. Some(reason) when it has none.
    fn service_room(
        &self,
        service: Option<&crate::model::Service>,
        planned: &mut HashMap<String, usize>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let Some(service) = service else {
            return Ok(None);
        };
        let n = planned.entry(service.name.clone()).or_insert(0);
        if let Some(max) = service.max_active {
            let active = tokens::active_names_for_service(&self.conn, &service.name, None, now)?;
            if active.len() + *n >= max as usize {
                return Ok(Some(format!(
                    "{} allows {max} active token(s) and would have more; disable one first, \
                     or leave this key out",
                    validate::escape_for_terminal(&service.name)
                )));
            }
        }
        *n += 1;
        Ok(None)
    }
}

/// Why one row is not stored.
enum RowProblem {
    NameTaken(String),
    Bad(String),
    Held(String),
    Failed(Error),
}

/// The error of an apply with refused rows: the first ten named, the rest counted.
fn refused_error(source: IntakeSource, mut rows: Vec<String>) -> Error {
    const SHOWN: usize = 10;
    if rows.len() > SHOWN {
        let more = rows.len() - SHOWN;
        rows.truncate(SHOWN);
        rows.push(format!("and {more} more"));
    }
    InputError::ImportRowsRefused {
        source_label: source.label(),
        rows,
    }
    .into()
}

fn count(rows: &[IntakeRow]) -> IntakeCounts {
    let mut c = IntakeCounts::default();
    for r in rows {
        match r.action {
            IntakeAction::New => c.new += 1,
            IntakeAction::Held => c.held += 1,
            IntakeAction::Skipped => c.skipped += 1,
            IntakeAction::NameTaken | IntakeAction::Bad => c.refused += 1,
        }
    }
    c
}

/// Reads an import source file whole, refusing one larger than [`MAX_INTAKE_FILE_BYTES`] (before
/// reading it, and should it grow meanwhile), a directory, or one that is not UTF-8 text.
pub fn read_source(path: &std::path::Path) -> Result<zeroize::Zeroizing<String>> {
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    crate::bounded::read_into(path, MAX_INTAKE_FILE_BYTES, &mut bytes).map_err(|refused| {
        refused.into_error(path, |_| {
            InputError::ImportFileTooBig {
                path: path.to_path_buf(),
                max_mib: MAX_INTAKE_FILE_BYTES / (1024 * 1024),
            }
            .into()
        })
    })?;
    let bad = |line: usize, why: &str| -> Error {
        InputError::ImportFile {
            path: path.to_path_buf(),
            line,
            why: why.to_string(),
        }
        .into()
    };
    let line_at = |at: usize| 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(bad(
            line_at(at),
            "holds a NUL byte: this is a binary file, not an export. Check the path",
        ));
    }
    if let Err(e) = std::str::from_utf8(&bytes) {
        return Err(bad(
            line_at(e.valid_up_to()),
            "is not UTF-8 text; export the file again as UTF-8",
        ));
    }
    let text = String::from_utf8(std::mem::take(&mut *bytes)).expect("checked UTF-8 above");
    Ok(zeroize::Zeroizing::new(text))
}

/// Where a source names the same title more than once (KeePassXC and Bitwarden do not make
/// titles unique), those rows are named `group/title` instead, so each can be kept. Rows whose
/// names still repeat are refused by the plan.
pub(crate) fn qualify_repeated_names(rows: &mut [SourceRow], groups: &[String]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in rows.iter() {
        *seen.entry(tokens::name_key(r.name.trim())).or_insert(0) += 1;
    }
    for (r, group) in rows.iter_mut().zip(groups) {
        let repeated = seen
            .get(&tokens::name_key(r.name.trim()))
            .copied()
            .unwrap_or(0)
            > 1;
        if repeated && !group.is_empty() {
            r.name = format!("{group}/{}", r.name.trim());
        }
    }
}

/// The host of a URL, as a service name when the key's format names none ("github.com").
pub(crate) fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("https://{url}")))
        .ok()?;
    let host = parsed.host_str()?.trim_start_matches("www.").to_string();
    (!host.is_empty() && host.len() <= validate::MAX_SERVICE_NAME_CHARS).then_some(host)
}

/// The description of a new key, as the import writes it when the source gives none.
pub(crate) fn default_description(source: IntakeSource) -> String {
    format!("Imported from {}", source.label())
}

/// Builds a token row for a new kept key: the same fields `tok add` writes.
impl Token {
    pub(crate) fn new_kept(
        name: String,
        description: String,
        service: Option<String>,
        secret: &SecretString,
        fingerprint: &Fingerprint,
        actor: String,
        now: DateTime<Utc>,
    ) -> Token {
        use crate::model::{Status, TokenState};
        Token {
            id: uuid::Uuid::now_v7().to_string(),
            name,
            description,
            service,
            origin: Origin::Imported,
            storage: Storage::Keychain,
            scopes: Vec::new(),
            status: Status::Active,
            state: TokenState::derive(Status::Active, None, now),
            fingerprint: fingerprint.to_string(),
            hint: hint_for(secret),
            created_at: now,
            created_by: actor,
            updated_at: now,
            last_used_at: None,
            expires_at: None,
            rotated_at: None,
            deleted_at: None,
            previous_fingerprint: None,
            previous_valid_until: None,
            secret_missing: false,
            needs_repair: Vec::new(),
        }
    }
}

/// Puts `PREFIX_` before each row's name, when a prefix is given.
pub(crate) fn apply_prefix(rows: &mut [SourceRow], prefix: Option<&str>) {
    if let Some(p) = prefix.map(str::trim).filter(|p| !p.is_empty()) {
        for r in rows {
            r.name = format!("{p}_{}", r.name.trim());
        }
    }
}
