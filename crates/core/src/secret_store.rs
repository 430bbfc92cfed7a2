//! The seam between the core and wherever secrets live: the OS keychain, or memory in logic tests.

use std::collections::HashMap;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, KeychainError, Result, SecretMissingError};

/// A place that holds secrets by account name. Every method either does all its work or none.
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) the secret for `account`.
    fn set(&self, account: &str, secret: &SecretString) -> Result<()>;
    /// Reads the secret for `account`; `Ok(None)` when there is none.
    fn get(&self, account: &str) -> Result<Option<SecretString>>;
    /// Removes the secret for `account`; `Ok(false)` when there was none.
    fn delete(&self, account: &str) -> Result<bool>;
    /// Human name of the backend, for messages ("Secret Service", "memory", ...).
    fn backend(&self) -> &'static str;
}

/// The OS keychain through the `keyring` crate: Secret Service on Linux, Keychain on macOS,
/// Credential Manager on Windows. Secrets are filed under service `tokenkeeper:<vault-id>`.
pub struct KeychainStore {
    service: String,
}

impl KeychainStore {
    pub fn new(service: impl Into<String>) -> Self {
        KeychainStore {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(|e| self.map_err(e))
    }

    fn map_err(&self, err: keyring::Error) -> Error {
        match err {
            e @ keyring::Error::PlatformFailure(_) => {
                KeychainError::Unreachable { source: e }.into()
            }
            e @ keyring::Error::NoStorageAccess(_) => KeychainError::Locked { source: e }.into(),
            // The bytes it could not read are the secret: dropped, never kept as a source.
            keyring::Error::BadEncoding(_) => SecretMissingError::NotText.into(),
            e => KeychainError::Refused { source: e }.into(),
        }
    }
}

/// The keychain backend `keyring` uses on this OS.
pub fn backend_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "Secret Service over D-Bus"
    }
}

/// What to do to make the keychain reachable, in this OS's words.
pub(crate) fn start_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "Unlock your login keychain in Keychain Access and try again"
    } else if cfg!(target_os = "windows") {
        "Make sure the Credential Manager service is running and try again"
    } else {
        "Start a Secret Service provider in your session, for example \
         `gnome-keyring-daemon --unlock --components=secrets` (or KeePassXC with Secret Service \
         enabled), make sure DBUS_SESSION_BUS_ADDRESS is set, and try again"
    }
}

impl SecretStore for KeychainStore {
    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.entry(account)?
            .set_password(secret.expose_secret())
            .map_err(|e| self.map_err(e))
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(SecretString::from(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.map_err(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<bool> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.map_err(e)),
        }
    }

    fn backend(&self) -> &'static str {
        backend_name()
    }
}

/// Secrets in a map, for logic tests only. It can be told to fail, to exercise rollbacks.
#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<String, SecretString>>,
    unavailable: std::sync::atomic::AtomicBool,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later call fail as an unreachable keychain would (or work again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable
            .store(unavailable, std::sync::atomic::Ordering::SeqCst);
    }

    /// Accounts currently holding a secret, sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().keys().cloned().collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check(&self) -> Result<()> {
        if self.unavailable.load(std::sync::atomic::Ordering::SeqCst) {
            Err(KeychainError::SwitchedOff {
                store: "the in-memory test keychain",
            }
            .into())
        } else {
            Ok(())
        }
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.check()?;
        self.lock().insert(
            account.to_string(),
            SecretString::from(secret.expose_secret().to_string()),
        );
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        self.check()?;
        Ok(self
            .lock()
            .get(account)
            .map(|s| SecretString::from(s.expose_secret().to_string())))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        self.check()?;
        Ok(self.lock().remove(account).is_some())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        (**self).set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        (**self).get(account)
    }
    fn delete(&self, account: &str) -> Result<bool> {
        (**self).delete(account)
    }
    fn backend(&self) -> &'static str {
        (**self).backend()
    }
}
