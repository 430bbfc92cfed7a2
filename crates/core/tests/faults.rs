//! Keychain faults in the middle of an import or a rotation, including a failed undo: every
//! secret reported saved survives (the one a file or a rotation replaced too), none the failed
//! operation added stays behind, and the journal is empty once the next open has finished it.
//! Every cut point is tried, with a keychain that goes away and with one that hiccups once.

use std::collections::BTreeSet;
use std::sync::Arc;

use tokenkeeper_core::*;

use crate::util::*;

const KEPT_OLD: &str = "key-kept-old-0123456789abcdef";
const KEPT_NEW: &str = "key-kept-new-0123456789abcdef";
const OTHER: &str = "key-other-0123456789abcdefgh";
const FRESH: &str = "key-fresh-0123456789abcdefgh";
const THIRD: &str = "key-third-0123456789abcdefgh";

/// Vault A holds `kept` and `other`; a file from vault B replaces `kept`'s secret (B rotated it)
/// and adds `fresh`. A runs over a faulty store.
struct ImportCase {
    dir: tempfile::TempDir,
    secrets: Arc<MemoryStore>,
    faults: Arc<FaultPlan>,
    vault: Vault,
    file: Vec<u8>,
    kept_id: String,
    other_id: String,
}

impl ImportCase {
    /// Previews the file (the faults are armed after this, so it reaches the keychain).
    fn plan(&self) -> MergePlan {
        let mut plan = self
            .vault
            .preview_import(&self.file, ImportKey::OwnIdentity)
            .unwrap();
        // B is a team member here, and the user says yes to replacing kept's secret.
        assert!(plan.signer.trusted);
        assert_eq!(
            plan.destructive, 1,
            "the preview names kept's replaced secret"
        );
        plan.confirm_destructive();
        assert_eq!(
            (plan.counts.updated, plan.counts.new, plan.counts.unchanged),
            (1, 1, 1),
            "the file replaces kept's secret and adds fresh"
        );
        plan
    }
}

/// A vault file from `from` to `to`'s public key.
fn file_for(from: &mut Vault, to: &mut Vault) -> Vec<u8> {
    let key = to.public_key().unwrap();
    from.export(ExportTarget::Recipients(vec![key])).unwrap()
}

/// B, a team member of A, gets A's tokens, rotates `kept` and adds `fresh`, and sends A a
/// file: (the file, fresh's id).
fn b_replies(a: &mut Vault) -> (Vec<u8>, String) {
    let mut b = mem_vault();
    let to_b = send(a, &mut b.vault);
    b.vault.apply_import(to_b, |_, _| {}).unwrap();
    b.vault
        .rotate(
            "kept",
            RotateRequest {
                grace: Grace::None,
                new_secret: Some(secret(KEPT_NEW)),
            },
        )
        .unwrap();
    let fresh_id = b.vault.import(import_req("fresh", FRESH)).unwrap().id;
    let file = file_for(&mut b.vault, a);
    let b_key = b.vault.own_member_key().unwrap().to_string();
    a.team_add("B", &b_key).unwrap();
    (file, fresh_id)
}

fn import_case() -> ImportCase {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let faults = FaultPlan::new();
    let mut a = open_faulty(dir.path(), &secrets, &faults);
    let kept_id = a.import(import_req("kept", KEPT_OLD)).unwrap().id;
    let other_id = a.import(import_req("other", OTHER)).unwrap().id;
    let (file, _) = b_replies(&mut a);
    ImportCase {
        dir,
        secrets,
        faults,
        vault: a,
        file,
        kept_id,
        other_id,
    }
}

/// Names of the live tokens, sorted.
fn live_names(v: &Vault) -> Vec<String> {
    let mut names: Vec<String> = v
        .list(&ListQuery::default())
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    names.sort();
    names
}

fn revealed(v: &mut Vault, name: &str) -> String {
    v.reveal(name, Access::Revealed)
        .unwrap_or_else(|e| panic!("reveal {name}: {e}"))
        .expose_secret()
        .to_string()
}

