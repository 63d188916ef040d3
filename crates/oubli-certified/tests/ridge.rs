//! Ridge regression's exact removal: after downdating the sufficient
//! statistics the weights are those of a refit on the remaining rows, to
//! 1e-9, for regression and for a classification head.

use oubli_certified::{CertifiedError, RidgeModel};
use oubli_data::{load, LoadOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

const D: usize = 12;

/// y = Xβ + noise, two outputs.
fn regression(n: usize, seed: u64) -> (Vec<f32>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let beta: Vec<f64> = (0..2 * D).map(|_| rng.sample(StandardNormal)).collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let row: Vec<f32> = (0..D).map(|_| rng.sample(StandardNormal)).collect();
        for o in 0..2 {
            let clean: f64 = row
                .iter()
                .zip(&beta[o * D..])
                .map(|(&a, b)| f64::from(a) * b)
                .sum();
            let noise: f64 = rng.sample(StandardNormal);
            y.push(clean + 0.1 * noise);
        }
        x.extend(row);
    }
    (x, y)
}

/// Largest |a − b| relative to the largest |b|.
fn rel_gap(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().map(|v| v.abs()).fold(0.0, f64::max);
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
        / scale
}

#[test]
fn ridge_removal_matches_a_refit_on_the_remaining_rows_within_1e9() {
    let (mut x, mut y) = regression(600, 1);
    let mut model = RidgeModel::fit(&x, &y, D, 2, 0.5).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    // 300 removals in batches of 1 to 5 rows, compared with a refit each time.
    let mut removed = 0;
    while removed < 300 {
        let m = rng.random_range(1..=5);
        let start = rng.random_range(0..y.len() / 2 - m);
        model
            .remove_rows(
                &x[start * D..(start + m) * D],
                &y[start * 2..(start + m) * 2],
            )
            .unwrap();
        x.drain(start * D..(start + m) * D);
        y.drain(start * 2..(start + m) * 2);
        removed += m;
        let refit = RidgeModel::fit(&x, &y, D, 2, 0.5).unwrap();
        let gap = rel_gap(model.weights(), refit.weights());
        assert!(gap < 1e-9, "after {removed} removals: relative gap {gap:e}");
        assert_eq!(model.n_train(), refit.n_train());
    }
    // And it did move: the first weights are not the last.
    let first = RidgeModel::fit(&regression(600, 1).0, &regression(600, 1).1, D, 2, 0.5).unwrap();
    assert!(rel_gap(first.weights(), model.weights()) > 1e-3);
}

#[test]
fn a_ridge_head_on_digits_forgets_exactly_and_survives_json() {
    let data = load("digits", &LoadOptions::default()).unwrap();
    let (dim, k) = (data.dim(), data.num_classes);
    let (mut x, mut y) = (data.train.features.clone(), data.train.labels.clone());
    let model = RidgeModel::fit_classifier(&x, &y, dim, k, 1.0).unwrap();
    assert!(
        model
            .accuracy(&data.test.features, &data.test.labels)
            .unwrap()
            > 0.9
    );
    // Saved and loaded: the factor is rebuilt by the first removal.
    let json = serde_json::to_string(&model).unwrap();
    let mut loaded: RidgeModel = serde_json::from_str(&json).unwrap();
    assert_eq!(loaded, model);
    for _ in 0..200 {
        let i = y.len() / 2;
        loaded
            .remove_labeled(&x[i * dim..(i + 1) * dim], &y[i..=i])
            .unwrap();
        x.drain(i * dim..(i + 1) * dim);
        y.remove(i);
    }
    let refit = RidgeModel::fit_classifier(&x, &y, dim, k, 1.0).unwrap();
    let gap = rel_gap(loaded.weights(), refit.weights());
    assert!(gap < 1e-9, "relative gap {gap:e}");
    assert_eq!(
        loaded.predict_class(&data.test.features).unwrap(),
        refit.predict_class(&data.test.features).unwrap()
    );
}

#[test]
fn bad_ridge_input_is_rejected_and_the_model_left_unchanged() {
    let (x, y) = regression(50, 3);
    assert_eq!(
        RidgeModel::fit(&x, &y, D, 2, 0.0).unwrap_err(),
        CertifiedError::InvalidLambda(0.0)
    );
    assert!(matches!(
        RidgeModel::fit(&x, &y[1..], D, 2, 1.0),
        Err(CertifiedError::ShapeMismatch {
            what: "targets",
            ..
        })
    ));
    let mut nan = y.clone();
    nan[7] = f64::NAN;
    assert_eq!(
        RidgeModel::fit(&x, &nan, D, 2, 1.0).unwrap_err(),
        CertifiedError::NonFiniteTarget { row: 3 }
    );
    let mut model = RidgeModel::fit(&x, &y, D, 2, 1.0).unwrap();
    let snapshot = model.clone();
    assert_eq!(
        model.remove_rows(&[], &[]).unwrap_err(),
        CertifiedError::EmptyRemoval
    );
    assert_eq!(
        model.remove_rows(&x, &y).unwrap_err(),
        CertifiedError::RemovesAllData { n: 50 }
    );
    assert!(matches!(
        model.remove_labeled(&x[..D], &[5]),
        Err(CertifiedError::LabelOutOfRange { label: 5, .. })
    ));
    assert_eq!(model, snapshot);
    assert_eq!(model.weights(), snapshot.weights());
}
