//! The data Tokenkeeper keeps about tokens, services and their history, and the requests that change it.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// How a token came to be in Tokenkeeper.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Tokenkeeper generated it (for one of the user's own APIs).
    Generated,
    /// The user pasted in a key they were given.
    Imported,
}

/// Where the secret lives.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// The secret is kept in the OS keychain and can be revealed.
    Keychain,
    /// Only the SHA-256 fingerprint is kept; the secret was shown once.
    HashOnly,
}

/// The stored lifecycle status. Expiry is derived, see [`TokenState`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Disabled,
    Deleted,
}

/// What a user sees: the stored status with expiry applied.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    Disabled,
    Expired,
    Deleted,
}

macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The lowercase name stored in SQLite and shown to users.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }
        impl std::str::FromStr for $ty {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                // The stored spelling, without the allocations of the forgiving path below:
                // listing 10,000 tokens parses 30,000 of these.
                match s {
                    $($text => return Ok(Self::$variant),)+
                    _ => {}
                }
                match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                    $($text => Ok(Self::$variant),)+
                    other => Err(crate::error::InputError::NotOneOf {
                        given: other.to_string(),
                        what: stringify!($ty).to_lowercase(),
                        options: &[$($text),+],
                    }
                    .into()),
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(Origin { Generated => "generated", Imported => "imported" });
text_enum!(Storage { Keychain => "keychain", HashOnly => "hash_only" });
text_enum!(Status { Active => "active", Disabled => "disabled", Deleted => "deleted" });
text_enum!(TokenState { Active => "active", Disabled => "disabled", Expired => "expired", Deleted => "deleted" });
text_enum!(EventKind {
    Created => "created",
    Imported => "imported",
    Revealed => "revealed",
    Copied => "copied",
    Used => "used",
    Verified => "verified",
    Edited => "edited",
    Enabled => "enabled",
    Disabled => "disabled",
    Rotated => "rotated",
    Deleted => "deleted",
    Exported => "exported",
    Merged => "merged",
    Reminded => "reminded",
});

impl TokenState {
    /// Derives the visible state from the stored status and the expiry at `now`.
    pub fn derive(status: Status, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match status {
            Status::Deleted => TokenState::Deleted,
            Status::Disabled => TokenState::Disabled,
            Status::Active if expires_at.is_some_and(|e| e <= now) => TokenState::Expired,
            Status::Active => TokenState::Active,
        }
    }
}

/// One token's metadata: everything but the secret. Used by list, show and the UI's table.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    pub id: String,
    pub name: String,
    pub description: String,
    pub service: Option<String>,
    pub origin: Origin,
    pub storage: Storage,
    pub scopes: Vec<String>,
    pub status: Status,
    /// Status with expiry applied, computed when the token was read.
    pub state: TokenState,
    /// SHA-256 hex of the secret.
    pub fingerprint: String,
    /// The secret's prefix and last characters, e.g. `tk_…9fQa`. The only part of the secret shown.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub previous_fingerprint: Option<String>,
    pub previous_valid_until: Option<DateTime<Utc>>,
    /// Set when the keychain was found not to hold this token's secret.
    pub secret_missing: bool,
    /// Fields of a row written by an older version that break today's rules (a time past
    /// 9999-12-31, a control character in the name): the value is shown unset or escaped, and
    /// editing the field (or deleting the token) repairs it. Empty for every healthy row.
    #[serde(default)]
    pub needs_repair: Vec<String>,
}

/// A service tokens belong to, and how its tokens are presented.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    /// Header template with `{token}` in it, e.g. `Authorization: Bearer {token}` or `xc-token: {token}`.
    pub auth_header: String,
    /// Prefix of tokens generated for this service (defaults to `tk`).
    pub token_prefix: Option<String>,
    pub base_url: Option<String>,
    /// How many active tokens the service allows (NocoDB allows one per user).
    pub max_active: Option<u32>,
}

/// One entry in a token's activity history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub token_id: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: EventKind,
    /// Extra context that is never secret, e.g. "grace 24h" or "via tok run".
    pub detail: Option<String>,
}

/// The kinds of [`Event`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    Imported,
    Revealed,
    Copied,
    // The secret was handed to a program through a `tok://` reference or `tok run --env`
    // (the detail says which command).
    Used,
    Verified,
    Edited,
    Enabled,
    Disabled,
    Rotated,
    Deleted,
    Exported,
    Merged,
    /// An expiry reminder was sent as an OS notification (by the app or `tok remind`); the
    /// detail names the threshold and what the notification said.
    Reminded,
}

/// A token with its service and activity, for the details page and `tok show`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenDetails {
    pub token: Token,
    pub service: Option<Service>,
    /// Newest first.
    pub events: Vec<Event>,
}