/// The keychain accounts of tokens (and their #prev copies): the install's own keys (age
/// identity, signing key, fingerprint key) are left out.
fn accounts(secrets: &MemoryStore) -> BTreeSet<String> {
    secrets
        .accounts()
        .into_iter()
        .filter(|a| {
            ![IDENTITY_ACCOUNT, SIGNING_ACCOUNT, FINGERPRINT_KEY_ACCOUNT].contains(&a.as_str())
        })
        .collect()
}

/// Reopens after the fault (reconciling, as every open does) and checks that the store holds
/// exactly what was reported: the old state if the import failed, the new one if it succeeded.
fn check_import_outcome(c: &ImportCase, applied: bool, what: &str) {
    let mut v = open_mem(c.dir.path(), &c.secrets);
    assert!(v.last_reconcile().deferred.is_none(), "{what}");
    let fresh_id = v.list(&ListQuery::default()).unwrap();
    let fresh_id = fresh_id.iter().find(|t| t.name == "fresh").map(|t| &t.id);
    let mut want = BTreeSet::from([c.kept_id.clone(), c.other_id.clone()]);
    if applied {
        assert_eq!(live_names(&v), ["fresh", "kept", "other"], "{what}");
        assert_eq!(revealed(&mut v, "kept"), KEPT_NEW, "{what}");
        assert_eq!(revealed(&mut v, "fresh"), FRESH, "{what}");
        want.insert(fresh_id.expect("fresh was added").clone());
    } else {
        assert_eq!(live_names(&v), ["kept", "other"], "{what}");
        assert_eq!(
            revealed(&mut v, "kept"),
            KEPT_OLD,
            "{what}: the secret the file would have replaced is back"
        );
    }
    assert_eq!(revealed(&mut v, "other"), OTHER, "{what}");
    assert_eq!(
        accounts(&c.secrets),
        want,
        "{what}: no orphan, no #prev copy left"
    );
    drop(v);
    let v = open_mem(c.dir.path(), &c.secrets);
    assert_eq!(
        v.last_reconcile(),
        &ReconcileReport::default(),
        "{what}: the journal was finished"
    );
}

/// Keychain calls an undisturbed apply of the case makes.
fn import_calls() -> usize {
    let mut c = import_case();
    let plan = c.plan();
    let before = c.faults.calls();
    c.vault.apply_import(plan, |_, _| {}).unwrap();
    c.faults.calls() - before
}

#[test]
fn keychain_fault_during_import_with_failed_undo_loses_nothing() {
    let calls = import_calls();
    assert!(
        calls >= 5,
        "get, copy to #prev and two writes, then cleanup"
    );
    for count in [usize::MAX, 1] {
        for after in 0..calls {
            let what = format!("fault at keychain call {after} of {calls}, {count} calls fail");
            let mut c = import_case();
            let plan = c.plan();
            c.faults.fail(after, count);
            let result = c.vault.apply_import(plan, |_, _| {});
            if let Err(e) = &result {
                assert_eq!(e.kind(), "keychain_unavailable", "{what}: {e}");
            }
            c.faults.heal();
            check_import_outcome(&c, result.is_ok(), &what);
        }
    }
}

#[test]
fn sqlite_and_keychain_fault_during_import_loses_nothing() {
    // The SQLite commit fails, and then so does the undo in the keychain, from each of its calls.
    for count in [usize::MAX, 1] {
        for after in 0..4 {
            let what = format!("SQLite fails, then keychain undo call {after} fails ({count})");
            let mut c = import_case();
            let plan = c.plan();
            // The keychain phase: get, copy to #prev, write kept, write fresh.
            let writes = 4;
            fail_token_writes(c.dir.path());
            c.faults.fail(writes + after, count);
            let err = c.vault.apply_import(plan, |_, _| {}).unwrap_err();
            assert_eq!(err.kind(), "storage", "{what}: {err}");
            c.faults.heal();
            heal_token_writes(c.dir.path());
            check_import_outcome(&c, false, &what);
        }
    }
}

