//! The dashboard's window of rows: pages agree with the full list for every sort key and
//! filter, ties fall by name then id, and the text index follows every write in the same
//! transaction as the rows.

use std::path::Path;

use chrono::{Duration, Utc};
use tokenkeeper_core::*;

use crate::util::*;

/// Every page of `q`, `size` rows at a time, checked against the page's own total.
fn all_pages(v: &Vault, q: &ListQuery, size: u32) -> Vec<Token> {
    let mut rows = Vec::new();
    loop {
        let page = v.dashboard_page(q, rows.len() as u64, size).unwrap();
        assert_eq!(page.offset, rows.len() as u64);
        assert!(page.rows.len() <= size as usize);
        let got = page.rows.len();
        rows.extend(page.rows);
        if got < size as usize {
            assert_eq!(
                page.total,
                rows.len() as u64,
                "total counts every match: {q:?}"
            );
            return rows;
        }
    }
}

fn ids(rows: &[Token]) -> Vec<String> {
    rows.iter().map(|t| t.id.clone()).collect()
}

/// 40 tokens with many ties on every sort key: five services and none, four expiries and
/// never, a few used, a few disabled, two deleted, and created times shared in threes.
fn varied_vault() -> MemVault {
    let mut m = mem_vault();
    let services = [
        Some("GitHub"),
        Some("stripe"),
        None,
        Some("Stripe"),
        Some("OpenAI"),
    ];
    for i in 0..40 {
        let mut r = gen_req(&format!("tok-{:02}", (i * 17) % 40), false);
        r.token.service = services[i % services.len()].map(Into::into);
        r.token.description = format!(
            "{} client {i}",
            if i % 5 == 0 { "billing" } else { "deploy" }
        );
        r.token.scopes = vec![["read", "write", "admin"][i % 3].into()];
        r.token.expires_at = match i % 4 {
            0 => None,
            n => Some(Utc::now() + Duration::days(7 * n as i64)),
        };
        m.vault.generate(r).unwrap();
    }
    for name in ["tok-03", "tok-11", "tok-29"] {
        m.vault.set_enabled(name, false).unwrap();
    }
    for name in ["tok-05", "tok-06"] {
        m.vault.delete(name).unwrap();
    }
    // Ties: created times in threes, last use on a few, one expiry in the past.
    sql(
        m.dir.path(),
        "UPDATE tokens SET created_at = '2026-01-0' || (1 + (rowid % 3)) || 'T00:00:00.000000Z';
         UPDATE tokens SET last_used_at = '2026-02-01T00:00:00.000000Z' WHERE rowid % 7 = 0;
         UPDATE tokens SET last_used_at = '2026-03-01T00:00:00.000000Z' WHERE rowid % 7 = 1;
         UPDATE tokens SET expires_at = '2001-01-01T00:00:00.000000Z' WHERE name = 'tok-08';",
    );
    m
}

const SORTS: [SortKey; 6] = [
    SortKey::Name,
    SortKey::Created,
    SortKey::LastUsed,
    SortKey::Expires,
    SortKey::Status,
    SortKey::Service,
];

/// What each sort key orders by, as the user sees it (None sorts last either way).
fn sort_value(t: &Token, key: SortKey) -> String {
    let time = |x: Option<chrono::DateTime<Utc>>| x.map(|x| x.to_rfc3339());
    match key {
        SortKey::Name => Some(t.name.to_lowercase()),
        SortKey::Created => time(Some(t.created_at)),
        SortKey::LastUsed => time(t.last_used_at),
        SortKey::Expires => time(t.expires_at),
        SortKey::Status => Some(t.status.to_string()),
        SortKey::Service => t.service.as_ref().map(|s| s.to_lowercase()),
    }
    .unwrap_or_default()
}

#[test]
fn pages_agree_with_the_list_for_every_sort_key_and_direction() {
    let m = varied_vault();
    for sort in SORTS {
        for descending in [false, true] {
            let q = ListQuery {
                sort,
                descending,
                ..Default::default()
            };
            let listed = m.vault.list(&q).unwrap();
            assert_eq!(listed.len(), 38, "deleted tokens are left out");
            for size in [1, 7, 38, 500] {
                assert_eq!(
                    ids(&all_pages(&m.vault, &q, size)),
                    ids(&listed),
                    "{sort:?} descending={descending}, pages of {size}"
                );
            }
            // Ties fall by name, then id, in both directions.
            for pair in listed.windows(2) {
                if sort_value(&pair[0], sort) == sort_value(&pair[1], sort) {
                    assert!(
                        (pair[0].name.to_lowercase(), &pair[0].id)
                            < (pair[1].name.to_lowercase(), &pair[1].id),
                        "{sort:?} descending={descending}: {} before {}",
                        pair[0].name,
                        pair[1].name
                    );
                }
            }
        }
    }
}

