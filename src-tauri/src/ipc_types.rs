//! The types that cross IPC are written once, in Rust: this test derives their TypeScript
//! declarations (ts-rs: `derive(TS)` on the command payloads here and, behind the core's `ts`
//! feature, on the core types) into `ui/js/types/`, where tsc checks the page's JavaScript
//! against them (`tools/typecheck`, run by scripts/test). The files are checked in, and the test
//! fails when one is stale, missing or left over. `Command.d.ts` names the commands of the list,
//! the only names `call` in api.js accepts. To write them again:
//!
//! ```text
//! TOKENKEEPER_WRITE_TYPES=1 cargo test -p tokenkeeper --lib ipc_types
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tokenkeeper_core::intake::IntakePlan;
use tokenkeeper_core::{
    DashboardPage, ExportSummary, FileProtection, GenerateRequest, Grace, ListQuery, Member,
    MergePlan, MergeReport, NewToken, ScanReport, Service, Settings, Strength, Token, TokenDetails,
};
use ts_rs::{Config, TS};

use crate::command_list::COMMAND_NAMES;
use crate::commands::calendar::CalendarWritten;
use crate::commands::chooser::ChooserPurpose;
use crate::commands::intake::{IntakeApplied, IntakeKind};
use crate::commands::settings::About;
use crate::commands::team::MyMemberKey;
use crate::commands::tokens::{EditInput, ShownOnce};
use crate::commands::vault_file::{ExportTo, Progress};

/// Set to write `ui/js/types/` instead of checking it.
const WRITE_VAR: &str = "TOKENKEEPER_WRITE_TYPES";
const REGENERATE: &str = "TOKENKEEPER_WRITE_TYPES=1 cargo test -p tokenkeeper --lib ipc_types";

/// Writes the declaration of every type a command takes or returns, and of the types in them.
/// Counts (u64) cross as JSON numbers, so they are `number`, not ts-rs's default `bigint`.
fn export(dir: &Path) -> Result<(), ts_rs::ExportError> {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    macro_rules! export_all {
        ($($ty:ty),* $(,)?) => { $( <$ty as TS>::export_all(&cfg)?; )* };
    }
    // `preview_import` and `trust_signer` send a MergePlan (MergePlanView is its JSON);
    // `preview_intake` an IntakePlan (IntakePlanView).
    export_all!(
        About,
        CalendarWritten,
        ChooserPurpose,
        DashboardPage,
        EditInput,
        ExportSummary,
        ExportTo,
        FileProtection,
        GenerateRequest,
        Grace,
        IntakeApplied,
        IntakeKind,
        IntakePlan,
        ListQuery,
        Member,
        MergePlan,
        MergeReport,
        MyMemberKey,
        NewToken,
        Progress,
        ScanReport,
        Service,
        Settings,
        ShownOnce,
        Strength,
        Token,
        TokenDetails,
    );
    Ok(())
}

fn types_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/js/types")
}

/// `<Type>.d.ts` → content, of the files in `dir` ending in `suffix`.
fn files(dir: &Path, suffix: &str) -> BTreeMap<String, String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("directory entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let stem = name.strip_suffix(suffix)?;
            let text = fs::read_to_string(&path).expect("read a declaration");
            Some((format!("{stem}.d.ts"), text))
        })
        .collect()
}

/// The declarations as the Rust types say today. ts-rs writes `<Type>.ts`; they are kept as
/// `<Type>.d.ts`, declarations only, which the page's JSDoc imports as `./types/<Type>`, each
/// saying where it comes from.
fn generated() -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    export(dir.path()).expect("export the TypeScript declarations");
    let mut declarations: BTreeMap<String, String> = files(dir.path(), ".ts")
        .into_iter()
        .map(|(name, text)| {
            let origin =
                format!("// From the Rust type of the same name. Regenerate: {REGENERATE}\n");
            (name, origin + &text)
        })
        .collect();
    declarations.insert("Command.d.ts".into(), command_names());
    declarations
}

/// `Command`: the name of every command of the list, the only names api.js's `call` takes.
fn command_names() -> String {
    let names: Vec<String> = COMMAND_NAMES.iter().map(|c| format!("\"{c}\"")).collect();
    format!(
        "// From src-tauri/src/command_list.rs. Regenerate: {REGENERATE}\n\n\
         /**\n * A command of the window: the one list in src-tauri/src/command_list.rs.\n */\n\
         export type Command = {};\n",
        names.join(" | ")
    )
}

#[test]
fn typescript_declarations_are_fresh() {
    let want = generated();
    assert!(want.contains_key("Token.d.ts"), "{:?}", want.keys());
    let dir = types_dir();
    if std::env::var_os(WRITE_VAR).is_some() {
        fs::create_dir_all(&dir).expect("create ui/js/types");
        for stale in files(&dir, ".d.ts")
            .keys()
            .filter(|k| !want.contains_key(*k))
        {
            fs::remove_file(dir.join(stale)).expect("remove a stale declaration");
        }
        for (name, text) in &want {
            fs::write(dir.join(name), text).expect("write a declaration");
        }
        return;
    }
    let have = files(&dir, ".d.ts");
    let mut problems = Vec::new();
    for (name, text) in &want {
        match have.get(name) {
            None => problems.push(format!("ui/js/types/{name} is missing")),
            Some(old) if old != text => problems.push(format!("ui/js/types/{name} is stale")),
            Some(_) => {}
        }
    }
    for name in have.keys().filter(|k| !want.contains_key(*k)) {
        problems.push(format!("ui/js/types/{name} belongs to no IPC type"));
    }
    assert!(
        problems.is_empty(),
        "{}\nThe Rust types changed; write the declarations again with `{REGENERATE}`, then \
         check the page with tsc (scripts/test does)",
        problems.join("\n")
    );
}
