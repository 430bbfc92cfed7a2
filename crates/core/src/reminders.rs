//! Expiry reminders and stale keys: which tokens need the user's attention now, and the one text
//! of each notification. The app and `tok remind` both send what this decides, and each claim is
//! one write transaction, so the two running at once never send the same reminder twice.
//!
//! A token is reminded once per threshold (days before its expiry, a setting; 0 is the moment it
//! expires). When several thresholds are crossed at once (the first run, a machine that was off)
//! only the nearest is sent and the others are marked passed over. What was had is keyed by the
//! expiry it was for, so a token given a new expiry (edit, import) gets its thresholds again; a
//! rotation keeps the expiry, and so what was sent. Disabled, deleted and never-expiring tokens
//! are never reminded, nor are tokens that expired more than [`EXPIRED_LOOKBACK_DAYS`] ago.

use chrono::{DateTime, Duration, Local, Utc};
use serde::Serialize;

use crate::error::{InputError, Result};
use crate::model::EventKind;
use crate::store::{self, events, meta, reminders, tokens};
use crate::validate::{escape_for_terminal, quote_input};
use crate::vault::Vault;

/// The furthest reminder before expiry, in days.
pub const MAX_REMINDER_DAYS: u32 = 365;

/// The most reminders per expiry.
pub const MAX_REMINDERS: usize = 10;

/// The desktop entry (`Tokenkeeper.desktop`, as the packages install it) that notifications name
/// in their `desktop-entry` hint, so the desktop can show the app's icon and open it on a click.
pub const DESKTOP_ENTRY: &str = "Tokenkeeper";

/// An expired token is still reminded of its expiry this many days after it; longer ago, it is
/// left out, so the first run on an old store does not announce every key that lapsed years ago.
pub const EXPIRED_LOOKBACK_DAYS: i64 = 7;

/// Stale keys are mentioned at most once in this many days.
pub const STALE_EVERY_DAYS: i64 = 30;

/// How many stale tokens the stale-keys notification names (the rest are counted).
pub const STALE_NAMES: u32 = 3;

/// The `meta` key holding when stale keys were last mentioned.
const STALE_REMINDED_AT: &str = "stale_reminded_at";

/// One OS notification, as both the app and `tok remind` send it: the same words from both.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The summary line, plain text.
    pub title: String,
    /// The body, plain text (escape it with [`escape_markup`] for a server that reads markup).
    pub body: String,
    /// The token a click opens; `None` for the stale-keys notification (a click opens the
    /// dashboard's "unused" filter).
    pub token_id: Option<String>,
    /// Expiring within a day, or expired: sent as critical, which desktops keep until dismissed.
    pub urgent: bool,
}

/// An expiry reminder that is due: one token, the threshold it crossed, and what to show.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub token_id: String,
    pub name: String,
    pub service: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// The threshold crossed, in days before expiry (0: the token has expired).
    pub days: u32,
    pub notification: Notification,
}

/// The stale-keys notification: how many active tokens are unused for the setting's days.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleReminder {
    pub count: u64,
    /// The stale-days setting.
    pub days: u32,
    /// Up to [`STALE_NAMES`] of them, unused the longest first.
    pub names: Vec<String>,
    pub notification: Notification,
}

/// What a send call did: the reminders sent (and recorded), and the sender's error that stopped
/// it, if one did. Reminders not sent stay due.
#[derive(Debug)]
pub struct Sent<T, E> {
    pub sent: Vec<T>,
    pub error: Option<E>,
}

/// One candidate's decision: the reminder to send (if one is due) and every crossed threshold
/// not yet recorded.
struct Plan {
    reminder: Option<Reminder>,
    crossed_new: Vec<u32>,
    token_id: String,
    expires_at: DateTime<Utc>,
}

impl Vault {
    /// The expiry reminders due at `now`, without recording anything (`tok remind --dry-run`).
    pub fn due_reminders(&self, now: DateTime<Utc>) -> Result<Vec<Reminder>> {
        let tx = self.conn.unchecked_transaction()?;
        let plans = self.plan_reminders(&tx, now)?;
        tx.commit()?;
        Ok(plans.into_iter().filter_map(|p| p.reminder).collect())
    }

