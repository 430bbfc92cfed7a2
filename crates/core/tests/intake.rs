//! Taking keys in from a .env file, a Bitwarden export and a CSV file through one plan: what a
//! preview shows, what apply stores (all or nothing), keys already held not stored twice, the
//! .env rewrite, and hostile files that change nothing. KeePassXC's exports are tested in the
//! CLI's tests, against files the real keepassxc-cli makes.

use std::path::{Path, PathBuf};

use tokenkeeper_core::intake::{
    self, csv::ColumnMap, env, ExportFormat, IntakeAction, IntakeSource,
};
use tokenkeeper_core::*;

use crate::util::*;

const GITHUB: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const STRIPE: &str = "sk_live_51HabcdefghijklmnopQRSTUV";
const PLAIN: &str = "s3cr3t-value-without-a-format";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn plan_env(
    v: &Vault,
    path: &Path,
    prefix: Option<&str>,
) -> (dotenv::DotenvFile, intake::IntakePlan) {
    let (file, rows) = env::read(path, prefix).unwrap();
    let plan = v.plan_intake(IntakeSource::Dotenv, rows).unwrap();
    (file, plan)
}

fn actions(plan: &intake::IntakePlan) -> Vec<(usize, String, IntakeAction)> {
    plan.rows
        .iter()
        .map(|r| (r.line, r.name.clone(), r.action))
        .collect()
}

fn reveal(v: &mut Vault, name: &str) -> String {
    v.reveal(name, Access::Revealed)
        .unwrap()
        .expose_secret()
        .to_string()
}

#[test]
fn a_dotenv_file_becomes_kept_keys_with_their_services() {
    let mut m = mem_vault();
    let path = write(
        m.dir.path(),
        ".env",
        &format!(
            "# app settings\nexport GITHUB_TOKEN={GITHUB}\nSTRIPE_KEY=\"{STRIPE}\" # live\n\
             OTHER='{PLAIN}'\nEMPTY=\nREF=tok://SOMETHING\n"
        ),
    );
    let (_, plan) = plan_env(&m.vault, &path, None);
    assert_eq!(
        actions(&plan),
        vec![
            (2, "GITHUB_TOKEN".into(), IntakeAction::New),
            (3, "STRIPE_KEY".into(), IntakeAction::New),
            (4, "OTHER".into(), IntakeAction::New),
            (5, "EMPTY".into(), IntakeAction::Skipped),
            (6, "REF".into(), IntakeAction::Skipped),
        ]
    );
    let services: Vec<Option<&str>> = plan.rows.iter().map(|r| r.service.as_deref()).collect();
    assert_eq!(services[..3], [Some("GitHub"), Some("Stripe"), None]);
    let preview = serde_json::to_string(&plan).unwrap();
    for key in [GITHUB, STRIPE, PLAIN] {
        assert!(!preview.contains(key), "the preview never holds a key");
    }

    let report = m.vault.apply_intake(plan).unwrap();
    assert_eq!((report.counts.new, report.counts.skipped), (3, 2));
    assert_eq!(reveal(&mut m.vault, "GITHUB_TOKEN"), GITHUB);
    assert_eq!(reveal(&mut m.vault, "STRIPE_KEY"), STRIPE);
    assert_eq!(reveal(&mut m.vault, "OTHER"), PLAIN);
    let shown = m.vault.show("STRIPE_KEY").unwrap();
    assert_eq!(shown.token.service.as_deref(), Some("Stripe"));
    assert_eq!(shown.token.origin, Origin::Imported);
    assert!(shown.events.iter().any(|e| e.kind == EventKind::Imported
        && e.detail.as_deref() == Some("imported from a .env file")));
}

#[test]
fn keys_already_held_are_reported_and_not_stored_twice() {
    let mut m = mem_vault();
    m.vault.import(import_req("github", GITHUB)).unwrap();
    let path = write(
        m.dir.path(),
        ".env",
        &format!("A={GITHUB}\nB={PLAIN}\nC={PLAIN}\n"),
    );
    let (file, plan) = plan_env(&m.vault, &path, Some("app"));
    assert_eq!(
        actions(&plan),
        vec![
            (1, "app_A".into(), IntakeAction::Held),
            (2, "app_B".into(), IntakeAction::New),
            (3, "app_C".into(), IntakeAction::Held),
        ]
    );
    assert_eq!(plan.rows[0].held_by.as_deref(), Some("github"));
    assert_eq!(plan.rows[2].held_by.as_deref(), Some("app_B"));
    let report = m.vault.apply_intake(plan).unwrap();
    assert_eq!((report.counts.new, report.counts.held), (1, 2));
    assert_eq!(m.vault.list(&ListQuery::default()).unwrap().len(), 2);
    let kept: Vec<String> = m
        .secrets
        .accounts()
        .into_iter()
        .filter(|a| a != FINGERPRINT_KEY_ACCOUNT)
        .collect();
    assert_eq!(kept.len(), 2, "one secret per key: {kept:?}");

    // The rewrite points each line at the key that keeps it, the held one included.
    let n = env::rewrite(&path, &file, &report).unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "A=tok://github\nB=tok://app_B\nC=tok://app_B\n"
    );
}

