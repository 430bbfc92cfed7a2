//! Members and signatures: the member key, the team, signed exports, and what import does with
//! a file from a member, from an unknown key, unsigned, badly signed, or forged with the `age`
//! tool by someone who knows only my public key.

use std::process::Command;

use tokenkeeper_core::*;

use crate::util::*;

const MY_KEY: &str = "ghp_myOwnKeyThatMustSurvive0123456789";

/// B with one kept key, and A with a kept key of its own; both have their keys made.
fn two_installs() -> (MemVault, MemVault) {
    let mut a = mem_vault();
    a.vault
        .import(import_req("from-a", "key-from-a-0123456789abcdef"))
        .unwrap();
    let mut b = mem_vault();
    b.vault.import(import_req("mine", MY_KEY)).unwrap();
    a.vault.own_member_key().unwrap();
    b.vault.own_member_key().unwrap();
    (a, b)
}

fn export_to(from: &mut Vault, to: &mut Vault) -> Vec<u8> {
    let key = to.public_key().unwrap();
    from.export(ExportTarget::Recipients(vec![key])).unwrap()
}

/// What must not change when a file is refused: every token, the team, the keychain.
fn state(v: &MemVault) -> (String, Vec<Member>, Vec<String>, Vec<u8>) {
    (
        snapshot(&v.vault),
        v.vault.team_list().unwrap(),
        v.secrets.accounts(),
        db_bytes(v.dir.path()),
    )
}

#[test]
fn the_member_key_holds_the_public_key_and_lasts() {
    let mut a = mem_vault();
    assert_eq!(a.vault.identity().member_key, None, "made on first use");
    let key = a.vault.own_member_key().unwrap();
    let text = key.to_string();
    assert!(text.starts_with("tkmember1_age1"), "{text}");
    assert_eq!(key.age_recipient(), a.vault.public_key().unwrap());
    let id = a.vault.identity();
    assert_eq!(id.member_key.as_deref(), Some(text.as_str()));
    assert_eq!(id.signer_fingerprint, Some(key.fingerprint()));
    assert!(a.secrets.accounts().contains(&SIGNING_ACCOUNT.to_string()));
    drop(a.vault);
    let mut reopened = open_mem(a.dir.path(), &a.secrets);
    assert_eq!(reopened.own_member_key().unwrap(), key, "kept across opens");
    assert_ne!(mem_vault().vault.own_member_key().unwrap(), key);
}

/// The member key with one character of its signing part changed, as a typo would.
fn typo(key: &str) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    let at = chars.len() - 10;
    chars[at] = if chars[at] == 'q' { 'p' } else { 'q' };
    chars.into_iter().collect()
}

