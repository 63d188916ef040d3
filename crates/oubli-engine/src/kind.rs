//! [`AnyModel`]: the one front door over the three kinds of model file. Callers load,
//! predict, save and read lineage without matching on the kind; the kind decides which
//! deletion methods apply ([`crate::apply`]).

use crate::certified::{CertifiedFile, Features};
use crate::EngineError;
use oubli_data::{fingerprint, Dataset, SampleId, Split};
use oubli_model::file::ModelFile;
use oubli_model::{Network, Outputs};
use oubli_sisa::{is_sisa_file, SisaModel};
use serde::Serialize;
use std::path::Path;

/// The three kinds of model oubli writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One network (logreg, mlp, cnn) in PyTorch's layout.
    Single,
    /// A SISA ensemble with its checkpoints (`FILE.ckpt/`).
    Sisa,
    /// A certified-removal linear model (Guo et al. 2020).
    Certified,
}

impl Kind {
    /// The kind in a sentence ("a SISA ensemble").
    pub fn article(self) -> &'static str {
        match self {
            Self::Single => "a single model",
            Self::Sisa => "a SISA ensemble",
            Self::Certified => "a certified-removal model",
        }
    }

    /// The one method an exact kind forgets with; `None` for single models, which take any
    /// registered method.
    pub fn own_method(self) -> Option<&'static str> {
        match self {
            Self::Single => None,
            Self::Sisa => Some(oubli_sisa::METHOD_FORGET),
            Self::Certified => Some(crate::certified::METHOD_FORGET),
        }
    }

    /// Short name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Sisa => "sisa",
            Self::Certified => "certified",
        }
    }
}

/// A single network with the `Network` built once, so predictions do not rebuild it.
#[derive(Debug, Clone)]
pub struct SingleModel {
    /// Weights and lineage.
    pub file: ModelFile,
    pub(crate) net: Network,
}

impl SingleModel {
    /// Wraps a model file, building its network.
    pub fn new(file: ModelFile) -> Result<Self, EngineError> {
        let net = Network::new(file.lineage.spec.clone())?;
        Ok(Self { file, net })
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }
}

/// A certified model with its feature extractor opened once.
#[derive(Clone)]
pub struct CertifiedBundle {
    /// Model state and lineage.
    pub file: CertifiedFile,
    /// Where its features come from.
    pub features: Features,
}

/// A loaded model of any kind.
#[derive(Clone)]
pub enum AnyModel {
    /// A single network.
    Single(Box<SingleModel>),
    /// A SISA ensemble with its checkpoints.
    Sisa(Box<SisaModel>),
    /// A certified-removal logistic regression.
    Certified(Box<CertifiedBundle>),
}

/// What every kind records about where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineageView {
    /// The kind.
    pub kind: Kind,
    /// Dataset trained on.
    pub dataset: String,
    /// Hash of the weights.
    pub weights_sha256: String,
    /// The parent's hash, for a model derived from another.
    pub parent_sha256: Option<String>,
    /// What produced the weights.
    pub method: String,
    /// Every sample id removed along the lineage, sorted.
    pub removed_ids: Vec<SampleId>,
    /// Fingerprint of the ids trained on now.
    pub trained_ids_fingerprint: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

