//! `oubli forget`: flags become one [`DeletionRequest`], [`oubli_engine::apply`] does the
//! rest, whatever the kind of model.

use crate::args::{check_output_file, read_toml, DatasetArgs, ForgetSpecArgs};
use crate::output::{json, pct};
use clap::Args;
use oubli_engine::{
    apply, AnyModel, DeletionReport, DeletionRequest, EngineError, ForgetReason, KindDetail,
};
use std::path::PathBuf;

/// Exit code of a forget whose result is identical to the model it started from.
pub const EXIT_UNCHANGED: i32 = 5;

/// Arguments of `oubli forget`.
#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// The trained model.
    #[arg(long)]
    pub model: PathBuf,
    /// Unlearning method (see `oubli methods`): `sisa` for a SISA ensemble, `certified` for a
    /// certified-removal model, any other for a single model.
    #[arg(long, default_value = "retrain")]
    pub method: String,
    /// Method config (TOML); unspecified fields keep their defaults.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub spec: ForgetSpecArgs,
    /// Dataset [default: the one recorded in the model].
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Seed for the method's random choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Why the samples go: `privacy`, or `poisoned` when their labels are an attacker's (a
    /// backdoor, flipped labels): the approximate methods then forget until the model
    /// contradicts those labels instead of stopping where unseen genuine data would score.
    #[arg(long, default_value = "privacy")]
    pub reason: ForgetReason,
    /// Write the result and exit 0 even when it is identical to the input model (a method
    /// that changed nothing forgot nothing: by default that exits 5 and writes nothing).
    #[arg(long)]
    pub allow_unchanged: bool,
    /// Where to write the new model.
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The hint a user needs beside an engine refusal.
fn hint(e: &EngineError) -> Option<&'static str> {
    match e {
        EngineError::MethodNeedsKind { needs, .. } => Some(match needs {
            oubli_engine::Kind::Sisa => {
                "train one with `oubli train --sisa-shards S --sisa-slices R ...`"
            }
            _ => "train one with `oubli train --model logreg --certified ...`",
        }),
        _ => None,
    }
}

/// Runs `oubli forget`.
pub fn run(a: ForgetArgs) -> anyhow::Result<i32> {
    check_output_file(&a.out)?;
    let model = AnyModel::load(&a.model)?;
    let dataset = a.data.load_recorded(&model.dataset_spec())?;
    let request = DeletionRequest {
        selection: a.spec.selection()?,
        method: a.method.clone(),
        config: read_toml(&a.config)?,
        seed: a.seed,
        reason: a.reason,
    };
    let (mut forgot, report) = apply(&model, &dataset, &request).map_err(|e| match hint(&e) {
        Some(h) => anyhow::anyhow!("{}: {e}: {h}", a.model.display()),
        None => anyhow::anyhow!("{}: {e}", a.model.display()),
    })?;
    let code = if report.changed || a.allow_unchanged {
        forgot.save(&a.out)?;
        0
    } else {
        EXIT_UNCHANGED
    };
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["out"] = if code == 0 {
            a.out.display().to_string().into()
        } else {
            serde_json::Value::Null
        };
        json(&v)?;
    } else {
        print_human(&a, &report, code);
    }
    Ok(code)
}

fn print_human(a: &ForgetArgs, r: &DeletionReport, code: i32) {
    if !r.changed {
        println!(
            "{}: the result is identical to the input model (weights_sha256 {}): nothing was forgotten",
            r.method, r.weights_sha256
        );
    } else {
        match &r.detail {
            KindDetail::Single(d) => println!(
                "{}: forgot {} samples in {:.2}s ({} sample gradients; a retrain costs {})",
                r.method, r.forget_samples, r.seconds, d.sample_gradients, d.retrain_sample_gradients
            ),
            KindDetail::Sisa(d) => println!(
                "sisa: forgot {} samples exactly in {:.2}s, retraining {} shards ({} slices): {} sample gradients; speed-up {:.2}× over a full retrain, {:.2}× over whole-shard retraining",
                r.forget_samples,
                r.seconds,
                d.report.shards_retrained,
                d.report.slices_retrained,
                d.report.sample_gradients,
                d.report.speedup_vs_full_retrain,
                d.report.speedup_vs_whole_shard_retrain
            ),
            KindDetail::Certified(d) => println!(
                "certified: removed {} samples in {:.3}s ({}); residual bound {:.3e}, spent {:.3e} of {:.3e}",
                r.forget_samples,
                r.seconds,
                if d.retrained { "budget exhausted: retrained from scratch" } else { "Newton step" },
                d.residual_bound,
                d.residual_total,
                d.budget
            ),
        }
    }
    println!("              before     after");
    for (name, before, after) in [
        ("forget", r.original_forget_accuracy, r.forget_accuracy),
        ("retain", r.original_retain_accuracy, r.retain_accuracy),
        ("test", r.original_test_accuracy, r.test_accuracy),
    ] {
        println!("  {name:<6} {:>9} {:>9}", pct(before), pct(after));
    }
    if let KindDetail::Single(d) = &r.detail {
        for note in &d.stats.notes {
            println!("  note: {note}");
        }
    }
    if code == 0 {
        println!(
            "wrote {} (weights_sha256 {})",
            a.out.display(),
            r.weights_sha256
        );
    } else {
        println!(
            "wrote nothing: pass --allow-unchanged to write the unchanged model anyway, or try another method or config"
        );
    }
}
