//! The one small trait every unlearning method implements, and what it is given.

use crate::ForgetError;
use oubli_data::Split;
use oubli_model::{Network, Params, ValidTrainConfig};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Everything a method may use. The original model, the forget set, the retain set (the
/// training data minus the forget set) and, optionally, a validation set.
pub struct ForgetContext<'a> {
    /// The network (architecture) of the model.
    pub net: &'a Network,
    /// The trained model's parameters.
    pub original: &'a Params,
    /// The config the original was trained with (for `retrain`, and as a scale for others).
    pub train_config: &'a ValidTrainConfig,
    /// Samples to forget.
    pub forget: &'a Split,
    /// Samples to keep.
    pub retain: &'a Split,
    /// Held-out samples, if the caller has some (the test split is *not* passed here).
    pub validation: Option<&'a Split>,
    /// Seed for every random choice the method makes.
    pub seed: u64,
    /// Stored per-batch updates recorded during training (amnesiac), if any.
    pub stored_updates: Option<&'a crate::StoredUpdates>,
    /// Why the forget set goes: genuine data (the default) or poisoned data, whose labels a
    /// model that never saw them contradicts.
    pub reason: crate::ForgetReason,
}

/// The statistics every method reports, so that costs are comparable.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnlearnStats {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Epochs (passes) run, where the notion applies.
    pub epochs: usize,
    /// Optimisation or update steps.
    pub steps: usize,
    /// Per-sample gradient evaluations (forward+backward per sample), the unit retraining is
    /// counted in too.
    pub sample_gradients: u64,
    /// True when the collapse guard stopped the method early.
    pub collapse_guard_triggered: bool,
    /// Plain-language notes (e.g. why the guard fired).
    pub notes: Vec<String>,
}

/// A method's result.
pub struct Unlearned {
    /// The new parameters (same architecture).
    pub params: Params,
    /// What it cost.
    pub stats: UnlearnStats,
}

/// A validated method config: `Config` → `validate()` → the value the method runs with.
pub trait MethodConfig: Serialize + DeserializeOwned + Default + Clone {
    /// Checks every field, one typed error per invalid field.
    fn validate(&self) -> Result<(), ForgetError>;
}

/// One unlearning method. Implement this in one file and add one line to the registry.
pub trait Unlearner {
    /// Registry name, e.g. `neggrad-plus`.
    const NAME: &'static str;
    /// Family: `exact`, `fine-tuning`, `regularisation`, `distillation`, `stored-updates`,
    /// `baseline`.
    const FAMILY: &'static str;
    /// One line: what it does.
    const SUMMARY: &'static str;
    /// The paper it implements.
    const PAPER: &'static str;
    /// Its hyperparameters.
    type Config: MethodConfig;
    /// Produces a model that has forgotten `ctx.forget`.
    fn unlearn(config: &Self::Config, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError>;
}

/// Helper for `MethodConfig::validate`: an error naming the field.
pub fn invalid(
    method: &'static str,
    field: &'static str,
    problem: impl Into<String>,
) -> ForgetError {
    ForgetError::InvalidConfig {
        method,
        field,
        problem: problem.into(),
    }
}
