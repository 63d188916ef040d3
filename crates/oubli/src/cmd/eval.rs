//! `oubli eval`.

use crate::args::DatasetArgs;
use crate::output::{json, pct};
use clap::Args;
use oubli_data::{read_id_list, read_owner_list, Selection};
use oubli_engine::AnyModel;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `oubli eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model file: a single model, a SISA ensemble or a certified-removal model.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Evaluate only the training samples with these ids (file, one per line).
    #[arg(long)]
    pub ids: Option<PathBuf>,
    /// Evaluate only the training samples of these owners (file, one per line).
    #[arg(long)]
    pub owners: Option<PathBuf>,
    /// Evaluate only training samples of these classes, e.g. 3,5.
    #[arg(long, value_delimiter = ',')]
    pub classes: Vec<u32>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli eval`: the test split by default, a training subset with a filter.
pub fn run(a: EvalArgs) -> anyhow::Result<i32> {
    let model = AnyModel::load(&a.model)?;
    // The recorded options reproduce the model's own split; other options would put
    // training rows into "test" and report a wrong accuracy with exit 0.
    let dataset = model.training_data(&a.data.load_recorded(&model.dataset_spec())?)?;
    let mut selection = Selection {
        classes: a.classes.clone(),
        ..Selection::default()
    };
    if let Some(p) = &a.ids {
        selection.ids = read_id_list(p)?;
    }
    if let Some(p) = &a.owners {
        selection.owners = read_owner_list(p)?;
    }
    let (split, which) = if selection.is_empty() {
        (dataset.test.clone(), "test")
    } else {
        (
            dataset.train.subset(&dataset.select(&selection)?),
            "selected training samples",
        )
    };
    let e = model.outputs(&dataset, &split)?.evaluation();
    if a.json {
        json(&json!({
            "model": a.model.display().to_string(),
            "dataset": dataset.name,
            "subset": which,
            "samples": e.samples,
            "accuracy": e.accuracy,
            "loss": e.loss,
            "per_class_accuracy": e.per_class_accuracy,
        }))?;
    } else {
        println!(
            "{} on {} ({}, {} samples): accuracy {} loss {:.4}",
            a.model.display(),
            dataset.name,
            which,
            e.samples,
            pct(e.accuracy),
            e.loss
        );
        for (c, acc) in e.per_class_accuracy.iter().enumerate() {
            if let Some(acc) = acc {
                println!(
                    "  class {c:>2} {:<14} {}",
                    dataset.class_names.get(c).cloned().unwrap_or_default(),
                    pct(*acc)
                );
            }
        }
    }
    Ok(0)
}
