//! `oubli predict`: class probabilities from any kind of model for rows in a CSV file (one
//! row of feature values per line, in the model's input order, optional header) or an IDX
//! images file (pixels scaled to [0, 1] as at training).

use crate::output::json;
use clap::Args;
use oubli_engine::AnyModel;
use std::path::{Path, PathBuf};

/// Arguments of `oubli predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model file (single, SISA ensemble or certified).
    #[arg(long)]
    pub model: PathBuf,
    /// Inputs: `.csv` of numeric feature rows, or an IDX images file (`-idx3-ubyte[.gz]`).
    #[arg(long)]
    pub input: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Numeric rows of a CSV file; a first line that does not parse is a header.
fn read_csv(path: &Path) -> anyhow::Result<(Vec<f32>, usize)> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let (mut rows, mut dim) = (Vec::new(), None);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<Vec<f32>, _> =
            line.split(',').map(|c| c.trim().parse::<f32>()).collect();
        match parsed {
            Ok(v) => {
                if *dim.get_or_insert(v.len()) != v.len() {
                    anyhow::bail!(
                        "{}:{}: {} values, earlier rows have {}",
                        path.display(),
                        n + 1,
                        v.len(),
                        dim.unwrap()
                    );
                }
                rows.extend(v);
            }
            Err(_) if n == 0 => continue,
            Err(e) => anyhow::bail!("{}:{}: not a number ({e})", path.display(), n + 1),
        }
    }
    let dim = dim.ok_or_else(|| anyhow::anyhow!("{}: no rows", path.display()))?;
    Ok((rows, dim))
}

/// Runs `oubli predict`.
pub fn run(a: PredictArgs) -> anyhow::Result<i32> {
    let model = AnyModel::load(&a.model)?;
    let is_csv = a
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let (x, dim) = if is_csv {
        read_csv(&a.input)?
    } else {
        oubli_data::idx::read_image_rows(&a.input)?
    };
    if dim != model.input_dim() {
        anyhow::bail!(
            "{}: rows have {dim} values, the model takes {}",
            a.input.display(),
            model.input_dim()
        );
    }
    let probs = model.predict(&x)?;
    let k = model.num_classes();
    let rows: Vec<&[f32]> = probs.chunks(k).collect();
    let classes: Vec<usize> = rows.iter().map(|r| oubli_model::argmax(r)).collect();
    if a.json {
        json(&serde_json::json!({
            "model": a.model.display().to_string(),
            "kind": model.kind(),
            "rows": rows.len(),
            "classes": classes,
            "probabilities": rows,
        }))?;
    } else {
        for (i, (c, r)) in classes.iter().zip(&rows).enumerate() {
            println!("{i}\tclass {c}\tp={:.4}", r[*c]);
        }
    }
    Ok(0)
}