#[test]
fn a_name_clash_or_a_bad_row_refuses_the_whole_import_by_line() {
    let mut m = mem_vault();
    m.vault
        .import(import_req("TOKEN", "some-other-key-0123456789"))
        .unwrap();
    let before = snapshot(&m.vault);
    let accounts = m.secrets.accounts();
    let path = write(
        m.dir.path(),
        ".env",
        &format!("GOOD={GITHUB}\nTOKEN={PLAIN}\nSPACED=\"two words\"\nGOOD={STRIPE}\n"),
    );
    let (_, plan) = plan_env(&m.vault, &path, None);
    assert_eq!(
        plan.rows.iter().map(|r| r.action).collect::<Vec<_>>(),
        vec![
            IntakeAction::New,
            IntakeAction::NameTaken,
            IntakeAction::Bad,
            IntakeAction::Bad
        ]
    );
    assert!(!plan.can_apply());
    let reasons: Vec<&str> = plan
        .rows
        .iter()
        .filter_map(|r| r.reason.as_deref())
        .collect();
    assert!(reasons[0].contains("--prefix"), "{}", reasons[0]);
    assert!(reasons[1].contains("whitespace"), "{}", reasons[1]);
    assert!(reasons[2].contains("line 1"), "{}", reasons[2]);

    let err = m.vault.apply_intake(plan).unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    let message = err.to_string();
    for needle in ["line 2", "line 3", "line 4", "nothing was imported"] {
        assert!(message.contains(needle), "{message}");
    }
    for key in [GITHUB, PLAIN, STRIPE, "two words"] {
        assert!(!message.contains(key), "{message}");
    }
    assert_eq!(snapshot(&m.vault), before, "nothing changed");
    assert_eq!(
        m.secrets.accounts(),
        accounts,
        "nothing reached the keychain"
    );
}

#[test]
fn apply_checks_again_under_the_lock() {
    let mut m = mem_vault();
    let path = write(m.dir.path(), ".env", &format!("A={PLAIN}\nB={GITHUB}\n"));
    let (_, plan) = plan_env(&m.vault, &path, None);
    assert!(plan.can_apply());
    // Meanwhile another window takes the name A.
    m.vault
        .import(import_req("a", "another-key-0123456789abc"))
        .unwrap();
    let before = snapshot(&m.vault);
    let err = m.vault.apply_intake(plan).unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
    assert_eq!(snapshot(&m.vault), before);
}

#[test]
fn a_keychain_that_fails_mid_apply_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = std::sync::Arc::new(MemoryStore::new());
    let faults = FaultPlan::new();
    let mut v = open_faulty(dir.path(), &secrets, &faults);
    let path = write(
        dir.path(),
        "x.env",
        &format!("A={PLAIN}\nB={GITHUB}\nC={STRIPE}\n"),
    );
    let (_, plan) = plan_env(&v, &path, None);
    // Let the fingerprint key and the first secret through, then the keychain goes away.
    let calls = faults.calls();
    faults.fail(calls + 3, usize::MAX);
    let err = v.apply_intake(plan).unwrap_err();
    assert_eq!(err.kind(), "keychain_unavailable");
    faults.fail(0, 0);
    let v = open_faulty(dir.path(), &secrets, &faults);
    assert!(v.list(&ListQuery::default()).unwrap().is_empty());
    let left: Vec<String> = secrets
        .accounts()
        .into_iter()
        .filter(|a| a != FINGERPRINT_KEY_ACCOUNT)
        .collect();
    assert!(left.is_empty(), "no secret stays behind: {left:?}");
}

#[test]
fn the_rewrite_keeps_comments_and_permissions_and_is_safe_to_repeat() {
    use std::os::unix::fs::PermissionsExt;
    let mut m = mem_vault();
    let text = format!(
        "# keep me\nexport GITHUB_TOKEN=\"{GITHUB}\"   # the bot\n\nEMPTY=\nPLAIN={PLAIN}\n"
    );
    let path = write(m.dir.path(), ".env", &text);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (file, plan) = plan_env(&m.vault, &path, None);
    let report = m.vault.apply_intake(plan).unwrap();
    assert_eq!(env::rewrite(&path, &file, &report).unwrap(), 2);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# keep me\nexport GITHUB_TOKEN=tok://GITHUB_TOKEN   # the bot\n\nEMPTY=\nPLAIN=tok://PLAIN\n"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(m.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    // Importing the rewritten file again finds only references: nothing to do.
    let (_, again) = plan_env(&m.vault, &path, None);
    assert_eq!(again.counts.new + again.counts.held, 0);
    assert_eq!(again.counts.skipped, 3);
}

