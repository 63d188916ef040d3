//! SISA (Bourtoule et al., IEEE S&P 2021) from the command line: training an ensemble,
//! exact forgetting by retraining only the affected shards from their checkpoints, and what
//! `inspect` shows. The logic is `oubli_sisa`'s; this module resolves data and prints.

use crate::cmd::forget::ForgetArgs;
use crate::models::{check_not_removed, check_trained_on, split_at};
use crate::output::pct;
use anyhow::{bail, Context};
use clap::ValueEnum;
use oubli_data::{Dataset, SampleId};
use oubli_model::{ModelSpec, ValidTrainConfig};
use oubli_sisa::{checkpoint_name, Aggregation, ShardBy, SisaConfig, SisaModel};
use serde_json::{json, Value};
use std::path::Path;

/// `--shard-by`: what decides a sample's shard.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShardByArg {
    /// A hash of the sample id: uniform random shards.
    Id,
    /// A hash of the owner: one person's data in one shard, so deleting a person retrains
    /// one shard.
    Owner,
}

/// `--aggregation`: how the constituents' predictions combine.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AggregationArg {
    /// Mean of the constituents' probabilities.
    Mean,
    /// Majority vote.
    Vote,
}

/// The SISA layout from the flags.
pub fn config(
    shards: usize,
    slices: usize,
    shard_by: ShardByArg,
    aggregation: AggregationArg,
) -> SisaConfig {
    SisaConfig {
        shards,
        slices,
        shard_by: match shard_by {
            ShardByArg::Id => ShardBy::Id,
            ShardByArg::Owner => ShardBy::Owner,
        },
        aggregation: match aggregation {
            AggregationArg::Mean => Aggregation::MeanProb,
            AggregationArg::Vote => Aggregation::Vote,
        },
    }
}

/// Trains an ensemble on `dataset.train` (exclusions already applied), saves it to `out`
/// (with `<out>.ckpt/`) and returns the JSON report.
pub fn train(
    dataset: &Dataset,
    spec: ModelSpec,
    sisa: SisaConfig,
    train_config: &ValidTrainConfig,
    excluded: &[SampleId],
    out: &Path,
) -> anyhow::Result<Value> {
    let (model, report) = SisaModel::train(dataset, spec, sisa, train_config)?;
    let sha = model.save(out)?;
    let mut notes = Vec::new();
    if !excluded.is_empty() {
        // oubli-sisa has no way to record ids excluded before training, so a later
        // `forget --method sisa` cannot rebuild this ensemble's data from the dataset.
        notes.push(
            "the ensemble does not record the excluded ids: it serves as a from-scratch reference; forgetting from it is refused",
        );
    }
    let mut v = json!({
        "method": oubli_sisa::METHOD_TRAIN,
        "dataset": dataset.name,
        "model": model.spec().arch_name(),
        "train_accuracy": model.evaluate(&dataset.train).accuracy,
        "test_accuracy": model.evaluate(&dataset.test).accuracy,
        "trained_samples": model.trained_samples(),
        "excluded_samples": excluded.len(),
        "weights_sha256": sha,
        "out": out.display().to_string(),
        "notes": notes,
    });
    v.as_object_mut()
        .expect("object")
        .extend(layout_json(&model).as_object().expect("object").clone());
    v.as_object_mut().expect("object").extend(
        serde_json::to_value(&report)?
            .as_object()
            .expect("object")
            .clone(),
    );
    Ok(v)
}

/// S, R, shard_by, aggregation and per-shard hashes, samples and checkpoint files.
fn layout_json(m: &SisaModel) -> Value {
    let c = m.config();
    let checkpoints: Vec<Vec<String>> = (0..c.shards)
        .map(|s| (0..c.slices).map(|r| checkpoint_name(s, r)).collect())
        .collect();
    json!({
        "shards": c.shards,
        "slices": c.slices,
        "shard_by": c.shard_by,
        "aggregation": c.aggregation,
        "shard_weights_sha256": m.shard_weights_sha256(),
        "shard_samples": m.shards().iter().map(|s| s.samples()).collect::<Vec<_>>(),
        "checkpoints": checkpoints,
    })
}

