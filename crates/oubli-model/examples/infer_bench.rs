//! Inference speed of a model file, as `oubli serve` runs it (a [`PreparedNetwork`]: the
//! weights uploaded once): batch throughput over MNIST's test set and single-sample latency.
//! The PyTorch side is `scripts/bench_torch.py … --infer`; `scripts/bench-vs-pytorch.sh`
//! runs both side by side.
//!
//! ```text
//! cargo run --release -p oubli-model --example infer_bench -- MODEL.safetensors [BATCH=1000] [SINGLES=2000]
//! ```
//!
//! Prints one JSON line: `batch_samples_per_second`, `single_latency_us` (median and p99).

use std::time::Instant;

use oubli_data::{load, LoadOptions};
use oubli_model::file::ModelFile;
use oubli_model::Network;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: infer_bench MODEL.safetensors [BATCH] [SINGLES]");
    let batch: usize = args.next().map_or(1000, |v| v.parse().expect("BATCH"));
    let singles: usize = args.next().map_or(2000, |v| v.parse().expect("SINGLES"));
    let model = ModelFile::load(std::path::Path::new(&path)).expect("model file");
    let ds = load(&model.lineage.dataset, &LoadOptions::default()).expect("dataset");
    let net = Network::new(model.lineage.spec.clone()).expect("network");
    let prepared = net.prepare(&model.params);
    let (x, dim, n) = (&ds.test.features, ds.test.dim, ds.test.len());

    // Warm-up: first-touch allocations and kernel selection are not inference speed.
    let _ = prepared.probabilities(&x[..batch.min(n) * dim], batch.min(n));
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for lo in (0..n).step_by(batch) {
            let hi = (lo + batch).min(n);
            std::hint::black_box(prepared.probabilities(&x[lo * dim..hi * dim], hi - lo));
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mut latencies: Vec<f64> = (0..singles)
        .map(|i| {
            let row = &x[(i % n) * dim..(i % n + 1) * dim];
            let start = Instant::now();
            std::hint::black_box(prepared.probabilities(row, 1));
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "{}",
        serde_json::json!({
            "framework": "oubli",
            "model": model.lineage.spec.arch_name(),
            "batch": batch,
            "batch_samples_per_second": n as f64 / best,
            "single_latency_us": {"median": at(0.5), "p99": at(0.99)},
            "threads": rayon::current_num_threads(),
        })
    );
}
