//! `tok://` references: resolved all or nothing, each secret read once, each use recorded, and
//! `inject` writing a template's secrets 0600 without touching anything else in it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokenkeeper_core::*;

use crate::util::*;

/// The in-memory store, counting reads.
struct Counting {
    inner: Arc<MemoryStore>,
    gets: Arc<AtomicUsize>,
}

impl SecretStore for Counting {
    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.inner.set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(account)
    }
    fn delete(&self, account: &str) -> Result<bool> {
        self.inner.delete(account)
    }
    fn backend(&self) -> &'static str {
        "memory"
    }
}

fn counting_vault() -> (tempfile::TempDir, Vault, Arc<AtomicUsize>) {
    let dir = tempfile::tempdir().unwrap();
    let gets = Arc::new(AtomicUsize::new(0));
    let store = Counting {
        inner: Arc::new(MemoryStore::new()),
        gets: gets.clone(),
    };
    let vault = Vault::open_with_store(dir.path(), move |_| Box::new(store)).unwrap();
    (dir, vault, gets)
}

fn r(which: &str, at: &str) -> Reference {
    Reference::parse(&format!("tok://{which}"), at).unwrap()
}

const ONE: &str = "sk_live_FirstKey0123456789abcdefAB";
const TWO: &str = "xoxb-SecondKey-0123456789-abcdefXY";

#[test]
fn references_resolve_by_name_or_id_reading_each_secret_once() {
    let (_dir, mut v, gets) = counting_vault();
    let one = v.import(import_req("Stripe live", ONE)).unwrap();
    v.import(import_req("slack-bot", TWO)).unwrap();
    gets.store(0, Ordering::SeqCst);

    let refs = [
        r("stripe LIVE", "line 1"),
        r("slack-bot", "line 2"),
        r(&one.id, "line 3"),
        r("Stripe live", "line 4"),
    ];
    let resolved = v.resolve(&refs, "tok inject").unwrap();
    let got: Vec<&str> = (0..refs.len())
        .map(|i| resolved.secret(i).expose_secret())
        .collect();
    assert_eq!(got, [ONE, TWO, ONE, ONE]);
    assert_eq!(resolved.distinct().len(), 2);
    assert!(resolved.warnings.is_empty());
    // One read per token; what else reads the keychain (the fingerprint key) reads it once too.
    let reads = gets.load(Ordering::SeqCst);
    assert!(reads <= 3, "each secret read once, got {reads} reads");

    // One `used` event per token, naming the command, and the last-used time.
    let details = v.show("Stripe live").unwrap();
    let used: Vec<&Event> = details
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Used)
        .collect();
    assert_eq!(used.len(), 1, "{:?}", details.events);
    assert_eq!(used[0].detail.as_deref(), Some("tok inject"));
    assert!(details.token.last_used_at.is_some());
}

#[test]
fn a_bad_reference_is_named_and_nothing_is_read_or_recorded() {
    let (_dir, mut v, gets) = counting_vault();
    v.import(import_req("kept", ONE)).unwrap();
    let issued = v.generate(gen_req("issued", false)).unwrap();
    v.import(import_req("off", TWO)).unwrap();
    v.set_enabled("off", false).unwrap();
    let gone = v
        .import(import_req("gone", "gh_GoneKey0123456789abcdefABCDEF"))
        .unwrap();
    v.delete("gone").unwrap();
    gets.store(0, Ordering::SeqCst);

    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "missing",
            "not_found",
            &["tok://missing", "line 9 of app.tmpl", "tok list"],
        ),
        (
            "issued",
            "conflict",
            &["tok://issued", "line 9 of app.tmpl", "hash-only"],
        ),
        ("off", "conflict", &["tok://off", "disabled", "tok enable"]),
        (&gone.id, "conflict", &["tok://gone", "deleted"]),
    ];
    for (which, kind, says) in cases {
        let refs = [
            r("kept", "line 1 of app.tmpl"),
            r(which, "line 9 of app.tmpl"),
        ];
        let e = match v.resolve(&refs, "tok run") {
            Ok(_) => panic!("{which} resolved"),
            Err(e) => e,
        };
        assert_eq!(e.kind(), kind, "{which}: {e}");
        let m = e.to_string();
        for s in says {
            assert!(m.contains(s), "{which}: {m:?} should say {s:?}");
        }
    }
    assert_eq!(gets.load(Ordering::SeqCst), 0, "no secret read");
    let kept = v.show("kept").unwrap();
    assert!(kept.events.iter().all(|e| e.kind != EventKind::Used));
    assert!(kept.token.last_used_at.is_none());
    let _ = issued;
}

