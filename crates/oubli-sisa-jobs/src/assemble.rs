//! Assembly: the ensemble from the finished shards, with the lineage the plan records.

use crate::plan::JobPlan;
use crate::shard::read_shard;
use crate::store::ArtifactStore;
use crate::JobError;
use oubli_sisa::{SisaModel, SisaParts};
use serde::Serialize;

/// What assembly put together.
#[derive(Debug, Clone, Serialize)]
pub struct AssembleReport {
    /// The plan's id.
    pub plan_id: String,
    /// `sisa-train` or `sisa`.
    pub method: String,
    /// The ensemble's `weights_sha256`.
    pub weights_sha256: String,
    /// Each constituent's hash.
    pub shard_weights_sha256: Vec<String>,
    /// Samples trained on.
    pub trained_samples: usize,
    /// Ids removed along the lineage.
    pub removed_ids: usize,
}

/// Builds the ensemble of `plan` from its finished shards in `store`, each verified (hashes,
/// data fingerprints). Every shard must have finished; the error names those that have not.
/// The result is the model `oubli train` (training plan) or `oubli forget --method sisa`
/// (forget plan) produces with the same inputs, bit for bit: the same constituents,
/// checkpoints and lineage, apart from `created_at`.
pub fn assemble(
    plan: &JobPlan,
    store: &ArtifactStore,
) -> Result<(SisaModel, AssembleReport), JobError> {
    let mut shards = Vec::with_capacity(plan.sisa.shards);
    let mut missing = Vec::new();
    for s in 0..plan.sisa.shards {
        match read_shard(plan, store, s)? {
            Some((shard, _)) => shards.push(shard),
            None => missing.push(s),
        }
    }
    if !missing.is_empty() {
        return Err(JobError::MissingShards {
            missing,
            total: plan.sisa.shards,
        });
    }
    let model = SisaModel::from_parts(SisaParts {
        spec: plan.spec.clone(),
        config: plan.sisa.clone(),
        train_config: plan.valid_train_config()?,
        dataset: plan.dataset.clone(),
        shards,
        removed_ids: plan.excluded_ids.clone(),
        trained_ids_fingerprint: plan.trained_ids_fingerprint.clone(),
        parent_sha256: plan.parent_sha256.clone(),
        method: plan.method.clone(),
        forget_fingerprint: plan.forget.as_ref().map(|f| f.forget_fingerprint.clone()),
    })?;
    if model.trained_samples() != plan.trained_samples {
        return Err(JobError::BadPlan {
            path: plan.id(),
            problem: format!(
                "the shards hold {} samples, the plan {}",
                model.trained_samples(),
                plan.trained_samples
            ),
        });
    }
    let report = AssembleReport {
        plan_id: plan.id(),
        method: plan.method.clone(),
        weights_sha256: model.weights_sha256(),
        shard_weights_sha256: model.shard_weights_sha256(),
        trained_samples: model.trained_samples(),
        removed_ids: model.removed_ids().len(),
    };
    Ok((model, report))
}
