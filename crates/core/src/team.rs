//! Members and signatures (docs/vault-format.md, "Trust"): this install's Ed25519 signing key,
//! its member key, the team members whose vault files it trusts, and trusting the signer of a
//! file being imported.
//!
//! The signing key lives in the keychain beside the age identity (account `signing-key`), made
//! on first use under the write lock exactly like the identity; its public half is cached in
//! `meta` so `whoami` answers without the keychain.

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{
    DuplicateError, Error, InputError, NotFoundError, Result, SecretMissingError, StorageError,
    VaultFileError,
};
use crate::member_key::MemberKey;
use crate::store::{self, members, meta};
use crate::validate;
use crate::vault::Vault;
use crate::vault_file::MergePlan;

/// Keychain account of this install's Ed25519 signing key (its 32-byte seed as hex).
pub const SIGNING_ACCOUNT: &str = "signing-key";
/// Meta key caching this install's member key (public), for `whoami` without the keychain.
const MEMBER_KEY_META: &str = "member_key";

/// A team member: someone whose vault files this install trusts and to whom
/// `tok export --team` encrypts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub name: String,
    /// The whole member key (`tkmember1_...`), as shared.
    pub member_key: String,
    /// The age recipient (`age1...`) exports to the team are encrypted to.
    pub age_recipient: String,
    /// The signer fingerprint of their signing key, as import previews show it.
    pub fingerprint: String,
    /// Their signing key in minisign's encoding (`RWQ...`), for `minisign -V -P`.
    pub minisign_public_key: String,
    pub added_at: DateTime<Utc>,
    /// The display name of whoever added them here.
    pub added_by: String,
}

/// Who signed a vault file being imported, and whether this install trusts them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// Fingerprint of the signing key: what a person compares and types (`--trust-signer`).
    pub fingerprint: String,
    /// The name the file's signer gave; a claim until the key is trusted.
    pub claimed_name: String,
    /// The signer's member key, as the file carries it.
    pub member_key: String,
    /// The member's name here, when the key belongs to a team member.
    pub member: Option<String>,
    /// Signed by this install's own key.
    pub is_self: bool,
    /// A member's or this install's key: the file can be applied. Otherwise the key must be
    /// trusted first ([`Vault::trust_signer`]).
    pub trusted: bool,
    /// When it was signed, as the signer says (signed along with the file).
    pub signed_at: DateTime<Utc>,
    /// One line for the preview, e.g. "signed by an unknown key ..., claims to be Ana".
    pub description: String,
}

impl Signer {
    fn describe(&mut self) {
        self.description = if self.is_self {
            format!("signed by this install's own key {}", self.fingerprint)
        } else if let Some(member) = &self.member {
            if member == &self.claimed_name {
                format!("signed by team member {member} ({})", self.fingerprint)
            } else {
                format!(
                    "signed by team member {member} ({}), who calls themselves {}",
                    self.fingerprint, self.claimed_name
                )
            }
        } else {
            format!(
                "signed by an unknown key {}, claims to be {}",
                self.fingerprint, self.claimed_name
            )
        };
    }
}

fn to_member(row: members::MemberRow) -> Result<Member> {
    let age = row
        .age_recipient
        .parse::<age::x25519::Recipient>()
        .map_err(|_| damaged(&row.name, "age"))?;
    let signing = ed25519_dalek::VerifyingKey::from_bytes(&row.signing_key)
        .map_err(|_| damaged(&row.name, "signing"))?;
    let key = MemberKey::new(&age, signing);
    Ok(Member {
        name: row.name,
        member_key: key.to_string(),
        age_recipient: row.age_recipient,
        fingerprint: key.fingerprint(),
        minisign_public_key: key.minisign_public_key(),
        added_at: row.added_at,
        added_by: row.added_by,
    })
}

/// A stored member whose `part` key ("age", "signing") does not read.
fn damaged(name: &str, part: &'static str) -> StorageError {
    StorageError::DamagedMemberKey {
        name: name.to_string(),
        part,
    }
}

