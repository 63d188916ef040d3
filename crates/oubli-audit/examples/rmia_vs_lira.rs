//! RMIA (offline) against LiRA (online) at K = 1, 2, 4, 8, 16, 64 shadow /
//! reference models, on the same targets: a model that did nothing (`noop`)
//! is audited at every K, and for each attack the AUC and TPR at 1 % FPR on
//! the original (power: forget targets should look like members) and on the
//! retrained oracle (should be 0.5) are printed, with the verdict.
//!
//! ```text
//! cargo run --release -p oubli-audit --example rmia_vs_lira -- [digits|mnist] \
//!     [--ks 1,2,4,8,16,64] [--forget-fraction 0.1] [--epochs 20] [--lr 0.003]
//! ```
//!
//! The target pool is seeded by the audit seed only, so every K scores the
//! same forget and test samples. One line per K and attack goes to stdout
//! as JSON, a table to stderr.

use oubli_audit::{AuditConfig, Auditor};
use oubli_data::{load, LoadOptions, Selection};
use oubli_forget::forget_model;
use oubli_model::{fit, ModelSpec, Silent, TrainConfig};
use oubli_verify::AttackResult;

fn main() {
    let mut dataset = "digits".to_string();
    let mut ks = vec![1, 2, 4, 8, 16, 64];
    let (mut fraction, mut epochs, mut lr) = (0.1, 20, 3e-3);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("flag needs a value");
        match arg.as_str() {
            "--ks" => ks = value().split(',').map(|k| k.parse().expect("K")).collect(),
            "--forget-fraction" => fraction = value().parse().expect("fraction"),
            "--epochs" => epochs = value().parse().expect("epochs"),
            "--lr" => lr = value().parse().expect("lr"),
            name => dataset = name.to_string(),
        }
    }
    let ds = load(&dataset, &LoadOptions::default()).expect("dataset");
    let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).unwrap();
    let train = TrainConfig {
        epochs,
        lr,
        seed: 11,
        ..TrainConfig::default()
    };
    let (original, _) = fit(&ds, spec, &train.validate().unwrap(), &mut Silent).unwrap();
    let selection = Selection {
        random_fraction: Some(fraction),
        random_seed: 5,
        ..Selection::default()
    };
    let (noop, _) = forget_model(&original, &ds, &selection, "noop", None, 0, None).unwrap();
    eprintln!("{dataset}: forget {fraction}, noop audited at K = {ks:?}");
    eprintln!(
        "{:>3} {:<13} {:>9} {:>11} {:>9} {:>11}  verdict",
        "K", "attack", "AUC orig", "TPR1% orig", "AUC ret", "TPR1% ret"
    );
    for &k in &ks {
        let config = AuditConfig {
            shadows: k,
            relearn_max_steps: 20,
            ..AuditConfig::default()
        };
        let t = std::time::Instant::now();
        let auditor =
            Auditor::prepare(&original, None, &ds, &selection, None, &config, &mut |_| {}).unwrap();
        let report = auditor.audit(&noop, None, &mut |_| {}).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let find = |v: &[AttackResult], n: &str| v.iter().find(|a| a.name == n).cloned();
        for name in ["lira", "rmia_offline"] {
            let (Some(o), Some(r)) = (
                find(&report.attacks.original, name),
                find(&report.attacks.retrained, name),
            ) else {
                continue;
            };
            eprintln!(
                "{k:>3} {name:<13} {:>9.3} {:>11.3} {:>9.3} {:>11.3}  {}",
                o.auc, o.tpr_at_1pct_fpr, r.auc, r.tpr_at_1pct_fpr, report.verdict
            );
            println!(
                "{}",
                serde_json::json!({
                    "dataset": dataset, "k": k, "attack": name, "seconds": secs,
                    "auc_original": o.auc, "tpr_at_1pct_fpr_original": o.tpr_at_1pct_fpr,
                    "tpr_at_0_1pct_fpr_original": o.tpr_at_0_1pct_fpr,
                    "auc_retrained": r.auc, "tpr_at_1pct_fpr_retrained": r.tpr_at_1pct_fpr,
                    "verdict_noop": report.verdict,
                })
            );
        }
    }
}
