//! SQL for `token_history`: the versions (content hashes) of each token this install has shared
//! through vault files, which let an import tell one-sided edits from conflicts.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::error::Result;

/// How many versions are kept per token (the newest). An older version that falls out can only
/// turn a one-sided edit into a conflict, never the other way round.
pub(crate) const KEPT_VERSIONS: usize = 32;

/// Every token's shared versions, oldest first: token id → content hashes.
pub(crate) fn all(conn: &Connection) -> Result<HashMap<String, Vec<String>>> {
    let mut stmt =
        conn.prepare_cached("SELECT token_id, content_hash FROM token_history ORDER BY rowid")?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (id, hash) = row?;
        out.entry(id).or_default().push(hash);
    }
    Ok(out)
}

/// Adds versions of a token (those already known are skipped) and keeps the newest
/// [`KEPT_VERSIONS`].
pub(crate) fn add(conn: &Connection, token_id: &str, hashes: &[&str]) -> Result<()> {
    for hash in hashes {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO token_history (token_id, content_hash) VALUES (?1, ?2)",
        )?
        .execute([token_id, hash])?;
    }
    conn.prepare_cached(
        "DELETE FROM token_history WHERE token_id = ?1 AND rowid NOT IN \
         (SELECT rowid FROM token_history WHERE token_id = ?1 ORDER BY rowid DESC LIMIT ?2)",
    )?
    .execute(rusqlite::params![token_id, KEPT_VERSIONS as i64])?;
    Ok(())
}

/// A token's shared versions, oldest first.
pub(crate) fn of(conn: &Connection, token_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT content_hash FROM token_history WHERE token_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt
        .query_map([token_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(rows)
}

/// Forgets every shared version of a token.
pub(crate) fn clear(conn: &Connection, token_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM token_history WHERE token_id = ?1")?
        .execute([token_id])?;
    Ok(())
}
