//! Models, deterministic training and model files for oubli.
//!
//! burn 0.22 (flex CPU backend) computes forward and backward passes; parameters live in a
//! flat [`Params`] vector in PyTorch's layout, so every unlearning method is plain Rust and
//! every model file loads into the equivalent `torch.nn` module.

mod config;
mod error;
mod eval;
pub mod file;
mod fit;
pub mod memory;
mod network;
pub mod optim;
mod params;
pub mod side_by_side;
mod spec;
mod train;

pub use config::{derive_seed, TrainConfig, ValidTrainConfig};
pub use error::ModelError;
pub use eval::{argmax, evaluate, Evaluation, Outputs};
pub use fit::{fit, FitReport};
pub use network::{Network, PreparedNetwork};
pub use optim::{OptimizerKind, OptimizerState, Schedule};
pub use params::Params;
pub use side_by_side::{default_jobs, side_by_side};
pub use spec::{Arch, ModelSpec, ParamShape};
pub use train::{
    gather_rows, one_hot, train, train_from, Silent, StepRecord, TrainObserver, TrainStats,
    DIVERGENCE_FACTOR,
};
