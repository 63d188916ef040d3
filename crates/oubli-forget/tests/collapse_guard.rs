//! The collapse guard as a trust region: a step that leaves the retain-accuracy budget is
//! undone and the rate halved, so a too-aggressive rate still forgets instead of returning
//! the original model.

mod support;

use support::class_scenario;

#[test]
fn a_rate_far_too_high_backs_off_and_still_forgets_the_class() {
    let s = class_scenario();
    let before = s.accuracies(&s.original);
    // 30× the default rate: the first steps after warm-up overshoot into collapse.
    let config = serde_json::json!({ "lr": 0.03 });
    let (params, stats) = s.run_with("grad-ascent", Some(&config), None);
    let after = s.accuracies(&params);
    eprintln!("{before:?} -> {after:?} {stats:?}");
    assert!(
        stats
            .notes
            .iter()
            .any(|n| n.contains("halved the learning rate")),
        "the guard never stepped back: {:?}",
        stats.notes
    );
    assert!(!stats.collapse_guard_triggered, "{:?}", stats.notes);
    assert!(after.forget <= 0.10, "class not forgotten: {after:?}");
    // The guard watches a 1,000-sample slice of the retain set: on the whole set the
    // result may sit a little outside its 3 points (here 3.1).
    assert!(
        after.retain >= before.retain - 0.035,
        "{after:?} vs {before:?}"
    );
}

#[test]
fn without_backoffs_left_the_guard_ends_the_run_within_budget() {
    let s = class_scenario();
    let before = s.accuracies(&s.original);
    // A rate no number of halvings rescues within four tries, and no forget target to stop at.
    let config = serde_json::json!({ "lr": 50.0, "warmup_steps": 0, "stop_at_target": false });
    let (params, stats) = s.run_with("grad-ascent", Some(&config), None);
    let after = s.accuracies(&params);
    eprintln!("{before:?} -> {after:?} {stats:?}");
    assert!(stats.collapse_guard_triggered, "{:?}", stats.notes);
    assert!(
        after.retain + 0.03 + 0.01 >= before.retain,
        "{after:?} vs {before:?}"
    );
}

/// On a CNN the full diagonal-Fisher Newton step breaks the retain set; `fisher` must halve
/// the step along with the noise instead of returning the original.
#[test]
fn fisher_halves_its_newton_step_on_a_cnn() {
    use oubli_data::{load, LoadOptions, Selection};
    use oubli_forget::{find, ForgetContext};
    use oubli_model::{evaluate, fit, ModelSpec, Network, Silent, TrainConfig};

    let ds = load("digits", &LoadOptions::default()).unwrap();
    let spec = ModelSpec::by_name("cnn", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 10,
        lr: 3e-3,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (model, _) = fit(&ds, spec.clone(), &config, &mut Silent).unwrap();
    let forget_idx = ds
        .train
        .select(&Selection {
            classes: vec![3],
            ..Selection::default()
        })
        .unwrap();
    let retain_idx: Vec<usize> = (0..ds.train.len())
        .filter(|i| forget_idx.binary_search(i).is_err())
        .collect();
    let (forget, retain) = (ds.train.subset(&forget_idx), ds.train.subset(&retain_idx));
    let net = Network::new(spec).unwrap();
    let ctx = ForgetContext {
        net: &net,
        original: &model.params,
        train_config: &config,
        forget: &forget,
        retain: &retain,
        validation: None,
        seed: 0,
        stored_updates: None,
        reason: oubli_forget::ForgetReason::Privacy,
    };
    let ran = find("fisher").unwrap().run(None, &ctx).unwrap().unlearned;
    let acc = |split| evaluate(&net, &ran.params, split).accuracy;
    let retain_before = evaluate(&net, &model.params, &retain).accuracy;
    eprintln!(
        "{:?} forget {} retain {} (was {retain_before})",
        ran.stats,
        acc(&forget),
        acc(&retain)
    );
    assert!(!ran.stats.collapse_guard_triggered, "{:?}", ran.stats.notes);
    assert!(ran
        .stats
        .notes
        .iter()
        .any(|n| n.contains("Newton step halved")));
    assert!(
        acc(&forget) <= 0.10,
        "class not forgotten: {}",
        acc(&forget)
    );
    assert!(acc(&retain) >= retain_before - 0.035);
}
