//! The deletion contract, written once and run for every kind of model (as candle's
//! `test_device!` runs one body per backend): single network, SISA ensemble, certified.

use oubli_certified::CertifiedParams;
use oubli_data::{load, Dataset, LoadOptions, Selection};
use oubli_engine::certified::CertifiedPlan;
use oubli_engine::{apply, train, AnyModel, DeletionRequest, EngineError, Kind, TrainPlan};
use oubli_model::{ModelSpec, Silent, TrainConfig};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig};

fn digits() -> Dataset {
    load("digits", &LoadOptions::default()).unwrap()
}

fn plan(kind: Kind, ds: &Dataset) -> TrainPlan {
    let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 2,
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

fn method(kind: Kind) -> &'static str {
    kind.own_method().unwrap_or("retrain")
}

fn owner(o: &str) -> Selection {
    Selection {
        owners: vec![o.into()],
        ..Selection::default()
    }
}

fn ids(ids: &[u64]) -> Selection {
    Selection {
        ids: ids.to_vec(),
        ..Selection::default()
    }
}

macro_rules! per_kind {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn single() {
                ($body)(Kind::Single)
            }
            #[test]
            fn sisa() {
                ($body)(Kind::Sisa)
            }
            #[test]
            fn certified() {
                ($body)(Kind::Certified)
            }
        }
    };
}

per_kind!(
    a_removal_records_its_parent_and_appends_the_removed_ids,
    |kind: Kind| {
        let ds = digits();
        let (model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
        let first = DeletionRequest::new(owner("3"), method(kind));
        let (once, r1) = apply(&model, &ds, &first).unwrap();
        assert!(r1.changed);
        assert_eq!(once.kind(), kind);
        let l1 = once.lineage();
        assert_eq!(
            l1.parent_sha256.as_deref(),
            Some(model.lineage().weights_sha256.as_str())
        );
        assert_eq!(l1.removed_ids.len(), r1.forget_samples);
        let second = DeletionRequest::new(owner("5"), method(kind));
        let (twice, r2) = apply(&once, &ds, &second).unwrap();
        let l2 = twice.lineage();
        assert!(l1.removed_ids.iter().all(|id| l2.removed_ids.contains(id)));
        assert_eq!(l2.removed_ids.len(), r1.forget_samples + r2.forget_samples);
        assert_eq!(r2.removed_total, l2.removed_ids.len());
    }
);

per_kind!(
    an_already_forgotten_id_is_refused_with_one_message,
    |kind: Kind| {
        let ds = digits();
        let (model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
        let id = ds.train.ids[7];
        let (once, _) =
            apply(&model, &ds, &DeletionRequest::new(ids(&[id]), method(kind))).unwrap();
        let err = apply(&once, &ds, &DeletionRequest::new(ids(&[id]), method(kind)))
            .err()
            .unwrap();
        assert!(
            matches!(err, EngineError::AlreadyForgotten(i) if i == id),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!("sample id {id} was already forgotten by an earlier request")
        );
    }
);

per_kind!(another_split_of_the_data_is_refused, |kind: Kind| {
    let ds = digits();
    let (model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
    let mut other = ds.clone();
    other.exclude(&[ds.train.ids[0]]).unwrap();
    let err = model.training_data(&other).err().unwrap();
    assert!(matches!(err, EngineError::NotTrainedOn { .. }), "{err}");
    let err = apply(
        &model,
        &other,
        &DeletionRequest::new(owner("3"), method(kind)),
    )
    .err()
    .unwrap();
    assert!(matches!(err, EngineError::NotTrainedOn { .. }), "{err}");
});

per_kind!(an_empty_selection_is_refused, |kind: Kind| {
    let ds = digits();
    let (model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
    let err = apply(
        &model,
        &ds,
        &DeletionRequest::new(owner("no-such-owner-matches"), method(kind)),
    );
    assert!(err.is_err());
    let nothing = Selection {
        classes: vec![],
        random_fraction: Some(0.0),
        ..Selection::default()
    };
    let err = apply(&model, &ds, &DeletionRequest::new(nothing, method(kind)));
    assert!(err.is_err());
});

per_kind!(a_method_of_another_kind_is_refused, |kind: Kind| {
    let ds = digits();
    let (model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
    let wrong = match kind {
        Kind::Single => "sisa",
        _ => "finetune",
    };
    let err = apply(&model, &ds, &DeletionRequest::new(owner("3"), wrong))
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            EngineError::MethodNeedsKind { .. } | EngineError::KindNeedsMethod { .. }
        ),
        "{err}"
    );
});

per_kind!(save_load_and_predict_agree_with_outputs, |kind: Kind| {
    let ds = digits();
    let (mut model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let sha = model.save(&path).unwrap();
    let back = AnyModel::load(&path).unwrap();
    assert_eq!(back.kind(), kind);
    assert_eq!(back.lineage().weights_sha256, sha);
    let rows = ds.test.subset(&[0, 1, 2]);
    let probs = back.predict(&rows.features).unwrap();
    let outputs = back.outputs(&ds, &rows).unwrap();
    assert_eq!(probs, outputs.probs);
    assert_eq!(probs.len(), 3 * back.num_classes());
    let err = back.predict(&rows.features[..5]).err().unwrap();
    assert!(matches!(err, EngineError::RaggedInput { .. }), "{err}");
});

per_kind!(
    training_without_ids_records_them_so_they_never_come_back,
    |kind: Kind| {
        let ds = digits();
        let excluded = {
            let mut v = vec![ds.train.ids[3], ds.train.ids[10]];
            v.sort_unstable();
            v
        };
        let (model, _) = train(&ds, &plan(kind, &ds), &excluded, &mut Silent).unwrap();
        assert_eq!(model.lineage().removed_ids, excluded);
        let data = model.training_data(&ds).unwrap();
        assert!(data.train.ids.iter().all(|id| !excluded.contains(id)));
        let err = apply(
            &model,
            &ds,
            &DeletionRequest::new(ids(&excluded[..1]), method(kind)),
        )
        .err()
        .unwrap();
        assert!(matches!(err, EngineError::AlreadyForgotten(_)), "{err}");
    }
);

#[test]
fn a_method_that_changes_nothing_is_reported_unchanged_and_records_nothing() {
    let ds = digits();
    let (model, _) = train(&ds, &plan(Kind::Single, &ds), &[], &mut Silent).unwrap();
    let (same, r) = apply(&model, &ds, &DeletionRequest::new(owner("3"), "noop")).unwrap();
    assert!(!r.changed);
    assert_eq!(r.weights_sha256, r.parent_sha256);
    assert!(same.lineage().removed_ids.is_empty());
    assert_eq!(same.lineage(), model.lineage());
}

per_kind!(a_predictor_gives_the_bits_predict_gives, |kind: Kind| {
    let ds = digits();
    let (model, _) = train(&ds, &plan(kind, &ds), &[], &mut Silent).unwrap();
    let predictor = model.predictor();
    for rows in [&[0usize][..], &[3, 1, 4, 1, 5, 9, 2, 6]] {
        let x = ds.test.subset(rows).features;
        assert_eq!(predictor.predict(&x).unwrap(), model.predict(&x).unwrap());
    }
    let err = predictor.predict(&ds.test.row(0)[..5]).err().unwrap();
    assert!(matches!(err, EngineError::RaggedInput { .. }), "{err}");
});
