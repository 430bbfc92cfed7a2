//! SQL for the `tokens` table: one row per token, deleted ones kept as tombstones.

use chrono::{DateTime, Duration, Utc};
use rusqlite::types::Value;
use rusqlite::{named_params, params_from_iter, Connection, OptionalExtension, Row};

use super::{parse_ts, ts, ts_opt};
use crate::error::Result;
use crate::model::{ListQuery, SortKey, Status, Summary, Token, TokenState};
use crate::validate;

/// `expires_at` as SQL filters and sorts compare it: NULL when a row an older version wrote holds
/// something that is not a four-digit-year time (`+10000-01-01...` would otherwise sort before
/// every real date and count as expired), so the dashboard's counts agree with the list, where
/// [`from_row`] reads such an expiry as unset.
pub(crate) const EXPIRES: &str =
    "(CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END)";

/// When a token was last used (revealed, copied, verified), or created if it never was: what
/// "unused for N days" compares. A time an older version wrote that does not read counts as
/// long ago, as [`from_row`] reads it (created at the epoch). Indexed by migration 006.
const LAST_SEEN: &str = "(CASE WHEN last_used_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN last_used_at \
     WHEN created_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN created_at ELSE '' END)";

const COLUMNS: &str = "id, name, description, service, origin, storage, scopes, status, \
    fingerprint, hint, created_at, created_by, updated_at, last_used_at, expires_at, rotated_at, \
    deleted_at, previous_fingerprint, previous_valid_until, secret_missing";

/// Reads one row. A row an older version wrote may hold a value this version refuses (a time
/// past 9999, a control character in a name): such a row still reads, with the value made
/// harmless and its field named in [`Token::needs_repair`], so one bad row never fails a whole
/// list. Only a row whose status, origin or storage is unknown fails (SQLite's CHECK constraints
/// keep those out).
fn from_row(row: &Row<'_>, now: DateTime<Utc>) -> rusqlite::Result<Token> {
    let text_enum = |i: usize| -> rusqlite::Result<String> { row.get(i) };
    let parse_err = |i: usize, e: crate::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let mut repair: Vec<String> = Vec::new();
    // A time that does not read, or lies outside 1970-9999, becomes unset.
    let mut time = |i: usize, field: &str| -> rusqlite::Result<Option<DateTime<Utc>>> {
        let raw: Option<String> = row.get(i)?;
        Ok(match raw.as_deref().map(parse_ts) {
            None => None,
            Some(Ok(t)) if validate::date_in_range(t) => Some(t),
            Some(_) => {
                repair.push(field.to_string());
                None
            }
        })
    };
    let created_at = time(10, "created_at")?;
    let updated_at = time(12, "updated_at")?;
    let last_used_at = time(13, "last_used_at")?;
    let expires_at = time(14, "expires_at")?;
    let rotated_at = time(15, "rotated_at")?;
    let deleted_at = time(16, "deleted_at")?;
    let previous_valid_until = time(18, "previous_valid_until")?;
    // Text with a character no name may hold shows it escaped (`\u{1b}`).
    let mut text = |i: usize, field: &str, keep_newlines: bool| -> rusqlite::Result<String> {
        let raw: String = row.get(i)?;
        let unsafe_char = |c: char| validate::is_unsafe_char(c) && !(keep_newlines && c == '\n');
        if !raw.chars().any(unsafe_char) {
            return Ok(raw);
        }
        repair.push(field.to_string());
        let escape = |t: &str| validate::escape_for_terminal(t).into_owned();
        Ok(if keep_newlines {
            raw.split('\n').map(escape).collect::<Vec<_>>().join("\n")
        } else {
            escape(&raw)
        })
    };
    let name = text(1, "name", false)?;
    let description = text(2, "description", true)?;
    let status = text_enum(7)?.parse().map_err(|e| parse_err(7, e))?;
    let scopes: String = row.get(6)?;
    let scopes = serde_json::from_str(&scopes).unwrap_or_else(|_| {
        repair.push("scopes".to_string());
        Vec::new()
    });
    let created_at = created_at.unwrap_or(DateTime::UNIX_EPOCH);
    Ok(Token {
        id: row.get(0)?,
        name,
        description,
        service: row.get(3)?,
        origin: text_enum(4)?.parse().map_err(|e| parse_err(4, e))?,
        storage: text_enum(5)?.parse().map_err(|e| parse_err(5, e))?,
        scopes,
        status,
        state: TokenState::derive(status, expires_at, now),
        fingerprint: row.get(8)?,
        hint: row.get(9)?,
        created_at,
        created_by: row.get(11)?,
        updated_at: updated_at.unwrap_or(created_at),
        last_used_at,
        expires_at,
        rotated_at,
        deleted_at,
        previous_fingerprint: row.get(17)?,
        previous_valid_until,
        secret_missing: row.get(19)?,
        needs_repair: repair,
    })
}