/// A member name: the rules of token names (1-100 characters of plain text).
fn member_name(raw: &str) -> Result<String> {
    validate::name(raw).map_err(|e| InputError::MemberName(Box::new(e)).into())
}

impl Vault {
    /// The signing key kept in the keychain, if this install has made one.
    fn stored_signing_key(&self) -> Result<Option<SigningKey>> {
        let Some(stored) = self.secrets.get(SIGNING_ACCOUNT)? else {
            return Ok(None);
        };
        parse_seed(&stored).map(Some).ok_or_else(|| {
            SecretMissingError::BadSigningKey {
                service: self.identity().keychain_service,
            }
            .into()
        })
    }

    /// This install's signing key, made and stored in the keychain on first use (under the
    /// write lock, only when the keychain really has none).
    pub(crate) fn signing_key(&self) -> Result<SigningKey> {
        if let Some(key) = self.stored_signing_key()? {
            return Ok(key);
        }
        let _lock = self.write_lock()?;
        // Another process may have made it while we waited for the lock.
        if let Some(key) = self.stored_signing_key()? {
            return Ok(key);
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut seed[..])
            .map_err(|source| StorageError::RandomForSigningKey { source })?;
        let hex: Zeroizing<String> =
            Zeroizing::new(seed.iter().map(|b| format!("{b:02x}")).collect());
        self.secrets
            .set(SIGNING_ACCOUNT, &SecretString::from(hex.to_string()))?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// This install's member key: its age public key and signing public key in one string to
    /// share (`tkmember1_...`). Both keys are made in the keychain on first use.
    pub fn own_member_key(&mut self) -> Result<MemberKey> {
        let age: age::x25519::Recipient = self
            .public_key()?
            .parse()
            .expect("our own public key parses");
        let key = MemberKey::new(&age, self.signing_key()?.verifying_key());
        let text = key.to_string();
        if meta::get(&self.conn, MEMBER_KEY_META)?.as_deref() != Some(text.as_str()) {
            let tx = store::write_tx(&self.conn)?;
            meta::set(&tx, MEMBER_KEY_META, &text)?;
            tx.commit()?;
        }
        Ok(key)
    }

    /// The member key as last seen, without touching the keychain (None before first use).
    pub fn cached_member_key(&self) -> Option<MemberKey> {
        meta::get(&self.conn, MEMBER_KEY_META)
            .ok()
            .flatten()
            .and_then(|k| k.parse().ok())
    }

    /// Every team member, by name.
    pub fn team_list(&self) -> Result<Vec<Member>> {
        members::all(&self.conn)?
            .into_iter()
            .map(to_member)
            .collect()
    }

    /// Adds a team member: their files are trusted on import, and `export --team` encrypts to
    /// them. The name is unique without case, and so is the key; this install's own key is
    /// refused (it is always included).
    pub fn team_add(&mut self, name: &str, member_key: &str) -> Result<Member> {
        let name = member_name(name)?;
        let key: MemberKey = member_key.parse()?;
        self.add_member(&name, &key)
    }

    fn add_member(&mut self, name: &str, key: &MemberKey) -> Result<Member> {
        let own = self.stored_signing_key()?.map(|k| k.verifying_key());
        let own_age = self.cached_public_key();
        if own.is_some_and(|k| k.to_bytes() == key.signing_key_bytes())
            || own_age.as_deref() == Some(key.age_recipient())
        {
            return Err(InputError::OwnMemberKey.into());
        }
        let _lock = self.write_lock()?;
        let tx = store::write_tx(&self.conn)?;
        if let Some(m) = members::by_name(&tx, name)? {
            return Err(DuplicateError::MemberName { other: m.name }.into());
        }
        if let Some(m) = members::by_signing_key(&tx, &key.signing_key_bytes())? {
            return Err(DuplicateError::MemberKey { other: m.name }.into());
        }
        let row = members::MemberRow {
            name: name.to_string(),
            age_recipient: key.age_recipient().to_string(),
            signing_key: key.signing_key_bytes(),
            // Stored with microseconds; what is returned is what a list reads back.
            added_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
            added_by: self.actor(),
        };
        members::insert(&tx, &row)?;
        tx.commit()?;
        to_member(row)
    }

    /// Removes a team member by name (without case). Their files are no longer trusted, and
    /// team exports no longer encrypt to them.
    pub fn team_remove(&mut self, name: &str) -> Result<Member> {
        let _lock = self.write_lock()?;
        let tx = store::write_tx(&self.conn)?;
        let Some(row) = members::by_name(&tx, name)? else {
            return Err(NotFoundError::Member {
                name: name.trim().to_string(),
            }
            .into());
        };
        members::remove(&tx, &row.name)?;
        tx.commit()?;
        to_member(row)
    }

    /// Who signed a verified file, as this install sees them.
    pub(crate) fn describe_signer(
        &self,
        key: &MemberKey,
        claimed_name: &str,
        signed_at: DateTime<Utc>,
    ) -> Result<Signer> {
        if validate::display_name(claimed_name).ok().as_deref() != Some(claimed_name) {
            return Err(VaultFileError::SignerName.into());
        }
        let is_self = self.is_own_signing_key(key)?;
        let member = members::by_signing_key(&self.conn, &key.signing_key_bytes())?;
        let mut signer = Signer {
            fingerprint: key.fingerprint(),
            claimed_name: claimed_name.to_string(),
            member_key: key.to_string(),
            trusted: is_self || member.is_some(),
            member: member.map(|m| m.name),
            is_self,
            signed_at,
            description: String::new(),
        };
        signer.describe();
        Ok(signer)
    }

    fn is_own_signing_key(&self, key: &MemberKey) -> Result<bool> {
        // The public half cached in SQLite answers without a keychain call (whoever can write
        // that file can add members anyway); the keychain is asked only before it is cached.
        if let Some(own) = self.cached_member_key() {
            return Ok(own.signing_key_bytes() == key.signing_key_bytes());
        }
        Ok(self
            .stored_signing_key()?
            .is_some_and(|k| k.verifying_key().to_bytes() == key.signing_key_bytes()))
    }

    /// Refuses a plan whose signer is neither this install nor a member (checked again at
    /// apply, against the members as they are now).
    pub(crate) fn check_signer_trusted(&self, key: &MemberKey, claimed_name: &str) -> Result<()> {
        if members::by_signing_key(&self.conn, &key.signing_key_bytes())?.is_some()
            || self.is_own_signing_key(key)?
        {
            return Ok(());
        }
        Err(Error::UntrustedSigner {
            fingerprint: key.fingerprint(),
            claimed_name: claimed_name.to_string(),
        })
    }

    /// Trusts the key that signed a previewed file: adds the signer as a team member under the
    /// name they claim, or under `name`. Afterwards the plan can be applied. A signer that is
    /// already trusted is left as it is.
    pub fn trust_signer(&mut self, plan: &mut MergePlan, name: Option<&str>) -> Result<()> {
        let signer = &plan.signer;
        if self
            .check_signer_trusted(&plan.signer_key, &signer.claimed_name)
            .is_ok()
        {
            plan.signer.trusted = true;
            return Ok(());
        }
        let name = member_name(name.unwrap_or(&signer.claimed_name))?;
        let key = plan.signer_key.clone();
        let member = self.add_member(&name, &key)?;
        plan.signer.member = Some(member.name);
        plan.signer.trusted = true;
        plan.signer.describe();
        Ok(())
    }

    /// The age recipients of every member, for `export --team`.
    pub(crate) fn team_recipients(&self) -> Result<Vec<String>> {
        Ok(members::all(&self.conn)?
            .into_iter()
            .map(|m| m.age_recipient)
            .collect())
    }
}

fn parse_seed(stored: &SecretString) -> Option<SigningKey> {
    let hex = stored.expose_secret().trim();
    if hex.len() != 64 {
        return None;
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(SigningKey::from_bytes(&seed))
}