#[test]
fn an_expired_token_is_used_with_a_warning() {
    let mut m = mem_vault();
    m.vault.import(import_req("old", ONE)).unwrap();
    sql(
        m.dir.path(),
        "UPDATE tokens SET expires_at = '2020-01-31T00:00:00.000000Z'",
    );
    let resolved = m
        .vault
        .resolve(&[r("old", "--env OLD")], "tok run")
        .unwrap();
    assert_eq!(resolved.secret(0).expose_secret(), ONE);
    assert_eq!(resolved.warnings.len(), 1);
    let w = &resolved.warnings[0];
    assert!(w.contains("tok://old") && w.contains("2020-01-31"), "{w}");
}

#[test]
fn inject_replaces_only_references_and_writes_0600() {
    let mut m = mem_vault();
    m.vault.import(import_req("stripe", ONE)).unwrap();
    m.vault.import(import_req("slack", TWO)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("app.yaml.tmpl");
    let text = "stripe: {{ tok://stripe }}\nslack: \"{{tok://slack}}\"\nhelm: {{ .Values.x }}\n\
                again: {{  tok://stripe  }}\n";
    std::fs::write(&template, text).unwrap();
    let injected = m.vault.inject(&template).unwrap();
    assert_eq!(injected.references, 3);
    assert_eq!(
        injected.text.expose_secret(),
        format!("stripe: {ONE}\nslack: \"{TWO}\"\nhelm: {{{{ .Values.x }}}}\nagain: {ONE}\n")
    );

    let out = dir.path().join("app.yaml");
    std::fs::write(&out, "old").unwrap();
    write_injected(&out, &template, &injected.text).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        injected.text.expose_secret()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Never over the template itself.
    let e = write_injected(&template, &template, &injected.text).unwrap_err();
    assert_eq!(e.kind(), "invalid_input");
    assert_eq!(std::fs::read_to_string(&template).unwrap(), text);
    // No temporary file left beside them.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn bad_templates_are_refused_with_the_line() {
    let mut m = mem_vault();
    m.vault.import(import_req("stripe", ONE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    for (text, says) in [
        ("a\nb {{ tok://nope }}\n", "line 2 of"),
        ("a\n\nb {{ tok://stripe\n}}", "line 3 of"),
        ("{{ tok:// }}", "names no token"),
    ] {
        std::fs::write(&t, text).unwrap();
        let e = match m.vault.inject(&t) {
            Ok(_) => panic!("{text:?} was injected"),
            Err(e) => e,
        };
        assert!(e.to_string().contains(says), "{text:?}: {e}");
    }
    std::fs::write(&t, b"ok\n\xff\xfe{{ tok://stripe }}").unwrap();
    let e = m.vault.inject(&t).err().expect("binary refused");
    assert!(e.to_string().contains("not UTF-8 text (line 2)"), "{e}");
    let big = vec![b'a'; MAX_TEMPLATE_BYTES as usize + 1];
    std::fs::write(&t, big).unwrap();
    let e = m.vault.inject(&t).err().expect("huge refused");
    assert!(e.to_string().contains("larger than 4 MiB"), "{e}");
    let e = m
        .vault
        .inject(dir.path())
        .err()
        .expect("a directory refused");
    assert!(e.to_string().contains("is not a regular file"), "{e}");
    // Nothing was used.
    assert!(m.vault.show("stripe").unwrap().token.last_used_at.is_none());
}
