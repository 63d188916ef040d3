//! [`DeletionReport`]: what a deletion did, with the same common fields for every kind and
//! the kind's own figures flattened beside them.

use crate::Kind;
use oubli_certified::RemovalReport;
use oubli_forget::UnlearnStats;
use oubli_sisa::SisaForgetReport;
use serde::Serialize;

/// What [`crate::apply`] did.
#[derive(Debug, Clone, Serialize)]
pub struct DeletionReport {
    /// Method name.
    pub method: String,
    /// Kind of model.
    pub kind: Kind,
    /// Samples in this request's forget set.
    pub forget_samples: usize,
    /// Accuracy on the forget set after forgetting.
    pub forget_accuracy: f64,
    /// Accuracy on the retain set after forgetting.
    pub retain_accuracy: f64,
    /// Accuracy on the test split after forgetting.
    pub test_accuracy: f64,
    /// The original model's accuracy on the forget set.
    pub original_forget_accuracy: f64,
    /// The original model's accuracy on the retain set.
    pub original_retain_accuracy: f64,
    /// The original model's test accuracy.
    pub original_test_accuracy: f64,
    /// Wall-clock seconds of the removal itself.
    pub seconds: f64,
    /// Fingerprint of the forget set.
    pub forget_fingerprint: String,
    /// Hash of the new weights.
    pub weights_sha256: String,
    /// Hash of the weights the request started from.
    pub parent_sha256: String,
    /// Ids removed along the whole lineage after this request.
    pub removed_total: usize,
    /// False when the result is the parent unchanged (a method that did nothing, or whose
    /// collapse guard rolled everything back): then nothing was forgotten and the returned
    /// model keeps the parent's lineage.
    pub changed: bool,
    /// The kind's own figures.
    #[serde(flatten)]
    pub detail: KindDetail,
}

/// Per-kind figures of a deletion.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum KindDetail {
    /// An approximate or retrain method on a single network.
    Single(SingleDetail),
    /// Exact SISA shard retraining.
    Sisa(SisaDetail),
    /// Certified Newton removal.
    Certified(CertifiedDetail),
}

/// A single network's method run.
#[derive(Debug, Clone, Serialize)]
pub struct SingleDetail {
    /// Per-sample gradient evaluations the method spent.
    pub sample_gradients: u64,
    /// What a retrain from scratch would spend (epochs × retain size).
    pub retrain_sample_gradients: u64,
    /// Full statistics (steps, epochs, collapse guard, notes).
    pub stats: UnlearnStats,
}

/// A SISA removal.
#[derive(Debug, Clone, Serialize)]
pub struct SisaDetail {
    /// What a full retrain of one model would spend.
    pub retrain_sample_gradients: u64,
    /// Constituent hashes after the removal.
    pub shard_weights_sha256: Vec<String>,
    /// The shards retrained, with their first stage.
    pub retrained_shards: Vec<oubli_sisa::ShardRetrain>,
    /// Costs and speed-ups (its `retrained` list is `retrained_shards` above).
    #[serde(flatten)]
    pub report: SisaCost,
}

/// [`SisaForgetReport`] without the shard list (reported as `retrained_shards`, since
/// `retrained` is a flag for certified models).
#[derive(Debug, Clone, Serialize)]
pub struct SisaCost {
    /// Distinct samples removed by this request.
    pub forgotten: usize,
    /// Training samples left in the ensemble.
    pub remaining_samples: usize,
    /// Shards retrained.
    pub shards_retrained: usize,
    /// Stages retrained, over those shards.
    pub slices_retrained: usize,
    /// Per-sample gradient evaluations spent.
    pub sample_gradients: u64,
    /// Optimisation steps.
    pub steps: usize,
    /// What one model trained on all remaining data costs.
    pub full_retrain_sample_gradients: u64,
    /// What retraining the affected shards without checkpoints costs.
    pub whole_shard_retrain_sample_gradients: u64,
    /// `full_retrain_sample_gradients / sample_gradients`.
    pub speedup_vs_full_retrain: f64,
    /// `whole_shard_retrain_sample_gradients / sample_gradients`.
    pub speedup_vs_whole_shard_retrain: f64,
}

impl SisaDetail {
    pub(crate) fn new(r: SisaForgetReport, shard_weights_sha256: Vec<String>) -> Self {
        Self {
            retrain_sample_gradients: r.full_retrain_sample_gradients,
            shard_weights_sha256,
            retrained_shards: r.retrained,
            report: SisaCost {
                forgotten: r.forgotten,
                remaining_samples: r.remaining_samples,
                shards_retrained: r.shards_retrained,
                slices_retrained: r.slices_retrained,
                sample_gradients: r.sample_gradients,
                steps: r.steps,
                full_retrain_sample_gradients: r.full_retrain_sample_gradients,
                whole_shard_retrain_sample_gradients: r.whole_shard_retrain_sample_gradients,
                speedup_vs_full_retrain: r.speedup_vs_full_retrain,
                speedup_vs_whole_shard_retrain: r.speedup_vs_whole_shard_retrain,
            },
        }
    }
}

/// A certified removal.
#[derive(Debug, Clone, Serialize)]
pub struct CertifiedDetail {
    /// Seconds spent mapping the data to features.
    pub feature_seconds: f64,
    /// Corollary 1 bound of this step, joint over the binary models.
    pub residual_bound: f64,
    /// The bound per binary model.
    pub per_model_bound: Vec<f64>,
    /// Accumulated residual after the removal.
    pub residual_total: f64,
    /// `σε/c`.
    pub budget: f64,
    /// Budget left.
    pub budget_remaining: f64,
    /// Whether the budget forced a retrain from scratch.
    pub retrained: bool,
    /// Removals so far.
    pub removals: usize,
    /// Retrains so far.
    pub retrains: usize,
    /// Samples the model is trained on now.
    pub remaining_samples: usize,
}

impl CertifiedDetail {
    pub(crate) fn new(
        r: &RemovalReport,
        feature_seconds: f64,
        model: &oubli_certified::CertifiedModel,
    ) -> Self {
        Self {
            feature_seconds,
            residual_bound: r.residual_bound,
            per_model_bound: r.per_model_bound.clone(),
            residual_total: r.residual_total,
            budget: r.budget,
            budget_remaining: r.budget_remaining,
            retrained: r.retrained,
            removals: model.removals(),
            retrains: model.retrains(),
            remaining_samples: model.n_train(),
        }
    }
}
