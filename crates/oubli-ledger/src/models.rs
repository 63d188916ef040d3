//! Model versions: what was trained or unlearned from what, which one serves, which are bad.

use crate::{audit, LedgerError, Store, Timestamp};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Component, Path, PathBuf};

/// A model version to register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewModel {
    /// Hash of the weights file (as the model file records it).
    pub weights_hash: String,
    /// The version it was derived from (unlearning, retrain), if any.
    pub parent: Option<i64>,
    /// Kind of model file (`single`, `sisa`, `certified`, …): opaque to the store.
    pub kind: String,
    /// Method that produced it (`train`, `retrain`, `sisa`, `certified`, an approximate one).
    pub method: Option<String>,
    /// Training or unlearning configuration.
    pub config: Value,
    /// File path relative to the store directory, e.g. `models/v3.oubli`.
    pub path: String,
    /// How many erase transactions this model accounts for (its training data excludes every
    /// tombstone of erasures `1..=covers_erasures`). `None`: all erasures so far.
    pub covers_erasures: Option<i64>,
}

/// A registered model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    /// Version number, from 1.
    pub version: i64,
    /// Hash of the weights file.
    pub weights_hash: String,
    /// The version it was derived from.
    pub parent: Option<i64>,
    /// Kind of model file.
    pub kind: String,
    /// Method that produced it.
    pub method: Option<String>,
    /// Its configuration.
    pub config: Value,
    /// File path relative to the store directory.
    pub path: String,
    /// Erase transactions it accounts for; fewer than [`Store::erasures`] means it still
    /// reflects data erased since.
    pub covers_erasures: i64,
    /// Whether it is the serving version (exactly one once any was activated).
    pub active: bool,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was last activated.
    pub activated_at: Option<Timestamp>,
    /// Why it was rejected (failed verification, unreadable file), if it was.
    pub rejected_reason: Option<String>,
}

const COLUMNS: &str = "version, weights_hash, parent, kind, method, config, path, \
     covers_erasures, active, created_at, activated_at, rejected_reason";

fn read(row: &Row<'_>) -> Result<ModelVersion, LedgerError> {
    let time = |t: String| {
        Timestamp::parse(&t).ok_or_else(|| LedgerError::Corrupt(format!("model time {t:?}")))
    };
    let config: String = row.get(5)?;
    Ok(ModelVersion {
        version: row.get(0)?,
        weights_hash: row.get(1)?,
        parent: row.get(2)?,
        kind: row.get(3)?,
        method: row.get(4)?,
        config: serde_json::from_str(&config)?,
        path: row.get(6)?,
        covers_erasures: row.get(7)?,
        active: row.get(8)?,
        created_at: time(row.get(9)?)?,
        activated_at: row.get::<_, Option<String>>(10)?.map(time).transpose()?,
        rejected_reason: row.get(11)?,
    })
}

