//! `tok import-env` and `tok import-from`: a .env file kept and rewritten to references; KeePassXC
//! databases made here by the real `keepassxc-cli` and exported by it as XML and CSV; the
//! preview, keys already held, and refusals that change nothing (the file neither).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

const GITHUB: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const STRIPE: &str = "sk_live_51HabcdefghijklmnopQRSTUV";
const OPENAI: &str = "sk-proj-abcdefghijklmnopqrstuvwxyz012345";
const PLAIN: &str = "s3cr3t-value-without-a-format";
const DB_PASSWORD: &str = "correct horse battery staple";

#[test]
fn import_env_keeps_every_key_and_rewrite_points_the_file_at_them() {
    use std::os::unix::fs::PermissionsExt;
    let tok = Tok::new();
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    let text = format!(
        "# service keys\nexport GITHUB_TOKEN={GITHUB}\nOPENAI_API_KEY=\"{OPENAI}\" # prod\n\
         PORT=3000\nEMPTY=\n"
    );
    std::fs::write(&env, &text).unwrap();
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).unwrap();
    let path = env.to_str().unwrap();

    // The dry run shows the plan and changes nothing.
    let out = unchanged(&tok, || tok.run(&["import-env", path, "--dry-run"]).ok());
    for needle in [
        "3 new",
        "GITHUB_TOKEN",
        "GitHub",
        "OpenAI",
        "skipped",
        "Dry run",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
    assert!(!out.stdout.contains(GITHUB) && !out.stdout.contains(OPENAI));
    assert_eq!(std::fs::read_to_string(&env).unwrap(), text);

    let out = tok.run(&["import-env", path, "--rewrite"]).ok();
    assert!(out.stdout.contains("Kept 3 new keys"), "{}", out.stdout);
    assert_eq!(
        tok.run(&["get", "OPENAI_API_KEY"]).ok().single_line(),
        OPENAI
    );
    let listed = tok.list(&[]);
    let github = listed.iter().find(|t| t["name"] == "GITHUB_TOKEN").unwrap();
    assert_eq!(github["service"], "GitHub");
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        "# service keys\nexport GITHUB_TOKEN=tok://GITHUB_TOKEN\n\
         OPENAI_API_KEY=tok://OPENAI_API_KEY # prod\nPORT=tok://PORT\nEMPTY=\n"
    );
    assert_eq!(
        std::fs::metadata(&env).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // A second .env with one key held already: reported, not stored twice.
    let other = dir.path().join("other.env");
    std::fs::write(&other, format!("GH={GITHUB}\nNEW={PLAIN}\n")).unwrap();
    let out = tok
        .run(&[
            "--json",
            "import-env",
            other.to_str().unwrap(),
            "--prefix",
            "ci",
        ])
        .ok();
    let json = out.json();
    assert_eq!(json["applied"]["counts"]["new"], 1);
    assert_eq!(json["applied"]["counts"]["held"], 1);
    assert_eq!(json["plan"]["rows"][0]["held_by"], "GITHUB_TOKEN");
    assert_eq!(json["plan"]["rows"][1]["name"], "ci_NEW");
    assert!(!out.stdout.contains(PLAIN));
    assert_eq!(tok.list(&[]).len(), 4);
}

