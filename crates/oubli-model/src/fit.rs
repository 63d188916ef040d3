//! Train a model on a dataset and package it as a [`ModelFile`] with lineage.

use crate::config::ValidTrainConfig;
use crate::eval::evaluate;
use crate::file::{now_rfc3339, Lineage, ModelFile, FORMAT_VERSION};
use crate::network::Network;
use crate::spec::ModelSpec;
use crate::train::{train, TrainObserver};
use crate::ModelError;
use oubli_data::{fingerprint, Dataset};
use serde::Serialize;
use std::collections::BTreeMap;

/// What `oubli train` reports.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    /// Dataset name.
    pub dataset: String,
    /// Architecture name.
    pub model: String,
    /// Accuracy on the training samples used.
    pub train_accuracy: f64,
    /// Accuracy on the test split.
    pub test_accuracy: f64,
    /// Mean test cross-entropy.
    pub test_loss: f64,
    /// Wall-clock training seconds (evaluation excluded).
    pub seconds: f64,
    /// Optimisation steps.
    pub steps: usize,
    /// Per-sample gradient evaluations.
    pub sample_gradients: u64,
    /// Training samples used (after exclusions).
    pub trained_samples: usize,
    /// Hash of the weights.
    pub weights_sha256: String,
    /// Mean loss per epoch.
    pub epoch_losses: Vec<f32>,
}

/// Trains `spec` on `dataset.train` (callers remove excluded ids first) and evaluates it.
pub fn fit(
    dataset: &Dataset,
    spec: ModelSpec,
    config: &ValidTrainConfig,
    observer: &mut dyn TrainObserver,
) -> Result<(ModelFile, FitReport), ModelError> {
    if spec.input_dim() != dataset.dim() || spec.num_classes != dataset.num_classes {
        return Err(ModelError::Mismatch(format!(
            "model expects {} inputs and {} classes, dataset `{}` has {} and {}",
            spec.input_dim(),
            spec.num_classes,
            dataset.name,
            dataset.dim(),
            dataset.num_classes
        )));
    }
    if dataset.train.is_empty() {
        return Err(ModelError::Mismatch(
            "no training sample left to train on".into(),
        ));
    }
    crate::memory::check_training_memory(&spec, config, 1, crate::memory::available_memory())?;
    let net = Network::new(spec.clone())?;
    let (params, stats) = train(&net, &dataset.train, config, observer)?;
    let train_eval = evaluate(&net, &params, &dataset.train);
    let test_eval = evaluate(&net, &params, &dataset.test);
    let sha = params.sha256();
    let lineage = Lineage {
        format_version: FORMAT_VERSION,
        spec: spec.clone(),
        train_config: serde_json::to_value(config.inner()).expect("config serialises"),
        dataset: dataset.name.clone(),
        dataset_options: dataset.csv.clone(),
        trained_ids_fingerprint: fingerprint(&dataset.train.ids),
        trained_samples: dataset.train.len(),
        parent_sha256: None,
        method: "train".into(),
        method_config: serde_json::Value::Null,
        forget_fingerprint: None,
        forgotten_samples: 0,
        created_at: now_rfc3339(),
        weights_sha256: sha.clone(),
        extra: BTreeMap::new(),
    };
    let report = FitReport {
        dataset: dataset.name.clone(),
        model: spec.arch_name().into(),
        train_accuracy: train_eval.accuracy,
        test_accuracy: test_eval.accuracy,
        test_loss: test_eval.loss,
        seconds: stats.seconds,
        steps: stats.steps,
        sample_gradients: stats.sample_gradients,
        trained_samples: dataset.train.len(),
        weights_sha256: sha,
        epoch_losses: stats.epoch_losses,
    };
    Ok((ModelFile { params, lineage }, report))
}
