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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlanKind, ShardPlan, PLAN_FORMAT, PLAN_VERSION};

    fn plan(jobs: Vec<usize>) -> JobPlan {
        let shards = (0..4)
            .map(|s| ShardPlan {
                shard: s,
                samples: 1,
                ids_fingerprint: String::new(),
                stage_samples: vec![1],
                from_stage: 0,
                forgotten: 0,
            })
            .collect();
        JobPlan {
            format: PLAN_FORMAT.into(),
            version: PLAN_VERSION,
            kind: PlanKind::Forget,
            dataset: Default::default(),
            spec: oubli_model::ModelSpec::by_name("logreg", vec![4], 2).unwrap(),
            train_config: Default::default(),
            sisa: oubli_sisa::SisaConfig {
                shards: 4,
                ..Default::default()
            },
            excluded_ids: vec![],
            trained_samples: 4,
            trained_ids_fingerprint: String::new(),
            shards,
            jobs,
            artifacts: None,
            method: "sisa".into(),
            parent_sha256: None,
            forget: None,
        }
    }

    #[test]
    fn a_job_index_maps_through_the_plans_jobs() {
        let p = plan(vec![1, 3]);
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let k8s = env(&[(K8S_INDEX, "1"), (SLURM_INDEX, "0")]);
        assert_eq!(
            resolve_shard(&p, None, k8s).unwrap(),
            (3, ShardSource::Kubernetes)
        );
        let slurm = env(&[(SLURM_INDEX, " 0 ")]);
        assert_eq!(
            resolve_shard(&p, None, slurm).unwrap(),
            (1, ShardSource::Slurm)
        );
        let none = env(&[(K8S_INDEX, "")]);
        let e = resolve_shard(&p, None, none).unwrap_err().to_string();
        assert!(e.contains("--shard") && e.contains(SLURM_INDEX), "{e}");
        let e = resolve_shard(&p, None, env(&[(K8S_INDEX, "2")])).unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
        let e = resolve_shard(&p, None, env(&[(SLURM_INDEX, "x")])).unwrap_err();
        assert!(e.to_string().contains("not a job index"), "{e}");
        assert_eq!(
            resolve_shard(&p, Some(3), env(&[])).unwrap(),
            (3, ShardSource::Flag)
        );
        assert!(resolve_shard(&p, Some(2), env(&[])).is_err());
    }
}
