//! How strong a vault-file passphrase is, estimated once here so the app's hint and `tok export`'s
//! warning always agree.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// Scores below this are called weak: `tok export` warns, the app shows the hint in red.
pub const WEAK_BELOW: u8 = 3;

/// The estimate: `score` 0 (guessed at once) to 4 (very hard to guess), and a hint in plain words.
/// Never contains the passphrase.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Strength {
    pub score: u8,
    pub hint: String,
}

impl Strength {
    /// Whether the passphrase is too easy to guess for a file that may travel by chat or git.
    pub fn is_weak(&self) -> bool {
        self.score < WEAK_BELOW
    }
}

/// Estimates how hard a passphrase is to guess (zxcvbn: dictionaries, keyboard patterns, dates,
/// repeats), with advice when it could be better. An empty passphrase scores 0.
pub fn passphrase_strength(passphrase: &SecretString) -> Strength {
    let p = passphrase.expose_secret();
    if p.is_empty() {
        return Strength {
            score: 0,
            hint: "Enter a passphrase; a vault file cannot be protected by an empty one".into(),
        };
    }
    let entropy = zxcvbn::zxcvbn(p, &["tokenkeeper", "tkvault", "vault"]);
    let score = u8::from(entropy.score());
    let mut advice: Vec<String> = Vec::new();
    if let Some(feedback) = entropy.feedback() {
        if let Some(w) = feedback.warning() {
            advice.push(w.to_string());
        }
        advice.extend(feedback.suggestions().iter().map(|s| s.to_string()));
    }
    let verdict = match score {
        0 | 1 => "Very weak: this passphrase would be guessed quickly",
        2 => "Weak: a determined attacker could guess it",
        3 => "Good",
        _ => "Strong",
    };
    let hint = if advice.is_empty() {
        format!("{verdict}.")
    } else {
        format!("{verdict}. {}", advice.join(" "))
    };
    Strength { score, hint }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strength(p: &str) -> Strength {
        passphrase_strength(&SecretString::from(p.to_string()))
    }

    #[test]
    fn common_passwords_are_weak_and_long_phrases_strong() {
        for weak in ["", "password", "123456", "qwerty", "tokenkeeper1"] {
            let s = strength(weak);
            assert!(s.is_weak(), "{weak:?} scored {}", s.score);
            assert!(!s.hint.is_empty());
        }
        let s = strength("correct-horse-battery-staple-over-lunch-7");
        assert_eq!(s.score, 4, "{}", s.hint);
        assert!(!s.is_weak());
    }

    #[test]
    fn the_hint_never_repeats_the_passphrase() {
        let s = strength("hunter2hunter2");
        assert!(!s.hint.contains("hunter2"), "{}", s.hint);
    }
}
