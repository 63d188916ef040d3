//! Certified removal (Guo et al., ICML 2020) as a kind of model: a one-vs-rest L2 logistic
//! regression on the dataset's features or on a frozen network's penultimate features, its
//! file, its training and its Newton-step removal with budget accounting.
//!
//! The certificate is about the linear model on fixed features. With a feature extractor,
//! the extractor is not unlearned: train it on data that never needs deleting (the paper
//! uses public data) or the removed samples' influence survives in the features.

mod features;
mod file;

pub use features::Features;
pub use file::{
    export_weights, is_certified_file, CertifiedFile, CertifiedMeta, FORMAT, FORMAT_VERSION, TENSOR,
};

use crate::EngineError;
use oubli_certified::{CertifiedModel, CertifiedParams};
use oubli_data::{fingerprint, Dataset, SampleId, Split};
use oubli_model::file::now_rfc3339;
use oubli_model::Outputs;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// Lineage method of a freshly trained certified model.
pub const METHOD_TRAIN: &str = "certified-train";
/// Lineage method of a model produced by a certified removal.
pub const METHOD_FORGET: &str = "certified";

/// `weights_sha256` of a certified model's exported tensor.
pub fn weights_sha256(model: &CertifiedModel) -> String {
    export_weights(model).sha256()
}

/// Per-sample outputs of a certified model on a split already in its feature space.
pub fn outputs(model: &CertifiedModel, split: &Split) -> Result<Outputs, EngineError> {
    let k = model.num_classes();
    let probs: Vec<f32> = model
        .predict_proba(&split.features)?
        .iter()
        .map(|&p| p as f32)
        .collect();
    let losses = probs
        .chunks(k)
        .zip(&split.labels)
        .map(|(row, &y)| -(row[y as usize].max(1e-12)).ln())
        .collect();
    Ok(Outputs {
        probs,
        losses,
        predictions: model.predict(&split.features)?,
        labels: split.labels.clone(),
        num_classes: k,
    })
}

/// Accuracy of `model` on a split in its feature space (NaN when empty).
pub fn accuracy(model: &CertifiedModel, split: &Split) -> Result<f64, EngineError> {
    if split.is_empty() {
        return Ok(f64::NAN);
    }
    Ok(model.accuracy(&split.features, &split.labels)?)
}

/// What certified training takes besides the dataset.
#[derive(Debug, Clone)]
pub struct CertifiedPlan {
    /// λ, σ, ε, δ.
    pub params: CertifiedParams,
    /// Seed of the loss perturbation b.
    pub seed: u64,
    /// Frozen feature extractor, if any.
    pub features: Option<std::path::PathBuf>,
}

/// What certified training reports (the JSON of `oubli train --certified`).
#[derive(Debug, Clone, Serialize)]
pub struct CertifiedTrainReport {
    /// `certified-train`.
    pub method: &'static str,
    /// Dataset name.
    pub dataset: String,
    /// `logreg`.
    pub model: &'static str,
    /// Always true.
    pub certified: bool,
    /// Accuracy on the training data.
    pub train_accuracy: f64,
    /// Accuracy on the test split.
    pub test_accuracy: f64,
    /// Seconds of training.
    pub seconds: f64,
    /// Samples trained on.
    pub trained_samples: usize,
    /// Samples left out.
    pub excluded_samples: usize,
    /// Feature dimension.
    pub feature_dim: usize,
    /// Row scale fixed at training.
    pub feature_scale: f64,
    /// Extractor path, if any.
    pub feature_extractor: Option<String>,
    /// Binary models (1 for two classes).
    pub num_models: usize,
    /// ε.
    pub epsilon: f64,
    /// δ.
    pub delta: f64,
    /// λ.
    pub lambda: f64,
    /// σ.
    pub sigma: f64,
    /// σε/c.
    pub budget: f64,
    /// Residual spent (training's own).
    pub residual_total: f64,
    /// Budget left.
    pub budget_remaining: f64,
    /// Hash of the weights.
    pub weights_sha256: String,
    /// Caveats.
    pub notes: Vec<String>,
}

/// Trains a certified model on `dataset` minus `excluded` (sorted, unique).
pub fn train(
    dataset: &Dataset,
    plan: &CertifiedPlan,
    excluded: &[SampleId],
) -> Result<(CertifiedFile, Features, CertifiedTrainReport), EngineError> {
    let start = Instant::now();
    let features = Features::open(plan.features.as_deref())?;
    let mut data = features.dataset(dataset)?;
    data.exclude(excluded)?;
    let t = &data.train;
    let model = CertifiedModel::train(
        &t.features,
        &t.labels,
        t.dim,
        data.num_classes,
        plan.params,
        plan.seed,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let mut notes = Vec::new();
    let extractor = match (&plan.features, features.extractor()) {
        (Some(path), Some(m)) => {
            if m.lineage.dataset == dataset.name {
                notes.push(format!(
                    "the feature extractor was trained on `{}`: the certificate covers the logistic head only, not what the extractor learned from samples you later forget; train it on data that never needs deleting",
                    dataset.name
                ));
            }
            let abs = std::fs::canonicalize(path).map_err(|source| EngineError::Io {
                path: path.clone(),
                source,
            })?;
            Some((abs.display().to_string(), m.params.sha256()))
        }
        _ => None,
    };
    let file = CertifiedFile {
        meta: CertifiedMeta {
            format_version: FORMAT_VERSION,
            dataset: dataset.name.clone(),
            dataset_options: dataset.csv.clone(),
            trained_ids_fingerprint: fingerprint(&t.ids),
            removed_ids: excluded.to_vec(),
            removed_ids_fingerprint: fingerprint(excluded),
            feature_extractor: extractor.as_ref().map(|e| e.0.clone()),
            feature_extractor_sha256: extractor.map(|e| e.1),
            seed: plan.seed,
            parent_sha256: None,
            method: METHOD_TRAIN.into(),
            created_at: now_rfc3339(),
            weights_sha256: weights_sha256(&model),
        },
        model,
    };
    let m = &file.model;
    let report = CertifiedTrainReport {
        method: METHOD_TRAIN,
        dataset: dataset.name.clone(),
        model: "logreg",
        certified: true,
        train_accuracy: accuracy(m, t)?,
        test_accuracy: accuracy(m, &data.test)?,
        seconds,
        trained_samples: t.len(),
        excluded_samples: excluded.len(),
        feature_dim: m.dim(),
        feature_scale: m.feature_scale(),
        feature_extractor: file.meta.feature_extractor.clone(),
        num_models: m.num_models(),
        epsilon: m.params().epsilon(),
        delta: m.params().delta(),
        lambda: m.params().lambda(),
        sigma: m.params().sigma(),
        budget: m.budget(),
        residual_total: m.residual_total(),
        budget_remaining: m.budget_remaining(),
        weights_sha256: file.meta.weights_sha256.clone(),
        notes,
    };
    Ok((file, features, report))
}

/// Opens a feature extractor for a plan, for callers that only need to check it early.
pub fn check_extractor(path: &Path) -> Result<(), EngineError> {
    Features::open(Some(path)).map(|_| ())
}
