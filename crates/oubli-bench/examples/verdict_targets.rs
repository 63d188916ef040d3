//! Issue 13's verdict targets: for each seed and request, does the audit call a
//! model that did nothing (`noop`) `not_forgotten`, and fresh retrains (other seeds,
//! not the audit's own oracle) `forgotten`, with K shadows and n calibration retrains?
//!
//! ```text
//! cargo run --release -p oubli-bench --example verdict_targets -- [mnist] \
//!     [--seeds 1,2,3] [--requests owners:0.01,random:0.1] [--shadows 16] \
//!     [--calibration 5] [--fresh 3] [--epochs 10] [--lr 0.001] [--jobs 0]
//! ```
//!
//! One JSON line per audited model on stdout (seed, request, model, the three
//! verdicts: plain, calibrated, owner-level share, and seconds); a table on stderr.
//! Every audited model of one (seed, request) shares one preparation (oracle,
//! shadows, calibration retrains), as `oubli verify --unlearned A --unlearned B` does.

use std::time::Instant;

use oubli_audit::{AuditConfig, Auditor};
use oubli_bench::Scenario;
use oubli_data::{fingerprint, load, Dataset, LoadOptions, Selection};
use oubli_forget::{forget_model, partition, training_data};
use oubli_model::file::ModelFile;
use oubli_model::{fit, train, ModelSpec, Network, Silent, TrainConfig};
use oubli_verify::{Report, Verdict};
use serde_json::json;

struct Args {
    dataset: String,
    seeds: Vec<u64>,
    requests: Vec<String>,
    shadows: usize,
    calibration: usize,
    fresh: usize,
    epochs: usize,
    lr: f64,
    jobs: usize,
}

fn list<T: std::str::FromStr>(v: &str) -> Vec<T> {
    v.split(',')
        .map(|x| x.trim().parse().ok().expect("a comma-separated list"))
        .collect()
}

fn parse() -> Args {
    let mut a = Args {
        dataset: "mnist".into(),
        seeds: vec![1, 2, 3],
        requests: vec!["owners:0.01".into(), "random:0.1".into()],
        shadows: 16,
        calibration: 5,
        fresh: 3,
        epochs: 10,
        lr: 1e-3,
        jobs: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("flag needs a value");
        match arg.as_str() {
            "--seeds" => a.seeds = list(&value()),
            "--requests" => a.requests = list(&value()),
            "--shadows" => a.shadows = value().parse().expect("K"),
            "--calibration" => a.calibration = value().parse().expect("n"),
            "--fresh" => a.fresh = value().parse().expect("n"),
            "--epochs" => a.epochs = value().parse().expect("epochs"),
            "--lr" => a.lr = value().parse().expect("lr"),
            "--jobs" => a.jobs = value().parse().expect("jobs"),
            s if s.starts_with("--") => panic!("unknown option {s}"),
            s => a.dataset = s.to_string(),
        }
    }
    a
}

/// A retrain without the forget set from `seed`: exact unlearning that is not the
/// audit's own oracle (which uses the original's seed).
fn fresh_retrain(
    original: &ModelFile,
    ds: &Dataset,
    selection: &Selection,
    seed: u64,
) -> ModelFile {
    let data = training_data(original, ds).expect("training data");
    let (forget, retain) = partition(&data, selection).expect("partition");
    let mut config: TrainConfig =
        serde_json::from_value(original.lineage.train_config.clone()).expect("config");
    config.seed = seed;
    let net = Network::new(original.lineage.spec.clone()).expect("network");
    let valid = config.clone().validate().expect("config");
    let (params, _) = train(&net, &retain, &valid, &mut Silent).expect("training");
    let mut lineage = original.lineage.clone();
    lineage.method = "retrain".into();
    lineage.train_config = serde_json::to_value(&config).expect("config");
    lineage.forget_fingerprint = Some(fingerprint(&forget.ids));
    lineage.trained_ids_fingerprint = fingerprint(&retain.ids);
    lineage.trained_samples = retain.len();
    lineage.weights_sha256 = params.sha256();
    ModelFile { params, lineage }
}

