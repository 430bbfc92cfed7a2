//! Checks on every value that comes from outside (the CLI, the window, a vault file), each with a
//! message that names the field and says what to do. One set of rules for every door: the core
//! operations, the vault payload parser and the CLI's expiry parser all call these. Every check
//! is linear in its input.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{BaseUrlProblem, InputError, Result, SecretRole, VaultFileError};

/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest secret accepted for import, in bytes.
pub const MAX_SECRET_BYTES: usize = 8192;
/// Most scopes one token may have.
pub const MAX_SCOPES: usize = 64;
/// Longest scope, in characters.
pub const MAX_SCOPE_CHARS: usize = 64;
/// Longest service name, in characters.
pub const MAX_SERVICE_NAME_CHARS: usize = 64;
/// Longest header template, in characters.
pub const MAX_HEADER_CHARS: usize = 1000;
/// Longest base URL, in characters.
pub const MAX_BASE_URL_CHARS: usize = 2000;
/// Longest display name (the actor on events, `exported_by` in files), in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Most services one vault file may list.
pub const MAX_SERVICES_PER_FILE: usize = 10_000;
/// Most tokens (tombstones included) one vault file may hold.
pub const MAX_TOKENS_PER_FILE: usize = 100_000;
/// Largest vault file read from disk, in bytes (256 MiB: 100,000 tokens with their secrets,
/// ASCII-armored, take about 130 MiB). Checked before the file is read.
pub const MAX_VAULT_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The earliest date any stored time may have: 1970-01-01T00:00:00Z.
pub fn earliest_date() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// The latest date any stored time may have: the last microsecond of 9999-12-31 (UTC). Later
/// times print with five-digit years that RFC 3339 cannot carry.
pub fn latest_date() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999))
        .expect("9999-12-31 23:59:59.999999 is a valid time")
        .and_utc()
}

/// Whether a time lies within 1970-01-01 through 9999-12-31 (UTC).
pub fn date_in_range(t: DateTime<Utc>) -> bool {
    t >= earliest_date() && t <= latest_date()
}

/// A time given for `field` (e.g. "Expiry"), refused outside 1970-01-01 through 9999-12-31.
pub fn check_date(field: &'static str, t: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if date_in_range(t) {
        return Ok(t);
    }
    Err(InputError::DateOutOfRange { field, date: t }.into())
}

// ----- characters -----

/// Bidi controls: they reorder what a reader sees (U+202A-202E, U+2066-2069, U+200E/200F, U+061C).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Zero-width characters: they hide inside what looks like one word (U+200B-200D, U+2060, U+FEFF).
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// A character no name may hold and no terminal is shown raw: control characters (C0, DEL, C1),
/// line and paragraph separators, bidi controls and zero-width characters.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c) || is_zero_width(c)
}

/// Text made safe to print on a terminal: every [`is_unsafe_char`] becomes a visible escape,
/// `\u{1b}` for ESC, so a value can neither move the cursor, retitle the window nor reorder the
/// line. The one escaping function every human-readable output of `tok` goes through.
pub fn escape_for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

// ----- secrets in messages -----

/// Prefixes of well-known secret formats (age identities, GitHub, Stripe, Slack, GitLab, AWS,
/// OpenAI, npm, PyPI).
const SECRET_PREFIXES: &[&str] = &[
    "AGE-SECRET-KEY-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "glpat-",
    "AKIA",
    "npm_",
    "pypi-",
];

/// Whether a string a user gave looks like a secret key, so a message must not repeat it: an age
/// secret key, a token in Tokenkeeper's own format (`tk_...`, any prefix), a well-known key
/// format (`ghp_`, `sk_live_`, ...), or a long string of high entropy. Errs on the side of
/// "secret": a long random-looking name is then only not quoted.
pub fn looks_like_secret(s: &str) -> bool {
    // A key pasted into a longer text (`Authorization: Bearer ghp_...`, `TOKEN=sk_live_...`)
    // counts too: each word is judged alone.
    s.split(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | ',' | ';' | '"' | '\''))
        .any(word_looks_like_secret)
}

