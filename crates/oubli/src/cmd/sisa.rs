//! `oubli sisa …`: SISA shards as jobs on a cluster scheduler. Flags become library values
//! here; `oubli_sisa_jobs` plans, trains, stores and assembles.

use crate::args::{check_output_file, DatasetArgs, ForgetSpecArgs};
use crate::cmd::train::{excluded_ids, plan, TrainFlags};
use crate::output::json;
use anyhow::Context;
use clap::{Args, Subcommand};
use oubli_data::default_data_dir;
use oubli_engine::{AnyModel, TrainPlan};
use oubli_sisa_jobs::{
    assemble, plan_forget, resolve_shard, run_local, train_shard, ArtifactStore, JobPlan,
    ShardReport, CONFIG_FILE, DEFAULT_ARTIFACTS, PLAN_FILE,
};
use std::path::{Path, PathBuf};

pub use crate::cmd::sisa_emit::{EmitK8sArgs, EmitSlurmArgs};

/// `oubli sisa …`.
#[derive(Subcommand, Debug)]
pub enum SisaCommand {
    /// Plan the ensemble `oubli train --sisa-shards …` would train, as one job per shard.
    Plan(Box<PlanArgs>),
    /// Train one shard of a plan (its shard from --shard, $JOB_COMPLETION_INDEX or
    /// $SLURM_ARRAY_TASK_ID); a re-run resumes from the shard's last checkpoint.
    ShardTrain(ShardTrainArgs),
    /// Run every job of a plan on this machine, as child processes, N at once.
    RunPlan(RunPlanArgs),
    /// Build the ensemble model file from a plan's finished shards.
    Assemble(AssembleArgs),
    /// Plan the exact deletion of samples from an ensemble: jobs for the affected shards.
    ForgetPlan(Box<ForgetPlanArgs>),
    /// Write a Kubernetes Indexed Job manifest that runs a plan's jobs.
    EmitK8s(EmitK8sArgs),
    /// Write a Slurm sbatch script that runs a plan's jobs as a job array.
    EmitSlurm(EmitSlurmArgs),
}

/// Arguments of `oubli sisa plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub train: TrainFlags,
    /// The plan directory to write (plan.json, train-config.toml).
    #[arg(long)]
    pub out: PathBuf,
    /// Artefact store for checkpoints and shard outputs: a directory, file://, or with the
    /// aws/gcp/azure feature s3://, gs://, az:// [default: PLAN_DIR/artifacts].
    #[arg(long)]
    pub artifacts: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// A plan directory and where its artefacts are.
#[derive(Args, Debug)]
pub struct PlanDir {
    /// The plan directory (holding plan.json).
    #[arg(long)]
    pub plan: PathBuf,
    /// Artefact store [default: the one given at planning, else PLAN_DIR/artifacts].
    #[arg(long)]
    pub artifacts: Option<String>,
}

impl PlanDir {
    fn open(&self) -> anyhow::Result<(JobPlan, ArtifactStore)> {
        let plan = JobPlan::read(&self.plan)?;
        let location = plan.artifacts_location(&self.plan, self.artifacts.as_deref());
        Ok((plan, ArtifactStore::open(&location)?))
    }
}

