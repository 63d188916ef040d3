//! `oubli train`.

use crate::args::{read_toml, DatasetArgs};
use crate::output::{json, pct};
use crate::progress::Bar;
use anyhow::Context;
use clap::Args;
use oubli_data::read_id_list;
use oubli_forget::request::REMOVED_IDS_KEY;
use oubli_model::{fit, Arch, ModelSpec, OptimizerKind, Schedule, TrainConfig};
use std::path::PathBuf;

/// Arguments of `oubli train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Architecture: logreg, mlp or cnn.
    #[arg(long, default_value = "mlp")]
    pub model: String,
    /// MLP hidden widths, comma-separated [default: 256].
    #[arg(long, value_delimiter = ',')]
    pub hidden: Vec<usize>,
    /// Training config file (TOML, fields of TrainConfig); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Epochs [default: 10].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Minibatch size [default: 64].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Learning rate [default: 1e-3].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Optimiser: adam or sgd [default: adam].
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Weight decay on weights [default: 0].
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Schedule: cosine, constant, or step:EVERY:GAMMA [default: cosine].
    #[arg(long)]
    pub schedule: Option<String>,
    /// The seed behind every random choice [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sample ids to leave out (one per line): retraining without deleted data.
    #[arg(long)]
    pub exclude_ids: Option<PathBuf>,
    /// Where to write the model (.safetensors).
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

fn parse_schedule(s: &str) -> anyhow::Result<Schedule> {
    Ok(match s {
        "cosine" => Schedule::Cosine,
        "constant" => Schedule::Constant,
        other => {
            let parts: Vec<&str> = other.split(':').collect();
            match parts.as_slice() {
                ["step", every, gamma] => Schedule::Step {
                    every_epochs: every
                        .parse()
                        .context("step schedule: EVERY must be an integer")?,
                    gamma: gamma
                        .parse()
                        .context("step schedule: GAMMA must be a number")?,
                },
                _ => anyhow::bail!(
                    "unknown schedule `{other}`: cosine, constant or step:EVERY:GAMMA"
                ),
            }
        }
    })
}

/// Builds the training config from the file and flags.
pub fn train_config(a: &TrainArgs) -> anyhow::Result<TrainConfig> {
    let mut c: TrainConfig = match read_toml(&a.config)? {
        Some(v) => serde_json::from_value(v).context("training config")?,
        None => TrainConfig::default(),
    };
    if let Some(v) = a.epochs {
        c.epochs = v
    }
    if let Some(v) = a.batch_size {
        c.batch_size = v
    }
    if let Some(v) = a.lr {
        c.lr = v
    }
    if let Some(v) = a.weight_decay {
        c.weight_decay = v
    }
    if let Some(v) = a.seed {
        c.seed = v
    }
    if let Some(o) = &a.optimizer {
        c.optimizer = match o.as_str() {
            "adam" => OptimizerKind::Adam,
            "sgd" => OptimizerKind::Sgd,
            other => anyhow::bail!("unknown optimizer `{other}`: adam or sgd"),
        };
    }
    if let Some(s) = &a.schedule {
        c.schedule = parse_schedule(s)?;
    }
    Ok(c)
}

/// Runs `oubli train`.
pub fn run(a: TrainArgs) -> anyhow::Result<i32> {
    let mut dataset = a.data.load("digits")?;
    let config = train_config(&a)?.validate()?;
    let mut spec = ModelSpec::by_name(&a.model, dataset.shape.clone(), dataset.num_classes)?;
    if !a.hidden.is_empty() {
        match &mut spec.arch {
            Arch::Mlp { hidden } => *hidden = a.hidden.clone(),
            _ => anyhow::bail!("--hidden applies to --model mlp only"),
        }
        spec.validate()?;
    }
    let mut excluded = Vec::new();
    if let Some(p) = &a.exclude_ids {
        excluded = read_id_list(p)?;
        excluded.sort_unstable();
        excluded.dedup();
        dataset.exclude(&excluded)?;
    }
    let mut bar = Bar::new("train");
    let (mut model, report) = fit(&dataset, spec, &config, &mut bar)?;
    drop(bar);
    if !excluded.is_empty() {
        model
            .lineage
            .extra
            .insert(REMOVED_IDS_KEY.into(), serde_json::to_value(&excluded)?);
        model.lineage.forgotten_samples = excluded.len();
    }
    model.save(&a.out)?;
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["out"] = serde_json::Value::String(a.out.display().to_string());
        v["excluded_samples"] = excluded.len().into();
        json(&v)?;
    } else {
        println!(
            "trained {} on {} ({} samples{}) in {:.2}s: train {} test {}",
            report.model,
            report.dataset,
            report.trained_samples,
            if excluded.is_empty() {
                String::new()
            } else {
                format!(", {} excluded", excluded.len())
            },
            report.seconds,
            pct(report.train_accuracy),
            pct(report.test_accuracy)
        );
        println!(
            "wrote {} (weights_sha256 {})",
            a.out.display(),
            report.weights_sha256
        );
    }
    Ok(0)
}