fn word_looks_like_secret(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    let upper_prefix = s.get(..15).map(str::to_ascii_uppercase);
    if upper_prefix.as_deref() == Some("AGE-SECRET-KEY-") {
        return true;
    }
    if SECRET_PREFIXES
        .iter()
        .any(|p| s.len() > p.len() + 8 && s.starts_with(p) && !s.contains(char::is_whitespace))
    {
        return true;
    }
    if crate::token_format::check(s).is_ok() {
        return true;
    }
    high_entropy(s)
}

/// A long run without spaces whose characters look random: at least 20 characters, at least two
/// of lowercase / uppercase / digits, and over 3.5 bits of Shannon entropy per character. An age
/// public key (`age1...`) is meant to be shared and does not count.
fn high_entropy(s: &str) -> bool {
    let n = s.chars().count();
    if n < 20 || s.chars().any(char::is_whitespace) || s.starts_with("age1") {
        return false;
    }
    let classes = [
        s.chars().any(|c| c.is_ascii_lowercase()),
        s.chars().any(|c| c.is_ascii_uppercase()),
        s.chars().any(|c| c.is_ascii_digit()),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if classes < 2 {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let len = n as f64;
    let entropy: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / len;
            -p * p.log2()
        })
        .sum();
    entropy > 3.5
}

/// A user-given value as an error message may quote it: `'value'` (terminal-escaped and cut at
/// 80 characters), or a placeholder when it looks like a secret.
pub fn quote_input(s: &str) -> String {
    if looks_like_secret(s) {
        return "(the value given, not repeated here because it looks like a secret key)".into();
    }
    let cut: String = s.trim().chars().take(80).collect();
    let more = if s.trim().chars().count() > 80 {
        "…"
    } else {
        ""
    };
    format!("'{}{more}'", escape_for_terminal(&cut))
}

// ----- names and text -----

/// Why a short piece of text (a name) was refused.
enum PlainTextError {
    Empty,
    TooLong(usize),
    Unsafe(char),
}

/// Trimmed text of 1 to `max` characters with no control, bidi or zero-width characters: the
/// rule every name follows.
fn plain_text(raw: &str, max: usize) -> std::result::Result<String, PlainTextError> {
    let text = raw.trim();
    if let Some(c) = text.chars().find(|&c| is_unsafe_char(c)) {
        return Err(PlainTextError::Unsafe(c));
    }
    let n = text.chars().count();
    if n == 0 {
        Err(PlainTextError::Empty)
    } else if n > max {
        Err(PlainTextError::TooLong(n))
    } else {
        Ok(text.to_string())
    }
}

/// The refusal of a name of `what` ("Name", "Service name", ...).
fn plain_text_error(what: &'static str, max: usize, e: PlainTextError) -> InputError {
    match e {
        PlainTextError::Empty => InputError::Required { what, max },
        PlainTextError::TooLong(len) => InputError::TooLong { what, len, max },
        PlainTextError::Unsafe(c) => InputError::UnsafeChar { what, c },
    }
}

/// A token name: trimmed, 1-100 characters, no control, bidi or zero-width characters.
pub(crate) fn name(raw: &str) -> Result<String, InputError> {
    plain_text(raw, MAX_NAME_CHARS).map_err(|e| plain_text_error("Name", MAX_NAME_CHARS, e))
}

/// The display name recorded on events: 1-100 characters of plain text.
pub(crate) fn display_name(raw: &str) -> Result<String, InputError> {
    plain_text(raw, MAX_DISPLAY_NAME_CHARS)
        .map_err(|e| plain_text_error("Display name", MAX_DISPLAY_NAME_CHARS, e))
}

/// Whether `raw` is already a valid display name exactly as given (for names read from files).
pub(crate) fn is_plain(raw: &str, max: usize) -> bool {
    plain_text(raw, max).is_ok_and(|t| t == raw)
}

/// A description: `\r\n` becomes `\n`, trimmed, at most 2000 characters. Line breaks are the only
/// control characters kept; tabs, escapes, bidi and zero-width characters are refused.
pub(crate) fn description(raw: &str) -> Result<String> {
    let normalized = raw.replace("\r\n", "\n");
    let d = normalized.trim();
    if let Some(c) = d.chars().find(|&c| c != '\n' && is_unsafe_char(c)) {
        return Err(InputError::UnsafeDescription { c }.into());
    }
    let n = d.chars().count();
    if n > MAX_DESCRIPTION_CHARS {
        return Err(InputError::TooLong {
            what: "Description",
            len: n,
            max: MAX_DESCRIPTION_CHARS,
        }
        .into());
    }
    Ok(d.to_string())
}

