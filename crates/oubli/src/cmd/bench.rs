//! `oubli bench`: the method matrix against the retrain oracle.

use crate::args::DatasetArgs;
use crate::output::json;
use anyhow::Context;
use clap::Args;
use oubli_bench::{run_matrix, summarise, BenchConfig, Scenario};
use oubli_model::TrainConfig;
use std::path::PathBuf;

/// Arguments of `oubli bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Architecture: logreg, mlp or cnn.
    #[arg(long, default_value = "mlp")]
    pub model: String,
    /// Comma-separated method names, or `all`.
    #[arg(long, default_value = "all")]
    pub methods: String,
    /// Scenario: random:F, class:C[,C…] or owners:F.
    #[arg(long, default_value = "class:3")]
    pub forget: String,
    /// Seeds (runs) per method.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Training epochs of the originals and the oracle [default: 10].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Training learning rate [default: 1e-3].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Training batch size [default: 64].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Output directory for results.json and results.md.
    #[arg(long)]
    pub out: PathBuf,
    /// Print the summary JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<i32> {
    let dataset = a.data.load("digits")?;
    let methods: Vec<String> = if a.methods == "all" {
        oubli_forget::registry()
            .iter()
            .map(|m| m.name.to_string())
            .filter(|m| m != "retrain")
            .collect()
    } else {
        a.methods.split(',').map(|m| m.trim().to_string()).collect()
    };
    for m in &methods {
        oubli_forget::find(m)?;
    }
    let mut train = TrainConfig::default();
    if let Some(v) = a.epochs {
        train.epochs = v
    }
    if let Some(v) = a.lr {
        train.lr = v
    }
    if let Some(v) = a.batch_size {
        train.batch_size = v
    }
    train.clone().validate()?;
    let config = BenchConfig {
        model: a.model.clone(),
        methods,
        scenario: Scenario::parse(&a.forget)?,
        seeds: a.seeds,
        train,
    };
    let runs = run_matrix(&dataset, &config, &mut |r| {
        eprintln!(
            "seed {} {:<13} forget {:.4} retain {:.4} test {:.4} mia {:.3} {:.2}s",
            r.seed,
            r.method,
            r.forget_accuracy,
            r.retain_accuracy,
            r.test_accuracy,
            r.mia_auc,
            r.seconds
        );
    })?;
    let summary = summarise(&runs);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let title = format!(
        "{} · {} · {} · {} seeds",
        dataset.name,
        a.model,
        config.scenario.label(),
        a.seeds
    );
    let doc = serde_json::json!({"dataset": dataset.name, "config": config, "summary": summary});
    std::fs::write(
        a.out.join("results.json"),
        serde_json::to_string_pretty(&doc)?,
    )?;
    let md = summary.markdown(&title);
    std::fs::write(a.out.join("results.md"), &md)?;
    if a.json {
        json(&doc)?;
    } else {
        println!("{md}");
        println!("wrote {}/results.json and results.md", a.out.display());
    }
    Ok(0)
}