/// The fields of a new token, generated or added, declared once: the core checks them
/// ([`crate::Vault::precheck_new`]), the window's Generate drawer and Add form send them as JSON
/// (missing `description` and `scopes` are empty), and with the `clap` feature they are the
/// arguments of `tok generate` and `tok add`, each field's doc its help line.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewToken {
    /// Name of the token (1-100 characters, unique, case-insensitive)
    pub name: String,
    /// Service the token belongs to (e.g. GitHub, NocoDB)
    #[cfg_attr(feature = "clap", arg(long, value_name = "SERVICE"))]
    pub service: Option<String>,
    /// Free-text description
    #[serde(default)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "TEXT", default_value = ""))]
    pub description: String,
    /// A scope (repeat the flag, or separate with commas): read, write, billing:read, ...
    #[serde(default)]
    #[cfg_attr(
        feature = "clap",
        arg(long = "scope", value_name = "SCOPE", value_delimiter = ',')
    )]
    pub scopes: Vec<String>,
    /// Expiry: 30d (days from now), 2027-01-31 (end of that day, local time), an RFC 3339 time, or never
    // The full path keeps clap from reading `Option` as "the flag may be left out": the parser
    // maps `never` (the default) to `None`.
    #[cfg_attr(
        feature = "clap",
        arg(
            long = "expires",
            value_name = "WHEN",
            default_value = "never",
            value_parser = crate::expiry::parse_expiry_now
        )
    )]
    pub expires_at: ::std::option::Option<DateTime<Utc>>,
}

/// Input of [`crate::Vault::generate`] (and the arguments of `tok generate`).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GenerateRequest {
    #[serde(flatten)]
    #[cfg_attr(feature = "clap", command(flatten))]
    pub token: NewToken,
    /// Keep a copy of the secret in the OS keychain so `tok get` can print it later
    /// (default: only its SHA-256 is kept and the secret is shown once)
    #[serde(default)]
    #[cfg_attr(feature = "clap", arg(long))]
    pub keep: bool,
}

/// Input of [`crate::Vault::import`]: a key the user already has.
#[derive(Debug)]
pub struct ImportRequest {
    pub token: NewToken,
    pub secret: SecretString,
}

/// A freshly generated or rotated secret: shown to the user once.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: Token,
    pub secret: SecretString,
}

/// Changes made by [`crate::Vault::edit`]. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `Some(None)` removes the service.
    pub service: Option<Option<String>>,
    pub scopes: Option<Vec<String>>,
    /// `Some(None)` makes the token never expire.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// How long the old secret keeps working after a rotation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grace {
    /// The old secret stops working at once.
    #[default]
    None,
    OneHour,
    OneDay,
    SevenDays,
}

impl Grace {
    pub fn duration(self) -> Option<chrono::Duration> {
        match self {
            Grace::None => None,
            Grace::OneHour => Some(chrono::Duration::hours(1)),
            Grace::OneDay => Some(chrono::Duration::hours(24)),
            Grace::SevenDays => Some(chrono::Duration::days(7)),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grace::None => "now",
            Grace::OneHour => "1h",
            Grace::OneDay => "24h",
            Grace::SevenDays => "7d",
        }
    }
}

impl std::str::FromStr for Grace {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "now" | "none" | "0" => Ok(Grace::None),
            "1h" => Ok(Grace::OneHour),
            "24h" | "1d" => Ok(Grace::OneDay),
            "7d" => Ok(Grace::SevenDays),
            other => Err(crate::error::InputError::NotAGrace {
                given: other.to_string(),
            }
            .into()),
        }
    }
}

/// Input of [`crate::Vault::rotate`].
#[derive(Debug, Default)]
pub struct RotateRequest {
    pub grace: Grace,
    /// Required for imported keys (the user pastes the value the service issued);
    /// must be absent for generated tokens, whose new secret Tokenkeeper makes.
    pub new_secret: Option<SecretString>,
}

/// Result of a rotation. `secret` is the new generated secret, shown once (None for imported keys).
#[derive(Debug)]
pub struct Rotated {
    pub token: Token,
    pub secret: Option<SecretString>,
}

/// Why a secret is read from the keychain; recorded as the event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Revealed,
    Copied,
}

/// Answer of [`crate::Vault::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// active, disabled, expired or unknown.
    pub status: VerifyStatus,
    pub token_id: Option<String>,
    pub name: Option<String>,
    pub scopes: Vec<String>,
    /// True when the presented secret is the previous one, still inside its grace period.
    pub via_grace_period: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStatus {
    Active,
    Disabled,
    Expired,
    Unknown,
}

