//! `oubli bench`: every method against the retrain-from-scratch oracle, over seeds.
//!
//! For each seed: train the original, resolve the scenario's forget set, retrain the oracle,
//! run each method, and measure forget / retain / test accuracy, the NeurIPS-2023 simple
//! membership-inference attack (forget vs test losses), seconds and sample-gradient
//! evaluations. Summaries report mean ± std over seeds, the average absolute gap to the
//! oracle (the original model's own gap is the floor to compare with), and speed-ups over
//! retraining in seconds and in sample gradients.

mod matrix;
mod scenario;
mod summary;

pub use matrix::{run_matrix, BenchConfig, RunRecord};
pub use scenario::Scenario;
pub use summary::{summarise, MethodSummary, Stat, Summary};

/// Everything that can go wrong in a benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A scenario string could not be parsed or does not fit the dataset.
    #[error("scenario {0}")]
    Scenario(String),
    /// A method failed.
    #[error(transparent)]
    Forget(#[from] oubli_forget::ForgetError),
    /// Training failed.
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// Writing results failed.
    #[error("{0}")]
    Io(String),
}
