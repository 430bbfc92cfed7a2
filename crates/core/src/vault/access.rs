//! Reading tokens: the list, summary and timeline from SQLite, one token's details, a kept
//! secret revealed from the keychain; and the catalog of services.

use chrono::Utc;
use rusqlite::Connection;
use secrecy::SecretString;

use super::{change, Change, Vault};
use crate::error::{ConflictError, InputError, Result, SecretMissingError};
use crate::model::*;
use crate::store::services::OnConflict;
use crate::store::{self, events, journal, services, tokens};
use crate::token_format;
use crate::validate;

impl Vault {
    pub fn services(&self) -> Result<Vec<Service>> {
        services::all(&self.conn)
    }

    /// Adds a service or changes an existing one (matched by name, case-insensitively).
    pub fn upsert_service(&mut self, s: Service) -> Result<Service> {
        let name = validate::service_name(&s.name)?;
        let service = Service {
            name: services::by_name(&self.conn, &name)?
                .map(|existing| existing.name)
                .unwrap_or(name),
            auth_header: validate::auth_header(&s.auth_header)?,
            token_prefix: match s.token_prefix.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(p) => {
                    token_format::validate_prefix(p)?;
                    Some(p.to_string())
                }
            },
            base_url: validate::base_url(s.base_url.as_deref())?,
            max_active: s.max_active,
        };
        if service.max_active == Some(0) {
            return Err(InputError::ZeroMaxActive.into());
        }
        let tx = store::write_tx(&self.conn)?;
        services::write(&tx, &service, OnConflict::Replace)?;
        tx.commit()?;
        Ok(service)
    }

    /// Filtered, sorted token summaries. Reads SQLite only; never touches the keychain.
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Token>> {
        tokens::list(&self.conn, q, Utc::now())
    }

    /// Counts for the dashboard's summary strip (stale: by the stale-days setting).
    pub fn summary(&self, warning_days: u32) -> Result<Summary> {
        let stale_days = self.settings()?.stale_days;
        tokens::summary(&self.conn, warning_days, stale_days, Utc::now())
    }

    /// Active tokens expiring in each of the next `weeks` weeks (week 0 starts now), for the
    /// dashboard's expiry timeline. Reads SQLite only.
    pub fn expiry_timeline(&self, weeks: u32) -> Result<Vec<u64>> {
        if !(1..=104).contains(&weeks) {
            return Err(InputError::TimelineWeeks { weeks }.into());
        }
        tokens::expiry_weeks(&self.conn, weeks, Utc::now())
    }

    /// One token's metadata, service and activity. `which` is a token id or a name.
    pub fn show(&self, which: &str) -> Result<TokenDetails> {
        let token = self.find(which, Utc::now())?;
        let service = match &token.service {
            Some(name) => services::by_name(&self.conn, name)?,
            None => None,
        };
        let events = events::for_token(&self.conn, &token.id)?;
        Ok(TokenDetails {
            token,
            service,
            events,
        })
    }

    /// Reads a kept secret from the keychain, recording why (revealed or copied).
    pub fn reveal(&mut self, which: &str, why: Access) -> Result<SecretString> {
        let now = Utc::now();
        let token = self.find_live(which, now)?;
        let secret = self.read_kept(&token)?;
        let kind = match why {
            Access::Revealed => EventKind::Revealed,
            Access::Copied => EventKind::Copied,
        };
        let actor = self.actor();
        record_use(&self.conn, &token.id, true, change(kind, None, now, &actor))?;
        Ok(secret)
    }

    /// A kept token's secret from the keychain, checked against the token's fingerprint. Records
    /// nothing: the caller says why it was read.
    pub(super) fn read_kept(&mut self, token: &Token) -> Result<SecretString> {
        if token.storage == Storage::HashOnly {
            return Err(ConflictError::HashOnly {
                name: token.name.clone(),
            }
            .into());
        }
        let matching = |v: &Vault| -> Result<Option<SecretString>> {
            Ok(match v.secrets.get(&token.id)? {
                Some(s) if v.holds(&s, token)? => Some(s),
                _ => None,
            })
        };
        let mut secret = matching(self)?;
        if secret.is_none() && !journal::pending(&self.conn)?.is_empty() {
            // An earlier operation's undo failed and left the keychain unsettled (the next
            // open would put it right): finish it now, then look again.
            let lock = self.write_lock()?;
            self.settle_pending(&lock)?;
            secret = matching(self)?;
        }
        secret.ok_or_else(
            || match tokens::set_secret_missing(&self.conn, &token.id, true) {
                Ok(()) => SecretMissingError::NoMatchingSecret {
                    backend: self.secrets.backend(),
                    name: token.name.clone(),
                }
                .into(),
                Err(e) => e,
            },
        )
    }
}

/// Records that a token's secret was read or presented, and when it was last used.
fn record_use(conn: &Connection, token_id: &str, used: bool, change: Change<'_>) -> Result<()> {
    let tx = store::write_tx(conn)?;
    if used {
        tokens::touch_last_used(&tx, token_id, change.at)?;
    }
    events::append(
        &tx,
        token_id,
        change.at,
        change.actor,
        change.kind,
        change.detail,
    )?;
    tx.commit()?;
    Ok(())
}
