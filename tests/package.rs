//! The .deb as a user meets it: `apt-get install ./….deb`, the installed `tok` through a key's
//! whole life, the installed app's window over the same data, then `apt-get remove` and a purge,
//! which take every installed file away and leave the user's data directory byte for byte as it
//! was (and the keychain too). The .rpm, which cannot be installed here, must list the same files.
//!
//! It installs a system package, so it is ignored in a plain `cargo test`: scripts/test runs it
//! in CI and with `--package`, after scripts/package has built both packages and named them in
//! TOKENKEEPER_DEB and TOKENKEEPER_RPM. It runs as root or through `sudo -n`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tokenkeeper_core::{Access, ExposeSecret, Vault};

use crate::util::*;

const TOK: &str = "/usr/bin/tok";
const APP: &str = "/usr/bin/tokenkeeper";
/// Where the package puts what `tok completions SHELL` prints (the distributions' vendor dirs).
const COMPLETIONS: [(&str, &str); 3] = [
    ("bash", "/usr/share/bash-completion/completions/tok"),
    ("zsh", "/usr/share/zsh/vendor-completions/_tok"),
    ("fish", "/usr/share/fish/vendor_completions.d/tok.fish"),
];

#[tokio::test]
#[ignore = "installs the .deb system-wide: scripts/test --package (and CI) runs it"]
async fn the_deb_installs_runs_and_leaves_the_users_data_when_removed() {
    let deb = package("TOKENKEEPER_DEB");
    let rpm = package("TOKENKEEPER_RPM");
    let name = run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Package"))
        .trim()
        .to_string();
    assert!(
        !installed(&name) && !Path::new(TOK).exists(),
        "{name} is already installed here; remove it first (apt-get purge {name})"
    );

    // --- install, as the README tells users to --------------------------------------------------
    run(as_root(&["apt-get", "install", "-y"]).arg(&deb));
    assert!(installed(&name), "dpkg does not list {name} as installed");
    let files: BTreeSet<String> = run(Command::new("dpkg").args(["-L", &name]))
        .lines()
        .filter(|f| Path::new(f).is_file())
        .map(str::to_string)
        .collect();
    for f in [APP, TOK, "/usr/share/applications/Tokenkeeper.desktop"] {
        assert!(
            files.contains(f),
            "the package did not install {f}: {files:#?}"
        );
    }
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("/usr/share/icons/hicolor/") && f.ends_with("/tokenkeeper.png")),
        "the package installed no icon: {files:#?}"
    );
    let desktop = std::fs::read_to_string("/usr/share/applications/Tokenkeeper.desktop").unwrap();
    for line in ["Name=Tokenkeeper", "Exec=tokenkeeper", "Icon=tokenkeeper"] {
        assert!(
            desktop.lines().any(|l| l == line),
            "no {line:?} in the desktop entry:\n{desktop}"
        );
    }

    // The installed tok names the workspace's version, and its completions and man pages are
    // the ones it generates itself, where shells and man look for them.
    assert_eq!(
        run(Command::new(TOK).arg("--version")),
        format!("tok {}\n", env!("CARGO_PKG_VERSION"))
    );
    for (shell, path) in COMPLETIONS {
        assert_eq!(
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}")),
            run(Command::new(TOK).args(["completions", shell])),
            "{path} is not what `tok completions {shell}` prints"
        );
    }
    let pages = tempfile::tempdir().unwrap();
    run(Command::new(TOK)
        .args(["man", "--out-dir"])
        .arg(pages.path()));
    let expected: BTreeSet<String> = std::fs::read_dir(pages.path())
        .unwrap()
        .map(|e| {
            format!(
                "/usr/share/man/man1/{}.gz",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    let shipped: BTreeSet<String> = files
        .iter()
        .filter(|f| f.starts_with("/usr/share/man/"))
        .cloned()
        .collect();
    assert_eq!(shipped, expected, "the man pages differ from `tok man`'s");
    assert!(expected.len() > 10, "tok man wrote only {expected:?}");
    assert_eq!(
        run(Command::new("man").args(["-w", "tok"])).trim(),
        "/usr/share/man/man1/tok.1.gz",
        "`man tok` does not find the installed page"
    );

    // The .rpm carries the same files (zsh's vendor directory is site-functions there).
    let in_rpm: BTreeSet<String> = run(Command::new("rpm").arg("-qlp").arg(&rpm))
        .lines()
        .map(str::to_string)
        .collect();
    let deb_as_rpm: BTreeSet<String> = files
        .iter()
        .map(|f| f.replace("/zsh/vendor-completions/", "/zsh/site-functions/"))
        .collect();
    assert_eq!(
        in_rpm, deb_as_rpm,
        "the .rpm and the .deb ship different files"
    );

    // --- a key's whole life through the installed tok, in its own data directory ----------------
    let seed = Seed::new();
    let home = seed.home.path().to_path_buf();
    let tok = |args: &[&str], input: Option<&str>| installed_tok(&home, args, input);
    let first = "ghp_Package0123456789abcdefWXYZ";
    tok(&["add", "pkg-imported", "--service", "GitHub"], Some(first));
    tok(&["generate", "pkg-generated", "--keep"], None);
    assert_eq!(
        names(&tok(&["--json", "list"], None)),
        ["pkg-generated", "pkg-imported"]
    );
    let shown = tok(&["show", "pkg-imported"], None);
    assert!(
        shown.contains("pkg-imported") && shown.contains("GitHub"),
        "{shown}"
    );
    assert!(!shown.contains(first), "show printed the secret");
    assert_eq!(tok(&["get", "pkg-imported"], None), first);
    let second = "ghp_PackageRotated456789abcdefWXYZ";
    tok(&["rotate", "pkg-imported"], Some(second));
    assert_eq!(tok(&["get", "pkg-imported"], None), second);
    tok(&["delete", "pkg-generated", "--yes"], None);
    assert_eq!(names(&tok(&["--json", "list"], None)), ["pkg-imported"]);

    // --- the installed app, over what the installed tok left ------------------------------------
    let mut app = App::with_binary("package", seed, Path::new(APP)).await;
    app.wait_rows(&["pkg-imported"]).await;
    app.click("#nav-settings").await;
    let version = format!("Tokenkeeper {}", env!("CARGO_PKG_VERSION"));
    app.wait_text("#about-version", |t| t == version).await;
    // The data directory outlives the window: it is the user's data the removal must keep.
    let user_data = std::mem::replace(&mut app.home, tempfile::tempdir().unwrap());
    app.finish().await;
    let home_dir = user_data.path();

    // --- remove, then purge: every installed file goes, the user's data stays -------------------
    let before = snapshot(home_dir);
    assert!(
        before.contains_key(Path::new("tokenkeeper.db")),
        "{:?}",
        before.keys()
    );
    run(&mut as_root(&["apt-get", "remove", "-y", &name]));
    for f in &files {
        assert!(!Path::new(f).exists(), "apt-get remove left {f}");
    }
    assert!(
        snapshot(home_dir) == before,
        "apt-get remove changed the data directory"
    );
    // apt-get no longer knows a removed local package by name; dpkg purges what it left.
    run(&mut as_root(&["dpkg", "--purge", &name]));
    assert!(!installed(&name), "dpkg still lists {name} after purge");
    assert!(
        snapshot(home_dir) == before,
        "apt-get purge changed the data directory"
    );

    // And the keychain still holds the rotated key: the same data, opened by a later install.
    let mut vault = Vault::open(home_dir).unwrap();
    let secret = vault.reveal("pkg-imported", Access::Revealed).unwrap();
    assert_eq!(secret.expose_secret(), second);
}

/// The package file scripts/package built and named in `var`.
fn package(var: &str) -> PathBuf {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        panic!(
            "{var} is not set: scripts/test --package builds the packages (scripts/package) \
             and sets it"
        )
    });
    assert!(path.is_file(), "{var}={} is not a file", path.display());
    std::fs::canonicalize(path).unwrap()
}

