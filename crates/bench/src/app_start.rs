//! The desktop app's rows of scripts/bench: a new window to a painted dashboard, and the memory
//! of the app with its WebKit processes, each next to the same app over an empty store, or
//! (--floor-app) next to another binary of it over the same store: the installed package's
//! app against the source build (`scripts/bench --installed-app /usr/bin/tokenkeeper`).
//!
//! Run by scripts/bench.d/app.sh (which installs tauri-driver, builds the app and starts Xvfb).
//! Each run starts a fresh tauri-driver (WebKitWebDriver underneath allows one session at a
//! time) with TOKENKEEPER_HOME set, so the app inherits it; it times from just before
//! POST /session (which launches the app) until the dashboard is drawn and two animation frames
//! have passed, then sums the proportional (PSS) and resident (RSS) memory of the app and every
//! process below it. The seeded store and the empty one alternate run by run. The WebDriver
//! client is fantoccini, as in the app's end-to-end tests (tests/util.rs).
//!
//! Prints JSON rows in the format of compare.rs on stdout, and where the start time goes
//! (medians) on stderr.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use crate::compare::{GoalKind, Row};

const POLL: Duration = Duration::from_millis(20);
const TIMEOUT: Duration = Duration::from_secs(60);

/// True once the dashboard has drawn its count and either a token row or the empty state.
const READY: &str = "
const count = document.querySelector('#result-count');
if (!count || !count.textContent.trim()) return false;
if (arguments[0]) return document.querySelector('#rows tr[data-id]') !== null;
const empty = document.querySelector('#empty');
return empty !== null && !empty.hidden;
";

/// Two animation frames: the frame with the filled table has been produced.
const FRAMES: &str = "
const done = arguments[arguments.length - 1];
requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())));
";

/// Page milestones (ms since the page's time origin) and that origin (epoch ms).
const TIMING: &str = "
const nav = performance.getEntriesByType('navigation')[0];
return {
  origin: performance.timeOrigin,
  dom: nav ? nav.domContentLoadedEventEnd : performance.timing.domContentLoadedEventEnd - performance.timeOrigin,
  load: nav ? nav.loadEventEnd : performance.timing.loadEventEnd - performance.timeOrigin,
};
";

/// One more first-page IPC call from the page, warm, as the dashboard makes it (50 rows and
/// the counts); answers the time and how many tokens there are.
const IPC: &str = "
const done = arguments[arguments.length - 1];
const query = {state: null, service: null, scope: null, text: null, expiring_within_days: null,
               sort: 'name', descending: false};
const t = performance.now();
window.__TAURI__.core.invoke('dashboard_page', {query, offset: 0, limit: 50})
  .then((d) => done([performance.now() - t, d.total]), (e) => done([-1, String(e)]));
";

#[derive(Debug, clap::Args)]
pub struct AppStartArgs {
    /// The release app binary
    #[arg(long)]
    app: PathBuf,
    /// The seeded TOKENKEEPER_HOME
    #[arg(long)]
    home: PathBuf,
    /// A directory for the empty store
    #[arg(long)]
    empty_home: PathBuf,
    #[arg(long, default_value_t = 7)]
    runs: usize,
    #[arg(long, default_value_t = 10_000)]
    tokens: usize,
    /// tauri-driver's output goes here
    #[arg(long, default_value = "/dev/null")]
    log: PathBuf,
    /// Compare against this app binary instead of the empty store: both binaries start over
    /// the seeded store, alternately (say the installed /usr/bin/tokenkeeper as --app against
    /// the source build as --floor-app)
    #[arg(long)]
    floor_app: Option<PathBuf>,
    /// What --app is, in the rows' names
    #[arg(long, default_value = "app")]
    name: String,
    /// What --floor-app is, in the table's floor column
    #[arg(long, default_value = "source build, same store")]
    floor_name: String,
}

