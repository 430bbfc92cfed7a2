//! `tok remind` against a real notification server: each test gets its own D-Bus session bus on
//! which Debian's notification-daemon starts on the first notification (as a desktop session
//! starts its own), and `dbus-monitor` records every Notify call, whose exact texts the tests
//! assert. Also: no server (nothing marked as sent), `--dry-run`, the stale-keys mention once a
//! month, `tok settings`, `list --unused-for`, and the systemd timer of `--install`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tempfile::TempDir;

use crate::util::*;

/// Where Debian installs notification-daemon (scripts/packages.txt).
const NOTIFICATION_DAEMON: &str = "/usr/lib/notification-daemon/notification-daemon";

/// One Notify call as the server received it.
#[derive(Debug, Clone, PartialEq)]
struct Notify {
    app_name: String,
    app_icon: String,
    summary: String,
    body: String,
    actions: Vec<String>,
    /// The hints, each as `name=value` in dbus-monitor's words (`desktop-entry=Tokenkeeper`,
    /// `urgency=1`).
    hints: Vec<String>,
}

/// A private session bus, with or without a notification server, and what was sent on it.
struct Desktop {
    dir: TempDir,
    address: String,
    bus: Child,
    monitor: Option<(Child, Arc<Mutex<String>>)>,
    sentinels: usize,
}

impl Desktop {
    /// A session bus where notification-daemon answers (started on the first call, on the
    /// tests' X display), watched by dbus-monitor.
    fn with_server() -> Desktop {
        assert!(
            Path::new(NOTIFICATION_DAEMON).exists(),
            "notification-daemon is installed (scripts/packages.txt)"
        );
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "notification-daemon needs an X display: run the tests with scripts/test (a private \
             Xvfb), or set DISPLAY"
        );
        let mut d = Desktop::start(true);
        d.watch();
        d
    }

    /// A session bus where nothing provides notifications.
    fn without_server() -> Desktop {
        let mut d = Desktop::start(false);
        d.watch();
        d
    }

    fn start(notifications: bool) -> Desktop {
        let dir = tempfile::tempdir().unwrap();
        let services = dir.path().join("services");
        std::fs::create_dir(&services).unwrap();
        let servicedir = if notifications {
            std::fs::write(
                services.join("org.freedesktop.Notifications.service"),
                format!(
                    "[D-BUS Service]\nName=org.freedesktop.Notifications\nExec={NOTIFICATION_DAEMON}\n"
                ),
            )
            .unwrap();
            format!("<servicedir>{}</servicedir>", services.display())
        } else {
            String::new()
        };
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  {servicedir}
</busconfig>"#,
                dir.path().display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            // notification-daemon would start the accessibility bus otherwise.
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts (package dbus)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        Desktop {
            dir,
            address: address.trim().to_string(),
            bus,
            monitor: None,
            sentinels: 0,
        }
    }

    /// Starts dbus-monitor on the Notifications interface (and this fixture's sentinel
    /// signals), and waits until it is listening.
    fn watch(&mut self) {
        let mut child = Command::new("dbus-monitor")
            .args(["--address", &self.address])
            .arg("interface='org.freedesktop.Notifications'")
            .arg("interface='org.tokenkeeper.Test'")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor starts");
        let seen = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().unwrap();
        let sink = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        self.monitor = Some((child, seen));
        self.sync();
    }

    /// Sends a sentinel signal and waits until the monitor has printed it: everything sent on
    /// the bus before it has been printed too.
    fn sync(&mut self) {
        self.sentinels += 1;
        let mark = format!("sentinel-{}", self.sentinels);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = Command::new("dbus-send")
                .args([&format!("--address={}", self.address), "--type=signal"])
                .args(["/org/tokenkeeper/Test", "org.tokenkeeper.Test.Done"])
                .arg(format!("string:{mark}"))
                .status()
                .unwrap();
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(50));
            if self.log().contains(&format!("string \"{mark}\"")) {
                return;
            }
            assert!(Instant::now() < deadline, "dbus-monitor never listened");
        }
    }

    fn log(&self) -> String {
        self.monitor.as_ref().unwrap().1.lock().unwrap().clone()
    }

    /// Every Notify call so far, in order.
    fn notifications(&mut self) -> Vec<Notify> {
        self.sync();
        parse_notify_calls(&self.log())
    }

    /// `tok ARGS` talking to this desktop's bus, in UTC (so the dates in texts are known).
    fn tok(&self, tok: &Tok, args: &[&str]) -> Out {
        let mut cmd = tok.command(args);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("TZ", "UTC");
        tok.run_with(cmd, None)
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        if let Some((child, _)) = &mut self.monitor {
            let _ = child.kill();
            let _ = child.wait();
        }
        // notification-daemon leaves with its bus.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        let _ = &self.dir;
    }
}

