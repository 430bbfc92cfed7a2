//! Every value from outside is bounded and checked the same way, whether it comes from a core
//! call (the CLI and the window go through these) or a vault file: dates 1970-9999, caps on
//! counts and lengths, no control/bidi/zero-width characters in names, HTTP-valid headers and
//! http(s) base URLs. Each refusal names the field and changes nothing; a store that already
//! holds a bad row still opens; and no message repeats a value that looks like a secret.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use tokenkeeper_core::*;

use crate::util::*;

fn seeded() -> MemVault {
    let mut m = mem_vault();
    m.vault
        .import(import_req("Existing", "key-0123456789abcdefghij"))
        .unwrap();
    m.vault.generate(gen_req("hashed", false)).unwrap();
    m
}

fn year_10000() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("9999-12-31T23:30:00-01:00")
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn dates_after_9999_are_refused_on_every_operation() {
    let mut m = seeded();
    assert_eq!(year_10000().format("%Y").to_string(), "+10000");
    let far = Some(year_10000());
    refused(&mut m, "invalid_input", "after 9999-12-31", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                expires_at: far,
                ..new_token("x")
            },
            keep: false,
        })
    });
    refused(&mut m, "invalid_input", "Expiry", |v| {
        v.import(ImportRequest {
            token: NewToken {
                expires_at: far,
                ..new_token("y")
            },
            secret: secret("key-zzzzzzzzzzzzzzzzzzzzzzz"),
        })
    });
    refused(&mut m, "invalid_input", "after 9999-12-31", |v| {
        v.edit(
            "Existing",
            TokenEdit {
                expires_at: Some(far),
                ..Default::default()
            },
        )
    });
    let draft = NewToken {
        expires_at: far,
        ..new_token("z")
    };
    assert!(m.vault.precheck_new(&draft).is_err());
    // The last day is still fine.
    let last = DateTime::parse_from_rfc3339("9999-12-31T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let t = m
        .vault
        .generate(GenerateRequest {
            token: NewToken {
                expires_at: Some(last),
                ..new_token("far but fine")
            },
            keep: false,
        })
        .unwrap();
    assert_eq!(t.token.expires_at, Some(last));
    assert!(m.vault.list(&ListQuery::default()).unwrap().len() == 3);
}

#[test]
fn names_and_descriptions_refuse_terminal_escapes_bidi_and_zero_width() {
    let mut m = seeded();
    refused(&mut m, "invalid_input", "Name contains", |v| {
        v.generate(gen_req("x\u{1b}]0;pwned\u{7}", false))
    });
    refused(&mut m, "invalid_input", "U+202E", |v| {
        v.import(import_req(
            "invoice\u{202E}fdp.exe",
            "key-zzzzzzzzzzzzzzzzzzzzzzz",
        ))
    });
    refused(&mut m, "invalid_input", "U+200B", |v| {
        v.edit(
            "Existing",
            TokenEdit {
                name: Some("Exist\u{200B}ing".into()),
                ..Default::default()
            },
        )
    });
    refused(&mut m, "invalid_input", "Description contains", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                description: "clear\u{1b}[2J".into(),
                ..new_token("x")
            },
            keep: false,
        })
    });
    refused(&mut m, "invalid_input", "Service name contains", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                service: Some("Git\u{FEFF}Hub".into()),
                ..new_token("x")
            },
            keep: false,
        })
    });
    refused(&mut m, "invalid_input", "Display name contains", |v| {
        let mut s = v.settings().unwrap();
        s.display_name = "ana\u{2066}".into();
        v.update_settings(s)
    });
    refused(&mut m, "invalid_input", "at most 2000", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                description: "d".repeat(2001),
                ..new_token("x")
            },
            keep: false,
        })
    });
    // Line breaks are what a description may keep; CRLF becomes LF.
    let t = m
        .vault
        .generate(GenerateRequest {
            token: NewToken {
                description: "first line\r\nsecond line".into(),
                ..new_token("multi-line")
            },
            keep: false,
        })
        .unwrap();
    assert_eq!(t.token.description, "first line\nsecond line");
}

#[test]
fn more_than_64_scopes_are_refused() {
    let mut m = seeded();
    let scopes: Vec<String> = (0..65).map(|i| format!("scope{i}")).collect();
    refused(&mut m, "invalid_input", "at most 64", |v| {
        v.generate(GenerateRequest {
            token: NewToken {
                scopes: scopes.clone(),
                ..new_token("x")
            },
            keep: false,
        })
    });
    refused(&mut m, "invalid_input", "at most 64", |v| {
        v.edit(
            "Existing",
            TokenEdit {
                scopes: Some(scopes.clone()),
                ..Default::default()
            },
        )
    });
}

