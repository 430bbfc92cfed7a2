//! The team vault file (`.tkvault`, docs/vault-format.md): an age file, encrypted to a passphrase
//! or to X25519 public keys, holding a signed container (`signed`) around a versioned JSON
//! payload. Export writes and signs one; import checks the signature first, previews the merge
//! ([`MergePlan`]) and then applies it all-or-nothing, once its signer is trusted and its
//! destructive rows are confirmed.
//!
//! Apply is one secret transaction (secret_tx.rs): their secrets are written (one kept here
//! that theirs replaces is first copied to `<id>#prev`), then one SQLite transaction stores
//! every row, event and shared version; if that fails, the keychain writes are undone.

#[cfg(test)]
mod cctv;
mod merge;
mod payload;
mod signed;

use std::io::{BufReader, Read, Write as _};
use std::path::Path;
use std::str::FromStr;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{
    Error, InputError, NotAVaultFileError, NotForThisIdentityError, Result, SecretMissingError,
    UnsupportedVersionError, VaultFileError,
};
use crate::model::{EventKind, Origin, Status, Storage};
use crate::secret_tx::SecretPlan;
use crate::store::services::OnConflict;
use crate::store::{self, events, history, meta, services, tokens};
use crate::vault::Vault;

pub(crate) use payload::{content_hash as portable_content_hash, legacy_content_hash};

pub use merge::{
    ChangeKind, ConflictKind, DestructiveKind, MergeCounts, MergePlan, MergeReport, MergeRow,
    Resolution, VaultFileSource,
};

/// Keychain account of this install's age identity. Token accounts are UUIDs, so it cannot clash.
pub const IDENTITY_ACCOUNT: &str = "age-identity";
/// Keychain account of this install's key for the fingerprints of added keys
/// (keyed_fingerprints.rs). Never stored in SQLite.
pub const FINGERPRINT_KEY_ACCOUNT: &str = "fingerprint-key";
/// Meta key caching the identity's public key (not secret), for `whoami` without the keychain.
const PUBLIC_KEY_META: &str = "age_public_key";
/// The largest decrypted payload read (10,000 tokens take about 10 MB).
const MAX_PAYLOAD_BYTES: u64 = 256 * 1024 * 1024;
/// The most scrypt work a passphrase file may ask for: N = 2^20, 1 GiB of memory.
const MAX_SCRYPT_LOG_N: u8 = 20;
/// Start of every binary age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// Start of an ASCII-armored age file.
const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// Who can open an exported file.
#[derive(Debug)]
pub enum ExportTarget {
    /// Anyone with this passphrase (scrypt, about a second of work per try).
    Passphrase(SecretString),
    /// The holders of these age X25519 public keys (`age1...`), e.g. from `tok whoami`.
    Recipients(Vec<String>),
    /// Every team member ([`Vault::team_list`]) and this install itself.
    Team,
}

/// How to open a file being imported.
#[derive(Debug)]
pub enum ImportKey {
    /// The passphrase it was exported with.
    Passphrase(SecretString),
    /// This install's own identity, from the keychain.
    OwnIdentity,
    /// An age identity (`AGE-SECRET-KEY-1...`), e.g. from an identity file made by `age-keygen`.
    AgeIdentity(SecretString),
}

/// How a vault file is protected, readable without opening it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileProtection {
    Passphrase,
    Recipients,
}

/// What an export wrote.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// Tokens in the file, tombstones included.
    pub tokens: usize,
    /// Tokens that carry their secret.
    pub secrets: usize,
    pub tombstones: usize,
    /// Kept tokens whose secret the keychain no longer held: exported without it.
    pub secrets_missing: usize,
    pub bytes: usize,
    pub protection: FileProtection,
    /// How many public keys it was encrypted to (0 for a passphrase).
    pub recipients: usize,
    /// The fingerprint of this install's signing key, which signed the file.
    pub signed_by: String,
}

/// Tells whether a vault file needs a passphrase or an identity, without decrypting it.
pub fn vault_file_protection(file: &[u8]) -> Result<FileProtection> {
    let decryptor = decryptor(file)?;
    Ok(if decryptor.is_scrypt() {
        FileProtection::Passphrase
    } else {
        FileProtection::Recipients
    })
}

