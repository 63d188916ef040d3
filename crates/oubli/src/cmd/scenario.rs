//! `oubli scenario …`: the situations users come with, each one command.

use crate::cmd::train::{plan, TrainFlags};
use crate::output::{json, pct};
use clap::{Args, Subcommand, ValueEnum};
use oubli_engine::TrainPlan;
use oubli_scenarios::backdoor::{self, BackdoorParams, BackdoorPlan, Corner};
use oubli_sisa::SisaConfig;

/// `oubli scenario …`.
#[derive(Subcommand, Debug)]
pub enum ScenarioCommand {
    /// BadNets backdoor: poison, train, forget the poisoned samples with each method, and
    /// compare attack success and clean accuracy with the retrain oracle.
    Backdoor(Box<BackdoorArgs>),
    /// A stream of per-user deletions applied one by one under each worker policy (exact
    /// SISA, approximate with a retrain every k, approximate only, certified): compute,
    /// accuracy and a membership signal over the stream, against the retrain oracle.
    UserStream(Box<crate::cmd::scenario_stream::UserStreamArgs>),
    /// Fairness repair: find the training samples whose removal most shrinks a
    /// demographic-parity gap (by influence), forget them with each method, and compare gaps
    /// and accuracy with retraining without them.
    Fairness(Box<crate::cmd::scenario_fairness::FairnessArgs>),
}

/// Trigger corner.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum CornerArg {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// Arguments of `oubli scenario backdoor`.
#[derive(Args, Debug)]
pub struct BackdoorArgs {
    /// Training flags as for `oubli train` (`--sisa-shards/--sisa-slices` set the ensemble
    /// the `sisa` method runs on; default 5 shards × 2 slices).
    #[command(flatten)]
    pub train: TrainFlags,
    /// Methods, comma-separated (`oubli methods`; `sisa` trains and forgets an ensemble).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "retrain,sisa,finetune,neggrad-plus,random-label,salun,scrub"
    )]
    pub methods: Vec<String>,
    /// Share of the training images poisoned.
    #[arg(long, default_value_t = 0.05)]
    pub poison: f64,
    /// Share of the poisoned samples known (and forgotten).
    #[arg(long, default_value_t = 0.5)]
    pub known: f64,
    /// The attacker's target class.
    #[arg(long, default_value_t = 0)]
    pub target: u32,
    /// Side of the square trigger, in pixels.
    #[arg(long, default_value_t = 3)]
    pub trigger_size: usize,
    /// Corner of the trigger.
    #[arg(long, value_enum, default_value = "bottom-right")]
    pub corner: CornerArg,
    /// How the known samples are forgotten: `poisoned` (their labels are the attacker's: the
    /// approximate methods forget until the model contradicts them) or `privacy` (as genuine
    /// data, to compare).
    #[arg(long, default_value = "poisoned")]
    pub reason: oubli_engine::ForgetReason,
    /// Write report.html (with plots) and report.json into this directory.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli scenario …`.
pub fn run(c: ScenarioCommand) -> anyhow::Result<i32> {
    match c {
        ScenarioCommand::Backdoor(a) => run_backdoor(*a),
        ScenarioCommand::UserStream(a) => crate::cmd::scenario_stream::run(*a),
        ScenarioCommand::Fairness(a) => crate::cmd::scenario_fairness::run(*a),
    }
}

fn run_backdoor(a: BackdoorArgs) -> anyhow::Result<i32> {
    if a.train.exclude_ids.is_some() {
        anyhow::bail!("--exclude-ids does not apply: the scenario chooses what to forget");
    }
    for m in &a.methods {
        if m != oubli_sisa::METHOD_FORGET && !oubli_engine::method_exists(m) {
            anyhow::bail!("--methods: unknown method `{m}` (see `oubli methods`)");
        }
    }
    if let Some(out) = &a.out {
        crate::args::check_output_dir(out)?;
    }
    let dataset = a.train.data.load("digits")?;
    let default_sisa = SisaConfig {
        shards: 5,
        slices: 2,
        ..SisaConfig::default()
    };
    let (spec, config, sisa) = match plan(&a.train, &dataset)? {
        TrainPlan::Single { spec, config } => (spec, config, default_sisa),
        TrainPlan::Sisa { spec, config, sisa } => (spec, config, sisa),
        TrainPlan::Certified(_) => {
            anyhow::bail!("a backdoor lives in a network: --certified does not apply")
        }
    };
    let params = BackdoorParams {
        trigger_size: a.trigger_size,
        corner: match a.corner {
            CornerArg::TopLeft => Corner::TopLeft,
            CornerArg::TopRight => Corner::TopRight,
            CornerArg::BottomLeft => Corner::BottomLeft,
            CornerArg::BottomRight => Corner::BottomRight,
        },
        poison_fraction: a.poison,
        target: a.target,
        known: a.known,
        seed: config.inner().seed,
    };
    let plan = BackdoorPlan {
        params,
        spec,
        config,
        sisa,
        methods: a.methods.clone(),
        seed: a.train.seed.unwrap_or(0),
        reason: a.reason,
    };
    let mut progress = crate::cmd::scenario::progress_lines();
    let report = backdoor::run(&dataset, &plan, &mut oubli_model::Silent, &mut progress)?;
    crate::cmd::scenario::write_report_to(a.out.as_deref(), a.json, |out| {
        backdoor::write_report(&report, out)
    })?;
    if a.json {
        json(&report)?;
        return Ok(0);
    }
    println!(
        "{} {}: {} of {} training images poisoned ({} known and forgotten); before: ASR {}, clean accuracy {}",
        report.dataset,
        report.model,
        report.poisoned_samples,
        dataset.train.len(),
        report.known_samples,
        pct(report.asr_before),
        pct(report.clean_accuracy_before)
    );
    println!(
        "\n  {:<14} {:>8} {:>8} {:>10} {:>9} {:>12}  removed",
        "method", "ASR", "clean", "vs retrain", "seconds", "sample grads"
    );
    for (name, m) in &report.methods {
        println!(
            "  {:<14} {:>8} {:>8} {:>10} {:>9.2} {:>12}  {}",
            name,
            pct(m.asr_after),
            pct(m.clean_accuracy_after),
            m.clean_gap_to_retrain
                .map(|g| format!("{:+.2}", 100.0 * g))
                .unwrap_or_else(|| "-".into()),
            m.seconds,
            m.sample_gradients,
            if m.removed { "yes" } else { "no" }
        );
    }
    for (name, e) in &report.failed {
        println!("  {name:<14} failed: {e}");
    }
    println!();
    for f in &report.findings {
        println!("{f}");
    }
    Ok(0)
}

/// The scenario's progress lines on stderr, only when logs are on (a terminal).
pub(crate) fn progress_lines() -> impl FnMut(&str) {
    let verbose = crate::progress::logs_enabled();
    move |m: &str| {
        if verbose {
            eprintln!("scenario: {m}");
        }
    }
}

/// Writes a scenario's report.html and report.json into `out` (if given) with `write`,
/// and says where, unless stdout is the JSON.
pub(crate) fn write_report_to(
    out: Option<&std::path::Path>,
    json: bool,
    write: impl FnOnce(&std::path::Path) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if let Some(out) = out {
        write(out).map_err(|e| anyhow::anyhow!("writing the report to {}: {e}", out.display()))?;
        if !json {
            println!("report: {}", out.join("report.html").display());
        }
    }
    Ok(())
}