#[test]
fn the_rewrite_refuses_a_file_that_changed_since_it_was_read() {
    let mut m = mem_vault();
    let path = write(m.dir.path(), ".env", &format!("A={PLAIN}\n"));
    let (file, plan) = plan_env(&m.vault, &path, None);
    let report = m.vault.apply_intake(plan).unwrap();
    std::fs::write(&path, format!("A={PLAIN}\nB=new\n")).unwrap();
    let err = env::rewrite(&path, &file, &report).unwrap_err();
    assert!(err.to_string().contains("changed while"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("A={PLAIN}\nB=new\n")
    );
}

#[test]
fn hostile_dotenv_files_are_refused_by_line_and_change_nothing() {
    let m = mem_vault();
    let before = snapshot(&m.vault);
    let long_name = format!("{}=x-0123456789\n", "K".repeat(120));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("huge", vec![b'#'; 2 * 1024 * 1024], "at most 1048576 bytes"),
        ("binary", b"A=1\n\x00\x01\x02\xff".to_vec(), "line 2"),
        (
            "not utf-8",
            b"A=1\nB=\xff\xfe\n".to_vec(),
            "line 2 is not UTF-8",
        ),
        ("bad quote", b"A=1\nB=\"open\nC=2\n".to_vec(), "line 2"),
        (
            "not an entry",
            b"A=1\nthis is prose\n".to_vec(),
            "line 2 is not KEY=value",
        ),
    ];
    for (what, bytes, needle) in cases {
        let path = m.dir.path().join(format!("{what}.env"));
        std::fs::write(&path, &bytes).unwrap();
        let err = env::read(&path, None).unwrap_err();
        assert_eq!(err.kind(), "invalid_input", "{what}");
        let message = err.to_string();
        assert!(message.contains(needle), "{what}: {message}");
        assert!(
            message.contains(&path.display().to_string()),
            "{what}: {message}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{what}: the file is unchanged"
        );
    }
    // A key whose name breaks the rules (over 100 characters) is a refused row naming its line.
    let path = write(
        m.dir.path(),
        "long.env",
        &format!("OK={PLAIN}\n{long_name}"),
    );
    let (_, plan) = plan_env(&m.vault, &path, None);
    let bad = plan.refused_rows().next().unwrap();
    assert_eq!(bad.line, 2);
    assert!(bad.reason.as_deref().unwrap().contains("too long"));
    assert_eq!(snapshot(&m.vault), before);
}

fn bitwarden_export() -> String {
    // The shape of Bitwarden's unencrypted .json export (its "Condition a Bitwarden .csv or
    // .json" help page): folders, and items of type 1 (login), 2 (secure note), 3 (card).
    format!(
        r#"{{
  "encrypted": false,
  "folders": [{{ "id": "f1", "name": "Work" }}],
  "items": [
    {{
      "id": "i1", "organizationId": null, "folderId": "f1", "type": 1, "reprompt": 0,
      "name": "GitHub", "notes": null, "favorite": false,
      "login": {{ "uris": [{{ "match": null, "uri": "https://github.com/login" }}],
                  "username": "octo", "password": "{GITHUB}", "totp": null }},
      "collectionIds": null
    }},
    {{
      "id": "i2", "organizationId": null, "folderId": null, "type": 1, "reprompt": 0,
      "name": "GitHub", "notes": null, "favorite": false,
      "login": {{ "uris": [], "username": "me", "password": "{PLAIN}", "totp": null }},
      "collectionIds": null
    }},
    {{
      "id": "i3", "organizationId": null, "folderId": null, "type": 1, "reprompt": 0,
      "name": "Internal API", "notes": null, "favorite": false,
      "login": {{ "uris": [{{ "match": null, "uri": "https://api.internal.example:8443/v1" }}],
                  "username": null, "password": "internal-key-0123456789", "totp": null }},
      "collectionIds": null
    }},
    {{ "id": "i4", "type": 2, "name": "A note", "notes": "hello", "secureNote": {{ "type": 0 }} }},
    {{ "id": "i5", "type": 3, "name": "Visa", "card": {{ "number": "4111111111111111" }} }},
    {{ "id": "i6", "type": 1, "name": "No password", "login": {{ "username": "x", "password": null }} }}
  ]
}}"#
    )
}

