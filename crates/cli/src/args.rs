//! The `tok` command line as clap sees it: every command, flag and help text, and nothing else.
//! The fields of a new token (`generate`, `add`) are the core's [`NewToken`], declared there.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tokenkeeper_core::{GenerateRequest, NewToken, SortKey, TokenState};

/// The exit-code table, shown at the end of `tok --help` and kept in step with docs/cli.md.
/// Where each shell reads completions from, for `tok completions --help`.
pub const COMPLETIONS_HELP: &str = "\
Install (packages do this for you):
  bash:  tok completions bash > ~/.local/share/bash-completion/completions/tok
  zsh:   tok completions zsh > ~/.zfunc/_tok   (with fpath+=~/.zfunc before compinit)
  fish:  tok completions fish > ~/.config/fish/completions/tok.fish";

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a negative answer: `verify` found the token not active, `check` found it malformed,
     `scan` found a secret this install holds, or a confirmation was declined
  2  usage error or invalid input (bad flag, empty or too long name, unparseable or past expiry,
     a malformed member key), or an import that deletes or replaces something without --yes
  3  not found (no token with that name or id)
  4  duplicate or conflict (name or secret already used; not possible in the token's state,
     e.g. `get` of a hash-only token)
  5  the OS keychain is unreachable, or a token's secret is missing from it
  6  database or storage problem (not a Tokenkeeper database, written by a newer version,
     disk or permission errors)
  7  the vault file could not be opened or trusted: wrong passphrase, encrypted to other keys,
     damaged, not a vault file, a newer format version, contents that break the format,
     unsigned (format version 1), a bad signature, or signed by a key not trusted
  8  `tok remind` found no notification server (no desktop session), or it refused a
     notification; what was not sent stays due
`tok run` exits with the command's own exit code once the command has started
(128 + N when signal N killed it).

