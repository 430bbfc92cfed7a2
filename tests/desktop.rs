//! The app as a desktop app: Browse… opens the real GTK file chooser, driven here with xdotool as
//! a user at the keyboard (the chosen path lands in the field and the export or import really
//! happens); "Add to calendar" saves the .ics file a standard parser reads.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokenkeeper_core::{ExportTarget, ImportKey, ImportRequest, NewToken, SecretString, Vault};

use crate::util::*;

const PASSPHRASE: &str = "correct horse battery staple 42";

#[tokio::test]
async fn browse_picks_where_to_export_in_the_system_chooser_and_the_export_happens() {
    let mut seed = Seed::new();
    seed.import(
        "GitHub CI",
        Some("GitHub"),
        "ghp_browsed_to_in_the_chooser_0123456789",
    );
    let app = App::with("browse-export", seed).await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("picked in the chooser.tkvault");

    app.click("#open-export").await;
    app.wait_css("#dlg-export[open]").await;
    let proposed = app.wait_value("#x-path", |v| !v.is_empty()).await;
    app.type_into("#x-pass", PASSPHRASE).await;
    app.type_into("#x-confirm", PASSPHRASE).await;

    // Cancelled: the typed path stays as it was.
    app.click("#x-browse").await;
    cancel_file_chooser("Save the vault file");
    app.wait_css("#x-browse:not([disabled])").await;
    assert_eq!(app.value("#x-path").await, proposed);

    app.click("#x-browse").await;
    choose_in_file_chooser("Save the vault file", &file);
    let chosen = app
        .wait_value("#x-path", |v| v == file.to_str().unwrap())
        .await;
    assert_eq!(
        chosen,
        file.to_str().unwrap(),
        "the chosen path is in the field"
    );
    assert!(!file.exists(), "choosing writes nothing; Export does");
    app.screenshot("chosen").await;

    app.click("#export-confirm").await;
    app.wait_text(".toast", |t| t.contains("Exported 1 tokens"))
        .await;
    let other = tempfile::tempdir().unwrap();
    let ben = Vault::open(other.path()).unwrap();
    let plan = ben
        .preview_import(
            &std::fs::read(&file).expect("the export wrote the chosen file"),
            ImportKey::Passphrase(SecretString::from(PASSPHRASE.to_string())),
        )
        .unwrap();
    assert_eq!(plan.counts.new, 1);
    app.finish().await;
}

#[tokio::test]
async fn browse_picks_the_file_to_import_and_the_preview_reads_it() {
    // A teammate's file, to a passphrase.
    let theirs = tempfile::tempdir().unwrap();
    let mut ben = Vault::open(theirs.path()).unwrap();
    ben.import(ImportRequest {
        token: NewToken {
            name: "Shared deploy key".into(),
            ..Default::default()
        },
        secret: SecretString::from("sk_live_shared_by_ben_0123456789".to_string()),
    })
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("from-ben.tkvault");
    ben.export_to_file(
        ExportTarget::Passphrase(SecretString::from(PASSPHRASE.to_string())),
        &file,
    )
    .unwrap();

    let app = App::start("browse-import").await;
    app.click("#open-import").await;
    app.wait_css("#dlg-import[open]").await;
    app.click("#i-browse").await;
    choose_in_file_chooser("Open a vault file", &file);
    let chosen = app.wait_value("#i-path", |v| !v.is_empty()).await;
    assert_eq!(chosen, file.to_str().unwrap());

    // The preview reads the chosen file: it asks for the passphrase, then shows the token.
    app.click("#import-preview-btn").await;
    app.wait_text("#i-pass-error", |t| t.contains("passphrase"))
        .await;
    app.type_into("#i-pass", PASSPHRASE).await;
    app.click("#import-preview-btn").await;
    app.wait_text("#import-rows", |t| t.contains("Shared deploy key"))
        .await;
    app.finish().await;
}

