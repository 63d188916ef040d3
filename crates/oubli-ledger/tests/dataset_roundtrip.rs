//! The store is the source of truth for training: what goes in comes back bit for bit,
//! minus exactly the erased samples.

mod common;

use oubli_data::{Dataset, Split};
use oubli_ledger::{Status, Store, StoreOptions, Subject};

fn assert_split_identical(a: &Split, b: &Split) {
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.owners, b.owners);
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.dim, b.dim);
    let bits = |s: &Split| s.features.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(a), bits(b));
    assert_eq!(a.fingerprint(), b.fingerprint());
}

fn assert_identical(a: &Dataset, b: &Dataset) {
    assert_eq!(a.name, b.name);
    assert_eq!(a.shape, b.shape);
    assert_eq!(a.num_classes, b.num_classes);
    assert_eq!(a.class_names, b.class_names);
    assert_split_identical(&a.train, &b.train);
    assert_split_identical(&a.test, &b.test);
}

#[test]
fn digits_come_back_bit_for_bit_after_init_and_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let digits = oubli_data::load("digits", &Default::default()).unwrap();
    let store = Store::init(dir.path(), &digits, StoreOptions::default()).unwrap();
    assert_identical(&store.dataset().unwrap(), &digits);
    assert_eq!(store.sample_count().unwrap(), 1438 + 359);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_identical(&store.dataset().unwrap(), &digits);
}

#[test]
fn erasing_an_owner_gives_exactly_the_dataset_without_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    let digits = oubli_data::load("digits", &Default::default()).unwrap();
    let store = Store::init(dir.path(), &digits, StoreOptions::default()).unwrap();
    let owner = digits.train.owners[0].clone().unwrap();
    let req = store.submit(&Subject::Owner(owner.clone())).unwrap();
    let erasure = store.erase(&req.id).unwrap();
    assert_eq!(erasure.status, Status::Erased);

    let mut expected = digits.clone();
    let owned: Vec<u64> = (0..digits.train.len())
        .filter(|&i| digits.train.owners[i].as_deref() == Some(owner.as_str()))
        .map(|i| digits.train.ids[i])
        .collect();
    assert!(!owned.is_empty());
    assert_eq!(erasure.sample_ids, {
        let mut s = owned.clone();
        s.sort();
        s
    });
    expected.exclude(&owned).unwrap();
    let now = store.dataset().unwrap();
    assert_identical(&now, &expected);
    assert_ne!(now.train.fingerprint(), digits.train.fingerprint());
}

#[test]
fn group_attributes_test_owners_and_empty_splits_survive_the_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut ds = common::marked_dataset(10, 3);
    let (store, _) = common::marked_store(dir.path(), 10, 3);
    assert_identical(&store.dataset().unwrap(), &ds);

    // Erasing every test sample by id still leaves a test split with its dim and groups.
    let req = store
        .submit(&Subject::SampleIds(ds.test.ids.clone()))
        .unwrap();
    assert_eq!(store.erase(&req.id).unwrap().sample_ids.len(), 3);
    let back = store.dataset().unwrap();
    ds.test = ds.test.subset(&[]);
    assert_identical(&back, &ds);
    assert_eq!(back.test.groups.keys().collect::<Vec<_>>(), vec!["g"]);
}

#[test]
fn a_dataset_with_misaligned_vectors_is_refused_and_leaves_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut ds = common::marked_dataset(4, 2);
    ds.train.owners.pop();
    let err = Store::init(dir.path(), &ds, StoreOptions::default()).unwrap_err();
    assert!(
        matches!(err, oubli_ledger::LedgerError::InvalidDataset { .. }),
        "{err}"
    );
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        oubli_ledger::LedgerError::NoStore(_)
    ));
    // And the directory can be initialised again once the data is fixed.
    Store::init(
        dir.path(),
        &common::marked_dataset(4, 2),
        StoreOptions::default(),
    )
    .unwrap();
}

#[test]
fn init_refuses_a_directory_that_already_holds_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let ds = common::marked_dataset(4, 2);
    Store::init(dir.path(), &ds, StoreOptions::default()).unwrap();
    let err = Store::init(dir.path(), &ds, StoreOptions::default()).unwrap_err();
    assert!(matches!(
        err,
        oubli_ledger::LedgerError::AlreadyInitialised(_)
    ));
}