#[test]
fn a_failed_undo_is_finished_before_the_next_import_in_the_same_process() {
    // The app stays open. SQLite fails the commit and the keychain goes away before the undo, so
    // `kept` holds the file's uncommitted value and its old one is only in #prev.
    let mut c = import_case();
    let plan = c.plan();
    fail_token_writes(c.dir.path());
    c.faults.fail(4, usize::MAX);
    c.vault.apply_import(plan, |_, _| {}).unwrap_err();
    c.faults.heal();
    assert_eq!(
        c.secrets.get(&c.kept_id).unwrap().unwrap().expose_secret(),
        KEPT_NEW,
        "the undo really failed"
    );
    // The keychain is back and the user tries again; SQLite still fails, and this time the
    // undo works. What it puts back must be the committed secret, not the leftover.
    let plan = c.plan();
    let err = c.vault.apply_import(plan, |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), "storage");
    heal_token_writes(c.dir.path());
    assert_eq!(revealed(&mut c.vault, "kept"), KEPT_OLD);
    assert_eq!(live_names(&c.vault), ["kept", "other"]);
    assert_eq!(
        accounts(&c.secrets),
        BTreeSet::from([c.kept_id.clone(), c.other_id.clone()])
    );
    // And a third try, with nothing failing, applies the file.
    let plan = c.plan();
    c.vault.apply_import(plan, |_, _| {}).unwrap();
    assert_eq!(revealed(&mut c.vault, "kept"), KEPT_NEW);
    assert_eq!(revealed(&mut c.vault, "fresh"), FRESH);
}

fn rotate_to(v: &mut Vault, key: &str) -> Result<Rotated> {
    v.rotate(
        "svc",
        RotateRequest {
            grace: Grace::OneHour,
            new_secret: Some(secret(key)),
        },
    )
}

/// Reopens after a faulted rotation and checks the secret is the one last reported saved, the
/// old one still verifies within its grace period only if the rotation succeeded, and nothing
/// else is in the keychain.
fn check_rotate_outcome(
    dir: &std::path::Path,
    secrets: &Arc<MemoryStore>,
    id: &str,
    rotated: bool,
    what: &str,
) {
    let mut v = open_mem(dir, secrets);
    let want = if rotated { KEPT_NEW } else { KEPT_OLD };
    assert_eq!(revealed(&mut v, "svc"), want, "{what}");
    assert_eq!(
        accounts(secrets),
        BTreeSet::from([id.to_string()]),
        "{what}: no #prev copy left"
    );
    assert!(!v.show("svc").unwrap().token.secret_missing, "{what}");
    drop(v);
    let v = open_mem(dir, secrets);
    assert_eq!(v.last_reconcile(), &ReconcileReport::default(), "{what}");
}

#[test]
fn keychain_fault_during_rotation_with_failed_undo_loses_nothing() {
    // get, copy to #prev, write, drop #prev: 4 calls when nothing fails.
    for count in [usize::MAX, 1] {
        for after in 0..4 {
            let what = format!("fault at keychain call {after}, {count} calls fail");
            let dir = tempfile::tempdir().unwrap();
            let secrets = Arc::new(MemoryStore::new());
            let faults = FaultPlan::new();
            let mut v = open_faulty(dir.path(), &secrets, &faults);
            let id = v.import(import_req("svc", KEPT_OLD)).unwrap().id;
            faults.fail(after, count);
            let result = rotate_to(&mut v, KEPT_NEW);
            faults.heal();
            drop(v);
            check_rotate_outcome(dir.path(), &secrets, &id, result.is_ok(), &what);
        }
    }
}