/// A stored time, or None when it does not read or lies outside 1970-9999 (a row written by an
/// older version; [`from_row`] flags it for repair).
fn readable_time(raw: Option<String>) -> Option<DateTime<Utc>> {
    raw.as_deref()
        .and_then(|s| parse_ts(s).ok())
        .filter(|t| validate::date_in_range(*t))
}

/// Inserts a new row, or replaces every column of an existing one.
pub(crate) fn upsert(conn: &Connection, t: &Token) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tokens (id, name, name_key, description, service, origin, storage, scopes, \
         status, fingerprint, hint, created_at, created_by, updated_at, last_used_at, expires_at, \
         rotated_at, deleted_at, previous_fingerprint, previous_valid_until, secret_missing) \
         VALUES (:id, :name, :name_key, :description, :service, :origin, :storage, :scopes, \
         :status, :fingerprint, :hint, :created_at, :created_by, :updated_at, :last_used_at, \
         :expires_at, :rotated_at, :deleted_at, :previous_fingerprint, :previous_valid_until, \
         :secret_missing) \
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, \
         description = excluded.description, service = excluded.service, \
         origin = excluded.origin, storage = excluded.storage, scopes = excluded.scopes, \
         status = excluded.status, fingerprint = excluded.fingerprint, hint = excluded.hint, \
         created_at = excluded.created_at, created_by = excluded.created_by, \
         updated_at = excluded.updated_at, last_used_at = excluded.last_used_at, \
         expires_at = excluded.expires_at, rotated_at = excluded.rotated_at, \
         deleted_at = excluded.deleted_at, previous_fingerprint = excluded.previous_fingerprint, \
         previous_valid_until = excluded.previous_valid_until, \
         secret_missing = excluded.secret_missing",
    )?
    .execute(named_params! {
        ":id": t.id,
        ":name": t.name,
        ":name_key": name_key(&t.name),
        ":description": t.description,
        ":service": t.service,
        ":origin": t.origin.as_str(),
        ":storage": t.storage.as_str(),
        ":scopes": serde_json::to_string(&t.scopes).expect("a list of strings serializes"),
        ":status": t.status.as_str(),
        ":fingerprint": t.fingerprint,
        ":hint": t.hint,
        ":created_at": ts(t.created_at),
        ":created_by": t.created_by,
        ":updated_at": ts(t.updated_at),
        ":last_used_at": ts_opt(t.last_used_at),
        ":expires_at": ts_opt(t.expires_at),
        ":rotated_at": ts_opt(t.rotated_at),
        ":deleted_at": ts_opt(t.deleted_at),
        ":previous_fingerprint": t.previous_fingerprint,
        ":previous_valid_until": ts_opt(t.previous_valid_until),
        ":secret_missing": t.secret_missing,
    })?;
    Ok(())
}

