//! Tokenkeeper's token format: `<prefix>_<32 base62 random><6 base62 CRC32>` (docs/token-format.md).
//! STUB: replaced by the token-format helper.

use secrecy::SecretString;

/// Prefix used when a token's service sets none.
pub const DEFAULT_PREFIX: &str = "tk";

/// Why a string is not a well-formed Tokenkeeper token. Never includes the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenFormatError {
    #[error("stub")]
    Stub,
}

/// The parts of a well-formed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParts<'a> {
    pub prefix: &'a str,
}

/// Checks that `prefix` may start a token: 1-16 chars, lowercase ASCII letter first, then lowercase letters or digits.
pub fn validate_prefix(_prefix: &str) -> Result<(), TokenFormatError> {
    todo!()
}

/// Makes a new token with `prefix` from the OS CSPRNG.
pub fn generate(_prefix: &str) -> Result<SecretString, TokenFormatError> {
    todo!()
}

/// Checks a presented token offline: shape, alphabet and checksum.
pub fn check(_token: &str) -> Result<TokenParts<'_>, TokenFormatError> {
    todo!()
}
