//! Merging an imported vault file into this vault: the preview ([`MergePlan`]), which decides
//! per token what an import would do and changes nothing, and the rules behind each decision.
//!
//! The rules (docs/vault-format.md, "Merging"): tokens are matched by id. Each side keeps the
//! versions of a token it has shared (hashes of its shared fields); the file carries the
//! exporter's. If they have seen our version, theirs is newer (updated); if we have seen theirs,
//! ours is (kept); if neither, both changed it (conflict). Deleted stays deleted. Conflicts keep
//! the local side unless the caller chooses theirs for a token both sides edited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::payload::{changed_fields, content_hash, IncomingToken, Payload};
use crate::error::{ConflictError, Error, InputError, NotFoundError, Result};
use crate::member_key::MemberKey;
use crate::model::{Origin, Service, Status, Storage, Token};
use crate::store::tokens::name_key;
use crate::team::Signer;

/// What an import does to one token.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Not here yet: it will be added.
    New,
    /// Changed on their side only: their version replaces ours.
    Updated,
    /// Nothing to take: the same on both sides, changed only here, or already deleted here.
    Unchanged,
    /// Deleted on their side: it will be deleted here (its secret destroyed), or recorded as a
    /// tombstone if it was never here, so it stays deleted.
    Deleted,
    /// Cannot be merged as it is; skipped (ours kept) unless theirs is chosen.
    Conflict,
}

/// Why a token is in conflict.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Both sides edited it since the last merge. Theirs can be chosen.
    BothEdited,
    /// Its secret is stored here under another token (same fingerprint, another id).
    SameSecret,
    /// Another token here already has its name.
    SameName,
}

/// Which side wins a conflict.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Skip it and keep ours (the default).
    #[default]
    KeepMine,
    /// Take their version (only for [`ConflictKind::BothEdited`]).
    TakeTheirs,
}

/// What a row would destroy here if applied: these need an explicit yes
/// ([`MergePlan::confirm_destructive`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DestructiveKind {
    /// A live token here would be deleted (its secret destroyed).
    DeletesToken,
    /// The secret kept here would be replaced by another one.
    ReplacesSecret,
    /// The secret kept here would be removed (theirs is hash-only).
    RemovesSecret,
}

/// One row of the preview table. Never holds a secret.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeRow {
    pub id: String,
    /// Their name for it (ours is in `reason` when it differs).
    pub name: String,
    pub service: Option<String>,
    pub change: ChangeKind,
    /// In words, for the preview: what changed, or why it is a conflict.
    pub reason: String,
    /// Set for conflicts.
    pub conflict: Option<ConflictKind>,
    /// For conflicts: what apply will do. `keep_mine` unless changed with [`MergePlan::take_theirs`].
    pub resolution: Option<Resolution>,
    /// Set when taking this row deletes a token here or replaces or removes a secret kept
    /// here. For a conflict, what taking theirs would do.
    pub destructive: Option<DestructiveKind>,
}

/// How many tokens fall in each kind.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MergeCounts {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub conflicts: usize,
}

/// Where the file came from, as it says itself.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultFileSource {
    /// The exporting install's vault id.
    pub vault_id: String,
    pub exported_at: DateTime<Utc>,
    pub exported_by: String,
    /// Tokens in the file, tombstones included.
    pub tokens: usize,
    /// Tokens in the file that carry their secret.
    pub secrets: usize,
}

/// The preview of an import: every token with what apply would do to it. Serializes to the
/// table the app shows; the tokens and secrets it will write are kept inside, never serialized.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
pub struct MergePlan {
    pub source: VaultFileSource,
    /// Who signed the file, and whether this install trusts them.
    pub signer: Signer,
    pub counts: MergeCounts,
    pub rows: Vec<MergeRow>,
    /// How many rows apply will take that delete a token here or replace or remove a secret
    /// kept here ([`MergePlan::destructive_rows`]); apply needs
    /// [`MergePlan::confirm_destructive`] when it is not 0.
    pub destructive: usize,
    /// The vault this plan was made for.
    #[serde(skip)]
    pub(crate) target_vault_id: String,
    #[serde(skip)]
    pub(crate) payload: Payload,
    /// The key whose signature over the payload was checked.
    #[serde(skip)]
    pub(crate) signer_key: MemberKey,
    #[serde(skip)]
    pub(crate) destructive_confirmed: bool,
}

