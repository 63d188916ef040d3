//! The durable deletion store of oubli: one SQLite file (WAL, `synchronous=FULL`,
//! `secure_delete=ON`) holding the training data, the deletion requests, the model
//! versions and a hash-chained audit log, plus signed deletion certificates.
//!
//! - [`Store::init`] copies a [`oubli_data::Dataset`] in; [`Store::dataset`] rebuilds it,
//!   minus erased samples, for every later training (no training reads the original files).
//! - [`Store::submit_many`] records requests durably in one transaction (group commit).
//! - [`Store::erase_many`] deletes the subjects' rows, keeps [`Tombstone`]s, and truncates the
//!   WAL so the erased bytes are in neither file.
//! - [`Store::mark_applied`] / [`Store::mark_verified`] / [`Store::mark_failed`] move requests
//!   through [`Status`]; verification issues a signed [`Certificate`], which
//!   [`verify_certificate`] checks offline with the public key alone.
//! - Every change appends to the audit log in its own transaction; [`Store::verify_chain`]
//!   names the first broken link.
//!
//! The crate knows nothing of HTTP, command lines or model formats. See the README for the
//! schema and what each guarantee does and does not cover.
//!
//! ```
//! use oubli_ledger::{Status, Store, StoreOptions, Subject};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let data = oubli_data::load("digits", &Default::default()).unwrap();
//! let store = Store::init(dir.path(), &data, StoreOptions::default()).unwrap();
//! let req = store.submit(&Subject::Owner("7".into())).unwrap();
//! let erased = store.erase(&req.id).unwrap();
//! assert_eq!(erased.status, Status::Erased);
//! assert!(store.dataset().unwrap().train.owners.iter().all(|o| o.as_deref() != Some("7")));
//! store.verify_chain().unwrap();
//! ```

#![warn(missing_docs)]

mod audit;
pub mod canonical;
mod certificate;
mod chain;
mod clock;
mod erase;
mod error;
mod export;
mod keys;
mod model_files;
mod models;
mod query;
mod requests;
mod samples;
mod schema;
mod state_check;
mod store;
mod transitions;

pub use audit::{AuditEntry, ChainPosition, ChainReport};
pub use certificate::{
    verify_certificate, Certificate, ModelRef, CERTIFICATE_FORMAT, DOES_NOT_PROVE,
};
pub use chain::{entry_hash, verify_entries, GENESIS_HASH};
pub use clock::Timestamp;
pub use ed25519_dalek::VerifyingKey;
pub use erase::{Erasure, Tombstone};
pub use error::LedgerError;
pub use export::{StoreExport, StoreStatus, EXPORT_FORMAT};
pub use keys::{parse_public_key, read_public_key, PUBLIC_KEY_FILE, SECRET_KEY_FILE};
pub use models::{ModelVersion, NewModel};
pub use query::{DeletionRequest, QueueMetrics};
pub use requests::{Status, Subject, Submitted};
pub use samples::feature_bytes;
pub use schema::SCHEMA_VERSION;
pub use state_check::StateReport;
pub use store::{Clock, Store, StoreOptions, DB_FILE, MODELS_DIR};
pub use transitions::MAX_EXTENSION_MONTHS;