fn service(name: &str, header: &str, url: Option<&str>) -> Service {
    Service {
        name: name.into(),
        auth_header: header.into(),
        token_prefix: None,
        base_url: url.map(str::to_string),
        max_active: None,
    }
}

#[test]
fn services_need_an_http_header_and_an_http_url() {
    let mut m = seeded();
    for (header, says) in [
        ("x-token: {token}\r\nX-Injected: 1", "U+000D"),
        ("Bad Name: {token}", "not an HTTP header name"),
        ("x-token: Bearer", "no {token}"),
        ("x-token: {token} \u{1b}[2J", "U+001B"),
    ] {
        refused(&mut m, "invalid_input", says, |v| {
            v.upsert_service(service("Svc", header, None))
        });
    }
    for (url, says) in [
        ("javascript:alert(1)", "http:// or https://"),
        ("ftp://files.example", "http:// or https://"),
        ("https://a.example/ ; touch /tmp/x", "space"),
        ("https://user:pw@a.example", "user name or password"),
        ("not a url", "space"),
        ("nohost", "not a URL"),
    ] {
        refused(&mut m, "invalid_input", says, |v| {
            v.upsert_service(service("Svc", "x-token: {token}", Some(url)))
        });
    }
    // Shell metacharacters are visible ASCII, so HTTP allows them: the usage snippet quotes them.
    let s = m
        .vault
        .upsert_service(service(
            "Svc",
            "x: $(touch /tmp/pwned) {token}",
            Some("https://a.example/;`id`"),
        ))
        .unwrap();
    assert_eq!(s.base_url.as_deref(), Some("https://a.example/;`id`"));
}

/// A vault file made from the committed payload vector with `edit` applied, signed by the test
/// signer (the bounds are checked once the signature holds) and encrypted to `to`.
fn file_with(to: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(&v2_payload()).unwrap();
    edit(&mut json);
    age_encrypt_to(to, &signed(json.to_string().as_bytes()))
}

#[test]
fn a_file_breaking_any_bound_is_refused_naming_the_field_and_token_never_the_value() {
    let mut m = mem_vault();
    let key = m.vault.public_key().unwrap();
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let token = "token #1 (id 0190f0f0-0000-7000-8000-000000000001)";
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "expiry in year 10000",
            Box::new(|j| j["tokens"][0]["expires_at"] = "9999-12-31T23:30:00-01:00".into()),
            "has expires_at outside 1970-01-01 through 9999-12-31",
        ),
        (
            "created before 1970",
            Box::new(|j| j["tokens"][0]["created_at"] = "1969-12-31T23:59:59Z".into()),
            "created_at outside",
        ),
        (
            "last used in year 10000",
            Box::new(|j| j["tokens"][0]["last_used_at"] = "9999-12-31T23:59:59-05:00".into()),
            "last_used_at outside",
        ),
        (
            "exported in year 10000",
            Box::new(|j| j["exported_at"] = "9999-12-31T23:59:59-05:00".into()),
            "\"exported_at\" is outside",
        ),
        (
            "escape in the name",
            Box::new(|j| j["tokens"][0]["name"] = "CI\u{1b}]0;pwned\u{7}".into()),
            "has no valid name",
        ),
        (
            "bidi in the description",
            Box::new(|j| j["tokens"][0]["description"] = "key \u{202E}gnp.exe".into()),
            "description",
        ),
        (
            "zero-width in exported_by",
            Box::new(|j| j["exported_by"] = "Test\u{200B}Vector".into()),
            "\"exported_by\"",
        ),
        (
            "header splitting",
            Box::new(|j| {
                j["services"][0]["auth_header"] = "Authorization: {token}\r\nX-Evil: 1".into()
            }),
            "service #1 'GitHub' has an invalid auth_header",
        ),
        (
            "javascript base URL",
            Box::new(|j| j["services"][0]["base_url"] = "javascript:alert(1)".into()),
            "service #1 'GitHub' has a base_url",
        ),
        (
            "65 scopes",
            Box::new(|j| {
                j["tokens"][0]["scopes"] = (0..65).map(|i| format!("s{i}")).collect();
            }),
            "more than 64",
        ),
        (
            "escape in a hash-only hint",
            Box::new(|j| j["tokens"][1]["hint"] = "tk_…\u{1b}[2J".into()),
            "hint",
        ),
    ];
    for (what, edit, says) in cases {
        let file = file_with(&key, edit);
        let before = snapshot(&m.vault);
        let err = m
            .vault
            .preview_import(&file, ImportKey::OwnIdentity)
            .unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.kind(), "invalid_vault_file", "{what}: {msg}");
        assert!(msg.contains(says), "{what}: '{msg}' should say '{says}'");
        if msg.contains("token #1") {
            assert!(msg.contains(token), "{what}: {msg}");
        }
        for value in [
            "pwned",
            "gnp.exe",
            "X-Evil",
            "javascript",
            "\u{1b}",
            "ghp_vector",
        ] {
            assert!(!msg.contains(value), "{what}: the value is quoted in {msg}");
        }
        assert_eq!(snapshot(&m.vault), before, "{what}: nothing changed");
    }
    // The unedited vector imports, so each refusal above was about its one change.
    let plan = m
        .vault
        .preview_import(&file_with(&key, |_| {}), ImportKey::OwnIdentity)
        .unwrap();
    assert_eq!(plan.counts.new, 3);
}