#[test]
fn import_env_refuses_bad_rows_by_line_and_changes_nothing() {
    let tok = Tok::new();
    tok.add("TAKEN", "another-key-0123456789abc");
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    let text = format!("OK={PLAIN}\nTAKEN={STRIPE}\nOK={GITHUB}\n");
    std::fs::write(&env, &text).unwrap();
    let out = unchanged(&tok, || {
        tok.run(&["import-env", env.to_str().unwrap(), "--rewrite"])
            .fails(2, "nothing was imported")
    });
    for needle in ["line 2", "line 3", "--prefix"] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
    assert!(out.stdout.contains("REFUSED"), "{}", out.stdout);
    assert!(!out.stderr.contains(STRIPE) && !out.stdout.contains(STRIPE));
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        text,
        "the file is unchanged"
    );

    // Hostile files: refused naming the line, nothing changes.
    for (name, bytes, needle) in [
        (
            "junk.env",
            b"\x7fELF\x02\x01\x01\x00\x00".to_vec(),
            "binary",
        ),
        ("quote.env", b"A=1\nB='never closed\n".to_vec(), "line 2"),
        ("huge.env", vec![b'A'; 3 * 1024 * 1024], "at most"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        unchanged(&tok, || {
            tok.run(&["import-env", path.to_str().unwrap(), "--rewrite"])
                .fails(2, needle)
        });
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
    tok.run(&["import-env", "/nonexistent/.env"])
        .fails(3, "/nonexistent/.env");
}

/// A KeePassXC database made by the real keepassxc-cli, with entries in groups, a title used
/// twice, an entry without a password and one moved to the Recycle Bin.
struct KeepassDb {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn keepassxc(db: &Path, args: &[&str], input: &str) -> String {
    let mut cmd = Command::new("keepassxc-cli");
    cmd.args(args).arg(db);
    run_with_input(&mut cmd, input)
}

fn run_with_input(cmd: &mut Command, input: &str) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keepassxc-cli runs (Debian package keepassxc, in scripts/packages.txt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "keepassxc-cli {:?} failed: {}",
        cmd.get_args().collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl KeepassDb {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.kdbx");
        let pw = format!("{DB_PASSWORD}\n{DB_PASSWORD}\n");
        let mut create = Command::new("keepassxc-cli");
        create.args(["db-create", "-p"]).arg(&path);
        run_with_input(&mut create, &pw);
        let db = KeepassDb { _dir: dir, path };
        db.cli(&["mkdir", "-q"], "Work", "");
        db.cli(&["mkdir", "-q"], "Home", "");
        db.add(
            "Work/GitHub",
            &["-u", "octo", "--url", "https://github.com"],
            GITHUB,
        );
        db.add("Home/GitHub", &[], PLAIN);
        db.add(
            "Work/Payments",
            &["--url", "https://dashboard.stripe.com"],
            STRIPE,
        );
        db.add("Work/Old", &[], "old-key-0123456789abcdef");
        db.cli(&["rm", "-q"], "Work/Old", "");
        db.cli(&["add", "-q", "-u", "nobody"], "Home/Just a login", "");
        db
    }

    fn cli(&self, args: &[&str], entry: &str, extra_input: &str) {
        let mut full = args.to_vec();
        full.push(self.path.to_str().unwrap());
        full.push(entry);
        let mut cmd = Command::new("keepassxc-cli");
        cmd.args(&full);
        run_with_input(&mut cmd, &format!("{DB_PASSWORD}\n{extra_input}"));
    }

    fn add(&self, entry: &str, flags: &[&str], password: &str) {
        let mut args = vec!["add", "-q", "-p"];
        args.extend_from_slice(flags);
        self.cli(&args, entry, &format!("{password}\n"));
    }

    /// `keepassxc-cli export --format FORMAT` into a file beside the database.
    fn export(&self, format: &str) -> PathBuf {
        let text = keepassxc(
            &self.path,
            &["export", "-q", "--format", format],
            &format!("{DB_PASSWORD}\n"),
        );
        let out = self.path.with_extension(format);
        std::fs::write(&out, text).unwrap();
        out
    }
}

fn check_keepass_import(tok: &Tok, format: &str, file: &Path) {
    let path = file.to_str().unwrap();
    let out = unchanged(tok, || {
        tok.run(&["--json", "import-from", format, path, "--dry-run"])
            .ok()
    });
    let plan = &out.json()["plan"];
    let mut rows: Vec<(String, String, String)> = plan["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["service"].as_str().unwrap_or("-").to_string(),
                r["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("Home/GitHub".into(), "-".into(), "new".into()),
            ("Just a login".into(), "-".into(), "skipped".into()),
            ("Old".into(), "-".into(), "skipped".into()),
            ("Payments".into(), "Stripe".into(), "new".into()),
            ("Work/GitHub".into(), "GitHub".into(), "new".into()),
        ],
        "{format}"
    );
    assert!(!out.stdout.contains(GITHUB) && !out.stdout.contains(PLAIN));

    let out = tok.run(&["import-from", format, path]).ok();
    assert!(out.stdout.contains("Kept 3 new keys"), "{}", out.stdout);
    assert_eq!(tok.run(&["get", "Work/GitHub"]).ok().single_line(), GITHUB);
    assert_eq!(tok.run(&["get", "Payments"]).ok().single_line(), STRIPE);
    let shown = tok.run(&["--json", "show", "Work/GitHub"]).ok().json();
    let description = shown["token"]["description"].as_str().unwrap().to_string();
    assert!(description.contains("group Work"), "{description}");
    assert!(description.contains("user octo"), "{description}");

    // The same export again: every key is held already, nothing is stored twice.
    let out = tok.run(&["--json", "import-from", format, path]).ok();
    assert_eq!(out.json()["applied"]["counts"]["held"], 3);
    assert_eq!(tok.list(&[]).len(), 3);
}

#[test]
fn keepassxc_xml_export_made_by_keepassxc_cli() {
    let db = KeepassDb::new();
    let xml = db.export("xml");
    check_keepass_import(&Tok::new(), "keepassxc-xml", &xml);
}

#[test]
fn keepassxc_csv_export_made_by_keepassxc_cli() {
    let db = KeepassDb::new();
    let csv = db.export("csv");
    check_keepass_import(&Tok::new(), "keepassxc-csv", &csv);
}

#[test]
fn import_from_refuses_what_it_cannot_read_and_changes_nothing() {
    let tok = Tok::new();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("k.csv");
    std::fs::write(&csv, format!("Title,Password\nbad name\u{7},{PLAIN}\n")).unwrap();
    let path = csv.to_str().unwrap();
    tok.run(&["import-from", "csv", path]).fails(2, "--map");
    tok.run(&["import-from", "keepassxc-csv", path, "--map", "name=Title"])
        .fails(2, "only for csv");
    let out = unchanged(&tok, || {
        tok.run(&[
            "import-from",
            "csv",
            path,
            "--map",
            "name=Title,secret=Password",
        ])
        .fails(2, "line 2")
    });
    assert!(out.stderr.contains("control"), "{}", out.stderr);
    // A KeePassXC XML export that is not one, or is cut short.
    let xml = dir.path().join("k.xml");
    std::fs::write(&xml, "<KeePassFile><Root><Group>").unwrap();
    unchanged(&tok, || {
        tok.run(&["import-from", "keepassxc-xml", xml.to_str().unwrap()])
            .fails(2, "not well-formed XML")
    });
    std::fs::write(&xml, "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><KeePassFile/>").unwrap();
    unchanged(&tok, || {
        tok.run(&["import-from", "keepassxc-xml", xml.to_str().unwrap()])
            .fails(2, "line 1")
    });
}
