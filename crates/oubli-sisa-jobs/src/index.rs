//! Which shard a job trains: `--shard`, else the scheduler's array index.

use crate::plan::JobPlan;
use crate::JobError;
use serde::Serialize;

/// The index variable of a Kubernetes Indexed Job.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// The index variable of a Slurm job array.
pub const SLURM_INDEX: &str = "SLURM_ARRAY_TASK_ID";

/// Where a job's shard came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardSource {
    /// `--shard`: a shard number.
    Flag,
    /// `JOB_COMPLETION_INDEX`: a job index.
    Kubernetes,
    /// `SLURM_ARRAY_TASK_ID`: a job index.
    Slurm,
}

/// The shard to train: `flag` (a shard number, which must be one of the plan's jobs), else
/// job index `$JOB_COMPLETION_INDEX`, else `$SLURM_ARRAY_TASK_ID`, mapped through
/// [`JobPlan::jobs`] (index `i` trains shard `jobs[i]`; for a training plan they coincide).
/// `env` reads a variable (`|k| std::env::var(k).ok()`).
pub fn resolve_shard(
    plan: &JobPlan,
    flag: Option<usize>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(usize, ShardSource), JobError> {
    if let Some(shard) = flag {
        if !plan.jobs.contains(&shard) {
            return Err(JobError::NoShard(format!(
                "--shard {shard}: not a job of this plan (its jobs are shards {:?})",
                plan.jobs
            )));
        }
        return Ok((shard, ShardSource::Flag));
    }
    for (var, source) in [
        (K8S_INDEX, ShardSource::Kubernetes),
        (SLURM_INDEX, ShardSource::Slurm),
    ] {
        let Some(raw) = env(var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let index: usize = raw
            .trim()
            .parse()
            .map_err(|_| JobError::NoShard(format!("{var}={raw:?} is not a job index")))?;
        let &shard = plan.jobs.get(index).ok_or_else(|| {
            JobError::NoShard(format!(
                "{var}={index} is out of range: the plan has {} jobs (indices 0..={})",
                plan.jobs.len(),
                plan.jobs.len().saturating_sub(1)
            ))
        })?;
        return Ok((shard, source));
    }
    Err(JobError::NoShard(format!(
        "no shard given: pass --shard I, or run as a Kubernetes Indexed Job ({K8S_INDEX}) or a Slurm array task ({SLURM_INDEX})"
    )))
}
