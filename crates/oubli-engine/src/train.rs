//! [`train`]: one entry point for the three kinds, from one [`TrainPlan`].

use crate::certified::{self, CertifiedPlan, CertifiedTrainReport};
use crate::kind::CertifiedBundle;
use crate::kind::{AnyModel, SingleModel};
use crate::EngineError;
use oubli_data::{Dataset, SampleId, Split};
use oubli_model::file::REMOVED_IDS_KEY;
use oubli_model::{fit, FitReport, ModelSpec, TrainObserver, ValidTrainConfig};
use oubli_sisa::{checkpoint_name, SisaConfig, SisaModel, SisaTrainReport};
use serde::Serialize;

/// What to train.
#[derive(Debug, Clone)]
pub enum TrainPlan {
    /// One network.
    Single {
        /// Architecture.
        spec: ModelSpec,
        /// Optimiser, epochs, seed.
        config: ValidTrainConfig,
    },
    /// A SISA ensemble: one constituent per shard, checkpointed per slice.
    Sisa {
        /// Architecture of each constituent.
        spec: ModelSpec,
        /// Training config of each stage.
        config: ValidTrainConfig,
        /// Shards, slices, assignment and aggregation.
        sisa: SisaConfig,
    },
    /// A certified-removal logistic regression.
    Certified(CertifiedPlan),
}

/// What training reported, per kind (serialised flat, as `oubli train --json` prints it).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TrainReport {
    /// A single network.
    Single(SingleTrainReport),
    /// A SISA ensemble.
    Sisa(SisaTrainSummary),
    /// A certified model.
    Certified(CertifiedTrainReport),
}

/// A single network's training.
#[derive(Debug, Clone, Serialize)]
pub struct SingleTrainReport {
    /// `train`.
    pub method: &'static str,
    /// Accuracy, loss, cost.
    #[serde(flatten)]
    pub fit: FitReport,
    /// Samples left out.
    pub excluded_samples: usize,
    /// Warnings a user should read (a model no better than the majority class, …).
    pub notes: Vec<String>,
}

/// A SISA ensemble's training.
#[derive(Debug, Clone, Serialize)]
pub struct SisaTrainSummary {
    /// `sisa-train`.
    pub method: &'static str,
    /// Dataset name.
    pub dataset: String,
    /// Architecture name.
    pub model: String,
    /// Accuracy of the ensemble on its training data.
    pub train_accuracy: f64,
    /// Accuracy on the test split.
    pub test_accuracy: f64,
    /// Samples trained on.
    pub trained_samples: usize,
    /// Samples left out.
    pub excluded_samples: usize,
    /// Hash of the ensemble.
    pub weights_sha256: String,
    /// Shards.
    pub shards: usize,
    /// Slices per shard.
    pub slices: usize,
    /// What decided a sample's shard.
    pub shard_by: oubli_sisa::ShardBy,
    /// What decided a sample's slice (left out when `id`).
    #[serde(skip_serializing_if = "oubli_sisa::ShardBy::is_id")]
    pub slice_by: oubli_sisa::ShardBy,
    /// How predictions combine.
    pub aggregation: oubli_sisa::Aggregation,
    /// Per-constituent hashes.
    pub shard_weights_sha256: Vec<String>,
    /// Checkpoint file names per shard and stage (under `FILE.ckpt/`).
    pub checkpoints: Vec<Vec<String>>,
    /// Cost and layout of training.
    #[serde(flatten)]
    pub report: SisaTrainReport,
    /// Warnings.
    pub notes: Vec<String>,
}

