//! One certified removal against a full retrain of the same model, side by
//! side, then a stream of sequential removals; the same for ridge exact
//! removal. Not a test: timings are printed, never asserted.
//!
//! ```text
//! cargo run --release -p oubli-certified --example removal_bench -- adult [REMOVALS] [POLICY]
//! cargo run --release -p oubli-certified --example removal_bench -- synthetic256 [REMOVALS] [POLICY]
//! ```
//!
//! `adult` reads `data/adult` (or `$OUBLI_DATA_DIR`; `scripts/fetch-datasets.sh adult`).
//! `synthetic256` is 60,000 + 10,000 rows of 10 Gaussian classes in 256
//! dimensions: the shape of MNIST's frozen-MLP features, not those features.
//! `features:DIR` reads a frozen network's penultimate features written by
//! oubli-model's `dump_features` example (MNIST's real frozen-MLP features).
//! POLICY is `auto` (default), `every-removal` or `when-over-budget`.

use std::time::Instant;

use oubli_certified::{CertifiedModel, CertifiedParams, RefreshPolicy, RemovalOptions, RidgeModel};
use oubli_data::{load, LoadOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

struct Data {
    x: Vec<f32>,
    y: Vec<u32>,
    xt: Vec<f32>,
    yt: Vec<u32>,
    dim: usize,
    k: usize,
}

fn synthetic(n: usize, nt: usize, dim: usize, k: usize) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(256);
    let means: Vec<f32> = (0..k * dim).map(|_| rng.random_range(-0.3..0.3)).collect();
    let mut draw = |n: usize| {
        let (mut x, mut y) = (Vec::with_capacity(n * dim), Vec::with_capacity(n));
        for _ in 0..n {
            let c = rng.random_range(0..k);
            y.push(c as u32);
            for j in 0..dim {
                let g: f32 = rng.sample(StandardNormal);
                x.push(means[c * dim + j] + g);
            }
        }
        (x, y)
    };
    let (x, y) = draw(n);
    let (xt, yt) = draw(nt);
    Data {
        x,
        y,
        xt,
        yt,
        dim,
        k,
    }
}

fn dumped(dir: &std::path::Path) -> Data {
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let floats = |b: Vec<u8>| -> Vec<f32> {
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let ints = |b: Vec<u8>| -> Vec<u32> {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let meta = String::from_utf8(read("meta.txt")).unwrap();
    let mut it = meta.split_whitespace().map(|v| v.parse::<usize>().unwrap());
    let (dim, k) = (it.next().unwrap(), it.next().unwrap());
    Data {
        x: floats(read("train.f32")),
        y: ints(read("train.u32")),
        xt: floats(read("test.f32")),
        yt: ints(read("test.u32")),
        dim,
        k,
    }
}

fn swap_remove(x: &mut Vec<f32>, y: &mut Vec<u32>, dim: usize, i: usize) {
    let last = y.len() - 1;
    x.copy_within(last * dim..(last + 1) * dim, i * dim);
    x.truncate(last * dim);
    y.swap_remove(i);
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).powi(2))
        .sum::<f64>()
        .sqrt()
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("adult", String::as_str);
    let stream: usize = args.get(1).map_or(2000, |s| s.parse().expect("REMOVALS"));
    let policy = match args.get(2).map_or("auto", String::as_str) {
        "auto" => RefreshPolicy::Auto,
        "every-removal" => RefreshPolicy::EveryRemoval,
        "when-over-budget" => RefreshPolicy::WhenOverBudget,
        p => panic!("unknown policy {p}"),
    };
    let sigma: f64 = args.get(3).map_or(10.0, |s| s.parse().expect("SIGMA"));
    let data = match which {
        "adult" => {
            let ds = load("adult", &LoadOptions::default()).expect("adult (fetch it first)");
            Data {
                dim: ds.dim(),
                k: ds.num_classes,
                x: ds.train.features,
                y: ds.train.labels,
                xt: ds.test.features,
                yt: ds.test.labels,
            }
        }
        "synthetic256" => synthetic(60_000, 10_000, 256, 10),
        w if w.starts_with("features:") => dumped(std::path::Path::new(&w["features:".len()..])),
        w => panic!("unknown data set {w}"),
    };
    let (dim, k) = (data.dim, data.k);
    println!(
        "{which}: n = {}, d = {dim}, classes = {k}, policy {policy:?}, threads {}",
        data.y.len(),
        rayon::current_num_threads()
    );
    certified(&mut data.clone_view(), stream, policy, sigma);
    ridge(&data);
}

