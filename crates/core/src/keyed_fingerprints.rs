//! Keyed fingerprints of the keys a user adds: the per-install key in the keychain, the one place
//! that decides which kind of fingerprint a row holds, and the one-time move of rows written
//! before (plain SHA-256) to keyed ones.
//!
//! A token generated here keeps the plain SHA-256 of its secret; a key the user added (origin
//! `imported`: `tok add`, the app's Add, or a vault file) keeps `HMAC-SHA256(key, SHA-256(secret))`
//! under this install's [`FingerprintKey`]. The key is made on first need, under the write lock,
//! and kept only in the keychain (account [`FINGERPRINT_KEY_ACCOUNT`]). Rows written before keyed
//! fingerprints are rewritten from their stored SHA-256 (no secret is read) in one transaction,
//! at the first open that reaches the keychain; until then the meta entry `fingerprints` is not
//! `keyed`, comparisons use the plain form those rows still hold, and anything that would store
//! a new added key's fingerprint runs the move first or fails with `keychain_unavailable`, never
//! storing a plain hash.

use chrono::Utc;
use secrecy::SecretString;

use crate::error::{Result, SecretMissingError};
use crate::fingerprint::{Fingerprint, FingerprintKey};
use crate::model::{Origin, Status, Token};
use crate::store::{self, history, meta, tokens};
use crate::vault::{Vault, WriteLock};
use crate::vault_file::{legacy_content_hash, portable_content_hash, FINGERPRINT_KEY_ACCOUNT};

/// Meta entry that is `keyed` once every added key's row holds a keyed fingerprint.
const FINGERPRINTS_META: &str = "fingerprints";
const KEYED: &str = "keyed";

impl Vault {
    /// Whether added keys' rows hold keyed fingerprints yet.
    pub(crate) fn fingerprints_keyed(&self) -> Result<bool> {
        Ok(meta::get(&self.conn, FINGERPRINTS_META)?.as_deref() == Some(KEYED))
    }

    /// Whether `secret` is the one `token` recorded, comparing the kind of fingerprint its row
    /// holds, in constant time.
    pub(crate) fn holds(&self, secret: &SecretString, token: &Token) -> Result<bool> {
        if token.origin == Origin::Generated || !self.fingerprints_keyed()? {
            return Ok(Fingerprint::of(secret).matches(&token.fingerprint));
        }
        Ok(match self.existing_fingerprint_key()? {
            Some(key) => key.of(secret).matches(&token.fingerprint),
            None => false,
        })
    }

    /// Whether `secret` is the one `token` recorded (for checkers outside the core, such as the
    /// torture run's): the comparison every operation makes, whatever kind of fingerprint the
    /// row holds.
    pub fn secret_matches(&self, token: &Token, secret: &SecretString) -> Result<bool> {
        self.holds(secret, token)
    }

    /// The fingerprint a new secret of a token of `origin` is stored under. For an added key this
    /// needs the keychain (the key may be made now, and rows written before are moved first).
    pub(crate) fn fingerprint_for(
        &self,
        origin: Origin,
        secret: &SecretString,
        lock: &WriteLock,
    ) -> Result<Fingerprint> {
        match origin {
            Origin::Generated => Ok(Fingerprint::of(secret)),
            Origin::Imported => {
                self.ensure_fingerprints_keyed(lock)?;
                Ok(self.fingerprint_key(lock)?.of(secret))
            }
        }
    }

    /// Every form a secret could be stored under here, for duplicate detection: plain (generated
    /// tokens) and, once added keys are keyed and a key exists, keyed (added keys).
    pub(crate) fn stored_forms(&self, secret: &SecretString) -> Result<Vec<Fingerprint>> {
        let mut forms = vec![Fingerprint::of(secret)];
        if self.fingerprints_keyed()? {
            if let Some(key) = self.existing_fingerprint_key()? {
                forms.push(key.of(secret));
            }
        }
        Ok(forms)
    }

    /// The keyed fingerprint of a presented secret, for verification after the plain lookup
    /// missed: None when no live added key exists (then there is nothing to find, and the
    /// keychain is not asked).
    pub(crate) fn keyed_for_lookup(&self, secret: &SecretString) -> Result<Option<Fingerprint>> {
        if !self.fingerprints_keyed()? || !tokens::any_live_keyed(&self.conn)? {
            return Ok(None);
        }
        Ok(self.existing_fingerprint_key()?.map(|key| key.of(secret)))
    }

    /// The key for a file's fingerprints: made on first need (taking the write lock, which the
    /// caller must not hold), with rows written before moved to keyed ones first.
    pub(crate) fn fingerprint_key_for_import(&self) -> Result<&FingerprintKey> {
        if self.fingerprints_keyed()? {
            if let Some(key) = self.existing_fingerprint_key()? {
                return Ok(key);
            }
        }
        let lock = self.write_lock()?;
        self.ensure_fingerprints_keyed(&lock)?;
        self.fingerprint_key(&lock)
    }

