//! Expiry reminders and stale keys, with the clock in the test's hand: each threshold once, only
//! the nearest when several are crossed at once, a new expiry starts again, disabled, deleted and
//! never-expiring tokens never, two processes claiming at once send each reminder once; the
//! settings' bounds; the stale count, filter and monthly mention.

use chrono::{DateTime, Duration, Utc};
use tokenkeeper_core::*;

use crate::util::*;

/// Generates a token named `name` that expires at `at`; its id.
fn expiring(m: &mut MemVault, name: &str, service: Option<&str>, at: DateTime<Utc>) -> String {
    let mut r = gen_req(name, false);
    r.token.service = service.map(Into::into);
    r.token.expires_at = Some(at);
    m.vault.generate(r).unwrap().token.id
}

/// The titles of what a claim at `now` sends.
fn claim(v: &mut Vault, now: DateTime<Utc>) -> Vec<String> {
    v.claim_due_reminders(now)
        .unwrap()
        .into_iter()
        .map(|r| r.notification.title)
        .collect()
}

fn reminded_events(v: &Vault, which: &str) -> Vec<String> {
    v.show(which)
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.kind == EventKind::Reminded)
        .map(|e| e.detail.unwrap_or_default())
        .collect()
}

#[test]
fn each_threshold_is_sent_once_as_the_days_go_by() {
    let mut m = mem_vault();
    let t0 = Utc::now();
    let expiry = t0 + Duration::days(40);
    expiring(&mut m, "deploy-bot", Some("GitHub"), expiry);
    let day = |d: i64| expiry - Duration::days(d) + Duration::minutes(5);

    assert!(claim(&mut m.vault, t0).is_empty(), "40 days out: nothing");
    assert_eq!(
        claim(&mut m.vault, day(30)),
        ["“deploy-bot” expires in 30 days"]
    );
    assert!(claim(&mut m.vault, day(30)).is_empty(), "once");
    assert!(claim(&mut m.vault, day(20)).is_empty());
    assert_eq!(
        claim(&mut m.vault, day(7)),
        ["“deploy-bot” expires in 7 days"]
    );
    assert!(claim(&mut m.vault, day(7) + Duration::hours(1)).is_empty());
    assert_eq!(
        claim(&mut m.vault, day(1)),
        ["“deploy-bot” expires in 1 day"]
    );
    assert!(claim(&mut m.vault, expiry - Duration::minutes(1)).is_empty());
    assert_eq!(
        claim(&mut m.vault, expiry + Duration::minutes(1)),
        ["“deploy-bot” has expired"]
    );
    assert!(claim(&mut m.vault, expiry + Duration::days(2)).is_empty());
    assert_eq!(
        reminded_events(&m.vault, "deploy-bot"),
        [
            "on-expiry reminder: “deploy-bot” has expired",
            "1-day reminder: “deploy-bot” expires in 1 day",
            "7-day reminder: “deploy-bot” expires in 7 days",
            "30-day reminder: “deploy-bot” expires in 30 days",
        ],
        "newest first, in the token's history"
    );
}

#[test]
fn crossing_several_thresholds_at_once_sends_only_the_nearest() {
    let mut m = mem_vault();
    let now = Utc::now();
    let id = expiring(&mut m, "late", None, now + Duration::days(2));
    let due = m.vault.due_reminders(now).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].days, 7, "30 and 7 are crossed: 7 is the nearest");
    assert_eq!(due[0].notification.token_id.as_deref(), Some(id.as_str()));
    assert!(!due[0].notification.urgent);
    // A dry run records nothing.
    assert_eq!(m.vault.due_reminders(now).unwrap(), due);
    assert!(reminded_events(&m.vault, "late").is_empty());

    let sent = m.vault.claim_due_reminders(now).unwrap();
    assert_eq!(sent, due);
    // The 30-day threshold was passed over, not left for later.
    assert!(claim(&mut m.vault, now + Duration::hours(1)).is_empty());
    assert_eq!(
        claim(&mut m.vault, now + Duration::days(1) + Duration::hours(1)),
        ["“late” expires in 1 day"]
    );
    assert_eq!(reminded_events(&m.vault, "late").len(), 2);
}

