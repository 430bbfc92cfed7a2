//! Resolving `tok://` references: every reference of a run or a template is checked before any
//! secret is read, each token's secret is read from the keychain once however often it is
//! referenced, and each use is recorded in the token's activity. `tok inject` builds on it.

use std::path::Path;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};

use super::Vault;
use crate::error::{ConflictError, InputError, Result};
use crate::model::{EventKind, Status, Storage, Token, TokenState};
use crate::reference::{self, Reference, MAX_REFERENCES, MAX_TEMPLATE_BYTES};
use crate::store::{self, events, tokens};

/// The secrets behind a list of references, in the list's order.
pub struct Resolved {
    /// Each distinct token's secret, once.
    secrets: Vec<SecretString>,
    /// For each reference, its index in `secrets`.
    slot: Vec<usize>,
    /// Things to tell the user that do not stop the run (a reference to an expired token).
    pub warnings: Vec<String>,
}

impl Resolved {
    /// The secret of the `i`th reference.
    pub fn secret(&self, i: usize) -> &SecretString {
        &self.secrets[self.slot[i]]
    }

    /// Each distinct secret once (what `tok run` conceals in the child's output).
    pub fn distinct(&self) -> &[SecretString] {
        &self.secrets
    }
}

/// A template with its references replaced by the secrets.
pub struct Injected {
    pub text: SecretString,
    /// How many references were replaced.
    pub references: usize,
    pub warnings: Vec<String>,
}

impl Vault {
    /// The secrets behind `refs`, all or nothing: an unknown, deleted, disabled or hash-only
    /// token is an error naming its reference, before any secret is read. A token referenced
    /// several times is read once. Each token used gets one `used` event with `used_by` as its
    /// detail ("tok run", "tok inject") and its last-used time. An expired token is used, with a
    /// warning: its expiry is the user's note, and the service decides.
    pub fn resolve(&mut self, refs: &[Reference], used_by: &str) -> Result<Resolved> {
        if refs.len() > MAX_REFERENCES {
            return Err(InputError::BadReferenceFile {
                path: used_by.into(),
                why: format!("was given more than {MAX_REFERENCES} references"),
            }
            .into());
        }
        let now = Utc::now();
        let mut distinct: Vec<Token> = Vec::new();
        let mut slot = Vec::with_capacity(refs.len());
        let mut warnings = Vec::new();
        for r in refs {
            let token = self.referenced(r, now)?;
            if let Some(i) = distinct.iter().position(|t| t.id == token.id) {
                slot.push(i);
                continue;
            }
            if token.state == TokenState::Expired {
                let on = token
                    .expires_at
                    .map(|e| e.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                warnings.push(format!(
                    "tok://{} at {} expired on {on}; the service may refuse it. Rotate it \
                     (`tok rotate`) or change its expiry (`tok edit --expires`)",
                    token.name, r.at
                ));
            }
            slot.push(distinct.len());
            distinct.push(token);
        }
        let mut secrets = Vec::with_capacity(distinct.len());
        for token in &distinct {
            secrets.push(self.read_kept(token)?);
        }
        let actor = self.actor();
        let tx = store::write_tx(&self.conn)?;
        for token in &distinct {
            tokens::touch_last_used(&tx, &token.id, now)?;
            events::append(&tx, &token.id, now, &actor, EventKind::Used, Some(used_by))?;
        }
        tx.commit()?;
        Ok(Resolved {
            secrets,
            slot,
            warnings,
        })
    }

    /// The token a reference names, if its secret may be handed out.
    fn referenced(&self, r: &Reference, now: chrono::DateTime<Utc>) -> Result<Token> {
        let token = match tokens::by_id(&self.conn, &r.which, now)? {
            Some(t) => t,
            None => {
                tokens::live_by_name(&self.conn, &r.which, now)?.ok_or_else(|| r.not_found())?
            }
        };
        let why = match (token.status, token.storage) {
            (Status::Deleted, _) => Some("was deleted; deleted tokens cannot be used"),
            (Status::Disabled, _) => {
                Some("is disabled; enable it (`tok enable`) to use it, or reference another token")
            }
            (_, Storage::HashOnly) => Some(
                "is hash-only: Tokenkeeper kept only its fingerprint, so it has no value to \
                 put here. Reference a kept key instead (from `tok add` or `tok generate --keep`)",
            ),
            _ => None,
        };
        match why {
            Some(why) => Err(ConflictError::ReferenceUnusable {
                name: token.name,
                at: r.at.clone(),
                why,
            }
            .into()),
            None => Ok(token),
        }
    }

    /// Reads a template and replaces each `{{ tok://NAME }}` in it with the secret, all or
    /// nothing (see [`Vault::resolve`]); other text, other `{{ ... }}` included, is kept as it
    /// is. Each token used is recorded with the detail "tok inject".
    pub fn inject(&mut self, template: &Path) -> Result<Injected> {
        let text = reference::read_text_file(template, MAX_TEMPLATE_BYTES)?;
        let source = template.display().to_string();
        let found = reference::template_references(&text, &source)?;
        let refs: Vec<Reference> = found.iter().map(|(_, r)| r.clone()).collect();
        let resolved = self.resolve(&refs, "tok inject")?;
        let extra: usize = (0..found.len())
            .map(|i| resolved.secret(i).expose_secret().len())
            .sum();
        // Sized up front, so the secrets are not left behind in reallocated buffers.
        let mut out = String::with_capacity(text.len() + extra);
        let mut from = 0;
        for (i, (span, _)) in found.iter().enumerate() {
            out.push_str(&text[from..span.start]);
            out.push_str(resolved.secret(i).expose_secret());
            from = span.end;
        }
        out.push_str(&text[from..]);
        Ok(Injected {
            text: SecretString::from(out),
            references: found.len(),
            warnings: resolved.warnings,
        })
    }
}

/// Writes injected text to `output`, readable only by the user (0600), atomically: a reader
/// sees the old file or the whole new one. Refuses to write over the template itself.
pub fn write_injected(output: &Path, template: &Path, text: &SecretString) -> Result<()> {
    let same = match (
        std::fs::canonicalize(output),
        std::fs::canonicalize(template),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(InputError::OutputIsTemplate {
            path: output.to_path_buf(),
        }
        .into());
    }
    crate::vault_file::write_atomically(output, text.expose_secret().as_bytes())
}