#[test]
fn pages_agree_with_the_list_for_every_filter() {
    let m = varied_vault();
    let queries = [
        ListQuery {
            state: Some(TokenState::Active),
            ..Default::default()
        },
        ListQuery {
            state: Some(TokenState::Expired),
            ..Default::default()
        },
        ListQuery {
            state: Some(TokenState::Disabled),
            sort: SortKey::Expires,
            ..Default::default()
        },
        ListQuery {
            state: Some(TokenState::Deleted),
            ..Default::default()
        },
        ListQuery {
            service: Some("STRIPE".into()),
            sort: SortKey::Created,
            descending: true,
            ..Default::default()
        },
        ListQuery {
            scope: Some("write".into()),
            ..Default::default()
        },
        ListQuery {
            expiring_within_days: Some(10),
            ..Default::default()
        },
        ListQuery {
            unused_for_days: Some(90),
            sort: SortKey::LastUsed,
            ..Default::default()
        },
        ListQuery {
            text: Some("billing".into()),
            sort: SortKey::Service,
            ..Default::default()
        },
        ListQuery {
            text: Some("client 17".into()),
            ..Default::default()
        },
        ListQuery {
            text: Some("client 1".into()),
            state: Some(TokenState::Active),
            ..Default::default()
        },
    ];
    for q in queries {
        let listed = m.vault.list(&q).unwrap();
        assert!(!listed.is_empty(), "the fixture has rows for {q:?}");
        assert_eq!(ids(&all_pages(&m.vault, &q, 3)), ids(&listed), "{q:?}");
    }
    let expired = m
        .vault
        .list(&ListQuery {
            state: Some(TokenState::Expired),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].name, "tok-08");
}

#[test]
fn a_page_past_the_end_is_empty_and_still_counts() {
    let m = varied_vault();
    let q = ListQuery::default();
    for offset in [38, 39, 1_000_000, u64::MAX] {
        let page = m.vault.dashboard_page(&q, offset, 50).unwrap();
        assert!(page.rows.is_empty(), "offset {offset}");
        assert_eq!((page.total, page.offset), (38, offset));
    }
    let last = m.vault.dashboard_page(&q, 37, 50).unwrap();
    assert_eq!(last.rows.len(), 1);
    assert_eq!(last.rows[0].id, m.vault.list(&q).unwrap()[37].id);
    let none = m.vault.dashboard_page(&q, 0, 0).unwrap();
    assert!(none.rows.is_empty());
    assert_eq!(none.total, 38);
}

#[test]
fn a_page_carries_the_summary_and_timeline_of_the_whole_store() {
    let m = varied_vault();
    // A filter narrows the rows, never the counts around them.
    let q = ListQuery {
        service: Some("GitHub".into()),
        ..Default::default()
    };
    let page = m.vault.dashboard_page(&q, 0, 5).unwrap();
    let days = m.vault.settings().unwrap().expiry_warning_days;
    assert_eq!(page.warning_days, days);
    assert_eq!(page.summary, m.vault.summary(days).unwrap());
    assert_eq!(
        page.timeline,
        m.vault.expiry_timeline(TIMELINE_WEEKS).unwrap()
    );
    let s = page.summary;
    assert_eq!(
        (s.active, s.disabled, s.expired),
        (34, 3, 1),
        "40 tokens, 2 deleted, 3 disabled, 1 expired"
    );
    let active = ListQuery {
        state: Some(TokenState::Active),
        ..Default::default()
    };
    let horizon = Utc::now() + Duration::weeks(i64::from(TIMELINE_WEEKS));
    let expiring = m
        .vault
        .list(&active)
        .unwrap()
        .iter()
        .filter(|t| t.expires_at.is_some_and(|e| e <= horizon))
        .count();
    assert!(expiring > 0);
    assert_eq!(page.timeline.iter().sum::<u64>(), expiring as u64);
    assert_eq!(page.timeline.len(), TIMELINE_WEEKS as usize);
}

