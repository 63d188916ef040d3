//! The one error type of the store. Variants are typed so the HTTP layer can map them:
//! caller mistakes (4xx) are distinct from storage faults (5xx) and from tampering.

use crate::requests::Status;
use std::path::PathBuf;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No deletion request has this id (HTTP 404).
    #[error("unknown deletion request {0:?}")]
    UnknownRequest(String),
    /// The owner never had data in this store: no sample and no tombstone (HTTP 404 or 422).
    #[error("unknown owner {0:?}: no sample of the store ever belonged to it")]
    UnknownOwner(String),
    /// A sample id that was never in this store, erased or not (HTTP 404 or 422).
    #[error("unknown sample id {0}: it was never in this store")]
    UnknownSample(u64),
    /// A subject naming nothing: empty owner or empty id list (HTTP 400).
    #[error("invalid subject: {0}")]
    InvalidSubject(&'static str),
    /// A status change the state machine does not allow (HTTP 409).
    #[error("request {request}: cannot go from {from} to {to}")]
    InvalidTransition {
        /// The request.
        request: String,
        /// Its current status.
        from: Status,
        /// The status asked for.
        to: Status,
    },
    /// The deadline extension asked for is outside GDPR art. 12(3) (HTTP 422).
    #[error("request {request}: extension of {asked} month(s) refused, at most {left} left")]
    ExtensionRefused {
        /// The request.
        request: String,
        /// Months asked for.
        asked: u32,
        /// Months still allowed.
        left: u32,
    },
    /// Only a pending request's due date can move (HTTP 409).
    #[error(
        "request {request} is already {status}: only a pending request's due date can be extended"
    )]
    RequestClosed {
        /// The request.
        request: String,
        /// Its final status.
        status: Status,
    },
    /// An extension without its reason (HTTP 400): art. 12(3) requires the reasons be given.
    #[error("an extension needs a reason")]
    ExtensionWithoutReason,
    /// No model version has this number (HTTP 404).
    #[error("unknown model version {0}")]
    UnknownModel(i64),
    /// The model version was rejected and cannot be activated (HTTP 409).
    #[error("model version {version} was rejected: {reason}")]
    RejectedModel {
        /// The version.
        version: i64,
        /// Why it was rejected.
        reason: String,
    },
    /// The audit chain is broken at this entry (HTTP 500 and an alarm).
    #[error("audit log tampered at entry {seq}: {reason}")]
    Tampered {
        /// The first entry that does not check.
        seq: u64,
        /// What does not check.
        reason: String,
    },
    /// A table disagrees with the audit log: edited behind the log's back (HTTP 500 and an
    /// alarm). An erased sample whose row is back is reported here.
    #[error("store state does not match the audit log at {row}: {reason}")]
    Inconsistent {
        /// The row or table at fault (`request del_…`, `sample 42`, `models`).
        row: String,
        /// What differs.
        reason: String,
    },
    /// A certificate that fails verification: wrong key, edited field, bad signature.
    #[error("certificate does not verify: {0}")]
    BadCertificate(String),
    /// A public or private key file that cannot be read as a key.
    #[error("bad key in {path}: {reason}")]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting outside its range (HTTP 400 if it came from a request).
    #[error("invalid option {field}: {reason}")]
    InvalidOption {
        /// The setting.
        field: &'static str,
        /// Its allowed range.
        reason: &'static str,
    },
    /// A dataset whose per-sample vectors disagree in length, so it cannot be stored.
    #[error("dataset {name:?} cannot be stored: {reason}")]
    InvalidDataset {
        /// The dataset's name.
        name: String,
        /// What is inconsistent.
        reason: String,
    },
    /// `init` on a directory that already holds a store.
    #[error("{0} already holds a store")]
    AlreadyInitialised(PathBuf),
    /// `open` on a directory without a store.
    #[error("{0} holds no store (run init first)")]
    NoStore(PathBuf),
    /// The store was written by a newer version of oubli.
    #[error("store schema version {found} is newer than this build's {supported}")]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// The store's contents contradict themselves (a bug or an outside edit).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The WAL could not be checkpointed and truncated, so erased bytes may remain in it.
    #[error("WAL checkpoint incomplete ({busy} busy): erased bytes may remain in the -wal file until the next checkpoint")]
    CheckpointIncomplete {
        /// SQLite's busy flag: another connection held a read snapshot.
        busy: i64,
    },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file of the store could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// JSON in the store could not be read back.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl LedgerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LedgerError::Io {
            path: path.into(),
            source,
        }
    }
}
