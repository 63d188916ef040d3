//! Forget plans: the shards a deletion touches, each restarting from its last clean
//! checkpoint, as `oubli forget --method sisa` does in one process.

use crate::plan::{shard_plans, ForgetRequest, JobPlan, PlanKind, PLAN_FORMAT, PLAN_VERSION};
use crate::shard::{put_checkpoints, put_done};
use crate::store::ArtifactStore;
use crate::JobError;
use oubli_data::{fingerprint, Dataset, Selection};
use oubli_engine::{check_not_removed, select_forget, AnyModel};
use serde::Serialize;
use std::path::Path;

/// What `forget-plan` found and wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ForgetPlanReport {
    /// The plan's id.
    pub plan_id: String,
    /// Samples the request removes.
    pub forget_samples: usize,
    /// Shards to retrain (the plan's jobs).
    pub jobs: Vec<usize>,
    /// First stage each job trains, in job order.
    pub from_stages: Vec<usize>,
    /// Checkpoints put in the store: the clean stages of the affected shards and every
    /// stage of the untouched ones.
    pub checkpoints_stored: usize,
}

/// Plans the exact deletion of `selection` from the SISA ensemble `model` (read from
/// `model_path`), trained on `dataset` (the whole registered dataset, as `oubli forget`
/// takes it), and seeds `store` with what the jobs start from: the untouched shards whole
/// (so assembly needs only the store) and, for each affected shard, the checkpoints before
/// the earliest stage holding a forgotten sample. The request is resolved and checked
/// exactly as `oubli forget --method sisa` resolves it.
pub fn plan_forget(
    model: &AnyModel,
    model_path: &Path,
    dataset: &Dataset,
    selection: &Selection,
    store: &ArtifactStore,
    artifacts: Option<String>,
) -> Result<(JobPlan, ForgetPlanReport), JobError> {
    let AnyModel::Sisa(sisa) = model else {
        return Err(JobError::NotSisa(format!(
            "this model is {}, not a SISA ensemble: forget-plan needs one trained with --sisa-shards",
            model.kind().article()
        )));
    };
    check_not_removed(selection, &model.lineage().removed_ids)?;
    let data = model.training_data(dataset)?;
    let picked = select_forget(&data, selection)?;
    let ids: Vec<_> = picked.iter().map(|&i| data.train.ids[i]).collect();
    let forget = sisa.plan_forget(&data.train, &ids)?;
    let parts = sisa.forgotten_parts(&forget, Vec::new());
    let config = sisa.config();
    let start = |s: usize| forget.affected.get(&s).copied().unwrap_or((0, 0));
    let plan = JobPlan {
        format: PLAN_FORMAT.into(),
        version: PLAN_VERSION,
        kind: PlanKind::Forget,
        dataset: parts.dataset,
        spec: parts.spec,
        train_config: parts.train_config.inner().clone(),
        sisa: parts.config,
        excluded_ids: {
            let mut ids = parts.removed_ids;
            ids.sort_unstable();
            ids.dedup();
            ids
        },
        trained_samples: forget.remaining.len(),
        trained_ids_fingerprint: parts.trained_ids_fingerprint,
        shards: shard_plans(&forget.remaining, &forget.layout, config, start),
        jobs: forget.affected.keys().copied().collect(),
        artifacts,
        method: parts.method,
        parent_sha256: parts.parent_sha256,
        forget: Some(ForgetRequest {
            model: model_path.display().to_string(),
            forget_fingerprint: fingerprint(&forget.forget_ids),
            forget_ids: forget.forget_ids.clone(),
        }),
    };
    let id = plan.id();
    let mut stored = 0;
    for (s, shard) in sisa.shards().iter().enumerate() {
        match forget.affected.get(&s) {
            Some(&(from, _)) => {
                stored += put_checkpoints(store, &id, s, &shard.stages[..from])?.len();
            }
            None => {
                let checkpoints = put_checkpoints(store, &id, s, &shard.stages)?;
                stored += checkpoints.len();
                put_done(store, &id, s, shard, checkpoints)?;
            }
        }
    }
    let report = ForgetPlanReport {
        plan_id: id,
        forget_samples: forget.forget_ids.len(),
        from_stages: plan
            .jobs
            .iter()
            .map(|&s| plan.shards[s].from_stage)
            .collect(),
        jobs: plan.jobs.clone(),
        checkpoints_stored: stored,
    };
    Ok((plan, report))
}