#[test]
fn the_notification_names_service_and_local_date_and_is_urgent_at_the_end() {
    let now = DateTime::parse_from_rfc3339("2027-03-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let at = now + Duration::days(2);
    let n = expiry_notification("id1", "deploy-bot", Some("GitHub"), at, now);
    let local = at
        .with_timezone(&chrono::Local)
        .format("%a %-d %b %Y at %H:%M")
        .to_string();
    assert_eq!(n.title, "“deploy-bot” expires in 2 days");
    assert_eq!(
        n.body,
        format!(
            "The GitHub token “deploy-bot” expires on {local}. Rotate it before then and update \
             what uses it."
        )
    );
    assert!(!n.urgent);
    let soon = expiry_notification("id1", "x", None, now + Duration::hours(5), now);
    assert_eq!(soon.title, "“x” expires in 5 hours");
    assert!(soon.body.starts_with("The token “x” expires on "));
    assert!(soon.urgent);
    let gone = expiry_notification("id1", "x", None, now - Duration::hours(5), now);
    assert_eq!(gone.title, "“x” has expired");
    assert!(gone.body.contains("expired on"), "{}", gone.body);
    assert!(gone.urgent);
}

#[test]
fn disabled_deleted_and_never_expiring_tokens_are_never_reminded() {
    let mut m = mem_vault();
    let now = Utc::now();
    let soon = now + Duration::days(3);
    expiring(&mut m, "paused", None, soon);
    expiring(&mut m, "gone", None, soon);
    m.vault.generate(gen_req("forever", false)).unwrap();
    m.vault.set_enabled("paused", false).unwrap();
    m.vault.delete("gone").unwrap();
    for later in [0, 3, 10] {
        assert!(claim(
            &mut m.vault,
            now + Duration::days(later) + Duration::hours(1)
        )
        .is_empty());
    }
    // Enabled again, it is reminded like any other.
    m.vault.set_enabled("paused", true).unwrap();
    assert_eq!(claim(&mut m.vault, now), ["“paused” expires in 3 days"]);
}

#[test]
fn a_token_that_expired_long_ago_is_left_alone() {
    let mut m = mem_vault();
    let now = Utc::now();
    expiring(&mut m, "old", None, now + Duration::hours(1));
    let later = now + Duration::days(EXPIRED_LOOKBACK_DAYS) + Duration::days(1);
    assert!(claim(&mut m.vault, later).is_empty());
    // One that expired a day before `later` is still told.
    expiring(
        &mut m,
        "recent",
        None,
        now + Duration::days(EXPIRED_LOOKBACK_DAYS),
    );
    assert_eq!(claim(&mut m.vault, later), ["“recent” has expired"]);
}

#[test]
fn a_new_expiry_gets_its_thresholds_again_and_a_rotation_keeps_them() {
    let mut m = mem_vault();
    let now = Utc::now();
    expiring(&mut m, "ci", None, now + Duration::days(5));
    assert_eq!(claim(&mut m.vault, now), ["“ci” expires in 5 days"]);
    // A rotation keeps the expiry, so what was sent for it.
    m.vault.rotate("ci", RotateRequest::default()).unwrap();
    assert!(claim(&mut m.vault, now).is_empty());
    // Renewed for 20 days: the 30-day threshold is crossed for the new expiry.
    let edit = TokenEdit {
        expires_at: Some(Some(now + Duration::days(20))),
        ..Default::default()
    };
    m.vault.edit("ci", edit).unwrap();
    assert_eq!(claim(&mut m.vault, now), ["“ci” expires in 20 days"]);
    assert_eq!(
        claim(&mut m.vault, now + Duration::days(13) + Duration::hours(1)),
        ["“ci” expires in 7 days"]
    );
}

#[test]
fn the_thresholds_come_from_the_settings() {
    let mut m = mem_vault();
    let s = m.vault.settings().unwrap();
    assert_eq!(s.reminder_days, [30, 7, 1, 0]);
    assert_eq!(s.stale_days, 90);
    let saved = m
        .vault
        .update_settings(Settings {
            reminder_days: vec![3, 14, 3],
            ..s.clone()
        })
        .unwrap();
    assert_eq!(saved.reminder_days, [14, 3], "deduplicated, largest first");
    let now = Utc::now();
    expiring(&mut m, "a", None, now + Duration::days(20));
    assert!(claim(&mut m.vault, now).is_empty(), "20 days is past 14");
    assert_eq!(
        claim(&mut m.vault, now + Duration::days(6) + Duration::hours(1)),
        ["“a” expires in 14 days"]
    );
    // No thresholds: no reminders.
    m.vault
        .update_settings(Settings {
            reminder_days: vec![],
            ..saved
        })
        .unwrap();
    assert!(claim(&mut m.vault, now + Duration::days(19)).is_empty());
}

#[test]
fn settings_out_of_range_are_refused_and_change_nothing() {
    let mut m = mem_vault();
    let s = m.vault.settings().unwrap();
    for (bad, needle) in [
        (
            Settings {
                reminder_days: vec![30, 400],
                ..s.clone()
            },
            "A reminder 400 days before expiry is out of range",
        ),
        (
            Settings {
                reminder_days: (0..12).collect(),
                ..s.clone()
            },
            "12 reminders per token is too many",
        ),
        (
            Settings {
                stale_days: 0,
                ..s.clone()
            },
            "Unused for 0 days is out of range",
        ),
        (
            Settings {
                stale_days: 4000,
                display_name: "changed".into(),
                ..s.clone()
            },
            "Unused for 4000 days is out of range",
        ),
    ] {
        let e = m.vault.update_settings(bad).unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert!(e.to_string().contains(needle), "{e}");
        assert_eq!(m.vault.settings().unwrap(), s, "nothing changed");
    }
}

#[test]
fn two_processes_claiming_at_once_send_each_reminder_once() {
    let m = mem_vault();
    let now = Utc::now();
    {
        let mut v = open_mem(m.dir.path(), &m.secrets);
        for i in 0..20 {
            let mut r = gen_req(&format!("t{i:02}"), false);
            r.token.expires_at = Some(now + Duration::days(1 + i % 9));
            v.generate(r).unwrap();
        }
    }
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let dir = m.dir.path().to_path_buf();
            let secrets = m.secrets.clone();
            std::thread::spawn(move || {
                let mut v = open_mem(&dir, &secrets);
                let mut titles = Vec::new();
                for _ in 0..5 {
                    titles.extend(claim(&mut v, now));
                }
                titles
            })
        })
        .collect();
    let mut all: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, 20, "every token once: {all:?}");
    assert_eq!(all.len(), 20);
}

