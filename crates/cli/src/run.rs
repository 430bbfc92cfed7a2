//! `tok run`: gathers the child's environment (`--env-file` dotenv files with `tok://`
//! references, `--env VAR=NAME`), resolves every reference in one go, and runs the command with
//! the secrets in its environment only. Its output is masked unless `--no-masking`; its exit
//! code (or 128 + the signal that killed it) becomes tok's, and SIGINT/SIGTERM/SIGHUP/SIGQUIT
//! sent to tok are passed on to it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};

use secrecy::{ExposeSecret, SecretString};
use tokenkeeper_core::{Reference, Vault};

use crate::args::RunArgs;
use crate::error::{InputError, Result};
use crate::masking::Masker;
use crate::output;

/// What one variable of the child's environment is set to.
enum Value {
    /// A plain value from a dotenv file, passed as it is (not a kept key: not masked).
    Plain(SecretString),
    /// A kept key, by reference.
    Secret(Reference),
}

/// The child's variables in the order first given; setting one again replaces its value.
#[derive(Default)]
struct Vars {
    list: Vec<(String, Value)>,
    index: HashMap<String, usize>,
}

impl Vars {
    fn set(&mut self, var: String, value: Value) {
        match self.index.get(&var) {
            Some(&i) => self.list[i].1 = value,
            None => {
                self.index.insert(var.clone(), self.list.len());
                self.list.push((var, value));
            }
        }
    }
}

pub fn run(mut vault: Vault, a: RunArgs) -> Result<ExitCode> {
    // Later sources win: each --env-file in order, then each --env (the command line is the
    // most specific, as with docker's --env over --env-file).
    // In the order given, so the first bad reference reported is the first one written.
    let mut vars = Vars::default();
    for path in &a.env_file {
        for (var, value) in read_env_file(path)? {
            vars.set(var, value);
        }
    }
    for pair in &a.env {
        let (var, which) = parse_env_pair(pair)?;
        let reference = Reference::named(which, format!("--env {var}"))?;
        vars.set(var.to_string(), Value::Secret(reference));
    }
    let refs: Vec<Reference> = vars
        .list
        .iter()
        .filter_map(|(_, v)| match v {
            Value::Secret(r) => Some(r.clone()),
            Value::Plain(_) => None,
        })
        .collect();
    let (program, args) = a.command.split_first().ok_or(InputError::NoCommand)?;
    let resolved = vault.resolve(&refs, "tok run")?;
    for w in &resolved.warnings {
        eprintln!("tok: warning: {}", output::esc(w));
    }
    // The child may run for hours; it does not need our database open.
    drop(vault);

    let mut cmd = Command::new(program);
    cmd.args(args);
    let mut secret_index = 0;
    for (var, value) in &vars.list {
        match value {
            Value::Plain(v) => cmd.env(var, v.expose_secret()),
            Value::Secret(_) => {
                let s = resolved.secret(secret_index);
                secret_index += 1;
                cmd.env(var, s.expose_secret())
            }
        };
    }
    let maskers = if a.no_masking {
        None
    } else {
        let secrets = || {
            resolved
                .distinct()
                .iter()
                .map(|s| s.expose_secret().as_bytes())
        };
        Masker::new(secrets()).zip(Masker::new(secrets()))
    };
    let status = spawn_and_wait(cmd, program, maskers)?;
    drop(resolved);
    Ok(ExitCode::from(child_exit_code(status)))
}

/// The variables of a dotenv file: values that are `tok://` references become secrets, the
/// rest pass through as they are. A key written twice: the last one wins, as in every dotenv
/// reader.
fn read_env_file(path: &Path) -> Result<Vec<(String, Value)>> {
    let file = tokenkeeper_core::dotenv::read_file(path)?;
    let source = path.display().to_string();
    let mut vars = Vec::with_capacity(file.entries.len());
    for entry in file.entries {
        let text = entry.value.expose_secret();
        let value = if Reference::is_reference(text) {
            let at = format!("line {} of {source}", entry.line);
            Value::Secret(Reference::parse(text, at)?)
        } else {
            Value::Plain(entry.value)
        };
        vars.push((entry.key, value));
    }
    Ok(vars)
}

