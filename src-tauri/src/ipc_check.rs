//! The window's commands agree everywhere they are named: the page's `api.js` calls, and the
//! capability grants, name exactly the commands of the one list (`command_list.rs`).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::command_list::COMMAND_NAMES;

/// The permission set build.rs writes from the list; the capability grants it.
const COMMAND_SET: &str = "app-commands";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn listed() -> BTreeSet<String> {
    COMMAND_NAMES.iter().map(|c| c.to_string()).collect()
}

/// Every string literal that follows `marker` in `text`, e.g. the `x` of each `call("x"`.
fn quoted_after(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

/// The commands `api.js` invokes: the first argument of each `call("...")`.
fn api_js_commands() -> BTreeSet<String> {
    quoted_after(&read(&repo("ui/js/api.js")), "call(\"")
        .into_iter()
        .collect()
}

/// The commands a permission identifier allows: `allow-<command>` one, the set every one in it.
fn allowed_by(identifier: &str) -> Result<Vec<String>, String> {
    if identifier == COMMAND_SET {
        let set = read(&repo("permissions/app-commands.toml"));
        let body = set
            .split_once("permissions = [")
            .map(|(_, rest)| rest)
            .ok_or("permissions/app-commands.toml has no `permissions = [` list")?;
        return quoted_after(body, "\"allow-")
            .into_iter()
            .map(|slug| Ok(slug.replace('-', "_")))
            .collect();
    }
    match identifier.strip_prefix("allow-") {
        Some(slug) if !slug.contains(':') => Ok(vec![slug.replace('-', "_")]),
        _ => Err(format!(
            "grants `{identifier}`, which is none of the app's own commands; the window may \
             call those and nothing else"
        )),
    }
}

/// The commands each capability file grants, by file.
fn granted() -> Vec<(String, BTreeSet<String>)> {
    let dir = repo("capabilities");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("capabilities entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "capabilities/ has no capability file");
    files
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let json: serde_json::Value = serde_json::from_str(&read(path))
                .unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
            let permissions = json["permissions"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} has no permissions array"));
            let mut commands = BTreeSet::new();
            for permission in permissions {
                let identifier = permission
                    .as_str()
                    .or_else(|| permission["identifier"].as_str())
                    .unwrap_or_else(|| panic!("{name}: a permission without identifier"));
                let allowed = allowed_by(identifier).unwrap_or_else(|e| panic!("{name} {e}"));
                commands.extend(allowed);
            }
            (name, commands)
        })
        .collect()
}

/// What `named` has that the list lacks, and what it misses, in words; empty when they agree.
fn disagreement(what: &str, named: &BTreeSet<String>) -> Vec<String> {
    let listed = listed();
    let mut problems = Vec::new();
    for extra in named.difference(&listed) {
        problems.push(format!(
            "{what} names `{extra}`, which src-tauri/src/command_list.rs does not list"
        ));
    }
    for missing in listed.difference(named) {
        problems.push(format!(
            "{what} misses `{missing}`, which src-tauri/src/command_list.rs lists"
        ));
    }
    problems
}

#[test]
fn the_list_names_each_command_once() {
    assert_eq!(
        listed().len(),
        COMMAND_NAMES.len(),
        "a command is listed twice"
    );
    assert!(COMMAND_NAMES.len() > 20, "the list lost its commands");
}

#[test]
fn api_js_calls_exactly_the_listed_commands() {
    let problems = disagreement("ui/js/api.js", &api_js_commands());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn capabilities_grant_exactly_the_listed_commands() {
    let mut problems = Vec::new();
    for (file, commands) in granted() {
        problems.extend(disagreement(&file, &commands));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// tauri-build writes one `allow-`/`deny-` file per listed command; build.rs removes the files of
/// commands taken off the list, so no stale permission stays valid.
#[test]
fn generated_permissions_follow_the_list() {
    let dir = repo("permissions/autogenerated");
    let files: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.expect("permission entry").path();
            let stem = path.file_stem()?.to_str()?.to_string();
            path.extension()
                .is_some_and(|e| e == "toml")
                .then_some(stem)
        })
        .collect();
    let problems = disagreement("permissions/autogenerated/", &files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checks above must be able to fail: a stray call and a missing grant are both reported.
#[test]
fn a_disagreement_is_reported_both_ways() {
    let mut named = listed();
    let dropped = named.pop_first().expect("a listed command");
    named.insert("not_a_command".into());
    let problems = disagreement("test", &named);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("names `not_a_command`"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains(&format!("misses `{dropped}`")),
        "{problems:?}"
    );
    assert!(allowed_by("clipboard-manager:allow-write-text").is_err());
}
