//! Measures durable deletion intake: `submit_many` requests per second with batches of 1,
//! 16, 64 and 256 (one transaction and one WAL fsync per batch), then the cost of erasing,
//! rebuilding the dataset and walking the audit chain.
//!
//! ```text
//! cargo run --release -p oubli-ledger --example submit_throughput [-- DIR]
//! ```
//! DIR (default: a fresh folder under `target/`) must be on the disk being measured: on a
//! tmpfs every fsync is free and the numbers mean nothing.

use oubli_ledger::{Store, StoreOptions, Subject};
use std::time::Instant;

fn main() {
    let base = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target/ledger-bench"));
    let _ = std::fs::remove_dir_all(&base);
    let data = oubli_data::load("digits", &Default::default()).expect("digits are compiled in");
    let owners: Vec<String> = {
        let mut o: Vec<String> = data.train.owners.iter().flatten().cloned().collect();
        o.sort();
        o.dedup();
        o
    };
    println!("batch  requests  seconds  requests/s  fsyncs/s");
    for (batch, total) in [
        (1usize, 1_000usize),
        (16, 8_000),
        (64, 32_000),
        (256, 64_000),
    ] {
        let dir = base.join(format!("batch-{batch}"));
        let store = Store::init(&dir, &data, StoreOptions::default()).unwrap();
        let subjects: Vec<Subject> = (0..batch)
            .map(|k| Subject::Owner(owners[k % owners.len()].clone()))
            .collect();
        let start = Instant::now();
        for _ in 0..total / batch {
            for r in store.submit_many(&subjects).unwrap() {
                r.unwrap();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{batch:>5}  {total:>8}  {secs:>7.3}  {:>10.0}  {:>8.0}",
            total as f64 / secs,
            (total / batch) as f64 / secs
        );
        if batch == 256 {
            after_intake(&store, total);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}

fn after_intake(store: &Store, entries: usize) {
    let start = Instant::now();
    let report = store.verify_chain().unwrap();
    println!(
        "verify_chain: {} entries in {:.3} s",
        report.entries,
        start.elapsed().as_secs_f64()
    );
    assert!(report.entries as usize > entries);
    let pending: Vec<String> = store
        .requests(Some(oubli_ledger::Status::Received), 50)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let ids: Vec<&str> = pending.iter().map(String::as_str).collect();
    let start = Instant::now();
    let erased: usize = store
        .erase_many(&ids)
        .unwrap()
        .iter()
        .map(|e| e.sample_ids.len())
        .sum();
    println!(
        "erase_many: 50 requests, {erased} samples, with WAL truncation, in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let ds = store.dataset().unwrap();
    println!(
        "dataset(): {} train + {} test samples rebuilt in {:.3} s",
        ds.train.len(),
        ds.test.len(),
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let m = store.metrics(5).unwrap();
    println!(
        "metrics(): {} pending in {:.4} s",
        m.pending,
        start.elapsed().as_secs_f64()
    );
}
