//! A calendar of token expiries (RFC 5545 iCalendar), so the reminders live where people already
//! look every day. It holds names, services and dates only: never a secret, a hint or a scope.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike};

use crate::error::Result;
use crate::model::{ListQuery, Token, TokenState};
use crate::vault::Vault;

/// The reminders each expiry carries, in days before it (0: when it expires).
pub const DEFAULT_REMINDER_DAYS: [u32; 4] = [30, 7, 1, 0];

/// What [`Vault::write_expiry_calendar`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarSummary {
    /// One event per active token that expires after `now`.
    pub events: usize,
}

impl Vault {
    /// The iCalendar file of every active token that has not expired yet: one event at its
    /// expiry, with a display alarm `reminder_days` before it (those still ahead). Disabled, deleted, expired and
    /// never-expiring tokens are left out, as reminders leave them out.
    pub fn expiry_calendar(&self, reminder_days: &[u32]) -> Result<(String, CalendarSummary)> {
        let now = Utc::now();
        let query = ListQuery {
            state: Some(TokenState::Active),
            ..Default::default()
        };
        let tokens = self.list(&query)?;
        let expiring: Vec<(&Token, DateTime<Utc>)> = tokens
            .iter()
            .filter_map(|t| t.expires_at.filter(|at| *at > now).map(|at| (t, at)))
            .collect();
        let mut calendar = Calendar::new();
        calendar.name("Tokenkeeper: token expiries");
        for (token, at) in &expiring {
            calendar.push(event(token, *at, reminder_days, now));
        }
        let summary = CalendarSummary {
            events: expiring.len(),
        };
        Ok((calendar.done().to_string(), summary))
    }

    /// Writes [`Vault::expiry_calendar`] to `path` atomically (a temporary file renamed over it,
    /// mode 0600), so a calendar app never reads half a file.
    pub fn write_expiry_calendar(
        &self,
        path: &Path,
        reminder_days: &[u32],
    ) -> Result<CalendarSummary> {
        let (text, summary) = self.expiry_calendar(reminder_days)?;
        crate::vault_file::write_atomically(path, text.as_bytes())?;
        Ok(summary)
    }
}

/// One token's expiry: a 15-minute event at the moment it expires, whose UID stays the same
/// across exports so a calendar that imports the file again updates it instead of adding a copy.
fn event(token: &Token, at: DateTime<Utc>, reminder_days: &[u32], now: DateTime<Utc>) -> Event {
    let service = token.service.as_deref().unwrap_or("no service");
    let mut event = Event::new();
    event
        .uid(&format!("{}@tokenkeeper", token.id))
        .timestamp(now)
        .summary(&format!("API token expires: {} ({service})", token.name))
        .description(&format!(
            "The Tokenkeeper token '{}' for {service} expires at this time. Rotate it before \
             then (tok rotate '{}') and update what uses it.",
            token.name, token.name
        ))
        .starts(at)
        .ends(at + Duration::minutes(15));
    // A reminder whose time has passed would only pop up at once on import: left out.
    for days in reminder_days
        .iter()
        .filter(|d| at - Duration::days(i64::from(**d)) > now)
    {
        let text = match days {
            0 => format!("{} expires now", token.name),
            1 => format!("{} expires in 1 day", token.name),
            n => format!("{} expires in {n} days", token.name),
        };
        event.alarm(Alarm::display(&text, -Duration::days(i64::from(*days))));
    }
    event.done()
}
