//! LiRA is real: on a deliberately overfit model it separates training
//! members from held-out samples, and on a model that saw neither set it is
//! at chance.

mod support;
use oubli_data::Selection;
use oubli_model::TrainConfig;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use support::*;

/// 200 random training samples, 200 epochs of Adam, no weight decay: the
/// MLP interpolates them (train accuracy 100%, test ≈ 85%).
fn overfit() -> (oubli_data::Dataset, oubli_model::file::ModelFile) {
    let mut ds = digits();
    let mut idx: Vec<usize> = (0..ds.train.len()).collect();
    idx.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    idx.truncate(200);
    idx.sort_unstable();
    ds.train = ds.train.subset(&idx);
    let overfit = TrainConfig {
        epochs: 200,
        lr: 3e-3,
        weight_decay: 0.0,
        seed: 3,
        ..TrainConfig::default()
    };
    let original = original(&ds, overfit);
    (ds, original)
}

/// Half the training set is the forget set.
fn half() -> Selection {
    Selection {
        random_fraction: Some(0.5),
        random_seed: 2,
        ..Selection::default()
    }
}

#[test]
fn lira_detects_members_of_an_overfit_model_and_not_fresh_data() {
    let (ds, original) = overfit();
    // Half the training set is the forget set: 100 members for LiRA, and the
    // retain set (the other 100) is in every shadow, as in the original.
    let selection = half();
    let report = run(
        "overfit noop",
        &original,
        &noop(&original, &ds, &selection),
        &ds,
        &selection,
        &lean_config(),
    );
    let (on_original, _, on_retrained) = auc(&report, "lira");
    // Members vs non-members of the original: LiRA must see them.
    assert!(
        on_original >= 0.75,
        "LiRA AUC on training members {on_original:.3}"
    );
    // The oracle trained on neither the forget nor the test targets: both
    // sides are fresh data and LiRA must be at chance.
    assert!(
        (on_retrained - 0.5).abs() <= 0.1,
        "LiRA AUC on fresh data {on_retrained:.3}"
    );
    assert_eq!(report.verdict, oubli_verify::Verdict::NotForgotten);
}

#[test]
fn rmia_detects_members_with_one_reference_model_where_lira_cannot_run() {
    let (ds, original) = overfit();
    let selection = half();
    let config = oubli_audit::AuditConfig {
        shadows: 1,
        ..lean_config()
    };
    let report = run(
        "overfit noop, one shadow",
        &original,
        &noop(&original, &ds, &selection),
        &ds,
        &selection,
        &config,
    );
    // One shadow is every target's out reference: online LiRA needs an in
    // shadow too and is not run.
    assert!(report.attacks.original.iter().all(|a| a.name != "lira"));
    let (on_original, on_unlearned, on_retrained) = auc(&report, "rmia_offline");
    assert!(
        on_original >= 0.7,
        "RMIA AUC on training members {on_original:.3}"
    );
    assert_eq!(on_unlearned, on_original, "noop is the original");
    assert!(
        (on_retrained - 0.5).abs() <= 0.1,
        "RMIA AUC on fresh data {on_retrained:.3}"
    );
    assert_eq!(report.verdict, oubli_verify::Verdict::NotForgotten);
}
