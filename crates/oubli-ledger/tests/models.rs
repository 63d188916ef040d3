//! Model versions: exactly one active, atomic swaps, rejection and the last-good fallback.

mod common;

use oubli_ledger::{LedgerError, NewModel, Store, Subject};
use serde_json::json;

fn new(hash: &str, parent: Option<i64>) -> NewModel {
    NewModel {
        weights_hash: hash.into(),
        parent,
        kind: "sisa".into(),
        method: Some("train".into()),
        config: json!({"shards": 5, "lr": 0.05}),
        path: format!("models/{hash}.oubli"),
        covers_erasures: None,
    }
}

fn active_versions(store: &Store) -> Vec<i64> {
    store
        .models()
        .unwrap()
        .into_iter()
        .filter(|m| m.active)
        .map(|m| m.version)
        .collect()
}

#[test]
fn activation_swaps_so_exactly_one_version_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let v1 = store.register_model(&new("a", None)).unwrap();
    assert_eq!((v1.version, v1.active), (1, false));
    assert_eq!(v1.config, json!({"shards": 5, "lr": 0.05}));
    assert!(active_versions(&store).is_empty());
    store.activate(1).unwrap();
    store.register_model(&new("b", Some(1))).unwrap();
    store.activate(2).unwrap();
    assert_eq!(active_versions(&store), vec![2]);
    store.activate(1).unwrap();
    assert_eq!(active_versions(&store), vec![1]);
    assert_eq!(
        store.model_path(&store.model(2).unwrap()),
        dir.path().join("models/b.oubli")
    );
    assert!(matches!(
        store.activate(9).unwrap_err(),
        LedgerError::UnknownModel(9)
    ));
    assert!(matches!(
        store.register_model(&new("c", Some(7))).unwrap_err(),
        LedgerError::UnknownModel(7)
    ));
}

#[test]
fn the_database_itself_refuses_two_active_versions() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    store.register_model(&new("a", None)).unwrap();
    store.register_model(&new("b", None)).unwrap();
    store.activate(1).unwrap();
    let raw = rusqlite::Connection::open(store.db_path()).unwrap();
    assert!(raw
        .execute("UPDATE models SET active = 1 WHERE version = 2", [])
        .is_err());
}

#[test]
fn a_rejected_active_model_falls_back_to_the_last_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = common::marked_store(dir.path(), 20, 4);
    store.register_model(&new("a", None)).unwrap();
    store.activate(1).unwrap();
    clock.set(common::T0 + 60);
    store.register_model(&new("b", Some(1))).unwrap();
    store.activate(2).unwrap();
    assert_eq!(store.last_good().unwrap().unwrap().version, 2);

    // At start-up the file of version 2 does not match its hash.
    let rejected = store.reject_model(2, "weights hash mismatch").unwrap();
    assert_eq!(
        rejected.rejected_reason.as_deref(),
        Some("weights hash mismatch")
    );
    let fallback = store.last_good().unwrap().unwrap();
    assert_eq!(fallback.version, 1);
    store.activate(fallback.version).unwrap();
    assert_eq!(active_versions(&store), vec![1]);
    assert!(matches!(
        store.activate(2).unwrap_err(),
        LedgerError::RejectedModel { version: 2, .. }
    ));
    // Never-activated versions are no fallback.
    store.register_model(&new("c", Some(1))).unwrap();
    assert_eq!(store.last_good().unwrap().unwrap().version, 1);
}

#[test]
fn a_model_records_which_erasures_it_accounts_for() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let before = store.register_model(&new("a", None)).unwrap();
    let id = store.submit(&Subject::Owner("o1".into())).unwrap().id;
    store.erase(&id).unwrap();
    let after = store.register_model(&new("b", Some(1))).unwrap();
    assert_eq!((before.covers_erasures, after.covers_erasures), (0, 1));
    // An old model serving again is visibly behind the store.
    assert!(before.covers_erasures < store.erasures().unwrap());
}

#[test]
fn model_paths_must_stay_inside_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    for path in ["/etc/passwd", "../x.oubli", "models/../../x"] {
        let mut m = new("a", None);
        m.path = path.into();
        assert!(
            matches!(
                store.register_model(&m),
                Err(LedgerError::InvalidOption { field: "path", .. })
            ),
            "{path}"
        );
    }
}

#[test]
fn a_model_file_written_through_the_store_is_whole_and_registrable() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let path = store.write_model_file("v1.oubli", b"weights").unwrap();
    assert_eq!(path, "models/v1.oubli");
    let mut m = new("a", None);
    m.path = path;
    let v = store.register_model(&m).unwrap();
    assert_eq!(std::fs::read(store.model_path(&v)).unwrap(), b"weights");
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(store.models_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("v1.oubli")]);
    assert!(store.write_model_file("../escape", b"x").is_err());
}
