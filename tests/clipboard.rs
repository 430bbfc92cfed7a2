//! The clipboard from the page's side: a copied secret is cleared when the app quits before the
//! timeout (also when the desktop's clipboard manager would keep it), never when the user copied
//! something else since; and the page itself cannot write the clipboard.

use std::time::{Duration, Instant};

use crate::util::*;

const KEY: &str = "sk_live_cleared_on_quit_0123456789";

/// Closes the window as the user would with its close button (which quits the app), and waits
/// until the app's process is gone.
async fn quit(app: App) {
    assert!(
        request_window_close("Tokenkeeper"),
        "no top-level window named Tokenkeeper"
    );
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_tokenkeeper")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while running(&exe) {
        assert!(Instant::now() < deadline, "the app did not quit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(app);
}

/// Whether any process runs this executable.
fn running(exe: &std::path::Path) -> bool {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .any(|p| std::fs::read_link(p.path().join("exe")).is_ok_and(|e| e == exe))
}

#[tokio::test]
async fn quitting_before_the_timeout_clears_the_copied_secret() {
    // A clipboard manager, as every desktop runs: it keeps what an app still owns when it quits.
    let _manager = ClipboardManager::start();
    let mut seed = Seed::new();
    seed.clipboard_seconds(600);
    seed.import("Stripe live", Some("Stripe"), KEY);
    let app = App::with("clipboard-quit", seed).await;
    app.click(&app.in_row("Stripe live", "[data-action=copy]").await)
        .await;
    let copied = wait_clipboard(Duration::from_secs(5), |c| c == KEY).await;
    assert_eq!(copied, KEY, "the clipboard holds the copied key");

    // Without the clear on quit, the clipboard plugin hands the key to the manager here, and
    // the clipboard still holds it after the app is gone.
    quit(app).await;
    assert_ne!(
        clipboard(),
        KEY,
        "quitting cleared the copy before the manager could keep it"
    );
}

#[tokio::test]
async fn quitting_keeps_what_the_user_copied_since() {
    let _manager = ClipboardManager::start();
    let mut seed = Seed::new();
    seed.clipboard_seconds(600);
    seed.import("Stripe live", Some("Stripe"), KEY);
    let app = App::with("clipboard-quit-kept", seed).await;
    app.click(&app.in_row("Stripe live", "[data-action=copy]").await)
        .await;
    assert_eq!(
        wait_clipboard(Duration::from_secs(5), |c| c == KEY).await,
        KEY
    );
    set_clipboard("my own note");
    quit(app).await;
    assert_eq!(clipboard(), "my own note", "only its own value is cleared");
}

#[tokio::test]
async fn the_page_cannot_use_the_clipboard_plugin_itself() {
    let app = App::start("clipboard-permission").await;
    let call = |command: &'static str, args: serde_json::Value| {
        let client = app.client.clone();
        async move {
            client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     window.__TAURI__.core.invoke(arguments[0], arguments[1])
                       .then(() => done('allowed'), (e) => done('refused: ' + String(e)));",
                    vec![command.into(), args],
                )
                .await
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    // The app's own commands work from the page...
    assert_eq!(call("settings", serde_json::json!({})).await, "allowed");
    // ...the clipboard plugin's do not.
    for (command, args) in [
        (
            "plugin:clipboard-manager|write_text",
            serde_json::json!({ "text": "written by the page" }),
        ),
        ("plugin:clipboard-manager|read_text", serde_json::json!({})),
        ("plugin:clipboard-manager|clear", serde_json::json!({})),
    ] {
        let answer = call(command, args).await;
        assert!(
            answer.starts_with("refused") && answer.contains("not allowed"),
            "{command}: {answer}"
        );
    }
    assert_ne!(clipboard(), "written by the page");
    app.finish().await;
}