/// Runs `cmd` and returns its stdout; fails the test with its own words when it fails.
#[track_caller]
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `args` as root: directly when the test runs as root, otherwise through `sudo -n` (which
/// fails at once, saying why, instead of asking for a password nobody will type).
fn as_root(args: &[&str]) -> Command {
    let root = run(Command::new("id").arg("-u")).trim() == "0";
    let mut cmd = if root {
        Command::new(args[0])
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", args[0]]);
        c
    };
    cmd.args(&args[1..])
        .env("DEBIAN_FRONTEND", "noninteractive");
    cmd
}

fn installed(name: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", name])
        .output()
        .is_ok_and(|o| o.stdout == b"install ok installed")
}

/// The installed `tok ARGS` over the data directory `home`, with `input` on stdin.
#[track_caller]
fn installed_tok(home: &Path, args: &[&str], input: Option<&str>) -> String {
    let mut child = Command::new(TOK)
        .args(args)
        .env("TOKENKEEPER_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(input.unwrap_or_default().as_bytes())
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tok {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

/// The names in `tok --json list`'s answer, in its order.
fn names(json: &str) -> Vec<String> {
    let tokens: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
    tokens
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// Every file and directory under `dir` with its bytes (directories: none) and permissions.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, Option<Vec<u8>>)> {
    use std::os::unix::fs::PermissionsExt;
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let bytes = if meta.is_dir() {
                todo.push(path.clone());
                None
            } else {
                Some(std::fs::read(&path).unwrap())
            };
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            all.insert(rel, (meta.permissions().mode(), bytes));
        }
    }
    all
}
