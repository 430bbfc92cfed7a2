//! The in-process rows: what the app's core does for the dashboard (a page with its counts,
//! search, the full list `tok list` prints) and for a service verifying requests, each next to
//! the raw query it cannot beat, in the same process.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use rand::seq::SliceRandom;
use rusqlite::{params_from_iter, Connection};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokenkeeper_core::{ListQuery, Vault, VerifyStatus, DB_FILE};

use crate::compare::{GoalKind, Row};
use crate::seed;

/// The columns the core's list reads, in its order.
const COLUMNS: &str = "id, name, description, service, origin, storage, scopes, status, \
    fingerprint, hint, created_at, created_by, updated_at, last_used_at, expires_at, rotated_at, \
    deleted_at, previous_fingerprint, previous_valid_until, secret_missing";
/// The word searched for: in one description out of ten.
const SEARCH: &str = "billing";
/// What a user types to find one token: seed descriptions say "client N", so this finds
/// client 4242 and, past 42,420 tokens, the ten clients 42420 to 42429.
const FIND: &str = "client 4242";
/// Rows the dashboard asks for at a time (a screenful and some).
const PAGE: u32 = 100;

pub fn run(tokens: usize, runs: usize) -> Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    let mut vault = Vault::open(dir.path())?;
    let started = Instant::now();
    let secrets = seed::fill(&mut vault, tokens, 0)?;
    eprintln!(
        "inproc: seeded {tokens} tokens in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let raw = Connection::open(dir.path().join(DB_FILE))?;
    let all = format!(
        "SELECT {COLUMNS} FROM tokens WHERE 1 = 1 AND status != 'deleted' \
         ORDER BY name_key ASC, name_key ASC, id ASC"
    );
    let like = "(name LIKE ?1 ESCAPE '\\' OR description LIKE ?1 ESCAPE '\\' \
        OR ifnull(service, '') LIKE ?1 ESCAPE '\\' OR hint LIKE ?1 ESCAPE '\\' \
        OR scopes LIKE ?1 ESCAPE '\\')";
    let search = format!(
        "SELECT {COLUMNS} FROM tokens WHERE 1 = 1 AND status != 'deleted' AND {like} \
         ORDER BY name_key ASC, name_key ASC, id ASC"
    );
    let search_query = ListQuery {
        text: Some(SEARCH.into()),
        ..Default::default()
    };
    let find_query = ListQuery {
        text: Some(FIND.into()),
        ..Default::default()
    };
    // The floor of a page: the same rows read raw, and the live count.
    let first_page = format!("{all} LIMIT {PAGE}");
    let last = (tokens as u64).saturating_sub(u64::from(PAGE));
    let last_page = format!("{all} LIMIT {PAGE} OFFSET {last}");
    let live_count = "SELECT count(*) FROM tokens WHERE status != 'deleted'";
    // The two floors of a search: LIKE over every row, and FTS5 asked raw for the same text.
    let like_page = format!("{search} LIMIT {PAGE}");
    let like_count =
        format!("SELECT count(*) FROM tokens WHERE 1 = 1 AND status != 'deleted' AND {like}");
    let fts_count = "SELECT count(*) FROM token_search WHERE token_search MATCH ?1";

    let mut rows: Vec<Row> = Vec::new();
    let mut push = |row: &str, workload: &str, floor: &str, unit: &str, goal, value| {
        rows.push(Row {
            row: row.into(),
            workload: workload.into(),
            floor: floor.into(),
            unit: unit.into(),
            ours: Vec::new(),
            floor_runs: Vec::new(),
            goal,
            goal_value: value,
        });
    };
    push(
        "in-process list",
        &format!("core list of {tokens} summaries"),
        "same SELECT, raw rusqlite",
        "ms",
        GoalKind::OursMaxMs,
        15.0,
    );
    push(
        "in-process search",
        &format!("core list with text \"{SEARCH}\" over {tokens}"),
        "LIKE scan, raw rusqlite",
        "ms",
        GoalKind::OursMaxMs,
        10.0,
    );
    push(
        "first page + counts",
        &format!("core dashboard_page: {PAGE} rows, total, summary, timeline; {tokens} tokens"),
        &format!("raw SELECT of the {PAGE} rows + count(*)"),
        "ms",
        GoalKind::OursMaxMs,
        5.0,
    );
    push(
        "last page",
        &format!("core dashboard_page: the last {PAGE} rows by name, counts; {tokens} tokens"),
        "raw SELECT of the same rows (OFFSET) + count(*)",
        "ms",
        GoalKind::OursMaxMs,
        5.0,
    );
    push(
        "search, vs a scan",
        &format!("core dashboard_page with text \"{FIND}\", {tokens} tokens"),
        "LIKE scan, raw: page + count(*)",
        "ms",
        GoalKind::OursMaxMs,
        10.0,
    );
    push(
        "search, vs raw FTS5",
        &format!("core dashboard_page with text \"{FIND}\", {tokens} tokens"),
        "FTS5 trigram MATCH count(*), raw",
        "ms",
        GoalKind::OursMaxMs,
        10.0,
    );
    push(
        "verify",
        &format!("core verify, {tokens} stored, used within the minute"),
        "SHA-256 + one indexed SELECT",
        "/s",
        GoalKind::RateMin,
        50_000.0,
    );
    push(
        "verify, first use in the minute",
        &format!("core verify, {tokens} stored, each one's first use (writes)"),
        "SHA-256 + one indexed SELECT",
        "/s",
        GoalKind::Report,
        0.0,
    );

    let mut presented: Vec<&SecretString> = secrets.iter().collect();
    for run in 0..runs {
        // List: ours, then the raw query (alternating order per run).
        let pair = |q: &ListQuery, sql: &str, arg: Option<String>| -> Result<(f64, f64)> {
            let ours = || -> Result<(f64, usize)> {
                let t = Instant::now();
                let n = vault.list(q)?.len();
                Ok((t.elapsed().as_secs_f64() * 1e3, n))
            };
            let floor = || -> Result<(f64, usize)> {
                let t = Instant::now();
                let n = raw_rows(&raw, sql, arg.as_deref())?;
                Ok((t.elapsed().as_secs_f64() * 1e3, n))
            };
            let ((o, n1), (f, n2)) = if run % 2 == 0 {
                let o = ours()?;
                (o, floor()?)
            } else {
                let f = floor()?;
                (ours()?, f)
            };
            anyhow::ensure!(n1 == n2, "core returned {n1} rows, the raw query {n2}");
            Ok((o, f))
        };
        let (o, f) = pair(&ListQuery::default(), &all, None)?;
        rows[0].ours.push(o);
        rows[0].floor_runs.push(f);
        let (o, f) = pair(&search_query, &search, Some(format!("%{SEARCH}%")))?;
        rows[1].ours.push(o);
        rows[1].floor_runs.push(f);

        // A page: ours, then the raw rows and count (order alternating per run).
        let ours_page = |q: &ListQuery| {
            let q = q.clone();
            let vault = &vault;
            move || -> Result<u64> { Ok(vault.dashboard_page(&q, 0, PAGE)?.total) }
        };
        let mut page = ours_page(&ListQuery::default());
        let mut raw_page = || -> Result<u64> {
            raw_rows(&raw, &first_page, None)?;
            Ok(raw.query_row(live_count, [], |r| r.get(0))?)
        };
        let (o, f) = alternate(run, &mut page, &mut raw_page)?;
        rows[2].ours.push(o);
        rows[2].floor_runs.push(f);

        // The end of the list, as a jump to the bottom of the table asks for it.
        let mut end = || -> Result<u64> {
            let page = vault.dashboard_page(&ListQuery::default(), last, PAGE)?;
            anyhow::ensure!(
                page.rows.len() as u64 == page.total - last,
                "a short last page"
            );
            Ok(page.total)
        };
        let mut raw_end = || -> Result<u64> {
            raw_rows(&raw, &last_page, None)?;
            Ok(raw.query_row(live_count, [], |r| r.get(0))?)
        };
        let (o, f) = alternate(run, &mut end, &mut raw_end)?;
        rows[3].ours.push(o);
        rows[3].floor_runs.push(f);

        let mut find = ours_page(&find_query);
        let pattern = format!("%{FIND}%");
        let mut scan = || -> Result<u64> {
            raw_rows(&raw, &like_page, Some(&pattern))?;
            Ok(raw.query_row(&like_count, [&pattern], |r| r.get(0))?)
        };
        let (o, f) = alternate(run, &mut find, &mut scan)?;
        rows[4].ours.push(o);
        rows[4].floor_runs.push(f);
        let phrase = format!("\"{FIND}\"");
        let mut fts = || -> Result<u64> { Ok(raw.query_row(fts_count, [&phrase], |r| r.get(0))?) };
        let (o, f) = alternate(run, &mut find, &mut fts)?;
        rows[5].ours.push(o);
        rows[5].floor_runs.push(f);

        // Verify: every presented token once as its first use in the minute, then twice more.
        presented.shuffle(&mut rand::rng());
        raw.execute_batch(
            "UPDATE tokens SET last_used_at = '2000-01-01T00:00:00.000000Z' \
               WHERE last_used_at IS NOT NULL;
             UPDATE events SET at = '2000-01-01T00:00:00.000000Z' WHERE kind = 'verified';",
        )?;
        let floor_rate = floor_verify(&raw, &presented)?;
        let t = Instant::now();
        verify_all(&mut vault, &presented)?;
        let cold = presented.len() as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        verify_all(&mut vault, &presented)?;
        verify_all(&mut vault, &presented)?;
        let warm = 2.0 * presented.len() as f64 / t.elapsed().as_secs_f64();
        rows[6].ours.push(warm);
        rows[6].floor_runs.push(floor_rate);
        rows[7].ours.push(cold);
        rows[7].floor_runs.push(floor_rate);
    }
    for row in &rows {
        println!("{}", serde_json::to_string(row)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Times `ours` and `floor` once each, in an order that alternates with `run`, and checks that
/// both counted the same rows.
fn alternate(
    run: usize,
    ours: &mut dyn FnMut() -> Result<u64>,
    floor: &mut dyn FnMut() -> Result<u64>,
) -> Result<(f64, f64)> {
    let timed = |f: &mut dyn FnMut() -> Result<u64>| -> Result<(f64, u64)> {
        let t = Instant::now();
        let n = f()?;
        Ok((t.elapsed().as_secs_f64() * 1e3, n))
    };
    let ((o, n1), (f, n2)) = if run.is_multiple_of(2) {
        let o = timed(ours)?;
        (o, timed(floor)?)
    } else {
        let f = timed(floor)?;
        (timed(ours)?, f)
    };
    anyhow::ensure!(n1 == n2, "core counted {n1} rows, the raw query {n2}");
    Ok((o, f))
}

fn verify_all(vault: &mut Vault, presented: &[&SecretString]) -> Result<()> {
    for s in presented {
        let v = vault.verify(s)?;
        anyhow::ensure!(
            v.status == VerifyStatus::Active || v.status == VerifyStatus::Expired,
            "a seeded token verified as {:?}",
            v.status
        );
    }
    Ok(())
}

/// Runs `sql` and reads every column of every row into owned values, as any caller must.
fn raw_rows(conn: &Connection, sql: &str, arg: Option<&str>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query(params_from_iter(arg.iter()))?;
    let mut out: Vec<Vec<rusqlite::types::Value>> = Vec::new();
    while let Some(r) = rows.next()? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(r.get::<_, rusqlite::types::Value>(i)?);
        }
        out.push(values);
    }
    Ok(out.len())
}

/// The floor of verification: hash the presented token, one indexed SELECT of what the answer needs
/// (the `fingerprint != ''` term is what lets SQLite use the partial index, as the core's does).
fn floor_verify(conn: &Connection, presented: &[&SecretString]) -> Result<f64> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, status, expires_at, scopes FROM tokens \
         WHERE fingerprint = ?1 AND status != 'deleted' AND fingerprint != ''",
    )?;
    let t = Instant::now();
    let mut found = 0usize;
    for s in presented {
        let digest = Sha256::digest(s.expose_secret().as_bytes());
        let mut hex = String::with_capacity(64);
        for b in digest {
            use std::fmt::Write;
            let _ = write!(hex, "{b:02x}");
        }
        let mut rows = stmt.query([&hex])?;
        if let Some(r) = rows.next()? {
            let _: (String, String, String, Option<String>, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            found += 1;
        }
    }
    let rate = presented.len() as f64 / t.elapsed().as_secs_f64();
    anyhow::ensure!(found == presented.len(), "the floor found {found} tokens");
    Ok(rate)
}
