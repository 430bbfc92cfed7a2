//! Shared test fixture: the real `tok` binary on a fresh data directory, against the real OS keychain.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// One fresh Tokenkeeper install: its own `TOKENKEEPER_HOME`, so its own vault id and keychain service.
pub struct Tok {
    pub home: TempDir,
}

/// What one `tok` run did.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts success and returns self, showing stderr when it failed.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success, got {}: stdout={:?} stderr={:?}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts the exit code and that stderr says `needle` (case-insensitive).
    #[track_caller]
    pub fn fails(self, code: i32, needle: &str) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}: stdout={:?} stderr={:?}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.starts_with("tok: "),
            "errors start with `tok: `: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "stderr should mention {needle:?}: {:?}",
            self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout))
    }

    /// The one line on stdout, without its newline (the secret `generate` prints).
    #[track_caller]
    pub fn single_line(&self) -> String {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stdout: {:?}",
            self.stdout
        );
        lines[0].to_string()
    }
}

impl Tok {
    pub fn new() -> Self {
        Tok {
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `tok ARGS` with this install's data directory and no stdin.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tok"));
        cmd.args(args)
            .env("TOKENKEEPER_HOME", self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Out {
        collect(self.command(args), None)
    }

    /// `tok ARGS` with `input` piped on stdin (how every secret reaches `tok` in these tests).
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Out {
        collect(self.command(args), Some(input))
    }

    pub fn run_with(&self, mut cmd: Command, input: Option<&str>) -> Out {
        cmd.env("TOKENKEEPER_HOME", self.home.path());
        collect(cmd, input)
    }

    /// `tok list --json [extra]` as parsed JSON; every token object.
    pub fn list(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["--json", "list"];
        args.extend_from_slice(extra);
        match self.run(&args).ok().json() {
            Value::Array(v) => v,
            other => panic!("list --json is not an array: {other}"),
        }
    }

    /// Adds an imported key through stdin and returns its id.
    pub fn add(&self, name: &str, secret: &str) -> String {
        let out = self.run_stdin(&["--json", "add", name], secret).ok();
        out.json()["id"].as_str().expect("id").to_string()
    }

    /// `tok verify` on `secret`: (exit code, Verification JSON).
    pub fn verify(&self, secret: &str) -> (i32, Value) {
        let out = self.run_stdin(&["verify"], secret);
        let json = out.json();
        (out.code, json)
    }

    pub fn vault_id(&self) -> String {
        let out = self.run(&["--json", "whoami"]).ok();
        out.json()["vault_id"]
            .as_str()
            .expect("vault_id")
            .to_string()
    }

    /// The keychain service this install files secrets under: `tokenkeeper:<vault-id>`.
    pub fn keychain_service(&self) -> String {
        format!("tokenkeeper:{}", self.vault_id())
    }

    /// The secrets of every keychain item `secret-tool search --all service tokenkeeper:<vault-id>` finds.
    pub fn keychain_search(&self) -> Vec<String> {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "service", &self.keychain_service()])
            .output()
            .expect("secret-tool is installed (libsecret-tools)");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("secret = "))
            .map(str::to_string)
            .collect()
    }

    /// The secret the keychain holds for token `id`, looked up the way any other tool would.
    pub fn keychain_secret(&self, id: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args([
                "lookup",
                "service",
                &self.keychain_service(),
                "username",
                id,
            ])
            .output()
            .expect("secret-tool is installed (libsecret-tools)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Tok {
    /// Leaves nothing behind in the shared keyring.
    fn drop(&mut self) {
        let out = self.run(&["--json", "whoami"]);
        if let Ok(id) = serde_json::from_str::<Value>(&out.stdout) {
            if let Some(service) = id["keychain_service"].as_str() {
                let _ = Command::new("secret-tool")
                    .args(["clear", "service", service])
                    .output();
            }
        }
    }
}

/// Runs any command with `input` (if any) on stdin and collects what it did.
pub fn collect(mut cmd: Command, input: Option<&str>) -> Out {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("tok starts");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin");
        // tok may refuse before reading stdin (a closed pipe is then fine).
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().expect("tok finishes");
    Out {
        code: out.status.code().expect("tok exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Changes one character of a generated token's body, so its checksum no longer matches.
pub fn typo(token: &str) -> String {
    let (prefix, body) = token.split_once('_').expect("token has `_`");
    let mut chars: Vec<char> = body.chars().collect();
    chars[5] = if chars[5] == 'a' { 'b' } else { 'a' };
    format!("{prefix}_{}", chars.into_iter().collect::<String>())
}

/// Runs `attempt` and asserts the list (including deleted tokens) did not change.
pub fn unchanged(tok: &Tok, attempt: impl FnOnce() -> Out) -> Out {
    let before = (tok.list(&[]), tok.list(&["--state", "deleted"]));
    let out = attempt();
    let after = (tok.list(&[]), tok.list(&["--state", "deleted"]));
    assert_eq!(before, after, "the list changed after {out:?}");
    out
}

/// Runs an outside tool that reads back what `tok` wrote (a shell, `man`, a parser) and returns
/// its stdout; the test fails with the tool's own words when it refuses.
#[track_caller]
pub fn read_back(cmd: &mut Command, refused: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{refused}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
