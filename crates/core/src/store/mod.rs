//! SQLite: opening the file safely for two processes at once, numbered migrations, and one
//! submodule per table holding that table's SQL.

pub(crate) mod events;
pub(crate) mod history;
pub(crate) mod journal;
pub(crate) mod meta;
pub(crate) mod services;
pub(crate) mod tokens;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Embedded migrations; entry N brings the schema to `user_version` N + 1.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_token_history.sql"),
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process (the app or another `tok`) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the database file, refusing files that are not ours, and migrates it.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::storage(&format!("could not open {}", path.display()), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;

    // The first real read tells a foreign file apart from a database.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| not_ours(path, e))?;
    if version > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew(format!(
            "{} was written by a newer Tokenkeeper (schema version {version}; this build knows \
             up to {SCHEMA_VERSION}). Upgrade Tokenkeeper to open it; the file was not changed",
            path.display()
        )));
    }
    if version == 0 {
        let foreign: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| not_ours(path, e))?;
        if foreign > 0 {
            return Err(Error::NotADatabase(format!(
                "{} is an SQLite database, but not a Tokenkeeper one. Move it away or point \
                 TOKENKEEPER_HOME at another directory; the file was not changed",
                path.display()
            )));
        }
    }

    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| not_ours(path, e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&conn, version)?;
    Ok(conn)
}

fn not_ours(path: &Path, err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase(format!(
            "{} is not a Tokenkeeper database (it is not SQLite at all). Move it away or point \
             TOKENKEEPER_HOME at another directory; the file was not changed",
            path.display()
        )),
        _ => Error::storage(&format!("could not read {}", path.display()), err),
    }
}

/// Applies the missing migrations in one immediate transaction, so two processes opening a new
/// data directory at once cannot both apply them.
fn migrate(conn: &Connection, seen: i64) -> Result<()> {
    if seen == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let from: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for sql in MIGRATIONS.iter().skip(from as usize) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Starts a write transaction that takes the write lock at once (waiting up to the busy
/// timeout), so concurrent writers queue instead of failing with "database is locked".
pub(crate) fn write_tx(conn: &Connection) -> Result<rusqlite::Transaction<'_>> {
    Ok(rusqlite::Transaction::new_unchecked(
        conn,
        rusqlite::TransactionBehavior::Immediate,
    )?)
}

/// Timestamps are stored as RFC 3339 UTC text with microseconds, which sorts correctly.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn ts_opt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(ts)
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

pub(crate) fn parse_ts_opt(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}
