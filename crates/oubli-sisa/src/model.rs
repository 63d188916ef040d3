//! The SISA ensemble: training, inference and lineage.

use crate::assign::Layout;
use crate::config::{Aggregation, SisaConfig};
use crate::shard::{Shard, ShardRun};
use crate::SisaError;
use oubli_data::{fingerprint, CsvOptions, Dataset, DatasetSpec, SampleId, Split};
use oubli_model::file::{now_rfc3339, Lineage, FORMAT_VERSION};
use oubli_model::{Evaluation, ModelSpec, Network, Outputs, ParamShape, Params, ValidTrainConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Lineage method name of a freshly trained ensemble.
pub const METHOD_TRAIN: &str = "sisa-train";
/// Lineage method name of an ensemble produced by [`SisaModel::forget`].
pub const METHOD_FORGET: &str = "sisa";

/// A SISA ensemble: `S` constituents, each with a checkpoint after every one of its `R`
/// stages, plus what it takes to unlearn exactly (layout, training config, removed ids).
#[derive(Debug, Clone)]
pub struct SisaModel {
    pub(crate) net: Network,
    pub(crate) config: SisaConfig,
    pub(crate) train_config: ValidTrainConfig,
    pub(crate) dataset: String,
    /// The CSV options the dataset was loaded with (`csv:PATH` only).
    pub(crate) dataset_options: Option<CsvOptions>,
    pub(crate) shards: Vec<Shard>,
    /// Sorted, unique ids removed so far over the whole lineage.
    pub(crate) removed_ids: Vec<SampleId>,
    pub(crate) trained_ids_fingerprint: String,
    pub(crate) parent_sha256: Option<String>,
    pub(crate) method: String,
    pub(crate) forget_fingerprint: Option<String>,
    pub(crate) created_at: String,
    /// Free-form lineage entries (`Lineage::extra`), e.g. the data subjects' markers;
    /// kept across forgetting.
    pub(crate) extra: BTreeMap<String, serde_json::Value>,
}

/// What SISA training cost.
#[derive(Debug, Clone, Serialize)]
pub struct SisaTrainReport {
    /// Wall-clock seconds of training (evaluation excluded).
    pub seconds: f64,
    /// Optimisation steps over all shards and stages.
    pub steps: usize,
    /// Per-sample gradient evaluations over all shards and stages.
    pub sample_gradients: u64,
    /// Samples per shard.
    pub shard_samples: Vec<usize>,
    /// Samples per shard and stage (stage `r` trains on slices `0..=r`).
    pub stage_samples: Vec<Vec<usize>>,
}

/// Checks that `split` fits `spec` and is not empty.
pub fn check_fit(spec: &ModelSpec, split: &Split, name: &str) -> Result<(), SisaError> {
    if split.dim != spec.input_dim() || split.labels.iter().any(|&y| y as usize >= spec.num_classes)
    {
        return Err(SisaError::Mismatch(format!(
            "model expects {} inputs and {} classes, `{name}` has {} inputs and labels up to {}",
            spec.input_dim(),
            spec.num_classes,
            split.dim,
            split.labels.iter().max().copied().unwrap_or(0)
        )));
    }
    if split.is_empty() {
        return Err(SisaError::Mismatch(
            "no training sample left to train on".into(),
        ));
    }
    Ok(())
}

/// Everything an ensemble is made of, for [`SisaModel::from_parts`]: how a model whose shards
/// were trained elsewhere (as separate jobs) is put together.
#[derive(Debug, Clone)]
pub struct SisaParts {
    /// The constituents' architecture.
    pub spec: ModelSpec,
    /// The SISA layout and aggregation.
    pub config: SisaConfig,
    /// The training hyperparameters (`epochs` per stage).
    pub train_config: ValidTrainConfig,
    /// The dataset trained on, with its CSV options.
    pub dataset: DatasetSpec,
    /// The constituents, in shard order, each with its `R` checkpoints.
    pub shards: Vec<Shard>,
    /// Ids removed over the whole lineage (left out before training, or forgotten).
    pub removed_ids: Vec<SampleId>,
    /// `oubli_data::fingerprint` of the ids trained on.
    pub trained_ids_fingerprint: String,
    /// Hash of the ensemble this one was derived from (`None` for a fresh training).
    pub parent_sha256: Option<String>,
    /// [`METHOD_TRAIN`] or [`METHOD_FORGET`].
    pub method: String,
    /// Fingerprint of the last request's forgotten ids (`None` for a fresh training).
    pub forget_fingerprint: Option<String>,
}

impl SisaModel {
    /// Puts an ensemble together from its parts, checking that there is one constituent per
    /// shard with one checkpoint per slice, all of `spec`'s size.
    pub fn from_parts(parts: SisaParts) -> Result<Self, SisaError> {
        parts.config.validate()?;
        let size = Params::zeros(&parts.spec).len();
        if parts.shards.len() != parts.config.shards {
            return Err(SisaError::Mismatch(format!(
                "{} constituents given for {} shards",
                parts.shards.len(),
                parts.config.shards
            )));
        }
        for (s, shard) in parts.shards.iter().enumerate() {
            if shard.stages.len() != parts.config.slices
                || shard.stages.iter().any(|c| c.params.len() != size)
            {
                return Err(SisaError::Mismatch(format!(
                    "constituent {s} must have {} checkpoints of {size} parameters",
                    parts.config.slices
                )));
            }
        }
        let mut removed_ids = parts.removed_ids;
        removed_ids.sort_unstable();
        removed_ids.dedup();
        Ok(Self {
            net: Network::new(parts.spec)?,
            config: parts.config,
            train_config: parts.train_config,
            dataset: parts.dataset.name,
            dataset_options: parts.dataset.csv,
            shards: parts.shards,
            removed_ids,
            trained_ids_fingerprint: parts.trained_ids_fingerprint,
            parent_sha256: parts.parent_sha256,
            method: parts.method,
            forget_fingerprint: parts.forget_fingerprint,
            created_at: now_rfc3339(),
            extra: BTreeMap::new(),
        })
    }

    /// Trains an ensemble on `dataset.train` (callers remove excluded ids first).
    ///
    /// Shard `s` starts from parameters seeded by `derive_seed(seed, "sisa-init", s)`; its
    /// stage `r` trains on slices `0..=r` (samples in dataset order) for
    /// `train_config.epochs` epochs, continuing parameters and optimiser state, and is
    /// checkpointed. A shard that receives no sample keeps its initial parameters. Each
    /// shard is one [`ShardRun::train`], as when shards are trained as separate jobs.
    pub fn train(
        dataset: &Dataset,
        spec: ModelSpec,
        config: SisaConfig,
        train_config: &ValidTrainConfig,
    ) -> Result<(Self, SisaTrainReport), SisaError> {
        config.validate()?;
        check_fit(&spec, &dataset.train, &dataset.name)?;
        let available = oubli_model::memory::available_memory();
        oubli_model::memory::check_training_memory(&spec, train_config, config.shards, available)?;
        let net = Network::new(spec)?;
        let start = Instant::now();
        let data = &dataset.train;
        let layout = Layout::new(data, train_config.seed, &config);
        // Shards are independent trainings: side by side, one thread each (the result is
        // the same for every job count, see `oubli_model::side_by_side`).
        let train_shard = |s: usize| {
            let run = ShardRun {
                net: &net,
                split: data,
                layout: &layout,
                shard: s,
                slices: config.slices,
                config: train_config,
            };
            let mut stages = Vec::with_capacity(config.slices);
            let cost = run.train(&mut stages, 0, &mut |_, _| Ok(()))?;
            Ok::<_, SisaError>((Shard { stages }, cost))
        };
        let trained = oubli_model::side_by_side(config.shards, 0, train_shard, &mut |_, _| {})?;
        let mut shards = Vec::with_capacity(config.shards);
        let (mut steps, mut sample_gradients) = (0, 0);
        for (shard, cost) in trained {
            steps += cost.steps;
            sample_gradients += cost.sample_gradients;
            shards.push(shard);
        }
        let report = SisaTrainReport {
            seconds: start.elapsed().as_secs_f64(),
            steps,
            sample_gradients,
            shard_samples: shards.iter().map(Shard::samples).collect(),
            stage_samples: shards
                .iter()
                .map(|s| s.stages.iter().map(|c| c.samples).collect())
                .collect(),
        };
        let model = Self::from_parts(SisaParts {
            spec: net.spec().clone(),
            config,
            train_config: train_config.clone(),
            dataset: DatasetSpec {
                name: dataset.name.clone(),
                csv: dataset.csv.clone(),
            },
            shards,
            removed_ids: Vec::new(),
            trained_ids_fingerprint: fingerprint(&data.ids),
            parent_sha256: None,
            method: METHOD_TRAIN.into(),
            forget_fingerprint: None,
        })?;
        Ok((model, report))
    }

    /// The constituents' architecture.
    pub fn spec(&self) -> &ModelSpec {
        self.net.spec()
    }

    /// The network the constituents run on.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The SISA layout and aggregation.
    pub fn config(&self) -> &SisaConfig {
        &self.config
    }

    /// The training hyperparameters (`epochs` is per stage).
    pub fn train_config(&self) -> &ValidTrainConfig {
        &self.train_config
    }

    /// Name of the dataset trained on.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// The dataset trained on, with the options it was loaded with.
    pub fn dataset_spec(&self) -> DatasetSpec {
        DatasetSpec {
            name: self.dataset.clone(),
            csv: self.dataset_options.clone(),
        }
    }

    /// The constituents, in shard order.
    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    /// Ids removed so far over the whole lineage, sorted.
    pub fn removed_ids(&self) -> &[SampleId] {
        &self.removed_ids
    }

    /// Samples the ensemble is currently trained on.
    pub fn trained_samples(&self) -> usize {
        self.shards.iter().map(Shard::samples).sum()
    }

    /// Each constituent's [`Params::sha256`], in shard order.
    pub fn shard_weights_sha256(&self) -> Vec<String> {
        self.shards.iter().map(Shard::weights_sha256).collect()
    }

    /// SHA-256 over every constituent's tensors under their ensemble names
    /// (`shards.{s}.{name}`): the ensemble file's `weights_sha256`.
    pub fn weights_sha256(&self) -> String {
        self.ensemble_params().sha256()
    }

    /// Switches the aggregation rule (it affects inference only, never training).
    pub fn set_aggregation(&mut self, aggregation: Aggregation) {
        self.config.aggregation = aggregation;
    }

    /// All constituents as one parameter set named like an `nn.ModuleList` attribute `shards`
    /// (`shards.{s}.fc1.weight`, …), in shard order.
    pub fn ensemble_params(&self) -> Params {
        let mut shapes = Vec::new();
        let mut data = Vec::new();
        for (s, shard) in self.shards.iter().enumerate() {
            let p = shard.params();
            shapes.extend(p.shapes.iter().map(|sh| ParamShape {
                name: format!("shards.{s}.{}", sh.name),
                shape: sh.shape.clone(),
            }));
            data.extend_from_slice(&p.data);
        }
        Params { shapes, data }
    }

    /// Aggregated class probabilities (row-major `n × num_classes`) of `n` samples; see
    /// [`Aggregation`].
    pub fn probabilities(&self, x: &[f32], n: usize) -> Vec<f32> {
        let k = self.spec().num_classes;
        let mut out = vec![0.0f32; n * k];
        let weight = 1.0 / self.shards.len() as f32;
        for shard in &self.shards {
            let probs = self.net.probabilities(shard.params(), x, n);
            for (acc, row) in out.chunks_mut(k).zip(probs.chunks(k)) {
                match self.config.aggregation {
                    Aggregation::MeanProb => {
                        acc.iter_mut().zip(row).for_each(|(a, p)| *a += weight * p);
                    }
                    Aggregation::Vote => acc[argmax(row)] += weight,
                }
            }
        }
        out
    }

    /// Per-sample outputs of the ensemble on `split` (losses are the cross-entropy of the
    /// aggregated probabilities, floored at 1e-12 as for single models).
    pub fn outputs(&self, split: &Split) -> Outputs {
        let k = self.spec().num_classes;
        let probs = self.probabilities(&split.features, split.len());
        let mut losses = Vec::with_capacity(split.len());
        let mut predictions = Vec::with_capacity(split.len());
        for (row, &y) in probs.chunks(k).zip(&split.labels) {
            losses.push(-(row[y as usize].max(1e-12)).ln());
            predictions.push(argmax(row) as u32);
        }
        Outputs {
            probs,
            losses,
            predictions,
            labels: split.labels.clone(),
            num_classes: k,
        }
    }

    /// Accuracy and loss of the ensemble on `split`.
    pub fn evaluate(&self, split: &Split) -> Evaluation {
        self.outputs(split).evaluation()
    }

    /// Records ids left out before training (`train --exclude-ids`, or a store's
    /// tombstones), so a later exact removal rebuilds this ensemble's data from the whole
    /// dataset. The shards were trained without them, so nothing else changes.
    pub fn record_excluded(&mut self, ids: &[SampleId]) {
        self.removed_ids.extend_from_slice(ids);
        self.removed_ids.sort_unstable();
        self.removed_ids.dedup();
    }

    /// The ensemble's lineage, with the keys of a single model's [`Lineage`]:
    /// `weights_sha256` is [`SisaModel::weights_sha256`], `method` is `sisa-train` or
    /// `sisa`, `method_config` the [`SisaConfig`].
    pub fn lineage(&self) -> Lineage {
        Lineage {
            format_version: FORMAT_VERSION,
            spec: self.spec().clone(),
            train_config: serde_json::to_value(self.train_config.inner()).expect("serialises"),
            dataset: self.dataset.clone(),
            dataset_options: self.dataset_options.clone(),
            trained_ids_fingerprint: self.trained_ids_fingerprint.clone(),
            trained_samples: self.trained_samples(),
            parent_sha256: self.parent_sha256.clone(),
            method: self.method.clone(),
            method_config: serde_json::to_value(&self.config).expect("serialises"),
            forget_fingerprint: self.forget_fingerprint.clone(),
            forgotten_samples: self.removed_ids.len(),
            created_at: self.created_at.clone(),
            weights_sha256: self.weights_sha256(),
            extra: self.extra.clone(),
        }
    }

    /// Sets a free-form lineage entry (written to the file's `extra` metadata and kept
    /// across forgetting), e.g. the markers `oubli train --markers` stamped.
    pub fn set_extra(&mut self, key: &str, value: serde_json::Value) {
        self.extra.insert(key.to_string(), value);
    }

    /// A free-form lineage entry set with [`SisaModel::set_extra`].
    pub fn extra(&self, key: &str) -> Option<&serde_json::Value> {
        self.extra.get(key)
    }
}

/// Index of the largest entry; the first one on ties (as `oubli_model::Outputs` does).
fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold(
            (0, f32::MIN),
            |best, (i, &p)| if p > best.1 { (i, p) } else { best },
        )
        .0
}