#[test]
fn a_page_names_every_scope_of_the_live_tokens() {
    let mut m = varied_vault();
    let q = ListQuery {
        text: Some("client 17".into()),
        ..Default::default()
    };
    let page = m.vault.dashboard_page(&q, 0, 1).unwrap();
    assert_eq!(
        page.scopes,
        ["admin", "read", "write"],
        "whatever the query"
    );
    // The last live token with a scope takes it away, editing or deleting.
    let with = |v: &Vault, scope: &str| -> Vec<String> {
        let q = ListQuery {
            scope: Some(scope.into()),
            ..Default::default()
        };
        v.list(&q).unwrap().into_iter().map(|t| t.id).collect()
    };
    let admins = with(&m.vault, "admin");
    let (first, rest) = admins.split_first().unwrap();
    m.vault
        .edit(
            first,
            TokenEdit {
                scopes: Some(vec!["write".into(), "new:scope".into()]),
                ..Default::default()
            },
        )
        .unwrap();
    let page = m.vault.dashboard_page(&q, 0, 1).unwrap();
    assert_eq!(page.scopes, ["admin", "new:scope", "read", "write"]);
    for id in rest {
        m.vault.delete(id).unwrap();
    }
    let page = m.vault.dashboard_page(&q, 0, 1).unwrap();
    assert_eq!(page.scopes, ["new:scope", "read", "write"]);
    assert_index_agrees(m.dir.path(), "after the scopes changed");
}

#[test]
fn a_page_holds_at_most_the_cap() {
    let mut m = mem_vault();
    for i in 0..(MAX_PAGE_ROWS + 20) {
        m.vault
            .generate(gen_req(&format!("t{i:04}"), false))
            .unwrap();
    }
    let page = m
        .vault
        .dashboard_page(&ListQuery::default(), 0, u32::MAX)
        .unwrap();
    assert_eq!(page.rows.len(), MAX_PAGE_ROWS as usize);
    assert_eq!(page.total, u64::from(MAX_PAGE_ROWS + 20));
    assert_eq!(page.rows[0].name, "t0000");
}

/// Tokens whose text holds SQL LIKE's wildcards, its escape character and letters outside ASCII.
fn awkward_vault() -> MemVault {
    let mut m = mem_vault();
    for (i, (name, description)) in [
        ("100% done", "percent"),
        ("snake_case", "underscore"),
        ("back\\slash", "backslash"),
        ("Café Ünïcode", "accents"),
        ("日本語のトークン", "kanji"),
        ("plain", "nothing odd: 100 done, snakecase, backslash"),
        ("quote \"this\"", "a double quote"),
    ]
    .into_iter()
    .enumerate()
    {
        // Added keys, so the hints are known: `zz-…0001` holds nothing searched for below.
        let mut r = import_req(name, &format!("zz-0123456789abcdef-{i:04}"));
        r.token.description = description.into();
        m.vault.import(r).unwrap();
    }
    m
}

fn search(v: &Vault, text: &str) -> Vec<String> {
    let q = ListQuery {
        text: Some(text.into()),
        ..Default::default()
    };
    let listed: Vec<String> = v.list(&q).unwrap().into_iter().map(|t| t.name).collect();
    let paged: Vec<String> = all_pages(v, &q, 2).into_iter().map(|t| t.name).collect();
    assert_eq!(listed, paged, "list and pages search alike for {text:?}");
    listed
}

#[test]
fn search_takes_like_wildcards_and_the_escape_literally() {
    let m = awkward_vault();
    let v = &m.vault;
    assert_eq!(search(v, "%"), ["100% done"]);
    assert_eq!(search(v, "0% d"), ["100% done"]);
    assert_eq!(search(v, "_"), ["snake_case"]);
    assert_eq!(search(v, "e_c"), ["snake_case"]);
    assert_eq!(search(v, "\\"), ["back\\slash"]);
    assert_eq!(search(v, "k\\s"), ["back\\slash"]);
    assert_eq!(search(v, "\"this\""), ["quote \"this\""]);
    assert_eq!(search(v, "\""), ["quote \"this\""]);
    assert!(search(v, "%%").is_empty());
    assert!(search(v, "1_0").is_empty());
}

