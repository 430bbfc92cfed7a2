//! A token's lifecycle: generating or adding it, editing, enabling or disabling, rotating and
//! deleting it, with the checks a new or changed token must pass.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::{change, save, write_row, Vault, WriteLock};
use crate::error::{ConflictError, DuplicateError, Error, InputError, Result};
use crate::fingerprint::{hint_for, Fingerprint};
use crate::model::*;
use crate::secret_tx::SecretPlan;
use crate::store::services::OnConflict;
use crate::store::{services, tokens};
use crate::token_format;
use crate::validate;

impl Vault {
    /// Makes a new random token. It is returned once; unless `keep` is set only its SHA-256 is stored.
    pub fn generate(&mut self, req: GenerateRequest) -> Result<IssuedToken> {
        let now = Utc::now();
        let lock = self.write_lock()?;
        let draft = self.check_draft(&req.token, now)?;
        let prefix = token_prefix(draft.service.as_ref());

        // 190 random bits never collide in practice; the check keeps the promise anyway.
        let (secret, fingerprint) = loop {
            let secret = token_format::generate(prefix)?;
            let fingerprint = Fingerprint::of(&secret);
            if tokens::live_by_fingerprint(&self.conn, fingerprint.as_str(), now)?.is_none() {
                break (secret, fingerprint);
            }
        };
        let storage = if req.keep {
            Storage::Keychain
        } else {
            Storage::HashOnly
        };
        let token = self.record_new(
            &lock,
            NewRecord {
                draft,
                origin: Origin::Generated,
                storage,
                secret: &secret,
                fingerprint,
                now,
            },
        )?;
        Ok(IssuedToken { token, secret })
    }

    /// Stores a key the user already has, in the keychain. Refuses a key that is already stored.
    pub fn import(&mut self, req: ImportRequest) -> Result<Token> {
        let now = Utc::now();
        let lock = self.write_lock()?;
        let draft = self.check_draft(&req.token, now)?;
        let secret = validate::imported_secret(&req.secret)?;
        let fingerprint = self.fingerprint_for(Origin::Imported, &secret, &lock)?;
        self.ensure_secret_new(&self.stored_forms(&secret)?, None, now)?;
        self.record_new(
            &lock,
            NewRecord {
                draft,
                origin: Origin::Imported,
                storage: Storage::Keychain,
                secret: &secret,
                fingerprint,
                now,
            },
        )
    }

    /// Checks what can be checked before a new token's secret exists (name, description, scopes,
    /// expiry, the service's limit), so a form or prompt can refuse bad input before asking for
    /// the key. Changes nothing.
    pub fn precheck_new(&self, draft: &NewToken) -> Result<()> {
        self.check_draft(draft, Utc::now()).map(drop)
    }