/// The case-insensitive form names are compared by.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The one token matching `condition` (SQL over the tokens table, with `?1`, `?2` ...).
fn one(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
    now: DateTime<Utc>,
) -> Result<Option<Token>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM tokens WHERE {condition}"))?
        .query_row(params, |r| from_row(r, now))
        .optional()?)
}

pub(crate) fn by_id(conn: &Connection, id: &str, now: DateTime<Utc>) -> Result<Option<Token>> {
    one(conn, "id = ?1", [id], now)
}

/// Every token, deleted ones included, in id order (vault export and merge).
pub(crate) fn all(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Token>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM tokens ORDER BY id"))?;
    let rows = stmt
        .query_map([], |r| from_row(r, now))?
        .collect::<rusqlite::Result<Vec<Token>>>()?;
    Ok(rows)
}

/// The live (not deleted) token with this name, compared case-insensitively.
pub(crate) fn live_by_name(
    conn: &Connection,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Option<Token>> {
    let condition = "name_key = ?1 AND status != 'deleted'";
    one(conn, condition, [name_key(name)], now)
}

/// The live token whose current secret has this fingerprint.
pub(crate) fn live_by_fingerprint(
    conn: &Connection,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Option<Token>> {
    let condition = "fingerprint = ?1 AND status != 'deleted' AND fingerprint != ''";
    one(conn, condition, [fingerprint], now)
}

/// What verification needs of a token, read with its newest `verified` event in one statement.
pub(crate) struct VerifyRow {
    pub id: String,
    pub name: String,
    pub state: TokenState,
    pub scopes: Vec<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Time and detail of the token's newest `verified` event.
    pub last_verified: Option<(DateTime<Utc>, Option<String>)>,
}

/// The live token a presented secret's fingerprint names: by its current secret, else by its
/// previous one inside the grace period (the flag says which). Reads only the columns the
/// answer needs, so the hot path of a verifying service stays close to a bare indexed lookup.
pub(crate) fn for_verification(
    conn: &Connection,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Option<(VerifyRow, bool)>> {
    // The newest `verified` event comes as "at<RS>detail" from one walk back over the
    // token's events (record separator, char 30, never appears in a timestamp).
    const SELECT: &str = "SELECT id, name, status, expires_at, scopes, last_used_at, \
        (SELECT at || char(30) || ifnull(detail, '') FROM events \
         WHERE token_id = tokens.id AND kind = 'verified' ORDER BY seq DESC LIMIT 1) \
        FROM tokens WHERE ";
    let read = |r: &Row<'_>| -> rusqlite::Result<VerifyRow> {
        let status: String = r.get(2)?;
        let status = status.parse().map_err(|e: crate::Error| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?;
        let scopes: String = r.get(4)?;
        let last_verified = match r.get::<_, Option<String>>(6)? {
            Some(v) => {
                let (at, detail) = v.split_once('\u{1e}').unwrap_or((&v, ""));
                let detail = (!detail.is_empty()).then(|| detail.to_string());
                // An unreadable time counts as no earlier verification.
                parse_ts(at).ok().map(|at| (at, detail))
            }
            None => None,
        };
        Ok(VerifyRow {
            id: r.get(0)?,
            name: r.get(1)?,
            state: TokenState::derive(status, readable_time(r.get(3)?), now),
            scopes: serde_json::from_str(&scopes).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
            })?,
            last_used_at: readable_time(r.get(5)?),
            last_verified,
        })
    };
    let current = conn
        .prepare_cached(&format!(
            "{SELECT} fingerprint = ?1 AND status != 'deleted' AND fingerprint != ''"
        ))?
        .query_row([fingerprint], read)
        .optional()?;
    if let Some(row) = current {
        return Ok(Some((row, false)));
    }
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} previous_fingerprint = ?1 AND status != 'deleted' \
             AND previous_valid_until > ?2"
        ))?
        .query_row([fingerprint, &ts(now)], read)
        .optional()?
        .map(|row| (row, true)))
}

