//! The deletion worker of an oubli store: applies pending requests in batches under a
//! documented [`Policy`], checks each result ([`checks`]) before it is served, and records
//! every outcome (erasure, model version, status, certificate) in the store. The HTTP
//! server runs it in the background; the user-stream scenario calls it directly, so both
//! measure the same code.

#![warn(missing_docs)]

mod bootstrap;
pub mod checks;
mod error;
mod policy;
mod worker;

pub use bootstrap::init_store;
pub use error::WorkerError;
pub use policy::Policy;
pub use worker::{load_active, StepReport, Worker};
