//! `noop`: returns the original model unchanged.
//!
//! A control, not a method: it exists so that the verification tools can show they catch a
//! method that does nothing (its forget accuracy stays at the original's).

use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};

/// `noop` takes no hyperparameter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoopConfig {}

impl MethodConfig for NoopConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        Ok(())
    }
}

/// The do-nothing control.
pub struct Noop;

impl Unlearner for Noop {
    const NAME: &'static str = "noop";
    const FAMILY: &'static str = "baseline";
    const SUMMARY: &'static str =
        "returns the original model unchanged (a control the verifier must catch)";
    const PAPER: &'static str = "—";
    type Config = NoopConfig;
    fn unlearn(_: &NoopConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        Ok(Unlearned {
            params: ctx.original.clone(),
            stats: UnlearnStats::default(),
        })
    }
}
