//! `oubli train`.

use crate::args::{check_output_file, read_toml, DatasetArgs};
use crate::output::{json, pct};
use crate::progress::Bar;
use anyhow::Context;
use clap::{Args, ValueEnum};
use oubli_certified::CertifiedParams;
use oubli_data::{read_id_list, MarkerParams, Markers, SampleId, MARKERS_KEY};
use oubli_engine::certified::CertifiedPlan;
use oubli_engine::{train, TrainPlan, TrainReport};
use oubli_model::{Arch, ModelSpec, OptimizerKind, Schedule, TrainConfig};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig};
use std::path::PathBuf;

/// `--shard-by` / `--slice-by`: what decides a sample's shard or slice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShardByArg {
    /// A hash of the sample id: uniform random shards.
    Id,
    /// A hash of the owner: one person's data in one shard, so deleting a person retrains
    /// one shard.
    Owner,
}

impl From<ShardByArg> for ShardBy {
    fn from(a: ShardByArg) -> Self {
        match a {
            ShardByArg::Id => ShardBy::Id,
            ShardByArg::Owner => ShardBy::Owner,
        }
    }
}

/// `--aggregation`: how the constituents' predictions combine.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AggregationArg {
    /// Mean of the constituents' probabilities.
    Mean,
    /// Majority vote.
    Vote,
}

/// Arguments of `oubli train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub train: TrainFlags,
    /// Where to write the model (.safetensors).
    #[arg(long)]
    pub out: PathBuf,
    /// Markers a data subject can check (Athena): this share of owners stamps a personal
    /// trigger with a personal target class on some of their own training samples; the
    /// markers are recorded in the model's lineage for `oubli verify --markers`. Single
    /// models and SISA ensembles.
    #[arg(long, value_name = "FRACTION_OF_OWNERS", help_heading = "Markers")]
    pub markers: Option<f64>,
    /// Share of a marking owner's samples that carry the marker [default: 0.5].
    #[arg(long, requires = "markers", help_heading = "Markers")]
    pub marker_rate: Option<f64>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What to train and on which data: shared by `oubli train` and `oubli store init`.
