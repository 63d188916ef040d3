//! A deletion request end to end: resolve the forget set against the data the model was
//! trained on, run a method, evaluate, and package the result with lineage.

use crate::registry::find;
use crate::unlearner::{ForgetContext, UnlearnStats};
use crate::{ForgetError, StoredUpdates};
use oubli_data::{fingerprint, Dataset, SampleId, Selection, Split};
use oubli_model::file::{now_rfc3339, ModelFile};
use oubli_model::{evaluate, Network, TrainConfig};
use serde::Serialize;

pub use oubli_model::file::REMOVED_IDS_KEY;

/// What `oubli forget` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ForgetReport {
    /// Method name.
    pub method: String,
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
    /// Wall-clock seconds the method ran.
    pub seconds: f64,
    /// Per-sample gradient evaluations the method spent.
    pub sample_gradients: u64,
    /// What a retrain from scratch would spend (epochs × retain size).
    pub retrain_sample_gradients: u64,
    /// Full statistics (steps, epochs, collapse guard, notes).
    pub stats: UnlearnStats,
    /// Fingerprint of the forget set.
    pub forget_fingerprint: String,
    /// Hash of the new weights.
    pub weights_sha256: String,
    /// Hash of the parent weights.
    pub parent_sha256: String,
    /// False when the weights came back identical to the parent's (a method that did
    /// nothing, or whose collapse guard rolled everything back). Then nothing was forgotten:
    /// the returned model is the parent, lineage untouched.
    pub changed: bool,
}

/// The ids a model's lineage says were removed.
pub fn removed_ids(model: &ModelFile) -> Vec<SampleId> {
    model.lineage.removed_ids()
}

/// Restores the training split a model was trained on: the dataset minus the ids its lineage
/// removed, checked against the fingerprint recorded in the file.
pub fn training_data(model: &ModelFile, dataset: &Dataset) -> Result<Dataset, ForgetError> {
    let mut data = dataset.clone();
    data.exclude(&removed_ids(model))?;
    let actual = fingerprint(&data.train.ids);
    if actual != model.lineage.trained_ids_fingerprint {
        return Err(ForgetError::ForgetSet(format!(
            "dataset `{}` does not hold the samples this model was trained on (fingerprint {} ≠ recorded {})",
            dataset.name, actual, model.lineage.trained_ids_fingerprint
        )));
    }
    Ok(data)
}

/// Splits `train` into (forget, retain) by a selection.
pub fn partition(data: &Dataset, selection: &Selection) -> Result<(Split, Split), ForgetError> {
    let forget_idx = data.select(selection)?;
    let mut is_forget = vec![false; data.train.len()];
    for &i in &forget_idx {
        is_forget[i] = true;
    }
    let retain_idx: Vec<usize> = (0..data.train.len()).filter(|&i| !is_forget[i]).collect();
    Ok((
        data.train.subset(&forget_idx),
        data.train.subset(&retain_idx),
    ))
}

/// Runs `method` on `model` to forget `selection`; returns the new model file and a report.
pub fn forget_model(
    model: &ModelFile,
    dataset: &Dataset,
    selection: &Selection,
    method: &str,
    config: Option<&serde_json::Value>,
    seed: u64,
    stored_updates: Option<&StoredUpdates>,
) -> Result<(ModelFile, ForgetReport), ForgetError> {
    let data = training_data(model, dataset)?;
    let (forget, retain) = partition(&data, selection)?;
    let request = MethodRun {
        method,
        config,
        seed,
        stored_updates,
        reason: crate::ForgetReason::Privacy,
    };
    forget_split(model, &forget, &retain, &dataset.test, &request)
}

/// How to run a method, beside the data.
#[derive(Debug, Clone, Copy)]
pub struct MethodRun<'a> {
    /// Registered method name.
    pub method: &'a str,
    /// Its config (JSON); `None` for the defaults.
    pub config: Option<&'a serde_json::Value>,
    /// Seed of its random choices.
    pub seed: u64,
    /// Updates recorded at training, for `amnesiac`.
    pub stored_updates: Option<&'a StoredUpdates>,
    /// Why the forget set goes (see [`ForgetReason`](crate::ForgetReason)).
    pub reason: crate::ForgetReason,
}

/// Runs a method on `model` with the forget / retain split already resolved against the
/// data it was trained on (see [`training_data`], [`partition`]); `test` is for the report.
pub fn forget_split(
    model: &ModelFile,
    forget: &Split,
    retain: &Split,
    test: &Split,
    run: &MethodRun,
) -> Result<(ModelFile, ForgetReport), ForgetError> {
    let entry = find(run.method)?;
    let net = Network::new(model.lineage.spec.clone())?;
    let train_config: TrainConfig = serde_json::from_value(model.lineage.train_config.clone())
        .map_err(|e| ForgetError::Unsupported {
            method: entry.name,
            reason: format!("the model's training config is unreadable: {e}"),
        })?;
    let train_config = train_config.validate()?;
    let ctx = ForgetContext {
        net: &net,
        original: &model.params,
        train_config: &train_config,
        forget,
        retain,
        validation: None,
        seed: run.seed,
        stored_updates: run.stored_updates,
        reason: run.reason,
    };
    let ran = entry.run(run.config, &ctx)?;
    let params = ran.unlearned.params;
    let stats = ran.unlearned.stats;
    let original = |s: &Split| evaluate(&net, &model.params, s).accuracy;
    let after = |s: &Split| evaluate(&net, &params, s).accuracy;
    let parent_sha256 = model.params.sha256();
    let weights_sha256 = params.sha256();
    let changed = weights_sha256 != parent_sha256;
    let report = ForgetReport {
        method: entry.name.to_string(),
        forget_samples: forget.len(),
        forget_accuracy: after(forget),
        retain_accuracy: after(retain),
        test_accuracy: after(test),
        original_forget_accuracy: original(forget),
        original_retain_accuracy: original(retain),
        original_test_accuracy: original(test),
        seconds: stats.seconds,
        sample_gradients: stats.sample_gradients,
        retrain_sample_gradients: train_config.epochs as u64 * retain.len() as u64,
        stats,
        forget_fingerprint: fingerprint(&forget.ids),
        weights_sha256: weights_sha256.clone(),
        parent_sha256,
        changed,
    };
    if !changed {
        // Recording the forget set would claim a forgetting that did not happen.
        return Ok((model.clone(), report));
    }
    let mut removed = removed_ids(model);
    removed.extend_from_slice(&forget.ids);
    removed.sort_unstable();
    removed.dedup();
    let mut lineage = model.lineage.clone();
    lineage.parent_sha256 = Some(report.parent_sha256.clone());
    lineage.method = entry.name.to_string();
    lineage.method_config = ran.config;
    lineage.forget_fingerprint = Some(report.forget_fingerprint.clone());
    lineage.forgotten_samples = removed.len();
    lineage.trained_ids_fingerprint = fingerprint(&retain.ids);
    lineage.trained_samples = retain.len();
    lineage.created_at = now_rfc3339();
    lineage.weights_sha256 = weights_sha256;
    lineage.extra.insert(
        REMOVED_IDS_KEY.into(),
        serde_json::to_value(&removed).expect("ids"),
    );
    Ok((ModelFile { params, lineage }, report))
}
