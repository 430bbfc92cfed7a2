//! SQL for the append-only `events` table: each token's activity history.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::{parse_ts, ts};
use crate::error::Result;
use crate::model::{Event, EventKind};

pub(crate) fn append(
    conn: &Connection,
    token_id: &str,
    at: DateTime<Utc>,
    actor: &str,
    kind: EventKind,
    detail: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO events (token_id, at, actor, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![
        token_id,
        ts(at),
        actor,
        kind.as_str(),
        detail
    ])?;
    Ok(())
}

/// Time and detail of a token's newest event of `kind`. The walk back over the token's events
/// stops at the first one of that kind, so it stays short however long the history grows.
pub(crate) fn latest_of_kind(
    conn: &Connection,
    token_id: &str,
    kind: EventKind,
) -> Result<Option<(DateTime<Utc>, Option<String>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, detail FROM events WHERE token_id = ?1 AND kind = ?2 ORDER BY seq DESC LIMIT 1",
    )?;
    let mut rows = stmt.query([token_id, kind.as_str()])?;
    match rows.next()? {
        Some(r) => Ok(Some((parse_ts(&r.get::<_, String>(0)?)?, r.get(1)?))),
        None => Ok(None),
    }
}

/// A token's events, newest first.
pub(crate) fn for_token(conn: &Connection, token_id: &str) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT token_id, at, actor, kind, detail FROM events WHERE token_id = ?1 ORDER BY seq DESC",
    )?;
    let rows = stmt
        .query_map([token_id], |r| {
            let kind: String = r.get(3)?;
            Ok(Event {
                token_id: r.get(0)?,
                at: parse_ts(&r.get::<_, String>(1)?)?,
                actor: r.get(2)?,
                kind: kind.parse().map_err(|e: crate::Error| {
                    rusqlite::Error::FromSqlConversionFailure(
                        3,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
                detail: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
