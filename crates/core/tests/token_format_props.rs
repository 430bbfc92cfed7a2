//! Property tests of the token parser: whatever a user pastes, `check` never panics and gives the
//! same verdict as an independent model written from docs/token-format.md; every generated token
//! passes, and a single typo or swap never does. The case count is bounded so CI time is too
//! (`PROPTEST_CASES` raises it for a longer local run).

use proptest::prelude::*;
use tokenkeeper_core::token_format::{check, generate, TokenFormatError, TokenParts};
use tokenkeeper_core::ExposeSecret;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The spec, read rule by rule and in its order, with character counts and u64 arithmetic.
fn model(token: &str) -> Result<String, TokenFormatError> {
    use TokenFormatError::*;
    if token.is_empty() {
        return Err(Empty);
    }
    let parts: Vec<&str> = token.split('_').collect();
    match parts.len() {
        1 => return Err(MissingSeparator),
        2 => {}
        _ => return Err(TooManySeparators),
    }
    let (prefix, body) = (parts[0], parts[1]);
    let prefix_chars: Vec<char> = prefix.chars().collect();
    if prefix_chars.is_empty() {
        return Err(EmptyPrefix);
    }
    if prefix_chars.len() > 16 {
        return Err(PrefixTooLong {
            len: prefix_chars.len(),
        });
    }
    if prefix_chars.iter().any(char::is_ascii_uppercase) {
        return Err(UppercasePrefix);
    }
    if !prefix_chars[0].is_ascii_lowercase() {
        return Err(PrefixStartsWithNonLetter);
    }
    if !prefix_chars
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(PrefixInvalidChar);
    }
    let body_chars: Vec<char> = body.chars().collect();
    if body_chars.len() != 38 {
        return Err(WrongLength {
            len: body_chars.len(),
        });
    }
    if !body_chars.iter().all(char::is_ascii_alphanumeric) {
        return Err(InvalidChar);
    }
    let head = &token[..prefix.len() + 1 + 32];
    if checksum_of(head) != token[head.len()..] {
        return Err(ChecksumMismatch);
    }
    Ok(prefix.to_string())
}

/// CRC-32 (IEEE) of `head` as 6 base62 digits, most significant first.
fn checksum_of(head: &str) -> String {
    let mut crc = u64::from(crc32fast::hash(head.as_bytes()));
    let mut digits = Vec::new();
    for _ in 0..6 {
        digits.push(ALPHABET[(crc % 62) as usize]);
        crc /= 62;
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

/// Strings that look like tokens and fail in every way a paste can: odd prefixes, short or long
/// bodies, stray characters, a right or wrong checksum.
fn near_tokens() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        3 => "[a-z][a-z0-9]{0,15}",
        1 => "[a-zA-Z0-9é\\- ]{0,18}",
    ];
    let random = prop_oneof![
        4 => "[0-9A-Za-z]{32}",
        1 => "[0-9A-Za-z_ é\\-\n]{30,34}",
    ];
    (prefix, random, 0..4u8, "[0-9A-Za-z]{0,8}").prop_map(|(prefix, random, tail, junk)| {
        let head = format!("{prefix}_{random}");
        match tail {
            0 | 1 => {
                let sum = checksum_of(&head);
                format!("{head}{sum}")
            }
            2 => format!("{head}{}", &junk[..junk.len().min(6)]),
            _ => format!("{head}{junk}"),
        }
    })
}

fn valid_prefix() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,15}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn any_string_gets_the_models_verdict(s in any::<String>()) {
        let got = check(&s).map(|p| p.prefix.to_string());
        prop_assert_eq!(got, model(&s));
    }

    #[test]
    fn near_misses_get_the_models_verdict(s in near_tokens()) {
        let got = check(&s).map(|p| p.prefix.to_string());
        prop_assert_eq!(got, model(&s));
    }

    #[test]
    fn generated_tokens_always_pass(prefix in valid_prefix()) {
        let token = generate(&prefix).unwrap();
        let token = token.expose_secret();
        prop_assert_eq!(token.len(), prefix.len() + 1 + 38);
        prop_assert_eq!(check(token), Ok(TokenParts { prefix: &prefix }));
    }

    #[test]
    fn one_typo_is_always_caught(
        prefix in valid_prefix(),
        at in any::<prop::sample::Index>(),
        with in any::<prop::sample::Index>(),
    ) {
        let token = generate(&prefix).unwrap();
        let mut bytes = token.expose_secret().as_bytes().to_vec();
        let i = prefix.len() + 1 + at.index(38);
        let replacement = ALPHABET[with.index(62)];
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let typo = String::from_utf8(bytes).unwrap();
        prop_assert_eq!(check(&typo), Err(TokenFormatError::ChecksumMismatch));
    }

    #[test]
    fn one_swap_of_neighbours_is_always_caught(prefix in valid_prefix(), at in 0usize..37) {
        let token = generate(&prefix).unwrap();
        let mut bytes = token.expose_secret().as_bytes().to_vec();
        let i = prefix.len() + 1 + at;
        prop_assume!(bytes[i] != bytes[i + 1]);
        bytes.swap(i, i + 1);
        let swapped = String::from_utf8(bytes).unwrap();
        prop_assert_eq!(check(&swapped), Err(TokenFormatError::ChecksumMismatch));
    }
}
