//! Shared test fixtures: small datasets whose feature bytes are easy to find on disk, and a
//! clock the test moves by hand.
#![allow(dead_code)]

use oubli_data::{Dataset, Split};
use oubli_ledger::{Store, StoreOptions, Timestamp};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// 2026-12-02T06:00:00Z.
pub const T0: i64 = 1_796_191_200;

/// Features of train sample `i`: four floats whose bits spell a pattern found nowhere else
/// (a marker word, the sample index twice, and a second marker).
pub fn marked_row(i: u32) -> Vec<f32> {
    [0x7E57_DA7A, 0x1000_0000 | i, 0x2000_0000 | i, 0x0BAD_F00D]
        .into_iter()
        .map(f32::from_bits)
        .collect()
}

/// The raw bytes of [`marked_row`] as the store writes them.
pub fn marked_bytes(i: u32) -> Vec<u8> {
    oubli_ledger::feature_bytes(&marked_row(i))
}

/// `n` train samples (owner `o{i % owners}`, group `g` = `i % 3`) and 3 test samples, dim 4.
pub fn marked_dataset(n: u32, owners: u32) -> Dataset {
    let mut train = Split {
        dim: 4,
        ..Split::default()
    };
    let mut group = Vec::new();
    for i in 0..n {
        train.ids.push(u64::from(i) * 10 + 1);
        train.features.extend(marked_row(i));
        train.labels.push(i % 2);
        train.owners.push(Some(format!("o{}", i % owners)));
        group.push(format!("g{}", i % 3));
    }
    train.groups.insert("g".into(), group);
    let test = Split {
        ids: vec![1_000_000, 1_000_001, 1_000_002],
        features: vec![0.5; 12],
        labels: vec![0, 1, 0],
        owners: vec![None, Some("o0".into()), None],
        groups: [("g".to_string(), vec!["g0".into(), "g1".into(), "g2".into()])].into(),
        dim: 4,
    };
    Dataset {
        name: "marked".into(),
        shape: vec![4],
        num_classes: 2,
        class_names: vec!["even".into(), "odd".into()],
        train,
        test,
        csv: None,
    }
}

/// A clock that stays where the test puts it.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn at(secs: i64) -> TestClock {
        TestClock(Arc::new(AtomicI64::new(secs)))
    }
    pub fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }
    pub fn install(&self, store: &mut Store) {
        let inner = self.0.clone();
        store.set_clock(Arc::new(move || Timestamp(inner.load(Ordering::SeqCst))));
    }
}

/// A store over [`marked_dataset`] with a test clock at [`T0`].
pub fn marked_store(dir: &std::path::Path, n: u32, owners: u32) -> (Store, TestClock) {
    let mut store = Store::init(dir, &marked_dataset(n, owners), StoreOptions::default()).unwrap();
    let clock = TestClock::at(T0);
    clock.install(&mut store);
    (store, clock)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The bytes of a file, empty if it does not exist.
pub fn read_or_empty(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}