/// The text of a `string "..."` line: everything between the first and the last quote (dbus-monitor
/// does not escape quotes inside).
fn string_value(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("string \"")?;
    Some(rest.strip_suffix('"')?.to_string())
}

fn parse_notify_calls(log: &str) -> Vec<Notify> {
    let mut calls = Vec::new();
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        if !(line.starts_with("method call") && line.ends_with("member=Notify")) {
            continue;
        }
        let mut body = Vec::new();
        while let Some(next) = lines.peek() {
            if !next.starts_with(' ') {
                break;
            }
            body.push(lines.next().unwrap());
        }
        // Top-level arguments are indented 3 spaces; array items more.
        let top: Vec<&str> = body
            .iter()
            .copied()
            .filter(|l| l.starts_with("   ") && !l.starts_with("    "))
            .collect();
        let strings: Vec<String> = top.iter().filter_map(|l| string_value(l)).collect();
        let arrays: Vec<usize> = body
            .iter()
            .enumerate()
            .filter(|(_, l)| **l == "   array [")
            .map(|(i, _)| i)
            .collect();
        let (actions_at, hints_at) = (arrays[0], arrays[1]);
        let actions = body[actions_at + 1..hints_at]
            .iter()
            .filter_map(|l| string_value(l))
            .collect();
        let mut hints = Vec::new();
        let mut key = None;
        for l in &body[hints_at + 1..] {
            let t = l.trim_start();
            if let Some(v) = t.strip_prefix("variant") {
                let v = v.trim();
                let value = string_value(v)
                    .unwrap_or_else(|| v.split_whitespace().last().unwrap_or_default().to_string());
                hints.push(format!("{}={value}", key.take().unwrap_or_default()));
            } else if let Some(k) = string_value(t) {
                key = Some(k);
            }
        }
        hints.sort();
        calls.push(Notify {
            app_name: strings[0].clone(),
            app_icon: strings[1].clone(),
            summary: strings[2].clone(),
            body: strings[3].clone(),
            actions,
            hints,
        });
    }
    calls
}

/// Generates a token with an expiry; its id and expiry.
fn generate(tok: &Tok, name: &str, extra: &[&str]) -> (String, Option<DateTime<Utc>>) {
    let mut args = vec!["--json", "generate", name];
    args.extend_from_slice(extra);
    let json = tok.run(&args).ok().json();
    let token = &json["token"];
    let expires = token["expires_at"]
        .as_str()
        .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
    (token["id"].as_str().unwrap().to_string(), expires)
}

/// How the body names an expiry (the test runs tok in UTC).
fn date(at: DateTime<Utc>) -> String {
    at.format("%a %-d %b %Y at %H:%M").to_string()
}