pub(crate) fn query_one(
    conn: &rusqlite::Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Option<ModelVersion>, LedgerError> {
    let sql = format!("SELECT {COLUMNS} FROM models {filter} LIMIT 1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(args)?;
    rows.next()?.map(read).transpose()
}

/// Activates `version` inside the caller's transaction; returns the version active before.
pub(crate) fn activate_in(
    tx: &rusqlite::Transaction<'_>,
    version: i64,
    now: Timestamp,
) -> Result<Option<i64>, LedgerError> {
    let m = query_one(tx, "WHERE version = ?1", [version])?
        .ok_or(LedgerError::UnknownModel(version))?;
    if let Some(reason) = m.rejected_reason {
        return Err(LedgerError::RejectedModel { version, reason });
    }
    let previous: Option<i64> = tx
        .query_row("SELECT version FROM models WHERE active = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    tx.execute("UPDATE models SET active = 0 WHERE active = 1", [])?;
    tx.execute(
        "UPDATE models SET active = 1, activated_at = ?2 WHERE version = ?1",
        params![version, now.to_string()],
    )?;
    audit::append(
        tx,
        now,
        json!({"type": "model.activated", "version": version, "previous": previous}),
    )?;
    Ok(previous)
}

impl Store {
    /// Registers a model version (not active yet).
    pub fn register_model(&self, model: &NewModel) -> Result<ModelVersion, LedgerError> {
        let p = Path::new(&model.path);
        if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(LedgerError::InvalidOption {
                field: "path",
                reason: "must be relative to the store directory, without `..`",
            });
        }
        let version = self.write(|tx, now| {
            let erasures = crate::store::get_meta(tx, "erasures")?
                .and_then(|v| v.as_i64())
                .unwrap_or(0);
            if let Some(parent) = model.parent {
                query_one(tx, "WHERE version = ?1", [parent])?
                    .ok_or(LedgerError::UnknownModel(parent))?;
            }
            let covers = model.covers_erasures.unwrap_or(erasures);
            tx.execute(
                "INSERT INTO models (weights_hash, parent, kind, method, config, path,
                 covers_erasures, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    model.weights_hash,
                    model.parent,
                    model.kind,
                    model.method,
                    crate::canonical::to_string(&model.config),
                    model.path,
                    covers,
                    now.to_string()
                ],
            )?;
            let version = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                json!({"type": "model.registered", "version": version,
                       "weights_hash": model.weights_hash, "parent": model.parent,
                       "kind": model.kind, "method": model.method,
                       "covers_erasures": covers}),
            )?;
            Ok(version)
        })?;
        self.model(version)
    }

    /// Makes `version` the one serving model, in one transaction: there is never a moment
    /// with two active versions or none (once one was active).
    pub fn activate(&self, version: i64) -> Result<ModelVersion, LedgerError> {
        self.write(|tx, now| activate_in(tx, version, now))?;
        self.model(version)
    }

    /// Marks a version as bad (failed verification, unreadable or mismatching file). It can
    /// no longer be activated; if it is active it stays so until another is activated,
    /// typically [`last_good`](Self::last_good).
    pub fn reject_model(&self, version: i64, reason: &str) -> Result<ModelVersion, LedgerError> {
        self.write(|tx, now| {
            let n = tx.execute(
                "UPDATE models SET rejected_reason = ?2 WHERE version = ?1",
                params![version, reason],
            )?;
            if n == 0 {
                return Err(LedgerError::UnknownModel(version));
            }
            audit::append(
                tx,
                now,
                json!({"type": "model.rejected", "version": version, "reason": reason}),
            )?;
            Ok(())
        })?;
        self.model(version)
    }

    /// One version.
    pub fn model(&self, version: i64) -> Result<ModelVersion, LedgerError> {
        query_one(&self.conn(), "WHERE version = ?1", [version])?
            .ok_or(LedgerError::UnknownModel(version))
    }

    /// The serving version, if any was activated.
    pub fn active_model(&self) -> Result<Option<ModelVersion>, LedgerError> {
        query_one(&self.conn(), "WHERE active = 1", [])
    }

    /// The fallback: the most recently activated version that was not rejected (the active
    /// one if it is fine). Check its `covers_erasures` against [`erasures`](Self::erasures):
    /// an older model may still reflect data erased since, whose requests must be re-applied.
    pub fn last_good(&self) -> Result<Option<ModelVersion>, LedgerError> {
        query_one(
            &self.conn(),
            "WHERE rejected_reason IS NULL AND activated_at IS NOT NULL
             ORDER BY activated_at DESC, version DESC",
            [],
        )
    }

    /// Every version, oldest first.
    pub fn models(&self) -> Result<Vec<ModelVersion>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM models ORDER BY version"))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(read(row)?);
        }
        Ok(out)
    }

    /// The absolute path of a version's file.
    pub fn model_path(&self, model: &ModelVersion) -> PathBuf {
        self.dir().join(&model.path)
    }
}