/// Active (not expired) tokens of a service, other than `except`.
pub(crate) fn active_names_for_service(
    conn: &Connection,
    service: &str,
    except: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT name FROM tokens WHERE service = ?1 COLLATE NOCASE AND status = 'active' \
         AND ({EXPIRES} IS NULL OR {EXPIRES} > ?2) AND id != ?3 ORDER BY name_key"
    ))?;
    let names = stmt
        .query_map(
            rusqlite::params![service, ts(now), except.unwrap_or("")],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// Whether any live key the user added (origin `imported`) has a fingerprint (one that arrived
/// in a vault file without its secret has none).
pub(crate) fn any_live_keyed(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE origin = 'imported' \
             AND status != 'deleted' AND fingerprint != '')",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Every added key (origin `imported`, tombstones too), for the one-time move to keyed
/// fingerprints.
pub(crate) fn all_imported(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Token>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE origin = 'imported' ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([], |r| from_row(r, now))?
        .collect::<rusqlite::Result<Vec<Token>>>()?;
    Ok(rows)
}

/// Replaces a token's current and previous fingerprints (the move to keyed fingerprints).
pub(crate) fn set_fingerprints(
    conn: &Connection,
    id: &str,
    fingerprint: &str,
    previous: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tokens SET fingerprint = ?2, previous_fingerprint = ?3 WHERE id = ?1",
    )?
    .execute(rusqlite::params![id, fingerprint, previous])?;
    Ok(())
}

/// Updates only the usage time, for reveal, copy and verify.
pub(crate) fn touch_last_used(conn: &Connection, id: &str, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")?
        .execute([id, &ts(now)])?;
    Ok(())
}

/// Sets the usage time unless it already is later than `since` (verification's minute precision).
pub(crate) fn touch_last_used_unless_since(
    conn: &Connection,
    id: &str,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 \
         AND (last_used_at IS NULL OR last_used_at <= ?3)",
    )?
    .execute([id, &ts(now), &ts(since)])?;
    Ok(())
}

pub(crate) fn set_secret_missing(conn: &Connection, id: &str, missing: bool) -> Result<()> {
    conn.prepare_cached("UPDATE tokens SET secret_missing = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![id, missing])?;
    Ok(())
}

/// Filtered, sorted summaries. Reads SQLite only.
pub(crate) fn list(conn: &Connection, q: &ListQuery, now: DateTime<Utc>) -> Result<Vec<Token>> {
    let filter = Filter::new(conn, q, now)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM tokens WHERE {} ORDER BY {}",
        filter.condition,
        order_by(q)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(filter.args.iter()), |r| from_row(r, now))?
        .collect::<rusqlite::Result<Vec<Token>>>()?;
    Ok(rows)
}

/// The rows `offset..offset + limit` of what [`list`] would answer, and how many it would.
/// The rows come from the sort key's index (migration 005), read in order up to the page's
/// end; the total from [`count`].
pub(crate) fn page(
    conn: &Connection,
    q: &ListQuery,
    offset: u64,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<(Vec<Token>, u64)> {
    let filter = Filter::new(conn, q, now)?;
    let total = count(conn, q, &filter, now)?;
    if offset >= total || limit == 0 {
        return Ok((Vec::new(), total));
    }
    let mut args = filter.args.clone();
    args.push(Value::Integer(i64::from(limit)));
    args.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {COLUMNS} FROM tokens WHERE {} ORDER BY {} LIMIT ?{} OFFSET ?{}",
        filter.condition,
        order_by(q),
        args.len() - 1,
        args.len()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| from_row(r, now))?
        .collect::<rusqlite::Result<Vec<Token>>>()?;
    Ok((rows, total))
}

