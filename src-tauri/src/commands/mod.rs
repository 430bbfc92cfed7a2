//! The IPC surface of the window: one thin command per user action, each a call into the core.
//!
//! Every command here is listed once, in `command_list.rs`, which registers and grants it.
//! Secrets cross IPC only in the reveal and show-once paths ([`ShownSecret`]); copies are written
//! to the clipboard on this side, so the copied value never reaches the page.

pub mod calendar;
pub mod chooser;
pub mod intake;
pub mod scan;
pub mod secrets;
pub mod settings;
pub mod team;
pub mod tokens;
pub mod vault_file;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret sent to the page on purpose (reveal, show-once). Serializes as the plain string.
pub struct ShownSecret(pub SecretString);

impl Serialize for ShownSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}

/// A secret the page sends (a pasted key, a token to copy), wrapped the moment it arrives.
pub struct SecretInput(pub SecretString);

impl<'de> Deserialize<'de> for SecretInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| SecretInput(SecretString::from(s)))
    }
}
