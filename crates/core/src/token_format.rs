//! Tokenkeeper's token format, so that a token can be recognised and typo-checked offline —
//! by us and by secret scanners — before anyone looks it up (specification: docs/token-format.md).
//!
//! A token is `<prefix>_<32 base62 random characters><6 base62 characters of CRC-32>`:
//!
//! * the prefix (`tk` by default, or a service's own) is 1–16 characters: a lowercase ASCII
//!   letter, then lowercase ASCII letters or digits, so the single `_` is the only separator;
//! * the 32 random characters come uniformly from the OS CSPRNG (about 190 bits);
//! * the checksum is the CRC-32 (IEEE) of every byte before it, as 6 base62 digits.
//!
//! The checksum only catches accidents (typos, truncation, transpositions). It is not a MAC:
//! anyone can build a string that passes [`check`]. Whether a token is *ours* is decided by
//! comparing its SHA-256 fingerprint with the stored ones, never here.

use rand::rngs::OsRng;
use rand::TryRngCore;
use secrecy::SecretString;
use zeroize::Zeroizing;

/// Prefix used when a token's service sets none.
pub const DEFAULT_PREFIX: &str = "tk";

/// The base62 digits, in value order: `0-9` are 0–9, `A-Z` are 10–35, `a-z` are 36–61.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Longest allowed prefix, in characters.
const MAX_PREFIX_LEN: usize = 16;
/// Random base62 characters after the `_`.
const RANDOM_LEN: usize = 32;
/// Base62 characters of the checksum at the end.
const CHECKSUM_LEN: usize = 6;
/// Everything after the `_`: the random part and the checksum.
const BODY_LEN: usize = RANDOM_LEN + CHECKSUM_LEN;
/// Random bytes at or above this are discarded, so that `byte % 62` is uniform (248 = 4 * 62).
const REJECT_FROM: u8 = 248;

/// Why a string is not a well-formed Tokenkeeper token, or not a usable prefix.
///
/// No variant carries the token or any of its characters: these messages end up in logs,
/// dialogs and `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenFormatError {
    /// The presented token is the empty string.
    #[error(
        "the token is empty: paste the whole token, from its prefix (such as `tk`) through the `_` to the end"
    )]
    Empty,
    /// The token has no `_` between prefix and body.
    #[error(
        "the token has no `_`: a Tokenkeeper token looks like `<prefix>_<38 letters and digits>`; copy the whole token, including the prefix before the `_`"
    )]
    MissingSeparator,
    /// The token has more than one `_`; a well-formed token has exactly one.
    #[error(
        "the token contains more than one `_`, but a Tokenkeeper token has exactly one, right after its prefix: check that a single token was pasted and nothing was added to it"
    )]
    TooManySeparators,
    /// The prefix (the part before `_`) is empty.
    #[error(
        "the prefix (the part before `_`) is empty: it must be 1 to 16 lowercase letters or digits starting with a letter, such as `tk`; if this is a token, copy it again including its prefix"
    )]
    EmptyPrefix,
    /// The prefix is longer than 16 characters.
    #[error(
        "the prefix (the part before `_`) is {len} characters long, but at most 16 are allowed: use a shorter prefix of lowercase letters and digits"
    )]
    PrefixTooLong {
        /// Length of the rejected prefix, in characters.
        len: usize,
    },
    /// The prefix contains an uppercase ASCII letter; prefixes are lowercase only.
    #[error(
        "the prefix (the part before `_`) contains uppercase letters, but prefixes are lowercase only: use lowercase letters; if this is a token, it was changed after it was issued, so copy it again"
    )]
    UppercasePrefix,
    /// The prefix does not start with a lowercase ASCII letter (`a`–`z`).
    #[error(
        "the prefix (the part before `_`) must start with a lowercase letter a-z: start it with a letter instead of a digit or symbol"
    )]
    PrefixStartsWithNonLetter,
    /// The prefix contains a character other than `a`–`z` and `0`–`9`.
    #[error(
        "the prefix (the part before `_`) may contain only lowercase letters a-z and digits 0-9: remove any other characters, such as `-`, `.`, spaces or accented letters"
    )]
    PrefixInvalidChar,
    /// The part after `_` is not exactly 38 characters (32 random + 6 checksum).
    #[error(
        "the part after `_` is {len} characters long, but must be exactly 38: the token was cut off or has extra characters; copy it again in full"
    )]
    WrongLength {
        /// Length of the part after `_`, in characters.
        len: usize,
    },
    /// The part after `_` contains a character outside `0-9`, `A-Z`, `a-z`.
    #[error(
        "the part after `_` contains a character that is not a letter A-Z, a-z or a digit 0-9: remove spaces, line breaks or punctuation, or copy the token again"
    )]
    InvalidChar,
    /// The last 6 characters are not the CRC-32 of the rest: the token was mistyped or altered.
    #[error(
        "the token's checksum does not match: at least one character was mistyped or changed; copy the token again instead of typing it"
    )]
    ChecksumMismatch,
    /// The operating system's random number generator failed while generating a token.
    #[error(
        "the operating system's secure random number generator failed, so no token was made: try again, and if it keeps failing check the system's entropy source"
    )]
    RandomnessUnavailable,
}