impl Vault {
    /// This install's age public key (`age1...`), for others to export to. The identity is made
    /// and stored in the keychain on first use (service `tokenkeeper:<vault-id>`, account
    /// `age-identity`), only when the keychain really has none.
    pub fn public_key(&mut self) -> Result<String> {
        let identity = match self.own_identity()? {
            Some(identity) => identity,
            None => {
                let _lock = self.write_lock()?;
                // Another process may have made it while we waited for the lock.
                match self.own_identity()? {
                    Some(identity) => identity,
                    None => {
                        let identity = age::x25519::Identity::generate();
                        self.secrets.set(IDENTITY_ACCOUNT, &identity.to_string())?;
                        identity
                    }
                }
            }
        };
        let public = identity.to_public().to_string();
        if meta::get(&self.conn, PUBLIC_KEY_META)?.as_deref() != Some(public.as_str()) {
            let tx = store::write_tx(&self.conn)?;
            meta::set(&tx, PUBLIC_KEY_META, &public)?;
            tx.commit()?;
        }
        Ok(public)
    }

    /// The public key as last seen, without touching the keychain (None before first use).
    pub(crate) fn cached_public_key(&self) -> Option<String> {
        meta::get(&self.conn, PUBLIC_KEY_META).ok().flatten()
    }

    fn own_identity(&self) -> Result<Option<age::x25519::Identity>> {
        let Some(stored) = self.secrets.get(IDENTITY_ACCOUNT)? else {
            return Ok(None);
        };
        age::x25519::Identity::from_str(stored.expose_secret())
            .map(Some)
            .map_err(|_| {
                SecretMissingError::BadIdentity {
                    service: self.identity().keychain_service,
                }
                .into()
            })
    }

    /// Writes every token (tombstones included, secrets of kept tokens included) into an
    /// encrypted vault file and returns its bytes. Records an `exported` event per token.
    pub fn export(&mut self, to: ExportTarget) -> Result<Vec<u8>> {
        self.export_with_summary(to).map(|(bytes, _)| bytes)
    }

    /// Like [`Vault::export`], written to `path` atomically (a temporary file beside it, then a
    /// rename), readable only by the user.
    pub fn export_to_file(&mut self, to: ExportTarget, path: &Path) -> Result<ExportSummary> {
        let (bytes, summary) = self.export_with_summary(to)?;
        write_atomically(path, &bytes)?;
        Ok(summary)
    }

    fn export_with_summary(&mut self, to: ExportTarget) -> Result<(Vec<u8>, ExportSummary)> {
        // Check the target before reading any secret.
        let (recipients, protection): (Vec<Box<dyn age::Recipient + Send>>, _) = match to {
            ExportTarget::Passphrase(p) => {
                if p.expose_secret().is_empty() {
                    return Err(InputError::EmptyPassphrase.into());
                }
                (
                    vec![Box::new(age::scrypt::Recipient::new(p))],
                    FileProtection::Passphrase,
                )
            }
            ExportTarget::Recipients(keys) => {
                (parse_recipients(&keys)?, FileProtection::Recipients)
            }
            ExportTarget::Team => {
                let mut keys = self.team_recipients()?;
                if keys.is_empty() {
                    return Err(InputError::NoTeam.into());
                }
                keys.push(self.public_key()?);
                (parse_recipients(&keys)?, FileProtection::Recipients)
            }
        };
        let recipient_count = match protection {
            FileProtection::Passphrase => 0,
            FileProtection::Recipients => recipients.len(),
        };
        // Every export is signed; the keys are made in the keychain on first use.
        let member = self.own_member_key()?;
        let signing = self.signing_key()?;

        let now = Utc::now();
        let all = tokens::all(&self.conn, now)?;
        let mut shared = history::all(&self.conn)?;
        let mut outgoing: Vec<payload::OutgoingToken> = Vec::with_capacity(all.len());
        let mut summary = ExportSummary {
            tokens: all.len(),
            secrets: 0,
            tombstones: 0,
            secrets_missing: 0,
            bytes: 0,
            protection,
            recipients: recipient_count,
            signed_by: member.fingerprint(),
        };
        for t in all {
            let secret = if t.status != Status::Deleted && t.storage == Storage::Keychain {
                let secret = match self.secrets.get(&t.id)? {
                    Some(s) if self.holds(&s, &t)? => Some(s),
                    _ => None,
                };
                match &secret {
                    Some(_) => summary.secrets += 1,
                    None => summary.secrets_missing += 1,
                }
                secret
            } else {
                if t.status == Status::Deleted {
                    summary.tombstones += 1;
                }
                None
            };
            // The versions this install has shared, now including the current one.
            let mut versions = shared.remove(&t.id).unwrap_or_default();
            let current = payload::content_hash(&t);
            if !versions.contains(&current) {
                versions.push(current);
            }
            let keep_from = versions.len().saturating_sub(payload::MAX_HISTORY);
            outgoing.push(payload::OutgoingToken {
                token: t,
                secret,
                history: versions.split_off(keep_from),
            });
        }
        let actor = self.actor();
        let services = services::all(&self.conn)?;
        let plaintext = payload::write(&payload::Outgoing {
            vault_id: &self.identity().vault_id,
            exported_at: now,
            exported_by: &actor,
            services: &services,
            tokens: &outgoing,
        })?;
        let sealed = signed::seal(&plaintext, &signing, &member, &actor, now)?;
        drop(plaintext);
        drop(signing);
        let bytes = encrypt(&sealed, recipients)?;
        drop(sealed);
        summary.bytes = bytes.len();

        let detail = match protection {
            FileProtection::Passphrase => "to a passphrase-protected vault file".to_string(),
            FileProtection::Recipients => "to a vault file for public keys".to_string(),
        };
        let tx = store::write_tx(&self.conn)?;
        for o in &outgoing {
            let id = &o.token.id;
            events::append(&tx, id, now, &actor, EventKind::Exported, Some(&detail))?;
            let current = o.history.last().expect("the current version is listed");
            history::add(&tx, id, &[current.as_str()])?;
        }
        tx.commit()?;
        Ok((bytes, summary))
    }

