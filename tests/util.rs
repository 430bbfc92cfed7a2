//! The end-to-end harness: a fresh data directory seeded through the core, the real app binary
//! started by tauri-driver (WebKitWebDriver underneath) on the X display, and helpers to wait,
//! click, type, read the X11 clipboard and save a screenshot of every test.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tempfile::TempDir;
use tokenkeeper_core::{
    GenerateRequest, ImportRequest, NewToken, SecretString, Settings, Token, Vault,
};

/// One WebKit window at a time: the machine has two cores and the X clipboard is shared.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long a test waits for the window to show what it expects.
const PATIENCE: Duration = Duration::from_secs(15);

/// A running app over its own temporary data directory.
pub struct App {
    pub client: Client,
    pub home: TempDir,
    name: &'static str,
    driver: Driver,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// tauri-driver and everything it started, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        stop(&mut self.0);
    }
}

/// The data directory before the window opens: seed it through the same core the app uses.
pub struct Seed {
    pub home: TempDir,
    pub vault: Vault,
}

impl Seed {
    pub fn new() -> Seed {
        let home = tempfile::tempdir().expect("temp dir");
        let vault = Vault::open(home.path()).unwrap_or_else(|e| panic!("open the test vault: {e}"));
        Seed { home, vault }
    }

    pub fn generate(
        &mut self,
        name: &str,
        service: Option<&str>,
        scopes: &[&str],
        keep: bool,
    ) -> (Token, SecretString) {
        let issued = self
            .vault
            .generate(GenerateRequest {
                token: NewToken {
                    name: name.into(),
                    service: service.map(Into::into),
                    scopes: scopes.iter().map(|s| s.to_string()).collect(),
                    ..Default::default()
                },
                keep,
            })
            .unwrap_or_else(|e| panic!("seed {name}: {e}"));
        (issued.token, issued.secret)
    }

    pub fn import(&mut self, name: &str, service: Option<&str>, key: &str) -> Token {
        self.vault
            .import(ImportRequest {
                token: NewToken {
                    name: name.into(),
                    description: String::new(),
                    service: service.map(Into::into),
                    scopes: vec![],
                    expires_at: None,
                },
                secret: SecretString::from(key.to_string()),
            })
            .unwrap_or_else(|e| panic!("seed {name}: {e}"))
    }

    pub fn clipboard_seconds(&mut self, seconds: u32) {
        let s = self.vault.settings().unwrap();
        self.vault
            .update_settings(Settings {
                clipboard_clear_seconds: seconds,
                ..s
            })
            .unwrap();
    }
}

impl App {
    /// Starts the app on an empty data directory.
    pub async fn start(name: &'static str) -> App {
        App::with(name, Seed::new()).await
    }

    /// Starts the built app binary through tauri-driver over the seeded data directory.
    pub async fn with(name: &'static str, seed: Seed) -> App {
        App::watched(name, seed, || ()).await.0
    }

    /// As [`App::with`], running `watch` once this test has the display to itself and before
    /// the app starts, to watch what the app does from its first moment (notifications).
    pub async fn watched<T>(name: &'static str, seed: Seed, watch: impl FnOnce() -> T) -> (App, T) {
        App::watched_binary(
            name,
            seed,
            Path::new(env!("CARGO_BIN_EXE_tokenkeeper")),
            watch,
        )
        .await
    }

    /// Starts the app binary at `binary` (an installed one, say /usr/bin/tokenkeeper) through
    /// tauri-driver over the seeded data directory.
    pub async fn with_binary(name: &'static str, seed: Seed, binary: &Path) -> App {
        App::watched_binary(name, seed, binary, || ()).await.0
    }