fn reminded(tok: &Tok, which: &str) -> Vec<String> {
    let json = tok.run(&["--json", "show", which]).ok().json();
    json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reminded")
        .map(|e| e["detail"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Runs SQL on the install's database, as time passing would leave it.
fn sql(tok: &Tok, statement: &str) {
    let conn = rusqlite::Connection::open(tok.home.path().join("tokenkeeper.db")).unwrap();
    conn.execute_batch(statement).unwrap();
}

fn days_ago(days: i64) -> String {
    (Utc::now() - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[test]
fn remind_sends_the_nearest_reminder_once_with_the_exact_text() {
    let tok = Tok::new();
    let mut desktop = Desktop::with_server();
    let (id, expires) = generate(
        &tok,
        "deploy-bot",
        &["--service", "GitHub", "--expires", "2d"],
    );
    generate(&tok, "far-off", &["--expires", "40d"]);
    generate(&tok, "forever", &[]);
    let (paused, _) = generate(&tok, "paused", &["--expires", "3d"]);
    tok.run(&["disable", &paused]).ok();
    let (gone, _) = generate(&tok, "gone", &["--expires", "1d"]);
    tok.run(&["delete", &gone, "--yes"]).ok();

    let out = desktop.tok(&tok, &["remind"]).ok();
    let title = "“deploy-bot” expires in 2 days";
    let body = format!(
        "The GitHub token “deploy-bot” expires on {}. Rotate it before then and update what \
         uses it.",
        date(expires.unwrap())
    );
    assert_eq!(
        desktop.notifications(),
        [Notify {
            app_name: "Tokenkeeper".into(),
            app_icon: "tokenkeeper".into(),
            summary: title.into(),
            body: body.clone(),
            actions: vec!["default".into(), "Open Tokenkeeper".into()],
            hints: vec!["desktop-entry=Tokenkeeper".into(), "urgency=1".into()],
        }],
        "disabled, deleted, never-expiring and far-off tokens are not reminded"
    );
    assert_eq!(
        out.stdout,
        format!("Sent 1 notification:\n  {title}\n    {body}\n")
    );
    assert_eq!(
        reminded(&tok, &id),
        [format!("7-day reminder: {title}")],
        "in the token's history"
    );

    // Once: the next run sends nothing.
    let again = desktop.tok(&tok, &["remind"]).ok();
    assert_eq!(again.stdout, "No reminders due.\n");
    assert_eq!(desktop.notifications().len(), 1);
    assert_eq!(reminded(&tok, &id).len(), 1);
    assert!(reminded(&tok, &paused).is_empty());

    // A new expiry gets its reminders again; the 1-day one is urgent.
    tok.run(&["edit", &id, "--expires", "1d"]).ok();
    let json = desktop.tok(&tok, &["--json", "remind"]).ok().json();
    assert_eq!(json["dry_run"], false);
    assert_eq!(json["reminders"][0]["days"], 1);
    assert_eq!(
        json["reminders"][0]["notification"]["title"],
        "“deploy-bot” expires in 1 day"
    );
    let sent = desktop.notifications();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].summary, "“deploy-bot” expires in 1 day");
    assert!(sent[1].hints.contains(&"urgency=2".to_string()), "{sent:?}");
}

#[test]
fn a_name_with_markup_characters_shows_as_written() {
    let tok = Tok::new();
    let mut desktop = Desktop::with_server();
    generate(&tok, "R&D <ci>", &["--expires", "3d"]);
    desktop.tok(&tok, &["remind"]).ok();
    let sent = desktop.notifications();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].summary, "“R&D <ci>” expires in 3 days",
        "titles are plain text"
    );
    // notification-daemon reads markup in bodies, so the body comes escaped.
    assert!(
        sent[0]
            .body
            .starts_with("The token “R&amp;D &lt;ci&gt;” expires on "),
        "{}",
        sent[0].body
    );
}

#[test]
fn without_a_notification_server_remind_says_so_and_marks_nothing() {
    let tok = Tok::new();
    let (id, _) = generate(&tok, "deploy-bot", &["--expires", "2d"]);
    let mut empty = Desktop::without_server();
    let out = empty.tok(&tok, &["remind"]);
    let out = out.fails(8, "No desktop notification server answered");
    assert!(
        out.stderr.contains("Nothing was marked as sent"),
        "{}",
        out.stderr
    );
    assert!(empty.notifications().is_empty());
    // No session bus at all.
    let mut cmd = tok.command(&["--json", "remind"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let out = tok.run_with(cmd, None);
    assert_eq!(out.code, 8, "{out:?}");
    let err: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(err["kind"], "notifications_unavailable");
    assert!(reminded(&tok, &id).is_empty(), "nothing was recorded");

    // So the reminder still goes out once a server answers.
    let mut desktop = Desktop::with_server();
    desktop.tok(&tok, &["remind"]).ok();
    let sent = desktop.notifications();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].summary, "“deploy-bot” expires in 2 days");
}

#[test]
fn a_dry_run_prints_what_is_due_and_sends_nothing() {
    let tok = Tok::new();
    let mut desktop = Desktop::with_server();
    generate(&tok, "deploy-bot", &["--expires", "2d"]);
    let dry = desktop.tok(&tok, &["remind", "--dry-run"]).ok();
    assert!(
        dry.stdout
            .starts_with("Would send 1 notification:\n  “deploy-bot” expires in 2 days\n"),
        "{}",
        dry.stdout
    );
    let json = desktop
        .tok(&tok, &["--json", "remind", "--dry-run"])
        .ok()
        .json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["reminders"].as_array().unwrap().len(), 1);
    assert!(desktop.notifications().is_empty());
    desktop.tok(&tok, &["remind"]).ok();
    assert_eq!(desktop.notifications().len(), 1);
}

