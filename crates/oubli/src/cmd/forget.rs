//! `oubli forget`.

use crate::args::{read_toml, DatasetArgs, ForgetSpecArgs};
use crate::certified::file::is_certified_file;
use crate::output::{json, pct};
use anyhow::bail;
use clap::Args;
use oubli_forget::forget_model;
use oubli_model::file::ModelFile;
use oubli_sisa::is_sisa_file;
use std::path::PathBuf;

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
    /// Where to write the new model.
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Sends `--method sisa` and `--method certified` to their own model kinds, and refuses
/// every other pairing of method and model kind with what to do instead.
fn dispatch(a: &ForgetArgs) -> anyhow::Result<Option<i32>> {
    let path = a.model.display();
    let (sisa, certified) = (is_sisa_file(&a.model), is_certified_file(&a.model));
    let kind = if sisa {
        "a SISA ensemble"
    } else if certified {
        "a certified-removal model"
    } else {
        "a single model"
    };
    match a.method.as_str() {
        "sisa" if sisa => crate::sisa::forget(a).map(Some),
        "certified" if certified => crate::certified::forget(a).map(Some),
        "sisa" | "certified" => {
            // A missing or corrupt file: report that, not a kind mismatch.
            if !sisa && !certified {
                ModelFile::load(&a.model)?;
            }
            let (needs, how) = if a.method == "sisa" {
                (
                    "a SISA ensemble",
                    "oubli train --sisa-shards S --sisa-slices R ...",
                )
            } else {
                (
                    "a certified-removal model",
                    "oubli train --model logreg --certified ...",
                )
            };
            bail!(
                "--method {} needs {needs}, but {path} is {kind}: train one with `{how}`",
                a.method
            )
        }
        m if sisa || certified => {
            let instead = if sisa {
                "sisa (exact: retrains only the affected shards)"
            } else {
                "certified (Newton removal within the (ε, δ) budget)"
            };
            bail!("{path} is {kind}: forget with --method {instead}; `{m}` works on single models")
        }
        _ => Ok(None),
    }
}

/// Runs `oubli forget`.
pub fn run(a: ForgetArgs) -> anyhow::Result<i32> {
    if let Some(code) = dispatch(&a)? {
        return Ok(code);
    }
    let model = ModelFile::load(&a.model)?;
    let dataset = a.data.load(&model.lineage.dataset)?;
    let selection = a.spec.selection()?;
    let config = read_toml(&a.config)?;
    let (new_model, report) = forget_model(
        &model,
        &dataset,
        &selection,
        &a.method,
        config.as_ref(),
        a.seed,
        None,
    )?;
    new_model.save(&a.out)?;
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["out"] = a.out.display().to_string().into();
        json(&v)?;
    } else {
        println!(
            "{}: forgot {} samples in {:.2}s ({} sample gradients; a retrain costs {})",
            report.method,
            report.forget_samples,
            report.seconds,
            report.sample_gradients,
            report.retrain_sample_gradients
        );
        println!("              before     after");
        println!(
            "  forget   {:>9} {:>9}",
            pct(report.original_forget_accuracy),
            pct(report.forget_accuracy)
        );
        println!(
            "  retain   {:>9} {:>9}",
            pct(report.original_retain_accuracy),
            pct(report.retain_accuracy)
        );
        println!(
            "  test     {:>9} {:>9}",
            pct(report.original_test_accuracy),
            pct(report.test_accuracy)
        );
        for note in &report.stats.notes {
            println!("  note: {note}");
        }
        println!(
            "wrote {} (weights_sha256 {})",
            a.out.display(),
            report.weights_sha256
        );
    }
    Ok(0)
}