    /// At open: moves rows written before keyed fingerprints, if any are left. Touches neither the
    /// keychain nor the lock when there is nothing to do.
    pub(crate) fn upgrade_fingerprints(&self) -> Result<()> {
        if self.fingerprints_keyed()? {
            return Ok(());
        }
        let lock = self.write_lock()?;
        self.ensure_fingerprints_keyed(&lock)
    }

    /// The key as the keychain holds it, read once per open vault; None when there is none.
    pub(crate) fn existing_fingerprint_key(&self) -> Result<Option<&FingerprintKey>> {
        if let Some(key) = self.fingerprint_key.get() {
            return Ok(Some(key));
        }
        let Some(stored) = self.secrets.get(FINGERPRINT_KEY_ACCOUNT)? else {
            return Ok(None);
        };
        let key = FingerprintKey::from_stored(&stored).ok_or_else(|| {
            SecretMissingError::BadFingerprintKey {
                service: self.identity().keychain_service,
            }
        })?;
        Ok(Some(self.fingerprint_key.get_or_init(|| key)))
    }

    /// The key, made now if the keychain has none. If live added keys hold fingerprints made
    /// with a key the keychain lost, they would silently stop matching: they are fingerprinted
    /// again from the secrets the keychain holds for them (see [`Vault::refingerprint`]).
    fn fingerprint_key(&self, _lock: &WriteLock) -> Result<&FingerprintKey> {
        if let Some(key) = self.existing_fingerprint_key()? {
            return Ok(key);
        }
        let lost = self.fingerprints_keyed()? && tokens::any_live_keyed(&self.conn)?;
        let key = FingerprintKey::generate()?;
        if lost {
            // Read every secret before anything changes, so an unreachable keychain changes nothing.
            let rows = self.refingerprint(&key)?;
            self.secrets
                .set(FINGERPRINT_KEY_ACCOUNT, &key.to_stored())?;
            let tx = store::write_tx(&self.conn)?;
            for (id, fingerprint) in &rows {
                tokens::set_fingerprints(&tx, id, fingerprint, None)?;
                tokens::set_secret_missing(&tx, id, fingerprint.is_empty())?;
            }
            tx.commit()?;
        } else {
            self.secrets
                .set(FINGERPRINT_KEY_ACCOUNT, &key.to_stored())?;
        }
        Ok(self.fingerprint_key.get_or_init(|| key))
    }

    /// The new fingerprints of every live added key under `key`, from the secret the keychain
    /// holds for it ('' when it holds none). Previous fingerprints cannot be made again: the grace
    /// periods of added keys end.
    fn refingerprint(&self, key: &FingerprintKey) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for t in tokens::all_imported(&self.conn, Utc::now())? {
            if t.status == Status::Deleted || t.fingerprint.is_empty() {
                continue;
            }
            let fingerprint = match self.secrets.get(&t.id)? {
                Some(secret) => key.of(&secret).to_string(),
                None => String::new(),
            };
            out.push((t.id, fingerprint));
        }
        Ok(out)
    }

    /// Rewrites every added key's row from plain to keyed fingerprints, in one transaction, once.
    /// The versions this install had shared of those tokens were hashed over the plain
    /// fingerprint, so they too could confirm a guessed key: they are dropped, and the current
    /// version is recorded again in the portable form when it was known.
    fn ensure_fingerprints_keyed(&self, lock: &WriteLock) -> Result<()> {
        if self.fingerprints_keyed()? {
            return Ok(());
        }
        let key = self.fingerprint_key(lock)?;
        // Overwrite the freed plain values in the file's pages instead of leaving them behind.
        self.conn.pragma_update(None, "secure_delete", true)?;
        let tx = store::write_tx(&self.conn)?;
        if meta::get(&tx, FINGERPRINTS_META)?.as_deref() != Some(KEYED) {
            for t in tokens::all_imported(&tx, Utc::now())? {
                let keyed = key
                    .rekey(&t.fingerprint)
                    .map(|f| f.to_string())
                    .unwrap_or_default();
                let previous = t
                    .previous_fingerprint
                    .as_deref()
                    .and_then(|p| key.rekey(p))
                    .map(|f| f.to_string());
                let shared = history::of(&tx, &t.id)?;
                let current_was_shared = shared.contains(&legacy_content_hash(&t));
                tokens::set_fingerprints(&tx, &t.id, &keyed, previous.as_deref())?;
                history::clear(&tx, &t.id)?;
                if current_was_shared {
                    history::add(&tx, &t.id, &[portable_content_hash(&t).as_str()])?;
                }
            }
            meta::set(&tx, FINGERPRINTS_META, KEYED)?;
        }
        tx.commit()?;
        self.conn.pragma_update(None, "secure_delete", false)?;
        // Rebuild the file without its free pages (the old fingerprint index, dropped by
        // migration 004, went there) and fold the write-ahead log in, so no page keeps an old
        // value. Best effort: if another process is reading at this moment VACUUM gives up; the
        // rows are keyed either way.
        let _ = self.conn.execute_batch("VACUUM");
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }
}
