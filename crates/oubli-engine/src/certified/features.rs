//! Where a certified model's features come from: the dataset itself, or the penultimate
//! layer of a frozen network. Opened once per loaded model.

use super::file::{is_certified_file, CertifiedMeta};
use crate::EngineError;
use oubli_data::{Dataset, Split};
use oubli_model::file::ModelFile;
use oubli_model::Network;
use std::path::Path;

/// The feature map of a certified model.
#[derive(Debug, Clone)]
pub struct Features {
    extractor: Option<(Network, ModelFile)>,
}

impl Features {
    /// Loads the extractor at `path` (or none), checking it is a single oubli model.
    pub fn open(path: Option<&Path>) -> Result<Self, EngineError> {
        let Some(path) = path else {
            return Ok(Self { extractor: None });
        };
        if oubli_sisa::is_sisa_file(path) || is_certified_file(path) {
            return Err(EngineError::ExtractorKind(path.to_path_buf()));
        }
        let model = ModelFile::load(path)?;
        let net = Network::new(model.lineage.spec.clone())?;
        Ok(Self {
            extractor: Some((net, model)),
        })
    }

    /// Opens the extractor a certified file records, refusing one whose weights changed.
    pub fn of(meta: &CertifiedMeta) -> Result<Self, EngineError> {
        let f = Self::open(meta.feature_extractor.as_deref().map(Path::new))?;
        if let (Some((_, m)), Some(want)) = (&f.extractor, &meta.feature_extractor_sha256) {
            let found = m.params.sha256();
            if &found != want {
                return Err(EngineError::ExtractorChanged {
                    path: meta.feature_extractor.clone().unwrap_or_default(),
                    found,
                    expected: want.clone(),
                });
            }
        }
        Ok(f)
    }

    /// The extractor's model file, if any.
    pub fn extractor(&self) -> Option<&ModelFile> {
        self.extractor.as_ref().map(|(_, m)| m)
    }

    /// Floats the extractor takes per sample, if there is one.
    pub fn extractor_input_dim(&self) -> Option<usize> {
        self.extractor
            .as_ref()
            .map(|(net, _)| net.spec().input_dim())
    }

    /// Floats the dataset must have per sample.
    pub fn input_dim(&self, dataset: &Dataset) -> usize {
        self.extractor_input_dim().unwrap_or(dataset.dim())
    }

    /// `n` raw rows in feature space.
    pub fn rows(&self, x: &[f32], n: usize) -> Vec<f32> {
        match &self.extractor {
            Some((net, m)) => net.penultimate(&m.params, x, n),
            None => x.to_vec(),
        }
    }

    /// `split` in feature space.
    pub fn split(&self, split: &Split) -> Split {
        let Some((net, _)) = &self.extractor else {
            return split.clone();
        };
        Split {
            features: self.rows(&split.features, split.len()),
            dim: net.penultimate_dim(),
            ..split.clone()
        }
    }

    /// The dataset in feature space (ids, labels, owners and groups unchanged). Always
    /// computed over the whole split, before any exclusion, so every run sees the same rows
    /// in the same batches and hence bit-identical features.
    pub fn dataset(&self, dataset: &Dataset) -> Result<Dataset, EngineError> {
        let expected = self.input_dim(dataset);
        if expected != dataset.dim() {
            return Err(EngineError::InputSize {
                what: "the feature extractor",
                expected,
                found: dataset.dim(),
                dataset: dataset.name.clone(),
            });
        }
        let (train, test) = (self.split(&dataset.train), self.split(&dataset.test));
        Ok(Dataset {
            shape: vec![train.dim],
            train,
            test,
            ..dataset.clone()
        })
    }
}
