//! Behavioural tests of certified removal: the bound really bounds the
//! residual, the Newton step really approaches the exact retrain, the budget
//! really forces a retrain, and bad input is rejected with the right error.

use oubli_certified::{CertifiedError, CertifiedModel, CertifiedParams, ValidCertifiedParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

const D: usize = 20;

/// `k` Gaussian blobs: class means uniform in [−sep, sep]^d, unit noise.
/// Rows are not normalised, so training exercises the feature scaling.
fn blobs(n: usize, k: usize, sep: f32, seed: u64) -> (Vec<f32>, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let means: Vec<f32> = (0..k * D).map(|_| rng.random_range(-sep..sep)).collect();
    let (mut x, mut labels) = (Vec::with_capacity(n * D), Vec::with_capacity(n));
    for _ in 0..n {
        let c = rng.random_range(0..k);
        labels.push(c as u32);
        for j in 0..D {
            let g: f32 = rng.sample(StandardNormal);
            x.push(means[c * D + j] + g);
        }
    }
    (x, labels)
}

/// Drops rows `idx` from the caller's copy of the data, as a caller of
/// `remove` must.
fn drop_rows(x: &[f32], labels: &[u32], idx: &[usize]) -> (Vec<f32>, Vec<u32>) {
    let keep: Vec<usize> = (0..labels.len()).filter(|i| !idx.contains(i)).collect();
    let x2 = keep
        .iter()
        .flat_map(|&i| x[i * D..(i + 1) * D].iter().copied())
        .collect();
    (x2, keep.iter().map(|&i| labels[i]).collect())
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// The defaults (λ = 1e-3, σ = 10, ε = 1, δ = 1e-4): 20 sequential removals
/// (or one batch of 20) fit the budget, so no retrain hides the bound.
/// (A much larger σ is no shortcut: b then dominates w, the weights grow
/// and so do the bounds.)
fn roomy() -> CertifiedParams {
    CertifiedParams::default()
}

/// Removes `count` random points one at a time; returns the model, the
/// remaining data and the weights before any removal.
fn sequential(k: usize, count: usize, seed: u64) -> (CertifiedModel, Vec<f32>, Vec<u32>, Vec<f64>) {
    let (mut x, mut labels) = blobs(2000, k, 1.0, seed);
    let mut model = CertifiedModel::train(&x, &labels, D, k, roomy(), seed).unwrap();
    let w0 = model.weights().to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
    for step in 0..count {
        let i = rng.random_range(0..labels.len());
        let before = model.residual_spent().to_vec();
        let report = model.remove(&x, &labels, &[i]).unwrap();
        assert!(!report.retrained, "k={k} step {step}: unexpected retrain");
        (x, labels) = drop_rows(&x, &labels, &[i]);
        // Every step's bound is checked, not only the final one.
        let actual = model.gradient_norm_on(&x, &labels).unwrap();
        for (j, &a) in actual.iter().enumerate() {
            let bound = model.residual_spent()[j];
            assert!(a > 0.0, "k={k} step {step} model {j}: zero residual");
            assert!(
                a <= bound,
                "k={k} step {step} model {j}: actual {a} > bound {bound}"
            );
            assert!((bound - before[j] - report.per_model_bound[j]).abs() < 1e-12);
        }
        assert!(report.residual_total <= report.budget);
        assert!((report.budget_remaining - (report.budget - report.residual_total)).abs() < 1e-12);
    }
    assert_eq!(model.removals(), count);
    assert_eq!(model.n_train(), 2000 - count);
    (model, x, labels, w0)
}

#[test]
fn residual_bound_holds_for_sequential_removals() {
    for k in [2, 3] {
        for count in [1, 5, 20] {
            sequential(k, count, 11 + count as u64);
        }
    }
}

#[test]
fn residual_bound_holds_for_a_batch_removal() {
    for k in [2, 3] {
        let (x, labels) = blobs(2000, k, 1.0, 5);
        let mut model = CertifiedModel::train(&x, &labels, D, k, roomy(), 5).unwrap();
        let idx: Vec<usize> = (0..20).map(|r| (r * 97 + 3) % 2000).collect();
        let report = model.remove(&x, &labels, &idx).unwrap();
        assert!(!report.retrained, "{report:?}");
        assert_eq!(report.removed, 20);
        let (x2, l2) = drop_rows(&x, &labels, &idx);
        let actual = model.gradient_norm_on(&x2, &l2).unwrap();
        for (j, &a) in actual.iter().enumerate() {
            assert!(a > 0.0 && a <= model.residual_spent()[j], "model {j}: {a}");
        }
    }
}

#[test]
fn newton_step_approaches_exact_retrain() {
    for k in [2, 3] {
        for count in [1, 5, 20] {
            let (model, x, labels, w0) = sequential(k, count, 40 + count as u64);
            let exact = model.exact_retrain(&x, &labels).unwrap();
            let (newton, stale) = (
                dist(model.weights(), exact.weights()),
                dist(&w0, exact.weights()),
            );
            // Measured ratio ≈ 3e-3 on this problem: the step removes > 99%
            // of the removed points' influence on w.
            assert!(
                newton < 0.02 * stale,
                "k={k} m={count}: {newton:e} vs {stale:e}"
            );
        }
    }
}

#[test]
fn tiny_budget_forces_exact_retrain_and_resets_residual() {
    let (x, labels) = blobs(2000, 3, 1.0, 9);
    let params = CertifiedParams {
        sigma: 1e-6,
        ..CertifiedParams::default()
    };
    let mut model = CertifiedModel::train(&x, &labels, D, 3, params, 9).unwrap();
    assert!(model.budget() < 1e-6);
    let report = model.remove(&x, &labels, &[17, 1234]).unwrap();
    assert!(report.retrained);
    assert!(report.residual_bound > report.budget);
    assert_eq!(model.retrains(), 1);
    // Reset: only the new training residual (≤ tol per model) is left.
    assert!(model.residual_spent().iter().all(|&r| r <= 1e-10));
    assert!(report.residual_total <= report.budget);
    let (x2, l2) = drop_rows(&x, &labels, &[17, 1234]);
    let fresh = model.exact_retrain(&x2, &l2).unwrap();
    let gap = dist(model.weights(), fresh.weights());
    assert!(
        gap < 1e-9,
        "retrained weights differ from a fresh train by {gap:e}"
    );
    assert_eq!(model.n_train(), 1998);
}

#[test]
fn separable_blobs_are_learned() {
    let (x, labels) = blobs(3000, 3, 2.0, 21);
    let model = CertifiedModel::train(&x, &labels, D, 3, CertifiedParams::default(), 21).unwrap();
    // Held-out data from the same blobs (same seed → same means).
    let (xt, lt) = blobs(4000, 3, 2.0, 21);
    let acc = model.accuracy(&xt[3000 * D..], &lt[3000..]).unwrap();
    assert!(acc > 0.9, "accuracy {acc}");
    let proba = model.predict_proba(&xt[..10 * D]).unwrap();
    for row in proba.chunks(3) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    // Training itself reached the tolerance.
    assert!(model
        .gradient_norm_on(&x, &labels)
        .unwrap()
        .iter()
        .all(|&g| g <= 1e-10));
}

#[test]
fn training_is_deterministic_and_serialisable() {
    let (x, labels) = blobs(500, 3, 1.0, 2);
    let a = CertifiedModel::train(&x, &labels, D, 3, CertifiedParams::default(), 4).unwrap();
    let b = CertifiedModel::train(&x, &labels, D, 3, CertifiedParams::default(), 4).unwrap();
    assert_eq!(a, b);
    let c = CertifiedModel::train(&x, &labels, D, 3, CertifiedParams::default(), 5).unwrap();
    assert_ne!(a.noise(), c.noise());
    let json = serde_json::to_string(&a).unwrap();
    let back: CertifiedModel = serde_json::from_str(&json).unwrap();
    assert_eq!(a, back);
    // A truncated weight vector is rejected on load.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["weights"].as_array_mut().unwrap().pop();
    assert!(serde_json::from_value::<CertifiedModel>(v).is_err());
}

#[test]
fn params_validation_names_the_field() {
    let ok = CertifiedParams::default();
    let v = ok.validate().unwrap();
    let c = (2.0 * (1.5f64 / 1e-4).ln()).sqrt();
    assert!((v.budget() - 10.0 / c).abs() < 1e-12);
    let cases: Vec<(CertifiedParams, CertifiedError)> = vec![
        (
            CertifiedParams { lambda: 0.0, ..ok },
            CertifiedError::InvalidLambda(0.0),
        ),
        (
            CertifiedParams { sigma: -1.0, ..ok },
            CertifiedError::InvalidSigma(-1.0),
        ),
        (
            CertifiedParams { epsilon: 0.0, ..ok },
            CertifiedError::InvalidEpsilon(0.0),
        ),
        (
            CertifiedParams { delta: 1.0, ..ok },
            CertifiedError::InvalidDelta(1.0),
        ),
        (
            CertifiedParams { delta: 0.0, ..ok },
            CertifiedError::InvalidDelta(0.0),
        ),
        (
            CertifiedParams {
                max_newton_iters: 0,
                ..ok
            },
            CertifiedError::InvalidMaxNewtonIters(0),
        ),
        (
            CertifiedParams { tol: 0.0, ..ok },
            CertifiedError::InvalidTolerance(0.0),
        ),
        // A tolerance that alone exceeds the budget is rejected too.
        (
            CertifiedParams { tol: 5.0, ..ok },
            CertifiedError::InvalidTolerance(5.0),
        ),
    ];
    for (p, e) in cases {
        assert_eq!(p.validate().unwrap_err(), e);
    }
    assert!(matches!(
        CertifiedParams {
            lambda: f64::NAN,
            ..ok
        }
        .validate(),
        Err(CertifiedError::InvalidLambda(_))
    ));
    // Deserialisation re-validates.
    let bad = serde_json::to_string(&CertifiedParams { sigma: 0.0, ..ok }).unwrap();
    assert!(serde_json::from_str::<ValidCertifiedParams>(&bad).is_err());
    let good = serde_json::to_string(&v).unwrap();
    assert_eq!(
        serde_json::from_str::<ValidCertifiedParams>(&good).unwrap(),
        v
    );
}

#[test]
fn bad_data_is_rejected_and_model_left_unchanged() {
    let p = CertifiedParams::default();
    let (x, labels) = blobs(200, 3, 1.0, 3);
    let e = CertifiedModel::train(&x, &labels, D, 1, p, 0).unwrap_err();
    assert_eq!(e, CertifiedError::TooFewClasses(1));
    let e = CertifiedModel::train(&x, &labels, D, 2, p, 0).unwrap_err();
    assert!(matches!(
        e,
        CertifiedError::LabelOutOfRange { num_classes: 2, .. }
    ));
    let e = CertifiedModel::train(&x[1..], &labels, D, 3, p, 0).unwrap_err();
    assert!(matches!(e, CertifiedError::ShapeMismatch { .. }));
    assert_eq!(
        CertifiedModel::train(&[], &[], D, 3, p, 0).unwrap_err(),
        CertifiedError::EmptyData
    );
    let mut nan = x.clone();
    nan[5 * D + 1] = f32::NAN;
    assert_eq!(
        CertifiedModel::train(&nan, &labels, D, 3, p, 0).unwrap_err(),
        CertifiedError::NonFiniteFeature { row: 5 }
    );

    let mut model = CertifiedModel::train(&x, &labels, D, 3, p, 0).unwrap();
    let snapshot = model.clone();
    let err = |m: &mut CertifiedModel, x: &[f32], l: &[u32], idx: &[usize]| {
        m.remove(x, l, idx).unwrap_err()
    };
    assert_eq!(
        err(&mut model, &x, &labels, &[]),
        CertifiedError::EmptyRemoval
    );
    assert_eq!(
        err(&mut model, &x, &labels, &[200]),
        CertifiedError::IndexOutOfRange { index: 200, n: 200 }
    );
    assert_eq!(
        err(&mut model, &x, &labels, &[4, 4]),
        CertifiedError::DuplicateIndex(4)
    );
    let all: Vec<usize> = (0..200).collect();
    assert_eq!(
        err(&mut model, &x, &labels, &all),
        CertifiedError::RemovesAllData { n: 200 }
    );
    assert_eq!(
        err(&mut model, &x[D..], &labels[1..], &[0]),
        CertifiedError::TrainSizeMismatch {
            expected: 200,
            got: 199
        }
    );
    let mut big = x.clone();
    big[D..2 * D].iter_mut().for_each(|v| *v *= 100.0);
    assert!(matches!(
        err(&mut model, &big, &labels, &[0]),
        CertifiedError::RowNormTooLarge { row: 1, .. }
    ));
    assert_eq!(model, snapshot);
}
