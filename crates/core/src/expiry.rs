//! Turning what people type after `--expires` (30d, 2027-01-31, RFC 3339, never) into a UTC time.

use chrono::{DateTime, Duration, Local, NaiveDate, TimeZone, Utc};

use crate::error::{Error, InputError};
use crate::validate::{check_date, latest_date, quote_input};

/// Parses an expiry. `Ok(None)` means never. Whether the time is in the past is for the vault to
/// judge; this refuses what it cannot read and, by the vault's rule, dates after 9999-12-31.
pub fn parse(input: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
    match read(input, now)? {
        Some(t) => check_date("Expiry", t).map(Some),
        None => Ok(None),
    }
}

/// [`parse`] from now: the value parser of `--expires` in [`crate::NewToken`]'s arguments. `tok`
/// reports its error as it reports every core error.
#[cfg(feature = "clap")]
pub(crate) fn parse_expiry_now(input: &str) -> Result<Option<DateTime<Utc>>, Error> {
    parse(input, Utc::now())
}

fn read(input: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, InputError> {
    let s = input.trim();
    let quoted = quote_input(s);
    if s.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    if let Some(days) = s.strip_suffix(['d', 'D']) {
        if !days.is_empty() && days.chars().all(|c| c.is_ascii_digit()) {
            return days
                .parse::<i64>()
                .ok()
                .and_then(Duration::try_days)
                .and_then(|d| now.checked_add_signed(d))
                .map(Some)
                .ok_or(InputError::ExpiryTooManyDays { quoted });
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let end_of_day = date
            .and_hms_opt(23, 59, 59)
            .expect("23:59:59 is a valid time");
        return Local
            .from_local_datetime(&end_of_day)
            .latest()
            .map(|t| {
                // 9999-12-31 is the last day wherever the user is: its end is clamped to the
                // last moment Tokenkeeper keeps. Later days stay later, and are refused.
                let t = t.with_timezone(&Utc);
                let last = latest_date();
                Some(if date <= last.date_naive() {
                    t.min(last)
                } else {
                    t
                })
            })
            .ok_or(InputError::ExpiryNoEndOfDay { quoted });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    Err(InputError::NotAnExpiry { quoted })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn never_means_no_expiry() {
        assert_eq!(parse("never", now()).unwrap(), None);
        assert_eq!(parse("NEVER", now()).unwrap(), None);
    }

    #[test]
    fn days_count_from_now() {
        assert_eq!(
            parse("30d", now()).unwrap(),
            Some(now() + Duration::days(30))
        );
    }

    #[test]
    fn a_date_means_the_end_of_that_local_day() {
        let t = parse("2027-01-31", now()).unwrap().unwrap();
        let local = t.with_timezone(&Local);
        assert_eq!(
            local.format("%Y-%m-%d %H:%M:%S").to_string(),
            "2027-01-31 23:59:59"
        );
    }

    #[test]
    fn rfc3339_is_taken_as_is() {
        let t = parse("2027-01-31T12:00:00+02:00", now()).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-31T10:00:00+00:00");
    }

    #[test]
    fn dates_after_9999_are_refused_in_every_form() {
        for bad in [
            "+10000-01-01",
            "10000-01-01T00:00:00Z",
            "3000000d",
            "99999999d",
            "999999999999999999d",
        ] {
            let err = parse(bad, now()).unwrap_err();
            assert_eq!(err.kind(), "invalid_input", "{bad}");
            let msg = err.to_string();
            assert!(msg.contains("9999-12-31"), "{bad}: {msg}");
        }
        assert!(parse("9999-12-30", now()).unwrap().is_some());
        // The last day is accepted in every time zone, its end clamped to the last kept moment.
        let last = parse("9999-12-31", now()).unwrap().unwrap();
        assert!(last <= latest_date());
    }

    #[test]
    fn a_secret_typed_as_an_expiry_is_not_repeated() {
        let key = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
        let msg = parse(key, now()).unwrap_err().to_string();
        assert!(!msg.contains("16C7e42F"), "{msg}");
        assert!(msg.contains("30d"), "{msg}");
    }

    #[test]
    fn nonsense_is_refused_with_the_accepted_forms() {
        for bad in ["tomorrow", "30", "d", "-3d", "2027-13-01", "31/01/2027", ""] {
            let err = parse(bad, now()).unwrap_err();
            assert_eq!(err.kind(), "invalid_input", "{bad}");
            assert!(err.to_string().contains("30d"), "{bad}: {err}");
        }
    }
}