impl Data {
    fn clone_view(&self) -> Data {
        Data {
            x: self.x.clone(),
            y: self.y.clone(),
            xt: self.xt.clone(),
            yt: self.yt.clone(),
            dim: self.dim,
            k: self.k,
        }
    }
}

fn certified(data: &mut Data, stream: usize, policy: RefreshPolicy, sigma: f64) {
    let (dim, k) = (data.dim, data.k);
    let params = CertifiedParams {
        sigma,
        ..CertifiedParams::default()
    };
    println!(
        "certified: σ = {sigma}, budget {:.3}",
        params.validate().unwrap().budget()
    );
    let t = Instant::now();
    let trained = CertifiedModel::train(&data.x, &data.y, dim, k, params, 1).unwrap();
    let train_s = secs(t);
    let acc0 = trained.accuracy(&data.xt, &data.yt).unwrap();
    println!(
        "certified: train {train_s:.3} s, test accuracy {:.2}%",
        100.0 * acc0
    );

    // One removal by each path against a full retrain on D′, interleaved in
    // rounds so that load from other processes hits all of them alike;
    // medians are reported.
    let fast = RemovalOptions {
        refresh: policy,
        check_all_rows: false,
        ..RemovalOptions::default()
    };
    let every = RemovalOptions {
        refresh: RefreshPolicy::EveryRemoval,
        check_all_rows: false,
        ..RemovalOptions::default()
    };
    let (mut t_retrain, mut t_fast, mut t_remove, mut t_old) = (vec![], vec![], vec![], vec![]);
    let mut one = None;
    for round in 0..3 {
        let i = data.y.len() / 3 + round;
        let (mut x2, mut y2) = (data.x.clone(), data.y.clone());
        swap_remove(&mut x2, &mut y2, dim, i);
        let t = Instant::now();
        let retrained = trained.exact_retrain(&x2, &y2).unwrap();
        t_retrain.push(secs(t));
        for trial in 0..7 {
            let mut a = trained.clone();
            let r = a
                .remove_with(&data.x, &data.y, &[i + 10 * trial], &fast)
                .unwrap();
            t_fast.push(r.seconds);
            if trial == 0 {
                let gap = dist(a.weights(), retrained.weights());
                one.get_or_insert((r.residual_bound, r.budget, gap));
            }
        }
        let mut b = trained.clone();
        t_remove.push(b.remove(&data.x, &data.y, &[i]).unwrap().seconds);
        let mut c = trained.clone();
        t_old.push(
            c.remove_with(&data.x, &data.y, &[i], &every)
                .unwrap()
                .seconds,
        );
    }
    let retrain_s = median(&mut t_retrain);
    println!("certified: full retrain on D′ {retrain_s:.3} s (median of 3)");
    for (name, times) in [
        (
            "one removal, kept Hessian, removed rows checked",
            &mut t_fast,
        ),
        (
            "one removal, kept Hessian, all rows checked (`remove`)",
            &mut t_remove,
        ),
        ("one removal, Hessian recomputed (the old path)", &mut t_old),
    ] {
        let n = times.len();
        let m = median(times);
        println!(
            "certified: {name}: {m:.6} s (median of {n}) = {:.0}x faster",
            retrain_s / m
        );
    }
    let (bound, budget, gap) = one.unwrap();
    println!("certified: one removal's bound {bound:.3e} of budget {budget:.3}; ‖w⁻ − w*(D′)‖ = {gap:.3e}");

    // A stream of sequential removals from the trained model.
    let mut model = trained;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut refreshes, mut exacts, mut first_retrain) = (0, 0, None);
    let mut fast_times = Vec::new();
    let (mut refresh_s, mut check_s, mut retrain_stream_s) = (0.0, 0.0, 0.0);
    let t = Instant::now();
    for step in 0..stream {
        let i = rng.random_range(0..data.y.len());
        let r = model.remove_with(&data.x, &data.y, &[i], &fast).unwrap();
        swap_remove(&mut data.x, &mut data.y, dim, i);
        if r.retrained {
            first_retrain.get_or_insert(step);
            retrain_stream_s += r.seconds;
        } else if r.refreshed {
            refreshes += 1;
            refresh_s += r.seconds;
        } else if r.exact_residual {
            exacts += 1;
            check_s += r.seconds;
        } else {
            fast_times.push(r.seconds);
        }
    }
    let total = secs(t);
    let n0 = data.y.len() + stream;
    let retrain_each: f64 = (1..=stream)
        .map(|t| retrain_s * (n0 - t) as f64 / n0 as f64)
        .sum();
    fast_times.sort_by(f64::total_cmp);
    let med = fast_times
        .get(fast_times.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let acc = model.accuracy(&data.xt, &data.yt).unwrap();
    println!(
        "certified stream: {stream} removals in {total:.3} s ({:.6} s each on average, {:.0}x a retrain each); \
         {} by the kept Hessian alone (median {med:.6} s, {:.0}x), {refreshes} refreshes, {exacts} exact-residual checks, \
         {} retrains (first at removal {}); retraining after each would take ≈ {:.0} s ({:.0}x; a retrain's time scaled by the rows left); \
         residual {:.3e} of budget {:.3}; test accuracy {:.2}% (before {:.2}%)",
        total / stream as f64,
        retrain_s * stream as f64 / total,
        fast_times.len(),
        retrain_s / med,
        model.retrains(),
        first_retrain.map_or("none".to_string(), |s| (s + 1).to_string()),
        retrain_each,
        retrain_each / total,
        model.residual_total(),
        model.budget(),
        100.0 * acc,
        100.0 * acc0,
    );
    let fast_s: f64 = fast_times.iter().sum();
    println!(
        "certified stream time: {fast_s:.3} s in kept-Hessian removals, {refresh_s:.3} s in removals \
         with a refresh, {check_s:.3} s with an exact-residual check, {retrain_stream_s:.3} s with a retrain"
    );
    let t = Instant::now();
    let exact = model.exact_retrain(&data.x, &data.y).unwrap();
    println!(
        "certified stream end: {} rows left; test accuracy of the served model {:.2}% vs a retrain on \
         the same rows {:.2}% (retrain {:.3} s)",
        data.y.len(),
        100.0 * model.accuracy(&data.xt, &data.yt).unwrap(),
        100.0 * exact.accuracy(&data.xt, &data.yt).unwrap(),
        secs(t)
    );
}

