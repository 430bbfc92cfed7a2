//! `tok remind`: sends the expiry reminders and the monthly stale-keys note that are due as
//! desktop notifications, once, and exits, for people who do not keep the app open; and
//! `--install` / `--uninstall` of the per-user timer that runs it daily and at login.
//!
//! What is due, and the words, come from the core, which records each reminder as it is sent,
//! so the app and `tok remind` never send the same one twice. Notifications go through
//! notify-rust (the library tauri-plugin-notification wraps on the desktop): on Linux the
//! freedesktop Notifications service on the session bus.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;
use serde::Serialize;
use tokenkeeper_core::{Notification, Reminder, StaleReminder, Vault};

use crate::args::RemindArgs;
use crate::error::{CliError, InputError, Result};
use crate::output;

/// The systemd units `--install` writes, in the user's systemd directory.
pub const SERVICE_UNIT: &str = "tokenkeeper-remind.service";
pub const TIMER_UNIT: &str = "tokenkeeper-remind.timer";

/// What `tok remind --json` prints.
#[derive(Serialize)]
struct RemindJson<'a> {
    dry_run: bool,
    reminders: &'a [Reminder],
    stale: Option<&'a StaleReminder>,
}

pub fn run(vault: &mut Vault, a: RemindArgs, json: bool) -> Result<ExitCode> {
    if a.install {
        return install(json);
    }
    if a.uninstall {
        return uninstall(json);
    }
    let now = Utc::now();
    if a.dry_run {
        let reminders = vault.due_reminders(now)?;
        let stale = vault.stale_reminder(now)?;
        report(&reminders, stale.as_ref(), true, json);
        return Ok(ExitCode::SUCCESS);
    }
    // Ask the server first: without one, nothing is claimed and everything stays due.
    let markup = server_reads_markup()?;
    let sent = vault.send_due_reminders(now, |r| show(&r.notification, markup))?;
    let mut stale = None;
    if sent.error.is_none() {
        let s = vault.send_stale_reminder(now, |s| show(&s.notification, markup))?;
        stale = s.sent.into_iter().next();
        if let Some(why) = s.error {
            report(&sent.sent, None, false, json);
            return Err(CliError::NotificationRefused {
                sent: sent.sent.len(),
                why,
            });
        }
    }
    report(&sent.sent, stale.as_ref(), false, json);
    match sent.error {
        Some(why) => Err(CliError::NotificationRefused {
            sent: sent.sent.len(),
            why,
        }),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Prints what was sent (or would be): one line per notification title, the body indented
/// under it; or the JSON.
fn report(reminders: &[Reminder], stale: Option<&StaleReminder>, dry_run: bool, json: bool) {
    if json {
        output::json(&RemindJson {
            dry_run,
            reminders,
            stale,
        });
        return;
    }
    let count = reminders.len() + usize::from(stale.is_some());
    if count == 0 {
        println!("No reminders due.");
        return;
    }
    let verb = if dry_run { "Would send" } else { "Sent" };
    let plural = if count == 1 { "" } else { "s" };
    println!("{verb} {count} notification{plural}:");
    let notes = reminders
        .iter()
        .map(|r| &r.notification)
        .chain(stale.map(|s| &s.notification));
    for n in notes {
        println!("  {}", output::esc(&n.title));
        println!("    {}", output::esc(&n.body));
    }
}

/// Shows one notification. On Linux and the BSDs it names the app's desktop entry, so the
/// desktop shows the app's icon and a click can open it, and carries a default action.
fn show(n: &Notification, markup: bool) -> std::result::Result<(), String> {
    let body = if markup {
        tokenkeeper_core::escape_markup(&n.body)
    } else {
        n.body.clone()
    };
    let mut note = notify_rust::Notification::new();
    note.appname("Tokenkeeper")
        .summary(&n.title)
        .body(&body)
        .icon("tokenkeeper");
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use notify_rust::{Hint, Urgency};
        note.hint(Hint::DesktopEntry(tokenkeeper_core::DESKTOP_ENTRY.into()))
            .action("default", "Open Tokenkeeper")
            .urgency(if n.urgent {
                Urgency::Critical
            } else {
                Urgency::Normal
            });
    }
    note.show().map(|_| ()).map_err(|e| e.to_string())
}

/// Whether the session's notification server reads markup in bodies, asking it first whether
/// there is one at all: without one, `tok remind` stops before it claims anything.
#[cfg(all(unix, not(target_os = "macos")))]
fn server_reads_markup() -> Result<bool> {
    notify_rust::get_server_information()
        .map_err(|e| CliError::NoNotificationServer { why: e.to_string() })?;
    let caps = notify_rust::get_capabilities()
        .map_err(|e| CliError::NoNotificationServer { why: e.to_string() })?;
    Ok(caps.iter().any(|c| c == "body-markup"))
}

/// macOS and Windows have a notification center whenever someone is logged in.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn server_reads_markup() -> Result<bool> {
    Ok(false)
}

