//! The worker's errors.

/// What can stop a worker step.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The policy file is invalid.
    #[error("worker policy: {0}")]
    Policy(String),
    /// The store has no active model to apply deletions to.
    #[error("the store has no active model: train one with `oubli store init`")]
    NoActiveModel,
    /// From the store.
    #[error(transparent)]
    Ledger(#[from] oubli_ledger::LedgerError),
    /// From the data.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
    /// From the engine.
    #[error(transparent)]
    Engine(#[from] oubli_engine::EngineError),
}