#[derive(Args, Debug)]
pub struct TrainFlags {
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
    pub shard_by: ShardByArg,
    /// SISA: what decides a sample's slice (owner: one person's data in one slice, so
    /// deleting them restarts their shard there instead of at the first slice).
    #[arg(
        long,
        value_enum,
        default_value = "id",
        requires = "sisa_shards",
        help_heading = "SISA ensemble"
    )]
    pub slice_by: ShardByArg,
    /// SISA: how constituents' predictions combine.
    #[arg(
        long,
        value_enum,
        default_value = "mean",
        requires = "sisa_shards",
        help_heading = "SISA ensemble"
    )]
    pub aggregation: AggregationArg,
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
pub fn train_config(a: &TrainFlags) -> anyhow::Result<TrainConfig> {
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
fn certified_params(a: &TrainFlags) -> anyhow::Result<CertifiedParams> {
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
pub fn excluded_ids(a: &TrainFlags) -> anyhow::Result<Vec<SampleId>> {
    let mut excluded = match &a.exclude_ids {
        Some(p) => read_id_list(p)?,
        None => Vec::new(),
    };
    excluded.sort_unstable();
    excluded.dedup();
    Ok(excluded)
}

/// The training plan the flags describe.
pub fn plan(a: &TrainFlags, dataset: &oubli_data::Dataset) -> anyhow::Result<TrainPlan> {
    if a.certified {
        return Ok(TrainPlan::Certified(CertifiedPlan {
            params: certified_params(a)?,
            seed: a.seed.unwrap_or(0),
            features: a.features.clone(),
        }));
    }
    let config = train_config(a)?.validate()?;
    let mut spec = ModelSpec::by_name(&a.model, dataset.shape.clone(), dataset.num_classes)?;
    if !a.hidden.is_empty() {
        match &mut spec.arch {
            Arch::Mlp { hidden } => *hidden = a.hidden.clone(),
            _ => anyhow::bail!("--hidden applies to --model mlp only"),
        }
        spec.validate()?;
    }
    let Some(shards) = a.sisa_shards else {
        return Ok(TrainPlan::Single { spec, config });
    };
    let sisa = SisaConfig {
        shards,
        slices: a.sisa_slices.unwrap_or(1),
        shard_by: a.shard_by.into(),
        slice_by: a.slice_by.into(),
        aggregation: match a.aggregation {
            AggregationArg::Mean => Aggregation::MeanProb,
            AggregationArg::Vote => Aggregation::Vote,
        },
    };
    Ok(TrainPlan::Sisa { spec, config, sisa })
}

/// Draws markers for `dataset`'s owners and stamps them on its training rows (the test
/// split stays clean). Single models and SISA ensembles: a certified model does not
/// record them yet.
fn mark(
    dataset: &mut oubli_data::Dataset,
    plan: &TrainPlan,
    fraction: f64,
    rate: Option<f64>,
    seed: Option<u64>,
) -> anyhow::Result<Markers> {
    if !matches!(plan, TrainPlan::Single { .. } | TrainPlan::Sisa { .. }) {
        anyhow::bail!(
            "--markers applies to single models and SISA ensembles (not --certified) for now"
        );
    }
    let d = MarkerParams::default();
    let params = MarkerParams {
        owner_fraction: fraction,
        rate: rate.unwrap_or(d.rate),
        seed: seed.unwrap_or(d.seed),
        ..d
    };
    let markers = Markers::plan(&dataset.train, dataset.num_classes, &params)?;
    markers.apply(&mut dataset.train);
    Ok(markers)
}

/// Runs `oubli train`.
pub fn run(a: TrainArgs) -> anyhow::Result<i32> {
    check_output_file(&a.out)?;
    let mut dataset = a.train.data.load("digits")?;
    let plan = plan(&a.train, &dataset)?;
    let excluded = excluded_ids(&a.train)?;
    let markers = match a.markers {
        Some(fraction) => Some(mark(
            &mut dataset,
            &plan,
            fraction,
            a.marker_rate,
            a.train.seed,
        )?),
        None => None,
    };
    let mut bar = Bar::new("train");
    let (mut model, report) = train(&dataset, &plan, &excluded, &mut bar)?;
    drop(bar);
    if let Some(m) = &markers {
        let value = serde_json::to_value(m)?;
        match &mut model {
            oubli_engine::AnyModel::Single(single) => {
                single.file.lineage.extra.insert(MARKERS_KEY.into(), value);
            }
            oubli_engine::AnyModel::Sisa(sisa) => sisa.set_extra(MARKERS_KEY, value),
            oubli_engine::AnyModel::Certified(_) => unreachable!("mark() refuses --certified"),
        }
    }
    model.save(&a.out)?;

    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["out"] = a.out.display().to_string().into();
        if let Some(m) = &markers {
            v["marked_owners"] = m
                .markers
                .iter()
                .map(|k| k.owner.clone())
                .collect::<Vec<_>>()
                .into();
            v["marked_samples"] = m.marked_samples().into();
        }
        json(&v)?;
        return Ok(0);
    }
    let (method, model_name, trained, seconds, train_acc, test_acc, sha, notes) = match &report {
        TrainReport::Single(r) => (
            r.method,
            r.fit.model.as_str(),
            r.fit.trained_samples,
            r.fit.seconds,
            r.fit.train_accuracy,
            r.fit.test_accuracy,
            &r.fit.weights_sha256,
            &r.notes,
        ),
        TrainReport::Sisa(r) => (
            r.method,
            r.model.as_str(),
            r.trained_samples,
            r.report.seconds,
            r.train_accuracy,
            r.test_accuracy,
            &r.weights_sha256,
            &r.notes,
        ),
        TrainReport::Certified(r) => (
            r.method,
            r.model,
            r.trained_samples,
            r.seconds,
            r.train_accuracy,
            r.test_accuracy,
            &r.weights_sha256,
            &r.notes,
        ),
    };
    let excluded_note = if excluded.is_empty() {
        String::new()
    } else {
        format!(", {} excluded", excluded.len())
    };
    let method = if method == "train" {
        String::new()
    } else {
        format!("{method} ")
    };
    println!(
        "trained {method}{model_name} on {} ({trained} samples{excluded_note}) in {seconds:.2}s: train {} test {}",
        dataset.name,
        pct(train_acc),
        pct(test_acc)
    );
    for note in notes {
        println!("note: {note}");
    }
    if let Some(m) = &markers {
        let owners: Vec<&str> = m.markers.iter().map(|k| k.owner.as_str()).collect();
        println!(
            "marked {} owners' data ({} samples, {} trigger positions each; recorded in the lineage): owners {}",
            m.markers.len(),
            m.marked_samples(),
            m.params.positions,
            owners.join(", ")
        );
    }
    println!("wrote {} (weights_sha256 {sha})", a.out.display());
    Ok(0)
}
