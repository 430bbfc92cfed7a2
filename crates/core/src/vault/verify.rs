//! Verification: answering whether a presented token is good, and recording its use to the minute.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::Vault;
use crate::error::Result;
use crate::fingerprint::Fingerprint;
use crate::model::*;
use crate::store::{self, events, tokens};
use crate::validate;

/// How precisely [`Vault::verify`] records usage: "last used" and `verified` events to the minute.
const USAGE_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

impl Vault {
    /// Answers whether a presented token is active, disabled, expired or unknown. The previous
    /// secret of a rotated token counts within its grace period.
    ///
    /// Usage is recorded to the minute, as GitHub's and Stripe's token pages show "last used":
    /// an active answer moves `last_used_at` only when the stored time is at least a minute old, and Activity gets a `verified` event only when the token's last
    /// one is that old or gave another answer (so the first refusal after a disable shows at
    /// once). Inside that minute a verification is one indexed read and writes nothing, which is
    /// what lets a service behind Tokenkeeper verify tens of thousands of tokens a second.
    pub fn verify(&mut self, presented: &SecretString) -> Result<Verification> {
        let now = Utc::now();
        let presented = validate::presented(presented)?;
        // Generated tokens (plain SHA-256) first: the hot path never asks the keychain. Keys the
        // user added are found by their keyed fingerprint, with the key from the keychain.
        let mut found =
            tokens::for_verification(&self.conn, Fingerprint::of(&presented).as_str(), now)?;
        if found.is_none() {
            if let Some(keyed) = self.keyed_for_lookup(&presented)? {
                found = tokens::for_verification(&self.conn, keyed.as_str(), now)?;
            }
        }
        let Some((token, via_grace_period)) = found else {
            return Ok(Verification {
                status: VerifyStatus::Unknown,
                token_id: None,
                name: None,
                scopes: Vec::new(),
                via_grace_period: false,
            });
        };
        let status = match token.state {
            TokenState::Active => VerifyStatus::Active,
            TokenState::Disabled => VerifyStatus::Disabled,
            TokenState::Expired => VerifyStatus::Expired,
            TokenState::Deleted => VerifyStatus::Unknown,
        };
        let detail = format!(
            "{}{}",
            token.state,
            if via_grace_period {
                " (previous secret, in grace period)"
            } else {
                ""
            }
        );
        // A refused attempt is recorded, but is not a use.
        self.record_verification(&token, status == VerifyStatus::Active, &detail, now)?;
        Ok(Verification {
            status,
            token_id: Some(token.id),
            name: Some(token.name),
            scopes: token.scopes,
            via_grace_period,
        })
    }

    /// Records a verification at minute precision (see [`Vault::verify`]): reads first, and opens
    /// a write transaction only when `last_used_at` or Activity would change. Inside it the same
    /// conditions are checked again, so two processes racing on one token still write once.
    fn record_verification(
        &self,
        token: &tokens::VerifyRow,
        used: bool,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let since = now - USAGE_RESOLUTION;
        let touch = used && token.last_used_at.is_none_or(|t| t <= since);
        let differs = |last: &Option<(DateTime<Utc>, Option<String>)>| match last {
            Some((at, last_detail)) => *at <= since || last_detail.as_deref() != Some(detail),
            None => true,
        };
        let note = differs(&token.last_verified);
        if !touch && !note {
            return Ok(());
        }
        let actor = self.actor();
        let tx = store::write_tx(&self.conn)?;
        if touch {
            tokens::touch_last_used_unless_since(&tx, &token.id, now, since)?;
        }
        if note
            && differs(&events::latest_of_kind(
                &tx,
                &token.id,
                EventKind::Verified,
            )?)
        {
            events::append(
                &tx,
                &token.id,
                now,
                &actor,
                EventKind::Verified,
                Some(detail),
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