/// Trains `plan` on `dataset` minus `excluded` (sorted, unique). The excluded ids are
/// recorded in the model's lineage, so later removals start from exactly this data and a
/// left-out sample never comes back.
pub fn train(
    dataset: &Dataset,
    plan: &TrainPlan,
    excluded: &[SampleId],
    observer: &mut dyn TrainObserver,
) -> Result<(AnyModel, TrainReport), EngineError> {
    if let TrainPlan::Certified(p) = plan {
        let (file, features, report) = certified::train(dataset, p, excluded)?;
        let bundle = CertifiedBundle { file, features };
        return Ok((
            AnyModel::Certified(Box::new(bundle)),
            TrainReport::Certified(report),
        ));
    }
    let mut data = dataset.clone();
    data.exclude(excluded)?;
    match plan {
        TrainPlan::Single { spec, config } => {
            let (mut file, fit) = fit(&data, spec.clone(), config, observer)?;
            if !excluded.is_empty() {
                file.lineage.extra.insert(
                    REMOVED_IDS_KEY.into(),
                    serde_json::to_value(excluded).expect("ids serialise"),
                );
                file.lineage.forgotten_samples = excluded.len();
            }
            let notes = majority_note(&data.test, fit.test_accuracy, data.num_classes)
                .into_iter()
                .collect();
            let report = SingleTrainReport {
                method: "train",
                fit,
                excluded_samples: excluded.len(),
                notes,
            };
            let model = AnyModel::Single(Box::new(SingleModel::new(file)?));
            Ok((model, TrainReport::Single(report)))
        }
        TrainPlan::Sisa { spec, config, sisa } => {
            let (mut model, report) = SisaModel::train(&data, spec.clone(), sisa.clone(), config)?;
            model.record_excluded(excluded);
            let test_accuracy = model.evaluate(&data.test).accuracy;
            let c = model.config();
            let summary = SisaTrainSummary {
                method: oubli_sisa::METHOD_TRAIN,
                dataset: data.name.clone(),
                model: model.spec().arch_name().to_string(),
                train_accuracy: model.evaluate(&data.train).accuracy,
                test_accuracy,
                trained_samples: model.trained_samples(),
                excluded_samples: excluded.len(),
                weights_sha256: model.weights_sha256(),
                shards: c.shards,
                slices: c.slices,
                shard_by: c.shard_by,
                slice_by: c.slice_by,
                aggregation: c.aggregation,
                shard_weights_sha256: model.shard_weights_sha256(),
                checkpoints: (0..c.shards)
                    .map(|s| (0..c.slices).map(|r| checkpoint_name(s, r)).collect())
                    .collect(),
                report,
                notes: majority_note(&data.test, test_accuracy, data.num_classes)
                    .into_iter()
                    .collect(),
            };
            Ok((AnyModel::Sisa(Box::new(model)), TrainReport::Sisa(summary)))
        }
        TrainPlan::Certified(_) => unreachable!("handled above"),
    }
}

/// A warning when `accuracy` on `test` is no better than always answering its most common
/// class: the defaults are too weak for this data, and the numbers would mislead.
pub fn majority_note(test: &Split, accuracy: f64, num_classes: usize) -> Option<String> {
    if test.is_empty() || num_classes < 2 {
        return None;
    }
    let mut counts = vec![0usize; num_classes];
    for &y in &test.labels {
        counts[y as usize] += 1;
    }
    let (class, &top) = counts.iter().enumerate().max_by_key(|(_, &c)| c)?;
    let share = top as f64 / test.len() as f64;
    // Counts are integers, so compare in samples: exact, no floating-point edge.
    let correct = (accuracy * test.len() as f64).round() as usize;
    (correct <= top).then(|| {
        format!(
            "test accuracy {:.2}% is no better than always predicting class {class} ({:.2}% of the test split): train longer or faster (e.g. --epochs 100 --lr 3e-3), or check the label column",
            accuracy * 100.0,
            share * 100.0
        )
    })
}

impl AnyModel {
    /// The plan that retrains this model from scratch with its own spec, config and seed
    /// (on whatever data the caller gives: a store's current rows, say).
    pub fn retrain_plan(&self) -> Result<TrainPlan, EngineError> {
        Ok(match self {
            AnyModel::Single(m) => {
                let l = &m.file.lineage;
                let config: oubli_model::TrainConfig =
                    serde_json::from_value(l.train_config.clone()).map_err(|e| {
                        EngineError::CorruptFile {
                            path: "lineage".into(),
                            problem: format!("train_config is unreadable: {e}"),
                        }
                    })?;
                TrainPlan::Single {
                    spec: l.spec.clone(),
                    config: config.validate()?,
                }
            }
            AnyModel::Sisa(m) => TrainPlan::Sisa {
                spec: m.spec().clone(),
                config: m.train_config().clone(),
                sisa: m.config().clone(),
            },
            AnyModel::Certified(c) => TrainPlan::Certified(CertifiedPlan {
                params: c.file.model.params().params(),
                seed: c.file.meta.seed,
                features: c.file.meta.feature_extractor.clone().map(Into::into),
            }),
        })
    }
}
