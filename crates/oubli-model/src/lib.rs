//! Models, deterministic training and model files for oubli.
//!
//! Parameters live in a flat [`Params`] vector in PyTorch's layout, so every unlearning
//! method is plain Rust and every model file loads into the equivalent `torch.nn` module.
//! Forward and backward passes are hand-written on the `gemm` crate; burn 0.22's autodiff
//! (flex CPU backend) is the reference they are checked against.

mod config;
mod error;
mod eval;
pub mod file;
mod fit;
pub mod memory;
mod native;
mod network;
pub mod optim;
mod params;
mod reference;
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