    /// Claims the reminders due at `now` and records them (a `reminded` event in each token's
    /// history), in one write transaction, and returns them for the caller to show. For a caller
    /// that cannot learn whether the notification arrived; [`Vault::send_due_reminders`] records
    /// only what was sent.
    pub fn claim_due_reminders(&mut self, now: DateTime<Utc>) -> Result<Vec<Reminder>> {
        let sent = self.send_due_reminders(now, |_| Ok::<(), std::convert::Infallible>(()))?;
        Ok(sent.sent)
    }

    /// Sends each reminder due at `now` through `send`, soonest expiry first, inside one write
    /// transaction: a reminder `send` accepted is recorded, and the first one it refuses stops
    /// the run and is left due, with those after it (the app or the next `tok remind` sends
    /// them). Another process claiming at the same time waits, then finds them recorded.
    pub fn send_due_reminders<E>(
        &mut self,
        now: DateTime<Utc>,
        mut send: impl FnMut(&Reminder) -> std::result::Result<(), E>,
    ) -> Result<Sent<Reminder, E>> {
        let actor = self.actor();
        let tx = store::write_tx(&self.conn)?;
        let plans = self.plan_reminders(&tx, now)?;
        let mut sent = Vec::new();
        let mut error = None;
        for plan in plans {
            if let Some(reminder) = &plan.reminder {
                if let Err(e) = send(reminder) {
                    error = Some(e);
                    break;
                }
                events::append(
                    &tx,
                    &plan.token_id,
                    now,
                    &actor,
                    EventKind::Reminded,
                    Some(&event_detail(reminder)),
                )?;
            }
            reminders::forget_other_expiries(&tx, &plan.token_id, plan.expires_at)?;
            for days in &plan.crossed_new {
                let was_sent = plan.reminder.as_ref().is_some_and(|r| r.days == *days);
                reminders::record(&tx, &plan.token_id, plan.expires_at, *days, now, was_sent)?;
            }
            sent.extend(plan.reminder);
        }
        tx.commit()?;
        Ok(Sent { sent, error })
    }

    /// The stale-keys notification if it is due at `now` (some active token is unused for the
    /// setting's days, and none was sent in the last [`STALE_EVERY_DAYS`] days), without
    /// recording it.
    pub fn stale_reminder(&self, now: DateTime<Utc>) -> Result<Option<StaleReminder>> {
        let tx = self.conn.unchecked_transaction()?;
        let due = self.plan_stale(&tx, now)?;
        tx.commit()?;
        Ok(due)
    }

    /// Claims the stale-keys notification due at `now` (at most one in [`STALE_EVERY_DAYS`]
    /// days), recording it, for the caller to show.
    pub fn claim_stale_reminder(&mut self, now: DateTime<Utc>) -> Result<Option<StaleReminder>> {
        let sent = self.send_stale_reminder(now, |_| Ok::<(), std::convert::Infallible>(()))?;
        Ok(sent.sent.into_iter().next())
    }

    /// Sends the stale-keys notification through `send` if it is due at `now`, and records it
    /// only if `send` accepted it, in one write transaction.
    pub fn send_stale_reminder<E>(
        &mut self,
        now: DateTime<Utc>,
        send: impl FnOnce(&StaleReminder) -> std::result::Result<(), E>,
    ) -> Result<Sent<StaleReminder, E>> {
        let tx = store::write_tx(&self.conn)?;
        let Some(due) = self.plan_stale(&tx, now)? else {
            return Ok(Sent {
                sent: Vec::new(),
                error: None,
            });
        };
        if let Err(e) = send(&due) {
            return Ok(Sent {
                sent: Vec::new(),
                error: Some(e),
            });
        }
        meta::set(&tx, STALE_REMINDED_AT, &store::ts(now))?;
        tx.commit()?;
        Ok(Sent {
            sent: vec![due],
            error: None,
        })
    }

