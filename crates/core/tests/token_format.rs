//! The token format from the outside: the committed vectors (tests/vectors/token-format.json,
//! which secret scanners may reuse) and property checks that generated tokens pass `check`,
//! are distinct, and that the checksum rejects single-character typos and adjacent swaps.

use std::collections::HashSet;

use rand::Rng;
use serde::Deserialize;
use tokenkeeper_core::token_format::{check, generate, TokenFormatError, TokenParts};
use tokenkeeper_core::ExposeSecret;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Deserialize)]
struct Vectors {
    alphabet: String,
    valid: Vec<Valid>,
    invalid: Vec<Invalid>,
}

#[derive(Deserialize)]
struct Valid {
    token: String,
    prefix: String,
    crc32: u32,
    crc32_hex: String,
    checksum: String,
    note: String,
}

#[derive(Deserialize)]
struct Invalid {
    token: String,
    error: String,
    note: String,
}

fn vectors() -> Vectors {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/token-format.json"
    );
    let text = std::fs::read_to_string(path).expect("read the token-format vectors");
    serde_json::from_str(&text).expect("parse the token-format vectors")
}

/// The variant name of an error, as the vectors spell it (`WrongLength { len: 37 }` -> `WrongLength`).
fn variant_name(err: &TokenFormatError) -> String {
    format!("{err:?}")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// Tokens from the OS CSPRNG, alternating the default prefix and a service's prefix.
fn generated(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let prefix = if i % 2 == 0 { "tk" } else { "acme2" };
            generate(prefix).unwrap().expose_secret().to_owned()
        })
        .collect()
}

#[test]
fn vector_alphabet_matches_the_spec() {
    assert_eq!(vectors().alphabet.as_bytes(), ALPHABET);
}

#[test]
fn valid_vectors_pass_with_their_prefix_and_checksum() {
    let vectors = vectors();
    assert!(vectors.valid.len() >= 5);
    for v in &vectors.valid {
        assert_eq!(
            check(&v.token),
            Ok(TokenParts { prefix: &v.prefix }),
            "{}",
            v.note
        );
        let head = &v.token[..v.token.len() - 6];
        assert_eq!(crc32fast::hash(head.as_bytes()), v.crc32, "{}", v.note);
        assert_eq!(format!("{:08x}", v.crc32), v.crc32_hex, "{}", v.note);
        assert_eq!(&v.token[v.token.len() - 6..], v.checksum, "{}", v.note);
    }
}

#[test]
fn invalid_vectors_fail_with_the_named_error() {
    let vectors = vectors();
    assert!(vectors.invalid.len() >= 8);
    for v in &vectors.invalid {
        let err = check(&v.token).expect_err(&v.note);
        assert_eq!(variant_name(&err), v.error, "{}", v.note);
        // The message names the problem, never the token: no 4-character run of it appears.
        let message = err.to_string();
        let chars: Vec<char> = v.token.chars().collect();
        for run in chars.windows(4) {
            let run: String = run.iter().collect();
            assert!(!message.contains(&run), "{}: message leaks {run:?}", v.note);
        }
    }
}

#[test]
fn generated_tokens_all_pass_and_are_distinct() {
    let tokens = generated(2_000);
    for token in &tokens {
        let parts = check(token).unwrap();
        assert!(parts.prefix == "tk" || parts.prefix == "acme2");
        assert_eq!(token.len(), parts.prefix.len() + 1 + 38);
    }
    let distinct: HashSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), tokens.len());
}

#[test]
fn every_single_character_substitution_is_rejected() {
    let mut rng = rand::rng();
    for token in generated(200) {
        let sep = token.find('_').unwrap();
        // Any position but the separator: the prefix or the body.
        let mut pos = rng.random_range(0..token.len() - 1);
        if pos >= sep {
            pos += 1;
        }
        let original = token.as_bytes()[pos];
        for &replacement in ALPHABET.iter().filter(|&&b| b != original) {
            let mut bytes = token.clone().into_bytes();
            bytes[pos] = replacement;
            let typo = String::from_utf8(bytes).unwrap();
            let result = check(&typo);
            if pos > sep {
                // In the body, only the checksum can notice.
                assert_eq!(result, Err(TokenFormatError::ChecksumMismatch));
            } else {
                // In the prefix, the prefix rules or the checksum reject it.
                assert!(result.is_err());
            }
        }
    }
}

#[test]
fn checksum_rejects_adjacent_transpositions() {
    for token in generated(200) {
        let sep = token.find('_').unwrap();
        let bytes = token.as_bytes();
        // Every adjacent pair that does not involve the separator.
        for i in (0..bytes.len() - 1).filter(|&i| i + 1 != sep && i != sep) {
            if bytes[i] == bytes[i + 1] {
                continue;
            }
            let mut swapped = bytes.to_vec();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            if i > sep {
                assert_eq!(
                    check(&swapped),
                    Err(TokenFormatError::ChecksumMismatch),
                    "swap at body offset {}",
                    i - sep - 1
                );
            } else {
                assert!(check(&swapped).is_err(), "swap at prefix offset {i}");
            }
        }
    }
}