// ----- the timer -----

/// The user's systemd unit directory: `$XDG_CONFIG_HOME/systemd/user`, by default
/// `~/.config/systemd/user`.
fn unit_dir() -> Result<PathBuf> {
    dirs::config_dir()
        .map(|d| d.join("systemd").join("user"))
        .ok_or_else(|| InputError::NoConfigDir.into())
}

/// A path as one word of a systemd command line: quoted, with `\`, `"` and `%` escaped.
fn systemd_word(path: &Path) -> String {
    systemd_quoted(&path.to_string_lossy())
}

/// A value of an `Environment=` assignment, quoted as systemd reads it.
fn systemd_env(name: &str, value: &Path) -> String {
    systemd_quoted(&format!("{name}={}", value.to_string_lossy()))
}

/// `text` in double quotes as systemd reads a quoted word: `\`, `"` and `%` escaped.
fn systemd_quoted(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%");
    format!("\"{escaped}\"")
}

/// The service: one run of `tok remind` (by this binary's absolute path), with the data
/// directory `TOKENKEEPER_HOME` names now, if it names one.
fn service_unit(tok: &Path, home: Option<&Path>) -> String {
    let env = home
        .map(|h| format!("Environment={}\n", systemd_env("TOKENKEEPER_HOME", h)))
        .unwrap_or_default();
    format!(
        "# Written by `tok remind --install`; `tok remind --uninstall` removes it.\n\
         [Unit]\n\
         Description=Tokenkeeper: send the API token reminders that are due\n\
         Documentation=man:tok-remind(1)\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         {env}\
         ExecStart={} remind\n",
        systemd_word(tok)
    )
}

/// The timer: daily, a minute after login (the user manager's start), and at the next start
/// after a day the computer was off (Persistent).
fn timer_unit() -> String {
    format!(
        "# Written by `tok remind --install`; `tok remind --uninstall` removes it.\n\
         [Unit]\n\
         Description=Tokenkeeper: check for API token reminders daily and at login\n\
         Documentation=man:tok-remind(1)\n\
         \n\
         [Timer]\n\
         OnCalendar=daily\n\
         OnStartupSec=1min\n\
         Persistent=true\n\
         Unit={SERVICE_UNIT}\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n"
    )
}

/// What `--install` / `--uninstall` print with `--json`.
#[derive(Serialize)]
struct InstallJson {
    service: PathBuf,
    timer: PathBuf,
    /// Whether `systemctl --user` took the change; if not, `run` is the command to run.
    enabled: bool,
    run: Option<String>,
}