    /// Changes name, description, service, scopes or expiry.
    pub fn edit(&mut self, which: &str, edit: TokenEdit) -> Result<Token> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let mut token = self.find_live(which, now)?;
        // A field flagged for repair holds a stand-in value: setting it always writes.
        let repairs = |field: &str| token.needs_repair.iter().any(|f| f == field);
        let (fix_name, fix_description, fix_expiry) = (
            repairs("name"),
            repairs("description"),
            repairs("expires_at"),
        );
        if fix_expiry && edit.expires_at.is_none() {
            return Err(unreadable_expiry(&token));
        }
        let mut changed: Vec<&str> = Vec::new();
        let mut new_service = None;
        if let Some(name) = &edit.name {
            let name = validate::name(name)?;
            if name != token.name || fix_name {
                self.ensure_name_free(&name, Some(&token.id), now)?;
                token.name = name;
                changed.push("name");
            }
        }
        if let Some(description) = &edit.description {
            let description = validate::description(description)?;
            if description != token.description || fix_description {
                token.description = description;
                changed.push("description");
            }
        }
        if let Some(service) = &edit.service {
            let service = self.resolve_service(service.as_deref())?;
            let name = service.as_ref().map(|s| s.name.clone());
            if name != token.service {
                if token.state == TokenState::Active {
                    self.ensure_service_has_room(service.as_ref(), Some(&token.id), now)?;
                }
                token.service = name;
                new_service = service;
                changed.push("service");
            }
        }
        if let Some(scopes) = &edit.scopes {
            let scopes = validate::scopes(scopes)?;
            if scopes != token.scopes {
                token.scopes = scopes;
                changed.push("scopes");
            }
        }
        if let Some(expires_at) = edit.expires_at {
            let expires_at = validate::expiry(expires_at, now)?;
            if expires_at != token.expires_at || fix_expiry {
                token.expires_at = expires_at;
                changed.push("expiry");
            }
        }
        if changed.is_empty() {
            return Ok(token);
        }
        token.updated_at = now;
        token.state = TokenState::derive(token.status, token.expires_at, now);
        // What this save writes anew is repaired (the expiry was required above).
        let repaired = |f: &str| match f {
            "expires_at" | "updated_at" => true,
            "name" | "description" => changed.contains(&f),
            _ => false,
        };
        token.needs_repair.retain(|f| !repaired(f));
        let (detail, actor) = (changed.join(", "), self.actor());
        let edited = change(EventKind::Edited, Some(&detail), now, &actor);
        save(&self.conn, &token, edited, |tx| match &new_service {
            Some(service) => services::write(tx, service, OnConflict::Keep),
            None => Ok(()),
        })?;
        Ok(token)
    }

    /// Enables or disables a token. A disabled token fails verification but keeps its secret.
    pub fn set_enabled(&mut self, which: &str, enabled: bool) -> Result<Token> {
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let mut token = self.find_to_save(which, now)?;
        let wanted = if enabled {
            Status::Active
        } else {
            Status::Disabled
        };
        if token.status == wanted {
            return Ok(token);
        }
        if enabled {
            let service = self.resolve_service(token.service.as_deref())?;
            self.ensure_service_has_room(service.as_ref(), Some(&token.id), now)?;
        }
        token.status = wanted;
        token.updated_at = now;
        token.state = TokenState::derive(token.status, token.expires_at, now);
        let kind = if enabled {
            EventKind::Enabled
        } else {
            EventKind::Disabled
        };
        let actor = self.actor();
        save(&self.conn, &token, change(kind, None, now, &actor), |_| {
            Ok(())
        })?;
        Ok(token)
    }

    /// Gives a token a new secret, keeping its record and settings. The old secret stops working
    /// at once or after the grace period.
    pub fn rotate(&mut self, which: &str, req: RotateRequest) -> Result<Rotated> {
        let now = Utc::now();
        let lock = self.write_lock()?;
        let mut token = self.find_to_save(which, now)?;
        if token.storage == Storage::Keychain {
            self.settle_pending(&lock)?;
            token = self.find_live(which, now)?;
        }
        let (secret, issued) = match (token.origin, req.new_secret) {
            (Origin::Generated, None) => {
                let service = self.resolve_service(token.service.as_deref())?;
                (
                    token_format::generate(token_prefix(service.as_ref()))?,
                    true,
                )
            }
            (Origin::Generated, Some(_)) => {
                return Err(InputError::GeneratedTakesNoKey { name: token.name }.into())
            }
            (Origin::Imported, Some(new)) => (validate::imported_secret(&new)?, false),
            (Origin::Imported, None) => {
                return Err(InputError::ImportedNeedsKey { name: token.name }.into())
            }
        };
        let fingerprint = self.fingerprint_for(token.origin, &secret, &lock)?;
        if fingerprint.matches(&token.fingerprint) {
            return Err(InputError::SameValue { name: token.name }.into());
        }
        self.ensure_secret_new(&self.stored_forms(&secret)?, Some(&token.id), now)?;

        let old_fingerprint = std::mem::replace(&mut token.fingerprint, fingerprint.to_string());
        match req.grace.duration() {
            Some(grace) => {
                token.previous_fingerprint = Some(old_fingerprint);
                token.previous_valid_until = Some(now + grace);
            }
            None => {
                token.previous_fingerprint = None;
                token.previous_valid_until = None;
            }
        }
        token.hint = hint_for(&secret);
        token.rotated_at = Some(now);
        token.updated_at = now;
        token.secret_missing = false;
        let detail = format!("grace {}", req.grace.label());
        let actor = self.actor();
        let rotated = change(EventKind::Rotated, Some(&detail), now, &actor);
        // The old secret stays in `#prev` until the new one is committed.
        let mut plan = SecretPlan::default();
        if token.storage == Storage::Keychain {
            plan.replace(&token.id, &secret);
        }
        self.secret_tx(&lock, &plan, now, |tx| write_row(tx, &token, rotated))?;
        token.state = TokenState::derive(token.status, token.expires_at, now);
        Ok(Rotated {
            secret: issued.then_some(secret),
            token,
        })
    }

    /// Deletes a token for good: the secret is destroyed and the row stays as a tombstone.
    pub fn delete(&mut self, which: &str) -> Result<Token> {
        let now = Utc::now();
        let lock = self.write_lock()?;
        let mut token = self.find_live(which, now)?;
        token.status = Status::Deleted;
        token.state = TokenState::Deleted;
        token.deleted_at = Some(now);
        token.updated_at = now;
        token.previous_fingerprint = None;
        token.previous_valid_until = None;
        let actor = self.actor();
        // The secret is destroyed once the tombstone is committed. The keychain is reached
        // first, so an unreachable one changes nothing.
        let mut plan = SecretPlan::default();
        if token.storage == Storage::Keychain {
            plan.destroy(&token.id);
            plan.reach_keychain_first();
        }
        let deleted = change(EventKind::Deleted, None, now, &actor);
        self.secret_tx(&lock, &plan, now, |tx| write_row(tx, &token, deleted))?;
        Ok(token)
    }

    /// Like [`Vault::find_live`], refusing a token whose stored expiry cannot be read: saving it
    /// would silently turn the expiry into "never".
    fn find_to_save(&self, which: &str, now: DateTime<Utc>) -> Result<Token> {
        let token = self.find_live(which, now)?;
        if token.needs_repair.iter().any(|f| f == "expires_at") {
            return Err(unreadable_expiry(&token));
        }
        Ok(token)
    }

    pub(crate) fn ensure_name_free(
        &self,
        name: &str,
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match tokens::live_by_name(&self.conn, name, now)? {
            Some(t) if Some(t.id.as_str()) != except => {
                Err(DuplicateError::TokenName { other: t.name }.into())
            }
            _ => Ok(()),
        }
    }

    /// Refuses a secret another live token holds, in any of the forms it could be stored under
    /// ([`Vault::stored_forms`]).
    fn ensure_secret_new(
        &self,
        forms: &[Fingerprint],
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for fingerprint in forms {
            match tokens::live_by_fingerprint(&self.conn, fingerprint.as_str(), now)? {
                Some(t) if Some(t.id.as_str()) != except => {
                    return Err(DuplicateError::Secret { other: t.name }.into())
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The named service, or for an unknown name a new one with a Bearer header. Writes nothing:
    /// a new service is stored in the same transaction as the token that names it.
    pub(crate) fn resolve_service(&self, name: Option<&str>) -> Result<Option<Service>> {
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let name = validate::service_name(name)?;
        if let Some(s) = services::by_name(&self.conn, &name)? {
            return Ok(Some(s));
        }
        Ok(Some(Service {
            name,
            auth_header: "Authorization: Bearer {token}".into(),
            token_prefix: None,
            base_url: None,
            max_active: None,
        }))
    }

    /// Validates a new token's fields and checks them against the stored tokens.
    fn check_draft(&self, d: &NewToken, now: DateTime<Utc>) -> Result<CheckedDraft> {
        let name = validate::name(&d.name)?;
        let description = validate::description(&d.description)?;
        let scopes = validate::scopes(&d.scopes)?;
        let expires_at = validate::expiry(d.expires_at, now)?;
        self.ensure_name_free(&name, None, now)?;
        let service = self.resolve_service(d.service.as_deref())?;
        self.ensure_service_has_room(service.as_ref(), None, now)?;
        Ok(CheckedDraft {
            name,
            description,
            scopes,
            expires_at,
            service,
        })
    }

    /// Refuses a new active token when the service allows no more (NocoDB allows one per user).
    fn ensure_service_has_room(
        &self,
        service: Option<&Service>,
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(service) = service else {
            return Ok(());
        };
        let Some(max) = service.max_active else {
            return Ok(());
        };
        let active = tokens::active_names_for_service(&self.conn, &service.name, except, now)?;
        if active.len() >= max as usize {
            return Err(ConflictError::ServiceLimit {
                service: service.name.clone(),
                max,
                active,
            }
            .into());
        }
        Ok(())
    }

    /// Records a new token in one secret transaction: its secret in the keychain first (when
    /// kept), then the row, its service if new, and its first event in one SQLite transaction.
    fn record_new(&mut self, lock: &WriteLock, n: NewRecord<'_>) -> Result<Token> {
        let token = Token {
            id: uuid::Uuid::now_v7().to_string(),
            name: n.draft.name,
            description: n.draft.description,
            service: n.draft.service.as_ref().map(|s| s.name.clone()),
            origin: n.origin,
            storage: n.storage,
            scopes: n.draft.scopes,
            status: Status::Active,
            state: TokenState::derive(Status::Active, n.draft.expires_at, n.now),
            fingerprint: n.fingerprint.to_string(),
            hint: hint_for(n.secret),
            created_at: n.now,
            created_by: self.actor(),
            updated_at: n.now,
            last_used_at: None,
            expires_at: n.draft.expires_at,
            rotated_at: None,
            deleted_at: None,
            previous_fingerprint: None,
            previous_valid_until: None,
            secret_missing: false,
            needs_repair: Vec::new(),
        };
        let (kind, detail) = match (n.origin, n.storage) {
            (Origin::Generated, Storage::HashOnly) => (EventKind::Created, "hash only"),
            (Origin::Generated, Storage::Keychain) => (EventKind::Created, "kept in keychain"),
            (Origin::Imported, _) => (EventKind::Imported, "kept in keychain"),
        };
        let mut plan = SecretPlan::default();
        if n.storage == Storage::Keychain {
            plan.create(&token.id, n.secret);
        }
        let created = change(kind, Some(detail), n.now, &token.created_by);
        self.secret_tx(lock, &plan, n.now, |tx| {
            if let Some(service) = &n.draft.service {
                services::write(tx, service, OnConflict::Keep)?;
            }
            write_row(tx, &token, created)
        })?;
        Ok(token)
    }
}

/// Refusal to change a token whose stored expiry an older version wrote out of range: saving
/// would silently turn it into "never".
fn unreadable_expiry(token: &Token) -> Error {
    ConflictError::UnreadableExpiry {
        name: validate::escape_for_terminal(&token.name).into_owned(),
        id: token.id.clone(),
    }
    .into()
}

/// The fields of a [`NewToken`] that passed validation.
struct CheckedDraft {
    name: String,
    description: String,
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    /// The named service; may not be stored yet.
    service: Option<Service>,
}

/// Everything [`Vault::record_new`] needs to store a new token.
struct NewRecord<'a> {
    draft: CheckedDraft,
    origin: Origin,
    storage: Storage,
    secret: &'a SecretString,
    fingerprint: Fingerprint,
    now: DateTime<Utc>,
}

/// The prefix of tokens generated for `service`: its own, else `tk`.
fn token_prefix(service: Option<&Service>) -> &str {
    service
        .and_then(|s| s.token_prefix.as_deref())
        .unwrap_or(token_format::DEFAULT_PREFIX)
}