#[test]
fn stale_keys_are_mentioned_once_a_month_in_one_notification() {
    let tok = Tok::new();
    let mut desktop = Desktop::with_server();
    for name in ["old-ci", "legacy-stripe", "fresh", "old-paused"] {
        generate(&tok, name, &[]);
    }
    tok.run(&["disable", "old-paused"]).ok();
    sql(
        &tok,
        &format!(
            "UPDATE tokens SET created_at = '{}' WHERE name != 'fresh';
             UPDATE tokens SET last_used_at = '{}' WHERE name = 'legacy-stripe';",
            days_ago(200),
            days_ago(120),
        ),
    );
    desktop.tok(&tok, &["remind"]).ok();
    assert_eq!(
        desktop.notifications(),
        [Notify {
            app_name: "Tokenkeeper".into(),
            app_icon: "tokenkeeper".into(),
            summary: "2 tokens unused for 90 days".into(),
            body: "“old-ci” and “legacy-stripe” have not been used for 90 days or more. Disable \
                   or delete the keys nobody needs: the Unused card in Tokenkeeper, or tok list \
                   --unused-for 90d, lists them."
                .into(),
            actions: vec!["default".into(), "Open Tokenkeeper".into()],
            hints: vec!["desktop-entry=Tokenkeeper".into(), "urgency=1".into()],
        }]
    );
    // Not again this month.
    assert_eq!(
        desktop.tok(&tok, &["remind"]).ok().stdout,
        "No reminders due.\n"
    );
    assert_eq!(desktop.notifications().len(), 1);
    // A month later, again.
    sql(
        &tok,
        &format!(
            "UPDATE meta SET value = '{}' WHERE key = 'stale_reminded_at'",
            days_ago(31)
        ),
    );
    desktop.tok(&tok, &["remind"]).ok();
    assert_eq!(desktop.notifications().len(), 2);
}

#[test]
fn list_unused_for_lists_active_keys_unused_that_long() {
    let tok = Tok::new();
    for name in ["old-ci", "used-lately", "fresh", "old-paused"] {
        generate(&tok, name, &[]);
    }
    tok.run(&["disable", "old-paused"]).ok();
    sql(
        &tok,
        &format!(
            "UPDATE tokens SET created_at = '{}' WHERE name != 'fresh';
             UPDATE tokens SET last_used_at = '{}' WHERE name = 'used-lately';",
            days_ago(200),
            days_ago(10),
        ),
    );
    let names = |list: Vec<Value>| -> Vec<String> {
        list.iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(tok.list(&["--unused-for", "90d"])), ["old-ci"]);
    assert_eq!(
        names(tok.list(&["--unused-for", "5"])),
        ["old-ci", "used-lately"]
    );
    assert!(names(tok.list(&["--unused-for", "365d"])).is_empty());
    let table = tok.run(&["list", "--unused-for", "90d"]).ok();
    assert!(table.stdout.contains("old-ci") && !table.stdout.contains("fresh"));

    unchanged(&tok, || {
        tok.run(&["list", "--unused-for", "abc"]).fails(
            2,
            "'abc' is not a number of days; write a whole number like 90 or 90d",
        )
    });
    tok.run(&["list", "--unused-for", "0d"])
        .fails(2, "Unused for 0 days is out of range");
    let out = tok.run(&["--json", "list", "--unused-for", "9999"]);
    assert_eq!(out.code, 2);
    let err: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(err["kind"], "invalid_input");
}

