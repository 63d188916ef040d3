//! `oubli sisa emit-k8s` and `emit-slurm`: files that run a plan's jobs on a cluster.

use crate::cmd::sisa::PlanDir;
use crate::output::json;
use anyhow::Context;
use clap::Args;
use oubli_sisa_jobs::{
    absolute, artifacts_for_job, k8s_manifest, slurm_script, JobPlan, K8sOptions, SlurmOptions,
    K8S_FILE, SLURM_FILE,
};
use std::path::{Path, PathBuf};

/// Arguments of `oubli sisa emit-k8s`.
#[derive(Args, Debug)]
pub struct EmitK8sArgs {
    #[command(flatten)]
    pub dir: PlanDir,
    /// Container image with `oubli` on its PATH.
    #[arg(long, default_value = "oubli:latest")]
    pub image: String,
    /// Pods at once [default: every job].
    #[arg(long)]
    pub parallelism: Option<usize>,
    /// PersistentVolumeClaim holding the plan directory at its root (and the artefacts,
    /// unless --artifacts is a cloud URL).
    #[arg(long, default_value = "oubli-sisa")]
    pub claim: String,
    /// Where the claim is mounted in each pod.
    #[arg(long, default_value = "/oubli")]
    pub mount: String,
    /// Where to write the manifest [default: PLAN_DIR/k8s-job.yaml].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `oubli sisa emit-slurm`.
#[derive(Args, Debug)]
pub struct EmitSlurmArgs {
    #[command(flatten)]
    pub dir: PlanDir,
    /// The oubli binary as the compute nodes see it [default: this one's path].
    #[arg(long)]
    pub oubli: Option<String>,
    /// Array tasks at once (the `%N` throttle) [default: no limit].
    #[arg(long)]
    pub parallelism: Option<usize>,
    /// CPUs per array task.
    #[arg(long, default_value_t = 1)]
    pub cpus: usize,
    /// Where to write the script [default: PLAN_DIR/sisa.sbatch].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

fn write(
    path: &Path,
    text: &str,
    plan: &JobPlan,
    as_json: bool,
    what: &str,
) -> anyhow::Result<i32> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    if as_json {
        json(&serde_json::json!({
            "out": path.display().to_string(),
            "plan_id": plan.id(),
            "jobs": plan.jobs.len(),
            "shards": plan.jobs,
        }))?;
    } else {
        println!(
            "wrote {} ({what}, {} jobs)",
            path.display(),
            plan.jobs.len()
        );
    }
    Ok(0)
}

/// Runs `oubli sisa emit-k8s`.
pub fn k8s(a: EmitK8sArgs) -> anyhow::Result<i32> {
    let plan = JobPlan::read(&a.dir.plan)?;
    let artifacts = artifacts_for_job(&plan, &a.dir.plan, &a.mount, a.dir.artifacts.as_deref());
    let options = K8sOptions {
        image: a.image,
        parallelism: a.parallelism,
        claim: a.claim,
        mount: a.mount,
    };
    let text = k8s_manifest(&plan, &artifacts, &options);
    let out = a.out.unwrap_or_else(|| a.dir.plan.join(K8S_FILE));
    write(&out, &text, &plan, a.json, "Kubernetes Indexed Job")
}

/// Runs `oubli sisa emit-slurm`.
pub fn slurm(a: EmitSlurmArgs) -> anyhow::Result<i32> {
    let plan = JobPlan::read(&a.dir.plan)?;
    let dir = absolute(&a.dir.plan).display().to_string();
    let artifacts = artifacts_for_job(&plan, &a.dir.plan, &dir, a.dir.artifacts.as_deref());
    let oubli = match a.oubli {
        Some(o) => o,
        None => std::env::current_exe()
            .context("finding the oubli binary")?
            .display()
            .to_string(),
    };
    let options = SlurmOptions {
        oubli,
        parallelism: a.parallelism,
        cpus: a.cpus,
    };
    let logs = a.dir.plan.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let text = slurm_script(&plan, &dir, &artifacts, &options);
    let out = a.out.unwrap_or_else(|| a.dir.plan.join(SLURM_FILE));
    let code = write(&out, &text, &plan, a.json, "Slurm array script")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("making {} executable", out.display()))?;
    }
    Ok(code)
}
