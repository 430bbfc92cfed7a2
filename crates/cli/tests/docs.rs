//! `tok completions` and `tok man`: generated from tok's own definitions, and read back by the
//! real bash, zsh and man, as a user's shell and pager would.

use std::path::Path;
use std::process::Command;

use crate::util::*;

/// The commands `tok --help` lists (its "Commands:" section), so the checks follow the CLI.
fn commands(tok: &Tok) -> Vec<String> {
    let help = tok.run(&["--help"]).ok().stdout;
    let section = help
        .split("Commands:")
        .nth(1)
        .expect("tok --help lists its commands");
    section
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// What bash completes for the words typed so far, through the script `tok completions bash`
/// printed, loaded as a user's ~/.bashrc would.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    // Quoted, so the empty word being typed stays a word.
    let words = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    read_back(
        Command::new("bash")
            .args(["--norc", "--noprofile", "-c"])
            .arg(format!(
                r#"source "$0"
fn=$(complete -p tok | sed -n 's/.*-F \([^ ]*\).*/\1/p')
[ -n "$fn" ] || {{ echo "tok has no completion function" >&2; exit 1; }}
COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
"$fn" tok "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
            ))
            .arg(script),
        "bash could not use the script",
    )
    .lines()
    .map(str::to_string)
    .collect()
}

#[test]
fn bash_completes_every_command_and_a_commands_flags() {
    let tok = Tok::new();
    let script = tok.home.path().join("tok.bash");
    std::fs::write(&script, tok.run(&["completions", "bash"]).ok().stdout).unwrap();

    let offered = bash_completes(&script, &["tok", ""]);
    let commands = commands(&tok);
    assert!(commands.len() >= 15, "tok --help lists {commands:?}");
    for c in &commands {
        assert!(
            offered.contains(c),
            "bash does not offer `{c}`: {offered:?}"
        );
    }
    assert_eq!(bash_completes(&script, &["tok", "gen"]), ["generate"]);
    let flags = bash_completes(&script, &["tok", "generate", "--"]);
    for flag in ["--keep", "--expires", "--scope", "--service", "--json"] {
        assert!(flags.contains(&flag.to_string()), "no {flag} in {flags:?}");
    }
    // Values clap knows are completed too.
    let states = bash_completes(&script, &["tok", "list", "--state", ""]);
    assert!(states.contains(&"disabled".to_string()), "{states:?}");
}

#[test]
fn zsh_and_fish_scripts_name_every_command_and_zsh_parses_its_own() {
    let tok = Tok::new();
    let commands = commands(&tok);
    let zsh = tok.run(&["completions", "zsh"]).ok().stdout;
    assert!(
        zsh.starts_with("#compdef tok"),
        "{}",
        &zsh[..zsh.len().min(80)]
    );
    let file = tok.home.path().join("_tok");
    std::fs::write(&file, &zsh).unwrap();
    read_back(
        Command::new("zsh").arg("-n").arg(&file),
        "zsh -n refuses the script",
    );
    let fish = tok.run(&["completions", "fish"]).ok().stdout;
    for c in &commands {
        assert!(zsh.contains(&format!("'{c}:")), "zsh script lacks `{c}`");
        assert!(
            fish.contains(&format!("-a \"{c}\"")),
            "fish script lacks `{c}`"
        );
    }
}

/// The page as `man` shows it, plain text.
fn man_text(page: &Path) -> String {
    let raw = read_back(
        Command::new("man")
            .arg("-l")
            .arg(page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .env("MAN_KEEP_FORMATTING", "0")
            .env("LANG", "C.UTF-8"),
        &format!("man could not render {}", page.display()),
    );
    // Plain text: drop the overstrike bold and underline some pagers leave.
    let mut text = String::new();
    for c in raw.chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    text
}

#[test]
fn man_renders_tok_and_one_page_per_command_with_its_flags() {
    let tok = Tok::new();
    let page = tok.home.path().join("printed.1");
    std::fs::write(&page, tok.run(&["man"]).ok().stdout).unwrap();
    let main = man_text(&page);
    assert!(main.contains("tok - Tokenkeeper"), "{main}");
    for c in commands(&tok) {
        assert!(
            main.contains(&format!("tok-{c}(1)")),
            "tok(1) does not point at tok-{c}(1)"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    tok.run(&["man", "--out-dir", dir.path().to_str().unwrap()])
        .ok();
    for c in commands(&tok) {
        assert!(
            dir.path().join(format!("tok-{c}.1")).is_file(),
            "no tok-{c}.1"
        );
    }
    let generate = man_text(&dir.path().join("tok-generate.1"));
    for flag in ["--keep", "--expires", "--scope"] {
        assert!(
            generate.contains(flag),
            "tok-generate(1) lacks {flag}: {generate}"
        );
    }
    assert!(
        dir.path().join("tok-team-add.1").is_file(),
        "nested commands get pages too"
    );
}

#[test]
fn a_bad_out_dir_or_shell_is_refused_and_writes_nothing() {
    let tok = Tok::new();
    let missing = tok.home.path().join("no such dir");
    tok.run(&["man", "--out-dir", missing.to_str().unwrap()])
        .fails(2, "not an existing directory");
    assert!(!missing.exists(), "a mistyped --out-dir is not created");

    let file = tok.home.path().join("a file");
    std::fs::write(&file, "mine").unwrap();
    tok.run(&["man", "--out-dir", file.to_str().unwrap()])
        .fails(2, "create it first");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");

    let out = tok.run(&["completions", "tcsh"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty(), "no half a script: {:?}", out.stdout);
    assert!(
        out.stderr.contains("possible values: bash"),
        "{}",
        out.stderr
    );
}