    /// What a merge compares the file with: every local token (tombstones too), the versions
    /// this install has shared, and the services.
    fn merge_local(&self, now: chrono::DateTime<Utc>) -> Result<merge::Local> {
        Ok(merge::Local {
            tokens: tokens::all(&self.conn, now)?,
            history: history::all(&self.conn)?,
            services: services::all(&self.conn)?,
        })
    }

    /// Opens a vault file and works out what importing it would do. Changes no token; the first
    /// file that holds added keys may make this install's fingerprint key (keyed_fingerprints.rs).
    ///
    /// The signature is checked before anything else in the file is read: an unsigned or
    /// badly signed file is refused. A file signed by a key that is neither this install's nor
    /// a team member's previews, with [`MergePlan::signer`] saying so, and applies only after
    /// [`Vault::trust_signer`].
    pub fn preview_import(&self, file: &[u8], key: ImportKey) -> Result<MergePlan> {
        let plaintext = self.decrypt(file, key)?;
        let (signed_payload, verified) = signed::open(&plaintext)?;
        drop(plaintext);
        let signer =
            self.describe_signer(&verified.member_key, &verified.name, verified.signed_at)?;
        let now = Utc::now();
        let mut payload = payload::parse(&signed_payload, now)?;
        drop(signed_payload);
        self.localize_fingerprints(&mut payload)?;
        let local = self.merge_local(now)?;
        let mut rows = merge::classify(&payload, &local);
        merge::mark_destructive(&payload, &mut rows, &local);
        let mut plan = MergePlan {
            source: VaultFileSource {
                vault_id: payload.vault_id.clone(),
                exported_at: payload.exported_at,
                exported_by: payload.exported_by.clone(),
                tokens: payload.tokens.len(),
                secrets: payload.tokens.iter().filter(|t| t.secret.is_some()).count(),
            },
            counts: merge::count(&rows),
            rows,
            destructive: 0,
            signer,
            target_vault_id: self.identity().vault_id,
            payload,
            signer_key: verified.member_key,
            destructive_confirmed: false,
        };
        plan.count_destructive();
        Ok(plan)
    }