    /// [`App::with_binary`] with a `watch` as in [`App::watched`].
    async fn watched_binary<T>(
        name: &'static str,
        seed: Seed,
        binary: &Path,
        watch: impl FnOnce() -> T,
    ) -> (App, T) {
        let turn = ONE_WINDOW.lock().await;
        let watching = watch();
        let Seed { home, vault } = seed;
        drop(vault);
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "DISPLAY is not set: run the end-to-end tests under X (scripts/test starts Xvfb)"
        );
        let port = free_port();
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
            .env("TOKENKEEPER_HOME", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("could not start tauri-driver ({e}); install it with `cargo install tauri-driver --locked` (scripts/setup does)")
            });
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("the app window did not start through tauri-driver: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        };
        let app = App {
            client,
            home,
            name,
            driver: Driver(driver),
            _turn: turn,
        };
        app.wait_css("#view-dashboard:not([hidden]) #result-count:not(:empty)")
            .await;
        (app, watching)
    }

    /// The core over the same data directory, to check what the window did (or change it
    /// behind the window's back, as `tok` would).
    pub fn vault(&self) -> Vault {
        Vault::open(self.home.path()).unwrap()
    }

    /// Runs a script in the page, as a user's action the WebDriver has no verb for (setting a
    /// date field, scrolling to the end); fails the test when the page refuses it.
    pub async fn run_js(&self, script: &str) {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("the page refused {script:?}: {e}"));
    }

    pub async fn find(&self, css: &str) -> Element {
        self.wait_css(css).await
    }

    /// Whether some element matching `css` is rendered (has a box and is not hidden).
    pub async fn visible(&self, css: &str) -> bool {
        self.client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].some(el =>
                   el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')",
                vec![css.into()],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Waits until an element matching `css` is rendered, and returns it.
    pub async fn wait_css(&self, css: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.visible(css).await {
                if let Ok(el) = self.client.find(Locator::Css(css)).await {
                    return el;
                }
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                panic!("[{}] nothing visible matches `{css}`", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing matching `css` is rendered.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.visible(css).await {
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                panic!("[{}] `{css}` is still visible", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css` as rendered (`innerText`), or "" if none.
    pub async fn text(&self, css: &str) -> String {
        let v = self
            .client
            .execute(
                "const el = document.querySelector(arguments[0]); return el ? el.innerText.trim() : ''",
                vec![css.into()],
            )
            .await
            .unwrap();
        v.as_str().unwrap_or_default().to_string()
    }

    /// The current value of the input `css`.
    pub async fn value(&self, css: &str) -> String {
        let el = self.find(css).await;
        el.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Chooses the option with `value` in the select `css`, as a user would.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap();
    }

    /// Waits until the value of the input `css` satisfies `ok`, and returns it.
    pub async fn wait_value(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.value(css).await;
            if ok(&value) || Instant::now() > deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the text of `css` satisfies `ok`, and returns it.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let last = self.text(css).await;
            if ok(&last) {
                return last;
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                panic!(
                    "[{}] `{css}` never showed what was expected; last text: {last:?}",
                    self.name
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks `css`, retrying while it is still moving into place (the drawer slides in).
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => {
                    self.screenshot("FAILED").await;
                    panic!("[{}] click `{css}`: {e}", self.name);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Waits until `css` stops moving (a drawer sliding in), so a click lands where a person,
    /// who waits for the motion to end, would click.
    pub async fn wait_still(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            let rect = self.find(css).await.rectangle().await.ok();
            if rect.is_some() && rect == last {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                panic!("[{}] `{css}` never stopped moving", self.name);
            }
            last = rect;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clears a field and types into it, as a user would.
    pub async fn type_into(&self, css: &str, text: &str) {
        // Typing then deleting a space makes an emptied field fire its input event too.
        let keys = if text.is_empty() { " \u{e003}" } else { text };
        let deadline = Instant::now() + PATIENCE;
        loop {
            let el = self.find(css).await;
            // Retried while the field is still sliding into place with the drawer.
            match el.clear().await {
                Ok(()) => {
                    el.send_keys(keys).await.unwrap();
                    return;
                }
                Err(e) if Instant::now() > deadline => {
                    panic!("[{}] type into `{css}`: {e}", self.name)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Presses keys on whatever has focus (e.g. "/" or "n" for the shortcuts).
    pub async fn press(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    /// The names of the table's rendered rows, top to bottom.
    pub async fn row_names(&self) -> Vec<String> {
        let names = self
            .client
            .execute(
                "return [...document.querySelectorAll('#rows tr[data-id] .token-name')].map(a => a.textContent)",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(names).unwrap()
    }

    /// Waits until the table shows exactly `expected` (in order).
    pub async fn wait_rows(&self, expected: &[&str]) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let names = self.row_names().await;
            if names == expected {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                panic!(
                    "[{}] the table shows {names:?}, expected {expected:?}",
                    self.name
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The CSS selector of a control in the row of the token named `name`.
    pub async fn in_row(&self, name: &str, css: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let id = self
                .client
                .execute(
                    "return [...document.querySelectorAll('#rows tr[data-id]')]
                       .find(r => r.querySelector('.token-name').textContent === arguments[0])?.dataset.id ?? null",
                    vec![name.into()],
                )
                .await
                .unwrap();
            if let Some(id) = id.as_str() {
                return format!("#rows tr[data-id=\"{id}\"] {css}");
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                panic!("[{}] no row named {name:?}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves what the window shows now as target/e2e-screenshots/<test>[-<step>].png.
    pub async fn screenshot(&self, step: &str) {
        let Ok(png) = self.client.screenshot().await else {
            return;
        };
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let file = if step.is_empty() {
            format!("{}.png", self.name)
        } else {
            format!("{}-{step}.png", self.name)
        };
        std::fs::write(dir.join(file), png).unwrap();
    }

    /// Saves the final screenshot and closes the window.
    pub async fn finish(self) {
        self.screenshot("").await;
        let _ = self.client.clone().close().await;
    }

    /// The app's process (started by WebKitWebDriver in tauri-driver's process group).
    pub fn pid(&self) -> Option<u32> {
        let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_tokenkeeper")).ok()?;
        let group = self.driver.0.id();
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter_map(|p| p.file_name().to_str()?.parse::<u32>().ok())
            .find(|pid| {
                let proc = PathBuf::from(format!("/proc/{pid}"));
                let ours = std::fs::read_link(proc.join("exe")).is_ok_and(|e| e == exe);
                // Field 5 of stat is the process group; the name before it may hold spaces.
                let stat = std::fs::read_to_string(proc.join("stat")).unwrap_or_default();
                let group_of = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<u32>().ok());
                ours && group_of == Some(group)
            })
    }

    /// Quits as the user does with the window's close button, waits until the app's process is
    /// gone, and hands back the data directory (to launch the app again over it).
    pub async fn quit(self) -> TempDir {
        let pid = self.pid().expect("the app's process");
        assert!(
            request_window_close("Tokenkeeper"),
            "[{}] no top-level window named Tokenkeeper",
            self.name
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(
                Instant::now() < deadline,
                "[{}] the app did not quit",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let App { home, driver, .. } = self;
        drop(driver);
        home
    }

    /// The X window of the app (the top-level one named Tokenkeeper that this app's process
    /// shows), found with xdotool.
    pub fn x_window(&self) -> String {
        let pid = self.pid().expect("the app's process").to_string();
        let found = xdotool(&[
            "search",
            "--sync",
            "--onlyvisible",
            "--pid",
            &pid,
            "--name",
            "^Tokenkeeper$",
        ]);
        found.lines().next().expect("a window").to_string()
    }
}

/// Stops tauri-driver and everything it started (WebKitWebDriver and the app).
fn stop(driver: &mut Child) {
    let group = driver.id();
    let signal = |sig: &str| {
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{group}")])
            .status();
    };
    signal("-TERM");
    let _ = driver.wait();
    // The app quits in its own time; the next test gets the display once its windows are gone,
    // so what that test sees on screen is its own.
    let deadline = Instant::now() + Duration::from_secs(10);
    while group_alive(group) {
        if Instant::now() > deadline {
            signal("-KILL");
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a process of process group `group` still runs (zombies, which hold no windows, aside).
fn group_alive(group: u32) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        // After the name in parentheses (which may hold spaces): state, ppid, process group.
        let mut rest = stat
            .rsplit_once(')')
            .map_or("", |(_, r)| r)
            .split_whitespace();
        let state = rest.next();
        let group_of = rest.nth(1).and_then(|g| g.parse::<u32>().ok());
        group_of == Some(group) && state != Some("Z")
    })
}

/// Runs xdotool (which drives windows the WebDriver cannot reach, as a user's keyboard and mouse
/// would) and returns what it printed; fails the test when it fails or takes over 30 seconds.
pub fn xdotool(args: &[&str]) -> String {
    let out = Command::new("timeout")
        .arg("30")
        .arg("xdotool")
        .args(args)
        .output()
        .expect("xdotool is needed to drive native windows (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "xdotool {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Picks `path` in the system file chooser titled `title` as a user at the keyboard does: waits
/// for it, focuses it (there is no window manager to do that), opens the location field (Ctrl+L;
/// a save chooser has its name field focused already), types the path and presses Return.
pub fn choose_in_file_chooser(title: &str, path: &Path) {
    let window = focus_file_chooser(title);
    xdotool(&["key", "--clearmodifiers", "ctrl+l"]);
    // Whatever the field holds (a proposed name) is selected, then typed over.
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(&[
        "type",
        "--delay",
        "15",
        path.to_str().expect("a UTF-8 path"),
    ]);
    // Return may first close the completion popup the typed path opened; pressed again (as a
    // user would) until the chooser is gone.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&["key", "--clearmodifiers", "Return"]);
        if wait_window_gone(&window, Duration::from_secs(2)) {
            return;
        }
    }
    panic!(
        "the file chooser {title:?} did not take the typed path {}",
        path.display()
    );
}

/// Waits for the system file chooser titled `title` and gives it the keyboard, as a click on it
/// would (there is no window manager to do that); its X window id.
fn focus_file_chooser(title: &str) -> String {
    let window = xdotool(&[
        "search",
        "--sync",
        "--onlyvisible",
        "--name",
        &format!("^{title}$"),
    ]);
    let window = window
        .lines()
        .next()
        .expect("the chooser's window")
        .to_string();
    xdotool(&["windowfocus", "--sync", &window]);
    window
}

/// Waits up to `limit` until the X window `window` is no longer shown; whether it went.
fn wait_window_gone(window: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let shown = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "."])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|w| w == window)
            })
            .unwrap_or(false);
        if !shown {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Cancels the system file chooser titled `title` with Escape, as a user who changed their mind.
pub fn cancel_file_chooser(title: &str) {
    let window = focus_file_chooser(title);
    xdotool(&["key", "--clearmodifiers", "Escape"]);
    assert!(
        wait_window_gone(&window, Duration::from_secs(10)),
        "Escape did not close the file chooser {title:?}"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// target/e2e-screenshots, beside the test binary's target/debug.
pub fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target: &Path = exe.ancestors().nth(3).unwrap();
    target.join("e2e-screenshots")
}

/// What the X11 clipboard holds now (empty when it holds nothing), read with xclip.
pub fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .expect("xclip is needed to read the clipboard back (scripts/setup installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits up to `limit` for the clipboard to satisfy `ok`; returns what it last held.
pub async fn wait_clipboard(limit: Duration, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let now = clipboard();
        if ok(&now) || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Puts text on the X clipboard as another program would (xclip keeps serving it).
pub fn set_clipboard(text: &str) {
    use std::io::Write;
    let mut xclip = Command::new("xclip")
        .args(["-selection", "clipboard"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("xclip is needed to write the clipboard (scripts/setup installs it)");
    xclip
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    xclip.wait().unwrap();
    // xclip's first process exits once it has forked the one that serves the text, which may
    // not own the clipboard yet: wait until it does, as a user's copy is done before they go on.
    let deadline = Instant::now() + Duration::from_secs(10);
    while clipboard() != text {
        assert!(
            Instant::now() < deadline,
            "xclip did not take the clipboard"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A stand-in for the desktop's clipboard manager (freedesktop ClipboardManager spec): it owns
/// the `CLIPBOARD_MANAGER` selection, and when an app that quits asks it to `SAVE_TARGETS`, it
/// copies the app's clipboard text and serves it from then on, as GNOME's or KDE's would. Stops
/// (and gives the clipboard up) when dropped.
pub struct ClipboardManager {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ClipboardManager {
    pub fn start() -> ClipboardManager {
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn({
            let stop = stop.clone();
            move || x11::run_clipboard_manager(&stop, ready_tx)
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the stand-in clipboard manager started");
        ClipboardManager {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ClipboardManager {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Asks the top-level window titled `title` to close, as a window manager does when the user
/// clicks its close button (a `WM_DELETE_WINDOW` message). Whether such a window was found.
pub fn request_window_close(title: &str) -> bool {
    x11::request_close(title)
}

mod x11 {
    //! The X11 side of [`super::ClipboardManager`] and [`super::request_window_close`], over
    //! x11rb's pure-Rust connection.

    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{
        Atom, AtomEnum, ClientMessageEvent, ConnectionExt as _, CreateWindowAux, EventMask,
        PropMode, SelectionNotifyEvent, SelectionRequestEvent, WindowClass, SELECTION_NOTIFY_EVENT,
    };
    use x11rb::protocol::Event;
    use x11rb::wrapper::ConnectionExt as _;
    use x11rb::{COPY_DEPTH_FROM_PARENT, CURRENT_TIME, NONE};

    pub fn run_clipboard_manager(stop: &AtomicBool, ready: std::sync::mpsc::Sender<()>) {
        let (conn, screen) = x11rb::connect(None).expect("connect to the X display");
        let root = conn.setup().roots[screen].root;
        let win = conn.generate_id().unwrap();
        conn.create_window(
            COPY_DEPTH_FROM_PARENT,
            win,
            root,
            0,
            0,
            1,
            1,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new(),
        )
        .unwrap();
        let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
        let clipboard = atom(b"CLIPBOARD");
        let manager = atom(b"CLIPBOARD_MANAGER");
        let save_targets = atom(b"SAVE_TARGETS");
        let targets = atom(b"TARGETS");
        let utf8 = atom(b"UTF8_STRING");
        let saved_prop = atom(b"TOKENKEEPER_TEST_SAVED");
        conn.set_selection_owner(win, manager, CURRENT_TIME)
            .unwrap();
        conn.flush().unwrap();
        let _ = ready.send(());

        let mut saved: Option<Vec<u8>> = None;
        let mut pending: Option<SelectionRequestEvent> = None;
        let notify = |req: &SelectionRequestEvent, property: Atom| {
            let event = SelectionNotifyEvent {
                response_type: SELECTION_NOTIFY_EVENT,
                sequence: 0,
                time: req.time,
                requestor: req.requestor,
                selection: req.selection,
                target: req.target,
                property,
            };
            let _ = conn.send_event(false, req.requestor, EventMask::NO_EVENT, event);
            let _ = conn.flush();
        };
        while !stop.load(Ordering::SeqCst) {
            let Some(event) = conn.poll_for_event().unwrap() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            match event {
                Event::SelectionRequest(req)
                    if req.selection == manager && req.target == save_targets =>
                {
                    // Fetch the quitting app's clipboard text while it still serves it.
                    conn.convert_selection(win, clipboard, utf8, saved_prop, req.time)
                        .unwrap();
                    conn.flush().unwrap();
                    pending = Some(req);
                }
                Event::SelectionRequest(req) if req.selection == clipboard => {
                    let property = match &saved {
                        Some(text) if req.target == utf8 => {
                            conn.change_property8(
                                PropMode::REPLACE,
                                req.requestor,
                                req.property,
                                utf8,
                                text,
                            )
                            .unwrap();
                            req.property
                        }
                        Some(_) if req.target == targets => {
                            conn.change_property32(
                                PropMode::REPLACE,
                                req.requestor,
                                req.property,
                                AtomEnum::ATOM,
                                &[targets, utf8],
                            )
                            .unwrap();
                            req.property
                        }
                        _ => NONE,
                    };
                    notify(&req, property);
                }
                Event::SelectionRequest(req) => notify(&req, NONE),
                Event::SelectionNotify(n) if n.selection == clipboard => {
                    if n.property != NONE {
                        let text = conn
                            .get_property(true, win, saved_prop, AtomEnum::ANY, 0, u32::MAX / 4)
                            .unwrap()
                            .reply()
                            .unwrap()
                            .value;
                        saved = Some(text);
                        conn.set_selection_owner(win, clipboard, CURRENT_TIME)
                            .unwrap();
                    }
                    if let Some(req) = pending.take() {
                        notify(&req, req.property);
                    }
                }
                Event::SelectionClear(c) if c.selection == clipboard => saved = None,
                _ => {}
            }
        }
    }

    pub fn request_close(title: &str) -> bool {
        let (conn, screen) = x11rb::connect(None).expect("connect to the X display");
        let root = conn.setup().roots[screen].root;
        let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
        let (net_wm_name, utf8) = (atom(b"_NET_WM_NAME"), atom(b"UTF8_STRING"));
        let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
        let name_of = |w, property, kind| {
            conn.get_property(false, w, property, kind, 0, 1024)
                .ok()
                .and_then(|c| c.reply().ok())
                .map(|r| r.value)
                .unwrap_or_default()
        };
        let windows = conn.query_tree(root).unwrap().reply().unwrap().children;
        let mut found = false;
        for w in windows {
            let named = name_of(w, net_wm_name, utf8) == title.as_bytes()
                || name_of(w, AtomEnum::WM_NAME.into(), AtomEnum::STRING.into())
                    == title.as_bytes();
            if named {
                let event =
                    ClientMessageEvent::new(32, w, protocols, [delete, CURRENT_TIME, 0, 0, 0]);
                conn.send_event(false, w, EventMask::NO_EVENT, event)
                    .unwrap();
                found = true;
            }
        }
        conn.flush().unwrap();
        found
    }
}