impl MergePlan {
    /// Chooses their version of a token both sides edited. Other conflicts cannot be taken over:
    /// rename or delete one of the two tokens and preview again.
    pub fn take_theirs(&mut self, token_id: &str) -> Result<()> {
        let row = self
            .rows
            .iter_mut()
            .find(|r| r.id == token_id)
            .ok_or_else(|| NotFoundError::ImportRow {
                id: token_id.to_string(),
            })?;
        match row.conflict {
            Some(ConflictKind::BothEdited) => {
                row.resolution = Some(Resolution::TakeTheirs);
                self.count_destructive();
                Ok(())
            }
            Some(_) => Err(ConflictError::CannotTakeTheirs {
                name: row.name.clone(),
                reason: row.reason.clone(),
            }
            .into()),
            None => Err(InputError::NotInConflict {
                name: row.name.clone(),
            }
            .into()),
        }
    }

    /// Chooses theirs for every token both sides edited; returns how many.
    pub fn take_theirs_for_all_edits(&mut self) -> usize {
        let mut n = 0;
        for row in &mut self.rows {
            if row.conflict == Some(ConflictKind::BothEdited) {
                row.resolution = Some(Resolution::TakeTheirs);
                n += 1;
            }
        }
        self.count_destructive();
        n
    }

    /// The rows apply will take that delete a token here or replace or remove a secret kept
    /// here: what the preview must name before asking for a yes.
    pub fn destructive_rows(&self) -> Vec<&MergeRow> {
        self.rows
            .iter()
            .filter(|r| r.destructive.is_some() && taken(r))
            .collect()
    }

    /// Confirms the destructive rows (the user said yes). Without it, apply refuses a plan
    /// that has any.
    pub fn confirm_destructive(&mut self) {
        self.destructive_confirmed = true;
    }

    pub(crate) fn count_destructive(&mut self) {
        self.destructive = self.destructive_rows().len();
    }

    /// Refuses a plan the vault has moved away from since the preview: the file, classified
    /// again against the tokens here now, must give the same rows.
    pub(crate) fn check_still_current(&self, local: &Local) -> Result<()> {
        let fresh = classify(&self.payload, local);
        let same = fresh.len() == self.rows.len()
            && fresh
                .iter()
                .zip(&self.rows)
                .all(|(a, b)| a.change == b.change && a.conflict == b.conflict);
        if !same {
            return Err(ConflictError::StalePreview.into());
        }
        Ok(())
    }

    /// Refuses to apply destructive rows nobody confirmed, judged against the vault as it is now.
    pub(crate) fn check_destructive_confirmed(&self, local: &Local) -> Result<()> {
        if self.destructive_confirmed {
            return Ok(());
        }
        let mut rows = self.rows.clone();
        mark_destructive(&self.payload, &mut rows, local);
        let names: Vec<String> = rows
            .iter()
            .filter(|r| r.destructive.is_some() && taken(r))
            .map(|r| r.name.clone())
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        Err(Error::ConfirmationRequired { names })
    }

    /// Who signed the file.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Whether applying it would change anything.
    pub fn changes_anything(&self) -> bool {
        let c = &self.counts;
        c.new + c.updated + c.deleted > 0
            || self
                .rows
                .iter()
                .any(|r| r.resolution == Some(Resolution::TakeTheirs))
    }
}

/// What the local database holds, as far as a merge needs to know.
pub(crate) struct Local {
    pub tokens: Vec<Token>,
    /// The versions of each token this install has shared.
    pub history: HashMap<String, Vec<String>>,
    pub services: Vec<Service>,
}

