//! Training-step micro-benchmark for profiling: `train_from` on synthetic MNIST-shaped data
//! (28×28, 10 classes), Adam, batch 128, so that a profiler sees the training loop and not
//! dataset loading.
//!
//!   cargo run --release --example step_bench -- MODEL STEPS
//!
//! MODEL is `mlp` (784-256-10) or `cnn`; one epoch of STEPS full batches is run; prints
//! samples/s and the start of the weights' sha256 (to compare builds bit for bit).
//! Under callgrind, count the whole program: each step runs on a thread of rayon's pool,
//! which a `--toggle-collect` on `run_steps` (or `train_from`) does not reach; the setup
//! (synthetic data, initialisation) is the same small cost in every build.
//!
//!   cargo run --release --example step_bench -- passes MODEL STEPS
//!
//! times the loss-and-gradient pass alone, the hand-written one against burn's autodiff
//! (the engine before them), on the same batches in one run, and prints both and the ratio.
//!
//!   cargo run --release --example step_bench -- gemm REPS
//!
//! measures this machine's f32 GEMM peak instead (512³ products with the `gemm` crate on
//! rayon's pool, as the training passes run them), to express a step as a fraction of it.

use oubli_data::Split;
use oubli_model::{train_from, ModelSpec, OptimizerState, Params, Schedule, Silent, TrainConfig};
use std::collections::BTreeMap;
use std::time::Instant;

const BATCH: usize = 128;

fn synthetic(rows: usize) -> Split {
    // Deterministic pixels in [0, 1) and labels correlated with them, so the loss moves.
    let dim = 784;
    let mut features = Vec::with_capacity(rows * dim);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..rows * dim {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        features.push((state >> 40) as f32 / (1u64 << 24) as f32);
    }
    let labels = (0..rows)
        .map(|i| (features[i * dim..(i + 1) * dim].iter().sum::<f32>() as u32) % 10)
        .collect();
    Split {
        ids: (0..rows as u64).collect(),
        features,
        labels,
        owners: vec![None; rows],
        groups: BTreeMap::new(),
        dim,
    }
}

#[inline(never)]
fn run_steps(net: &oubli_model::Network, params: &mut Params, data: &Split) {
    let config = TrainConfig {
        epochs: 1,
        batch_size: BATCH,
        schedule: Schedule::Constant,
        ..TrainConfig::default()
    }
    .validate()
    .expect("valid config");
    let mut state = OptimizerState::new(config.optimizer, params.len(), 0.9);
    train_from(net, params, &mut state, data, &config, 0, &mut Silent).expect("trains");
}

/// GFLOP/s of `reps` 512×512×512 f32 products (2 flops per multiply-add).
fn gemm_peak(reps: usize) -> f64 {
    let n = 512;
    let a: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..n * n).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut c = vec![0.0f32; n * n];
    let t = Instant::now();
    for _ in 0..reps {
        // SAFETY: three distinct n×n row-major buffers.
        unsafe {
            gemm::gemm(
                n,
                n,
                n,
                c.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr(),
                1,
                n as isize,
                b.as_ptr(),
                1,
                n as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::Rayon(0),
            );
        }
    }
    assert!(c[n + 1].is_finite());
    2.0 * (n * n * n * reps) as f64 / t.elapsed().as_secs_f64() / 1e9
}

/// Samples/s of `steps` loss-and-gradient passes on batches of `BATCH`, with `pass`.
fn time_passes(
    data: &Split,
    steps: usize,
    pass: impl Fn(&[f32], &[f32], usize) -> (f32, Vec<f32>),
) -> f64 {
    let targets = oubli_model::one_hot(&data.labels, 10);
    let t = Instant::now();
    for s in 0..steps {
        let rows = s * BATCH..(s + 1) * BATCH;
        let x = &data.features[rows.start * data.dim..rows.end * data.dim];
        let (loss, _) = pass(x, &targets[rows.start * 10..rows.end * 10], BATCH);
        assert!(loss.is_finite());
    }
    (steps * BATCH) as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = args.get(1).map_or("mlp", String::as_str);
    let steps = |i: usize| -> usize { args.get(i).map_or(50, |s| s.parse().expect("STEPS")) };
    if model == "gemm" {
        println!("gemm 512³ f32: {:.1} GFLOP/s", gemm_peak(steps(2)));
        return;
    }
    if model == "passes" {
        let model = args.get(2).map_or("mlp", String::as_str);
        let steps = steps(3);
        let spec = ModelSpec::by_name(model, vec![1, 28, 28], 10).expect("model name");
        let net = oubli_model::Network::new(spec).expect("spec");
        let data = synthetic(steps * BATCH);
        let params = Params::init(net.spec(), 0);
        let b = BATCH as f32;
        // Warm-up, then the two engines alternately, twice, best of each.
        time_passes(&data, steps.min(5), |x, t, n| {
            net.loss_and_grad(&params, x, t, n, b)
        });
        let (mut native, mut autodiff) = (0.0f64, 0.0f64);
        for _ in 0..2 {
            native = native.max(time_passes(&data, steps, |x, t, n| {
                net.loss_and_grad(&params, x, t, n, b)
            }));
            autodiff = autodiff.max(time_passes(&data, steps, |x, t, n| {
                net.loss_and_grad_autodiff(&params, x, t, n, b)
            }));
        }
        println!(
            "{model} passes: native {native:.0} samples/s, burn autodiff {autodiff:.0} samples/s, ratio {:.2}",
            native / autodiff
        );
        return;
    }
    let rows = steps(2) * BATCH;
    let spec = ModelSpec::by_name(model, vec![1, 28, 28], 10).expect("model name");
    let net = oubli_model::Network::new(spec).expect("spec");
    let data = synthetic(rows);
    let mut params = Params::init(net.spec(), 0);
    let t = Instant::now();
    run_steps(&net, &mut params, &data);
    let s = t.elapsed().as_secs_f64();
    println!(
        "{model}: {rows} samples in {s:.3}s = {:.0} samples/s, weights {}",
        rows as f64 / s,
        &params.sha256()[..16]
    );
}