/// The parts of a well-formed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParts<'a> {
    /// The prefix: everything before the `_`.
    pub prefix: &'a str,
}

/// Checks that `prefix` may start a token: 1-16 chars, lowercase ASCII letter first, then
/// lowercase letters or digits.
///
/// # Errors
///
/// The first rule broken, in this order: [`EmptyPrefix`](TokenFormatError::EmptyPrefix),
/// [`PrefixTooLong`](TokenFormatError::PrefixTooLong) (over 16 characters),
/// [`UppercasePrefix`](TokenFormatError::UppercasePrefix) (any `A`–`Z`),
/// [`PrefixStartsWithNonLetter`](TokenFormatError::PrefixStartsWithNonLetter) (first not `a`–`z`),
/// [`PrefixInvalidChar`](TokenFormatError::PrefixInvalidChar) (any other than `a`–`z`, `0`–`9`).
pub fn validate_prefix(prefix: &str) -> Result<(), TokenFormatError> {
    let first = prefix.bytes().next().ok_or(TokenFormatError::EmptyPrefix)?;
    // Only count characters when the byte length could exceed the limit (non-ASCII input).
    if prefix.len() > MAX_PREFIX_LEN {
        let len = prefix.chars().count();
        if len > MAX_PREFIX_LEN {
            return Err(TokenFormatError::PrefixTooLong { len });
        }
    }
    if prefix.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(TokenFormatError::UppercasePrefix);
    }
    if !first.is_ascii_lowercase() {
        return Err(TokenFormatError::PrefixStartsWithNonLetter);
    }
    if !prefix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(TokenFormatError::PrefixInvalidChar);
    }
    Ok(())
}

/// Makes a new token with `prefix` from the OS CSPRNG.
///
/// The 32 random characters are uniform over the 62 base62 digits (rejection sampling of OS
/// random bytes), then the CRC-32 checksum is appended. Intermediate buffers are zeroed.
///
/// # Errors
///
/// Any error of [`validate_prefix`], checked first;
/// [`RandomnessUnavailable`](TokenFormatError::RandomnessUnavailable) if the OS random
/// number generator fails.
pub fn generate(prefix: &str) -> Result<SecretString, TokenFormatError> {
    validate_prefix(prefix)?;
    // Exact capacity, so the buffer never reallocates and leaves no copy behind.
    let mut token = Zeroizing::new(String::with_capacity(prefix.len() + 1 + BODY_LEN));
    token.push_str(prefix);
    token.push('_');
    let mut pool = Zeroizing::new([0u8; 64]);
    let mut added = 0;
    while added < RANDOM_LEN {
        OsRng
            .try_fill_bytes(pool.as_mut_slice())
            .map_err(|_| TokenFormatError::RandomnessUnavailable)?;
        for &b in pool.iter().filter(|&&b| b < REJECT_FROM) {
            if added == RANDOM_LEN {
                break;
            }
            token.push(char::from(ALPHABET[usize::from(b % 62)]));
            added += 1;
        }
    }
    let checksum = encode_checksum(crc32fast::hash(token.as_bytes()));
    token.extend(checksum.iter().map(|&b| char::from(b)));
    Ok(SecretString::from(std::mem::take(&mut *token)))
}

