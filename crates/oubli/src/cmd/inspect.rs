//! `oubli inspect`.

use crate::output::json;
use clap::Args;
use oubli_model::file::ModelFile;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `oubli inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The model file.
    pub file: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli inspect`.
pub fn run(a: InspectArgs) -> anyhow::Result<i32> {
    let model = ModelFile::load(&a.file)?;
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
            &json!({"file": a.file.display().to_string(), "lineage": lineage, "tensors": tensors, "parameters": model.params.len()}),
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
