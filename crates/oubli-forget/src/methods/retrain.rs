//! `retrain`: exact unlearning by retraining from scratch without the forget set.
//!
//! The oracle every other method is judged against: same spec, same training config, same
//! seed, so `oubli forget --method retrain` produces the very weights that
//! `oubli train --exclude-ids` does. Cost: a full training run.
//! (Cao & Yang, "Towards Making Systems Forget with Machine Unlearning", IEEE S&P 2015, name
//! retraining as the exact baseline.)

use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};

/// `retrain` reuses the original training config; it has no hyperparameter of its own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrainConfig {}

impl MethodConfig for RetrainConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        Ok(())
    }
}

/// Retrain from scratch on the retain set.
pub struct Retrain;

impl Unlearner for Retrain {
    const NAME: &'static str = "retrain";
    const FAMILY: &'static str = "exact";
    const SUMMARY: &'static str =
        "retrain from scratch without the forget set, same spec and seed (the oracle)";
    const PAPER: &'static str = "Cao & Yang, IEEE S&P 2015 (exact baseline)";
    type Config = RetrainConfig;
    fn unlearn(_: &RetrainConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let (params, train) = oubli_model::train(
            ctx.net,
            ctx.retain,
            ctx.train_config,
            &mut oubli_model::Silent,
        )?;
        let stats = UnlearnStats {
            seconds: train.seconds,
            epochs: ctx.train_config.epochs,
            steps: train.steps,
            sample_gradients: train.sample_gradients,
            ..UnlearnStats::default()
        };
        Ok(Unlearned { params, stats })
    }
}
