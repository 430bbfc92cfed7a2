//! Expiry reminders from the running app: a background thread asks the core which reminders are
//! due (an atomic claim, so the app and `tok remind` never send the same one twice) and shows each
//! as an OS notification through tauri-plugin-notification; a click on one opens that token's
//! details (or, for the monthly unused-keys notice, the dashboard filtered to them).
//!
//! It checks at start, every hour, and soon after any write that can change what is due
//! (generate, add, edit, enable, rotate, import, a settings change): commands call
//! [`Reminders::check_soon`]. Checks asked for while one runs fold into one more.
//!
//! Clicks come back through the plugin's `on_action` (action `tap`). On Linux the plugin offers the
//! freedesktop `default` action and listens for `ActionInvoked` on its own session-bus connection;
//! on macOS and Windows notify-rust reports the click while the notification is on screen.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::error::AppResult;
use crate::state::AppState;

/// How often the app looks again while nothing changes.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Where a click on a notification leads in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The details page of one token.
    Token(String),
    /// The dashboard filtered to keys unused for the stale setting's days.
    Stale,
}

impl Target {
    /// The page's route for it (ui/js/main.js).
    fn hash(&self) -> String {
        match self {
            Target::Token(id) => format!("#/token/{}", percent_encode(id)),
            Target::Stale => "#/stale".to_string(),
        }
    }
}

/// Managed state: the way commands wake the reminder thread, and where each notification shown
/// leads when clicked (by the notification's id).
pub struct Reminders {
    wake: Mutex<Sender<()>>,
    targets: Mutex<HashMap<i32, Target>>,
    next_id: Mutex<i32>,
}

impl Reminders {
    /// Starts the reminder thread (it checks once right away) and routes clicks on the
    /// notifications it shows. Call once the notification plugin is registered.
    pub fn start<R: Runtime>(app: &AppHandle<R>) {
        let (wake, woken) = mpsc::channel();
        let _ = wake.send(());
        app.manage(Reminders {
            wake: Mutex::new(wake),
            targets: Mutex::new(HashMap::new()),
            next_id: Mutex::new(1),
        });
        let clicks = app.clone();
        let _ = app.notification().on_action(move |performed| {
            let Some(id) = performed.notification().map(|n| n.id()) else {
                return;
            };
            if performed.action_id() != "tap" {
                return;
            }
            let target = lock(&clicks.state::<Reminders>().targets).get(&id).cloned();
            if let Some(target) = target {
                open(&clicks, &target);
            }
        });
        let app = app.clone();
        std::thread::Builder::new()
            .name("reminders".into())
            .spawn(move || run(&app, &woken))
            .expect("the reminder thread could not start");
    }

    /// Asks for a check soon: something changed that can make a reminder due.
    pub fn check_soon(&self) {
        let _ = lock(&self.wake).send(());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The thread: wait for a wake-up or the hour, drain the wake-ups that piled up, check.
fn run<R: Runtime>(app: &AppHandle<R>, woken: &Receiver<()>) {
    loop {
        match woken.recv_timeout(EVERY) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        while woken.try_recv().is_ok() {}
        if let Err(e) = check(app) {
            eprintln!("tokenkeeper: reminders not sent this time: {e}");
        }
    }
}

/// Sends what is due. Nothing is claimed while no notification server answers, so a reminder
/// waits for a session that can show it instead of being marked sent; each reminder is recorded
/// in the same transaction that hands it to the plugin (the core's `send_due_reminders`).
fn check<R: Runtime>(app: &AppHandle<R>) -> AppResult<()> {
    let Some(markup) = server_reads_markup() else {
        return Ok(());
    };
    let now = Utc::now();
    let send = |n: &tokenkeeper_core::Notification| show(app, n, markup);
    let state = app.state::<AppState>();
    let (due, stale) = state.with_vault(|v| {
        let due = v.send_due_reminders(now, |r| send(&r.notification))?;
        let stale = v.send_stale_reminder(now, |s| send(&s.notification))?;
        Ok((due.error, stale.error))
    })?;
    if let Some(e) = due.or(stale) {
        eprintln!("tokenkeeper: a reminder could not be shown, it stays due: {e}");
    }
    Ok(())
}

/// Shows one notification, remembering where a click on it leads. Bodies are escaped for a
/// server that reads markup, so a name with `<` or `&` shows as written (as `tok remind` does).
fn show<R: Runtime>(
    app: &AppHandle<R>,
    n: &tokenkeeper_core::Notification,
    markup: bool,
) -> Result<(), tauri_plugin_notification::Error> {
    let reminders = app.state::<Reminders>();
    let id = {
        let mut next = lock(&reminders.next_id);
        *next = next.wrapping_add(1).max(1);
        *next
    };
    let target = match &n.token_id {
        Some(token) => Target::Token(token.clone()),
        None => Target::Stale,
    };
    lock(&reminders.targets).insert(id, target);
    let body = if markup {
        tokenkeeper_core::escape_markup(&n.body)
    } else {
        n.body.clone()
    };
    let shown = app
        .notification()
        .builder()
        .id(id)
        .title(&n.title)
        .body(body)
        .show();
    if shown.is_err() {
        lock(&reminders.targets).remove(&id);
    }
    shown
}

/// Brings the window forward and shows `target` in it.
pub fn open<R: Runtime>(app: &AppHandle<R>, target: &Target) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
    // The route is a JSON string literal, so nothing in it can break out of the assignment.
    let hash = serde_json::to_string(&target.hash()).unwrap_or_else(|_| "\"#/\"".into());
    let _ = window.eval(format!("location.hash = {hash}"));
}

/// Percent-encodes what is not an unreserved URL character (ids are UUIDs; this is a guard).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Whether a notification server answers (`None`: none does, send nothing now), and whether
/// it reads markup in bodies. Linux and the BSDs ask the session bus.
#[cfg(all(unix, not(target_os = "macos")))]
fn server_reads_markup() -> Option<bool> {
    let caps = notify_rust::get_capabilities().ok()?;
    Some(caps.iter().any(|c| c == "body-markup"))
}

/// macOS and Windows: the notification center is always there, and shows text as written.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn server_reads_markup() -> Option<bool> {
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_leads_to_the_tokens_route_with_its_id_encoded() {
        assert_eq!(
            Target::Token("0190a-b_c".into()).hash(),
            "#/token/0190a-b_c"
        );
        assert_eq!(
            Target::Token("a\"b/</script>".into()).hash(),
            "#/token/a%22b%2F%3C%2Fscript%3E"
        );
        assert_eq!(Target::Stale.hash(), "#/stale");
    }
}
