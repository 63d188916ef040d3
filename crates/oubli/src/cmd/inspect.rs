//! `oubli inspect`.

use crate::output::json;
use clap::Args;
use oubli_engine::certified::{CertifiedFile, TENSOR};
use oubli_engine::AnyModel;
use oubli_sisa::{checkpoint_name, SisaModel};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Arguments of `oubli inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The model file: a single model, a SISA ensemble or a certified-removal model.
    pub file: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Prints a SISA ensemble or a certified model: lineage, the kind's own section, tensors.
fn print_other(
    a: &InspectArgs,
    kind: &str,
    lineage: Value,
    section: Value,
    tensors: &[(String, Vec<usize>)],
) -> anyhow::Result<i32> {
    let parameters: usize = tensors
        .iter()
        .map(|(_, s)| s.iter().product::<usize>())
        .sum();
    if a.json {
        let t: Vec<_> = tensors
            .iter()
            .map(|(name, shape)| json!({"name": name, "shape": shape, "dtype": "F32"}))
            .collect();
        json(
            &json!({"file": a.file.display().to_string(), "kind": kind, "lineage": lineage, kind: section, "tensors": t, "parameters": parameters}),
        )?;
    } else {
        println!("{} ({kind})", a.file.display());
        for (title, v) in [("lineage", &lineage), (kind, &section)] {
            println!(
                "  {title}: {}",
                serde_json::to_string_pretty(v)?.replace('\n', "\n  ")
            );
        }
        println!("  tensors ({parameters} parameters):");
        for (name, shape) in tensors {
            println!("    {name:<24} {shape:?} F32");
        }
    }
    Ok(0)
}

/// Runs `oubli inspect`.
pub fn run(a: InspectArgs) -> anyhow::Result<i32> {
    let model = match AnyModel::load(&a.file)? {
        AnyModel::Single(m) => m.file,
        AnyModel::Sisa(m) => {
            let lineage = serde_json::to_value(m.lineage())?;
            let p = m.ensemble_params();
            let tensors: Vec<_> = p
                .shapes
                .iter()
                .map(|s| (s.name.clone(), s.shape.clone()))
                .collect();
            return print_other(&a, "sisa", lineage, sisa_json(&m, &a.file), &tensors);
        }
        AnyModel::Certified(bundle) => {
            let c = &bundle.file;
            let mut lineage = serde_json::to_value(&c.meta)?;
            // The file keeps the full removed-id list; inspect shows its size.
            lineage["removed_ids"] = json!(format!("{} ids", c.meta.removed_ids.len()));
            let tensors = [(
                TENSOR.to_string(),
                vec![c.model.num_models(), c.model.dim()],
            )];
            return print_other(&a, "certified", lineage, certified_json(c), &tensors);
        }
    };
    let tensors: Vec<_> = model
        .params
        .shapes
        .iter()
        .map(|s| json!({"name": s.name, "shape": s.shape, "dtype": "F32"}))
        .collect();
    let mut lineage = serde_json::to_value(&model.lineage)?;
    // The full removed-id list can be long; inspect shows its size, the file keeps it.
    if let Some(extra) = lineage.get_mut("extra").and_then(|e| e.as_object_mut()) {
        if let Some(ids) = extra
            .get("removed_ids")
            .and_then(|v| v.as_array())
            .map(Vec::len)
        {
            extra.insert("removed_ids".into(), json!(format!("{ids} ids")));
        }
    }
    if a.json {
        json(
            &json!({"file": a.file.display().to_string(), "kind": "model", "lineage": lineage, "tensors": tensors, "parameters": model.params.len()}),
        )?;
    } else {
        println!("{}", a.file.display());
        println!(
            "  {}",
            serde_json::to_string_pretty(&lineage)?.replace('\n', "\n  ")
        );
        println!("  tensors ({} parameters):", model.params.len());
        for s in &model.params.shapes {
            println!("    {:<16} {:?} F32", s.name, s.shape);
        }
    }
    Ok(0)
}

/// The `sisa` section: S, R, shard_by, aggregation, per-shard hashes, samples and
/// checkpoint files (under `FILE.ckpt/`).
fn sisa_json(m: &SisaModel, file: &Path) -> Value {
    let c = m.config();
    let checkpoints: Vec<Vec<String>> = (0..c.shards)
        .map(|s| (0..c.slices).map(|r| checkpoint_name(s, r)).collect())
        .collect();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    json!({
        "shards": c.shards,
        "slices": c.slices,
        "shard_by": c.shard_by,
        "aggregation": c.aggregation,
        "shard_weights_sha256": m.shard_weights_sha256(),
        "shard_samples": m.shards().iter().map(|s| s.samples()).collect::<Vec<_>>(),
        "checkpoints": checkpoints,
        "checkpoint_dir": name.map(|n| format!("{n}.ckpt")),
        "removed": m.removed_ids().len(),
        "trained_samples": m.trained_samples(),
    })
}

/// The `certified` section: the guarantee, the budget and what it has served.
fn certified_json(f: &CertifiedFile) -> Value {
    let m = &f.model;
    let p = m.params();
    json!({
        "epsilon": p.epsilon(),
        "delta": p.delta(),
        "lambda": p.lambda(),
        "sigma": p.sigma(),
        "budget": m.budget(),
        "residual_spent": m.residual_total(),
        "residual_spent_per_model": m.residual_spent(),
        "budget_remaining": m.budget_remaining(),
        "removals": m.removals(),
        "retrains": m.retrains(),
        "trained_samples": m.n_train(),
        "num_classes": m.num_classes(),
        "num_models": m.num_models(),
        "feature_dim": m.dim(),
        "feature_scale": m.feature_scale(),
        "norm_bound": m.norm_bound(),
        "feature_extractor": f.meta.feature_extractor,
        "feature_extractor_sha256": f.meta.feature_extractor_sha256,
    })
}
