//! `oubli verify` on every kind of model: a SISA ensemble and a certified model are
//! audited (not refused) against an oracle and shadows of their own kind, and an
//! unchanged model of either kind is caught on a class deletion.

mod support;

use oubli_audit::{audit_any, AuditConfig};
use oubli_certified::CertifiedParams;
use oubli_data::{Dataset, Selection};
use oubli_engine::certified::CertifiedPlan;
use oubli_engine::{apply, train, AnyModel, DeletionRequest, Kind, TrainPlan};
use oubli_model::{ModelSpec, Silent, TrainConfig};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig};
use oubli_verify::Verdict;
use support::digits;

fn trained(kind: Kind, ds: &Dataset) -> AnyModel {
    let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 10,
        lr: 1e-2,
        seed: 5,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let plan = match kind {
        Kind::Single => TrainPlan::Single { spec, config },
        Kind::Sisa => TrainPlan::Sisa {
            spec,
            config,
            sisa: SisaConfig {
                shards: 3,
                slices: 1,
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
    };
    train(ds, &plan, &[], &mut Silent).unwrap().0
}

fn config() -> AuditConfig {
    AuditConfig {
        shadows: 4,
        lira_targets: 100,
        ..AuditConfig::default()
    }
}

/// Forgets class 3 with the kind's own method, audits it, and audits the unchanged
/// original as if it were the unlearned model.
fn forgotten_and_unchanged(kind: Kind) -> (oubli_verify::Report, oubli_verify::Report) {
    let ds = digits();
    let original = trained(kind, &ds);
    let selection = Selection {
        classes: vec![3],
        ..Selection::default()
    };
    let request = DeletionRequest::new(selection.clone(), kind.own_method().unwrap());
    let (forgot, _) = apply(&original, &ds, &request).unwrap();
    let run = |unlearned: &AnyModel| {
        audit_any(
            &original,
            unlearned,
            None,
            &ds,
            &selection,
            None,
            &config(),
            &mut |_| {},
        )
        .unwrap()
    };
    (run(&forgot), run(&original))
}

#[test]
fn a_sisa_forget_is_audited_as_retrain_like_and_an_unchanged_ensemble_is_caught() {
    let (forgot, unchanged) = forgotten_and_unchanged(Kind::Sisa);
    assert_ne!(
        forgot.verdict,
        Verdict::NotForgotten,
        "{:?}",
        forgot.reasons
    );
    assert!(
        forgot.accuracies.unlearned.forget < 0.05,
        "{:?}",
        forgot.accuracies
    );
    // SISA forgetting is exact: the audit's SISA oracle is the same ensemble.
    assert_eq!(forgot.js_divergence_forget, Some(0.0));
    assert!(forgot.attacks.unlearned.iter().any(|a| a.name == "lira"));
    assert!(forgot.relearn_steps.is_none() && forgot.weight_l2.is_none());
    assert!(forgot.inputs.details["model"].contains("SISA"));
    assert_eq!(
        unchanged.verdict,
        Verdict::NotForgotten,
        "{:?}",
        unchanged.reasons
    );
}

#[test]
fn a_certified_removal_is_audited_and_an_unchanged_certified_model_is_caught() {
    let (forgot, unchanged) = forgotten_and_unchanged(Kind::Certified);
    assert_ne!(
        forgot.verdict,
        Verdict::NotForgotten,
        "{:?}",
        forgot.reasons
    );
    assert!(
        forgot.js_divergence_forget.unwrap() < 0.05,
        "{:?}",
        forgot.js_divergence_forget
    );
    assert!(forgot.inputs.details["model"].contains("certified"));
    assert_eq!(
        unchanged.verdict,
        Verdict::NotForgotten,
        "{:?}",
        unchanged.reasons
    );
}

#[test]
fn a_model_of_another_kind_is_refused_in_words() {
    let ds = digits();
    let sisa = trained(Kind::Sisa, &ds);
    let single = trained(Kind::Single, &ds);
    let selection = Selection {
        classes: vec![3],
        ..Selection::default()
    };
    let err = audit_any(
        &single,
        &sisa,
        None,
        &ds,
        &selection,
        None,
        &config(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "the unlearned model's kind is a SISA ensemble, the original's is a single model"
        ),
        "{err}"
    );
}
