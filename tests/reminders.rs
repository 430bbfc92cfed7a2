//! Expiry reminders from the running app, against the real notification server on the test
//! session bus (Debian's notification-daemon, which scripts/test makes D-Bus-activatable), with
//! every Notify call captured by dbus-monitor: the exact texts, once per threshold, never for a
//! disabled or never-expiring token, thresholds changed in Settings, the "Unused for N days"
//! card and its filter, and a click on the popup (xdotool under Xvfb) opening the token. Each test
//! starts on a fresh notification server, so every popup on the display is its own app's.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, Utc};
use tokenkeeper_core::{GenerateRequest, NewToken, Settings, Token};

use crate::util::*;

/// How long a test waits for a notification to be sent.
const NOTIFY_PATIENCE: Duration = Duration::from_secs(20);

/// One `org.freedesktop.Notifications.Notify` call as dbus-monitor printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    pub app: String,
    pub summary: String,
    pub body: String,
    /// Action keys and labels, alternating (`["default", "Open"]`).
    pub actions: Vec<String>,
    /// The hint entries as printed (`desktop-entry` -> `tokenkeeper`).
    pub desktop_entry: Option<String>,
}

/// dbus-monitor on the session bus, capturing every Notify call from the moment it starts.
pub struct NotifyMonitor {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl NotifyMonitor {
    /// Starts dbus-monitor and waits until the bus has made it a monitor.
    pub fn start() -> NotifyMonitor {
        let mut child = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                "type='signal',interface='org.freedesktop.Notifications',member='ActionInvoked'",
                "type='method_return',sender='org.freedesktop.Notifications'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor is needed to capture notifications (package dbus)");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn({
            let lines = lines.clone();
            move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    // The bus greets a new monitor with NameAcquired/NameLost first.
                    let _ = ready_tx.send(());
                    lines.lock().unwrap().push(line);
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("dbus-monitor did not attach to the session bus");
        NotifyMonitor { child, lines }
    }

    /// Every Notify call seen so far.
    pub fn calls(&self) -> Vec<Notify> {
        parse_notify_calls(&self.lines.lock().unwrap())
    }

    /// The notification ids in the `ActionInvoked` signals seen (clicks the server reported).
    pub fn clicked_ids(&self) -> Vec<u32> {
        self.first_u32_after(|l| l.starts_with("signal") && l.contains("member=ActionInvoked"))
    }

    /// The ids the server gave back for the Notify calls seen (its only replies that carry a
    /// single uint32 first).
    pub fn shown_ids(&self) -> Vec<u32> {
        self.first_u32_after(|l| l.starts_with("method return"))
    }

    /// For each message whose first line satisfies `head`, its first argument when that is a
    /// uint32 (dbus-monitor prints it on the next line as `   uint32 N`).
    fn first_u32_after(&self, head: impl Fn(&str) -> bool) -> Vec<u32> {
        let lines = self.lines.lock().unwrap();
        lines
            .windows(2)
            .filter(|w| head(&w[0]))
            .filter_map(|w| w[1].trim().strip_prefix("uint32 ")?.parse().ok())
            .collect()
    }

    /// The calls whose summary mentions `name`.
    pub fn about(&self, name: &str) -> Vec<Notify> {
        self.calls()
            .into_iter()
            .filter(|n| n.summary.contains(name) || n.body.contains(name))
            .collect()
    }

    /// Waits until a call about `name` has been seen, and returns the first.
    pub async fn wait_about(&self, name: &str) -> Notify {
        let deadline = Instant::now() + NOTIFY_PATIENCE;
        loop {
            if let Some(n) = self.about(name).into_iter().next() {
                return n;
            }
            assert!(
                Instant::now() < deadline,
                "no notification about {name:?} within {NOTIFY_PATIENCE:?}; saw {:#?}",
                self.calls()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for NotifyMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads dbus-monitor's text: each message starts at column 0; a Notify call's arguments follow
/// at three spaces (app, id, icon, summary, body, actions, hints, timeout), an array's items at
/// six. A string runs from `string "` to the `"` that ends the line before the next argument.
fn parse_notify_calls(lines: &[String]) -> Vec<Notify> {
    let mut calls = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !(lines[i].starts_with("method call") && lines[i].contains("member=Notify")) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < lines.len() && !lines[i].starts_with(|c: char| !c.is_whitespace()) {
            i += 1;
        }
        let body = &lines[start..i];
        // The top-level arguments, each with the lines that belong to it.
        let mut args: Vec<Vec<&str>> = Vec::new();
        for line in body {
            let top = line.starts_with("   ") && !line.starts_with("    ");
            if top || args.is_empty() {
                args.push(vec![line.as_str()]);
            } else {
                args.last_mut().unwrap().push(line.as_str());
            }
        }
        let string_of = |arg: &Vec<&str>| -> Option<String> {
            let text = arg.join("\n");
            let rest = text.trim_start().strip_prefix("string \"")?;
            Some(rest.strip_suffix('"').unwrap_or(rest).to_string())
        };
        let quoted_items = |arg: &Vec<&str>| -> Vec<String> {
            arg.iter()
                .filter_map(|l| l.trim_start().strip_prefix("string \""))
                .map(|s| s.strip_suffix('"').unwrap_or(s).to_string())
                .collect()
        };
        if args.len() < 7 {
            continue;
        }
        let hints = quoted_items(&args[6]);
        calls.push(Notify {
            app: string_of(&args[0]).unwrap_or_default(),
            summary: string_of(&args[3]).unwrap_or_default(),
            body: string_of(&args[4]).unwrap_or_default(),
            actions: quoted_items(&args[5]),
            desktop_entry: hints
                .iter()
                .position(|h| h == "desktop-entry")
                .and_then(|at| hints.get(at + 1).cloned()),
        });
    }
    calls
}

/// The notification-daemon popups on the X display now (xdotool, by their window class).
fn popups() -> BTreeSet<String> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--class", "notification-daemon"])
        .output()
        .expect("xdotool is needed to click notifications (scripts/packages.txt)");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Asks the session bus which process owns `org.freedesktop.Notifications`; None when none does.
fn notification_server_pid() -> Option<u32> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.Notifications",
        ])
        .stderr(Stdio::null())
        .output()
        .expect("dbus-send is needed to find the notification server (package dbus)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().strip_prefix("uint32 ")?.trim().parse().ok()
}

/// Stops the notification server of the test bus, if one runs, and waits until its popups are
/// gone; the bus starts a new one (D-Bus activation) on the app's first notification. So every
/// popup on the display is this test's: none is left from an earlier test's app, and none is
/// held up by the pointer a click left resting on it (notification-daemon keeps a popup
/// under the pointer from timing out). Called with the display to itself ([`App::watched`]).
fn fresh_notification_server() {
    if let Some(pid) = notification_server_pid() {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    let deadline = Instant::now() + NOTIFY_PATIENCE;
    while notification_server_pid().is_some() || !popups().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the notification server of the test bus did not stop"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts the app on a fresh notification server, with dbus-monitor watching.
async fn start(name: &'static str, seed: Seed) -> (App, NotifyMonitor) {
    App::watched(name, seed, || {
        fresh_notification_server();
        NotifyMonitor::start()
    })
    .await
}

/// Waits for this test's popup, clicks it as a user would, and waits until the server reports
/// the click on the bus, for a notification this app sent.
async fn click_the_popup(monitor: &NotifyMonitor) {
    let clicks = monitor.clicked_ids().len();
    let deadline = Instant::now() + NOTIFY_PATIENCE;
    let popup = loop {
        let now: Vec<String> = popups().into_iter().collect();
        match now.as_slice() {
            [one] => break one.clone(),
            [] => {}
            many => panic!("expected one notification popup, found {many:?}"),
        }
        assert!(Instant::now() < deadline, "no notification popup appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // A desktop's window manager keeps notification popups above other windows; Xvfb has no
    // window manager, so the app's window, mapped later, may cover it. Raise it as one would.
    // Then the pointer leaves, as a user's hand does, so it holds up no later popup.
    let status = Command::new("xdotool")
        .args(["windowraise", &popup])
        .args(["mousemove", "--window", &popup, "40", "30", "click", "1"])
        .args(["mousemove", "0", "899"])
        .status()
        .unwrap();
    assert!(status.success(), "xdotool could not click the popup");
    let deadline = Instant::now() + NOTIFY_PATIENCE;
    let clicked = loop {
        if let Some(&id) = monitor.clicked_ids().get(clicks) {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "notification-daemon reported no click (ActionInvoked): the popup went away first?"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        monitor.shown_ids().contains(&clicked),
        "the click was on notification {clicked}, which this app did not send (it sent {:?})",
        monitor.shown_ids()
    );
}

fn in_days(days: i64, hours: i64) -> DateTime<Utc> {
    Utc::now() + Days::days(days) + Days::hours(hours)
}

/// A hash-only token named `name` that expires at `expires_at`.
fn expiring(
    seed: &mut Seed,
    name: &str,
    service: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Token {
    seed.vault
        .generate(GenerateRequest {
            token: NewToken {
                name: name.into(),
                service: service.map(Into::into),
                expires_at,
                ..Default::default()
            },
            keep: false,
        })
        .unwrap_or_else(|e| panic!("seed {name}: {e}"))
        .token
}

fn set_reminder_days(seed: &mut Seed, days: &[u32]) {
    let s = seed.vault.settings().unwrap();
    seed.vault
        .update_settings(Settings {
            reminder_days: days.to_vec(),
            ..s
        })
        .unwrap();
}

/// The local date and time a notification body names, as `tok remind` writes it.
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%a %-d %b %Y at %H:%M")
        .to_string()
}

#[tokio::test]
async fn a_token_expiring_in_two_days_is_reminded_once_and_the_click_opens_it() {
    let mut seed = Seed::new();
    let due = expiring(&mut seed, "deploy-bot", Some("GitHub"), Some(in_days(2, 1)));
    let paused = expiring(&mut seed, "paused-bot", Some("GitHub"), Some(in_days(2, 1)));
    seed.vault.set_enabled(&paused.id, false).unwrap();
    expiring(&mut seed, "forever-bot", None, None);
    let later = expiring(&mut seed, "later-bot", None, Some(in_days(45, 0)));
    let (app, monitor) = start("reminders", seed).await;
    // Away from the dashboard, so the click's effect shows. (notification-daemon takes a popup
    // down after a few seconds, so the test clicks it while it is up.)
    app.click("#nav-settings").await;
    app.wait_css("#view-settings:not([hidden])").await;

    // At start the app sends what is due: the nearest threshold crossed (7 days) for deploy-bot,
    // with the texts `tok remind` sends, and the `default` action a click reports.
    let sent = monitor.wait_about("deploy-bot").await;
    assert_eq!(sent.summary, "“deploy-bot” expires in 2 days");
    assert_eq!(
        sent.body,
        format!(
            "The GitHub token “deploy-bot” expires on {}. Rotate it before then and update \
             what uses it.",
            local(due.expires_at.unwrap())
        )
    );
    assert!(
        sent.actions.iter().any(|a| a == "default"),
        "a click on the notification is reported: {sent:?}"
    );

    // A click on the popup brings the window to that token's details, wherever it was.
    click_the_popup(&monitor).await;
    app.wait_css("#view-details:not([hidden])").await;
    app.wait_text("#details-name", |t| t == "deploy-bot").await;
    // The reminder is in the token's history.
    app.click("#tab-activity").await;
    app.wait_text("#panel-activity", |t| t.contains("Reminder sent"))
        .await;
    app.screenshot("clicked").await;

    // A write in the window wakes the reminder thread; by the time the token `tok` changed
    // behind the window's back is reminded, deploy-bot has been looked at again.
    let mut vault = app.vault();
    vault
        .edit(
            &later.id,
            tokenkeeper_core::TokenEdit {
                expires_at: Some(Some(in_days(3, 1))),
                ..Default::default()
            },
        )
        .unwrap();
    app.click("#nav-tokens").await;
    app.click(&app.in_row("forever-bot", "[data-action=toggle]").await)
        .await;
    let later_sent = monitor.wait_about("later-bot").await;
    assert_eq!(later_sent.summary, "“later-bot” expires in 3 days");
    assert_eq!(
        monitor.about("deploy-bot").len(),
        1,
        "deploy-bot is reminded once per threshold"
    );
    assert!(
        monitor.about("paused-bot").is_empty() && monitor.about("forever-bot").is_empty(),
        "disabled and never-expiring tokens are never reminded: {:#?}",
        monitor.calls()
    );
    app.finish().await;
}

#[tokio::test]
async fn reminder_days_set_in_settings_are_checked_saved_and_used() {
    let mut seed = Seed::new();
    set_reminder_days(&mut seed, &[1]);
    expiring(&mut seed, "ci-key", Some("GitLab"), Some(in_days(2, 23)));
    expiring(&mut seed, "canary", None, Some(in_days(0, 12)));
    let (app, monitor) = start("reminder-settings", seed).await;

    // With reminders only a day ahead, the canary (12 hours left) is reminded and ci-key is not.
    let canary = monitor.wait_about("canary").await;
    assert_eq!(canary.summary, "“canary” expires in 12 hours");
    assert!(monitor.about("ci-key").is_empty());

    app.click("#nav-settings").await;
    app.wait_value("#set-reminders", |v| v == "1").await;
    assert_eq!(app.value("#set-stale").await, "90");

    // A word in the list is refused next to the field, before anything is sent.
    app.type_into("#set-reminders", "7, soon").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text("#set-reminders-error", |t| {
        t.contains("\"soon\" is not a number of days")
    })
    .await;
    // Out of range: the core refuses it, and says so next to the field too.
    app.type_into("#set-reminders", "400, 1").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text("#set-reminders-error", |t| {
        t.contains("400 days before expiry is out of range")
    })
    .await;
    app.type_into("#set-stale", "0").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text("#set-stale-error", |t| t.contains("from 1 to 3650"))
        .await;
    assert_eq!(app.vault().settings().unwrap().reminder_days, vec![1]);
    app.screenshot("invalid").await;

    // Saved as the core keeps them (each day once, largest first), and used at once: ci-key,
    // three days out, now crosses the 3-day threshold.
    app.type_into("#set-stale", "90").await;
    app.type_into("#set-reminders", "1 3,3").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text(".toast", |t| t.contains("Settings saved"))
        .await;
    app.wait_value("#set-reminders", |v| v == "3, 1").await;
    assert_eq!(app.vault().settings().unwrap().reminder_days, vec![3, 1]);
    let ci = monitor.wait_about("ci-key").await;
    assert_eq!(ci.summary, "“ci-key” expires in 3 days");
    assert_eq!(monitor.about("ci-key").len(), 1);
    assert_eq!(
        monitor.about("canary").len(),
        1,
        "the canary is not reminded again"
    );
    app.finish().await;
}

/// Moves a token's creation and last use into the past, as if it had been kept that long.
fn age(home: &std::path::Path, token: &Token, created_days_ago: i64, used_days_ago: Option<i64>) {
    let ts = |days: i64| {
        (Utc::now() - Days::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    let conn = rusqlite::Connection::open(home.join(tokenkeeper_core::DB_FILE)).unwrap();
    conn.execute(
        "UPDATE tokens SET created_at = ?1, last_used_at = ?2 WHERE id = ?3",
        rusqlite::params![ts(created_days_ago), used_days_ago.map(ts), token.id],
    )
    .unwrap();
}

#[tokio::test]
async fn the_unused_card_counts_and_filters_stale_keys_and_its_notice_opens_them() {
    let mut seed = Seed::new();
    let old = expiring(&mut seed, "old-key", None, None);
    let used = expiring(&mut seed, "used-key", None, None);
    let idle = expiring(&mut seed, "idle-off", None, None);
    expiring(&mut seed, "new-key", None, None);
    seed.vault.set_enabled(&idle.id, false).unwrap();
    let home = seed.home.path().to_path_buf();
    // Never used, made 120 days ago; used 10 days ago; a disabled key is not counted.
    age(&home, &old, 120, None);
    age(&home, &used, 200, Some(10));
    age(&home, &idle, 300, None);
    let (app, monitor) = start("stale", seed).await;

    app.wait_text("#stat-stale", |t| {
        t.starts_with('1') && t.contains("Unused for 90 days")
    })
    .await;

    // The monthly notice names them; a click opens the dashboard filtered to them.
    let notice = monitor.wait_about("unused for").await;
    assert_eq!(notice.summary, "1 token unused for 90 days");
    assert_eq!(
        notice.body,
        "“old-key” has not been used for 90 days or more. Disable or delete the keys nobody \
         needs: the Unused card in Tokenkeeper, or tok list --unused-for 90d, lists them."
    );
    app.wait_rows(&["idle-off", "new-key", "old-key", "used-key"])
        .await;
    click_the_popup(&monitor).await;
    app.wait_rows(&["old-key"]).await;
    assert_eq!(
        app.find("#stat-stale")
            .await
            .attr("aria-pressed")
            .await
            .unwrap(),
        Some("true".into())
    );

    // The card toggles the filter like the others; the status filter replaces it.
    app.click("#stat-stale").await;
    app.wait_rows(&["idle-off", "new-key", "old-key", "used-key"])
        .await;
    app.click("#stat-stale").await;
    app.wait_rows(&["old-key"]).await;
    app.wait_text("#result-count", |t| t == "1 token match")
        .await;
    app.select("#filter-status", "active").await;
    app.wait_rows(&["new-key", "old-key", "used-key"]).await;
    app.screenshot("filtered").await;

    // The days are a setting: at 130 days old-key is no longer counted.
    app.click("#nav-settings").await;
    app.wait_value("#set-stale", |v| v == "90").await;
    app.type_into("#set-stale", "130").await;
    app.click("#settings-form button[type=submit]").await;
    app.wait_text(".toast", |t| t.contains("Settings saved"))
        .await;
    assert_eq!(app.vault().settings().unwrap().stale_days, 130);
    app.click("#nav-tokens").await;
    app.wait_text("#stat-stale", |t| {
        t.starts_with('0') && t.contains("Unused for 130 days")
    })
    .await;
    assert_eq!(
        monitor.about("unused for").len(),
        1,
        "unused keys are mentioned once a month"
    );
    app.finish().await;
}
