//! The dotenv parser against python-dotenv (Debian's python3-dotenv, in scripts/packages.txt):
//! files of every form both read the same way (export, quotes, escapes, multi-line values,
//! comments, blank lines, CRLF) must give the same keys and values. Where the readers of the
//! field disagree among themselves (`KEY= # x`, `${VAR}` expansion), docs/cli.md says what
//! Tokenkeeper does instead.

use std::io::Write;
use std::process::{Command, Stdio};

use tokenkeeper_core::{dotenv, ExposeSecret};

/// python-dotenv's reading of `text`, without interpolation: key → value, in order.
fn python_dotenv(text: &str) -> Vec<(String, String)> {
    let script = "import dotenv, io, json, sys\n\
                  text = sys.stdin.read()\n\
                  values = dotenv.dotenv_values(stream=io.StringIO(text), interpolate=False)\n\
                  print(json.dumps(list(values.items())))";
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python-dotenv failed (is python3-dotenv installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ours(text: &str) -> Vec<(String, String)> {
    dotenv::parse(text)
        .unwrap()
        .into_iter()
        .map(|e| (e.key, e.value.expose_secret().to_string()))
        .collect()
}

/// A small deterministic generator (the same corpus every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len())]
    }
}

#[test]
fn reads_what_python_dotenv_reads() {
    let fixed = "\u{feff}# a comment\n\
                 \n\
                 PLAIN=abc\n\
                 export EXPORTED=def\n\
                 SPACED = ghi  \n\
                 COMMENTED=jkl # note\n\
                 HASH=a#b\n\
                 EMPTY=\n\
                 SINGLE='lit $X'\n\
                 DOUBLE=\"a\\nb \\\"q\\\" \\\\ c\"  # after\n\
                 MULTI=\"line1\n\
                 line2\"\n\
                 SINGLE_MULTI='x\n\
                 y'\n\
                 CRLF=v\r\n\
                 URL=https://user:pass@example.com/path?q=1&r=2\n\
                 JSON='{\"a\": [1, 2]}'\n\
                 LAST=end";
    // python-dotenv leaves a byte-order mark to the file's decoding (utf-8-sig); given the text,
    // it is handed over without one.
    assert_eq!(
        ours(fixed),
        python_dotenv(fixed.trim_start_matches('\u{feff}'))
    );

    let words = [
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "sk_live_51Habc",
        "p@ss:w0rd/+=",
        "with space",
        "tab\there",
        "quote'in",
        "dq\"in",
        "hash#in",
        "dollar$in",
        "é ü ß",
        "",
    ];
    let mut rng = Lcg(42);
    let mut text = String::new();
    for i in 0..300 {
        if rng.next(5) == 0 {
            text.push_str(rng.pick(&["\n", "# comment\n", "   # indented comment\n"]));
        }
        let key = format!("{}{i}", rng.pick(&["KEY_", "key.", "K-", "_x"]));
        let value = rng.pick(&words);
        let export = rng.pick(&["", "export "]);
        let eq = rng.pick(&["=", " = ", "= "]);
        let written = match rng.next(3) {
            // Unquoted: only what both read alike (no quote first, no " #" inside, no
            // backslash, no leading or trailing blank).
            0 if !value.contains(['\'', '"', '\\', ' ', '\t'])
                && !value.contains(" #")
                && !value.is_empty() =>
            {
                value.to_string()
            }
            1 if !value.contains('\'') => format!("'{value}'"),
            _ => format!(
                "\"{}\"",
                value
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\t', "\\t")
            ),
        };
        let comment = rng.pick(&["", " # trailing", "   "]);
        let end = rng.pick(&["\n", "\r\n"]);
        text.push_str(&format!("{export}{key}{eq}{written}{comment}{end}"));
    }
    let (a, b) = (ours(&text), python_dotenv(&text));
    assert_eq!(a.len(), 300);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "in:\n{text}");
    }
    assert_eq!(a, b);
}