fn install(json: bool) -> Result<ExitCode> {
    if !cfg!(target_os = "linux") {
        return Err(InputError::NoTimerHere.into());
    }
    let tok = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|source| InputError::NoOwnPath { source })?;
    let home = std::env::var_os("TOKENKEEPER_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .map(|h| std::path::absolute(&h).unwrap_or(h));
    let dir = unit_dir()?;
    std::fs::create_dir_all(&dir).map_err(|source| CliError::UnitUnwritable {
        path: dir.clone(),
        source,
    })?;
    let service = dir.join(SERVICE_UNIT);
    let timer = dir.join(TIMER_UNIT);
    write_unit(&service, &service_unit(&tok, home.as_deref()))?;
    write_unit(&timer, &timer_unit())?;
    let enable =
        format!("systemctl --user daemon-reload && systemctl --user enable --now {TIMER_UNIT}");
    let outcome =
        systemctl(&["daemon-reload"]).and_then(|()| systemctl(&["enable", "--now", TIMER_UNIT]));
    if json {
        output::json(&InstallJson {
            service,
            timer,
            enabled: outcome.is_ok(),
            run: outcome.is_err().then_some(enable),
        });
        return Ok(ExitCode::SUCCESS);
    }
    println!("Wrote {}", output::esc(&service.display().to_string()));
    println!("Wrote {}", output::esc(&timer.display().to_string()));
    match outcome {
        Ok(()) => println!(
            "Enabled {TIMER_UNIT}: tok remind runs daily and a minute after each login \
             (`systemctl --user list-timers` shows it)."
        ),
        Err(why) => {
            println!(
                "Could not reach the systemd user manager ({}).",
                output::esc(&why)
            );
            println!("To turn the timer on, run in your desktop session:\n  {enable}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn uninstall(json: bool) -> Result<ExitCode> {
    if !cfg!(target_os = "linux") {
        return Err(InputError::NoTimerHere.into());
    }
    let dir = unit_dir()?;
    let service = dir.join(SERVICE_UNIT);
    let timer = dir.join(TIMER_UNIT);
    // Stopped first, while systemd still has the unit; a manager that is not running has
    // nothing to stop.
    let outcome = systemctl(&["disable", "--now", TIMER_UNIT]);
    let mut removed = Vec::new();
    for path in [&timer, &service] {
        match std::fs::remove_file(path) {
            Ok(()) => removed.push(path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(CliError::UnitUnwritable {
                    path: path.clone(),
                    source,
                })
            }
        }
    }
    let reloaded = outcome.and_then(|()| systemctl(&["daemon-reload"]));
    if json {
        output::json(&serde_json::json!({
            "removed": removed,
            "disabled": reloaded.is_ok(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if removed.is_empty() {
        println!("Nothing to remove: the reminder timer was not installed.");
    }
    for path in &removed {
        println!("Removed {}", output::esc(&path.display().to_string()));
    }
    if let Err(why) = reloaded {
        if !removed.is_empty() {
            println!(
                "Could not reach the systemd user manager ({}); it forgets the timer at the next \
                 login, or run: systemctl --user daemon-reload",
                output::esc(&why)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a unit file whole (0644, as systemd expects of unit files).
fn write_unit(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| CliError::UnitUnwritable {
        path: path.to_path_buf(),
        source,
    })
}

/// Runs `systemctl --user ARGS`; the error is what it said (or why it did not start).
fn systemctl(args: &[&str]) -> std::result::Result<(), String> {
    let out = std::process::Command::new("systemctl")
        .arg("--user")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("systemctl did not start: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said.lines().next().unwrap_or("").trim();
    Err(if said.is_empty() {
        format!("systemctl --user {} failed", args.join(" "))
    } else {
        said.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_runs_this_binary_by_its_absolute_path_quoted_for_systemd() {
        let unit = service_unit(Path::new("/opt/my tools/100%/tok"), None);
        assert!(
            unit.contains("ExecStart=\"/opt/my tools/100%%/tok\" remind\n"),
            "{unit}"
        );
        assert!(!unit.contains("Environment="));
        let unit = service_unit(
            Path::new("/usr/bin/tok"),
            Some(Path::new("/home/a/t \"k\"")),
        );
        assert!(
            unit.contains("Environment=\"TOKENKEEPER_HOME=/home/a/t \\\"k\\\"\"\n"),
            "{unit}"
        );
    }

    #[test]
    fn the_timer_runs_daily_at_login_and_catches_up() {
        let timer = timer_unit();
        for line in [
            "OnCalendar=daily",
            "OnStartupSec=1min",
            "Persistent=true",
            "WantedBy=timers.target",
            "Unit=tokenkeeper-remind.service",
        ] {
            assert!(timer.lines().any(|l| l == line), "{line} in {timer}");
        }
    }
}
