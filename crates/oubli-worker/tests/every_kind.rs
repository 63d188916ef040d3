//! The worker on a store of each kind of model: the kind's own method answers (exact for
//! SISA, certified for the certified model), erased samples never come back into a model,
//! and a repeated request ends as `no_data` instead of an error loop.

use oubli_certified::CertifiedParams;
use oubli_data::{load, Dataset, LoadOptions};
use oubli_engine::certified::CertifiedPlan;
use oubli_engine::{Kind, TrainPlan};
use oubli_ledger::{Status, Store, Subject};
use oubli_model::{ModelSpec, Silent, TrainConfig};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig};
use oubli_worker::{init_store, Policy, Worker};
use std::collections::HashSet;

fn plan(kind: Kind, ds: &Dataset) -> TrainPlan {
    let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 3,
        lr: 1e-2,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    match kind {
        Kind::Single => TrainPlan::Single { spec, config },
        Kind::Sisa => TrainPlan::Sisa {
            spec,
            config,
            sisa: SisaConfig {
                shards: 3,
                slices: 2,
                shard_by: ShardBy::Owner,
                slice_by: ShardBy::Owner,
                aggregation: Aggregation::MeanProb,
            },
        },
        Kind::Certified => TrainPlan::Certified(CertifiedPlan {
            params: CertifiedParams {
                sigma: 1.0,
                ..CertifiedParams::default()
            },
            seed: 1,
            features: None,
        }),
    }
}

/// Everything that must hold between steps: the served model was trained on exactly the
/// store's rows, and no erased sample is among them.
fn check_no_resurrection(store: &Store, w: &Worker<'_>) {
    let data = store.dataset().unwrap();
    let (model, _) = w.model();
    model
        .training_data(&data)
        .expect("the served model's training ids are the store's rows");
    let held: HashSet<u64> = data.train.ids.iter().copied().collect();
    for t in store.tombstones().unwrap() {
        assert!(
            !held.contains(&t.sample_id),
            "erased {} is back",
            t.sample_id
        );
    }
}

fn run(kind: Kind, expected_method: &str) {
    let ds = load("digits", &LoadOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = init_store(
        dir.path(),
        &ds,
        &plan(kind, &ds),
        Default::default(),
        &mut Silent,
    )
    .unwrap();
    let mut w = Worker::new(&store, Policy::default()).unwrap();
    let a = store.submit(&Subject::Owner("7".into())).unwrap();
    let b = store.submit(&Subject::Owner("12".into())).unwrap();
    let r = w.step().unwrap().expect("two requests pending");
    assert_eq!(r.method.as_deref(), Some(expected_method), "{kind:?}");
    assert_eq!(r.verified, 2, "{kind:?}: {:?}", r.checks);
    assert!(r.activated.is_some());
    for id in [&a.id, &b.id] {
        assert_eq!(store.request(id).unwrap().status, Status::Verified);
    }
    assert!(store.tombstones().unwrap().len() > 2);
    check_no_resurrection(&store, &w);

    // Asked again: nothing left to erase, a clear status.
    let again = store.submit(&Subject::Owner("7".into())).unwrap();
    let r = w.step().unwrap().expect("one request pending");
    assert_eq!(r.no_data, 1, "{kind:?}");
    assert_eq!(store.request(&again.id).unwrap().status, Status::NoData);
    assert!(
        w.step().unwrap().is_none(),
        "{kind:?}: nothing pending, no loop"
    );

    // A retrain reads the store: the erased rows stay out of the new model.
    let mut w = Worker::new(
        &store,
        Policy {
            retrain_every_requests: 0,
            ..Policy::default()
        },
    )
    .unwrap();
    store.submit(&Subject::Owner("20".into())).unwrap();
    let r = w.step().unwrap().unwrap();
    assert_eq!(r.verified, 1, "{kind:?}");
    check_no_resurrection(&store, &w);
    store.verify_chain().unwrap();
    store.verify_state().unwrap();
}

#[test]
fn single_network_gets_the_approximate_method() {
    run(Kind::Single, "neggrad-plus");
}

#[test]
fn sisa_ensemble_gets_exact_shard_retraining() {
    run(Kind::Sisa, "sisa");
}

#[test]
fn certified_model_gets_certified_removal() {
    run(Kind::Certified, "certified");
}

#[test]
fn erasing_the_last_training_rows_erases_them_and_fails_for_good_with_the_reason() {
    let ds = load("digits", &LoadOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = init_store(
        dir.path(),
        &ds,
        &plan(Kind::Single, &ds),
        Default::default(),
        &mut Silent,
    )
    .unwrap();
    let policy = Policy::default();
    let mut w = Worker::new(&store, policy.clone()).unwrap();
    let all = store
        .submit(&Subject::SampleIds(ds.train.ids.clone()))
        .unwrap();
    let mut steps = 0;
    while w.step().unwrap().is_some() {
        steps += 1;
        assert!(steps <= 2 * policy.max_attempts as usize, "no error loop");
    }
    let r = store.request(&all.id).unwrap();
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.attempts, policy.max_attempts);
    let reason = r.reason.unwrap();
    assert!(reason.contains("leaves no training data"), "{reason}");
    assert!(
        store.dataset().unwrap().train.is_empty(),
        "the data is erased anyway"
    );
    store.verify_chain().unwrap();
    store.verify_state().unwrap();
}