#[test]
fn a_refused_notification_stays_due() {
    let mut m = mem_vault();
    let now = Utc::now();
    expiring(&mut m, "a", None, now + Duration::days(2));
    expiring(&mut m, "b", None, now + Duration::days(3));
    let mut calls = 0;
    let sent = m
        .vault
        .send_due_reminders(now, |r| {
            calls += 1;
            if r.name == "b" {
                Err("server went away")
            } else {
                Ok(())
            }
        })
        .unwrap();
    assert_eq!(calls, 2);
    assert_eq!(sent.sent.len(), 1);
    assert_eq!(sent.sent[0].name, "a");
    assert_eq!(sent.error, Some("server went away"));
    assert!(reminded_events(&m.vault, "b").is_empty());
    assert_eq!(claim(&mut m.vault, now), ["“b” expires in 3 days"]);
}

/// Sets when tokens were created and last used, `days` ago (None: never used).
fn age(m: &MemVault, name: &str, created_days: i64, used_days: Option<i64>) {
    let t = |d: i64| {
        (Utc::now() - Duration::days(d)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    let used = used_days.map_or("NULL".to_string(), |d| format!("'{}'", t(d)));
    sql(
        m.dir.path(),
        &format!(
            "UPDATE tokens SET created_at = '{}', last_used_at = {used} WHERE name = '{name}'",
            t(created_days)
        ),
    );
}

fn stale_vault() -> MemVault {
    let mut m = mem_vault();
    let now = Utc::now();
    for name in [
        "old-ci",
        "used-lately",
        "new",
        "old-paused",
        "old-lapsed",
        "older",
    ] {
        m.vault.generate(gen_req(name, false)).unwrap();
    }
    expiring(&mut m, "old-expiring", None, now + Duration::days(60));
    m.vault.set_enabled("old-paused", false).unwrap();
    age(&m, "old-ci", 200, None);
    age(&m, "older", 400, Some(300));
    age(&m, "used-lately", 200, Some(10));
    age(&m, "new", 5, None);
    age(&m, "old-paused", 200, None);
    age(&m, "old-lapsed", 200, None);
    age(&m, "old-expiring", 120, Some(95));
    sql(
        m.dir.path(),
        "UPDATE tokens SET expires_at = '2001-01-01T00:00:00.000000Z' WHERE name = 'old-lapsed'",
    );
    m
}

fn unused(v: &Vault, days: u32) -> Vec<String> {
    let q = ListQuery {
        unused_for_days: Some(days),
        sort: SortKey::LastUsed,
        ..Default::default()
    };
    v.list(&q).unwrap().into_iter().map(|t| t.name).collect()
}

#[test]
fn stale_keys_are_active_ones_unused_for_the_days_counting_from_creation() {
    let m = stale_vault();
    let v = &m.vault;
    let mut stale = unused(v, 90);
    stale.sort();
    assert_eq!(stale, ["old-ci", "old-expiring", "older"]);
    let mut year = unused(v, 365);
    year.sort();
    assert!(year.is_empty(), "{year:?}");
    assert_eq!(unused(v, 250), ["older"]);
    let page = v
        .dashboard_page(
            &ListQuery {
                unused_for_days: Some(90),
                ..Default::default()
            },
            0,
            2,
        )
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.rows.len(), 2);
    assert_eq!(page.summary.stale, 3);
    assert_eq!(page.stale_days, 90);
    assert_eq!(v.summary(30).unwrap().stale, 3);
    // Filters combine.
    let q = ListQuery {
        unused_for_days: Some(90),
        text: Some("ci".into()),
        ..Default::default()
    };
    assert_eq!(v.list(&q).unwrap().len(), 1);
    for bad in [0, MAX_STALE_DAYS + 1] {
        let q = ListQuery {
            unused_for_days: Some(bad),
            ..Default::default()
        };
        assert_eq!(v.list(&q).unwrap_err().kind(), "invalid_input");
    }
}

#[test]
fn the_stale_card_counts_with_the_setting_and_use_takes_a_key_off_it() {
    let mut m = stale_vault();
    let s = m.vault.settings().unwrap();
    m.vault
        .update_settings(Settings {
            stale_days: 250,
            ..s
        })
        .unwrap();
    let page = m
        .vault
        .dashboard_page(&ListQuery::default(), 0, 10)
        .unwrap();
    assert_eq!((page.summary.stale, page.stale_days), (1, 250));
    // Verifying the token is a use: it is no longer stale.
    let s = m.vault.settings().unwrap();
    m.vault
        .update_settings(Settings {
            stale_days: 90,
            ..s
        })
        .unwrap();
    let mut r = gen_req("kept", false);
    r.token.expires_at = None;
    let issued = m.vault.generate(r).unwrap();
    age(&m, "kept", 100, None);
    assert_eq!(m.vault.summary(30).unwrap().stale, 4);
    m.vault.verify(&issued.secret).unwrap();
    assert_eq!(m.vault.summary(30).unwrap().stale, 3);
}

#[test]
fn stale_keys_are_mentioned_once_a_month_in_one_notification() {
    let mut m = stale_vault();
    let now = Utc::now();
    let due = m.vault.stale_reminder(now).unwrap().expect("due");
    assert_eq!(due.count, 3);
    assert_eq!(
        due.names,
        ["older", "old-ci", "old-expiring"],
        "unused longest first"
    );
    assert_eq!(due.notification.title, "3 tokens unused for 90 days");
    assert!(
        due.notification
            .body
            .starts_with("“older”, “old-ci” and “old-expiring” have not been used for 90 days"),
        "{}",
        due.notification.body
    );
    assert_eq!(m.vault.claim_stale_reminder(now).unwrap(), Some(due));
    assert_eq!(m.vault.claim_stale_reminder(now).unwrap(), None);
    let in_29_days = now + Duration::days(29);
    assert_eq!(m.vault.claim_stale_reminder(in_29_days).unwrap(), None);
    let next_month = now + Duration::days(STALE_EVERY_DAYS) + Duration::minutes(1);
    assert!(m.vault.claim_stale_reminder(next_month).unwrap().is_some());
    // A refused one is not recorded.
    let later = next_month + Duration::days(31);
    let refused = m.vault.send_stale_reminder(later, |_| Err("no")).unwrap();
    assert!(refused.sent.is_empty());
    assert!(m.vault.claim_stale_reminder(later).unwrap().is_some());
}

#[test]
fn no_stale_keys_no_mention() {
    let mut m = mem_vault();
    m.vault.generate(gen_req("fresh", false)).unwrap();
    assert_eq!(m.vault.claim_stale_reminder(Utc::now()).unwrap(), None);
}