#[test]
fn sqlite_and_keychain_fault_during_rotation_loses_nothing() {
    // The SQLite commit fails after the new value is written; then the undo fails too, on its
    // first call (putting the old value back) or its second (dropping the #prev copy).
    for count in [usize::MAX, 1] {
        for after in 0..2 {
            let what = format!("SQLite fails, then undo call {after} fails ({count})");
            let dir = tempfile::tempdir().unwrap();
            let secrets = Arc::new(MemoryStore::new());
            let faults = FaultPlan::new();
            let mut v = open_faulty(dir.path(), &secrets, &faults);
            let id = v.import(import_req("svc", KEPT_OLD)).unwrap().id;
            fail_token_writes(dir.path());
            faults.fail(3 + after, count);
            let err = rotate_to(&mut v, KEPT_NEW).unwrap_err();
            assert_eq!(err.kind(), "storage", "{what}: {err}");
            faults.heal();
            if count == 1 && after == 0 {
                // Same process, SQLite still failing: a second rotation first finishes the
                // failed undo, so what its own undo puts back is the committed value.
                let err = rotate_to(&mut v, THIRD).unwrap_err();
                assert_eq!(err.kind(), "storage", "{what}: {err}");
            }
            heal_token_writes(dir.path());
            // Still in the same process: the next rotation first finishes the failed one, so
            // what it saves as the old value is the committed secret.
            if count == 1 {
                // Reading it finishes what the undo left, so the old value shows at once.
                assert_eq!(revealed(&mut v, "svc"), KEPT_OLD, "{what}");
                let r = rotate_to(&mut v, THIRD).unwrap();
                assert!(r.token.previous_fingerprint.is_some());
                assert_eq!(
                    v.verify(&secret(KEPT_OLD)).unwrap().status,
                    VerifyStatus::Active,
                    "{what}: the committed old value is the one in its grace period"
                );
                assert_eq!(revealed(&mut v, "svc"), THIRD);
                assert_eq!(accounts(&secrets), BTreeSet::from([id.clone()]), "{what}");
                continue;
            }
            drop(v);
            check_rotate_outcome(dir.path(), &secrets, &id, false, &what);
        }
    }
}

#[test]
fn reconcile_finishes_every_interrupted_shape() {
    // Each shape a crash can leave, written by hand: the journal entries, and the keychain as
    // the process left it. One open puts each right.
    let mut m = mem_vault();
    let a = m
        .vault
        .import(import_req("a", "key-a-old-0123456789abcdef"))
        .unwrap();
    let b = m
        .vault
        .import(import_req("b", "key-b-old-0123456789abcdef"))
        .unwrap();
    let c = m
        .vault
        .import(import_req("c", "key-c-old-0123456789abcdef"))
        .unwrap();
    let added = "0190f0f0-0000-7000-8000-00000000000a";
    let journal = |account: &str, id: &str| {
        sql(
            m.dir.path(),
            &format!(
                "INSERT INTO secret_journal VALUES ('{account}', '{id}', \
                 '2026-01-01T00:00:00.000000Z')"
            ),
        )
    };
    // a: overwritten by an import or rotation that died before its SQLite commit.
    journal(&a.id, &a.id);
    journal(&format!("{}#prev", a.id), &a.id);
    m.secrets
        .set(
            &format!("{}#prev", a.id),
            &secret("key-a-old-0123456789abcdef"),
        )
        .unwrap();
    m.secrets
        .set(&a.id, &secret("key-a-uncommitted-0123456789"))
        .unwrap();
    // b: the #prev copy was written, the main account not yet.
    journal(&b.id, &b.id);
    journal(&format!("{}#prev", b.id), &b.id);
    m.secrets
        .set(
            &format!("{}#prev", b.id),
            &secret("key-b-old-0123456789abcdef"),
        )
        .unwrap();
    // c: committed, and the #prev copy was not dropped yet (only its entry is left).
    journal(&format!("{}#prev", c.id), &c.id);
    m.secrets
        .set(
            &format!("{}#prev", c.id),
            &secret("key-c-older-0123456789abcd"),
        )
        .unwrap();
    // A token an import added, written to the keychain, never committed.
    journal(added, added);
    m.secrets
        .set(added, &secret("key-added-0123456789abcdefg"))
        .unwrap();
    drop(m.vault);

    let mut v = open_mem(m.dir.path(), &m.secrets);
    let r = v.last_reconcile().clone();
    assert_eq!(
        (r.repaired, r.orphans_removed, r.flagged_missing),
        (1, 1, 0)
    );
    assert_eq!(revealed(&mut v, "a"), "key-a-old-0123456789abcdef");
    assert_eq!(revealed(&mut v, "b"), "key-b-old-0123456789abcdef");
    assert_eq!(revealed(&mut v, "c"), "key-c-old-0123456789abcdef");
    assert_eq!(
        accounts(&m.secrets),
        BTreeSet::from([a.id.clone(), b.id.clone(), c.id.clone()])
    );
    drop(v);
    let v = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(v.last_reconcile(), &ReconcileReport::default());
}

