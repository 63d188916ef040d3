//! `oubli train`.

use crate::args::{read_toml, DatasetArgs};
use crate::output::{json, pct};
use crate::progress::Bar;
use anyhow::Context;
use clap::Args;
use oubli_certified::CertifiedParams;
use oubli_data::{read_id_list, SampleId};
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
    /// SISA: train an ensemble of this many shards (one constituent each) instead of one model.
    #[arg(long, help_heading = "SISA ensemble")]
    pub sisa_shards: Option<usize>,
    /// SISA: slices per shard, i.e. checkpointed training stages; --epochs is per stage [default: 1].
    #[arg(long, requires = "sisa_shards", help_heading = "SISA ensemble")]
    pub sisa_slices: Option<usize>,
    /// SISA: what decides a sample's shard (owner: one person's data in one shard).
    #[arg(
        long,
        value_enum,
        default_value = "id",
        requires = "sisa_shards",
        help_heading = "SISA ensemble"
    )]
    pub shard_by: crate::sisa::ShardByArg,
    /// SISA: how constituents' predictions combine.
    #[arg(
        long,
        value_enum,
        default_value = "mean",
        requires = "sisa_shards",
        help_heading = "SISA ensemble"
    )]
    pub aggregation: crate::sisa::AggregationArg,
    /// Certified removal (Guo et al. 2020): train --model logreg by exact L2-regularised
    /// minimisation with loss perturbation, so `forget --method certified` can remove data
    /// with an (ε, δ) guarantee. Rows are scaled to ‖x‖ ≤ 1 (factor fixed at training).
    #[arg(
        long,
        conflicts_with = "sisa_shards",
        help_heading = "Certified removal"
    )]
    pub certified: bool,
    /// Certified: ε of the (ε, δ) guarantee for the whole model [default: 1].
    #[arg(long, requires = "certified", help_heading = "Certified removal")]
    pub epsilon: Option<f64>,
    /// Certified: δ of the guarantee [default: 1e-4].
    #[arg(long, requires = "certified", help_heading = "Certified removal")]
    pub delta: Option<f64>,
    /// Certified: L2 strength λ (objective carries λn‖w‖²/2) [default: 1e-3].
    #[arg(long, requires = "certified", help_heading = "Certified removal")]
    pub lambda: Option<f64>,
    /// Certified: std-dev σ of the loss perturbation; larger allows more removals between
    /// retrains at some accuracy cost; 10 suits MNIST-sized data, ~1 small sets like digits
    /// [default: 10].
    #[arg(long, requires = "certified", help_heading = "Certified removal")]
    pub sigma: Option<f64>,
    /// Certified: train on the frozen penultimate features of this oubli mlp/cnn model. The
    /// guarantee covers the logistic head only: train the extractor on data never deleted.
    #[arg(long, requires = "certified", help_heading = "Certified removal")]
    pub features: Option<PathBuf>,
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

/// The certified-removal hyperparameters from the flags (library defaults for the rest),
/// refusing gradient-training flags that would silently do nothing.
fn certified_params(a: &TrainArgs) -> anyhow::Result<CertifiedParams> {
    if a.model != "logreg" {
        anyhow::bail!("--certified trains a logistic regression: pass --model logreg (with --features MODEL to put it on an mlp/cnn's penultimate features)");
    }
    let unused = [
        ("--epochs", a.epochs.is_some()),
        ("--batch-size", a.batch_size.is_some()),
        ("--lr", a.lr.is_some()),
        ("--optimizer", a.optimizer.is_some()),
        ("--weight-decay", a.weight_decay.is_some()),
        ("--schedule", a.schedule.is_some()),
        ("--config", a.config.is_some()),
        ("--hidden", !a.hidden.is_empty()),
    ];
    if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
        anyhow::bail!("{flag} does not apply to --certified: it is trained by Newton's method to the exact optimum (use --lambda, --sigma, --epsilon, --delta)");
    }
    let d = CertifiedParams::default();
    Ok(CertifiedParams {
        epsilon: a.epsilon.unwrap_or(d.epsilon),
        delta: a.delta.unwrap_or(d.delta),
        lambda: a.lambda.unwrap_or(d.lambda),
        sigma: a.sigma.unwrap_or(d.sigma),
        ..d
    })
}

/// Reads --exclude-ids, sorted and deduplicated.
fn excluded_ids(a: &TrainArgs) -> anyhow::Result<Vec<SampleId>> {
    let mut excluded = match &a.exclude_ids {
        Some(p) => read_id_list(p)?,
        None => Vec::new(),
    };
    excluded.sort_unstable();
    excluded.dedup();
    Ok(excluded)
}

/// `oubli train --certified`.
fn run_certified(a: &TrainArgs) -> anyhow::Result<i32> {
    let params = certified_params(a)?;
    let dataset = a.data.load("digits")?;
    let excluded = excluded_ids(a)?;
    let req = crate::certified::TrainRequest {
        params,
        seed: a.seed.unwrap_or(0),
        features: a.features.as_deref(),
        excluded: &excluded,
    };
    let (mut file, mut report) = crate::certified::train(&dataset, &req)?;
    file.save(&a.out)?;
    report["out"] = a.out.display().to_string().into();
    print_report(a, &report)
}

/// Prints a train report as JSON or as the usual two lines.
fn print_report(a: &TrainArgs, v: &serde_json::Value) -> anyhow::Result<i32> {
    if a.json {
        json(v)?;
    } else {
        println!(
            "trained {} {} on {} ({} samples) in {:.2}s: train {} test {}",
            v["method"].as_str().unwrap_or_default(),
            v["model"].as_str().unwrap_or_default(),
            v["dataset"].as_str().unwrap_or_default(),
            v["trained_samples"],
            v["seconds"].as_f64().unwrap_or(f64::NAN),
            pct(v["train_accuracy"].as_f64().unwrap_or(f64::NAN)),
            pct(v["test_accuracy"].as_f64().unwrap_or(f64::NAN))
        );
        for note in v["notes"].as_array().into_iter().flatten() {
            println!("note: {}", note.as_str().unwrap_or_default());
        }
        println!(
            "wrote {} (weights_sha256 {})",
            a.out.display(),
            v["weights_sha256"].as_str().unwrap_or_default()
        );
    }
    Ok(0)
}

/// Runs `oubli train`.
pub fn run(a: TrainArgs) -> anyhow::Result<i32> {
    if a.certified {
        return run_certified(&a);
    }
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
    let excluded = excluded_ids(&a)?;
    dataset.exclude(&excluded)?;
    if let Some(shards) = a.sisa_shards {
        let sisa = crate::sisa::config(
            shards,
            a.sisa_slices.unwrap_or(1),
            a.shard_by,
            a.aggregation,
        );
        let report = crate::sisa::train(&dataset, spec, sisa, &config, &excluded, &a.out)?;
        return print_report(&a, &report);
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
