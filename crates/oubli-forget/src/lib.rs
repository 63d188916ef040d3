//! Unlearning: make a trained model forget a set of samples while keeping the rest.
//!
//! Every method implements one small trait, [`Unlearner`], and is listed by name in the
//! [`registry`]. Each reports its cost in wall seconds and in per-sample gradient
//! evaluations, the unit retraining is counted in, so methods compare on equal terms.

mod common;
mod curvature;
mod distill;
mod editing;
mod error;
pub mod methods;
mod reason;
mod registry;
pub mod request;
mod stored;
mod unlearner;

pub use common::{axpy, batch, epoch_batches, random_wrong_labels, rng, CollapseGuard, Stepper};
pub use editing::ForgetTarget;
pub use error::ForgetError;
pub use reason::ForgetReason;
pub use registry::{find, registry, MethodEntry, MethodInfo, Ran};
pub use request::{
    forget_model, forget_split, partition, removed_ids, training_data, ForgetReport, MethodRun,
};
pub use stored::{StoredStep, StoredUpdates, StoredUpdatesError, UpdateRecorder};
pub use unlearner::{invalid, ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
