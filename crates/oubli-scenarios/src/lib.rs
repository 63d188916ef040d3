//! Scenarios: one situation a user comes with, set up on real data, every relevant method
//! applied through [`oubli_engine::apply`] (the path the CLI and the worker use), and the
//! outcome measured against the retrain-from-scratch oracle.
//!
//! - [`backdoor`]: BadNets poisoning (Gu et al. 2017) removed by forgetting the poisoned
//!   samples, all of them or only the share that was found.
//! - [`fairness`]: the training samples that most widen a demographic-parity gap, found by
//!   their influence and forgotten, with the gaps and accuracy before and after.

pub mod backdoor;
mod error;
pub mod fairness;

pub use error::ScenarioError;
