//! Erasure deletes the data itself: after it, the erased samples' feature bytes are in
//! neither the database file nor its WAL, and no training can see them again.

mod common;

use common::{contains, marked_bytes, read_or_empty};
use oubli_ledger::{LedgerError, Status, Store, Subject};

fn files(store: &Store) -> (Vec<u8>, Vec<u8>) {
    let db = store.db_path();
    let wal = db.with_file_name("oubli.sqlite-wal");
    (read_or_empty(&db), read_or_empty(&wal))
}

#[test]
fn erased_feature_bytes_are_in_neither_the_database_nor_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 300, 30);
    // Owner o7 holds train samples 7, 37, 67, …
    let erased: Vec<u32> = (0..300).filter(|i| i % 30 == 7).collect();
    let (db, _) = files(&store);
    for &i in &erased {
        assert!(
            contains(&db, &marked_bytes(i)),
            "sample {i} missing before erasure"
        );
    }

    let req = store.submit(&Subject::Owner("o7".into())).unwrap();
    let erasure = store.erase(&req.id).unwrap();
    assert_eq!(erasure.sample_ids.len(), erased.len());
    assert!(erasure.wal_truncated);

    let (db, wal) = files(&store);
    for &i in &erased {
        assert!(
            !contains(&db, &marked_bytes(i)),
            "sample {i} still in the database"
        );
        assert!(
            !contains(&wal, &marked_bytes(i)),
            "sample {i} still in the WAL"
        );
    }
    // The search itself works: kept samples are still found.
    assert!(contains(&db, &marked_bytes(8)));
    let ds = store.dataset().unwrap();
    assert!(ds.train.owners.iter().all(|o| o.as_deref() != Some("o7")));
}

#[test]
fn erased_bytes_are_gone_after_many_submissions_sit_in_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 200, 20);
    let subjects: Vec<Subject> = (0..20).map(|o| Subject::Owner(format!("o{o}"))).collect();
    let ids: Vec<String> = store
        .submit_many(&subjects)
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().id)
        .collect();
    let first_half: Vec<&str> = ids[..10].iter().map(String::as_str).collect();
    store.erase_many(&first_half).unwrap();
    let (db, wal) = files(&store);
    for i in (0..200).filter(|i| i % 20 < 10) {
        assert!(!contains(&db, &marked_bytes(i)) && !contains(&wal, &marked_bytes(i)));
    }
    for i in (0..200).filter(|i| i % 20 >= 10) {
        assert!(contains(&db, &marked_bytes(i)));
    }
}

#[test]
fn a_reader_holding_a_snapshot_delays_truncation_until_the_next_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 100, 10);
    let reader = rusqlite::Connection::open(store.db_path()).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))
        .unwrap();

    let req = store.submit(&Subject::Owner("o3".into())).unwrap();
    let erasure = store.erase(&req.id).unwrap();
    assert!(
        !erasure.wal_truncated,
        "the open snapshot must block TRUNCATE"
    );
    assert_eq!(store.request(&req.id).unwrap().status, Status::Erased);
    // Until the checkpoint runs, the main file still has the old pages: that is why erase
    // checkpoints at once, and reports when it could not.
    let (db, _) = files(&store);
    assert!(contains(&db, &marked_bytes(3)));

    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    store.checkpoint().unwrap();
    let (db, wal) = files(&store);
    for i in (0..100).filter(|i| i % 10 == 3) {
        assert!(!contains(&db, &marked_bytes(i)) && !contains(&wal, &marked_bytes(i)));
    }
}

#[test]
fn tombstones_name_every_erased_sample_and_none_comes_back_in_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 50, 5);
    let by_owner = store.submit(&Subject::Owner("o0".into())).unwrap();
    let by_ids = store.submit(&Subject::SampleIds(vec![21, 31, 21])).unwrap();
    store.erase_many(&[&by_owner.id, &by_ids.id]).unwrap();

    let tombs = store.tombstones().unwrap();
    // o0: train samples 0, 5, …, 45 (ids 1, 51, …) and test sample 1_000_001.
    assert_eq!(tombs.len(), 10 + 1 + 2);
    assert!(tombs.iter().all(|t| t.erasure == 1));
    let t21 = tombs.iter().find(|t| t.sample_id == 21).unwrap();
    assert_eq!(
        (t21.owner.as_deref(), t21.request_id.as_str()),
        (Some("o2"), by_ids.id.as_str())
    );
    let ds = store.dataset().unwrap();
    for t in &tombs {
        assert!(!ds.train.ids.contains(&t.sample_id) && !ds.test.ids.contains(&t.sample_id));
    }
    assert_eq!(ds.train.len() + ds.test.len() + tombs.len(), 53);
    assert_eq!(store.erasures().unwrap(), 1);
}

#[test]
fn a_subject_with_nothing_left_ends_as_no_data_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let first = store.submit(&Subject::Owner("o1".into())).unwrap();
    let again = store.submit(&Subject::Owner("o1".into())).unwrap();
    store.erase(&first.id).unwrap();
    let e = store.erase(&again.id).unwrap();
    assert_eq!(
        (e.status, e.sample_ids.len(), e.erasure),
        (Status::NoData, 0, None)
    );
    let req = store.request(&again.id).unwrap();
    assert_eq!(req.status, Status::NoData);
    assert_eq!(
        req.reason.unwrap(),
        format!("already erased by request {}", first.id)
    );
    assert_eq!(req.samples_erased, Some(0));
    // A final status: erasing it again is refused, not retried forever.
    assert!(matches!(
        store.erase(&again.id).unwrap_err(),
        LedgerError::InvalidTransition {
            from: Status::NoData,
            ..
        }
    ));
    assert_eq!(store.erasures().unwrap(), 1);
}

#[test]
fn sample_ids_partly_erased_already_erase_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let a = store.submit(&Subject::SampleIds(vec![1, 11])).unwrap();
    let b = store.submit(&Subject::SampleIds(vec![11, 21])).unwrap();
    store.erase(&a.id).unwrap();
    let e = store.erase(&b.id).unwrap();
    assert_eq!((e.status, e.sample_ids), (Status::Erased, vec![21]));
}

#[test]
fn subjects_that_never_had_data_are_refused_at_submission() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    assert!(matches!(
        store.submit(&Subject::Owner("nobody".into())).unwrap_err(),
        LedgerError::UnknownOwner(o) if o == "nobody"
    ));
    assert!(matches!(
        store.submit(&Subject::SampleIds(vec![1, 2])).unwrap_err(),
        LedgerError::UnknownSample(2)
    ));
    assert!(matches!(
        store.submit(&Subject::SampleIds(vec![])).unwrap_err(),
        LedgerError::InvalidSubject(_)
    ));
    assert!(matches!(
        store.submit(&Subject::Owner(String::new())).unwrap_err(),
        LedgerError::InvalidSubject(_)
    ));
    assert_eq!(store.requests(None, 10).unwrap().len(), 0);
}