#[test]
fn team_add_list_remove_with_clear_refusals() {
    let (mut a, mut b) = two_installs();
    let a_key = a.vault.own_member_key().unwrap().to_string();
    let m = b.vault.team_add("  Ana  ", &a_key).unwrap();
    assert_eq!(m.name, "Ana");
    assert_eq!(m.member_key, a_key);
    assert_eq!(
        m.fingerprint,
        a.vault.own_member_key().unwrap().fingerprint()
    );
    assert_eq!(b.vault.team_list().unwrap(), std::slice::from_ref(&m));

    let before = state(&b);
    let refusals = [
        (
            "ana",
            a_key.clone(),
            "duplicate",
            "already a team member named 'Ana'",
        ),
        (
            "Other",
            a_key.clone(),
            "duplicate",
            "already in the team as 'Ana'",
        ),
        (
            "Bad\tname",
            a_key.clone(),
            "invalid_input",
            "control, bidi or zero-width character",
        ),
        ("", a_key.clone(), "invalid_input", "Name is required"),
        ("Typo", typo(&a_key), "invalid_input", "damaged"),
        (
            "Age only",
            a.vault.public_key().unwrap(),
            "invalid_input",
            "only an age public key",
        ),
        (
            "Me",
            b.vault.own_member_key().unwrap().to_string(),
            "invalid_input",
            "own member key",
        ),
    ];
    for (name, key, kind, says) in refusals {
        let e = b.vault.team_add(name, &key).unwrap_err();
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
    let e = b.vault.team_remove("nobody").unwrap_err();
    assert_eq!(e.kind(), "not_found");
    assert_eq!(state(&b), before, "refusals change nothing");

    assert_eq!(b.vault.team_remove("ANA").unwrap().name, "Ana");
    assert!(b.vault.team_list().unwrap().is_empty());
}

#[test]
fn a_members_file_merges_without_asking() {
    let (mut a, mut b) = two_installs();
    let a_key = a.vault.own_member_key().unwrap().to_string();
    b.vault.team_add("Ana", &a_key).unwrap();
    let file = export_to(&mut a.vault, &mut b.vault);
    let plan = b
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap();
    assert!(plan.signer.trusted);
    assert_eq!(plan.signer.member.as_deref(), Some("Ana"));
    assert!(
        plan.signer.description.contains("team member Ana"),
        "{}",
        plan.signer.description
    );
    b.vault.apply_import(plan, |_, _| {}).unwrap();
    assert_eq!(
        b.vault
            .reveal("from-a", Access::Revealed)
            .unwrap()
            .expose_secret(),
        "key-from-a-0123456789abcdef"
    );
    // Removed from the team, their next file waits for trust again.
    b.vault.team_remove("Ana").unwrap();
    let plan = b
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap();
    assert!(!plan.signer.trusted);
    assert_eq!(
        b.vault.apply_import(plan, |_, _| {}).unwrap_err().kind(),
        "untrusted_signer"
    );
}

#[test]
fn my_own_file_is_trusted() {
    let (mut a, _) = two_installs();
    let file = a
        .vault
        .export(ExportTarget::Passphrase(secret("plum harbor")))
        .unwrap();
    let other = mem_vault();
    let plan = a
        .vault
        .preview_import(&file, ImportKey::Passphrase(secret("plum harbor")))
        .unwrap();
    assert!(plan.signer.is_self && plan.signer.trusted);
    a.vault.apply_import(plan, |_, _| {}).unwrap();
    // Elsewhere the same file is from an unknown key.
    let plan = other
        .vault
        .preview_import(&file, ImportKey::Passphrase(secret("plum harbor")))
        .unwrap();
    assert!(!plan.signer.is_self && !plan.signer.trusted);
}

#[test]
fn an_unknown_signer_is_previewed_and_changes_nothing_until_trusted() {
    let (mut a, mut b) = two_installs();
    let file = export_to(&mut a.vault, &mut b.vault);
    let before = state(&b);
    let plan = b
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap();
    let fp = a.vault.own_member_key().unwrap().fingerprint();
    assert!(!plan.signer.trusted);
    assert_eq!(plan.signer.member, None);
    assert_eq!(plan.signer.fingerprint, fp);
    let actor = a.vault.identity().display_name;
    assert_eq!(
        plan.signer.description,
        format!("signed by an unknown key {fp}, claims to be {actor}")
    );
    assert_eq!(plan.counts.new, 1, "the preview still shows what it holds");
    let err = b.vault.apply_import(plan, |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), "untrusted_signer");
    assert!(err.to_string().contains(&fp), "{err}");
    assert!(err.to_string().contains("--trust-signer"), "{err}");
    assert_eq!(state(&b), before, "nothing changed");

    // Trusted under a name the user picks: the signer becomes a member, and the plan applies.
    let mut plan = b
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap();
    b.vault
        .trust_signer(&mut plan, Some("Ana from ops"))
        .unwrap();
    assert!(plan.signer.trusted);
    assert_eq!(plan.signer.member.as_deref(), Some("Ana from ops"));
    let team = b.vault.team_list().unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].name, "Ana from ops");
    assert_eq!(team[0].fingerprint, fp);
    assert_eq!(team[0].age_recipient, a.vault.public_key().unwrap());
    b.vault.apply_import(plan, |_, _| {}).unwrap();
    assert!(b.vault.show("from-a").is_ok());
}