#[test]
fn search_finds_substrings_of_every_length_outside_ascii_too() {
    let m = awkward_vault();
    let v = &m.vault;
    // ASCII letters match without case, at 1, 2 and 3 or more characters.
    assert_eq!(search(v, "Q"), ["quote \"this\""]);
    assert_eq!(search(v, "PL"), ["plain"]);
    assert_eq!(search(v, "LAI"), ["plain"]);
    assert_eq!(search(v, "CAFé"), ["Café Ünïcode"]);
    assert_eq!(search(v, "é"), ["Café Ünïcode"]);
    assert_eq!(search(v, "Ünï"), ["Café Ünïcode"]);
    assert_eq!(search(v, "語"), ["日本語のトークン"]);
    assert_eq!(search(v, "のト"), ["日本語のトークン"]);
    assert_eq!(search(v, "トークン"), ["日本語のトークン"]);
    // Fields other than the name: description, service, hint, scopes.
    assert_eq!(search(v, "kanji"), ["日本語のトークン"]);
    // Leading and trailing blanks do not count.
    assert_eq!(search(v, "  plain  "), ["plain"]);
}

#[test]
fn a_search_most_tokens_match_finds_them_all() {
    // Past a share of the store the search reads the table instead of the index; the answer
    // is the same.
    let m = varied_vault();
    let q = |text: &str| ListQuery {
        text: Some(text.into()),
        ..Default::default()
    };
    let all = m.vault.list(&q("tok-")).unwrap();
    assert_eq!(all.len(), 38);
    assert_eq!(ids(&all_pages(&m.vault, &q("tok-"), 5)), ids(&all));
    let one = m.vault.list(&q("client 17")).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].description, "deploy client 17");
}

/// The text index holds exactly what the rows hold, and the status counts match the rows.
fn assert_index_agrees(dir: &Path, when: &str) {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let differing: i64 = conn
        .query_row(
            "SELECT count(*) FROM tokens t \
             LEFT JOIN token_search_key k ON k.token_id = t.id \
             LEFT JOIN token_search s ON s.rowid = k.n \
             WHERE s.name IS NOT t.name OR s.description IS NOT t.description \
                OR s.service IS NOT ifnull(t.service, '') OR s.hint IS NOT t.hint \
                OR s.scopes IS NOT t.scopes",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(differing, 0, "{when}: every row is indexed as it is");
    let (rows, indexed, keys): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tokens), (SELECT count(*) FROM token_search), \
             (SELECT count(*) FROM token_search_key)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (indexed, keys),
        (rows, rows),
        "{when}: nothing else is indexed"
    );
    let wrong_counts: i64 = conn
        .query_row(
            "SELECT count(*) FROM token_counts c \
             WHERE c.n != (SELECT count(*) FROM tokens WHERE status = c.status)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong_counts, 0, "{when}: the status counts match the rows");
    let scopes = |sql: &str| -> Vec<(String, i64)> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        scopes("SELECT scope, n FROM token_scopes ORDER BY scope"),
        scopes(
            "SELECT j.value, count(*) FROM tokens t, json_each(t.scopes) j \
             WHERE t.status != 'deleted' GROUP BY j.value ORDER BY j.value"
        ),
        "{when}: the scopes of live tokens"
    );
}

