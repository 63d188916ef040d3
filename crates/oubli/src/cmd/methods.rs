//! `oubli methods`.

use crate::output::json;
use clap::Args;
use oubli_certified::CertifiedParams;
use oubli_sisa::SisaConfig;
use serde_json::{json, Value};

/// Arguments of `oubli methods`.
#[derive(Args, Debug)]
pub struct MethodsArgs {
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Methods that need a model trained for them, so they are not in the `oubli_forget`
/// registry (which works on any single model): listed here with the same keys.
fn model_bound_methods() -> [Value; 2] {
    [
        json!({
            "name": "sisa",
            "family": "exact",
            "summary": "Retrain only the shards holding the forget set, from their last clean checkpoint: bit-identical to retraining the ensemble without it. Needs an ensemble from `oubli train --sisa-shards S --sisa-slices R`.",
            "paper": "Bourtoule et al., Machine Unlearning, IEEE S&P 2021",
            "defaults": SisaConfig::default(),
        }),
        json!({
            "name": "certified",
            "family": "certified",
            "summary": "One Newton step per removal with a data-dependent residual bound; retrains when the (ε, δ) budget runs out. Needs `oubli train --model logreg --certified`.",
            "paper": "Guo et al., Certified Data Removal from Machine Learning Models, ICML 2020",
            "defaults": CertifiedParams::default(),
        }),
    ]
}

/// Runs `oubli methods`.
pub fn run(a: MethodsArgs) -> anyhow::Result<i32> {
    let mut infos: Vec<Value> = oubli_forget::registry()
        .iter()
        .map(|m| serde_json::to_value(m.info()))
        .collect::<Result<_, _>>()?;
    infos.extend(model_bound_methods());
    if a.json {
        json(&infos)?;
    } else {
        for m in &infos {
            let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
            println!("{:<14} {:<15} {}", s("name"), s("family"), s("summary"));
            println!("{:<14} paper: {}", "", s("paper"));
            println!("{:<14} defaults: {}", "", m["defaults"]);
        }
    }
    Ok(0)
}
