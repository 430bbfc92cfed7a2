//! Several processes' worth of writers on one data directory: every write lands, none fails
//! with "database is locked".

use std::sync::Arc;

use tokenkeeper_core::*;

use crate::util::*;

#[test]
fn concurrent_writers_on_one_data_directory_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    // Create the database once, then let four independent connections race.
    drop(open_mem(dir.path(), &secrets));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let path = dir.path().to_path_buf();
            let secrets = secrets.clone();
            std::thread::spawn(move || {
                let mut v = open_mem(&path, &secrets);
                for i in 0..40 {
                    let name = format!("w{w}-{i}");
                    v.generate(gen_req(&name, i % 2 == 0))
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    v.set_enabled(&name, false).unwrap();
                    v.edit(
                        &name,
                        TokenEdit {
                            description: Some(format!("written by {w}")),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                    if i % 4 == 0 {
                        v.delete(&name).unwrap();
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("a writer failed");
    }
    let v = open_mem(dir.path(), &secrets);
    let live = v.list(&ListQuery::default()).unwrap();
    assert_eq!(live.len(), 4 * 30);
    assert!(live
        .iter()
        .all(|t| t.state == TokenState::Disabled && t.description.starts_with("written by")));
    let deleted = ListQuery {
        state: Some(TokenState::Deleted),
        ..Default::default()
    };
    assert_eq!(v.list(&deleted).unwrap().len(), 4 * 10);
    // Kept secrets: one per even i, minus the deleted ones (i % 4 == 0).
    assert_eq!(secrets.accounts().len(), 4 * 10);
}

#[test]
fn processes_opening_a_new_data_directory_at_once_all_succeed() {
    // The app and `tok` started together on a fresh directory: none may take the half-made
    // database for somebody else's. Several rounds, since the window is small.
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::new());
        let start = Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (path, secrets, start) =
                    (dir.path().to_path_buf(), secrets.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let s = secrets.clone();
                    Vault::open_with_store(&path, move |_| Box::new(s)).map(drop)
                })
            })
            .collect();
        for o in openers {
            if let Err(e) = o.join().unwrap() {
                panic!("opening a new data directory failed: {e}");
            }
        }
    }
}