With --json, errors are printed on stderr as {\"kind\": \"...\", \"message\": \"...\"}.
The data directory is $TOKENKEEPER_HOME, or the platform's app-data directory.";

const LONG_ABOUT: &str = "\
tok: the Tokenkeeper command line, for people and scripts.

Token metadata lives in SQLite in the data directory ($TOKENKEEPER_HOME, or the platform's \
app-data directory); secrets live only in the OS keychain. Secrets are read from stdin or a \
hidden prompt, never from the command line.";

#[derive(Debug, Parser)]
#[command(
    name = "tok",
    version,
    about = "Tokenkeeper: keep, issue, verify and rotate API tokens",
    long_about = LONG_ABOUT,
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// Print machine-readable JSON (errors go to stderr as {"kind", "message"})
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tokens (deleted ones only with --state deleted); never shows secrets
    #[command(after_help = EXIT_CODES)]
    List(ListArgs),
    /// Show one token's metadata, activity and a usage snippet
    #[command(after_help = EXIT_CODES)]
    Show {
        /// Token name or id
        #[arg(value_name = "NAME|ID")]
        which: String,
    },
    /// Generate a new token for one of your own APIs; the secret is printed once on stdout
    #[command(after_help = EXIT_CODES)]
    Generate(GenerateRequest),
    /// Add a key you already have; the secret is read from stdin or a hidden prompt
    #[command(after_help = EXIT_CODES)]
    Add(NewToken),
    /// Print a token's secret on stdout (for scripts); keychain tokens only
    #[command(after_help = EXIT_CODES)]
    Get {
        /// Token name or id
        #[arg(value_name = "NAME|ID")]
        which: String,
    },
    /// Change a token's name, description, service, scopes or expiry
    #[command(after_help = EXIT_CODES)]
    Edit(EditArgs),
    /// Enable a disabled token
    #[command(after_help = EXIT_CODES)]
    Enable {
        /// Token name or id
        #[arg(value_name = "NAME|ID")]
        which: String,
    },
    /// Disable a token: it fails verification but keeps its secret
    #[command(after_help = EXIT_CODES)]
    Disable {
        /// Token name or id
        #[arg(value_name = "NAME|ID")]
        which: String,
    },
    /// Give a token a new secret; generated tokens print it once, imported keys read it from stdin
    #[command(after_help = EXIT_CODES)]
    Rotate {
        /// Token name or id
        #[arg(value_name = "NAME|ID")]
        which: String,
        /// How long the old secret keeps working: now, 1h, 24h or 7d
        #[arg(long, default_value = "now", value_name = "now|1h|24h|7d")]
        grace: String,
    },
    /// Delete a token for good: its secret is destroyed
    #[command(after_help = EXIT_CODES)]
    Delete {
        /// Token name or id
        #[arg(value_name = "NAME|ID")]
        which: String,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Verify a token read from stdin; prints JSON; exit 0 only when it is active
    #[command(after_help = EXIT_CODES)]
    Verify,
    /// Check offline that a token read from stdin is well-formed (shape and checksum)
    #[command(after_help = EXIT_CODES)]
    Check,
    /// Show who this install is: display name, vault id, keychain service, data directory,
    /// the public key others export vault files to, and the member key to share with your team
    #[command(after_help = EXIT_CODES)]
    Whoami,
    /// Write an iCalendar file (.ics) of every active token's expiry, with the reminders of
    /// `tok settings` (by default 30, 7 and 1 days before and on the day); names, services and
    /// dates only, never a secret
    #[command(after_help = EXIT_CODES)]
    Calendar {
        /// The .ics file to write (replaced atomically); without it, print the calendar
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Send the expiry reminders and the monthly stale-keys note that are due as desktop
    /// notifications, once, and exit; --install runs it daily and at login
    #[command(after_help = EXIT_CODES)]
    Remind(RemindArgs),
    /// Show the settings, or change the reminders and when a key counts as unused
    #[command(after_help = EXIT_CODES)]
    Settings(SettingsArgs),
    /// Print a shell completion script for tok (bash, zsh, fish, elvish or powershell)
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print tok's man page, or with --out-dir write tok.1 and one page per command there
    #[command(after_help = EXIT_CODES)]
    Man {
        /// An existing directory to write tok.1, tok-list.1, ... into (for example
        /// ~/.local/share/man/man1)
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Team members: whose vault files you trust, and who `tok export --team` encrypts to
    #[command(subcommand)]
    Team(TeamCommand),
    /// Write every token (kept secrets included) to an encrypted vault file for your team
    #[command(after_help = EXIT_CODES)]
    Export(ExportArgs),
    /// Merge a vault file into this vault: shows what changes, then applies it all or nothing
    #[command(after_help = EXIT_CODES)]
    Import(ImportArgs),
    /// Run a command with token secrets in its environment (never in its arguments); every
    /// secret it prints is concealed
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Write a template with each {{ tok://NAME }} replaced by the secret, all or nothing
    #[command(after_help = EXIT_CODES)]
    Inject(InjectArgs),
    /// Keep the keys of a .env file: each KEY=value becomes a kept key named KEY; shows the
    /// plan, then stores it all or nothing
    #[command(after_help = EXIT_CODES)]
    ImportEnv(ImportEnvArgs),
    /// Keep the keys of another password manager's export (KeePassXC, Bitwarden) or a CSV file;
    /// shows the plan, then stores it all or nothing
    #[command(after_help = EXIT_CODES)]
    ImportFrom(ImportFromArgs),
    /// Find the secrets this install holds in files and folders (and with --git in every commit
    /// of a repository's history); reports where, never the value. Exits 1 when one is found
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
}

/// `tok import-env`.
#[derive(Debug, Args)]
pub struct ImportEnvArgs {
    /// The .env file (dotenv syntax: KEY=value, export, quotes, comments)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Name each key PREFIX_KEY instead of KEY
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Only show the plan; change nothing
    #[arg(long, conflicts_with = "rewrite")]
    pub dry_run: bool,
    /// Once every key is kept, replace each value in the file with its reference tok://NAME
    /// (atomically, keeping the file's permissions)
    #[arg(long)]
    pub rewrite: bool,
}

/// The exports `tok import-from` reads.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormatArg {
    /// KeePassXC's XML export (keepassxc-cli export --format xml)
    KeepassxcXml,
    /// KeePassXC's CSV export (keepassxc-cli export --format csv)
    KeepassxcCsv,
    /// Bitwarden's unencrypted JSON export
    Bitwarden,
    /// Any CSV file with a header row; --map says which column holds what
    Csv,
}

/// `tok import-from`.
#[derive(Debug, Args)]
pub struct ImportFromArgs {
    /// What the file is
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: ExportFormatArg,
    /// The export file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// For csv: which column holds what, e.g. name=Title,secret=Password,service=URL
    /// (description= optional)
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub map: Option<String>,
    /// Name each key PREFIX_name
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Only show the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `tok scan`'s arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan; folders are walked, git-ignored files included, `.git`
    /// internals and symbolic links not
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Also scan every commit reachable from any branch or tag of the repository each PATH is in
    #[arg(long)]
    pub git: bool,
}

/// Token states `tok list --state` accepts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateArg {
    Active,
    Disabled,
    Expired,
    Deleted,
}

impl From<StateArg> for TokenState {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Active => TokenState::Active,
            StateArg::Disabled => TokenState::Disabled,
            StateArg::Expired => TokenState::Expired,
            StateArg::Deleted => TokenState::Deleted,
        }
    }
}

/// Sort keys `tok list --sort` accepts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    Name,
    Created,
    LastUsed,
    Expires,
    Status,
    Service,
}

impl From<SortArg> for SortKey {
    fn from(s: SortArg) -> Self {
        match s {
            SortArg::Name => SortKey::Name,
            SortArg::Created => SortKey::Created,
            SortArg::LastUsed => SortKey::LastUsed,
            SortArg::Expires => SortKey::Expires,
            SortArg::Status => SortKey::Status,
            SortArg::Service => SortKey::Service,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tokens in this state (default: all but deleted)
    #[arg(long, value_enum)]
    pub state: Option<StateArg>,
    /// Only tokens of this service
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Only tokens with this scope
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Case-insensitive match on name, description, service and hint
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only active tokens that expire within this many days
    #[arg(long, value_name = "DAYS")]
    pub expiring: Option<u32>,
    /// Only active tokens not used (revealed, copied, verified) for this long, e.g. 90d; a token
    /// never used counts from its creation
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub unused_for: Option<u32>,
    /// Sort order
    #[arg(long, value_enum, default_value = "name")]
    pub sort: SortArg,
    /// Sort descending
    #[arg(long)]
    pub desc: bool,
}

/// A number of days (`90` or `90d`), read by the core, whose error `tok` reports as it reports
/// every core error.
fn parse_days(text: &str) -> Result<u32, tokenkeeper_core::Error> {
    tokenkeeper_core::parse_days(text)
}

/// Reminder thresholds as `--reminders` gives them: one value holding the whole list.
#[derive(Debug, Clone)]
pub struct ReminderDays(pub Vec<u32>);

/// Reminder thresholds (`30,7,1,0`), read and checked by the core.
fn parse_reminder_days(text: &str) -> Result<ReminderDays, tokenkeeper_core::Error> {
    tokenkeeper_core::parse_reminder_days(text).map(ReminderDays)
}

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Print what would be sent, and send and record nothing
    #[arg(long, conflicts_with_all = ["install", "uninstall"])]
    pub dry_run: bool,
    /// Run `tok remind` daily and at login: a per-user systemd timer
    /// (~/.config/systemd/user/tokenkeeper-remind.timer), enabled when a user manager runs
    #[arg(long, conflicts_with = "uninstall")]
    pub install: bool,
    /// Disable and remove what --install set up
    #[arg(long)]
    pub uninstall: bool,
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Expiry reminders, in days before expiry, comma-separated (0: when it expires; up to 10,
    /// each 0-365; "none" for no reminders), e.g. 30,7,1,0
    #[arg(long, value_name = "DAYS,...", value_parser = parse_reminder_days)]
    pub reminders: Option<ReminderDays>,
    /// A token unused for this long counts as stale (1-3650 days), e.g. 90d
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub stale_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Token name or id
    #[arg(value_name = "NAME|ID")]
    pub which: String,
    /// New name
    #[arg(long = "name", value_name = "NEW")]
    pub new_name: Option<String>,
    /// New description
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// New service
    #[arg(long, value_name = "SERVICE", conflicts_with = "no_service")]
    pub service: Option<String>,
    /// Remove the service
    #[arg(long)]
    pub no_service: bool,
    /// Replace the scopes with these (repeat the flag, or separate with commas)
    #[arg(
        long = "scope",
        value_name = "SCOPE",
        value_delimiter = ',',
        conflicts_with = "clear_scopes"
    )]
    pub scopes: Vec<String>,
    /// Remove every scope
    #[arg(long)]
    pub clear_scopes: bool,
    /// New expiry: 30d, 2027-01-31, an RFC 3339 time, or never
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// VAR=NAME: put token NAME's secret in the command's environment as VAR (repeatable; wins
    /// over the same VAR in an --env-file)
    #[arg(
        long = "env",
        value_name = "VAR=NAME",
        required_unless_present = "env_file"
    )]
    pub env: Vec<String>,
    /// A dotenv file: values that are tok://NAME references become the secrets, other lines are
    /// passed as they are (repeatable; a later file wins)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Let the command's output through unchanged (by default every secret it prints is
    /// replaced by <concealed by tok>); the command then writes to the terminal itself
    #[arg(long)]
    pub no_masking: bool,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// The template: any text file with {{ tok://NAME }} where each secret goes
    #[arg(short = 'i', long = "in-file", value_name = "TEMPLATE")]
    pub input: PathBuf,
    /// The file to write (replaced atomically, readable only by you); without it, print on
    /// stdout
    #[arg(short = 'o', long = "out-file", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Add a team member by the member key their `tok whoami` shows (tkmember1_...)
    #[command(after_help = EXIT_CODES)]
    Add {
        /// A name for them, unique in your team (without case)
        #[arg(value_name = "NAME")]
        name: String,
        /// Their member key, as their `tok whoami` or Settings shows it
        #[arg(value_name = "MEMBER-KEY")]
        member_key: String,
    },
    /// List team members with their fingerprints
    #[command(after_help = EXIT_CODES)]
    List,
    /// Remove a team member: their files are no longer trusted, and team exports leave them out
    #[command(after_help = EXIT_CODES)]
    Remove {
        /// The member's name
        #[arg(value_name = "NAME")]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The vault file to write (replaced whole if it exists; readable only by you)
    #[arg(short = 'o', long = "output", value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// Encrypt to this age public key (age1..., from the team mate's `tok whoami`); repeatable.
    /// Without --to or --to-self the file is protected by a passphrase
    #[arg(
        long = "to",
        value_name = "AGE1...",
        conflicts_with = "passphrase_stdin"
    )]
    pub to: Vec<String>,
    /// Encrypt to this install's own public key too (alone: a backup only you can open)
    #[arg(long, conflicts_with = "passphrase_stdin")]
    pub to_self: bool,
    /// Encrypt to every team member (`tok team list`) and to yourself
    #[arg(long, conflicts_with_all = ["passphrase_stdin", "to", "to_self"])]
    pub team: bool,
    /// Read the passphrase from stdin (all of it, minus one trailing newline) instead of a
    /// hidden prompt with confirmation
    #[arg(long)]
    pub passphrase_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The vault file to merge
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Only show what would change; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Read the passphrase of a passphrase-protected file from stdin instead of a hidden prompt
    #[arg(long)]
    pub passphrase_stdin: bool,
    /// Open a file encrypted to this age identity file (from age-keygen) instead of this
    /// install's own key
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// For tokens both sides edited since the last merge, take theirs (default: keep yours)
    #[arg(long)]
    pub take_theirs: bool,
    /// Trust the file's signer when it is not a team member yet: the fingerprint the preview
    /// shows (asked on a terminal; required in scripts). The signer becomes a team member
    #[arg(long, value_name = "FINGERPRINT")]
    pub trust_signer: Option<String>,
    /// Apply deletions and replaced secrets the preview lists without asking (required for
    /// them when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}
