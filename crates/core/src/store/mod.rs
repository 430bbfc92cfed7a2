//! SQLite: opening the file safely for two processes at once, numbered migrations, and one
//! submodule per table holding that table's SQL.

pub(crate) mod events;
pub(crate) mod history;
pub(crate) mod journal;
pub(crate) mod members;
pub(crate) mod meta;
pub(crate) mod reminders;
pub(crate) mod services;
pub(crate) mod tokens;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, NotADatabaseError, Result};

/// Embedded migrations; entry N brings the schema to `user_version` N + 1.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_token_history.sql"),
    include_str!("migrations/003_members.sql"),
    include_str!("migrations/004_keyed_fingerprints.sql"),
    include_str!("migrations/005_dashboard_paging.sql"),
    include_str!("migrations/006_reminders.sql"),
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process (the app or another `tok`) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the database file, refusing files that are not ours, and migrates it.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    create_private(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::sql(format!("could not open {}", path.display()), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;

    // The first real read tells a foreign file apart from a database. The version and the table
    // count come from one statement, one snapshot: read apart, another process creating the
    // schema in between would make a new data directory look like somebody else's database.
    let (version, tables): (i64, i64) = retry_busy(|| {
        conn.query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), \
                    (SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    })
    .map_err(|e| not_ours(path, e))?;
    if version > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew {
            path: path.to_path_buf(),
            version,
            known: SCHEMA_VERSION,
        });
    }
    if version == 0 && tables > 0 {
        return Err(NotADatabaseError::Foreign {
            path: path.to_path_buf(),
        }
        .into());
    }

    make_files_private(path)?;
    retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))
        .map_err(|e| not_ours(path, e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&conn, version)?;
    Ok(conn)
}

/// Creates a new database file readable by the user alone (0600) before SQLite opens it. SQLite
/// creates the `-wal` and `-shm` files lazily with the database file's own mode, so they come
/// out 0600 too. An existing file is left for [`make_files_private`].
fn create_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // create_new: never truncates, and a file another process creates meanwhile is kept.
        match std::fs::File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(format!("could not create {}", path.display()), e)),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Makes the database and its `-wal` and `-shm` files 0600 on every open, once the file is known
/// to be ours: a store made by an older build, or copied in, may be 0644.
fn make_files_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if let Ok(meta) = std::fs::metadata(&file) {
            crate::vault::make_private(&file, &meta, 0o600)?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Retries `f` while another connection holds a lock SQLite does not wait for by itself: the
/// first read of a file another process is creating, and the switch to WAL, can answer "database
/// is locked" at once instead of calling the busy handler.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = std::time::Instant::now();
    loop {
        match f() {
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

fn not_ours(path: &Path, err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => NotADatabaseError::NotSqlite {
            path: path.to_path_buf(),
            source: err,
        }
        .into(),
        _ => Error::sql(format!("could not read {}", path.display()), err),
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
    if let Some(t) = parse_our_ts(s) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

/// The exact shape [`ts`] writes, `2026-11-24T19:46:19.491362Z`, read without a general
/// RFC 3339 parser: a list of 10,000 tokens reads some 30,000 of them.
fn parse_our_ts(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 27 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'.' || b[26] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
        num(20, 26)?,
    )?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_read_back_exactly() {
        for t in [
            "2026-11-24T19:46:19.491362Z",
            "2000-01-01T00:00:00.000000Z",
            "2099-12-31T23:59:59.999999Z",
        ] {
            let parsed = parse_ts(t).unwrap();
            assert_eq!(ts(parsed), t);
            assert_eq!(
                parsed,
                DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
            );
        }
        let now = Utc::now();
        assert_eq!(parse_ts(&ts(now)).unwrap(), parse_ts(&ts(now)).unwrap());
        assert_eq!(ts(parse_ts(&ts(now)).unwrap()), ts(now));
    }

    #[test]
    fn other_rfc3339_spellings_still_read() {
        let want = DateTime::parse_from_rfc3339("2026-11-24T19:46:19Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_ts("2026-11-24T19:46:19Z").unwrap(), want);
        assert_eq!(parse_ts("2026-11-24T20:46:19+01:00").unwrap(), want);
        assert!(parse_ts("2026-13-24T19:46:19.000000Z").is_err());
        assert!(parse_ts("2026-11-24T19:46:19.00000xZ").is_err());
    }
}
