//! `tok calendar`: an iCalendar file of the expiries that a standard parser (Python's
//! `icalendar`, from Debian) reads back, with no secret or hint in it.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// The events of an .ics file as Python's icalendar reads them: uid, summary, start and the
/// alarm triggers in seconds relative to the start.
fn parse_ics(path: &std::path::Path) -> Vec<Value> {
    let script = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
events = []
for e in cal.walk('VEVENT'):
    events.append({
        'uid': str(e['UID']),
        'summary': str(e['SUMMARY']),
        'description': str(e['DESCRIPTION']),
        'start': e.decoded('DTSTART').isoformat(),
        'triggers': sorted(int(a.decoded('TRIGGER').total_seconds()) for a in e.walk('VALARM')),
    })
print(json.dumps(events))
"#;
    // Debian's python3, where python3-icalendar (scripts/packages.txt) is installed.
    let out = read_back(
        Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(script)
            .arg(path),
        "icalendar could not read the file",
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn the_calendar_holds_one_event_per_active_expiry_with_reminders_and_no_secret() {
    let tok = Tok::new();
    let soon = tok.add("deploy, bot; x", "sk_live_calendar_secret_000001");
    tok.run(&["edit", &soon, "--service", "GitHub", "--expires", "2d"])
        .ok();
    let later = tok.add("stripe live", "sk_live_calendar_secret_000002");
    tok.run(&["edit", &later, "--expires", "40d"]).ok();
    tok.add("no expiry", "sk_live_calendar_secret_000003");
    let disabled = tok.add("paused", "sk_live_calendar_secret_000004");
    tok.run(&["edit", &disabled, "--expires", "10d"]).ok();
    tok.run(&["disable", &disabled]).ok();
    let deleted = tok.add("gone", "sk_live_calendar_secret_000005");
    tok.run(&["edit", &deleted, "--expires", "5d"]).ok();
    tok.run(&["delete", &deleted, "--yes"]).ok();

    let path = tok.home.path().join("expiries.ics");
    let out = tok.run(&["calendar", "-o", path.to_str().unwrap()]).ok();
    assert!(
        out.stdout.starts_with("Wrote 2 token expiries to"),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let events = parse_ics(&path);
    let uid = |id: &str| format!("{id}@tokenkeeper");
    let find = |id: &str| {
        events
            .iter()
            .find(|e| e["uid"] == uid(id))
            .unwrap_or_else(|| panic!("no event for {id}: {events:?}"))
    };
    assert_eq!(events.len(), 2, "{events:?}");
    let soon_event = find(&soon);
    assert_eq!(
        soon_event["summary"],
        "API token expires: deploy, bot; x (GitHub)"
    );
    // Two days out: the 30- and 7-day reminders have passed and are left out.
    assert_eq!(soon_event["triggers"], serde_json::json!([-86400, 0]));
    let later_event = find(&later);
    assert_eq!(
        later_event["summary"],
        "API token expires: stripe live (no service)"
    );
    assert_eq!(
        later_event["triggers"],
        serde_json::json!([-30 * 86400, -7 * 86400, -86400, 0])
    );
    let shown = tok.run(&["show", &later, "--json"]).ok().json();
    let start =
        chrono::DateTime::parse_from_rfc3339(later_event["start"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(shown["token"]["expires_at"].as_str().unwrap())
            .unwrap();
    assert_eq!(
        start.timestamp(),
        expires.timestamp(),
        "the event is at the expiry"
    );

    let text = std::fs::read_to_string(&path).unwrap();
    for token in tok.list(&[]) {
        let hint = token["hint"].as_str().unwrap();
        assert!(!text.contains(hint), "the hint {hint} is in the calendar");
    }
    assert!(!text.contains("sk_live"), "a secret is in the calendar");

    // Written again, the same tokens keep their UIDs, so a calendar updates them in place.
    tok.run(&["calendar", "-o", path.to_str().unwrap()]).ok();
    let again: Vec<String> = parse_ics(&path)
        .iter()
        .map(|e| e["uid"].to_string())
        .collect();
    let before: Vec<String> = events.iter().map(|e| e["uid"].to_string()).collect();
    assert_eq!(again, before);
}

#[test]
fn a_calendar_into_a_missing_directory_is_refused_and_writes_nothing() {
    let tok = Tok::new();
    let id = tok.add("soon", "sk_live_calendar_secret_000006");
    tok.run(&["edit", &id, "--expires", "3d"]).ok();
    let missing = tok.home.path().join("no such dir");
    let target = missing.join("expiries.ics");
    tok.run(&["calendar", "-o", target.to_str().unwrap()])
        .fails(6, "no such dir");
    assert!(!missing.exists());
    // Without -o the calendar goes to stdout, for a pipe.
    let printed = tok.run(&["calendar"]).ok().stdout;
    assert!(printed.starts_with("BEGIN:VCALENDAR"), "{printed}");
    assert!(
        printed.contains(&format!("UID:{id}@tokenkeeper")),
        "{printed}"
    );
}