/// Checks a presented token offline: shape, alphabet and checksum.
///
/// Passing says only that the string is well formed, not that Tokenkeeper issued it.
/// Never panics, whatever the input; the input is not trimmed.
///
/// # Errors
///
/// The first rule broken, in this order: [`Empty`](TokenFormatError::Empty);
/// [`MissingSeparator`](TokenFormatError::MissingSeparator) (no `_`);
/// [`TooManySeparators`](TokenFormatError::TooManySeparators) (more than one `_`);
/// any error of [`validate_prefix`] for the part before `_`;
/// [`WrongLength`](TokenFormatError::WrongLength) (the part after `_` is not 38 characters);
/// [`InvalidChar`](TokenFormatError::InvalidChar) (a character outside `0-9A-Za-z`);
/// [`ChecksumMismatch`](TokenFormatError::ChecksumMismatch).
pub fn check(token: &str) -> Result<TokenParts<'_>, TokenFormatError> {
    if token.is_empty() {
        return Err(TokenFormatError::Empty);
    }
    let (prefix, body) = token
        .split_once('_')
        .ok_or(TokenFormatError::MissingSeparator)?;
    if body.contains('_') {
        return Err(TokenFormatError::TooManySeparators);
    }
    validate_prefix(prefix)?;
    // Fast path: 38 bytes, all base62, so the body is ASCII and the byte offsets below are
    // char boundaries. Otherwise the length is judged in characters, then the alphabet.
    if body.len() != BODY_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let len = body.chars().count();
        if len != BODY_LEN {
            return Err(TokenFormatError::WrongLength { len });
        }
        return Err(TokenFormatError::InvalidChar);
    }
    let checked_len = prefix.len() + 1 + RANDOM_LEN;
    let expected = encode_checksum(crc32fast::hash(&token.as_bytes()[..checked_len]));
    if token.as_bytes()[checked_len..] != expected {
        return Err(TokenFormatError::ChecksumMismatch);
    }
    Ok(TokenParts { prefix })
}

