//! `oubli bench`: every method against the retrain-from-scratch oracle, over seeds.
//!
//! For each seed: train the original once; for each scenario, resolve its forget set, retrain
//! the oracle, run each method and audit it against the oracle exactly as `oubli verify`
//! does (one [`oubli_audit::Auditor`] per seed and scenario, so the oracle's evidence and any
//! LiRA shadows are shared by the methods): forget / retain / test accuracy, every
//! membership-inference attack, the divergence to the oracle, relearn time and the verdict,
//! with seconds and sample-gradient evaluations. Summaries report mean ± std over seeds, the
//! average absolute gap to the oracle (the original model's own gap is the floor to compare
//! with), speed-ups over retraining in seconds and in sample gradients, and verdict counts.

mod matrix;
mod scenario;
mod summary;

pub use matrix::{run_matrix, AttackRecord, BenchConfig, RunRecord};
pub use scenario::Scenario;
pub use summary::{
    summarise, summarise_all, summarise_attacks, AttackSummary, MethodSummary, Stat, Summary,
};

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
    /// Auditing a method failed.
    #[error(transparent)]
    Audit(#[from] oubli_audit::AuditError),
    /// Writing results failed.
    #[error("{0}")]
    Io(String),
}
