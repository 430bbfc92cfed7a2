//! SQL for `merge_base`: each token's shared content hash as of its last export or merge, the
//! common ancestor that lets a vault import tell one-sided edits from conflicts.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::error::Result;

/// Every recorded base: token id → content hash.
pub(crate) fn all(conn: &Connection) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT token_id, content_hash FROM merge_base")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(rows)
}

pub(crate) fn set(conn: &Connection, token_id: &str, content_hash: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO merge_base (token_id, content_hash) VALUES (?1, ?2) \
         ON CONFLICT(token_id) DO UPDATE SET content_hash = excluded.content_hash",
    )?
    .execute([token_id, content_hash])?;
    Ok(())
}
