//! Why a scenario cannot run.

use thiserror::Error;

/// A scenario's refusal, naming the setting at fault.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// A parameter outside its range.
    #[error("{field}: {reason}")]
    InvalidParam {
        /// The parameter.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The dataset does not suit the scenario.
    #[error("dataset `{dataset}`: {reason}")]
    UnsuitableDataset {
        /// Its name.
        dataset: String,
        /// Why.
        reason: String,
    },
    /// The influence estimate could not be computed (a singular Hessian, say).
    #[error("influence estimate: {0}")]
    Influence(String),
    /// Training or forgetting failed.
    #[error(transparent)]
    Engine(#[from] oubli_engine::EngineError),
    /// A request's selection does not resolve on the data.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
    /// Verifying a result failed.
    #[error(transparent)]
    Audit(#[from] oubli_audit::AuditError),
}
