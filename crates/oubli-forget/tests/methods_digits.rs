//! Every method measured against the checks of the methods issue on `digits`.
//! `noop` must fail them: that shows the checks can fail.

mod support;
use support::*;

#[test]
fn noop_fails_both_checks() {
    let s = class_scenario();
    let (p, _) = s.run("noop", None);
    assert!(passes_class_check(&s, &p).is_err());
    let s = random_scenario();
    let (oracle, _) = s.run("retrain", None);
    let oracle = s.accuracies(&oracle);
    let (p, _) = s.run("noop", None);
    assert!(passes_random_check(&s, &p, &oracle).is_err(), "noop passed: {oracle:?} {:?}", s.accuracies(&p));
}

#[test]
fn retrain_matches_training_without_the_forget_set() {
    let s = class_scenario();
    let (p, stats) = s.run("retrain", None);
    let mut excluded = s.dataset.clone();
    excluded.exclude(&s.forget.ids).unwrap();
    let (direct, _) = oubli_model::train(&s.net, &excluded.train, &s.config, &mut oubli_model::Silent);
    assert_eq!(p.sha256(), direct.sha256());
    assert!(stats.sample_gradients > 0);
    passes_class_check(&s, &p).unwrap();
}

fn class_and_random(method: &str) {
    let s = class_scenario();
    let (p, stats) = s.run(method, None);
    eprintln!("{method} class: {:?} {stats:?}", s.accuracies(&p));
    passes_class_check(&s, &p).unwrap_or_else(|e| panic!("{method} class forgetting: {e}"));
    let s = random_scenario();
    let (oracle, _) = s.run("retrain", None);
    let oracle = s.accuracies(&oracle);
    let (p, stats) = s.run(method, None);
    eprintln!("{method} random: {:?} oracle {oracle:?} original {:?} {stats:?}", s.accuracies(&p), s.accuracies(&s.original));
    passes_random_check(&s, &p, &oracle).unwrap_or_else(|e| panic!("{method} random forgetting: {e}"));
}

#[test]
fn finetune_forgets() {
    class_and_random("finetune");
}
