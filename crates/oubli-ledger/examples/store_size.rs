//! Times `Store::init`, `dataset()` and one owner's erasure on a synthetic MNIST-sized
//! dataset (60,000 train + 10,000 test samples of 784 floats, 1,000 owners), and reports the
//! file size.
//!
//! ```text
//! cargo run --release -p oubli-ledger --example store_size [-- DIR]
//! ```

use oubli_data::{Dataset, Split};
use oubli_ledger::{Store, StoreOptions, Subject};
use std::time::Instant;

fn split(n: usize, first_id: u64, owners: bool) -> Split {
    let dim = 784;
    Split {
        ids: (0..n as u64).map(|i| first_id + i).collect(),
        features: (0..n * dim).map(|k| (k % 251) as f32 / 251.0).collect(),
        labels: (0..n).map(|i| (i % 10) as u32).collect(),
        owners: (0..n)
            .map(|i| owners.then(|| (i % 1000).to_string()))
            .collect(),
        groups: Default::default(),
        dim,
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target/ledger-size"));
    let _ = std::fs::remove_dir_all(&dir);
    let ds = Dataset {
        name: "synthetic-mnist".into(),
        shape: vec![1, 28, 28],
        num_classes: 10,
        class_names: (0..10).map(|c| c.to_string()).collect(),
        train: split(60_000, 0, true),
        test: split(10_000, 1_000_000, false),
        csv: None,
    };
    let t = Instant::now();
    let store = Store::init(&dir, &ds, StoreOptions::default()).unwrap();
    println!("init: {:.2} s", t.elapsed().as_secs_f64());
    let size = std::fs::metadata(store.db_path()).unwrap().len();
    println!("file: {:.1} MB", size as f64 / 1e6);
    let t = Instant::now();
    let back = store.dataset().unwrap();
    println!(
        "dataset(): {} samples in {:.2} s",
        back.train.len() + back.test.len(),
        t.elapsed().as_secs_f64()
    );
    let id = store.submit(&Subject::Owner("7".into())).unwrap().id;
    let t = Instant::now();
    let e = store.erase(&id).unwrap();
    println!(
        "erase one owner ({} samples, WAL truncated: {}): {:.3} s",
        e.sample_ids.len(),
        e.wal_truncated,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    store.verify_state().unwrap();
    println!("verify_state: {:.3} s", t.elapsed().as_secs_f64());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