#[test]
fn settings_change_the_reminders_and_refuse_bad_input_changing_nothing() {
    let tok = Tok::new();
    let before = tok.run(&["--json", "settings"]).ok().json();
    assert_eq!(before["reminder_days"], serde_json::json!([30, 7, 1, 0]));
    assert_eq!(before["stale_days"], 90);
    for (args, needle) in [
        (
            &["settings", "--reminders", "30,400"][..],
            "A reminder 400 days before expiry is out of range; use 0 (when it expires) to 365",
        ),
        (
            &["settings", "--reminders", "30, soon"][..],
            "'soon' is not a number of days",
        ),
        (
            &["settings", "--stale-days", "0", "--reminders", "7"][..],
            "Unused for 0 days is out of range",
        ),
        (
            &["settings", "--reminders", "0,1,2,3,4,5,6,7,8,9,10"][..],
            "11 reminders per token is too many",
        ),
    ] {
        tok.run(args).fails(2, needle);
        assert_eq!(
            tok.run(&["--json", "settings"]).ok().json(),
            before,
            "{args:?}"
        );
    }
    let out = tok
        .run(&[
            "settings",
            "--reminders",
            "14, 3d, 14",
            "--stale-days",
            "180d",
        ])
        .ok();
    assert!(
        out.stdout
            .contains("Reminders:         14, 3 days before expiry (0: when it expires)\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Unused after:      180 days\n"));
    let after = tok.run(&["--json", "settings"]).ok().json();
    assert_eq!(after["reminder_days"], serde_json::json!([14, 3]));
    assert_eq!(after["stale_days"], 180);

    // The calendar's alarms are the same reminders.
    let ics = tok.home.path().join("x.ics");
    let out = tok.run(&["calendar", "-o", ics.to_str().unwrap()]).ok();
    assert!(
        out.stdout
            .ends_with(", each with reminders 14 and 3 days before\n"),
        "{}",
        out.stdout
    );
    // The thresholds are what remind uses: 10 days out is inside 14.
    let mut desktop = Desktop::with_server();
    generate(&tok, "ci", &["--expires", "10d"]);
    desktop.tok(&tok, &["remind"]).ok();
    assert_eq!(
        desktop.notifications()[0].summary,
        "“ci” expires in 10 days"
    );
    assert_eq!(
        tok.run(&["settings", "--reminders", "none"])
            .ok()
            .stdout
            .lines()
            .nth(3),
        Some("Reminders:         none")
    );
}