#[test]
fn a_bitwarden_export_brings_its_logins() {
    let mut m = mem_vault();
    let path = write(m.dir.path(), "bw.json", &bitwarden_export());
    let rows = intake::read_export(&ExportFormat::Bitwarden, &path, None).unwrap();
    let plan = m.vault.plan_intake(IntakeSource::Bitwarden, rows).unwrap();
    let got: Vec<(usize, &str, Option<&str>, IntakeAction)> = plan
        .rows
        .iter()
        .map(|r| (r.line, r.name.as_str(), r.service.as_deref(), r.action))
        .collect();
    assert_eq!(
        got,
        vec![
            (5, "Work/GitHub", Some("GitHub"), IntakeAction::New),
            // Same title, no folder: it keeps the title; the other one was qualified.
            (12, "GitHub", None, IntakeAction::New),
            (
                18,
                "Internal API",
                Some("api.internal.example"),
                IntakeAction::New
            ),
            (25, "A note", None, IntakeAction::Skipped),
            (26, "Visa", None, IntakeAction::Skipped),
            (27, "No password", None, IntakeAction::Skipped),
        ]
    );
    m.vault.apply_intake(plan).unwrap();
    assert_eq!(reveal(&mut m.vault, "Work/GitHub"), GITHUB);
    let d = m.vault.show("Work/GitHub").unwrap();
    assert!(
        d.token.description.contains("folder Work"),
        "{}",
        d.token.description
    );
    assert!(d.token.description.contains("user octo"));
}

#[test]
fn an_encrypted_or_foreign_json_file_is_refused() {
    let m = mem_vault();
    for (text, needle) in [
        (
            r#"{"encrypted": true, "items": []}"#,
            "encrypted Bitwarden export",
        ),
        (r#"{"folders": []}"#, "no \"items\""),
        ("[1, 2", "not a Bitwarden JSON export"),
        (r#"{"items": [{"type": "x"}]}"#, "line 1"),
    ] {
        let path = write(m.dir.path(), "x.json", text);
        let err = intake::read_export(&ExportFormat::Bitwarden, &path, None).unwrap_err();
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
}

#[test]
fn a_csv_file_with_a_column_mapping() {
    let mut m = mem_vault();
    let path = write(
        m.dir.path(),
        "keys.csv",
        &format!(
            "Title,Password,URL,Notes\n\
             deploy,{PLAIN},https://ci.example.com,\"the deploy key,\nfor CI\"\n\
             stripe,{STRIPE},,\n\
             empty,,,\n"
        ),
    );
    let map =
        ColumnMap::parse("name=Title, secret=Password, service=URL, description=Notes").unwrap();
    let rows = intake::read_export(&ExportFormat::Csv(map), &path, Some("ci")).unwrap();
    let plan = m.vault.plan_intake(IntakeSource::Csv, rows).unwrap();
    let got: Vec<(usize, &str, Option<&str>, IntakeAction)> = plan
        .rows
        .iter()
        .map(|r| (r.line, r.name.as_str(), r.service.as_deref(), r.action))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, "ci_deploy", Some("ci.example.com"), IntakeAction::New),
            (4, "ci_stripe", Some("Stripe"), IntakeAction::New),
            (5, "ci_empty", None, IntakeAction::Skipped),
        ]
    );
    m.vault.apply_intake(plan).unwrap();
    assert_eq!(reveal(&mut m.vault, "ci_deploy"), PLAIN);
    assert_eq!(
        m.vault.show("ci_deploy").unwrap().token.description,
        "the deploy key,\nfor CI"
    );
}

#[test]
fn csv_mappings_and_files_that_do_not_fit_are_refused_clearly() {
    let m = mem_vault();
    for (map, needle) in [
        ("name=Title", "both name= and secret= are required"),
        (
            "name=Title,secret=Password,colour=Red",
            "'colour' is not a field",
        ),
        ("name=Title,name=Other,secret=P", "name is mapped twice"),
        ("Title", "is not field=Column"),
    ] {
        let err = ColumnMap::parse(map).unwrap_err();
        assert!(err.to_string().contains(needle), "{map}: {err}");
    }
    let path = write(m.dir.path(), "k.csv", "Title,Password\na,b\n");
    let map = ColumnMap::parse("name=Title,secret=Secret").unwrap();
    let err = intake::read_export(&ExportFormat::Csv(map), &path, None).unwrap_err();
    assert!(
        err.to_string()
            .contains("has no column 'Secret'; its columns are 'Title', 'Password'"),
        "{err}"
    );
    let path = write(m.dir.path(), "k.csv", "Title,Password\na,b\nc,d,e\n");
    let map = ColumnMap::parse("name=Title,secret=Password").unwrap();
    let err = intake::read_export(&ExportFormat::Csv(map), &path, None).unwrap_err();
    assert!(err.to_string().contains("line 3: has 3 fields"), "{err}");
    let path = write(m.dir.path(), "junk.csv", "\u{0}\u{1}garbage");
    let map = ColumnMap::parse("name=Title,secret=Password").unwrap();
    let err = intake::read_export(&ExportFormat::Csv(map), &path, None).unwrap_err();
    assert!(err.to_string().contains("binary file"), "{err}");
}