/// Decides, for each token in the file, what an import would do. Pure: reads nothing, writes nothing.
pub(crate) fn classify(payload: &Payload, local: &Local) -> Vec<MergeRow> {
    let by_id: HashMap<&str, &Token> = local.tokens.iter().map(|t| (t.id.as_str(), t)).collect();
    let live = || local.tokens.iter().filter(|t| t.status != Status::Deleted);
    // Generated tokens hold plain fingerprints and added keys keyed ones; an unknown one ('') is
    // never a match.
    let by_fingerprint: HashMap<&str, &Token> = live()
        .filter(|t| !t.fingerprint.is_empty())
        .map(|t| (t.fingerprint.as_str(), t))
        .collect();
    let by_name: HashMap<String, &Token> = live().map(|t| (name_key(&t.name), t)).collect();
    let from = &payload.exported_by;

    payload
        .tokens
        .iter()
        .map(|incoming| {
            let r = &incoming.token;
            let row = |change: ChangeKind, reason: String| MergeRow {
                id: r.id.clone(),
                name: r.name.clone(),
                service: r.service.clone(),
                change,
                reason,
                conflict: None,
                resolution: None,
                destructive: None,
            };
            let conflict = |kind: ConflictKind, reason: String| MergeRow {
                conflict: Some(kind),
                resolution: Some(Resolution::KeepMine),
                ..row(ChangeKind::Conflict, reason)
            };
            // A live token of theirs must not take a secret or a name another token holds here.
            // The file's secret may be held here in either form: as the kind of token it is, or
            // as the other kind (an added key that is a token generated here, or the reverse).
            let same_secret = || {
                [Some(r.fingerprint.as_str()), incoming.other_form.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|f| !f.is_empty())
                    .find_map(|f| by_fingerprint.get(f))
            };
            let clash = |r: &Token| -> Option<MergeRow> {
                if r.status == Status::Deleted {
                    return None;
                }
                if let Some(other) = same_secret() {
                    if other.id != r.id {
                        return Some(conflict(
                            ConflictKind::SameSecret,
                            format!("the same secret is stored here as '{}'", other.name),
                        ));
                    }
                }
                if let Some(other) = by_name.get(&name_key(&r.name)) {
                    if other.id != r.id {
                        return Some(conflict(
                            ConflictKind::SameName,
                            format!(
                                "another token here is already named '{}'; rename one of them",
                                other.name
                            ),
                        ));
                    }
                }
                None
            };
            let Some(l) = by_id.get(r.id.as_str()) else {
                if r.status == Status::Deleted {
                    return row(
                        ChangeKind::Deleted,
                        "deleted by them, never here: recorded so it stays deleted".into(),
                    );
                }
                return clash(r)
                    .unwrap_or_else(|| row(ChangeKind::New, format!("new from {from}")));
            };
            match (l.status == Status::Deleted, r.status == Status::Deleted) {
                (true, true) => return row(ChangeKind::Unchanged, "deleted on both sides".into()),
                (true, false) => {
                    return row(
                        ChangeKind::Unchanged,
                        "deleted here; deleted stays deleted".into(),
                    )
                }
                (false, true) => {
                    return row(ChangeKind::Deleted, format!("deleted by {from}"));
                }
                (false, false) => {}
            }
            let (hl, hr) = (content_hash(l), content_hash(r));
            if hl == hr {
                return row(ChangeKind::Unchanged, "the same on both sides".into());
            }
            let we_saw_theirs = local.history.get(&r.id).is_some_and(|h| h.contains(&hr));
            let they_saw_ours = incoming.history.contains(&hl);
            let fields = changed_fields(l, r).join(", ");
            match (they_saw_ours, we_saw_theirs) {
                (true, _) => clash(r).unwrap_or_else(|| {
                    row(ChangeKind::Updated, format!("{from} changed {fields}"))
                }),
                (false, true) => row(
                    ChangeKind::Unchanged,
                    format!("changed only here since the last merge ({fields}); yours is kept"),
                ),
                (false, false) => clash(r).unwrap_or_else(|| {
                    conflict(
                        ConflictKind::BothEdited,
                        format!("changed on both sides since the last merge ({fields})"),
                    )
                }),
            }
        })
        .collect()
}

/// Whether apply takes this row (as resolved now).
fn taken(r: &MergeRow) -> bool {
    match r.change {
        ChangeKind::New | ChangeKind::Updated | ChangeKind::Deleted => true,
        ChangeKind::Conflict => r.resolution == Some(Resolution::TakeTheirs),
        ChangeKind::Unchanged => false,
    }
}

/// Marks each row with what taking it would destroy here: a live token deleted, or a secret
/// kept here replaced or removed. Rows that are unchanged destroy nothing.
pub(crate) fn mark_destructive(payload: &Payload, rows: &mut [MergeRow], local: &Local) {
    let by_id: HashMap<&str, &Token> = local.tokens.iter().map(|t| (t.id.as_str(), t)).collect();
    for (incoming, row) in payload.tokens.iter().zip(rows.iter_mut()) {
        row.destructive = match row.change {
            ChangeKind::Unchanged | ChangeKind::New => None,
            _ => destructive_kind(
                &incoming.token,
                by_id.get(incoming.token.id.as_str()).copied(),
            ),
        };
    }
}