    /// Applies a previewed import, all or nothing: keychain writes first, then one SQLite
    /// transaction; if that fails, the keychain writes are undone. Conflicts are skipped (ours
    /// kept) unless theirs was chosen on the plan. `progress(done, total)` is called as secrets
    /// are written and once more when everything is committed.
    ///
    /// If this vault changed since the preview in a way that changes the plan, nothing is
    /// applied and the error asks for a new preview. A file whose signer is neither this
    /// install nor a team member is refused (`untrusted_signer`: see [`Vault::trust_signer`]),
    /// and so is a plan that deletes a token here or replaces or removes a secret kept here,
    /// unless [`MergePlan::confirm_destructive`] was called (`confirmation_required`). Both are
    /// checked before anything is written.
    pub fn apply_import(
        &mut self,
        plan: MergePlan,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<MergeReport> {
        if plan.target_vault_id != self.identity().vault_id {
            return Err(InputError::PreviewForAnotherVault.into());
        }
        let lock = self.write_lock()?;
        // Trust and confirmation are checked first, against the members as they are now.
        self.check_signer_trusted(&plan.signer_key, &plan.signer.claimed_name)?;
        // What an earlier failed undo left is put right first: the old value of a secret this
        // import overwrites is read from the keychain below and must be the committed one.
        self.settle_pending(&lock)?;
        let now = Utc::now();
        let local = self.merge_local(now)?;
        plan.check_still_current(&local)?;
        plan.check_destructive_confirmed(&local)?;
        let writes = merge::writes(&plan.payload, &plan.rows, &local);
        let versions = merge::new_versions(&plan.payload, &plan.rows, &local);
        let new_services = merge::new_services(&plan.payload, &local.services);

        // Their secrets are stored (a secret kept here that theirs replaces stays in `#prev`
        // until the commit), and the secrets of tokens the file deletes go once it is committed.
        let mut secrets = SecretPlan::default();
        for w in &writes {
            let id = &w.token.id;
            match (&w.incoming.secret, w.store_secret, w.overwrites) {
                (Some(secret), true, true) => secrets.replace(id, secret),
                (Some(secret), true, false) => secrets.create(id, secret),
                _ if w.destroy_secret => secrets.destroy(id),
                _ => {}
            }
        }
        let stored = writes.iter().filter(|w| w.store_secret).count();
        let total = stored + writes.iter().filter(|w| w.destroy_secret).count() + 1;
        let mut done = 0;
        progress(done, total);
        let actor = self.actor();
        let step = || {
            done += 1;
            progress(done, total);
        };
        self.secret_tx_with_progress(&lock, &secrets, now, step, |tx| {
            write_merge(tx, &writes, &versions, &new_services, now, &actor)
        })?;
        progress(total, total);
        Ok(MergeReport {
            secrets_stored: stored,
            ..MergeReport::of(&plan.rows)
        })
    }

    /// Puts a file's fingerprints (plain SHA-256, the one form installs share) into the forms this
    /// install stores: an added key's become keyed under this install's key, and each token learns
    /// the other form its secret could be held under here, for duplicate detection. Needs the key
    /// only when the file has added keys or this vault holds some.
    fn localize_fingerprints(&self, payload: &mut payload::Payload) -> Result<()> {
        let known = |t: &payload::IncomingToken| !t.token.fingerprint.is_empty();
        let needed = payload
            .tokens
            .iter()
            .any(|t| t.token.origin == Origin::Imported && known(t))
            || payload.tokens.iter().any(known) && tokens::any_live_keyed(&self.conn)?;
        if !needed {
            return Ok(());
        }
        let key = self.fingerprint_key_for_import()?;
        let keyed = |plain: &str| key.rekey(plain).map(|f| f.to_string());
        for t in &mut payload.tokens {
            let plain = std::mem::take(&mut t.token.fingerprint);
            match t.token.origin {
                Origin::Generated => {
                    t.other_form = keyed(&plain);
                    t.token.fingerprint = plain;
                }
                Origin::Imported => {
                    t.token.fingerprint = keyed(&plain).unwrap_or_default();
                    t.other_form = Some(plain).filter(|p| !p.is_empty());
                    t.token.previous_fingerprint =
                        t.token.previous_fingerprint.as_deref().and_then(keyed);
                }
            }
        }
        Ok(())
    }

    /// Decrypts a vault file with the given key. Every failure is one of the vault-file errors.
    fn decrypt(&self, file: &[u8], key: ImportKey) -> Result<Zeroizing<Vec<u8>>> {
        let decryptor = decryptor(file)?;
        let result = match (decryptor.is_scrypt(), key) {
            (true, ImportKey::Passphrase(p)) => {
                let mut identity = age::scrypt::Identity::new(p);
                // age's own cap depends on this machine's speed; a file from the age tool
                // (2^18) must open on a slow one too, while 2^20 (1 GiB of memory) is the most
                // a file may ask for.
                identity.set_max_work_factor(MAX_SCRYPT_LOG_N);
                decryptor
                    .decrypt(std::iter::once(&identity as &dyn age::Identity))
                    .map_err(|e| match e {
                        age::DecryptError::DecryptionFailed
                        | age::DecryptError::KeyDecryptionFailed
                        | age::DecryptError::NoMatchingKeys => Error::BadPassphrase,
                        other => decrypt_error(other, file),
                    })
            }
            (true, _) => return Err(Error::PassphraseRequired),
            (false, ImportKey::Passphrase(_)) => {
                return Err(NotForThisIdentityError::NotAPassphraseFile.into())
            }
            (false, key) => {
                let (identity, whose) = match key {
                    ImportKey::AgeIdentity(s) => (
                        age::x25519::Identity::from_str(s.expose_secret().trim())
                            .map_err(|_| InputError::NotAnIdentity)?,
                        "the given identity".to_string(),
                    ),
                    _ => {
                        let identity = self
                            .own_identity()?
                            .ok_or(NotForThisIdentityError::NoIdentity)?;
                        let public = identity.to_public().to_string();
                        (identity, format!("this install's key ({public})"))
                    }
                };
                decryptor
                    .decrypt(std::iter::once(&identity as &dyn age::Identity))
                    .map_err(|e| match e {
                        age::DecryptError::NoMatchingKeys => NotForThisIdentityError::OtherKeys {
                            whose: whose.clone(),
                        }
                        .into(),
                        other => decrypt_error(other, file),
                    })
            }
        };
        let reader = result?;
        let mut plaintext = Zeroizing::new(Vec::new());
        reader
            .take(MAX_PAYLOAD_BYTES + 1)
            .read_to_end(&mut plaintext)
            .map_err(|_| Error::VaultFileDamaged)?;
        if plaintext.len() as u64 > MAX_PAYLOAD_BYTES {
            return Err(VaultFileError::PayloadTooBig {
                max_mb: MAX_PAYLOAD_BYTES / 1024 / 1024,
            }
            .into());
        }
        Ok(plaintext)
    }
}

/// Stores an import's rows, events, shared versions and new services inside the secret
/// transaction's SQLite transaction. With nothing new to write, nothing is written: importing a
/// file twice leaves the database as it was.
fn write_merge(
    tx: &rusqlite::Transaction<'_>,
    writes: &[merge::Write<'_>],
    versions: &[(&str, Vec<String>)],
    new_services: &[&crate::model::Service],
    now: chrono::DateTime<Utc>,
    actor: &str,
) -> Result<()> {
    for s in new_services {
        services::write(tx, s, OnConflict::Keep)?;
    }
    // Tombstones first, so a name or secret freed by a deletion can be taken by another.
    let order = writes
        .iter()
        .filter(|w| w.token.status == Status::Deleted)
        .chain(writes.iter().filter(|w| w.token.status != Status::Deleted));
    for w in order {
        tokens::upsert(tx, &w.token)?;
        let detail = Some(w.event_detail.as_str());
        events::append(tx, &w.token.id, now, actor, EventKind::Merged, detail)?;
    }
    for (id, new) in versions {
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        history::add(tx, id, &new)?;
    }
    Ok(())
}

type FileDecryptor<'a> = age::Decryptor<BufReader<age::armor::ArmoredReader<BufReader<&'a [u8]>>>>;

/// Reads the age header, telling a file that is not age at all from one that is damaged.
fn decryptor(file: &[u8]) -> Result<FileDecryptor<'_>> {
    let start = trim_leading_whitespace(file);
    let looks_like_age =
        |magic: &[u8]| start.starts_with(magic) || (!start.is_empty() && magic.starts_with(start));
    if !looks_like_age(AGE_MAGIC) && !looks_like_age(ARMOR_MAGIC) {
        return Err(if file.is_empty() {
            NotAVaultFileError::Empty
        } else {
            NotAVaultFileError::NotAge
        }
        .into());
    }
    // Whitespace before an armored file is allowed (age's testkit: armor_whitespace_outside).
    let armored = age::armor::ArmoredReader::new(start);
    age::Decryptor::new_buffered(BufReader::new(armored)).map_err(|e| decrypt_error(e, start))
}

fn trim_leading_whitespace(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// age's errors, in our words. Anything structural is "damaged", never which byte.
///
/// age answers `UnknownFormat` for any header it cannot parse as version 1, including a version 1
/// header that is merely damaged; only a first line naming another version
/// (`age-encryption.org/v2`, ...) is a newer format.
fn decrypt_error(e: age::DecryptError, file: &[u8]) -> Error {
    match e {
        age::DecryptError::UnknownFormat if names_a_newer_age_version(file) => {
            UnsupportedVersionError::Age.into()
        }
        age::DecryptError::ExcessiveWork { required, .. } => VaultFileError::ExcessiveWork {
            required,
            allowed: MAX_SCRYPT_LOG_N,
        }
        .into(),
        _ => Error::VaultFileDamaged,
    }
}

/// Whether the age header's first line (read through the armor, if any) is
/// `age-encryption.org/vN` or `.../vN.M` for a version other than 1.
fn names_a_newer_age_version(file: &[u8]) -> bool {
    use std::io::BufRead;
    let mut line = Vec::new();
    let mut reader = BufReader::new(age::armor::ArmoredReader::new(file)).take(256);
    if reader.read_until(b'\n', &mut line).is_err() || line.pop() != Some(b'\n') {
        return false;
    }
    let Some(version) = line.strip_prefix(AGE_MAGIC) else {
        return false;
    };
    let Some(number) = version.strip_prefix(b"v") else {
        return false;
    };
    let well_formed = !number.is_empty()
        && number
            .split(|b| *b == b'.')
            .all(|part| !part.is_empty() && part.iter().all(u8::is_ascii_digit));
    well_formed && version != b"v1"
}

fn parse_recipients(keys: &[String]) -> Result<Vec<Box<dyn age::Recipient + Send>>> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Box<dyn age::Recipient + Send>> = Vec::new();
    for key in keys {
        let key = key.trim();
        let recipient = age::x25519::Recipient::from_str(key).map_err(|_| {
            // A secret key pasted by mistake is named as such, never repeated.
            if key
                .get(..15)
                .is_some_and(|p| p.eq_ignore_ascii_case("AGE-SECRET-KEY-"))
            {
                InputError::SecretKeyAsRecipient
            } else {
                InputError::NotARecipient {
                    quoted: crate::validate::quote_input(key),
                }
            }
        })?;
        if seen.insert(recipient.to_string()) {
            out.push(Box::new(recipient));
        }
    }
    if out.is_empty() {
        return Err(InputError::NoRecipients.into());
    }
    Ok(out)
}

fn encrypt(plaintext: &[u8], recipients: Vec<Box<dyn age::Recipient + Send>>) -> Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_recipients(
        recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
    )
    .map_err(|source| InputError::CannotEncrypt { source })?;
    let mut out = Vec::with_capacity(plaintext.len() + 1024);
    let io = |e: std::io::Error| Error::io("could not encrypt the vault file", e);
    let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
    writer.write_all(plaintext).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(out)
}

/// Writes `bytes` to a temporary file beside `path` (mode 0600), syncs it, then renames it over
/// `path`, so a reader never sees half a file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_as(path, bytes, None)
}

/// [`write_atomically`], the new file given `permissions` (those of the file it replaces, say)
/// instead of 0600 before the rename; the directory is synced after it, so the rename survives a
/// crash. The one atomic writer of the core: vault files, calendars, injected templates and
/// rewritten .env files.
pub(crate) fn write_atomically_as(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| InputError::NotAFileName {
        path: path.to_path_buf(),
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        uuid::Uuid::now_v7().simple()
    ));
    let fail = |what: &str, e: std::io::Error| {
        Error::io(format!("could not {what} {}", path.display()), e)
    };
    let result = (|| {
        let mut options = std::fs::File::options();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(|e| fail("write", e))?;
        file.write_all(bytes).map_err(|e| fail("write", e))?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)
                .map_err(|e| fail("set the permissions of", e))?;
        }
        file.sync_all().map_err(|e| fail("write", e))?;
        std::fs::rename(&tmp, path).map_err(|e| fail("replace", e))?;
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(&dir) {
            // Best effort: the file itself is complete and renamed either way.
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
