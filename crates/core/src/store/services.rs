//! SQL for `services`: the services tokens belong to, and how their tokens are presented.

use rusqlite::{Connection, OptionalExtension, Row};

use crate::error::Result;
use crate::model::Service;

fn from_row(r: &Row<'_>) -> rusqlite::Result<Service> {
    Ok(Service {
        name: r.get(0)?,
        auth_header: r.get(1)?,
        token_prefix: r.get(2)?,
        base_url: r.get(3)?,
        max_active: r.get(4)?,
    })
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<Service>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, auth_header, token_prefix, base_url, max_active FROM services \
         ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The service with this name, compared case-insensitively.
pub(crate) fn by_name(conn: &Connection, name: &str) -> Result<Option<Service>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, auth_header, token_prefix, base_url, max_active FROM services \
             WHERE name = ?1 COLLATE NOCASE",
        )?
        .query_row([name], from_row)
        .optional()?)
}

/// What [`write`] does when a service of that name exists.
pub(crate) enum OnConflict {
    /// Replace its settings (the user edited the service).
    Replace,
    /// Keep it (a token merely names it).
    Keep,
}

pub(crate) fn write(conn: &Connection, s: &Service, on_conflict: OnConflict) -> Result<()> {
    let conflict = match on_conflict {
        OnConflict::Replace => {
            "DO UPDATE SET auth_header = excluded.auth_header, \
             token_prefix = excluded.token_prefix, base_url = excluded.base_url, \
             max_active = excluded.max_active"
        }
        OnConflict::Keep => "DO NOTHING",
    };
    conn.prepare_cached(&format!(
        "INSERT INTO services (name, auth_header, token_prefix, base_url, max_active) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) {conflict}"
    ))?
    .execute(rusqlite::params![
        s.name,
        s.auth_header,
        s.token_prefix,
        s.base_url,
        s.max_active
    ])?;
    Ok(())
}