#[test]
fn export_to_the_team_reaches_every_member_and_me() {
    let (mut a, mut b) = two_installs();
    let c = mem_vault();
    let err = a.vault.export(ExportTarget::Team).unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    assert!(err.to_string().contains("no team members"), "{err}");

    let b_key = b.vault.own_member_key().unwrap().to_string();
    a.vault.team_add("Ben", &b_key).unwrap();
    let a_key = a.vault.own_member_key().unwrap().to_string();
    b.vault.team_add("Ana", &a_key).unwrap();
    let file = a.vault.export(ExportTarget::Team).unwrap();
    for v in [&mut a.vault, &mut b.vault] {
        let plan = v.preview_import(&file, ImportKey::OwnIdentity).unwrap();
        assert!(plan.signer.trusted);
    }
    let err = c
        .vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap_err();
    assert_eq!(
        err.kind(),
        "not_for_this_identity",
        "not a member, not a recipient"
    );
}

/// The attack from the issue: someone who knows only my public key and a token id makes a
/// file with the `age` tool that deletes my key and adds an admin token.
#[test]
fn a_file_forged_with_the_age_tool_is_refused_and_changes_nothing() {
    let (dir, mut me) = keychain_vault();
    me.import(import_req("mine", MY_KEY)).unwrap();
    let ana_key = {
        let mut ana = mem_vault();
        ana.vault.own_member_key().unwrap()
    };
    me.team_add("Ana", &ana_key.to_string()).unwrap();
    let my_public = me.public_key().unwrap();
    let mine = me.show("mine").unwrap().token;
    let service = me.identity().keychain_service;
    let before = (db_bytes(dir.path()), keychain_dump(&service), snapshot(&me));

    // The forged payload: my token as deleted, and a new active admin token.
    let fingerprint = mine.fingerprint.clone();
    let payload = |version: u32| {
        serde_json::to_vec(&serde_json::json!({
            "format": "tokenkeeper-vault", "version": version,
            "vault_id": "0190f0f0-0000-7000-8000-00000000bad0",
            "exported_at": "2026-11-24T12:00:00Z", "exported_by": "Ana",
            "services": [],
            "tokens": [
                {"id": mine.id, "name": "mine", "description": "", "service": null,
                 "origin": "imported", "storage": "keychain", "scopes": [], "status": "deleted",
                 "fingerprint": fingerprint, "hint": "…", "created_at": "2026-01-01T00:00:00Z",
                 "created_by": "Ana", "updated_at": "2026-11-24T00:00:00Z",
                 "last_used_at": null, "expires_at": null, "rotated_at": null,
                 "deleted_at": "2026-11-24T00:00:00Z", "previous_fingerprint": null,
                 "previous_valid_until": null, "history": []},
                {"id": "0190f0f0-0000-7000-8000-00000000bad1", "name": "backdoor",
                 "description": "", "service": null, "origin": "imported",
                 "storage": "keychain", "scopes": ["admin"], "status": "active",
                 "fingerprint": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                 "hint": "…", "created_at": "2026-01-01T00:00:00Z", "created_by": "Ana",
                 "updated_at": "2026-01-01T00:00:00Z", "last_used_at": null,
                 "expires_at": null, "rotated_at": null, "deleted_at": null,
                 "previous_fingerprint": null, "previous_valid_until": null,
                 "history": [], "secret": "test"}
            ]
        }))
        .unwrap()
    };
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[0x42; 32]);
    let attacker_key =
        MemberKey::from_parts(ana_key.age_recipient(), attacker.verifying_key().to_bytes())
            .unwrap();
    let v2 = payload(2);
    let forgeries: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a version-1 file", payload(1), "unsigned_vault_file"),
        (
            "a version-2 payload, unsigned",
            v2.clone(),
            "unsigned_vault_file",
        ),
        (
            // Ana's member key in the container, signed by the attacker's key.
            "signed by another key in Ana's name",
            container(
                &v2,
                &minisig(&v2, &attacker, &ana_key, "Ana", "2026-11-24T12:00:00Z"),
                &ana_key,
                "Ana",
            ),
            "bad_signature",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (what, plain, kind) in forgeries {
        let json = tmp.path().join("forged.json");
        std::fs::write(&json, &plain).unwrap();
        let file = tmp.path().join("forged.tkvault");
        let out = Command::new("age")
            .args(["-r", &my_public, "-o"])
            .arg(&file)
            .arg(&json)
            .output()
            .expect("the age tool runs");
        assert!(out.status.success());
        let err = me
            .preview_import(&std::fs::read(&file).unwrap(), ImportKey::OwnIdentity)
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{what}: {err}");
        assert_eq!(
            (db_bytes(dir.path()), keychain_dump(&service), snapshot(&me)),
            before,
            "{what}: nothing changed"
        );
    }

    // Signed honestly by the attacker's own key (claiming to be Ana): previewed as an unknown
    // key, and applying it without trust is refused.
    let honest = container(
        &v2,
        &minisig(&v2, &attacker, &attacker_key, "Ana", "2026-11-24T12:00:00Z"),
        &attacker_key,
        "Ana",
    );
    let file = age_encrypt_to(&my_public, &honest);
    let plan = me.preview_import(&file, ImportKey::OwnIdentity).unwrap();
    assert!(!plan.signer.trusted);
    assert_eq!(plan.signer.fingerprint, attacker_key.fingerprint());
    assert_ne!(plan.signer.fingerprint, ana_key.fingerprint());
    assert!(
        plan.signer.description.contains("unknown key"),
        "{}",
        plan.signer.description
    );
    assert_eq!(
        plan.destructive, 1,
        "the preview lists the deletion of my key"
    );
    let err = me.apply_import(plan, |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), "untrusted_signer");
    assert_eq!(
        (db_bytes(dir.path()), keychain_dump(&service), snapshot(&me)),
        before
    );
    // Trusting it still needs a yes for the deletion; the name Ana is taken by the real Ana.
    let mut plan = me.preview_import(&file, ImportKey::OwnIdentity).unwrap();
    let err = me.trust_signer(&mut plan, None).unwrap_err();
    assert_eq!(err.kind(), "duplicate", "{err}");
    assert_eq!(
        me.reveal("mine", Access::Revealed).unwrap().expose_secret(),
        MY_KEY
    );
}

