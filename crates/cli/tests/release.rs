//! What a release carries: `tok --version` is the workspace's version, Linux packages are built
//! as exactly a .deb and an .rpm here, and .github/workflows/release.yml, read back by a real
//! YAML parser, builds every OS's installers with the official Tauri action.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Debian's python3 (python3-yaml in scripts/packages.txt; tomllib is in its standard library)
/// reads `path` and answers `script`'s JSON.
fn python(script: &str, path: &Path, refused: &str) -> Value {
    let out = read_back(
        Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(script)
            .arg(path),
        refused,
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn tok_reports_the_workspace_version() {
    let manifest = python(
        "import json, sys, tomllib\nprint(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))",
        &repo().join("Cargo.toml"),
        "the root Cargo.toml is not TOML",
    );
    let version = manifest["workspace"]["package"]["version"]
        .as_str()
        .expect("[workspace.package] version");
    let tok = Tok::new();
    assert_eq!(
        tok.run(&["--version"]).ok().stdout,
        format!("tok {version}\n")
    );
}

#[test]
fn linux_packages_are_exactly_a_deb_and_an_rpm_with_tok_and_its_docs() {
    let conf: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tauri.linux.conf.json")).unwrap(),
    )
    .unwrap();
    // No AppImage here: its tools are downloaded at build time (the release workflow has it).
    assert_eq!(conf["bundle"]["targets"], serde_json::json!(["deb", "rpm"]));
    for format in ["deb", "rpm"] {
        let files = conf["bundle"]["linux"][format]["files"]
            .as_object()
            .unwrap_or_else(|| panic!("no bundle.linux.{format}.files"));
        let zsh = if format == "deb" {
            "/usr/share/zsh/vendor-completions/_tok"
        } else {
            "/usr/share/zsh/site-functions/_tok"
        };
        for place in [
            "/usr/bin/tok",
            "/usr/share/bash-completion/completions/tok",
            zsh,
            "/usr/share/fish/vendor_completions.d/tok.fish",
            "/usr/share/man/man1",
        ] {
            let source = files.get(place).and_then(Value::as_str);
            assert!(
                source.is_some_and(|s| s.starts_with("gen/package/")),
                "the .{format} does not map {place} to what scripts/package-files writes: {files:?}"
            );
        }
    }
}

#[test]
fn the_release_workflow_builds_every_os_with_the_tauri_action() {
    let script = r#"
import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
# YAML 1.1 reads the key `on` as true.
triggers = doc.get("on", doc.get(True))
jobs = []
for name, job in doc["jobs"].items():
    matrix = job.get("strategy", {}).get("matrix", {})
    jobs.append({
        "runs_on": job["runs-on"],
        "include": matrix.get("include", []),
        "uses": [s["uses"] for s in job["steps"] if "uses" in s],
        "with": [s.get("with", {}) for s in job["steps"]
                 if s.get("uses", "").startswith("tauri-apps/tauri-action@")],
    })
print(json.dumps({"triggers": sorted(triggers), "jobs": jobs}))
"#;
    let wf = python(
        script,
        &repo().join(".github/workflows/release.yml"),
        "release.yml is not valid YAML",
    );
    assert_eq!(
        wf["triggers"],
        serde_json::json!(["push", "workflow_dispatch"])
    );
    let jobs = wf["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{wf}");
    let job = &jobs[0];
    assert_eq!(job["runs_on"], "${{ matrix.os }}");
    let include = job["include"].as_array().unwrap();
    let os_bundles: Vec<(String, String)> = include
        .iter()
        .map(|i| {
            let os = i["os"].as_str().unwrap();
            (
                os.split('-').next().unwrap().to_string(),
                i["bundles"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        os_bundles,
        [
            ("ubuntu".to_string(), "deb,rpm,appimage".to_string()),
            ("windows".to_string(), "msi".to_string()),
            ("macos".to_string(), "app,dmg".to_string()),
        ]
    );
    let uses: Vec<&str> = job["uses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(uses.contains(&"tauri-apps/tauri-action@v0"), "{uses:?}");
    let with = &job["with"][0];
    assert_eq!(with["args"], "--bundles ${{ matrix.bundles }}");
    assert_eq!(
        with["releaseDraft"], true,
        "a maintainer publishes the release"
    );
}
