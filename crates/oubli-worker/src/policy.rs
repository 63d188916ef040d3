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
    /// The method for the next batch: a SISA ensemble's or certified model's own exact
    /// method always; for a single network `retrain` when one is due (every batch with
    /// `retrain_every_requests = 0`; else once `approximate_since_exact` requests were
    /// answered approximately since the last exact model, or that model is
    /// `hours_since_exact` old or older), the approximate method otherwise. The worker and
    /// the user-stream scenario both decide with this, so a simulated stream follows the
    /// service's cadence exactly.
    pub fn method_for(
        &self,
        kind: oubli_engine::Kind,
        approximate_since_exact: usize,
        hours_since_exact: f64,
    ) -> String {
        if let Some(own) = kind.own_method() {
            return own.to_string();
        }
        if self.retrain_every_requests == 0
            || approximate_since_exact >= self.retrain_every_requests
            || hours_since_exact >= self.retrain_every_hours
        {
            "retrain".into()
        } else {
            self.approximate_method.clone()
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use oubli_engine::Kind;

    #[test]
    fn cadence_retrains_after_k_approximate_requests_or_when_the_exact_model_is_old() {
        let p = Policy {
            retrain_every_requests: 3,
            retrain_every_hours: 24.0,
            ..Policy::default()
        };
        let m = |since, hours| p.method_for(Kind::Single, since, hours);
        assert_eq!(m(0, 0.0), "neggrad-plus");
        assert_eq!(m(2, 23.9), "neggrad-plus");
        assert_eq!(m(3, 0.0), "retrain");
        assert_eq!(m(0, 24.0), "retrain");
        assert_eq!(
            m(usize::MAX, f64::INFINITY),
            "retrain",
            "no exact model yet"
        );
        assert_eq!(p.method_for(Kind::Sisa, 9, 99.0), "sisa");
        assert_eq!(p.method_for(Kind::Certified, 9, 99.0), "certified");
        let exact_only = Policy {
            retrain_every_requests: 0,
            ..Policy::default()
        };
        assert_eq!(exact_only.method_for(Kind::Single, 0, 0.0), "retrain");
    }
}
