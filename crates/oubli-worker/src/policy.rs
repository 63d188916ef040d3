//! The worker's policy: which method answers a request, when a full retrain happens, and
//! what a result must pass before it is served. Read from TOML (`oubli serve --config`).

use serde::{Deserialize, Serialize};

/// How deletions are applied. Every field has a default, so an empty file is a policy.
///
/// ```toml
/// batch_max = 64
/// approximate_method = "neggrad-plus"
/// retrain_every_requests = 20
/// retrain_every_hours = 24.0
/// max_test_accuracy_drop = 0.03
/// max_attempts = 3
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Requests applied together in one batch (one model update per batch). Default: 64.
    pub batch_max: usize,
    /// Method for single networks between full retrains (see `oubli methods`). SISA
    /// ensembles always use `sisa` and certified models `certified` (exact / provable).
    /// Default: `neggrad-plus`.
    pub approximate_method: String,
    /// A full retrain of a single network after this many requests answered approximately.
    /// 0 means every batch is retrained (exact only). Default: 20.
    pub retrain_every_requests: usize,
    /// … or when the last exact model is older than this many hours. Default: 24.
    pub retrain_every_hours: f64,
    /// A result is refused if its test accuracy is more than this below the model it
    /// replaces (a fraction: 0.03 is 3 points). Default: 0.03.
    pub max_test_accuracy_drop: f64,
    /// Attempts before a failing request stays `failed`. Default: 3.
    pub max_attempts: u32,
    /// Seed of the approximate method's random choices. Default: 0.
    pub seed: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            batch_max: 64,
            approximate_method: "neggrad-plus".into(),
            retrain_every_requests: 20,
            retrain_every_hours: 24.0,
            max_test_accuracy_drop: 0.03,
            max_attempts: 3,
            seed: 0,
        }
    }
}

impl Policy {
    /// Parses a TOML policy, refusing unknown keys and impossible values.
    pub fn from_toml(text: &str) -> Result<Self, crate::WorkerError> {
        let p: Policy =
            toml::from_str(text).map_err(|e| crate::WorkerError::Policy(e.to_string()))?;
        p.validate()
    }

    /// Checks every field.
    pub fn validate(self) -> Result<Self, crate::WorkerError> {
        let bad = |m: &str| Err(crate::WorkerError::Policy(m.to_string()));
        if self.batch_max == 0 {
            return bad("batch_max must be at least 1");
        }
        if self.retrain_every_hours.is_nan() || self.retrain_every_hours <= 0.0 {
            return bad("retrain_every_hours must be positive");
        }
        if !(0.0..=1.0).contains(&self.max_test_accuracy_drop) {
            return bad("max_test_accuracy_drop is a fraction in [0, 1]");
        }
        if self.max_attempts == 0 {
            return bad("max_attempts must be at least 1");
        }
        if oubli_forget_known(&self.approximate_method).is_err() {
            return bad("approximate_method is not a registered method (see `oubli methods`)");
        }
        Ok(self)
    }
}

fn oubli_forget_known(name: &str) -> Result<(), ()> {
    match name {
        "sisa" | "certified" => Err(()),
        other => oubli_engine::method_exists(other).then_some(()).ok_or(()),
    }
}
