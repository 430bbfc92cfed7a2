//! SQL for `reminders`: which expiry-reminder thresholds each token's current expiry has had
//! (sent, or passed over), so each is sent once whoever sends it.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::{parse_ts, ts};
use crate::error::Result;

/// An active token whose expiry lies in `(from, to]`: a candidate for a reminder.
pub(crate) struct Candidate {
    pub id: String,
    pub name: String,
    pub service: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Active tokens expiring after `from` and at or before `to`, soonest first: a range of
/// `tokens_status_expires` (migration 005), not a read of every row.
pub(crate) fn candidates(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Candidate>> {
    let expires = super::tokens::EXPIRES;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, name, service, {expires} FROM tokens WHERE status = 'active' \
         AND {expires} > ?1 AND {expires} <= ?2 ORDER BY {expires}, name_key, id"
    ))?;
    let rows = stmt
        .query_map([ts(from), ts(to)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // A time that does not read (a row an older version wrote) gets no reminder: the list
    // shows it unset.
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, service, at)| {
            let expires_at = parse_ts(&at).ok()?;
            Some(Candidate {
                id,
                name,
                service,
                expires_at,
            })
        })
        .collect())
}

/// The thresholds (days before expiry) this expiry of the token has had, sent or passed over.
pub(crate) fn done(
    conn: &Connection,
    token_id: &str,
    expires_at: DateTime<Utc>,
) -> Result<Vec<u32>> {
    let mut stmt =
        conn.prepare_cached("SELECT days FROM reminders WHERE token_id = ?1 AND expires_at = ?2")?;
    let days = stmt
        .query_map([token_id, &ts(expires_at)], |r| r.get::<_, u32>(0))?
        .collect::<rusqlite::Result<Vec<u32>>>()?;
    Ok(days)
}

/// Records a threshold as had (`sent`: the one notified; else passed over). A threshold already
/// recorded stays as it was.
pub(crate) fn record(
    conn: &Connection,
    token_id: &str,
    expires_at: DateTime<Utc>,
    days: u32,
    at: DateTime<Utc>,
    sent: bool,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO reminders (token_id, expires_at, days, at, sent) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![
        token_id,
        ts(expires_at),
        days,
        ts(at),
        sent
    ])?;
    Ok(())
}

/// Forgets what earlier expiries of a token had: its thresholds start again for the new one.
pub(crate) fn forget_other_expiries(
    conn: &Connection,
    token_id: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM reminders WHERE token_id = ?1 AND expires_at != ?2")?
        .execute([token_id, &ts(expires_at)])?;
    Ok(())
}