    fn plan_reminders(&self, conn: &rusqlite::Connection, now: DateTime<Utc>) -> Result<Vec<Plan>> {
        let thresholds = self.settings()?.reminder_days;
        let Some(furthest) = thresholds.iter().max() else {
            return Ok(Vec::new());
        };
        let from = now - Duration::days(EXPIRED_LOOKBACK_DAYS);
        let to = now + Duration::days(i64::from(*furthest));
        let mut plans = Vec::new();
        for c in reminders::candidates(conn, from, to)? {
            let crossed = crossed(c.expires_at, &thresholds, now);
            let had = reminders::done(conn, &c.id, c.expires_at)?;
            let crossed_new: Vec<u32> = crossed
                .iter()
                .copied()
                .filter(|d| !had.contains(d))
                .collect();
            if crossed_new.is_empty() {
                continue;
            }
            // Only the nearest crossed threshold is sent, and only if it was not already.
            let nearest = *crossed.iter().min().expect("crossed_new is not empty");
            let reminder = crossed_new.contains(&nearest).then(|| {
                let notification =
                    expiry_notification(&c.id, &c.name, c.service.as_deref(), c.expires_at, now);
                Reminder {
                    token_id: c.id.clone(),
                    name: c.name.clone(),
                    service: c.service.clone(),
                    expires_at: c.expires_at,
                    days: nearest,
                    notification,
                }
            });
            plans.push(Plan {
                reminder,
                crossed_new,
                token_id: c.id,
                expires_at: c.expires_at,
            });
        }
        Ok(plans)
    }

    fn plan_stale(
        &self,
        conn: &rusqlite::Connection,
        now: DateTime<Utc>,
    ) -> Result<Option<StaleReminder>> {
        if let Some(last) = meta::get(conn, STALE_REMINDED_AT)? {
            // An unreadable time (written by hand) counts as never.
            if let Ok(last) = store::parse_ts(&last) {
                if now - last < Duration::days(STALE_EVERY_DAYS) {
                    return Ok(None);
                }
            }
        }
        let days = self.settings()?.stale_days;
        let count = tokens::stale_count(conn, days, now)?;
        if count == 0 {
            return Ok(None);
        }
        let names = tokens::stale_names(conn, days, STALE_NAMES, now)?;
        let notification = stale_notification(count, days, &names);
        Ok(Some(StaleReminder {
            count,
            days,
            names,
            notification,
        }))
    }
}

/// The thresholds an expiry at `expires_at` has crossed at `now`: those whose moment
/// (`expires_at` minus that many days) has come.
fn crossed(expires_at: DateTime<Utc>, thresholds: &[u32], now: DateTime<Utc>) -> Vec<u32> {
    thresholds
        .iter()
        .copied()
        .filter(|d| now >= expires_at - Duration::days(i64::from(*d)))
        .collect()
}

/// "2 days", "1 day", "5 hours", "less than an hour": how long until `expires_at`, rounded to
/// whole days from a day and a half... down to hours under half a day.
fn time_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let left = expires_at - now;
    let days = (left + Duration::hours(12)).num_days();
    if days >= 2 {
        return format!("{days} days");
    }
    if days == 1 {
        return "1 day".to_string();
    }
    // Under half a day: whole hours, rounded up.
    let hours = (left + Duration::minutes(59)).num_hours();
    match hours {
        h if h <= 1 => "less than an hour".to_string(),
        h => format!("{h} hours"),
    }
}

/// A name as a notification shows it: quoted, with any character a name may not hold (a row an
/// older version wrote) escaped.
fn quoted_name(name: &str) -> String {
    format!("“{}”", escape_for_terminal(name))
}