/// Starts the child (output through the maskers, or inherited), forwards signals to it, and
/// waits for it and for its output to be written.
fn spawn_and_wait(
    mut cmd: Command,
    program: &str,
    maskers: Option<(Masker, Masker)>,
) -> Result<std::process::ExitStatus> {
    if maskers.is_some() {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    signals::install();
    let mut child: Child = cmd.spawn().map_err(|source| InputError::CannotStart {
        program: program.to_string(),
        source,
    })?;
    signals::child_started(child.id());
    let pumps = maskers.map(|(out_masker, err_masker)| {
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        (
            std::thread::spawn(move || pump(stdout, std::io::stdout(), out_masker)),
            std::thread::spawn(move || pump(stderr, std::io::stderr(), err_masker)),
        )
    });
    let status = child.wait();
    signals::child_ended();
    if let Some((a, b)) = pumps {
        // The pumps end when the child's end of each pipe closes (it and anything it started).
        let _ = a.join();
        let _ = b.join();
    }
    status.map_err(|source| {
        InputError::CannotWait {
            program: program.to_string(),
            source,
        }
        .into()
    })
}

/// Copies one of the child's streams to ours through its masker, writing what can be written
/// after every read. When ours is closed (`tok run ... | head`), it stops reading, so the child
/// meets a closed pipe as it would without tok.
fn pump(mut from: impl Read, mut to: impl Write, mut masker: Masker) {
    let mut chunk = zeroize::Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(64 * 1024 + 1024));
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        out.clear();
        masker.feed(&chunk[..n], &mut out);
        if to.write_all(&out).and_then(|()| to.flush()).is_err() {
            return;
        }
    }
    out.clear();
    masker.finish(&mut out);
    let _ = to.write_all(&out).and_then(|()| to.flush());
}

/// `VAR=NAME` → (`VAR`, `NAME`), with VAR a portable environment variable name.
pub(crate) fn parse_env_pair(pair: &str) -> Result<(&str, &str)> {
    // The pair may hold a pasted secret by mistake: quoted only when it does not look like one.
    let quoted = tokenkeeper_core::quote_input(pair);
    let Some((var, which)) = pair.split_once('=') else {
        return Err(InputError::EnvNotAPair { quoted }.into());
    };
    let valid_var = var
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_var {
        return Err(InputError::EnvBadVariable {
            quoted,
            var: tokenkeeper_core::quote_input(var),
        }
        .into());
    }
    if which.is_empty() {
        return Err(InputError::EnvNoToken { quoted }.into());
    }
    Ok((var, which))
}

/// The child's exit code, or 128 + the signal that killed it, as shells report it.
fn child_exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(u8::MAX);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return u8::try_from(128 + sig).unwrap_or(u8::MAX);
        }
    }
    u8::MAX
}

/// Passing tok's signals on to the child.
///
/// Ctrl-C at a terminal signals the whole foreground process group, so the child gets that
/// SIGINT itself; tok only must not die of it. A signal sent to tok alone (`kill`, `timeout`,
/// a service manager) is passed on, told apart by its origin (`si_code`: sent by a process,
/// not by the kernel). A signal that arrives before the child exists is passed on once it does.
#[cfg(unix)]
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    const FORWARDED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    static CHILD: AtomicI32 = AtomicI32::new(0);
    static PENDING: AtomicI32 = AtomicI32::new(0);

    extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
        let from_a_process = info.is_null() || unsafe { (*info).si_code } <= 0;
        if !from_a_process {
            return;
        }
        match CHILD.load(Ordering::SeqCst) {
            // SAFETY: kill is async-signal-safe; the pid is our own child's.
            pid if pid > 0 => unsafe {
                libc::kill(pid, sig);
            },
            _ => PENDING.store(sig, Ordering::SeqCst),
        }
    }

    pub fn install() {
        let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            on_signal;
        for sig in FORWARDED {
            // SAFETY: a zeroed sigaction is valid; the handler only touches atomics and kill.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as libc::sighandler_t;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(sig, &action, std::ptr::null_mut());
            }
        }
    }

    pub fn child_started(pid: u32) {
        let pid = i32::try_from(pid).unwrap_or(0);
        CHILD.store(pid, Ordering::SeqCst);
        let sig = PENDING.swap(0, Ordering::SeqCst);
        if sig != 0 && pid > 0 {
            // SAFETY: kill has no memory preconditions; the pid is our own child's.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    pub fn child_ended() {
        CHILD.store(0, Ordering::SeqCst);
    }
}

#[cfg(not(unix))]
mod signals {
    pub fn install() {}
    pub fn child_started(_pid: u32) {}
    pub fn child_ended() {}
}

#[cfg(test)]
mod tests {
    use super::parse_env_pair;

    #[test]
    fn env_pairs_split_at_the_first_equals_sign() {
        assert_eq!(parse_env_pair("TOKEN=ci").unwrap(), ("TOKEN", "ci"));
        assert_eq!(parse_env_pair("_T1=a=b").unwrap(), ("_T1", "a=b"));
    }

    #[test]
    fn bad_env_pairs_are_invalid_input() {
        for bad in ["TOKEN", "=ci", "1X=ci", "A-B=ci", "TOKEN="] {
            assert_eq!(
                parse_env_pair(bad).unwrap_err().kind(),
                "invalid_input",
                "{bad}"
            );
        }
    }
}
