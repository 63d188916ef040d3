//! Parameter updates recorded during training, for the amnesiac method.

use oubli_data::SampleId;
use serde::{Deserialize, Serialize};

/// One recorded optimisation step: which samples were in the batch and how the parameters
/// moved (`after − before`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredStep {
    /// Sample ids in the batch.
    pub ids: Vec<SampleId>,
    /// Parameter change of the step.
    pub delta: Vec<f32>,
}

/// Every recorded step of a training run (or only those touching watched samples).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredUpdates {
    /// The steps, in training order.
    pub steps: Vec<StoredStep>,
}