#[test]
fn a_3_mb_file_of_scopes_is_refused_in_seconds_not_minutes() {
    let mut m = mem_vault();
    let key = m.vault.public_key().unwrap();
    // About 3 MB of distinct scopes on one token: quadratic deduplication took over a minute.
    let distinct: Vec<String> = (0..300_000).map(|i| format!("s{i:06}")).collect();
    let file = file_with(&key, |j| j["tokens"][0]["scopes"] = distinct.into());
    assert!(file.len() > 3_000_000, "{} bytes", file.len());
    let started = Instant::now();
    let err = m
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), "invalid_vault_file");
    assert!(err.to_string().contains("more than 64"), "{err}");
    eprintln!("3 MB of distinct scopes refused in {took:?}");
    assert!(took < StdDuration::from_secs(10), "took {took:?}");

    // The same size in one repeated scope: refused as repeated, just as fast.
    let repeated = vec!["read".to_string(); 600_000];
    let file = file_with(&key, |j| j["tokens"][0]["scopes"] = repeated.into());
    let started = Instant::now();
    let err = m
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap_err();
    let took = started.elapsed();
    assert!(err.to_string().contains("repeated scope"), "{err}");
    eprintln!("3.6 MB of one repeated scope refused in {took:?}");
    assert!(took < StdDuration::from_secs(10), "took {took:?}");
    assert!(m.vault.list(&ListQuery::default()).unwrap().is_empty());
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.tkvault");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(MAX_VAULT_FILE_BYTES + 1)
        .unwrap();
    let started = Instant::now();
    let err = read_vault_file(&path).unwrap_err();
    assert_eq!(err.kind(), "invalid_vault_file", "{err}");
    assert!(
        err.to_string().contains("larger than any vault file"),
        "{err}"
    );
    assert!(started.elapsed() < StdDuration::from_millis(500));
}

/// A vault whose SQLite file already holds rows this version refuses, written straight into the
/// file as an older version could have: (vault, id of the row with a year-10000 expiry and an
/// escape in its name, id of the row with an unreadable creation time).
fn store_with_bad_rows() -> (MemVault, String, String) {
    let mut m = seeded();
    let bad = m
        .vault
        .import(import_req("far future", "key-far-future-0123456789"))
        .unwrap();
    let broken = m.vault.generate(gen_req("broken", false)).unwrap().token;
    sql(
        m.dir.path(),
        &format!(
            "UPDATE tokens SET expires_at = '+10000-01-01T00:00:00.000000Z', \
             name = 'far' || char(27) || ']0;pwned' || char(7) || ' future' WHERE id = '{}';
             UPDATE tokens SET created_at = 'not a time', description = 'x' || char(27) || '[2J' \
             WHERE id = '{}';",
            bad.id, broken.id
        ),
    );
    let dir = m.dir;
    let secrets = m.secrets;
    drop(m.vault);
    let vault = open_mem(dir.path(), &secrets);
    (
        MemVault {
            dir,
            vault,
            secrets,
        },
        bad.id,
        broken.id,
    )
}