/// How many tokens match `q`. Without a service, scope, text or expiry filter the answer comes
/// from `token_counts` and one range of `tokens_status_expires`, so it does not read every row.
fn count(conn: &Connection, q: &ListQuery, filter: &Filter, now: DateTime<Utc>) -> Result<u64> {
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&q.service)
        && blank(&q.scope)
        && blank(&q.text)
        && q.expiring_within_days.is_none()
        && q.unused_for_days.is_none()
    {
        let n = |status: Status| status_count(conn, status);
        return Ok(match q.state {
            None => n(Status::Active)? + n(Status::Disabled)?,
            Some(TokenState::Active) => {
                n(Status::Active)?.saturating_sub(expired_count(conn, now)?)
            }
            Some(TokenState::Expired) => expired_count(conn, now)?,
            Some(TokenState::Disabled) => n(Status::Disabled)?,
            Some(TokenState::Deleted) => n(Status::Deleted)?,
        });
    }
    Ok(conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM tokens WHERE {}",
            filter.condition
        ))?
        .query_row(params_from_iter(filter.args.iter()), |r| r.get(0))?)
}

/// How many rows hold this stored status (kept by migration 005's triggers).
fn status_count(conn: &Connection, status: Status) -> Result<u64> {
    Ok(conn
        .prepare_cached("SELECT n FROM token_counts WHERE status = ?1")?
        .query_row([status.as_str()], |r| r.get::<_, u64>(0))
        .optional()?
        .unwrap_or(0))
}

/// The distinct scopes of live tokens, sorted (kept by migration 005's triggers).
pub(crate) fn live_scopes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT scope FROM token_scopes ORDER BY scope")?;
    let scopes = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(scopes)
}

/// Active tokens whose expiry has passed.
fn expired_count(conn: &Connection, now: DateTime<Utc>) -> Result<u64> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM tokens WHERE status = 'active' AND {EXPIRES} <= ?1"
        ))?
        .query_row([ts(now)], |r| r.get(0))?)
}

/// Search strings shorter than this many characters cannot use the trigram index: they are
/// matched by a scan.
const TRIGRAM: usize = 3;

/// A search reads the trigram index unless more than 1 row in this many holds the text: then
/// reading the table in order costs less than looking each match up (measured at 100,000
/// tokens: about 0.3 µs a row scanned against 2.8 µs a match looked up).
const SCAN_WHEN_ONE_IN: u64 = 8;

/// How a text search finds its rows. Either way the rows it keeps are exactly those whose name,
/// description, service, hint or scopes hold the text, ASCII letters compared without case
/// (SQLite's LIKE): the trigram index folds case over all of Unicode, so it only narrows the
/// rows the LIKE test then runs on.
#[derive(Debug, PartialEq, Eq)]
enum TextSearch {
    /// One or two characters, or a text most rows hold: LIKE over the rows in order.
    Scan,
    /// The trigram index finds the candidates; `match_arg` is the FTS5 query.
    Index { match_arg: String },
}

impl TextSearch {
    fn choose(conn: &Connection, text: &str) -> Result<TextSearch> {
        if text.chars().count() < TRIGRAM {
            return Ok(TextSearch::Scan);
        }
        // A quoted FTS5 string is matched as written, and consecutive trigrams make a
        // substring.
        let match_arg = format!("\"{}\"", text.replace('"', "\"\""));
        // Count the index's matches up to the point where a scan is cheaper (it stops there).
        let rows = status_count(conn, Status::Active)?
            + status_count(conn, Status::Disabled)?
            + status_count(conn, Status::Deleted)?;
        let enough = rows / SCAN_WHEN_ONE_IN + 1;
        let found: u64 = conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM token_search \
                 WHERE token_search MATCH ?1 LIMIT ?2)",
            )?
            .query_row(
                rusqlite::params![match_arg, i64::try_from(enough).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )?;
        Ok(if found >= enough && rows > SCAN_WHEN_ONE_IN {
            TextSearch::Scan
        } else {
            TextSearch::Index { match_arg }
        })
    }
}

/// The WHERE clause of a [`ListQuery`] and its positional arguments.
struct Filter {
    condition: String,
    args: Vec<Value>,
}

