//! The verifier must say `not_forgotten` for `noop` and `forgotten` for an
//! exact unlearning (a retrain from another seed than the audit's oracle),
//! for class, random-sample and owner forgetting on `digits`.
//!
//! Why these forget sets. The digits MLP (20 epochs, ≈ 98 % test accuracy)
//! generalises so well that its *test* losses are as small as its training
//! losses (median ≈ 2e-4 on both sides): the loss, NeurIPS and confidence
//! attacks have no power on a random forget set, and forget accuracy
//! differs from the oracle's by only 1–3 points. Only LiRA, with per-sample
//! calibration, sees the memorisation, and its power is a matter of shadows
//! and sample count. Measured (LiRA AUC original vs oracle): random 10 %
//! (144 samples) with K = 8: 0.575 vs 0.502, 1.5 standard errors, so the
//! honest answer is `inconclusive`; with K = 16: 0.637 vs 0.454 (3.9 SE, but
//! the oracle's 0.454 is a low draw); random 25 % with K = 16: 0.615 vs
//! 0.510 (3.5 SE; the 359-sample test split caps LiRA's pool there); the
//! three largest owners (76 samples) with K = 16: 0.668 vs 0.433 (3.7 SE).
//! So the scenarios use 25 % and K = 16 rather than loosening the verdict's
//! rule. Class forgetting needs none of this: the oracle gets 0 % of the
//! class right. (Measured before the paired DeLong test and RMIA; with them
//! the random 10 % noop is `not_forgotten` from K = 1, see
//! `examples/rmia_vs_lira.rs`.)

mod support;
use oubli_data::Selection;
use oubli_verify::Verdict;
use support::*;

fn noop_fails_and_retrain_passes(label: &str, selection: &Selection) {
    let ds = digits();
    let original = original(&ds, digits_config());
    let config = lean_config();
    let report = run(
        &format!("{label} noop"),
        &original,
        &noop(&original, &ds, selection),
        &ds,
        selection,
        &config,
    );
    assert_eq!(
        report.verdict,
        Verdict::NotForgotten,
        "{label}: noop got {:?}",
        report.reasons
    );
    let exact = independent_retrain(&original, &ds, selection, 12_345);
    let report = run(
        &format!("{label} retrain"),
        &original,
        &exact,
        &ds,
        selection,
        &config,
    );
    assert_eq!(
        report.verdict,
        Verdict::Forgotten,
        "{label}: retrain got {:?}",
        report.reasons
    );
}

#[test]
fn class_forgetting() {
    noop_fails_and_retrain_passes(
        "class 3",
        &Selection {
            classes: vec![3],
            ..Selection::default()
        },
    );
}

#[test]
fn random_sample_forgetting() {
    let selection = Selection {
        random_fraction: Some(0.25),
        random_seed: 5,
        ..Selection::default()
    };
    noop_fails_and_retrain_passes("random 25%", &selection);
}

#[test]
fn owner_forgetting() {
    // The three largest owners (digits has 287, Pareto-sized and class-skewed).
    let ds = digits();
    let mut sizes = std::collections::BTreeMap::<String, usize>::new();
    for o in ds.train.owners.iter().flatten() {
        *sizes.entry(o.clone()).or_default() += 1;
    }
    let mut by_size: Vec<(String, usize)> = sizes.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let owners: Vec<String> = by_size.iter().take(3).map(|(o, _)| o.clone()).collect();
    eprintln!("owners {:?}", &by_size[..3]);
    noop_fails_and_retrain_passes(
        "top-3 owners",
        &Selection {
            owners,
            ..Selection::default()
        },
    );
}
