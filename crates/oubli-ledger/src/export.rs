//! What `oubli store status` and `oubli store export` show. An export never contains
//! training data: only requests, tombstones, model versions and the audit log, which an
//! auditor can check offline with [`verify_entries`](crate::verify_entries).

use crate::store::get_meta;
use crate::{
    AuditEntry, ChainPosition, DeletionRequest, LedgerError, ModelVersion, Status, Store, Tombstone,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` of exports this build writes.
pub const EXPORT_FORMAT: &str = "oubli-store-export/1";

/// A summary of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreStatus {
    /// Schema version in force.
    pub schema_version: i64,
    /// When the store was created.
    pub created_at: String,
    /// The dataset's name.
    pub dataset: String,
    /// Training samples still held.
    pub train_samples: u64,
    /// Test samples still held.
    pub test_samples: u64,
    /// Erased samples.
    pub tombstones: u64,
    /// Erase transactions so far.
    pub erasures: i64,
    /// Requests by status.
    pub requests: BTreeMap<Status, u64>,
    /// Registered model versions.
    pub models: u64,
    /// The serving version.
    pub active_model: Option<ModelVersion>,
    /// The last audit entry, as recorded.
    pub audit_head: Option<ChainPosition>,
    /// The certificate public key, hex.
    pub public_key: String,
}

/// Everything but the training data, for an auditor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreExport {
    /// [`EXPORT_FORMAT`].
    pub format: String,
    /// The summary.
    pub status: StoreStatus,
    /// Every request, in arrival order.
    pub requests: Vec<DeletionRequest>,
    /// Every tombstone.
    pub tombstones: Vec<Tombstone>,
    /// Every model version.
    pub models: Vec<ModelVersion>,
    /// The whole audit log.
    pub audit: Vec<AuditEntry>,
    /// The head recorded with it (same snapshot as `audit`).
    pub audit_head: Option<ChainPosition>,
}

impl Store {
    /// A summary of the store.
    pub fn status(&self) -> Result<StoreStatus, LedgerError> {
        let (train, test, tombstones, models, created_at, audit_head) = {
            let conn = self.conn();
            let count = |sql: &str| -> Result<u64, LedgerError> {
                Ok(conn.query_row(sql, [], |r| r.get(0))?)
            };
            (
                count("SELECT COUNT(*) FROM samples WHERE split = 'train'")?,
                count("SELECT COUNT(*) FROM samples WHERE split = 'test'")?,
                count("SELECT COUNT(*) FROM tombstones")?,
                count("SELECT COUNT(*) FROM models")?,
                get_meta(&conn, "created_at")?
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                get_meta(&conn, "audit_head")?
                    .map(serde_json::from_value)
                    .transpose()?,
            )
        };
        Ok(StoreStatus {
            schema_version: self.schema_version()?,
            created_at,
            dataset: self.dataset_name()?,
            train_samples: train,
            test_samples: test,
            tombstones,
            erasures: self.erasures()?,
            requests: self.counts()?,
            models,
            active_model: self.active_model()?,
            audit_head,
            public_key: hex::encode(self.public_key().as_bytes()),
        })
    }

    /// Everything but the training data. The parts are read one after the other; another
    /// process writing meanwhile can make `requests` newer than `audit`, never `audit`
    /// inconsistent with `audit_head`.
    pub fn export(&self) -> Result<StoreExport, LedgerError> {
        let (audit, audit_head) = self.audit_log()?;
        Ok(StoreExport {
            format: EXPORT_FORMAT.into(),
            status: self.status()?,
            requests: self.requests(None, usize::MAX >> 1)?,
            tombstones: self.tombstones()?,
            models: self.models()?,
            audit,
            audit_head,
        })
    }
}