/// The events of an .ics file as Python's icalendar (Debian's python3-icalendar) reads them.
fn parse_ics(path: &std::path::Path) -> Vec<Value> {
    let script = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
print(json.dumps([{
    'summary': str(e['SUMMARY']),
    'start': e.decoded('DTSTART').isoformat(),
    'triggers': sorted(int(a.decoded('TRIGGER').total_seconds()) for a in e.walk('VALARM')),
} for e in cal.walk('VEVENT')]))
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "icalendar could not read the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn add_to_calendar_saves_the_expiries_where_the_user_chose() {
    let mut seed = Seed::new();
    let key = "sk_live_never_in_the_calendar_0123456789";
    seed.vault
        .import(ImportRequest {
            token: NewToken {
                name: "Deploy bot".into(),
                service: Some("GitHub".into()),
                expires_at: Some(chrono::Utc::now() + chrono::Duration::days(40)),
                ..Default::default()
            },
            secret: SecretString::from(key.to_string()),
        })
        .unwrap();
    seed.import("Never expires", None, "sk_live_no_expiry_0123456789");
    let app = App::with("add-to-calendar", seed).await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("my expiries.ics");

    app.click("#add-to-calendar").await;
    choose_in_file_chooser("Save the calendar of expiries", &file);
    let toast = app
        .wait_text(".toast", |t| t.starts_with("Saved 1 token expiry"))
        .await;
    assert!(
        toast.contains(file.to_str().unwrap()),
        "the toast names the file: {toast}"
    );

    let text = std::fs::read_to_string(&file).expect("the calendar was written");
    assert!(!text.contains(key), "no secret in the calendar");
    let events = parse_ics(&file);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["summary"],
        "API token expires: Deploy bot (GitHub)"
    );
    // Reminders 30, 7 and 1 days before, and on the day, as `tok calendar` writes them.
    let day = 86_400;
    assert_eq!(
        events[0]["triggers"],
        serde_json::json!([-30 * day, -7 * day, -day, 0])
    );
    app.finish().await;
}

/// The app started directly (as from the desktop entry) over `home`, in its own process group.
fn launch(home: &std::path::Path) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    Command::new(env!("CARGO_BIN_EXE_tokenkeeper"))
        .env("TOKENKEEPER_HOME", home)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start the app")
}

/// Waits up to `limit` for `child` to exit; its status, or None if it still runs.
async fn exit_within(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops an app this test started, with the web processes it started.
fn kill_group(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

/// Each window with the process that owns it, for a failure message.
fn describe_windows(windows: &[String]) -> String {
    windows
        .iter()
        .map(|w| {
            let pid = Command::new("xdotool")
                .args(["getwindowpid", w])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .unwrap_or_default();
            format!("{w} (pid {pid}: {cmd})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shown top-level windows named Tokenkeeper (xdotool).
fn shown_windows() -> Vec<String> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Tokenkeeper$"])
        .output()
        .expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn a_second_launch_over_the_same_data_brings_the_window_forward_and_exits() {
    let app = App::start("single-instance").await;
    let window = app.x_window();
    // The user put the window away (unmapped, as a minimize does without a window manager).
    xdotool(&["windowunmap", "--sync", &window]);
    assert!(!shown_windows().contains(&window));

    let started = Instant::now();
    let mut second = launch(app.home.path());
    let status = exit_within(&mut second, Duration::from_secs(20)).await;
    let status = status.unwrap_or_else(|| {
        kill_group(&mut second);
        panic!("the second launch kept running")
    });
    assert!(
        status.success(),
        "the second launch exits with status 0: {status}"
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "the second launch took {took:?} to hand over"
    );
    // The first window is shown again (and asked for the focus, which only a window manager can
    // give; this display has none, so the test cannot see that part).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !shown_windows().contains(&window) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = shown_windows();
    assert_eq!(
        shown,
        vec![window.clone()],
        "the running window is shown again, and no other; shown: {}",
        describe_windows(&shown)
    );
    app.screenshot("forward").await;

    // Another data directory is another app: its launch stays up with its own window.
    let other = tempfile::tempdir().unwrap();
    let mut third = launch(other.path());
    let deadline = Instant::now() + Duration::from_secs(20);
    while shown_windows().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let windows = shown_windows().len();
    let status = third.try_wait().unwrap();
    kill_group(&mut third);
    assert_eq!(
        status, None,
        "a launch over another data directory keeps running"
    );
    assert_eq!(windows, 2, "with its own window");
    app.finish().await;
}

#[tokio::test]
async fn the_window_opens_at_the_size_and_place_it_was_left() {
    let app = App::start("window-state").await;
    let window = app.x_window();
    xdotool(&["windowsize", "--sync", &window, "1010", "640"]);
    xdotool(&["windowmove", "--sync", &window, "70", "45"]);
    let left = geometry(&window);
    assert_eq!((left.2, left.3), (1010, 640), "xdotool resized the window");
    let home = app.quit().await;
    assert!(
        home.path().join("window-state.json").exists(),
        "the window's state is kept in the data directory"
    );

    let vault = Vault::open(home.path()).unwrap();
    let app = App::with("window-state-again", Seed { home, vault }).await;
    let window = app.x_window();
    assert_eq!(
        geometry(&window),
        left,
        "the window opens where and as large as it was left"
    );
    app.finish().await;
}

/// (x, y, width, height) of an X window, as xdotool reports it.
fn geometry(window: &str) -> (i64, i64, i64, i64) {
    let out = xdotool(&["getwindowgeometry", "--shell", window]);
    let get = |key: &str| -> i64 {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {out}"))
    };
    (get("X"), get("Y"), get("WIDTH"), get("HEIGHT"))
}