/// The `sisa` section of `oubli inspect` (`file` names the ensemble, for the checkpoint
/// directory).
pub fn inspect_json(m: &SisaModel, file: &Path) -> Value {
    let mut v = layout_json(m);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    v["checkpoint_dir"] = json!(name.map(|n| format!("{n}.ckpt")));
    v["removed"] = json!(m.removed_ids().len());
    v["trained_samples"] = json!(m.trained_samples());
    v
}

/// Runs `oubli forget --method sisa`: exact removal, written to `--out`.
pub fn forget(a: &ForgetArgs) -> anyhow::Result<i32> {
    if a.config.is_some() {
        bail!("--method sisa takes no --config: the ensemble's own layout and training config are reused");
    }
    let mut model = SisaModel::load(&a.model)?;
    let dataset = a.data.load(model.dataset())?;
    let selection = a.spec.selection()?;
    check_not_removed(&selection, model.removed_ids())?;
    let mut data = dataset.clone();
    data.exclude(model.removed_ids())
        .context("the ensemble's removed ids are not all in the dataset")?;
    check_trained_on(
        &data.train.ids,
        &model.lineage().trained_ids_fingerprint,
        &dataset.name,
    )
    .context("cannot unlearn from this ensemble (one trained with --exclude-ids does not record those ids)")?;
    let (forget, retain) = split_at(&data.train, &data.select(&selection)?)?;
    let before = [&forget, &retain, &dataset.test].map(|s| model.evaluate(s).accuracy);
    let report = model.forget(&data.train, &forget.ids)?;
    let sha = model.save(&a.out)?;
    let after = [&forget, &retain, &dataset.test].map(|s| model.evaluate(s).accuracy);
    if a.json {
        let mut v = json!({
            "method": oubli_sisa::METHOD_FORGET,
            "forget_samples": forget.len(),
            "forget_accuracy": after[0],
            "retain_accuracy": after[1],
            "test_accuracy": after[2],
            "original_forget_accuracy": before[0],
            "original_retain_accuracy": before[1],
            "original_test_accuracy": before[2],
            "retrain_sample_gradients": report.full_retrain_sample_gradients,
            "removed_total": model.removed_ids().len(),
            "weights_sha256": sha,
            "parent_sha256": model.lineage().parent_sha256,
            "shard_weights_sha256": model.shard_weights_sha256(),
            "out": a.out.display().to_string(),
        });
        let mut r = serde_json::to_value(&report)?;
        // `retrained` is a flag elsewhere (certified); here it lists shards, so rename it.
        let shards = r.as_object_mut().expect("object").remove("retrained");
        v["retrained_shards"] = shards.unwrap_or_default();
        v.as_object_mut()
            .expect("object")
            .extend(r.as_object().expect("object").clone());
        crate::output::json(&v)?;
    } else {
        println!(
            "sisa: forgot {} samples exactly in {:.2}s, retraining {} of {} shards ({} slices): {} sample gradients; speed-up {:.2}× over a full retrain, {:.2}× over whole-shard retraining",
            forget.len(),
            report.seconds,
            report.shards_retrained,
            model.config().shards,
            report.slices_retrained,
            report.sample_gradients,
            report.speedup_vs_full_retrain,
            report.speedup_vs_whole_shard_retrain
        );
        println!("              before     after");
        for (name, i) in [("forget", 0), ("retain", 1), ("test", 2)] {
            println!("  {name:<6} {:>9} {:>9}", pct(before[i]), pct(after[i]));
        }
        println!("wrote {} (weights_sha256 {sha})", a.out.display());
    }
    Ok(0)
}
