//! Models and forget requests on the embedded `digits` set, shared by the tests.

#![allow(dead_code)]

use oubli_audit::{audit, AuditConfig};
use oubli_data::{fingerprint, load, Dataset, LoadOptions, Selection};
use oubli_forget::{forget_model, partition, training_data};
use oubli_model::file::ModelFile;
use oubli_model::{fit, train, ModelSpec, Network, Silent, TrainConfig};
use oubli_verify::Report;

/// The embedded digits set (1,438 train, 359 test).
pub fn digits() -> Dataset {
    load("digits", &LoadOptions::default()).expect("digits is compiled in")
}

/// An MLP trained on `ds.train` with `config`.
pub fn original(ds: &Dataset, config: TrainConfig) -> ModelFile {
    let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).unwrap();
    fit(ds, spec, &config.validate().unwrap(), &mut Silent)
        .unwrap()
        .0
}

/// The training config of the brief: 20 epochs of Adam at 3e-3.
pub fn digits_config() -> TrainConfig {
    TrainConfig {
        epochs: 20,
        lr: 3e-3,
        seed: 11,
        ..TrainConfig::default()
    }
}

/// `noop` applied to `original`: the control the verifier must catch.
pub fn noop(original: &ModelFile, ds: &Dataset, selection: &Selection) -> ModelFile {
    forget_model(original, ds, selection, "noop", None, 0, None)
        .unwrap()
        .0
}

/// An exact unlearning that is *not* the audit's own oracle: a retrain
/// without the forget set from a different seed.
pub fn independent_retrain(
    original: &ModelFile,
    ds: &Dataset,
    selection: &Selection,
    seed: u64,
) -> ModelFile {
    let data = training_data(original, ds).unwrap();
    let (forget, retain) = partition(&data, selection).unwrap();
    let mut config: TrainConfig =
        serde_json::from_value(original.lineage.train_config.clone()).unwrap();
    config.seed = seed;
    let net = Network::new(original.lineage.spec.clone()).unwrap();
    let (params, _) = train(
        &net,
        &retain,
        &config.clone().validate().unwrap(),
        &mut Silent,
    )
    .unwrap();
    let mut lineage = original.lineage.clone();
    lineage.method = "retrain".into();
    lineage.train_config = serde_json::to_value(&config).unwrap();
    lineage.forget_fingerprint = Some(fingerprint(&forget.ids));
    lineage.trained_ids_fingerprint = fingerprint(&retain.ids);
    lineage.trained_samples = retain.len();
    lineage.weights_sha256 = params.sha256();
    ModelFile { params, lineage }
}

/// Audit settings small enough for a test on two shared cores.
pub fn lean_config() -> AuditConfig {
    AuditConfig {
        shadows: 16,
        relearn_max_steps: 200,
        ..AuditConfig::default()
    }
}

/// Audits `unlearned` with the audit's own oracle and prints the evidence.
pub fn run(
    label: &str,
    original: &ModelFile,
    unlearned: &ModelFile,
    ds: &Dataset,
    selection: &Selection,
    config: &AuditConfig,
) -> Report {
    let t = std::time::Instant::now();
    let report = audit(
        original,
        unlearned,
        None,
        ds,
        selection,
        None,
        config,
        &mut |_| {},
    )
    .unwrap();
    eprintln!(
        "== {label}: {} in {:.1}s",
        report.verdict,
        t.elapsed().as_secs_f64()
    );
    let acc = &report.accuracies;
    eprintln!(
        "   forget acc orig {:.3} unl {:.3} ret {:.3}; test {:.3}/{:.3}/{:.3}",
        acc.original.forget,
        acc.unlearned.forget,
        acc.retrained.forget,
        acc.original.test,
        acc.unlearned.test,
        acc.retrained.test
    );
    for e in report.evidence().attacks {
        eprintln!(
            "   {:<20} AUC orig {:.3} unl {:.3} ret {:.3}",
            e.name, e.auc_original, e.auc_unlearned, e.auc_retrained
        );
    }
    eprintln!(
        "   relearn {:?}; timings {:?}",
        report.relearn_steps, report.timings
    );
    for r in &report.reasons {
        eprintln!("   - {r}");
    }
    report
}

/// Auc of the named attack on (original, unlearned, retrained).
pub fn auc(report: &Report, name: &str) -> (f64, f64, f64) {
    let e = report
        .evidence()
        .attacks
        .into_iter()
        .find(|a| a.name == name)
        .unwrap();
    (e.auc_original, e.auc_unlearned, e.auc_retrained)
}
