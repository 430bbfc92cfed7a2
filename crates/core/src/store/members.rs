//! SQL for `members`: the team's member keys (public keys only), by name.

use rusqlite::{Connection, OptionalExtension, Row};

use super::{parse_ts, ts};
use crate::error::Result;
use crate::store::tokens::name_key;

/// One stored member, as the table holds it.
pub(crate) struct MemberRow {
    pub name: String,
    pub age_recipient: String,
    pub signing_key: [u8; 32],
    pub added_at: chrono::DateTime<chrono::Utc>,
    pub added_by: String,
}

const COLUMNS: &str = "name, age_recipient, signing_key, added_at, added_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<MemberRow> {
    let hex: String = r.get(2)?;
    let bad = || {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            "signing_key is not 64 hex digits".into(),
        )
    };
    let mut signing_key = [0u8; 32];
    if hex.len() != 64 {
        return Err(bad());
    }
    for (i, byte) in signing_key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
            .map_err(|_| bad())?;
    }
    Ok(MemberRow {
        name: r.get(0)?,
        age_recipient: r.get(1)?,
        signing_key,
        added_at: parse_ts(&r.get::<_, String>(3)?)?,
        added_by: r.get(4)?,
    })
}

pub(crate) fn hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every member, by name.
pub(crate) fn all(conn: &Connection) -> Result<Vec<MemberRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM members ORDER BY name_key"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn by_name(conn: &Connection, name: &str) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM members WHERE name_key = ?1"
        ))?
        .query_row([name_key(name)], from_row)
        .optional()?)
}

pub(crate) fn by_signing_key(conn: &Connection, key: &[u8; 32]) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM members WHERE signing_key = ?1"
        ))?
        .query_row([hex(key)], from_row)
        .optional()?)
}

pub(crate) fn insert(conn: &Connection, m: &MemberRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO members (name, name_key, age_recipient, signing_key, added_at, added_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute([
        m.name.as_str(),
        &name_key(&m.name),
        &m.age_recipient,
        &hex(&m.signing_key),
        &ts(m.added_at),
        &m.added_by,
    ])?;
    Ok(())
}

/// Removes a member by name; returns whether there was one.
pub(crate) fn remove(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM members WHERE name_key = ?1")?
        .execute([name_key(name)])?
        > 0)
}
