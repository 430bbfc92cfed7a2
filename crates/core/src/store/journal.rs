//! SQL for `secret_journal`: keychain accounts with a write in flight, so a crash between the
//! keychain and the SQLite commit can be found and undone at the next open.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::ts;
use crate::error::Result;

/// Records, in its own committed transaction, that `entries` (`(account, token id)` pairs) are
/// about to be written.
pub(crate) fn begin(
    conn: &Connection,
    entries: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = super::write_tx(conn)?;
    for (account, token_id) in entries {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO secret_journal (account, token_id, started_at) VALUES (?1, ?2, ?3)",
        )?
        .execute([account.as_str(), token_id.as_str(), &ts(now)])?;
    }
    tx.commit()?;
    Ok(())
}

/// Removes the entries for `accounts` (inside the transaction that records the change, when
/// there is one).
pub(crate) fn finish(conn: &Connection, accounts: &[&str]) -> Result<()> {
    for account in accounts {
        conn.prepare_cached("DELETE FROM secret_journal WHERE account = ?1")?
            .execute([*account])?;
    }
    Ok(())
}

/// Every entry left behind: (account, token id).
pub(crate) fn pending(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare_cached("SELECT account, token_id FROM secret_journal ORDER BY account")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