#[test]
fn on_the_real_keychain_a_failed_import_and_rotation_with_failed_undo_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultPlan::new();
    let open_faulty_keychain = |faults: &Arc<FaultPlan>| {
        let plan = faults.clone();
        Vault::open_with_store(dir.path(), move |service| {
            Box::new(Faulty {
                inner: KeychainStore::new(service),
                plan,
            })
        })
        .unwrap()
    };
    let mut a = open_faulty_keychain(&faults);
    let service = a.identity().keychain_service;
    let kept_id = a.import(import_req("kept", KEPT_OLD)).unwrap().id;
    let (file, fresh_id) = b_replies(&mut a);
    let mut plan = a.preview_import(&file, ImportKey::OwnIdentity).unwrap();
    plan.confirm_destructive();

    // The commit fails, and the keychain goes away before the undo: kept holds the file's value,
    // its old one sits in #prev, fresh is written but never committed.
    fail_token_writes(dir.path());
    faults.fail(4, usize::MAX);
    let err = a.apply_import(plan, |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), "storage", "{err}");
    faults.heal();
    heal_token_writes(dir.path());
    assert_eq!(
        secret_tool_lookup(&service, &kept_id).as_deref(),
        Some(KEPT_NEW)
    );
    drop(a);

    // The next open, on the real keychain, puts it right.
    let mut a = Vault::open(dir.path()).unwrap();
    assert_eq!(a.last_reconcile().repaired, 1);
    assert_eq!(revealed(&mut a, "kept"), KEPT_OLD);
    assert_eq!(secret_tool_lookup(&service, &fresh_id), None, "no orphan");
    assert_eq!(
        secret_tool_lookup(&service, &format!("{kept_id}#prev")),
        None
    );
    assert_eq!(live_names(&a), ["kept"]);
    // The identity and kept: nothing else.
    assert_eq!(secret_tool_count(&service), 2);
    drop(a);

    // A rotation whose commit and then undo fail, then a reopen. A reveal first, so the
    // install's fingerprint key is at hand and the faults below hit the rotation's own calls.
    let mut a = open_faulty_keychain(&faults);
    assert_eq!(revealed(&mut a, "kept"), KEPT_OLD);
    fail_token_writes(dir.path());
    faults.fail(3, usize::MAX);
    let err = a
        .rotate(
            "kept",
            RotateRequest {
                grace: Grace::None,
                new_secret: Some(secret(THIRD)),
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), "storage", "{err}");
    faults.heal();
    heal_token_writes(dir.path());
    assert_eq!(
        secret_tool_lookup(&service, &kept_id).as_deref(),
        Some(THIRD)
    );
    drop(a);
    let mut a = Vault::open(dir.path()).unwrap();
    assert_eq!(a.last_reconcile().repaired, 1);
    assert_eq!(revealed(&mut a, "kept"), KEPT_OLD);
    assert_eq!(secret_tool_count(&service), 2);
    assert_eq!(
        Vault::open(dir.path()).unwrap().last_reconcile(),
        &ReconcileReport::default()
    );
}

#[test]
fn revealing_after_a_failed_undo_puts_the_old_secret_back_first() {
    // The app stays open: a rotation's commit fails and so does its undo; the keychain comes
    // back and the user reveals the token. They see the committed secret, not "missing".
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let faults = FaultPlan::new();
    let mut v = open_faulty(dir.path(), &secrets, &faults);
    let id = v.import(import_req("svc", KEPT_OLD)).unwrap().id;
    fail_token_writes(dir.path());
    faults.fail(3, usize::MAX);
    rotate_to(&mut v, KEPT_NEW).unwrap_err();
    faults.heal();
    heal_token_writes(dir.path());
    assert_eq!(
        secrets.get(&id).unwrap().unwrap().expose_secret(),
        KEPT_NEW,
        "the undo really failed"
    );
    assert_eq!(revealed(&mut v, "svc"), KEPT_OLD);
    assert!(!v.show("svc").unwrap().token.secret_missing);
    assert_eq!(accounts(&secrets), BTreeSet::from([id]));
    drop(v);
    let v = open_mem(dir.path(), &secrets);
    assert_eq!(v.last_reconcile(), &ReconcileReport::default());
}
