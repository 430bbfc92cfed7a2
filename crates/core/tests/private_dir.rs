//! The data directory is private on every open, not only when it is new: the directory 0700,
//! the database, its WAL and shm files and the lock file 0600. A directory another user owns is
//! refused before anything is changed.
#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use tokenkeeper_core::*;

use crate::util::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The database, WAL, shm and lock files of `dir`, each with its mode.
fn file_modes(dir: &Path) -> Vec<(String, u32)> {
    [
        "tokenkeeper.db",
        "tokenkeeper.db-wal",
        "tokenkeeper.db-shm",
        "tokenkeeper.lock",
    ]
    .into_iter()
    .map(|f| (f.to_string(), mode(&dir.join(f))))
    .collect()
}

fn all_private() -> Vec<(String, u32)> {
    [
        "tokenkeeper.db",
        "tokenkeeper.db-wal",
        "tokenkeeper.db-shm",
        "tokenkeeper.lock",
    ]
    .into_iter()
    .map(|f| (f.to_string(), 0o600))
    .collect()
}

#[test]
fn a_new_data_directory_is_private_with_all_its_files() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let secrets = Arc::new(MemoryStore::new());
    let mut v = open_mem(&dir, &secrets);
    // A write makes SQLite create the WAL and shm files, and takes the lock file.
    v.import(import_req("svc", "key-0123456789abcdefghij"))
        .unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(file_modes(&dir), all_private());
}

#[test]
fn an_existing_loose_directory_and_database_are_tightened_at_open() {
    let m = mem_vault();
    let mut v = m.vault;
    v.import(import_req("svc", "key-0123456789abcdefghij"))
        .unwrap();
    // As an older build, a copy or a restore from backup leaves them: 0755 and 0644.
    chmod(m.dir.path(), 0o755);
    for (file, _) in file_modes(m.dir.path()) {
        chmod(&m.dir.path().join(file), 0o644);
    }
    assert_eq!(mode(m.dir.path()), 0o755);
    let mut v2 = open_mem(m.dir.path(), &m.secrets);
    assert_eq!(mode(m.dir.path()), 0o700);
    assert_eq!(file_modes(m.dir.path()), all_private());
    // And it still works.
    assert_eq!(
        v2.reveal("svc", Access::Revealed).unwrap().expose_secret(),
        "key-0123456789abcdefghij"
    );
    drop(v);
}

#[test]
fn a_wal_left_loose_is_tightened_even_when_the_database_is_private() {
    let m = mem_vault();
    let mut v = m.vault;
    v.import(import_req("svc", "key-0123456789abcdefghij"))
        .unwrap();
    let wal = m.dir.path().join("tokenkeeper.db-wal");
    let shm = m.dir.path().join("tokenkeeper.db-shm");
    chmod(&wal, 0o666);
    chmod(&shm, 0o644);
    let _v2 = open_mem(m.dir.path(), &m.secrets);
    assert_eq!((mode(&wal), mode(&shm)), (0o600, 0o600));
    drop(v);
}

/// Hands `path` to the user `nobody`; false when this process may not (not root).
fn give_to_nobody(path: &Path) -> bool {
    match std::os::unix::fs::chown(path, Some(65534), Some(65534)) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => false,
        Err(e) => panic!("chown: {e}"),
    }
}

#[test]
fn a_directory_another_user_owns_is_refused_and_left_alone() {
    // A fresh one, and one that already holds a store (made by us, then handed over).
    let empty = tempfile::tempdir().unwrap();
    chmod(empty.path(), 0o755);
    let used = mem_vault();
    drop(used.vault);
    chmod(used.dir.path(), 0o755);
    let db = used.dir.path().join(DB_FILE);
    chmod(&db, 0o644);
    let db_before = std::fs::read(&db).unwrap();
    for dir in [empty.path(), used.dir.path()] {
        if !give_to_nobody(dir) {
            eprintln!("skipped: only root can hand a directory to another user");
            return;
        }
        let listing = |d: &Path| {
            let mut names: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let before = listing(dir);
        let secrets = Arc::new(MemoryStore::new());
        let s = secrets.clone();
        let err = Vault::open_with_store(dir, move |_| Box::new(s)).unwrap_err();
        assert_eq!(err.kind(), "storage");
        let msg = err.to_string();
        assert!(msg.contains("belongs to another user"), "{msg}");
        assert!(
            !msg.contains("  "),
            "one sentence, no runs of spaces: {msg}"
        );
        assert!(msg.contains("uid 65534"), "{msg}");
        assert!(msg.contains("TOKENKEEPER_HOME"), "{msg}");
        assert!(msg.contains(&dir.display().to_string()), "{msg}");
        assert!(msg.contains("nothing was changed"), "{msg}");
        // Nothing changed: no file made, no mode or owner touched, no keychain call.
        assert_eq!(listing(dir), before);
        assert_eq!(mode(dir), 0o755);
        assert_eq!(std::fs::metadata(dir).unwrap().uid(), 65534);
        assert!(secrets.accounts().is_empty());
    }
    assert_eq!(mode(&db), 0o644);
    assert_eq!(std::fs::read(&db).unwrap(), db_before);
}

#[test]
fn a_symlinked_data_directory_is_followed_and_its_target_made_private() {
    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("on-another-disk");
    std::fs::create_dir(&target).unwrap();
    chmod(&target, 0o755);
    let link = parent.path().join("tokenkeeper");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let mut v = open_mem(&link, &secrets);
    v.import(import_req("svc", "key-0123456789abcdefghij"))
        .unwrap();
    assert_eq!(mode(&target), 0o700);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(target.join(DB_FILE).is_file());
    assert_eq!(file_modes(&target), all_private());
}