impl AnyModel {
    /// Loads `path`, telling the kind from its header (read once). A file that is neither an
    /// ensemble nor a certified model goes to the single-model loader, whose errors name
    /// the problem.
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        Ok(if is_sisa_file(path) {
            Self::Sisa(Box::new(SisaModel::load(path)?))
        } else if crate::certified::is_certified_file(path) {
            let file = CertifiedFile::load(path)?;
            let features = Features::of(&file.meta)?;
            Self::Certified(Box::new(CertifiedBundle { file, features }))
        } else {
            Self::Single(Box::new(SingleModel::new(ModelFile::load(path)?)?))
        })
    }

    /// Writes the model to `path` atomically (SISA checkpoints go to `path.ckpt/`); returns
    /// `weights_sha256`.
    pub fn save(&mut self, path: &Path) -> Result<String, EngineError> {
        Ok(match self {
            Self::Single(m) => m.file.save(path)?,
            Self::Sisa(m) => m.save(path)?,
            Self::Certified(c) => c.file.save(path)?,
        })
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Single(_) => Kind::Single,
            Self::Sisa(_) => Kind::Sisa,
            Self::Certified(_) => Kind::Certified,
        }
    }

    /// The dataset the model was trained on.
    pub fn dataset(&self) -> &str {
        match self {
            Self::Single(m) => &m.file.lineage.dataset,
            Self::Sisa(m) => m.dataset(),
            Self::Certified(c) => &c.file.meta.dataset,
        }
    }

    /// The dataset trained on, with the CSV options it was loaded with, so it can be
    /// loaded again exactly as it was.
    pub fn dataset_spec(&self) -> oubli_data::DatasetSpec {
        match self {
            Self::Single(m) => m.file.lineage.dataset_spec(),
            Self::Sisa(m) => m.dataset_spec(),
            Self::Certified(c) => c.file.meta.dataset_spec(),
        }
    }

    /// Lineage in one shape for every kind.
    pub fn lineage(&self) -> LineageView {
        let kind = self.kind();
        match self {
            Self::Single(m) => {
                let l = &m.file.lineage;
                LineageView {
                    kind,
                    dataset: l.dataset.clone(),
                    weights_sha256: m.file.params.sha256(),
                    parent_sha256: l.parent_sha256.clone(),
                    method: l.method.clone(),
                    removed_ids: l.removed_ids(),
                    trained_ids_fingerprint: l.trained_ids_fingerprint.clone(),
                    created_at: l.created_at.clone(),
                }
            }
            Self::Sisa(m) => {
                let l = m.lineage();
                LineageView {
                    kind,
                    dataset: l.dataset,
                    weights_sha256: m.weights_sha256(),
                    parent_sha256: l.parent_sha256,
                    method: l.method,
                    removed_ids: m.removed_ids().to_vec(),
                    trained_ids_fingerprint: l.trained_ids_fingerprint,
                    created_at: l.created_at,
                }
            }
            Self::Certified(c) => {
                let m = &c.file.meta;
                LineageView {
                    kind,
                    dataset: m.dataset.clone(),
                    weights_sha256: crate::certified::weights_sha256(&c.file.model),
                    parent_sha256: m.parent_sha256.clone(),
                    method: m.method.clone(),
                    removed_ids: m.removed_ids.clone(),
                    trained_ids_fingerprint: m.trained_ids_fingerprint.clone(),
                    created_at: m.created_at.clone(),
                }
            }
        }
    }

    /// Floats per input sample.
    pub fn input_dim(&self) -> usize {
        match self {
            Self::Single(m) => m.net.spec().input_dim(),
            Self::Sisa(m) => m.spec().input_dim(),
            Self::Certified(c) => c
                .features
                .extractor_input_dim()
                .unwrap_or(c.file.model.dim()),
        }
    }

    /// Classes predicted.
    pub fn num_classes(&self) -> usize {
        match self {
            Self::Single(m) => m.net.spec().num_classes,
            Self::Sisa(m) => m.spec().num_classes,
            Self::Certified(c) => c.file.model.num_classes(),
        }
    }

    fn check_dim(&self, dataset: &Dataset) -> Result<(), EngineError> {
        let expected = self.input_dim();
        if expected != dataset.dim() {
            return Err(EngineError::InputSize {
                what: "the model",
                expected,
                found: dataset.dim(),
                dataset: dataset.name.clone(),
            });
        }
        Ok(())
    }

    /// Class probabilities, row-major `[n, classes]`, for `n` raw input rows.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>, EngineError> {
        let dim = self.input_dim();
        if dim == 0 || !x.len().is_multiple_of(dim) {
            return Err(EngineError::RaggedInput {
                floats: x.len(),
                dim,
            });
        }
        let n = x.len() / dim;
        Ok(match self {
            Self::Single(m) => m.net.probabilities(&m.file.params, x, n),
            Self::Sisa(m) => m.probabilities(x, n),
            Self::Certified(c) => {
                let feats = c.features.rows(x, n);
                c.file
                    .model
                    .predict_proba(&feats)?
                    .into_iter()
                    .map(|p| p as f32)
                    .collect()
            }
        })
    }

    /// Per-sample outputs on `split` of `dataset`, after checking the input size.
    pub fn outputs(&self, dataset: &Dataset, split: &Split) -> Result<Outputs, EngineError> {
        self.check_dim(dataset)?;
        Ok(match self {
            Self::Single(m) => Outputs::compute(&m.net, &m.file.params, split),
            Self::Sisa(m) => m.outputs(split),
            Self::Certified(c) => {
                crate::certified::outputs(&c.file.model, &c.features.split(split))?
            }
        })
    }

    /// The data the model is trained on now: `dataset` minus the lineage's removed ids,
    /// checked against the recorded fingerprint. Every command that reads a model with data
    /// goes through here, so other split options or another file are refused, never
    /// evaluated as if they were the model's own.
    pub fn training_data(&self, dataset: &Dataset) -> Result<Dataset, EngineError> {
        self.check_dim(dataset)?;
        let lineage = self.lineage();
        trained_on(
            dataset,
            &lineage.removed_ids,
            &lineage.trained_ids_fingerprint,
        )
    }
}

/// `dataset` minus `removed`, checked against `expected` (a recorded fingerprint). Removed
/// ids the dataset no longer holds (erased from a store, tombstoned) are skipped: the
/// fingerprint check is what proves the data is the model's own.
pub fn trained_on(
    dataset: &Dataset,
    removed: &[SampleId],
    expected: &str,
) -> Result<Dataset, EngineError> {
    let present = dataset.train.id_index();
    let here: Vec<SampleId> = removed
        .iter()
        .copied()
        .filter(|id| present.contains_key(id))
        .collect();
    let mut data = dataset.clone();
    data.exclude(&here)?;
    let found = fingerprint(&data.train.ids);
    if found != expected {
        return Err(EngineError::NotTrainedOn {
            dataset: dataset.name.clone(),
            removed: removed.len(),
            samples: data.train.len(),
            found,
            expected: expected.to_string(),
        });
    }
    Ok(data)
}
