//! SQL for `meta`: the vault id and the user's settings, as key/value pairs.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// Returns the stored value, storing `make()` first if there is none (atomically).
pub(crate) fn get_or_init(
    conn: &Connection,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    let tx = super::write_tx(conn)?;
    tx.prepare_cached("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute([key, &make()])?;
    let v = get(&tx, key)?.expect("the value was just inserted");
    tx.commit()?;
    Ok(v)
}
