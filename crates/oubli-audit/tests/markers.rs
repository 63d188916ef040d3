//! Athena's markers on digits: owners mark their data, and after a deletion request the
//! marker test says "forgotten" for a retrain without them and "still reacts" for a model
//! that did nothing.

mod support;

use oubli_audit::{recorded_markers, AuditConfig, Auditor};
use oubli_data::{Dataset, MarkerParams, Markers, Selection, MARKERS_KEY};
use oubli_engine::{AnyModel, SingleModel};
use oubli_model::evaluate;
use oubli_model::file::ModelFile;
use oubli_model::Network;
use oubli_verify::markers::{MARKER_FORGOTTEN, MARKER_REACTS};
use support::{digits, digits_config, original};

fn any(file: ModelFile) -> AnyModel {
    AnyModel::Single(Box::new(SingleModel::new(file).unwrap()))
}

fn test_accuracy(m: &ModelFile, ds: &Dataset) -> f64 {
    let net = Network::new(m.lineage.spec.clone()).unwrap();
    evaluate(&net, &m.params, &ds.test).accuracy
}

#[test]
fn markers_tell_a_retrain_without_the_owners_from_a_noop() {
    let ds = digits();
    let markers = Markers::plan(&ds.train, ds.num_classes, &MarkerParams::default()).unwrap();
    assert!(
        markers.markers.len() >= 3,
        "{} marked owners",
        markers.markers.len()
    );
    let mut marked = ds.clone();
    markers.apply(&mut marked.train);
    let mut file = original(&marked, digits_config());
    file.lineage
        .extra
        .insert(MARKERS_KEY.into(), serde_json::to_value(&markers).unwrap());

    // What marking costs: clean test accuracy against the same training without markers.
    let clean = original(&ds, digits_config());
    let cost = test_accuracy(&clean, &ds) - test_accuracy(&file, &ds);
    eprintln!(
        "marking {} owners ({} samples) changed clean test accuracy by {:.2} points",
        markers.markers.len(),
        markers.marked_samples(),
        -100.0 * cost
    );
    assert!(cost <= 0.02, "marking cost {:.2} points", 100.0 * cost);

    // Three marked owners ask for deletion; the retrain is of the marked data without them.
    let owners: Vec<String> = markers.markers[..3]
        .iter()
        .map(|m| m.owner.clone())
        .collect();
    let selection = Selection {
        owners: owners.clone(),
        ..Selection::default()
    };
    let forget_idx = marked.select(&selection).unwrap();
    let forget_ids: Vec<u64> = forget_idx.iter().map(|&i| marked.train.ids[i]).collect();
    let mut without = marked.clone();
    without.exclude(&forget_ids).unwrap();
    let retrain = original(&without, digits_config());

    let original = any(file);
    let markers = recorded_markers(&original).unwrap().expect("recorded");
    let config = AuditConfig {
        shadows: 0,
        ..AuditConfig::default()
    };
    let auditor =
        Auditor::prepare_any(&original, None, &ds, &selection, None, &config, &mut |_| {}).unwrap();
    let after_retrain = auditor.marker_tests(&any(retrain), &markers).unwrap();
    let after_noop = auditor.marker_tests(&original, &markers).unwrap();
    for (r, n) in after_retrain.owners.iter().zip(&after_noop.owners) {
        eprintln!(
            "owner {}: retrain {}/{} p {:.3e}, noop {}/{} p {:.3e}, base rate {:.3}",
            r.owner,
            r.unlearned.counts.hits,
            r.unlearned.counts.queries,
            r.unlearned.p_value,
            n.unlearned.counts.hits,
            n.unlearned.counts.queries,
            n.unlearned.p_value,
            n.unlearned.base_rate
        );
    }
    assert_eq!(after_retrain.owners.len(), 3);
    assert!(
        after_retrain
            .owners
            .iter()
            .all(|o| o.verdict == MARKER_FORGOTTEN),
        "{after_retrain:?}"
    );
    assert!(
        after_noop.owners.iter().all(|o| o.verdict == MARKER_REACTS),
        "{after_noop:?}"
    );
    assert_eq!(after_noop.still_reacting, 3);
    assert_eq!(after_retrain.still_reacting, 0);
    // The oracle the audit retrained on clean data does not react either.
    assert_eq!(after_noop.fnr, 0.0);

    // An owner who did not mark cannot be tested.
    let unmarked = (0..300)
        .map(|i| i.to_string())
        .find(|o| markers.of(o).is_none())
        .unwrap();
    let other = Selection {
        owners: vec![unmarked],
        ..Selection::default()
    };
    let auditor =
        Auditor::prepare_any(&original, None, &ds, &other, None, &config, &mut |_| {}).unwrap();
    let err = auditor
        .marker_tests(&original, &markers)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("none of the owners to forget marked their data"),
        "{err}"
    );
}