#[test]
fn a_store_holding_bad_rows_still_lists_shows_exports_and_repairs() {
    let (mut m, bad, broken) = store_with_bad_rows();
    let list = m.vault.list(&ListQuery::default()).unwrap();
    assert_eq!(list.len(), 4, "every row lists");
    let row = |id: &str| list.iter().find(|t| t.id == id).unwrap().clone();
    let far = row(&bad);
    assert_eq!(far.needs_repair, ["expires_at", "name"]);
    assert_eq!(far.expires_at, None);
    assert_eq!(far.name, "far\\u{1b}]0;pwned\\u{7} future");
    let b = row(&broken);
    assert_eq!(b.needs_repair, ["created_at", "description"]);
    assert!(!b.description.contains('\u{1b}'));
    assert!(list
        .iter()
        .filter(|t| t.id != bad && t.id != broken)
        .all(|t| t.needs_repair.is_empty()));
    // Show, the dashboard's counts and an export all still work.
    assert_eq!(m.vault.show(&bad).unwrap().token.needs_repair.len(), 2);
    // The dashboard counts the unreadable expiry as the list shows it: unset, so active.
    let summary = m.vault.summary(30).unwrap();
    assert_eq!((summary.active, summary.expired), (4, 0), "{summary:?}");
    m.vault.expiry_timeline(12).unwrap();
    let expired = ListQuery {
        state: Some(TokenState::Expired),
        ..Default::default()
    };
    assert!(m.vault.list(&expired).unwrap().is_empty());
    let active = ListQuery {
        state: Some(TokenState::Active),
        ..Default::default()
    };
    assert_eq!(m.vault.list(&active).unwrap().len(), 4);
    let key = m.vault.public_key().unwrap();
    m.vault.export(ExportTarget::Recipients(vec![key])).unwrap();
    let json = serde_json::to_value(&far).unwrap();
    assert_eq!(json["needs_repair"][0], "expires_at");

    // A change that would silently turn the unreadable expiry into "never" is refused ...
    refused(&mut m, "conflict", "--expires", |v| {
        v.set_enabled(&bad, false)
    });
    refused(&mut m, "conflict", "--expires", |v| {
        v.edit(
            &bad,
            TokenEdit {
                description: Some("d".into()),
                ..Default::default()
            },
        )
    });
    // ... and setting the expiry repairs the row, even to the "never" it already shows.
    let fixed = m
        .vault
        .edit(
            &bad,
            TokenEdit {
                expires_at: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(fixed.needs_repair.iter().all(|f| f != "expires_at"));
    let reread = m.vault.show(&bad).unwrap().token;
    assert!(reread.needs_repair.is_empty(), "{:?}", reread.needs_repair);
    assert_eq!(reread.expires_at, None);
    m.vault.set_enabled(&bad, false).unwrap();
    // The other bad row is deleted as any token is.
    m.vault.delete(&broken).unwrap();
    assert_eq!(m.vault.list(&ListQuery::default()).unwrap().len(), 3);
}

#[test]
fn messages_never_repeat_what_looks_like_a_secret() {
    let mut m = seeded();
    let age_secret = "AGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J3";
    let msg = refused(&mut m, "invalid_input", "secret key", |v| {
        v.export(ExportTarget::Recipients(vec![age_secret.into()]))
    });
    assert!(!msg.contains("GQ9778VQ"), "{msg}");
    // A typo'd public key is still quoted, so the user sees which one.
    refused(&mut m, "invalid_input", "'age1typo'", |v| {
        v.export(ExportTarget::Recipients(vec!["age1typo".into()]))
    });
    let generated = m.vault.generate(gen_req("g", false)).unwrap().secret;
    for which in [
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        generated.expose_secret(),
    ] {
        let err = m.vault.show(which).unwrap_err();
        assert_eq!(err.kind(), "not_found");
        assert!(!err.to_string().contains(&which[..12]), "{err}");
        let err = m.vault.reveal(which, Access::Revealed).unwrap_err();
        assert!(!err.to_string().contains(&which[..12]), "{err}");
    }
    // A name is still named.
    let err = m.vault.show("nope").unwrap_err();
    assert!(err.to_string().contains("'nope'"), "{err}");
    // A header template with a key where {token} belongs.
    let msg = refused(&mut m, "invalid_input", "{token}", |v| {
        v.upsert_service(service(
            "Svc",
            "Authorization: Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            None,
        ))
    });
    assert!(!msg.contains("16C7e42F"), "{msg}");
}

#[test]
fn stored_durations_and_times_cover_the_whole_range() {
    // The earliest and latest stored dates read back exactly (the range is inclusive).
    let mut m = mem_vault();
    let last = latest_date() - Duration::seconds(1);
    let t = m
        .vault
        .generate(GenerateRequest {
            token: NewToken {
                expires_at: Some(last),
                ..new_token("end of time")
            },
            keep: false,
        })
        .unwrap();
    drop(m.vault);
    let v = open_mem(m.dir.path(), &m.secrets);
    let shown = v.show(&t.token.id).unwrap().token;
    assert_eq!(shown.expires_at, Some(last));
    assert!(shown.needs_repair.is_empty());
}