/// Names the trigram index finds for `text` (read raw, as FTS5 answers).
fn indexed_names(dir: &Path, text: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM token_search WHERE token_search MATCH ?1 ORDER BY name")
        .unwrap();
    stmt.query_map([format!("\"{text}\"")], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap()
}

#[test]
fn the_text_index_follows_every_write() {
    let mut m = mem_vault();
    let dir = m.dir.path().to_path_buf();
    let mut r = gen_req("original name", true);
    r.token.description = "first words".into();
    m.vault.generate(r).unwrap();
    m.vault
        .import(import_req(
            "added key",
            "sk_live_paging_key_0123456789abcdef",
        ))
        .unwrap();
    assert_index_agrees(&dir, "after generate and add");
    assert_eq!(indexed_names(&dir, "original"), ["original name"]);

    m.vault
        .edit(
            "original name",
            TokenEdit {
                name: Some("renamed token".into()),
                description: Some("second words".into()),
                service: Some(Some("Acme Corp".into())),
                scopes: Some(vec!["deploy:prod".into()]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_index_agrees(&dir, "after an edit");
    assert!(indexed_names(&dir, "original").is_empty());
    assert!(indexed_names(&dir, "first").is_empty());
    for text in ["renamed", "second", "acme", "deploy:prod"] {
        assert_eq!(indexed_names(&dir, text), ["renamed token"], "{text}");
        assert_eq!(search(&m.vault, text), ["renamed token"], "{text}");
    }
    assert!(search(&m.vault, "original").is_empty());

    let before = m.vault.show("renamed token").unwrap().token.hint;
    m.vault
        .rotate("renamed token", RotateRequest::default())
        .unwrap();
    assert_index_agrees(&dir, "after a rotation");
    let after = m.vault.show("renamed token").unwrap().token.hint;
    assert_ne!(before, after);
    assert_eq!(search(&m.vault, &after), ["renamed token"]);

    m.vault.set_enabled("added key", false).unwrap();
    assert_index_agrees(&dir, "after disabling");
    m.vault.delete("added key").unwrap();
    assert_index_agrees(&dir, "after a delete");
    assert!(
        search(&m.vault, "added").is_empty(),
        "deleted tokens are left out"
    );
    let deleted = ListQuery {
        state: Some(TokenState::Deleted),
        text: Some("added".into()),
        ..Default::default()
    };
    assert_eq!(
        m.vault.list(&deleted).unwrap().len(),
        1,
        "the tombstone is found"
    );

    // An import from a team mate writes many rows in one transaction.
    let mut b = mem_vault();
    let mut r = gen_req("from a team mate", true);
    r.token.description = "shared thing".into();
    b.vault.generate(r).unwrap();
    let plan = send(&mut b.vault, &mut m.vault);
    m.vault.apply_import(plan, |_, _| {}).unwrap();
    assert_index_agrees(&dir, "after an import");
    assert_eq!(search(&m.vault, "shared th"), ["from a team mate"]);
}

#[test]
fn a_failed_write_leaves_the_index_as_it_was() {
    let mut m = mem_vault();
    let dir = m.dir.path().to_path_buf();
    m.vault.generate(gen_req("stays", false)).unwrap();
    fail_token_writes(&dir);
    m.vault.generate(gen_req("never stored", true)).unwrap_err();
    let rename = TokenEdit {
        name: Some("never renamed".into()),
        ..Default::default()
    };
    m.vault.edit("stays", rename).unwrap_err();
    heal_token_writes(&dir);
    assert_index_agrees(&dir, "after failed writes");
    assert!(search(&m.vault, "never").is_empty());
    assert_eq!(search(&m.vault, "stays"), ["stays"]);
}

#[test]
fn a_store_from_before_the_index_is_indexed_when_opened() {
    let mut m = varied_vault();
    m.vault.generate(gen_req("older row", false)).unwrap();
    let MemVault {
        dir,
        vault,
        secrets,
    } = m;
    drop(vault);
    // Take the store back to schema 4, as an older Tokenkeeper left it (without 005's and
    // 006's tables, triggers and indexes).
    sql(
        dir.path(),
        "DROP TRIGGER tokens_after_insert; DROP TRIGGER tokens_after_update_text;
         DROP TRIGGER tokens_after_update_status; DROP TRIGGER tokens_after_delete;
         DROP TRIGGER tokens_scopes_after_insert; DROP TRIGGER tokens_scopes_after_update;
         DROP TRIGGER tokens_scopes_after_delete; DROP TABLE token_scopes;
         DROP TABLE token_search; DROP TABLE token_search_key; DROP TABLE token_counts;
         DROP INDEX tokens_status_expires; DROP INDEX tokens_live_created;
         DROP INDEX tokens_live_created_desc; DROP INDEX tokens_live_last_used;
         DROP INDEX tokens_live_last_used_desc; DROP INDEX tokens_live_expires;
         DROP INDEX tokens_live_expires_desc; DROP INDEX tokens_live_status;
         DROP INDEX tokens_live_status_desc; DROP INDEX tokens_live_service;
         DROP INDEX tokens_live_service_desc;
         DROP TABLE reminders; DROP INDEX tokens_status_last_seen;
         PRAGMA user_version = 4;",
    );
    let v = open_mem(dir.path(), &secrets);
    assert_index_agrees(dir.path(), "after the migration");
    assert_eq!(search(&v, "older"), ["older row"]);
    assert_eq!(
        v.dashboard_page(&ListQuery::default(), 0, 10)
            .unwrap()
            .total,
        39
    );
}