/// One measured start.
struct Run {
    start_ms: f64,
    rss_mib: f64,
    pss_mib: f64,
    processes: usize,
    /// Where the time went, ms after POST /session.
    parts: Vec<(&'static str, f64)>,
}

pub fn run(a: AppStartArgs) -> Result<ExitCode> {
    let app = std::fs::canonicalize(&a.app).with_context(|| a.app.display().to_string())?;
    std::fs::create_dir_all(&a.empty_home)?;
    // The floor: the same binary over the empty store, or another binary over the same store.
    let (floor_app, floor_home, floor_seeded) = match &a.floor_app {
        Some(f) => (
            std::fs::canonicalize(f).with_context(|| f.display().to_string())?,
            a.home.clone(),
            true,
        ),
        None => (app.clone(), a.empty_home.clone(), false),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut ours_runs = Vec::new();
    let mut theirs_runs = Vec::new();
    // One untimed run of each, as `tk-bench compare` does: it warms the page cache and creates
    // the empty store, so every timed run opens an existing database.
    runtime.block_on(one_run(&app, &a.home, true, &a.log))?;
    runtime.block_on(one_run(&floor_app, &floor_home, floor_seeded, &a.log))?;
    for i in 0..a.runs {
        // Alternate which goes first, so drift on a shared machine hits both alike.
        let order = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for ours in order {
            let r = if ours {
                runtime.block_on(one_run(&app, &a.home, true, &a.log))?
            } else {
                runtime.block_on(one_run(&floor_app, &floor_home, floor_seeded, &a.log))?
            };
            eprintln!(
                "app: {} start {:.0} ms, RSS {:.0} MiB, PSS {:.0} MiB, {} processes",
                if ours { &a.name } else { floor_label(&a) },
                r.start_ms,
                r.rss_mib,
                r.pss_mib,
                r.processes
            );
            if ours {
                ours_runs.push(r);
            } else {
                theirs_runs.push(r);
            }
        }
    }
    for (what, runs) in [
        (a.name.as_str(), &ours_runs),
        (floor_label(&a), &theirs_runs),
    ] {
        let Some(first) = runs.first() else { break };
        let parts: Vec<String> = first
            .parts
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let med = median(runs.iter().map(|r| r.parts[i].1).collect());
                format!("{name} {med:.0}")
            })
            .collect();
        eprintln!(
            "app: {what}, medians in ms after the POST: {}; PSS {:.0} MiB",
            parts.join(", "),
            median(runs.iter().map(|r| r.pss_mib).collect())
        );
    }
    let n = thousands(a.tokens);
    let row = |row: &str, workload: String, unit: &str, f: fn(&Run) -> f64, goal, value| Row {
        row: row.into(),
        workload,
        floor: floor_label(&a).into(),
        unit: unit.into(),
        ours: ours_runs.iter().map(f).collect(),
        floor_runs: theirs_runs.iter().map(f).collect(),
        goal,
        goal_value: value,
    };
    let rows = [
        row(
            &format!("{} start", a.name),
            format!("window start to dashboard painted, {n} tokens"),
            "ms",
            |r| r.start_ms,
            GoalKind::RatioMax,
            1.1,
        ),
        row(
            &format!("{} memory (PSS)", a.name),
            format!("PSS of the app + WebKit processes, {n} tokens"),
            "MiB",
            |r| r.pss_mib,
            GoalKind::RatioMax,
            1.1,
        ),
        row(
            &format!("{} memory (RSS)", a.name),
            format!("RSS of the app + WebKit processes, {n} tokens"),
            "MiB",
            |r| r.rss_mib,
            GoalKind::Report,
            0.0,
        ),
    ];
    for row in rows {
        println!("{}", serde_json::to_string(&row)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// The floor's name: the empty store, or the other binary.
fn floor_label(a: &AppStartArgs) -> &str {
    if a.floor_app.is_some() {
        &a.floor_name
    } else {
        "same app, 0 tokens"
    }
}

async fn one_run(app: &Path, home: &Path, seeded: bool, log: &Path) -> Result<Run> {
    let (port, native) = (free_port()?, free_port()?);
    let log = File::options().create(true).append(true).open(log)?;
    let driver = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("TOKENKEEPER_HOME", home)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("starting tauri-driver (scripts/bench.d/app.sh installs it)")?;
    let mut driver = Driver { child: driver };
    let mut app_pid = None;
    let result = measure(app, seeded, port, native, &mut driver, &mut app_pid).await;
    driver.stop(app_pid);
    result
}

async fn measure(
    app: &Path,
    seeded: bool,
    port: u16,
    native: u16,
    driver: &mut Driver,
    app_pid: &mut Option<u32>,
) -> Result<Run> {
    // tauri-driver listens at once but answers POST /session with an error until the
    // WebKitWebDriver it starts listens too; the clock starts when both are ready.
    wait_listening(port, driver)?;
    wait_listening(native, driver)?;
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        json!({ "application": app.display().to_string() }),
    );
    let epoch0 = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() * 1e3;
    let t0 = Instant::now();
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .context("POST /session (launching the app)")?;
    let session_ms = ms_since(t0);
    loop {
        if script(&client, READY, vec![seeded.into()], false)
            .await?
            .as_bool()
            == Some(true)
        {
            break;
        }
        if t0.elapsed() > TIMEOUT {
            bail!("the dashboard was not drawn within a minute");
        }
        tokio::time::sleep(POLL).await;
    }
    let painted_at = script(&client, FRAMES, vec![], true).await?;
    let start_ms = ms_since(t0);

    let timing = script(&client, TIMING, vec![], false).await?;
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let origin = num(&timing, "origin") - epoch0;
    let ipc = script(&client, IPC, vec![], true).await?;
    let ipc_ms = ipc.get(0).and_then(Value::as_f64).unwrap_or(-1.0);
    let total = ipc.get(1).and_then(Value::as_u64);
    if seeded && total.is_none_or(|n| n == 0) {
        bail!("the seeded store answered with no tokens ({ipc})");
    }
    let parts = vec![
        ("session", session_ms),
        ("page origin", origin),
        ("DOMContentLoaded", origin + num(&timing, "dom")),
        ("load", origin + num(&timing, "load")),
        (
            "painted (page clock)",
            origin + painted_at.as_f64().unwrap_or(f64::NAN),
        ),
        ("first page IPC, warm", ipc_ms),
    ];

    let kids = children_map();
    let target = std::fs::canonicalize(app)?;
    let apps: Vec<u32> = descendants(driver.child.id(), &kids)
        .into_iter()
        .filter(|&p| exe(p).is_some_and(|e| e == target))
        .collect();
    let [pid] = apps[..] else {
        bail!("expected one app process under tauri-driver, found {apps:?}");
    };
    *app_pid = Some(pid);
    let mut tree = vec![pid];
    tree.extend(descendants(pid, &kids));
    let kib = |file: &str, field: &str| -> f64 {
        tree.iter().map(|&p| proc_kib(p, file, field)).sum::<u64>() as f64 / 1024.0
    };
    let run = Run {
        start_ms,
        rss_mib: kib("status", "VmRSS:"),
        pss_mib: kib("smaps_rollup", "Pss:"),
        processes: tree.len(),
        parts,
    };
    client.close().await.ok();
    Ok(run)
}

/// Runs a script that only reads the page. tauri-driver now and then drops a request it
/// forwards to WebKitWebDriver (the connection closes without an answer), so a failed one is
/// sent again, up to three times.
async fn script(client: &Client, js: &str, args: Vec<Value>, is_async: bool) -> Result<Value> {
    let mut attempt = 0;
    loop {
        let answer = if is_async {
            client.execute_async(js, args.clone()).await
        } else {
            client.execute(js, args.clone()).await
        };
        match answer {
            Ok(v) => return Ok(v),
            Err(e) if attempt < 3 && !matches!(e, fantoccini::error::CmdError::Standard(_)) => {
                attempt += 1;
                tokio::time::sleep(POLL).await;
            }
            Err(e) => return Err(e).context("running a script in the window"),
        }
    }
}

/// tauri-driver in its own process group, with WebKitWebDriver and the app below it.
struct Driver {
    child: Child,
}

impl Driver {
    /// Stops the whole group and waits until the app and its WebKit processes are gone, so the
    /// next run starts on a quiet machine.
    fn stop(&mut self, app_pid: Option<u32>) {
        let group = self.child.id() as libc::pid_t;
        // SAFETY: killpg only sends a signal; the group is the one this run started.
        unsafe { libc::killpg(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        if self.child.try_wait().ok().flatten().is_none() {
            // SAFETY: as above.
            unsafe { libc::killpg(group, libc::SIGKILL) };
            let _ = self.child.wait();
        }
        if let Some(pid) = app_pid {
            let alive = || Path::new(&format!("/proc/{pid}")).exists();
            let deadline = Instant::now() + Duration::from_secs(10);
            while alive() && Instant::now() < deadline {
                std::thread::sleep(POLL);
            }
            if alive() {
                // SAFETY: as above; the pid was found under this run's tauri-driver.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
    }
}

fn wait_listening(port: u16, driver: &mut Driver) -> Result<()> {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        if let Some(status) = driver.child.try_wait()? {
            bail!("tauri-driver exited ({status}) before listening");
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    bail!("tauri-driver did not listen on port {port}")
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Every process's children, from /proc.
fn children_map() -> HashMap<u32, Vec<u32>> {
    let mut kids: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return kids;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The fields after the command name, which may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            kids.entry(ppid).or_default().push(pid);
        }
    }
    kids
}

fn descendants(pid: u32, kids: &HashMap<u32, Vec<u32>>) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for &c in kids.get(&p).into_iter().flatten() {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

fn exe(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// A `field` line of /proc/PID/`file`, in KiB (0 once the process is gone).
fn proc_kib(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// 100000 as "100,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
