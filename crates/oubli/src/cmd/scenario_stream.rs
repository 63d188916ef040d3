//! `oubli scenario user-stream`: flags to a [`StreamPlan`], the report printed.

use crate::cmd::train::{plan, AggregationArg, TrainFlags};
use crate::output::{json, pct};
use clap::Args;
use oubli_certified::CertifiedParams;
use oubli_engine::certified::CertifiedPlan;
use oubli_engine::TrainPlan;
use oubli_scenarios::stream::{self, StreamPlan, StreamPolicy};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig};
use oubli_worker::Policy;

/// Arguments of `oubli scenario user-stream`.
#[derive(Args, Debug)]
pub struct UserStreamArgs {
    /// Training flags as for `oubli train`, for the network (single model, oracle and SISA
    /// constituents). `--sisa-shards/--sisa-slices` set the ensemble (default 10 × 1); it
    /// is always sharded by owner, so `--shard-by` plays no part.
    #[command(flatten)]
    pub train: TrainFlags,
    /// Requests in the stream, each deleting one owner (chosen in a seeded random order).
    #[arg(long, default_value_t = 50)]
    pub requests: usize,
    /// k: approx+retrain retrains after every k approximate requests [default: the worker
    /// policy's retrain_every_requests, 20].
    #[arg(long)]
    pub retrain_every: Option<usize>,
    /// Approximate method [default: the worker policy's approximate_method, neggrad-plus].
    #[arg(long)]
    pub approximate_method: Option<String>,
    /// Policies, comma-separated: sisa, approx+retrain, approx-only, certified.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sisa,approx+retrain,approx-only,certified"
    )]
    pub policies: Vec<String>,
    /// Retrain the oracle after every this many requests (and after the last).
    #[arg(long, default_value_t = 10)]
    pub oracle_every: usize,
    /// The certified model's σ (loss perturbation) [default: 10; ~1 suits small sets
    /// like digits].
    #[arg(long)]
    pub certified_sigma: Option<f64>,
    /// The certified model's L2 strength λ [default: 1e-3].
    #[arg(long)]
    pub certified_lambda: Option<f64>,
    /// Write report.html (with plots) and report.json into this directory.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

fn policies(names: &[String]) -> anyhow::Result<Vec<StreamPolicy>> {
    let mut out = Vec::new();
    for n in names {
        let p = StreamPolicy::by_name(n).ok_or_else(|| {
            anyhow::anyhow!(
                "--policies: unknown policy `{n}` (sisa, approx+retrain, approx-only, certified)"
            )
        })?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Runs `oubli scenario user-stream`.
pub fn run(a: UserStreamArgs) -> anyhow::Result<i32> {
    if a.train.exclude_ids.is_some() {
        anyhow::bail!("--exclude-ids does not apply: the scenario chooses what to forget");
    }
    if a.train.certified {
        anyhow::bail!("--certified does not apply: `certified` is one of the --policies here (set its σ and λ with --certified-sigma, --certified-lambda)");
    }
    if let Some(out) = &a.out {
        crate::args::check_output_dir(out)?;
    }
    let defaults = Policy::default();
    let policy = Policy {
        approximate_method: a
            .approximate_method
            .clone()
            .unwrap_or(defaults.approximate_method.clone()),
        retrain_every_requests: a.retrain_every.unwrap_or(defaults.retrain_every_requests),
        retrain_every_hours: f64::INFINITY,
        seed: a.train.seed.unwrap_or(0),
        ..defaults
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("--approximate-method/--retrain-every: {e}"))?;
    let dataset = a.train.data.load("digits")?;
    let (spec, config) = match plan(&a.train, &dataset)? {
        TrainPlan::Single { spec, config } | TrainPlan::Sisa { spec, config, .. } => (spec, config),
        TrainPlan::Certified(_) => unreachable!("--certified refused above"),
    };
    let sisa = SisaConfig {
        shards: a.train.sisa_shards.unwrap_or(10),
        slices: a.train.sisa_slices.unwrap_or(1),
        shard_by: ShardBy::Owner,
        slice_by: a.train.slice_by.into(),
        aggregation: match a.train.aggregation {
            AggregationArg::Mean => Aggregation::MeanProb,
            AggregationArg::Vote => Aggregation::Vote,
        },
    };
    let d = CertifiedParams::default();
    let certified = CertifiedPlan {
        params: CertifiedParams {
            sigma: a.certified_sigma.unwrap_or(d.sigma),
            lambda: a.certified_lambda.unwrap_or(d.lambda),
            ..d
        },
        seed: a.train.seed.unwrap_or(0),
        features: None,
    };
    let plan = StreamPlan {
        requests: a.requests,
        spec,
        config,
        sisa,
        certified,
        policy,
        policies: policies(&a.policies)?,
        oracle_every: a.oracle_every,
        seed: a.train.seed.unwrap_or(0),
    };
    let mut progress = crate::cmd::scenario::progress_lines();
    let report = stream::run(&dataset, &plan, &mut oubli_model::Silent, &mut progress)?;
    crate::cmd::scenario::write_report_to(a.out.as_deref(), a.json, |out| {
        stream::write_report(&report, out)
    })?;
    if a.json {
        json(&report)?;
        return Ok(0);
    }
    let deleted: usize = report.owner_samples.iter().sum();
    println!(
        "{} {}: {} requests, {} owners, {} of {} training samples deleted; oracle at {} checkpoints",
        report.dataset,
        report.model,
        report.requests,
        report.owners.len(),
        deleted,
        report.train_samples,
        report.oracle.len() - 1
    );
    println!(
        "\n  {:<15} {:>9} {:>14} {:>8} {:>10} {:>7} {:>10}  reaches oracle",
        "policy", "seconds", "sample grads", "test", "deleted", "AUC", "vs oracle"
    );
    for t in &report.policies {
        let (s, g) = t.total();
        let last = t.steps.last();
        println!(
            "  {:<15} {:>9.1} {:>14} {:>8} {:>10} {:>7} {:>10}  {}",
            t.policy,
            s,
            g,
            last.map(|l| pct(l.measured.test_accuracy))
                .unwrap_or_else(|| "-".into()),
            last.and_then(|l| l.measured.forget_accuracy)
                .map(pct)
                .unwrap_or_else(|| "-".into()),
            last.and_then(|l| l.measured.membership_auc)
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "-".into()),
            t.oracle_gaps
                .last()
                .map(|g| format!("{:+.2}", 100.0 * g.test))
                .unwrap_or_else(|| "-".into()),
            if t.reaches_oracle { "yes" } else { "no" }
        );
    }
    println!();
    for f in &report.findings {
        println!("{f}");
    }
    Ok(0)
}