/// The expiry notification of one token at `now`: how long is left (or that it has expired) in
/// the title; service, local date and time and what to do in the body.
pub fn expiry_notification(
    token_id: &str,
    name: &str,
    service: Option<&str>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Notification {
    let name = quoted_name(name);
    let subject = match service {
        Some(s) => format!("The {} token {name}", escape_for_terminal(s)),
        None => format!("The token {name}"),
    };
    let when = expires_at
        .with_timezone(&Local)
        .format("%a %-d %b %Y at %H:%M");
    let (title, body) = if expires_at <= now {
        (
            format!("{name} has expired"),
            format!(
                "{subject} expired on {when}. Anything still using it has stopped working: \
                 rotate it, or delete it if nothing needs it."
            ),
        )
    } else {
        (
            format!("{name} expires in {}", time_left(expires_at, now)),
            format!("{subject} expires on {when}. Rotate it before then and update what uses it."),
        )
    };
    Notification {
        title,
        body,
        token_id: Some(token_id.to_string()),
        urgent: expires_at - now <= Duration::days(1),
    }
}

/// The stale-keys notification: how many, the first few names, and what to do.
pub fn stale_notification(count: u64, days: u32, names: &[String]) -> Notification {
    let quoted: Vec<String> = names.iter().map(|n| quoted_name(n)).collect();
    let more = count.saturating_sub(quoted.len() as u64);
    let listed = match (quoted.as_slice(), more) {
        ([], _) => format!("{count} tokens"),
        ([only], 0) => only.clone(),
        (all, 0) => {
            let (last, first) = all.split_last().expect("two or more");
            format!("{} and {last}", first.join(", "))
        }
        (all, more) => format!("{} and {more} more", all.join(", ")),
    };
    let verb = if count == 1 { "has" } else { "have" };
    Notification {
        title: format!(
            "{count} token{} unused for {days} days",
            if count == 1 { "" } else { "s" }
        ),
        body: format!(
            "{listed} {verb} not been used for {days} days or more. Disable or delete the keys \
             nobody needs: the Unused card in Tokenkeeper, or tok list --unused-for {days}d, \
             lists them."
        ),
        token_id: None,
        urgent: false,
    }
}

/// The detail of a `reminded` event: which threshold, and what the title said.
fn event_detail(r: &Reminder) -> String {
    let threshold = match r.days {
        0 => "on-expiry reminder".to_string(),
        d => format!("{d}-day reminder"),
    };
    format!("{threshold}: {}", r.notification.title)
}

/// Escapes `&`, `<` and `>` for a notification server that reads markup in bodies (its
/// capabilities list `body-markup`), so a name shows as written.
pub fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Checks reminder thresholds and puts them in order: each 0 to [`MAX_REMINDER_DAYS`], at most
/// [`MAX_REMINDERS`] of them once duplicates are dropped, largest first.
pub fn check_reminder_days(days: &[u32]) -> Result<Vec<u32>> {
    if let Some(d) = days.iter().find(|d| **d > MAX_REMINDER_DAYS) {
        return Err(InputError::ReminderDays {
            days: *d,
            max: MAX_REMINDER_DAYS,
        }
        .into());
    }
    let mut out = days.to_vec();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    if out.len() > MAX_REMINDERS {
        return Err(InputError::TooManyReminders {
            count: out.len(),
            max: MAX_REMINDERS,
        }
        .into());
    }
    Ok(out)
}

/// A number of days as people write it: `90` or `90d` (blanks around it do not count).
pub fn parse_days(text: &str) -> Result<u32> {
    read_days(text, false)
}

fn read_days(text: &str, list: bool) -> Result<u32> {
    let t = text.trim();
    let digits = t.strip_suffix(['d', 'D']).unwrap_or(t);
    if digits.is_empty() || digits.len() > 9 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(InputError::NotDays {
            quoted: quote_input(t),
            list,
        }
        .into());
    }
    Ok(digits.parse().expect("up to nine digits"))
}

/// Reminder thresholds as people type them in Settings or `tok settings --reminders`:
/// `30, 7, 1, 0` (days before expiry; `30d` reads too; empty for none), checked and ordered by
/// [`check_reminder_days`]. At most 200 characters.
pub fn parse_reminder_days(text: &str) -> Result<Vec<u32>> {
    if text.chars().count() > 200 {
        return Err(InputError::NotDays {
            quoted: quote_input(&text.chars().take(20).collect::<String>()),
            list: true,
        }
        .into());
    }
    if text.trim().is_empty() || text.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let days = text
        .split(',')
        .map(|part| read_days(part, true))
        .collect::<Result<Vec<u32>>>()?;
    check_reminder_days(&days)
}

/// How thresholds are kept in `meta`: `30,7,1,0` (empty: none).
pub(crate) fn stored_days(days: &[u32]) -> String {
    days.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`stored_days`] back; `None` if it does not read as valid thresholds.
