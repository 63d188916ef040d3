//! `oubli forget`.

use crate::args::{read_toml, DatasetArgs, ForgetSpecArgs};
use crate::output::{json, pct};
use clap::Args;
use oubli_forget::forget_model;
use oubli_model::file::ModelFile;
use std::path::PathBuf;

/// Arguments of `oubli forget`.
#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// The trained model.
    #[arg(long)]
    pub model: PathBuf,
    /// Unlearning method (see `oubli methods`).
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

/// Runs `oubli forget`.
pub fn run(a: ForgetArgs) -> anyhow::Result<i32> {
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
