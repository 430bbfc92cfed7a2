//! Reading secrets the only two ways `tok` accepts them: piped on stdin, or typed at a hidden prompt. Never argv.

use std::io::{IsTerminal, Read};

use crate::error::{InputError, Result};
use secrecy::{ExposeSecret, SecretString};

/// Whether stdin is an interactive terminal (so prompts make sense).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Reads one secret: all of stdin when it is piped (one trailing newline removed), otherwise
/// from a hidden prompt showing `prompt`. An empty secret is refused with `what_for` in the message.
pub fn read_secret(prompt: &str, what_for: &str) -> Result<SecretString> {
    let secret = read_possibly_empty(prompt, what_for)?;
    if secret.expose_secret().is_empty() {
        return Err(InputError::NoSecret {
            what_for: what_for.to_string(),
        }
        .into());
    }
    Ok(secret)
}

/// Like [`read_secret`], but an empty input is returned for the caller to judge.
pub fn read_possibly_empty(prompt: &str, what_for: &str) -> Result<SecretString> {
    if stdin_is_terminal() {
        rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|source| {
                InputError::TerminalUnreadable {
                    what_for: what_for.to_string(),
                    source,
                }
                .into()
            })
    } else {
        read_piped()
    }
}

/// All of stdin, minus one trailing `\n` or `\r\n`, even when stdin is a terminal (for flags
/// like `--passphrase-stdin` that ask for exactly that).
pub fn read_piped() -> Result<SecretString> {
    let mut buf = String::new();
    std::io::stdin()
        .read_to_string(&mut buf)
        .map_err(|source| InputError::StdinUnreadable { source })?;
    let mut buf = SecretString::from(buf);
    let trimmed = strip_one_newline(buf.expose_secret());
    if trimmed.len() != buf.expose_secret().len() {
        buf = SecretString::from(trimmed.to_string());
    }
    Ok(buf)
}

/// Removes exactly one trailing `\n` or `\r\n`, so `echo "$TOKEN" | tok add` stores what was meant.
fn strip_one_newline(s: &str) -> &str {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s)
}

/// Asks a yes/no question on stderr and reads the answer from the terminal. Default: no.
pub fn confirm(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|source| InputError::AnswerUnreadable { source })?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

#[cfg(test)]
mod tests {
    use super::strip_one_newline;

    #[test]
    fn strips_exactly_one_trailing_newline() {
        assert_eq!(strip_one_newline("abc\n"), "abc");
        assert_eq!(strip_one_newline("abc\r\n"), "abc");
        assert_eq!(strip_one_newline("abc\n\n"), "abc\n");
        assert_eq!(strip_one_newline("abc"), "abc");
        assert_eq!(strip_one_newline(" abc "), " abc ");
    }
}