pub(crate) fn read_stored_days(text: &str) -> Option<Vec<u32>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    let days = text
        .split(',')
        .map(|d| d.parse().ok())
        .collect::<Option<Vec<u32>>>()?;
    check_reminder_days(&days).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_token_crosses_every_threshold_whose_moment_has_come() {
        let now = at("2027-01-01T12:00:00Z");
        let t = [30, 7, 1, 0];
        assert_eq!(
            crossed(now + Duration::days(40), &t, now),
            Vec::<u32>::new()
        );
        assert_eq!(crossed(now + Duration::days(30), &t, now), [30]);
        assert_eq!(crossed(now + Duration::days(2), &t, now), [30, 7]);
        assert_eq!(crossed(now + Duration::hours(23), &t, now), [30, 7, 1]);
        assert_eq!(crossed(now, &t, now), [30, 7, 1, 0]);
        assert_eq!(crossed(now - Duration::days(3), &t, now), [30, 7, 1, 0]);
    }

    #[test]
    fn time_left_reads_as_people_say_it() {
        let now = at("2027-01-01T12:00:00Z");
        let left = |d: Duration| time_left(now + d, now);
        assert_eq!(left(Duration::days(7)), "7 days");
        // Set "2d" a moment ago: still two days.
        assert_eq!(left(Duration::days(2) - Duration::seconds(5)), "2 days");
        assert_eq!(left(Duration::hours(36)), "2 days");
        assert_eq!(left(Duration::hours(35)), "1 day");
        assert_eq!(left(Duration::hours(12)), "1 day");
        assert_eq!(left(Duration::hours(11)), "11 hours");
        assert_eq!(left(Duration::minutes(61)), "2 hours");
        assert_eq!(left(Duration::minutes(59)), "less than an hour");
    }

    #[test]
    fn the_stale_notification_names_a_few_and_counts_the_rest() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let one = stale_notification(1, 90, &names(&["old-ci"]));
        assert_eq!(one.title, "1 token unused for 90 days");
        assert!(one
            .body
            .starts_with("“old-ci” has not been used for 90 days or more."));
        let two = stale_notification(2, 90, &names(&["a", "b"]));
        assert!(two.body.starts_with("“a” and “b” have not been used"));
        let three = stale_notification(3, 30, &names(&["a", "b", "c"]));
        assert_eq!(three.title, "3 tokens unused for 30 days");
        assert!(three
            .body
            .starts_with("“a”, “b” and “c” have not been used for 30 days"));
        let many = stale_notification(7, 90, &names(&["a", "b", "c"]));
        assert!(many.body.starts_with("“a”, “b”, “c” and 4 more have not"));
        assert!(many.body.contains("tok list --unused-for 90d"));
    }

    #[test]
    fn thresholds_are_bounded_deduplicated_and_largest_first() {
        assert_eq!(
            check_reminder_days(&[1, 30, 7, 0, 7]).unwrap(),
            [30, 7, 1, 0]
        );
        assert_eq!(check_reminder_days(&[]).unwrap(), Vec::<u32>::new());
        assert_eq!(check_reminder_days(&[365]).unwrap(), [365]);
        let e = check_reminder_days(&[30, 366]).unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert!(
            e.to_string()
                .contains("366 days before expiry is out of range"),
            "{e}"
        );
        let eleven: Vec<u32> = (0..11).collect();
        assert!(check_reminder_days(&eleven)
            .unwrap_err()
            .to_string()
            .contains("11 reminders per token is too many"));
    }

    #[test]
    fn day_lists_read_as_typed_and_bad_ones_name_the_part() {
        assert_eq!(parse_reminder_days(" 30, 7d,1 ,0").unwrap(), [30, 7, 1, 0]);
        assert_eq!(parse_reminder_days("").unwrap(), Vec::<u32>::new());
        assert_eq!(parse_reminder_days("none").unwrap(), Vec::<u32>::new());
        let e = parse_reminder_days("30, soon").unwrap_err().to_string();
        assert!(e.starts_with("'soon' is not a number of days"), "{e}");
        assert!(e.contains("separate reminders with commas"), "{e}");
        assert!(parse_reminder_days("30,,7").is_err());
        assert!(parse_reminder_days(&"1,".repeat(150)).is_err());
        assert_eq!(parse_days("90d").unwrap(), 90);
        assert_eq!(parse_days("90").unwrap(), 90);
        for bad in ["abc", "", "-5", "9d9", "1.5", "99999999999"] {
            assert_eq!(
                parse_days(bad).unwrap_err().kind(),
                "invalid_input",
                "{bad}"
            );
        }
    }

    #[test]
    fn stored_thresholds_read_back_and_garbage_does_not() {
        assert_eq!(
            read_stored_days(&stored_days(&[30, 7, 1, 0])).unwrap(),
            [30, 7, 1, 0]
        );
        assert_eq!(read_stored_days("").unwrap(), Vec::<u32>::new());
        assert_eq!(read_stored_days("30,x"), None);
        assert_eq!(read_stored_days("999"), None);
    }

    #[test]
    fn markup_is_escaped_for_servers_that_read_it() {
        assert_eq!(escape_markup("a<b> & c"), "a&lt;b&gt; &amp; c");
    }
}