/// Which tokens [`crate::Vault::list`] returns, and in what order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Only tokens in this state. `None` means every state but deleted.
    pub state: Option<TokenState>,
    pub service: Option<String>,
    pub scope: Option<String>,
    /// Substring of the name, description, service, hint or scopes, ASCII letters compared
    /// without case; blanks around it do not count. Three characters or more are found through
    /// a trigram index (store/tokens.rs).
    pub text: Option<String>,
    /// Only active tokens that expire within this many days.
    pub expiring_within_days: Option<u32>,
    /// Only active tokens unused for at least this many days: not revealed, copied or verified
    /// since (a token never used counts from its creation). The summary's `stale` card.
    pub unused_for_days: Option<u32>,
    pub sort: SortKey,
    pub descending: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Name,
    Created,
    LastUsed,
    Expires,
    Status,
    Service,
}

text_enum!(SortKey {
    Name => "name",
    Created => "created",
    LastUsed => "last_used",
    Expires => "expires",
    Status => "status",
    Service => "service",
});

/// Counts for the dashboard's summary strip.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub active: u64,
    pub disabled: u64,
    pub expiring_soon: u64,
    pub expired: u64,
    /// Active tokens unused for the stale-days setting ([`crate::Settings::stale_days`]).
    pub stale: u64,
}

/// Who this install is: for `tok whoami` and Settings.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub display_name: String,
    pub vault_id: String,
    /// The keychain service name secrets are stored under: `tokenkeeper:<vault-id>`.
    pub keychain_service: String,
    pub data_dir: std::path::PathBuf,
    /// This install's age public key (`age1...`) for vault files, once it has been made
    /// ([`crate::Vault::public_key`] makes it).
    pub public_key: Option<String>,
    /// The member key to share with team mates (`tkmember1_...`: the age public key and the
    /// signing key), once made ([`crate::Vault::own_member_key`] makes it).
    pub member_key: Option<String>,
    /// The fingerprint of the signing key, as team mates' import previews show it.
    pub signer_fingerprint: Option<String>,
    /// The signing key in minisign's encoding (`RWQ...`), for `minisign -V -P`.
    pub minisign_public_key: Option<String>,
}

/// One window of the dashboard: the rows at `offset` of the tokens matching a [`ListQuery`],
/// how many match in all, and the summary strip and timeline over the whole store. Its cost
/// depends on the window's size, not on the store's (see [`crate::Vault::dashboard_page`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DashboardPage {
    /// At most the `limit` asked for, in the query's order; empty past the end.
    pub rows: Vec<Token>,
    /// How many tokens match the query.
    pub total: u64,
    /// The position of `rows[0]` among the matching tokens, as asked.
    pub offset: u64,
    pub summary: Summary,
    /// Active tokens expiring in each of the next weeks, week 0 starting now.
    pub timeline: Vec<u64>,
    /// The expiry warning setting the summary's "expiring soon" counts with.
    pub warning_days: u32,
    /// The stale-days setting the summary's `stale` counts with.
    pub stale_days: u32,
    /// Every scope a live (not deleted) token holds, sorted: the choices of the scope filter,
    /// whatever the query.
    pub scopes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the Generate drawer and the Add form send (ui/js/drawer.js): the same object for
    /// both, `keep` included.
    fn page_json(expires_at: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "name": "deploy",
            "description": "CI",
            "service": null,
            "scopes": ["read", "write"],
            "expires_at": expires_at,
            "keep": true,
        })
    }

    #[test]
    fn the_pages_new_token_json_reads_as_a_generate_request_and_as_new_token_fields() {
        let json = page_json("2027-01-31T12:00:00Z".into());
        let req: GenerateRequest = serde_json::from_value(json.clone()).unwrap();
        assert!(req.keep);
        assert_eq!(req.token.name, "deploy");
        assert_eq!(req.token.description, "CI");
        assert_eq!(req.token.service, None);
        assert_eq!(req.token.scopes, ["read", "write"]);
        let at = DateTime::parse_from_rfc3339("2027-01-31T12:00:00Z").unwrap();
        assert_eq!(req.token.expires_at, Some(at.with_timezone(&Utc)));
        // Adding a key takes the same object; its `keep` means nothing there.
        let added: NewToken = serde_json::from_value(json).unwrap();
        assert_eq!(added.name, req.token.name);
        assert_eq!(added.expires_at, req.token.expires_at);
    }

    #[test]
    fn a_new_token_without_description_scopes_expiry_or_keep_takes_the_defaults() {
        let req: GenerateRequest =
            serde_json::from_value(serde_json::json!({ "name": "bare", "service": "GitHub" }))
                .unwrap();
        assert!(!req.keep);
        assert_eq!(req.token.description, "");
        assert!(req.token.scopes.is_empty());
        assert_eq!(req.token.expires_at, None);
        assert_eq!(req.token.service.as_deref(), Some("GitHub"));
        let never: GenerateRequest =
            serde_json::from_value(page_json(serde_json::Value::Null)).unwrap();
        assert_eq!(never.token.expires_at, None);
        assert!(
            serde_json::from_value::<NewToken>(serde_json::json!({})).is_err(),
            "name is required"
        );
    }
}