/// Arguments of `oubli sisa shard-train`.
#[derive(Args, Debug)]
pub struct ShardTrainArgs {
    #[command(flatten)]
    pub dir: PlanDir,
    /// The shard to train [default: job index $JOB_COMPLETION_INDEX, else
    /// $SLURM_ARRAY_TASK_ID, mapped through the plan's jobs].
    #[arg(long)]
    pub shard: Option<usize>,
    /// Where fetched datasets live [default: as for `oubli train`].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `oubli sisa run-plan`.
#[derive(Args, Debug)]
pub struct RunPlanArgs {
    #[command(flatten)]
    pub dir: PlanDir,
    /// Jobs at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Where fetched datasets live [default: as for `oubli train`].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `oubli sisa assemble`.
#[derive(Args, Debug)]
pub struct AssembleArgs {
    #[command(flatten)]
    pub dir: PlanDir,
    /// Where to write the ensemble (.safetensors; checkpoints go to FILE.ckpt/).
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `oubli sisa forget-plan`.
#[derive(Args, Debug)]
pub struct ForgetPlanArgs {
    /// The SISA ensemble to forget from.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub spec: ForgetSpecArgs,
    /// Dataset [default: the one recorded in the model].
    #[command(flatten)]
    pub data: DatasetArgs,
    /// The plan directory to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Artefact store [default: PLAN_DIR/artifacts].
    #[arg(long)]
    pub artifacts: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli sisa …`.
pub fn run(c: SisaCommand) -> anyhow::Result<i32> {
    match c {
        SisaCommand::Plan(a) => plan_cmd(*a),
        SisaCommand::ShardTrain(a) => shard_train(a),
        SisaCommand::RunPlan(a) => run_plan(a),
        SisaCommand::Assemble(a) => assemble_cmd(a),
        SisaCommand::ForgetPlan(a) => forget_plan(*a),
        SisaCommand::EmitK8s(a) => crate::cmd::sisa_emit::k8s(a),
        SisaCommand::EmitSlurm(a) => crate::cmd::sisa_emit::slurm(a),
    }
}

fn plan_cmd(a: PlanArgs) -> anyhow::Result<i32> {
    if a.train.sisa_shards.is_none() {
        anyhow::bail!("`oubli sisa plan` plans a SISA ensemble: give --sisa-shards S (and --sisa-slices R), as for `oubli train`");
    }
    let dataset = a.train.data.load("digits")?;
    let TrainPlan::Sisa { spec, config, sisa } = plan(&a.train, &dataset)? else {
        anyhow::bail!("`oubli sisa plan` plans a SISA ensemble only");
    };
    let excluded = excluded_ids(&a.train)?;
    let mut p = JobPlan::train(&dataset, spec, &config, sisa, &excluded)?;
    p.artifacts = a.artifacts;
    let path = p.write(&a.out)?;
    print_plan(&p, &a.out, &path, a.json)
}

fn print_plan(p: &JobPlan, dir: &Path, path: &Path, as_json: bool) -> anyhow::Result<i32> {
    let artifacts = p.artifacts_location(dir, None);
    if as_json {
        json(&serde_json::json!({
            "plan_id": p.id(),
            "plan": path.display().to_string(),
            "config": dir.join(CONFIG_FILE).display().to_string(),
            "artifacts": artifacts,
            "kind": p.kind,
            "shards": p.sisa.shards,
            "slices": p.sisa.slices,
            "jobs": p.jobs,
            "trained_samples": p.trained_samples,
            "excluded_samples": p.excluded_ids.len(),
            "shard_samples": p.shards.iter().map(|s| s.samples).collect::<Vec<_>>(),
            "from_stages": p.jobs.iter().map(|&s| p.shards[s].from_stage).collect::<Vec<_>>(),
        }))?;
        return Ok(0);
    }
    println!(
        "plan {} ({:?}): {} jobs for an ensemble of {} shards x {} slices on {} samples",
        p.id(),
        p.kind,
        p.jobs.len(),
        p.sisa.shards,
        p.sisa.slices,
        p.trained_samples
    );
    println!(
        "wrote {} and {}",
        path.display(),
        dir.join(CONFIG_FILE).display()
    );
    println!("artefacts: {artifacts}");
    println!(
        "next: `oubli sisa run-plan --plan {0} --jobs N`, or emit-k8s / emit-slurm; then `oubli sisa assemble --plan {0} --out MODEL`",
        dir.display()
    );
    Ok(0)
}

fn shard_train(a: ShardTrainArgs) -> anyhow::Result<i32> {
    let (plan, store) = a.dir.open()?;
    let (shard, source) = resolve_shard(&plan, a.shard, |k| std::env::var(k).ok())?;
    let data_dir = a.data_dir.unwrap_or_else(default_data_dir);
    let r = train_shard(&plan, &store, shard, &data_dir)?;
    if a.json {
        let mut v = serde_json::to_value(&r)?;
        v["source"] = serde_json::to_value(source)?;
        json(&v)?;
        return Ok(0);
    }
    print_shard(&r);
    Ok(0)
}

fn print_shard(r: &ShardReport) {
    if r.already_done {
        println!(
            "shard {}: already finished (weights_sha256 {})",
            r.shard, r.weights_sha256
        );
        return;
    }
    let resumed = match r.resumed_from_stage {
        0 => String::new(),
        k => format!(", resumed after stage {} from its stored checkpoint", k - 1),
    };
    println!(
        "shard {}: trained {} stages on {} samples in {:.2}s{resumed} ({} sample gradients): weights_sha256 {}",
        r.shard, r.stages_trained, r.samples, r.seconds, r.sample_gradients, r.weights_sha256
    );
}

fn run_plan(a: RunPlanArgs) -> anyhow::Result<i32> {
    let (plan, _) = a.dir.open()?;
    let exe = std::env::current_exe().context("finding the oubli binary to run the jobs")?;
    let command = |s: usize| {
        let mut c = std::process::Command::new(&exe);
        c.args(["sisa", "shard-train", "--json", "--shard", &s.to_string()]);
        c.arg("--plan").arg(&a.dir.plan);
        if let Some(l) = &a.dir.artifacts {
            c.args(["--artifacts", l]);
        }
        if let Some(d) = &a.data_dir {
            c.arg("--data-dir").arg(d);
        }
        c
    };
    let report = run_local(&plan, &a.dir.plan.join("logs"), a.jobs, &command)?;
    if a.json {
        json(&report)?;
        return Ok(0);
    }
    println!(
        "plan {}: ran {} shard jobs, at most {} at once, in {:.2}s",
        report.plan_id, report.jobs, report.peak_running, report.seconds
    );
    for o in &report.outcomes {
        match o
            .report
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
        {
            Some(r) => print_shard(&r),
            None => println!("shard {}: finished ({})", o.shard, o.stdout_log),
        }
    }
    Ok(0)
}

fn assemble_cmd(a: AssembleArgs) -> anyhow::Result<i32> {
    check_output_file(&a.out)?;
    let (plan, store) = a.dir.open()?;
    let (model, report) = assemble(&plan, &store)?;
    model.save(&a.out)?;
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["out"] = a.out.display().to_string().into();
        json(&v)?;
        return Ok(0);
    }
    println!(
        "assembled {} shards of plan {} ({}, {} samples): wrote {} (weights_sha256 {})",
        report.shard_weights_sha256.len(),
        report.plan_id,
        report.method,
        report.trained_samples,
        a.out.display(),
        report.weights_sha256
    );
    Ok(0)
}

fn forget_plan(a: ForgetPlanArgs) -> anyhow::Result<i32> {
    let model = AnyModel::load(&a.model)?;
    let dataset = a.data.load_recorded(&model.dataset_spec())?;
    let selection = a.spec.selection()?;
    let location = match &a.artifacts {
        Some(l) => l.clone(),
        None => a.out.join(DEFAULT_ARTIFACTS).display().to_string(),
    };
    let store = ArtifactStore::open(&location)?;
    let (p, report) = plan_forget(&model, &a.model, &dataset, &selection, &store, a.artifacts)
        .with_context(|| format!("{}", a.model.display()))?;
    let path = p.write(&a.out)?;
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["plan"] = path.display().to_string().into();
        v["artifacts"] = location.into();
        v["shards"] = p.sisa.shards.into();
        json(&v)?;
        return Ok(0);
    }
    println!(
        "forget plan {}: {} samples to forget touch {} of {} shards ({:?}), restarting at stages {:?}; {} clean checkpoints stored in {location}",
        report.plan_id,
        report.forget_samples,
        report.jobs.len(),
        p.sisa.shards,
        report.jobs,
        report.from_stages,
        report.checkpoints_stored
    );
    println!("wrote {}", a.out.join(PLAN_FILE).display());
    Ok(0)
}
