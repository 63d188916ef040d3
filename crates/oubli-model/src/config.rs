//! Training hyperparameters, checked before use (`TrainConfig` → `ValidTrainConfig`).

use crate::optim::{OptimizerKind, Schedule};
use crate::ModelError;
use serde::{Deserialize, Serialize};

/// Training hyperparameters. Every field has a documented default that trains the built-in
/// datasets well; one `seed` drives every random choice (initialisation and shuffling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Passes over the training data. Default: 10.
    pub epochs: usize,
    /// Samples per minibatch. Default: 64.
    pub batch_size: usize,
    /// Base learning rate. Default: 1e-3 (Adam).
    pub lr: f64,
    /// Optimiser. Default: `adam`.
    pub optimizer: OptimizerKind,
    /// SGD momentum (ignored by Adam). Default: 0.9.
    pub momentum: f64,
    /// L2 weight decay on weights (not biases). Default: 0.0.
    pub weight_decay: f64,
    /// Learning-rate schedule. Default: cosine.
    pub schedule: Schedule,
    /// The one seed behind every RNG. Default: 0.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 64,
            lr: 1e-3,
            optimizer: OptimizerKind::Adam,
            momentum: 0.9,
            weight_decay: 0.0,
            schedule: Schedule::Cosine,
            seed: 0,
        }
    }
}

/// A [`TrainConfig`] whose fields have been checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidTrainConfig(TrainConfig);

impl std::ops::Deref for ValidTrainConfig {
    type Target = TrainConfig;
    fn deref(&self) -> &TrainConfig {
        &self.0
    }
}

fn invalid(field: &'static str, problem: impl Into<String>) -> ModelError {
    ModelError::InvalidConfig {
        field,
        problem: problem.into(),
    }
}

impl TrainConfig {
    /// Checks every field; one error per invalid field, naming it.
    pub fn validate(self) -> Result<ValidTrainConfig, ModelError> {
        if self.epochs == 0 {
            return Err(invalid("epochs", "must be at least 1"));
        }
        if self.batch_size == 0 {
            return Err(invalid("batch_size", "must be at least 1"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(invalid(
                "lr",
                format!("must be a positive number, got {}", self.lr),
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(invalid(
                "momentum",
                format!("must be in [0, 1), got {}", self.momentum),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(invalid("weight_decay", "must be a non-negative number"));
        }
        if let Schedule::Step {
            every_epochs,
            gamma,
        } = self.schedule
        {
            if every_epochs == 0 || !(gamma > 0.0 && gamma <= 1.0) {
                return Err(invalid(
                    "schedule",
                    "step needs every_epochs ≥ 1 and 0 < gamma ≤ 1",
                ));
            }
        }
        Ok(ValidTrainConfig(self))
    }
}

impl ValidTrainConfig {
    /// The checked config.
    pub fn inner(&self) -> &TrainConfig {
        &self.0
    }
}

/// Derives an independent seed for a named RNG stream, so that adding a stream never
/// shifts another (SISA's exactness depends on each stream ignoring the others).
pub fn derive_seed(seed: u64, stream: &str, index: u64) -> u64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(stream.as_bytes());
    h.update(index.to_le_bytes());
    let out = h.finalize();
    u64::from_le_bytes(out[..8].try_into().expect("8 bytes"))
}