/// A fake `systemctl` first on PATH that records its arguments, as a running user manager
/// would take them.
fn fake_systemctl(dir: &Path, works: bool) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("systemctl");
    let log = dir.join("systemctl.log");
    std::fs::write(
        &script,
        if works {
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n", log.display())
        } else {
            "#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n".into()
        },
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn with_path(cmd: &mut Command, bin: &Path) {
    let path = std::env::var("PATH").unwrap_or_default();
    cmd.env("PATH", format!("{}:{path}", bin.display()));
}

#[test]
fn install_writes_a_daily_user_timer_enables_it_and_uninstall_removes_it() {
    let tok = Tok::new();
    let config = tempfile::tempdir().unwrap();
    let units = config.path().join("systemd/user");
    let bin = fake_systemctl(config.path(), true);
    let run = |args: &[&str]| {
        let mut cmd = tok.command(args);
        cmd.env("XDG_CONFIG_HOME", config.path());
        with_path(&mut cmd, &bin);
        tok.run_with(cmd, None)
    };
    let out = run(&["remind", "--install"]).ok();
    assert!(
        out.stdout.contains("Enabled tokenkeeper-remind.timer"),
        "{}",
        out.stdout
    );
    let service = std::fs::read_to_string(units.join("tokenkeeper-remind.service")).unwrap();
    let timer = std::fs::read_to_string(units.join("tokenkeeper-remind.timer")).unwrap();
    let tok_path = Path::new(env!("CARGO_BIN_EXE_tok")).canonicalize().unwrap();
    let home = tok.home.path().canonicalize().unwrap();
    assert!(
        service.contains(&format!("\nExecStart=\"{}\" remind\n", tok_path.display())),
        "{service}"
    );
    assert!(
        service.contains(&format!(
            "\nEnvironment=\"TOKENKEEPER_HOME={}\"\n",
            home.display()
        )) || service.contains(&format!(
            "\nEnvironment=\"TOKENKEEPER_HOME={}\"\n",
            tok.home.path().display()
        )),
        "the timer reminds for the same data directory: {service}"
    );
    for line in ["OnCalendar=daily", "OnStartupSec=1min", "Persistent=true"] {
        assert!(timer.lines().any(|l| l == line), "{line}: {timer}");
    }
    let log = std::fs::read_to_string(config.path().join("systemctl.log")).unwrap();
    assert_eq!(
        log,
        "--user daemon-reload\n--user enable --now tokenkeeper-remind.timer\n"
    );
    // systemd's own checker reads both units, where this machine has it.
    if Path::new("/usr/bin/systemd-analyze").exists() {
        let out = Command::new("/usr/bin/systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(units.join("tokenkeeper-remind.timer"))
            .arg(units.join("tokenkeeper-remind.service"))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "systemd-analyze verify: {said}");
        assert!(
            !said.contains("tokenkeeper-remind"),
            "no warning about our units: {said}"
        );
    }

    let out = run(&["remind", "--uninstall"]).ok();
    assert!(out.stdout.contains("Removed"), "{}", out.stdout);
    assert!(!units.join("tokenkeeper-remind.service").exists());
    assert!(!units.join("tokenkeeper-remind.timer").exists());
    let log = std::fs::read_to_string(config.path().join("systemctl.log")).unwrap();
    assert!(
        log.ends_with("--user disable --now tokenkeeper-remind.timer\n--user daemon-reload\n"),
        "{log}"
    );
    let out = run(&["remind", "--uninstall"]).ok();
    assert_eq!(
        out.stdout,
        "Nothing to remove: the reminder timer was not installed.\n"
    );
}

#[test]
fn install_without_a_user_manager_writes_the_units_and_prints_the_command() {
    let tok = Tok::new();
    let config = tempfile::tempdir().unwrap();
    let bin = fake_systemctl(config.path(), false);
    let mut cmd = tok.command(&["--json", "remind", "--install"]);
    cmd.env("XDG_CONFIG_HOME", config.path());
    with_path(&mut cmd, &bin);
    let json = tok.run_with(cmd, None).ok().json();
    assert_eq!(json["enabled"], false);
    assert_eq!(
        json["run"],
        "systemctl --user daemon-reload && systemctl --user enable --now tokenkeeper-remind.timer"
    );
    assert!(config
        .path()
        .join("systemd/user/tokenkeeper-remind.timer")
        .exists());
    let mut cmd = tok.command(&["remind", "--install"]);
    cmd.env("XDG_CONFIG_HOME", config.path());
    with_path(&mut cmd, &bin);
    let out = tok.run_with(cmd, None).ok();
    assert!(
        out.stdout
            .contains("Could not reach the systemd user manager (Failed to connect to bus"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(
        "\n  systemctl --user daemon-reload && systemctl --user enable --now tokenkeeper-remind.timer\n"
    ));
}

#[test]
fn two_reminders_running_at_once_send_each_notification_once() {
    let tok = Tok::new();
    let mut desktop = Desktop::with_server();
    for i in 0..8 {
        generate(
            &tok,
            &format!("key-{i}"),
            &["--expires", &format!("{}d", 1 + i)],
        );
    }
    let start = |_| {
        let mut cmd = tok.command(&["remind"]);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &desktop.address)
            .env("TZ", "UTC");
        cmd.spawn().unwrap()
    };
    let runs: Vec<Child> = (0..3).map(start).collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let mut titles: Vec<String> = desktop
        .notifications()
        .into_iter()
        .map(|n| n.summary)
        .collect();
    assert_eq!(titles.len(), 8, "{titles:?}");
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 8, "no reminder twice: {titles:?}");
}