/// `crc` as exactly 6 base62 digits, most significant first, zero-padded with `0`
/// (62^6 > 2^32, so every CRC-32 fits).
fn encode_checksum(mut crc: u32) -> [u8; CHECKSUM_LEN] {
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(crc % 62) as usize];
        crc /= 62;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    /// Builds a token from a prefix and a 32-char random part, with the right checksum.
    fn with_checksum(prefix: &str, random: &str) -> String {
        let head = format!("{prefix}_{random}");
        let sum = encode_checksum(crc32fast::hash(head.as_bytes()));
        format!("{head}{}", std::str::from_utf8(&sum).unwrap())
    }

    #[test]
    fn alphabet_is_base62_in_value_order() {
        assert_eq!(ALPHABET[0], b'0');
        assert_eq!(ALPHABET[10], b'A');
        assert_eq!(ALPHABET[36], b'a');
        assert_eq!(ALPHABET[61], b'z');
        assert!(ALPHABET.iter().all(u8::is_ascii_alphanumeric));
        // Strictly increasing bytes: no duplicates, and the order of the spec.
        assert!(ALPHABET.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn checksum_encoding_is_six_padded_base62_digits() {
        assert_eq!(&encode_checksum(0), b"000000");
        assert_eq!(&encode_checksum(61), b"00000z");
        assert_eq!(&encode_checksum(62), b"000010");
        assert_eq!(&encode_checksum(u32::MAX), b"4gfFC3");
        // CRC-32 of "123456789" is the standard check value 0xCBF43926 = 3421780262.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(&encode_checksum(0xCBF4_3926), b"3jZRME");
    }

    #[test]
    fn prefix_rules() {
        assert_eq!(validate_prefix("tk"), Ok(()));
        assert_eq!(validate_prefix("a"), Ok(()));
        assert_eq!(validate_prefix("abcdefghijklmno9"), Ok(()));
        assert_eq!(validate_prefix(""), Err(TokenFormatError::EmptyPrefix));
        assert_eq!(
            validate_prefix("abcdefghijklmnopq"),
            Err(TokenFormatError::PrefixTooLong { len: 17 })
        );
        assert_eq!(
            validate_prefix("Tk"),
            Err(TokenFormatError::UppercasePrefix)
        );
        assert_eq!(
            validate_prefix("tK"),
            Err(TokenFormatError::UppercasePrefix)
        );
        assert_eq!(
            validate_prefix("9tk"),
            Err(TokenFormatError::PrefixStartsWithNonLetter)
        );
        assert_eq!(
            validate_prefix("-tk"),
            Err(TokenFormatError::PrefixStartsWithNonLetter)
        );
        assert_eq!(
            validate_prefix("t_k"),
            Err(TokenFormatError::PrefixInvalidChar)
        );
        assert_eq!(
            validate_prefix("t-k"),
            Err(TokenFormatError::PrefixInvalidChar)
        );
        assert_eq!(
            validate_prefix("tk "),
            Err(TokenFormatError::PrefixInvalidChar)
        );
        // Non-ASCII: counted in characters, never sliced.
        assert_eq!(
            validate_prefix("té"),
            Err(TokenFormatError::PrefixInvalidChar)
        );
        assert_eq!(
            validate_prefix("éééééééééé"),
            Err(TokenFormatError::PrefixStartsWithNonLetter)
        );
        assert_eq!(
            validate_prefix(&"é".repeat(17)),
            Err(TokenFormatError::PrefixTooLong { len: 17 })
        );
    }

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        for prefix in [DEFAULT_PREFIX, "a", "acme2", "abcdefghijklmnop"] {
            let token = generate(prefix).unwrap();
            let token = token.expose_secret();
            assert_eq!(token.len(), prefix.len() + 1 + 38);
            let (p, body) = token.split_once('_').unwrap();
            assert_eq!(p, prefix);
            assert!(body.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(check(token), Ok(TokenParts { prefix }));
        }
    }

    #[test]
    fn generate_rejects_bad_prefixes() {
        assert_eq!(generate("").unwrap_err(), TokenFormatError::EmptyPrefix);
        assert_eq!(
            generate("TK").unwrap_err(),
            TokenFormatError::UppercasePrefix
        );
        assert_eq!(
            generate("t_k").unwrap_err(),
            TokenFormatError::PrefixInvalidChar
        );
    }

    #[test]
    fn random_part_uses_the_whole_alphabet() {
        let mut seen = [false; 128];
        for _ in 0..200 {
            let token = generate("tk").unwrap();
            for b in token.expose_secret()[3..35].bytes() {
                seen[usize::from(b)] = true;
            }
        }
        assert!(ALPHABET.iter().all(|&b| seen[usize::from(b)]));
    }

    #[test]
    fn check_reports_each_failure() {
        let good = with_checksum("tk", "0123456789ABCDEFGHIJKLMNOPQRSTUV");
        assert_eq!(check(&good), Ok(TokenParts { prefix: "tk" }));
        let body = &good[3..];
        assert_eq!(check(""), Err(TokenFormatError::Empty));
        assert_eq!(check(body), Err(TokenFormatError::MissingSeparator));
        assert_eq!(
            check(&format!("tk__{body}")),
            Err(TokenFormatError::TooManySeparators)
        );
        assert_eq!(
            check(&format!("_{body}")),
            Err(TokenFormatError::EmptyPrefix)
        );
        assert_eq!(
            check(&format!("TK_{body}")),
            Err(TokenFormatError::UppercasePrefix)
        );
        assert_eq!(
            check(&good[..good.len() - 1]),
            Err(TokenFormatError::WrongLength { len: 37 })
        );
        assert_eq!(
            check(&format!("{good}0")),
            Err(TokenFormatError::WrongLength { len: 39 })
        );
        let mut spaced = good.clone();
        spaced.replace_range(10..11, " ");
        assert_eq!(check(&spaced), Err(TokenFormatError::InvalidChar));
        let mut typo = good.clone();
        typo.replace_range(10..11, if &good[10..11] == "x" { "y" } else { "x" });
        assert_eq!(check(&typo), Err(TokenFormatError::ChecksumMismatch));
    }

    #[test]
    fn check_counts_non_ascii_in_characters_and_never_panics() {
        // 38 bytes but 37 characters.
        let body = format!("é{}", "a".repeat(36));
        assert_eq!(
            check(&format!("tk_{body}")),
            Err(TokenFormatError::WrongLength { len: 37 })
        );
        // 38 characters, one of them non-ASCII.
        let body = format!("é{}", "a".repeat(37));
        assert_eq!(
            check(&format!("tk_{body}")),
            Err(TokenFormatError::InvalidChar)
        );
        for odd in [
            "_",
            "__",
            "tk_",
            "\u{0}",
            "tk_\u{1F600}",
            "\u{1F600}_x",
            "ß_ß",
        ] {
            assert!(check(odd).is_err(), "{odd:?}");
        }
        let huge = format!("tk_{}", "a".repeat(1 << 20));
        assert_eq!(
            check(&huge),
            Err(TokenFormatError::WrongLength { len: 1 << 20 })
        );
    }

    #[test]
    fn messages_never_contain_the_token() {
        let good = with_checksum("zq", "wvWVwvWVwvWVwvWVwvWVwvWVwvWVwvWV");
        let mut typo = good.clone();
        typo.replace_range(5..6, "Q");
        let err = check(&typo).unwrap_err();
        assert_eq!(err, TokenFormatError::ChecksumMismatch);
        let message = err.to_string();
        assert!(!message.contains("zq") && !message.contains("wvW"));
        for err in [
            check("").unwrap_err(),
            check("QQQQ").unwrap_err(),
            check("zq_QQ").unwrap_err(),
            check("QQ_Q").unwrap_err(),
            check("zq_\u{1F600}").unwrap_err(),
            TokenFormatError::RandomnessUnavailable,
        ] {
            assert!(!err.to_string().contains("QQ"));
            assert!(!err.to_string().contains('\u{1F600}'));
        }
    }
}
