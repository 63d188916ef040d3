//! Scenarios: one situation a user comes with, set up on real data, every relevant method
//! applied through [`oubli_engine::apply`] (the path the CLI and the worker use), and the
//! outcome measured against the retrain-from-scratch oracle.
//!
//! - [`backdoor`]: BadNets poisoning (Gu et al. 2017) removed by forgetting the poisoned
//!   samples, all of them or only the share that was found.
//! - [`demo`]: `oubli demo`, the tour on digits: plain and SISA models, an owner, a class
//!   and poisoned samples forgotten with exact and approximate methods, each verified.
//! - [`stream`]: a stream of per-user deletion requests applied one by one under the
//!   deletion worker's policies (exact SISA, approximate with periodic retraining,
//!   approximate only, certified), against the retrain oracle over the stream.
//! - [`fairness`]: the training samples that most widen a demographic-parity gap, found by
//!   their influence and forgotten, with the gaps and accuracy before and after.

pub mod backdoor;
pub mod demo;
mod error;
pub mod fairness;
pub mod stream;

pub use error::ScenarioError;
