//! [`DeletionRequest`]: what to forget and how, as one value. CLI flags, an HTTP body and a
//! ledger row all become this, so every front end applies deletions the same way.

use oubli_data::Selection;
use oubli_forget::ForgetReason;
use serde::{Deserialize, Serialize};

/// A deletion to apply to a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeletionRequest {
    /// The samples to forget (ids, owners, classes, attributes, a random share; unioned).
    pub selection: Selection,
    /// Method name (`oubli methods`): `sisa` for an ensemble, `certified` for a certified
    /// model, any registered method for a single model.
    pub method: String,
    /// Method config; unspecified fields keep their defaults.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    /// Seed of the method's random choices.
    #[serde(default)]
    pub seed: u64,
    /// Why the samples go: `privacy` (the default) or `poisoned` (their labels are an
    /// attacker's; the approximate methods then forget until the model contradicts them).
    /// Exact methods (`retrain`, `sisa`, `certified`) do the same either way.
    #[serde(default)]
    pub reason: ForgetReason,
}

impl DeletionRequest {
    /// A request with the method's default config and seed 0.
    pub fn new(selection: Selection, method: impl Into<String>) -> Self {
        Self {
            selection,
            method: method.into(),
            config: None,
            seed: 0,
            reason: ForgetReason::Privacy,
        }
    }
}
