//! What does `oubli verify` cost? Trains a model, unlearns a forget set, and
//! times one audit per shadow count K (default 16 and 64).
//!
//! ```text
//! cargo run --release -p oubli-audit --example verify_cost -- mnist \
//!     [--ks 16,64] [--model mlp] [--epochs 10] [--lr 0.001] [--forget-fraction 0.1] \
//!     [--method finetune] [--shadow-retain-fraction 1.0] [--lira-targets 500] [--out DIR]
//! ```
//!
//! Datasets come from `$OUBLI_DATA_DIR` (default `data/`); `digits` is built
//! in. One line per stage goes to stderr; a summary table and one JSON line
//! per K go to stdout. With `--out DIR`, each audit's report is written to
//! `DIR/k{K}/`.

use std::time::Instant;

use oubli_audit::{audit, AuditConfig};
use oubli_data::{load, LoadOptions, Selection};
use oubli_forget::forget_model;
use oubli_model::{fit, ModelSpec, Silent, TrainConfig};

struct Args {
    dataset: String,
    ks: Vec<usize>,
    model: String,
    epochs: usize,
    lr: f64,
    forget_fraction: f64,
    method: String,
    shadow_retain_fraction: f64,
    lira_targets: usize,
    out: Option<std::path::PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        dataset: "digits".into(),
        ks: vec![16, 64],
        model: "mlp".into(),
        epochs: 10,
        lr: 1e-3,
        forget_fraction: 0.1,
        method: "finetune".into(),
        shadow_retain_fraction: 1.0,
        lira_targets: 500,
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        let num = |v: String| v.parse::<f64>().map_err(|e| format!("{v}: {e}"));
        match arg.as_str() {
            "--ks" => {
                a.ks = value()?
                    .split(',')
                    .map(|k| k.trim().parse().map_err(|e| format!("--ks {k}: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--model" => a.model = value()?,
            "--epochs" => a.epochs = num(value()?)? as usize,
            "--lr" => a.lr = num(value()?)?,
            "--forget-fraction" => a.forget_fraction = num(value()?)?,
            "--method" => a.method = value()?,
            "--shadow-retain-fraction" => a.shadow_retain_fraction = num(value()?)?,
            "--lira-targets" => a.lira_targets = num(value()?)? as usize,
            "--out" => a.out = Some(value()?.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => a.dataset = s.to_string(),
        }
    }
    Ok(a)
}

fn main() {
    let args = parse().unwrap_or_else(|e| {
        eprintln!("verify_cost: {e}");
        std::process::exit(2)
    });
    let ds = load(&args.dataset, &LoadOptions::default()).unwrap_or_else(|e| {
        eprintln!("verify_cost: {e}");
        std::process::exit(1)
    });
    let spec = ModelSpec::by_name(&args.model, ds.shape.clone(), ds.num_classes).expect("model");
    let train = TrainConfig {
        epochs: args.epochs,
        lr: args.lr,
        ..TrainConfig::default()
    }
    .validate()
    .expect("training config");
    let (original, fit_report) = fit(&ds, spec, &train, &mut Silent).expect("training");
    eprintln!(
        "{} {}: {} train samples, trained in {:.1}s, test accuracy {:.4}",
        args.dataset,
        args.model,
        ds.train.len(),
        fit_report.seconds,
        fit_report.test_accuracy
    );
    let selection = Selection {
        random_fraction: Some(args.forget_fraction),
        random_seed: 1,
        ..Selection::default()
    };
    let t = Instant::now();
    let (unlearned, forgot) =
        forget_model(&original, &ds, &selection, &args.method, None, 0, None).expect("unlearning");
    // The audit's cost does not depend on the method, but its verdict does:
    // say whether the method moved the weights at all (a collapse guard may
    // hand the original back).
    eprintln!(
        "{} unlearned in {:.1}s, weights moved {:.4} (L2); {:?}",
        args.method,
        t.elapsed().as_secs_f64(),
        unlearned.params.l2_distance(&original.params),
        forgot.stats.notes
    );

    println!("| K | audit s | shadows s | oracle s | verdict | LiRA AUC original / unlearned / retrained |");
    println!("|---|---|---|---|---|---|");
    let mut lines = Vec::new();
    for &k in &args.ks {
        let config = AuditConfig {
            shadows: k,
            shadow_retain_fraction: args.shadow_retain_fraction,
            lira_targets: args.lira_targets,
            ..AuditConfig::default()
        };
        let start = Instant::now();
        let report = audit(
            &original,
            &unlearned,
            None,
            &ds,
            &selection,
            Some((args.method.as_str(), None)),
            &config,
            &mut |stage| eprintln!("[K={k} {:>7.1}s] {stage}", start.elapsed().as_secs_f64()),
        )
        .expect("audit");
        let seconds = start.elapsed().as_secs_f64();
        let lira = |a: &[oubli_verify::AttackResult]| {
            a.iter()
                .find(|x| x.name == "lira")
                .map_or(f64::NAN, |x| x.auc)
        };
        let stage = |name: &str| report.timings.get(name).copied().unwrap_or(0.0);
        println!(
            "| {k} | {seconds:.1} | {:.1} | {:.1} | {} | {:.3} / {:.3} / {:.3} |",
            stage("lira_shadows"),
            stage("retraining_oracle"),
            report.verdict,
            lira(&report.attacks.original),
            lira(&report.attacks.unlearned),
            lira(&report.attacks.retrained)
        );
        lines.push(serde_json::json!({
            "dataset": args.dataset, "model": args.model, "epochs": args.epochs,
            "train_samples": ds.train.len(), "method": args.method, "shadows": k,
            "shadow_retain_fraction": args.shadow_retain_fraction,
            "audit_seconds": seconds, "timings": report.timings, "verdict": report.verdict,
        }));
        if let Some(dir) = &args.out {
            let dir = dir.join(format!("k{k}"));
            std::fs::create_dir_all(&dir).expect("output directory");
            report.write_to_dir(&dir).expect("writing the report");
        }
    }
    for line in lines {
        println!("{line}");
    }
}