fn owner_share(r: &Report) -> String {
    let flagged = r
        .owner_tests
        .iter()
        .filter(|o| o.verdict == Verdict::NotForgotten)
        .count();
    format!("{flagged}/{}", r.owner_tests.len())
}

/// Per model (original, unlearned, retrained): each attack's AUC and TPR at 1% FPR.
fn attack_summary(r: &Report) -> serde_json::Value {
    let side = |attacks: &[oubli_verify::AttackResult]| {
        attacks
            .iter()
            .map(|x| (x.name.clone(), json!([x.auc, x.tpr_at_1pct_fpr])))
            .collect::<serde_json::Map<_, _>>()
    };
    json!({
        "original": side(&r.attacks.original),
        "unlearned": side(&r.attacks.unlearned),
        "retrained": side(&r.attacks.retrained),
    })
}

fn main() {
    let a = parse();
    let ds = load(&a.dataset, &LoadOptions::default()).expect("dataset");
    let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).expect("mlp");
    eprintln!(
        "{:>4} {:<12} {:<10} {:<15} {:<15} {:>8} {:>6}",
        "seed", "request", "model", "verdict", "calibrated", "owners", "s"
    );
    for &seed in &a.seeds {
        let config = TrainConfig {
            epochs: a.epochs,
            lr: a.lr,
            seed,
            ..TrainConfig::default()
        };
        let (original, _) =
            fit(&ds, spec.clone(), &config.validate().unwrap(), &mut Silent).expect("training");
        for request in &a.requests {
            let scenario = Scenario::parse(request).expect("request like owners:0.01");
            let selection = scenario.selection(&ds, seed).expect("selection");
            let audit_config = AuditConfig {
                shadows: a.shadows,
                calibration_oracles: a.calibration,
                jobs: a.jobs,
                seed,
                ..AuditConfig::default()
            };
            let t = Instant::now();
            let auditor = Auditor::prepare(
                &original,
                None,
                &ds,
                &selection,
                None,
                &audit_config,
                &mut |_| {},
            )
            .expect("audit preparation");
            let prepare_seconds = t.elapsed().as_secs_f64();
            let mut models = vec![(
                "noop".to_string(),
                forget_model(&original, &ds, &selection, "noop", None, 0, None)
                    .expect("noop")
                    .0,
            )];
            for i in 0..a.fresh as u64 {
                let s = 1_000 + 10 * seed + i;
                models.push((
                    format!("retrain-{s}"),
                    fresh_retrain(&original, &ds, &selection, s),
                ));
            }
            for (name, model) in &models {
                let t = Instant::now();
                let r = auditor.audit(model, None, &mut |_| {}).expect("audit");
                let calibrated = r.calibration.as_ref().map(|c| c.verdict);
                let line = json!({
                    "dataset": a.dataset, "seed": seed, "request": request, "model": name,
                    "shadows": a.shadows, "calibration_oracles": a.calibration,
                    "inputs": r.inputs.details,
                    "verdict": r.verdict, "calibrated_verdict": calibrated,
                    "calibration_retrain_pass_rate": r.calibration.as_ref().map(|c| c.retrain_pass_rate),
                    "calibration_noop_fail_rate": r.calibration.as_ref().map(|c| c.noop_fail_rate),
                    "owners_not_forgotten": owner_share(&r),
                    "reasons": r.reasons,
                    "calibrated_reasons": r.calibration.as_ref().map(|c| c.reasons.clone()),
                    "attacks": attack_summary(&r),
                    "prepare_seconds": prepare_seconds,
                    "audit_seconds": t.elapsed().as_secs_f64(),
                });
                println!("{line}");
                eprintln!(
                    "{:>4} {:<12} {:<10} {:<15} {:<15} {:>8} {:>6.0}",
                    seed,
                    request,
                    name,
                    r.verdict.to_string(),
                    calibrated.map_or("-".into(), |v| v.to_string()),
                    owner_share(&r),
                    prepare_seconds
                );
            }
        }
    }
}