/// Scopes: at most 64, each 1-64 characters of letters, digits and `:._-`; duplicates dropped,
/// order kept. Linear: duplicates are found with a set.
pub(crate) fn scopes(raw: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for s in raw {
        let s = s.trim();
        if s.is_empty() {
            return Err(InputError::EmptyScope.into());
        }
        if s.len() > MAX_SCOPE_CHARS
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'))
        {
            return Err(InputError::BadScope {
                quoted: quote_input(s),
                max: MAX_SCOPE_CHARS,
            }
            .into());
        }
        if seen.insert(s) {
            if out.len() == MAX_SCOPES {
                return Err(InputError::TooManyScopes { max: MAX_SCOPES }.into());
            }
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// An expiry must lie in the future, and no later than 9999-12-31.
pub(crate) fn expiry(
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    match expires_at {
        Some(t) if t <= now => Err(InputError::ExpiryInPast { at: t }.into()),
        Some(t) => check_date("Expiry", t).map(Some),
        None => Ok(None),
    }
}

/// A key the user pastes in: surrounding whitespace removed, not empty, no control characters.
pub(crate) fn imported_secret(raw: &SecretString) -> Result<SecretString> {
    plain_secret(raw, SecretRole::Key)
}

/// A token presented for verification. Same rules as an imported key, with its own wording.
pub(crate) fn presented(raw: &SecretString) -> Result<SecretString> {
    plain_secret(raw, SecretRole::Presented)
}

fn plain_secret(raw: &SecretString, role: SecretRole) -> Result<SecretString> {
    let s = raw.expose_secret().trim();
    if s.is_empty() {
        return Err(InputError::EmptySecret { role }.into());
    }
    if s.len() > MAX_SECRET_BYTES {
        return Err(InputError::SecretTooLong { role }.into());
    }
    if s.chars().any(|c| is_unsafe_char(c) || c.is_whitespace()) {
        return Err(InputError::SecretNotPlain { role }.into());
    }
    Ok(SecretString::from(s.to_string()))
}

// ----- services -----

/// A service name: trimmed, 1-64 characters of plain text.
pub(crate) fn service_name(raw: &str) -> Result<String, InputError> {
    plain_text(raw, MAX_SERVICE_NAME_CHARS)
        .map_err(|e| plain_text_error("Service name", MAX_SERVICE_NAME_CHARS, e))
}

/// RFC 9110 `tchar`: what an HTTP header name is made of.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// A header template: `Name: value` with an HTTP token (RFC 9110 tchar) as the name, and a value
/// of visible ASCII, spaces and tabs (no CR or LF) that contains `{token}`. At most 1000
/// characters.
pub(crate) fn auth_header(raw: &str) -> Result<String> {
    let h = raw.trim();
    if h.chars().count() > MAX_HEADER_CHARS {
        return Err(InputError::HeaderTooLong.into());
    }
    let Some((name, value)) = h.split_once(':') else {
        return Err(InputError::HeaderNoColon {
            quoted: quote_input(h),
        }
        .into());
    };
    if name.is_empty() || !name.chars().all(is_tchar) {
        return Err(InputError::HeaderBadName {
            quoted: quote_input(h),
        }
        .into());
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !(c == ' ' || c == '\t' || c.is_ascii_graphic()))
    {
        return Err(InputError::HeaderBadValue { c }.into());
    }
    if !value.contains("{token}") {
        return Err(InputError::HeaderNoToken {
            quoted: quote_input(h),
        }
        .into());
    }
    Ok(h.to_string())
}

/// A service's base URL: empty means none; otherwise an `http` or `https` URL with a host, no
/// user name or password, no spaces or control characters, at most 2000 characters. Kept as
/// typed (trimmed).
pub(crate) fn base_url(raw: Option<&str>) -> Result<Option<String>> {
    let Some(u) = raw.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let bad = |why: BaseUrlProblem| Err(InputError::BaseUrl(why).into());
    if u.chars().count() > MAX_BASE_URL_CHARS {
        return bad(BaseUrlProblem::TooLong);
    }
    if let Some(c) = u.chars().find(|&c| is_unsafe_char(c) || c.is_whitespace()) {
        return bad(BaseUrlProblem::Unsafe(c));
    }
    let Ok(url) = url::Url::parse(u) else {
        return bad(BaseUrlProblem::NotAUrl {
            quoted: quote_input(u),
        });
    };
    if !matches!(url.scheme(), "http" | "https") {
        return bad(BaseUrlProblem::NotHttp);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return bad(BaseUrlProblem::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad(BaseUrlProblem::HasCredentials);
    }
    Ok(Some(u.to_string()))
}

// ----- files -----

/// Reads a vault file, refusing one larger than [`MAX_VAULT_FILE_BYTES`] before reading it (and
/// never reading more than that, should it grow meanwhile). The CLI and the app both read
/// through this.
pub fn read_vault_file(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    crate::bounded::read_into(path, MAX_VAULT_FILE_BYTES, &mut bytes).map_err(|refused| {
        refused.into_error(path, |len| {
            VaultFileError::TooBig {
                path: path.to_path_buf(),
                mib: len.div_ceil(1024 * 1024),
                max_mib: MAX_VAULT_FILE_BYTES / (1024 * 1024),
            }
            .into()
        })
    })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  ci deploy ").unwrap(), "ci deploy");
        assert!(name("")
            .unwrap_err()
            .to_string()
            .contains("Name is required"));
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(100)).is_ok());
        let long = name(&"x".repeat(101)).unwrap_err().to_string();
        assert!(long.contains("101") && long.contains("100"), "{long}");
        assert!(
            name(&"é".repeat(100)).is_ok(),
            "counts characters, not bytes"
        );
        assert!(name("a\nb").is_err());
    }

    #[test]
    fn names_refuse_control_bidi_and_zero_width_characters() {
        for (bad, code) in [
            ("a\u{1b}[2Jb", "U+001B"),
            ("a\u{7f}", "U+007F"),
            ("a\u{85}b", "U+0085"),
            ("admin\u{202E}txt", "U+202E"),
            ("a\u{2066}b", "U+2066"),
            ("a\u{200F}b", "U+200F"),
            ("a\u{061C}b", "U+061C"),
            ("pay\u{200B}pal", "U+200B"),
            ("a\u{2060}b", "U+2060"),
            ("a\u{FEFF}b", "U+FEFF"),
        ] {
            for check in [name, service_name, display_name] {
                let msg = check(bad).unwrap_err().to_string();
                assert!(msg.contains(code), "{bad:?}: {msg}");
            }
        }
        assert_eq!(name("Ünïcødé 名前 ok").unwrap(), "Ünïcødé 名前 ok");
    }

    #[test]
    fn descriptions_keep_line_breaks_and_nothing_else() {
        assert_eq!(description("one\r\ntwo\nthree").unwrap(), "one\ntwo\nthree");
        for bad in [
            "a\tb",
            "a\u{1b}]0;pwned\u{7}",
            "a\rb",
            "x\u{202E}y",
            "x\u{200D}y",
        ] {
            let msg = description(bad).unwrap_err().to_string();
            assert!(msg.starts_with("Description"), "{msg}");
        }
        assert!(description(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn scopes_are_checked_deduplicated_and_capped() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            scopes(&v(&["read", "billing:read", "read"])).unwrap(),
            v(&["read", "billing:read"])
        );
        assert!(scopes(&v(&["has space"])).is_err());
        assert!(scopes(&v(&[""])).is_err());
        let many: Vec<String> = (0..64).map(|i| format!("s{i}")).collect();
        assert_eq!(scopes(&many).unwrap().len(), 64);
        let too_many: Vec<String> = (0..65).map(|i| format!("s{i}")).collect();
        let msg = scopes(&too_many).unwrap_err().to_string();
        assert!(msg.contains("at most 64"), "{msg}");
        // Repeats count once, however many there are.
        let repeated = vec!["read".to_string(); 200_000];
        assert_eq!(scopes(&repeated).unwrap(), v(&["read"]));
    }

    #[test]
    fn past_and_far_future_expiry_is_refused() {
        let now = Utc::now();
        assert!(expiry(Some(now - chrono::Duration::seconds(1)), now).is_err());
        assert!(expiry(Some(now + chrono::Duration::days(1)), now).is_ok());
        assert!(expiry(None, now).unwrap().is_none());
        assert!(expiry(Some(latest_date()), now).is_ok());
        let beyond = latest_date() + chrono::Duration::microseconds(1);
        let msg = expiry(Some(beyond), now).unwrap_err().to_string();
        assert!(
            msg.contains("Expiry") && msg.contains("after 9999-12-31"),
            "{msg}"
        );
        assert!(check_date("Created", earliest_date() - chrono::Duration::seconds(1)).is_err());
    }

    #[test]
    fn header_templates_are_http_headers_with_a_token_placeholder() {
        assert!(auth_header("xc-token: {token}").is_ok());
        assert!(auth_header("Authorization: Bearer {token}").is_ok());
        assert!(auth_header("X-Api.Key!: {token}").is_ok());
        for bad in [
            "Authorization: Bearer",
            "{token}",
            "Bad Name: {token}",
            "x: {token}\r\nInjected: 1",
            "x: {token}\u{1b}[2J",
            "x: {token} é",
            "x{token}: value",
        ] {
            let msg = auth_header(bad).unwrap_err().to_string();
            assert!(msg.contains("Header"), "{bad:?}: {msg}");
            assert!(!msg.contains('\u{1b}') && !msg.contains('\r'), "{msg}");
        }
    }

    #[test]
    fn base_urls_are_http_urls_with_a_host() {
        assert_eq!(
            base_url(Some(" https://api.example.com/v1 "))
                .unwrap()
                .as_deref(),
            Some("https://api.example.com/v1")
        );
        assert_eq!(base_url(Some("  ")).unwrap(), None);
        assert_eq!(base_url(None).unwrap(), None);
        for bad in [
            "ftp://example.com",
            "javascript:alert(1)",
            "https://",
            "example.com",
            "https://a.example/; touch /tmp/pwned",
            "https://a.example/`id`\u{1b}",
            "https://user:pass@a.example",
        ] {
            let msg = base_url(Some(bad)).unwrap_err().to_string();
            assert!(msg.starts_with("Base URL"), "{bad:?}: {msg}");
        }
    }

    #[test]
    fn secret_looking_strings_are_recognized() {
        for secret in [
            "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
            "age-secret-key-1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "xoxb-1234567890-abcdefghij",
            "Zx9vQ2mP7rT4kW8nB3cL6yH1jF5",
            "Authorization: Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "TOKEN=sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        ] {
            assert!(looks_like_secret(secret), "{secret}");
            assert!(!quote_input(secret).contains("16C7e42F"), "{secret}");
            assert!(!quote_input(secret).contains("4eC39HqL"), "{secret}");
            assert!(!quote_input(secret).contains("QQQQQQQQ"), "{secret}");
        }
        let tk = crate::token_format::generate("tk").unwrap();
        assert!(looks_like_secret(tk.expose_secret()));
        for plain in [
            "ci-deploy",
            "github ci token",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "production-database-backup",
            "2027-01-31",
            "30d",
        ] {
            assert!(!looks_like_secret(plain), "{plain}");
            assert!(quote_input(plain).contains(plain), "{plain}");
        }
    }

    #[test]
    fn terminal_escaping_makes_controls_visible() {
        assert_eq!(escape_for_terminal("plain é"), "plain é");
        assert_eq!(
            escape_for_terminal("a\u{1b}]0;pwned\u{7}b\u{1b}[2J\u{202E}"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2J\\u{202e}"
        );
    }

    #[test]
    fn secret_messages_never_echo_the_secret() {
        let e = imported_secret(&SecretString::from("abc def".to_string())).unwrap_err();
        assert!(!e.to_string().contains("abc"));
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.tkvault");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_VAULT_FILE_BYTES + 1).unwrap();
        let started = std::time::Instant::now();
        let err = read_vault_file(&path).unwrap_err();
        assert_eq!(err.kind(), "invalid_vault_file");
        assert!(err.to_string().contains("256 MiB"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(
            read_vault_file(&dir.path().join("none"))
                .unwrap_err()
                .kind(),
            "not_found"
        );
    }
}
