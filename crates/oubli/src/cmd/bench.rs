//! `oubli bench`: the method matrix against the retrain oracle.

use crate::args::{check_output_dir, DatasetArgs};
use crate::output::json;
use anyhow::Context;
use clap::Args;
use oubli_audit::AuditConfig;
use oubli_bench::{run_matrix, summarise_all, BenchConfig, RunRecord, Scenario};
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
    /// Scenario: random:F, class:C[,C…] or owners:F. Repeat the flag for several
    /// scenarios; each seed's original model is trained once and shared by all of them.
    #[arg(long, default_value = "class:3")]
    pub forget: Vec<String>,
    /// LiRA shadow models per seed and scenario for the audits (0 = only the loss,
    /// NeurIPS-2023 and confidence attacks; each shadow is a full training run, shared by
    /// every method).
    #[arg(long, default_value_t = 0)]
    pub shadows: usize,
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
    check_output_dir(&a.out)?;
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
    if methods.iter().all(|m| m == "retrain") {
        anyhow::bail!("--methods: name at least one method besides the oracle `retrain`");
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
    let audit = AuditConfig {
        shadows: a.shadows,
        ..AuditConfig::default()
    };
    audit.validate()?;
    let config = BenchConfig {
        model: a.model.clone(),
        methods,
        scenarios: a
            .forget
            .iter()
            .map(|f| Scenario::parse(f))
            .collect::<Result<_, _>>()?,
        seeds: a.seeds,
        train,
        audit,
    };
    let verbose = crate::progress::logs_enabled();
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    // The files are rewritten after every seed, so a long matrix that is stopped (or
    // fails) part-way still leaves the seeds it finished.
    let mut done = Vec::new();
    let mut write_error = None;
    let last_method = config.methods.iter().rfind(|m| *m != "retrain").cloned();
    let last_scenario = config.scenarios.last().map(Scenario::label);
    let runs = run_matrix(
        &dataset,
        &config,
        &mut |r| {
            eprintln!(
                "seed {} {} {:<13} forget {:.4} retain {:.4} test {:.4} mia {:.3} {:.2}s {}",
                r.seed,
                r.scenario,
                r.method,
                r.forget_accuracy,
                r.retain_accuracy,
                r.test_accuracy,
                r.mia_auc,
                r.seconds,
                r.verdict.map_or("", |v| v.as_str())
            );
            done.push(r.clone());
            // The last seed's files are written once, after the run.
            let seed_finished = Some(&r.method) == last_method.as_ref()
                && Some(&r.scenario) == last_scenario.as_ref();
            if seed_finished && r.seed + 1 < config.seeds && write_error.is_none() {
                write_error = write_results(&a, &dataset.name, &config, &done).err();
            }
        },
        &mut |stage| {
            if verbose {
                eprintln!("bench: {stage}");
            }
        },
    )?;
    if let Some(e) = write_error {
        return Err(e);
    }
    let (doc, md) = write_results(&a, &dataset.name, &config, &runs)?;
    if a.json {
        json(&doc)?;
    } else {
        println!("{md}");
        println!("wrote {}/results.json and results.md", a.out.display());
    }
    Ok(0)
}

/// Writes `results.json` and `results.md` for `runs`; returns the JSON document and the
/// Markdown.
fn write_results(
    a: &BenchArgs,
    dataset: &str,
    config: &BenchConfig,
    runs: &[RunRecord],
) -> anyhow::Result<(serde_json::Value, String)> {
    let summaries = summarise_all(runs);
    let seeds = runs.iter().map(|r| r.seed).max().map_or(0, |s| s + 1);
    let doc = serde_json::json!({"dataset": dataset, "config": config, "scenarios": summaries});
    std::fs::write(
        a.out.join("results.json"),
        serde_json::to_string_pretty(&doc)?,
    )?;
    let md: String = summaries
        .iter()
        .map(|s| {
            let title = format!("{dataset} · {} · {} · {seeds} seeds", a.model, s.scenario);
            s.markdown(&title)
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(a.out.join("results.md"), &md)?;
    Ok((doc, md))
}
