//! `oubli inspect`.

use crate::certified::file::TENSOR;
use crate::models::AnyModel;
use crate::output::json;
use clap::Args;
use serde_json::{json, Value};
use std::path::PathBuf;

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
        AnyModel::Plain(m) => *m,
        AnyModel::Sisa(m) => {
            let lineage = serde_json::to_value(m.lineage())?;
            let p = m.ensemble_params();
            let tensors: Vec<_> = p
                .shapes
                .iter()
                .map(|s| (s.name.clone(), s.shape.clone()))
                .collect();
            return print_other(
                &a,
                "sisa",
                lineage,
                crate::sisa::inspect_json(&m, &a.file),
                &tensors,
            );
        }
        AnyModel::Certified(c) => {
            let mut lineage = serde_json::to_value(&c.meta)?;
            // The file keeps the full removed-id list; inspect shows its size.
            lineage["removed_ids"] = json!(format!("{} ids", c.meta.removed_ids.len()));
            let tensors = [(
                TENSOR.to_string(),
                vec![c.model.num_models(), c.model.dim()],
            )];
            return print_other(
                &a,
                "certified",
                lineage,
                crate::certified::inspect_json(&c),
                &tensors,
            );
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