impl Filter {
    fn new(conn: &Connection, q: &ListQuery, now: DateTime<Utc>) -> Result<Filter> {
        let now_s = ts(now);
        let mut sql = String::new();
        let mut args: Vec<Value> = Vec::new();
        let arg = |v: String, args: &mut Vec<Value>| {
            args.push(Value::Text(v));
            format!("?{}", args.len())
        };
        // Every state but deleted repeats `status != 'deleted'`, the condition of the live
        // indexes, so SQLite can read the rows through them.
        match q.state {
            None => sql.push_str("status != 'deleted'"),
            Some(TokenState::Active) => {
                let p = arg(now_s.clone(), &mut args);
                sql.push_str(&format!(
                    "status != 'deleted' AND status = 'active' \
                     AND ({EXPIRES} IS NULL OR {EXPIRES} > {p})"
                ));
            }
            Some(TokenState::Expired) => {
                let p = arg(now_s.clone(), &mut args);
                sql.push_str(&format!(
                    "status != 'deleted' AND status = 'active' AND {EXPIRES} <= {p}"
                ));
            }
            Some(TokenState::Disabled) => {
                sql.push_str("status != 'deleted' AND status = 'disabled'")
            }
            Some(TokenState::Deleted) => sql.push_str("status = 'deleted'"),
        }
        if let Some(service) = q.service.as_deref().filter(|s| !s.trim().is_empty()) {
            let p = arg(service.trim().to_string(), &mut args);
            sql.push_str(&format!(" AND service = {p} COLLATE NOCASE"));
        }
        if let Some(scope) = q.scope.as_deref().filter(|s| !s.trim().is_empty()) {
            let p = arg(scope.trim().to_string(), &mut args);
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(tokens.scopes) WHERE json_each.value = {p})"
            ));
        }
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if let TextSearch::Index { match_arg } = TextSearch::choose(conn, text)? {
                let p = arg(match_arg, &mut args);
                sql.push_str(&format!(
                    " AND tokens.id IN (SELECT k.token_id FROM token_search \
                     JOIN token_search_key k ON k.n = token_search.rowid \
                     WHERE token_search MATCH {p})"
                ));
            }
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let p = arg(format!("%{escaped}%"), &mut args);
            sql.push_str(&format!(
                " AND (name LIKE {p} ESCAPE '\\' OR description LIKE {p} ESCAPE '\\' \
                 OR ifnull(service, '') LIKE {p} ESCAPE '\\' OR hint LIKE {p} ESCAPE '\\' \
                 OR scopes LIKE {p} ESCAPE '\\')"
            ));
        }
        if let Some(days) = q.expiring_within_days {
            let a = arg(now_s.clone(), &mut args);
            let b = arg(ts(now + Duration::days(i64::from(days))), &mut args);
            sql.push_str(&format!(
                " AND status = 'active' AND {EXPIRES} > {a} AND {EXPIRES} <= {b}"
            ));
        }
        if let Some(days) = q.unused_for_days {
            let cutoff = stale_cutoff(days, now)?;
            let a = arg(now_s.clone(), &mut args);
            let b = arg(ts(cutoff), &mut args);
            sql.push_str(&format!(
                " AND status = 'active' AND ({EXPIRES} IS NULL OR {EXPIRES} > {a}) \
                 AND {LAST_SEEN} <= {b}"
            ));
        }
        Ok(Filter {
            condition: sql,
            args,
        })
    }
}

/// The ORDER BY of a [`ListQuery`]: its sort key, ties by name then id, so pages never
/// overlap or skip a row. Each matches one of migration 005's indexes.
fn order_by(q: &ListQuery) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    let order = match q.sort {
        SortKey::Name => format!("name_key {dir}"),
        SortKey::Created => format!("created_at {dir}"),
        SortKey::LastUsed => format!("last_used_at IS NULL, last_used_at {dir}"),
        SortKey::Expires => format!("{EXPIRES} IS NULL, {EXPIRES} {dir}"),
        SortKey::Status => format!("status {dir}"),
        SortKey::Service => format!("service IS NULL, service COLLATE NOCASE {dir}"),
    };
    format!("{order}, name_key ASC, id ASC")
}