fn ridge(data: &Data) {
    let (dim, k) = (data.dim, data.k);
    let lambda = 1.0;
    let t = Instant::now();
    let model = RidgeModel::fit_classifier(&data.x, &data.y, dim, k, lambda).unwrap();
    let fit_s = secs(t);
    let acc = model.accuracy(&data.xt, &data.yt).unwrap();
    // 100 sequential single-row removals, each timed, then a refit on D′.
    let (mut x, mut y) = (data.x.clone(), data.y.clone());
    let mut m = model.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let mut times = Vec::new();
    for _ in 0..100 {
        let i = rng.random_range(0..y.len());
        let t = Instant::now();
        m.remove_labeled(&x[i * dim..(i + 1) * dim], &y[i..=i])
            .unwrap();
        times.push(secs(t));
        swap_remove(&mut x, &mut y, dim, i);
    }
    let mut refits = Vec::new();
    let mut refit = None;
    for _ in 0..3 {
        let t = Instant::now();
        refit = Some(RidgeModel::fit_classifier(&x, &y, dim, k, lambda).unwrap());
        refits.push(secs(t));
    }
    let (refit, refit_s) = (refit.unwrap(), median(&mut refits));
    let max_diff = m
        .weights()
        .iter()
        .zip(refit.weights())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let max_w = refit.weights().iter().map(|w| w.abs()).fold(0.0, f64::max);
    times.sort_by(f64::total_cmp);
    let med = times[times.len() / 2];
    println!(
        "ridge (λ = {lambda}): fit {fit_s:.3} s, test accuracy {:.2}%; one exact removal median {med:.6} s \
         vs refit on D′ {refit_s:.3} s (median of 3) = {:.0}x; after 100 removals max |w − w_refit| = {max_diff:.2e} (max |w| {max_w:.2e})",
        100.0 * acc,
        refit_s / med,
    );
}
