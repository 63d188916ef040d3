//! The NeurIPS 2023 Machine Unlearning challenge score from N unlearning runs
//! and N retrains (see [`oubli_verify::epsilon`]).
//!
//! Unlearning run `i` starts from the original with method seed `i`; the
//! training config it is handed has its seed replaced by
//! `derive_seed(train_seed, "challenge-unlearn", i)`, so that a method whose
//! only randomness is the training seed (`retrain`) varies between runs too,
//! as the challenge's retrain-based baselines do. Retrain `i` trains from
//! scratch on the retain set with seed `derive_seed(train_seed,
//! "challenge-retrain", i)`. Every forget sample's output is φ of its true
//! class, the statistic the organisers used.

use oubli_data::Split;
use oubli_forget::{find, ForgetContext};
use oubli_model::{derive_seed, train, Network, Params, Silent, TrainConfig, ValidTrainConfig};
use oubli_verify::ChallengeScore;

use crate::family::{Family, Fitted};
use crate::outputs::SetOutputs;
use crate::AuditError;

/// Inputs of the challenge runs.
pub(crate) struct ChallengePlan<'a> {
    /// The architecture.
    pub net: &'a Network,
    /// The original model the method starts from.
    pub original: &'a Params,
    /// The original's training config.
    pub train_config: &'a ValidTrainConfig,
    /// Forget set (every sample gets an ε).
    pub forget: &'a Split,
    /// The whole retain set (retrains train on it, methods may use it).
    pub retain: &'a Split,
    /// Retain samples for the accuracy ratio (the audit's subsample).
    pub retain_eval: &'a Split,
    /// Test split.
    pub test: &'a Split,
    /// N.
    pub runs: usize,
    /// Method name and config.
    pub method: (&'a str, Option<&'a serde_json::Value>),
}

/// Per-run outputs: φ of every forget sample, retain and test accuracy.
struct Run {
    phi: Vec<f64>,
    retain_acc: f64,
    test_acc: f64,
}

impl ChallengePlan<'_> {
    fn run_of(&self, params: &Params) -> Run {
        let family = Family::Net {
            net: self.net.clone(),
            config: self.train_config.clone(),
        };
        let model = Fitted::Net(params.clone());
        let on = |s: &Split| SetOutputs::compute(&family, &model, s);
        Run {
            phi: on(self.forget).phi,
            retain_acc: on(self.retain_eval).accuracy,
            test_acc: on(self.test).accuracy,
        }
    }

    fn config_with_seed(&self, stream: &str, i: usize) -> Result<ValidTrainConfig, AuditError> {
        Ok(TrainConfig {
            seed: derive_seed(self.train_config.seed, stream, i as u64),
            ..self.train_config.inner().clone()
        }
        .validate()?)
    }

    /// Runs the method and the retrain N times each and scores them.
    pub fn score(&self, progress: &mut dyn FnMut(&str)) -> Result<ChallengeScore, AuditError> {
        let entry = find(self.method.0)?;
        let (mut unlearned, mut retrained) = (Vec::new(), Vec::new());
        for i in 0..self.runs {
            progress(&format!(
                "challenge run {}/{}: {}",
                i + 1,
                self.runs,
                entry.name
            ));
            let config = self.config_with_seed("challenge-unlearn", i)?;
            let ctx = ForgetContext {
                net: self.net,
                original: self.original,
                train_config: &config,
                forget: self.forget,
                retain: self.retain,
                validation: None,
                seed: i as u64,
                stored_updates: None,
                reason: oubli_forget::ForgetReason::Privacy,
            };
            let ran = entry.run(self.method.1, &ctx)?;
            unlearned.push(self.run_of(&ran.unlearned.params));
            progress(&format!("challenge run {}/{}: retrain", i + 1, self.runs));
            let config = self.config_with_seed("challenge-retrain", i)?;
            let (params, _) = train(self.net, self.retain, &config, &mut Silent)?;
            retrained.push(self.run_of(&params));
        }
        let per_sample = |runs: &[Run]| -> Vec<Vec<f64>> {
            (0..self.forget.len())
                .map(|s| runs.iter().map(|r| r.phi[s]).collect())
                .collect()
        };
        let mean =
            |runs: &[Run], f: fn(&Run) -> f64| runs.iter().map(f).sum::<f64>() / runs.len() as f64;
        Ok(ChallengeScore::compute(
            &per_sample(&unlearned),
            &per_sample(&retrained),
            mean(&unlearned, |r| r.retain_acc),
            mean(&retrained, |r| r.retain_acc),
            mean(&unlearned, |r| r.test_acc),
            mean(&retrained, |r| r.test_acc),
        ))
    }
}