/// Counts for the summary strip: two counters, two ranges of `tokens_status_expires` and one of
/// `tokens_status_last_seen`.
pub(crate) fn summary(
    conn: &Connection,
    warning_days: u32,
    stale_days: u32,
    now: DateTime<Utc>,
) -> Result<Summary> {
    let soon = now + Duration::days(i64::from(warning_days));
    let expired = expired_count(conn, now)?;
    Ok(Summary {
        active: status_count(conn, Status::Active)?.saturating_sub(expired),
        disabled: status_count(conn, Status::Disabled)?,
        expiring_soon: expiring_between(conn, now, soon)?,
        expired,
        stale: stale_count(conn, stale_days, now)?,
    })
}

/// The moment a token last used before counts as unused for `days` days; `days` must be 1 to
/// [`crate::vault::MAX_STALE_DAYS`].
fn stale_cutoff(days: u32, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if !(1..=crate::vault::MAX_STALE_DAYS).contains(&days) {
        return Err(crate::error::InputError::StaleDays { days }.into());
    }
    Ok(now - Duration::days(i64::from(days)))
}

/// Active (not expired) tokens unused for `days` days: one range of `tokens_status_last_seen`,
/// read from the index alone.
pub(crate) fn stale_count(conn: &Connection, days: u32, now: DateTime<Utc>) -> Result<u64> {
    let cutoff = stale_cutoff(days, now)?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM tokens WHERE status = 'active' AND {LAST_SEEN} <= ?1 \
             AND ({EXPIRES} IS NULL OR {EXPIRES} > ?2)"
        ))?
        .query_row([ts(cutoff), ts(now)], |r| r.get(0))?)
}

/// The names of the `limit` stale tokens unused the longest (ties by name).
pub(crate) fn stale_names(
    conn: &Connection,
    days: u32,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let cutoff = stale_cutoff(days, now)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT name FROM tokens WHERE status = 'active' AND {LAST_SEEN} <= ?1 \
         AND ({EXPIRES} IS NULL OR {EXPIRES} > ?2) ORDER BY {LAST_SEEN}, name_key, id LIMIT ?3"
    ))?;
    let names = stmt
        .query_map(rusqlite::params![ts(cutoff), ts(now), limit], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// Active tokens whose expiry is after `from` and at or before `to`.
fn expiring_between(conn: &Connection, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<u64> {
    // Stored times have microseconds: (from, to] is [from + 1 µs, to + 1 µs).
    let micro = Duration::microseconds(1);
    Ok(conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM tokens WHERE status = 'active' \
             AND {EXPIRES} >= ?1 AND {EXPIRES} < ?2"
        ))?
        .query_row([ts(from + micro), ts(to + micro)], |r| r.get(0))?)
}

/// How many active tokens expire in each of the next `weeks` weeks, week 0 starting at `now`:
/// one range count per week, not a read of every row.
pub(crate) fn expiry_weeks(conn: &Connection, weeks: u32, now: DateTime<Utc>) -> Result<Vec<u64>> {
    let start = |week: u32| now + Duration::weeks(i64::from(week));
    let micro = Duration::microseconds(1);
    (0..weeks)
        .map(|week| {
            // Week w holds expiries in [start(w), start(w + 1)); week 0 leaves out `now`
            // itself (that token has expired), and the last week takes in its end.
            let from = if week == 0 { now } else { start(week) - micro };
            let to = if week + 1 == weeks {
                start(week + 1)
            } else {
                start(week + 1) - micro
            };
            expiring_between(conn, from, to)
        })
        .collect()
}
