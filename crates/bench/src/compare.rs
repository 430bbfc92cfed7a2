//! Benchmark rows as JSON lines, and the one table they become. A row holds every run of ours
//! and of its floor (or peer) from the same session, so the ratio never compares two machines.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// How a row is judged.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum GoalKind {
    /// ours median / floor median at most `value`
    RatioMax,
    /// ours median (ms) under `value`
    OursMaxMs,
    /// ours median (per second) at least `value`
    RateMin,
    /// no goal: the figures are reported
    Report,
}

/// One line of the table, as written by `compare`, `inproc` or any other program (JSON lines).
#[derive(Debug, Serialize, Deserialize)]
pub struct Row {
    pub row: String,
    pub workload: String,
    /// What ours is measured next to.
    pub floor: String,
    /// "/s" is higher-is-better; any other unit ("ms", or "MiB" for the app's memory row) is
    /// lower-is-better and printed as it is.
    pub unit: String,
    pub ours: Vec<f64>,
    pub floor_runs: Vec<f64>,
    pub goal: GoalKind,
    pub goal_value: f64,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    #[arg(long)]
    row: String,
    #[arg(long)]
    workload: String,
    /// Name of the floor or peer, for the table
    #[arg(long)]
    floor_name: String,
    #[arg(long, default_value_t = 7)]
    runs: usize,
    #[arg(long, value_enum, default_value = "report")]
    goal: GoalKind,
    #[arg(long, default_value_t = 0.0)]
    goal_value: f64,
    /// File fed to both commands on stdin (default: nothing)
    #[arg(long)]
    stdin: Option<std::path::PathBuf>,
    /// Our command (run with sh -c)
    #[arg(long)]
    ours: String,
    /// The floor or peer command (run with sh -c)
    #[arg(long)]
    floor: String,
}

/// Runs `cmd` once and returns its wall time in ms; fails if it fails.
fn time_once(cmd: &str, stdin: Option<&Path>) -> Result<f64> {
    let input = match stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).with_context(|| p.display().to_string())?),
        None => Stdio::null(),
    };
    let started = Instant::now();
    let out = Command::new("sh")
        .args(["-c", cmd])
        .stdin(input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {cmd}"))?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if !out.status.success() {
        bail!(
            "`{cmd}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(ms)
}

pub fn run(a: CompareArgs) -> Result<ExitCode> {
    let stdin = a.stdin.as_deref();
    // One untimed run each warms the page cache and the keychain daemon.
    time_once(&a.ours, stdin)?;
    time_once(&a.floor, stdin)?;
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for i in 0..a.runs {
        // Alternate which goes first, so drift on a shared machine hits both alike.
        if i % 2 == 0 {
            ours.push(time_once(&a.ours, stdin)?);
            floor.push(time_once(&a.floor, stdin)?);
        } else {
            floor.push(time_once(&a.floor, stdin)?);
            ours.push(time_once(&a.ours, stdin)?);
        }
    }
    let row = Row {
        row: a.row,
        workload: a.workload,
        floor: a.floor_name,
        unit: "ms".into(),
        ours,
        floor_runs: floor,
        goal: a.goal,
        goal_value: a.goal_value,
    };
    println!("{}", serde_json::to_string(&row)?);
    Ok(ExitCode::SUCCESS)
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn fmt(v: f64, unit: &str) -> String {
    match unit {
        "/s" if v >= 10_000.0 => format!("{:.0}k", v / 1e3),
        "/s" => format!("{v:.0}"),
        _ if v >= 100.0 => format!("{v:.0}"),
        _ if v >= 10.0 => format!("{v:.1}"),
        _ => format!("{v:.2}"),
    }
}

/// Prints the table (Markdown, so it can go into the README as printed). Exit 0 even when a
/// goal is missed: the table is the report, and the goal column says so.
pub fn table(rows_file: &Path) -> Result<ExitCode> {
    let text = std::fs::read_to_string(rows_file)
        .with_context(|| format!("reading {}", rows_file.display()))?;
    println!(
        "| row | workload | ours min / median / max | floor or peer (median) | ratio | goal | met |"
    );
    println!("|---|---|---|---|---|---|---|");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r: Row = serde_json::from_str(line).with_context(|| format!("bad row: {line}"))?;
        let (min, med, max) = (
            r.ours.iter().copied().fold(f64::INFINITY, f64::min),
            median(&r.ours),
            r.ours.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let floor = median(&r.floor_runs);
        // Always "how many times the floor's cost": time over time, or rate under rate.
        let ratio = if r.unit == "/s" {
            floor / med
        } else {
            med / floor
        };
        let (goal, met) = match r.goal {
            GoalKind::RatioMax => (
                format!("ratio ≤ {}", r.goal_value),
                Some(ratio <= r.goal_value),
            ),
            GoalKind::OursMaxMs => (format!("< {} ms", r.goal_value), Some(med < r.goal_value)),
            GoalKind::RateMin => (
                format!("≥ {}/s", fmt(r.goal_value, "/s")),
                Some(med >= r.goal_value),
            ),
            GoalKind::Report => ("report".to_string(), None),
        };
        let u = &r.unit;
        println!(
            "| {} | {} | {} / {} / {} {u} | {} {u} ({}) | {ratio:.2} | {goal} | {} |",
            r.row,
            r.workload,
            fmt(min, u),
            fmt(med, u),
            fmt(max, u),
            fmt(floor, u),
            r.floor,
            match met {
                Some(true) => "yes",
                Some(false) => "no",
                None => "-",
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