fn destructive_kind(theirs: &Token, ours: Option<&Token>) -> Option<DestructiveKind> {
    let ours = ours.filter(|l| l.status != Status::Deleted)?;
    if theirs.status == Status::Deleted {
        return Some(DestructiveKind::DeletesToken);
    }
    if ours.storage != Storage::Keychain || ours.secret_missing {
        return None;
    }
    // An added key whose secret did not travel keeps ours while it is the same secret (not
    // rotated since), as `writes` does.
    let same_untravelled = theirs.fingerprint.is_empty()
        && theirs.origin == Origin::Imported
        && ours.origin == Origin::Imported
        && theirs.rotated_at == ours.rotated_at;
    if theirs.storage != Storage::Keychain {
        Some(DestructiveKind::RemovesSecret)
    } else if theirs.fingerprint != ours.fingerprint && !same_untravelled {
        Some(DestructiveKind::ReplacesSecret)
    } else {
        None
    }
}

pub(crate) fn count(rows: &[MergeRow]) -> MergeCounts {
    let mut c = MergeCounts::default();
    for r in rows {
        match r.change {
            ChangeKind::New => c.new += 1,
            ChangeKind::Updated => c.updated += 1,
            ChangeKind::Unchanged => c.unchanged += 1,
            ChangeKind::Deleted => c.deleted += 1,
            ChangeKind::Conflict => c.conflicts += 1,
        }
    }
    c
}

/// One token's write in an apply: the row to store, and what happens to its secret.
pub(crate) struct Write<'a> {
    pub token: Token,
    pub incoming: &'a IncomingToken,
    /// Put this secret in the keychain (their value, new or rotated).
    pub store_secret: bool,
    /// The local row had a secret in the keychain that must go (deleted, or no longer kept).
    pub destroy_secret: bool,
    /// The local row kept a secret that `store_secret` overwrites (so it can be put back).
    pub overwrites: bool,
    pub event_detail: String,
}

/// Turns the rows (with their resolutions) into writes. Tokens that are unchanged or skipped
/// get none.
pub(crate) fn writes<'a>(payload: &'a Payload, rows: &[MergeRow], local: &Local) -> Vec<Write<'a>> {
    let by_id: HashMap<&str, &Token> = local.tokens.iter().map(|t| (t.id.as_str(), t)).collect();
    let local_services: HashMap<String, &str> = local
        .services
        .iter()
        .map(|s| (s.name.to_lowercase(), s.name.as_str()))
        .collect();
    let from = &payload.exported_by;
    let mut out = Vec::new();
    for (incoming, row) in payload.tokens.iter().zip(rows) {
        let take = match row.change {
            ChangeKind::New | ChangeKind::Updated | ChangeKind::Deleted => true,
            ChangeKind::Conflict => row.resolution == Some(Resolution::TakeTheirs),
            ChangeKind::Unchanged => false,
        };
        if !take {
            continue;
        }
        let local_row = by_id.get(incoming.token.id.as_str()).copied();
        let mut token = incoming.token.clone();
        // Name the service as it is spelled here, so the row refers to the stored service.
        if let Some(s) = &token.service {
            if let Some(ours) = local_services.get(&s.to_lowercase()) {
                token.service = Some((*ours).to_string());
            }
        }
        // An added key's fingerprints are keyed per install and travel only with its secret: when
        // the file does not carry them and it is the same secret as ours (not rotated since),
        // ours still hold.
        if token.origin == Origin::Imported {
            if let Some(l) = local_row
                .filter(|l| l.origin == Origin::Imported && l.rotated_at == token.rotated_at)
            {
                if token.fingerprint.is_empty() {
                    token.fingerprint = l.fingerprint.clone();
                }
                if token.previous_fingerprint.is_none()
                    && token.previous_valid_until == l.previous_valid_until
                {
                    token.previous_fingerprint = l.previous_fingerprint.clone();
                }
            }
        }
        let kept_here = local_row.is_some_and(|l| {
            l.status != Status::Deleted && l.storage == Storage::Keychain && !l.secret_missing
        });
        let live_kept = token.status != Status::Deleted && token.storage == Storage::Keychain;
        let same_secret = local_row
            .is_some_and(|l| !l.fingerprint.is_empty() && l.fingerprint == token.fingerprint);
        let store_secret = live_kept && incoming.secret.is_some() && !(kept_here && same_secret);
        if let Some(l) = local_row {
            token.last_used_at = token.last_used_at.max(l.last_used_at);
            if live_kept && incoming.secret.is_none() && kept_here && same_secret {
                // They had lost their copy; ours is still good.
                token.secret_missing = false;
            }
        }
        let destroy_secret = local_row
            .is_some_and(|l| l.status != Status::Deleted && l.storage == Storage::Keychain)
            && !live_kept;
        let event_detail = match row.change {
            ChangeKind::New => format!("added from a vault file by {from}"),
            ChangeKind::Deleted if local_row.is_none() => {
                format!("tombstone from a vault file by {from}")
            }
            ChangeKind::Deleted => format!("deleted by a vault file from {from}"),
            _ => format!("{} (vault file from {from})", row.reason),
        };
        out.push(Write {
            token,
            incoming,
            store_secret,
            destroy_secret,
            overwrites: store_secret && kept_here,
            event_detail,
        });
    }
    out
}