#[test]
fn a_flipped_bit_in_the_signature_of_a_valid_file_is_a_bad_signature() {
    let (dir, mut vault) = keychain_vault();
    let public = vault.public_key().unwrap();
    let container = vector("vault-v2-container.json");
    let mut c: serde_json::Value = serde_json::from_slice(&container).unwrap();
    let sig = c["signature"].as_str().unwrap().to_string();
    let before = (db_bytes(dir.path()), snapshot(&vault));
    // Flip one bit of the signature line's base64 text (line 2), then of the global signature.
    for line in [1usize, 3] {
        let mut lines: Vec<String> = sig.lines().map(str::to_string).collect();
        let mut bytes = lines[line].clone().into_bytes();
        bytes[20] ^= 0x01;
        lines[line] = String::from_utf8(bytes).unwrap();
        c["signature"] = format!("{}\n", lines.join("\n")).into();
        let file = age_encrypt_to(&public, &serde_json::to_vec(&c).unwrap());
        let err = vault
            .preview_import(&file, ImportKey::OwnIdentity)
            .unwrap_err();
        assert_eq!(err.kind(), "bad_signature", "line {line}: {err}");
        assert!(err.to_string().contains("Do not trust it"), "{err}");
        assert_eq!((db_bytes(dir.path()), snapshot(&vault)), before);
    }
    // A changed trusted comment (another claimed name) is refused too.
    c["signature"] = sig.replace("name=Test Vector", "name=Test Vectors").into();
    c["signer"]["name"] = "Test Vectors".into();
    let file = age_encrypt_to(&public, &serde_json::to_vec(&c).unwrap());
    let err = vault
        .preview_import(&file, ImportKey::OwnIdentity)
        .unwrap_err();
    assert_eq!(err.kind(), "bad_signature", "{err}");
    // The untouched container previews.
    let file = age_encrypt_to(&public, &container);
    assert!(vault.preview_import(&file, ImportKey::OwnIdentity).is_ok());
}