/// The versions of each taken token this install learns from the file: theirs and the ones
/// they have shared become ours to know for every token taken, or already the same or older
/// here; a skipped conflict learns nothing, so it shows again until it is resolved.
pub(crate) fn new_versions<'a>(
    payload: &'a Payload,
    rows: &[MergeRow],
    local: &Local,
) -> Vec<(&'a str, Vec<String>)> {
    let by_id: HashMap<&str, &Token> = local.tokens.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut versions = Vec::new();
    for (incoming, row) in payload.tokens.iter().zip(rows) {
        let id = incoming.token.id.as_str();
        let theirs = content_hash(&incoming.token);
        let ours = by_id.get(id).copied();
        let take = match row.change {
            ChangeKind::New | ChangeKind::Updated | ChangeKind::Deleted => true,
            ChangeKind::Conflict => row.resolution == Some(Resolution::TakeTheirs),
            ChangeKind::Unchanged => ours.is_some_and(|l| {
                l.status != Status::Deleted && incoming.token.status != Status::Deleted
            }),
        };
        if !take {
            continue;
        }
        let mut all: Vec<String> = incoming.history.clone();
        all.push(theirs);
        if row.resolution == Some(Resolution::TakeTheirs) {
            // Our version is superseded by theirs: a file that still has it yields to theirs.
            all.extend(ours.map(content_hash));
        }
        let known = local.history.get(id);
        let mut new: Vec<String> = Vec::new();
        for h in all {
            if !known.is_some_and(|k| k.contains(&h)) && !new.contains(&h) {
                new.push(h);
            }
        }
        if !new.is_empty() {
            versions.push((id, new));
        }
    }
    versions
}

/// Services the file names that this vault does not have yet. Existing ones are never changed.
pub(crate) fn new_services<'a>(payload: &'a Payload, local: &[Service]) -> Vec<&'a Service> {
    let have: HashSet<String> = local.iter().map(|s| s.name.to_lowercase()).collect();
    payload
        .services
        .iter()
        .filter(|s| !have.contains(&s.name.to_lowercase()))
        .collect()
}

/// What an apply did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergeReport {
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Conflicts where theirs was taken.
    pub taken_theirs: usize,
    /// Conflicts skipped: ours kept.
    pub skipped_conflicts: usize,
    pub unchanged: usize,
    /// Secrets written to the keychain.
    pub secrets_stored: usize,
}

impl MergeReport {
    /// What applying `rows` does to tokens, before any secret is counted.
    pub(crate) fn of(rows: &[MergeRow]) -> MergeReport {
        let mut report = MergeReport::default();
        for row in rows {
            match (row.change, row.resolution) {
                (ChangeKind::New, _) => report.added += 1,
                (ChangeKind::Updated, _) => report.updated += 1,
                (ChangeKind::Deleted, _) => report.deleted += 1,
                (ChangeKind::Unchanged, _) => report.unchanged += 1,
                (ChangeKind::Conflict, Some(Resolution::TakeTheirs)) => report.taken_theirs += 1,
                (ChangeKind::Conflict, _) => report.skipped_conflicts += 1,
            }
        }
        report
    }
}
