//! Checks that the tables agree with the audit log. The chain proves the log was not
//! edited; this proves the tables were not edited behind the log's back: a request shown as
//! `verified` that the log never verified, another model made active, or — the worst — an
//! erased sample put back.

use crate::samples::from_sql_id;
use crate::{LedgerError, Status, Store};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What [`Store::verify_state`] checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateReport {
    /// Requests whose status matches the log.
    pub requests: u64,
    /// Tombstones, none of which has a sample row.
    pub tombstones: u64,
    /// The active model version, as the log and the table agree.
    pub active_model: Option<i64>,
}

fn status_after(event: &serde_json::Value) -> Option<Status> {
    match event["type"].as_str()? {
        "request.received" => Some(Status::Received),
        "samples.erased" => Some(Status::Erased),
        "request.no_data" => Some(Status::NoData),
        "request.applied" => Some(Status::Applied),
        "request.verified" => Some(Status::Verified),
        "request.failed" => Some(Status::Failed),
        "request.retried" => Status::parse(event["to"].as_str()?),
        _ => None,
    }
}

impl Store {
    /// Replays the audit log and checks the tables against it: each request's status and
    /// erased-sample count, the active model, and that no tombstoned sample has a row again.
    /// Run it with [`verify_chain`](Self::verify_chain): together they say the log is intact
    /// and the store is what the log says.
    pub fn verify_state(&self) -> Result<StateReport, LedgerError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mismatch = |row: String, reason: String| LedgerError::Inconsistent { row, reason };

        let resurrected: Option<i64> = tx
            .query_row(
                "SELECT s.id FROM samples s JOIN tombstones t ON t.sample_id = s.id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = resurrected {
            return Err(mismatch(
                format!("sample {}", from_sql_id(id)),
                "erased (has a tombstone) but its row is back".into(),
            ));
        }

        let mut expected: BTreeMap<String, (Status, u64)> = BTreeMap::new();
        let mut active: Option<i64> = None;
        let mut stmt = tx.prepare("SELECT event FROM audit ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            let event: serde_json::Value = serde_json::from_str(&text)?;
            if event["type"] == "model.activated" {
                active = event["version"].as_i64();
            }
            let (Some(status), Some(id)) = (status_after(&event), event["request"].as_str()) else {
                continue;
            };
            let entry = expected.entry(id.to_string()).or_insert((status, 0));
            entry.0 = status;
            if let Some(n) = event["samples"].as_u64() {
                entry.1 = n;
            }
        }
        drop(rows);
        drop(stmt);

        let mut stmt = tx.prepare(
            "SELECT r.id, r.status, COALESCE(r.samples_erased, 0),
                    (SELECT COUNT(*) FROM tombstones t WHERE t.request_id = r.id)
             FROM requests r",
        )?;
        let mut rows = stmt.query([])?;
        let mut seen = 0u64;
        while let Some(row) = rows.next()? {
            let (id, status, erased, tombs): (String, String, u64, u64) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            let Some(&(want, want_erased)) = expected.get(&id) else {
                return Err(mismatch(
                    format!("request {id}"),
                    "not in the audit log".into(),
                ));
            };
            if Status::parse(&status) != Some(want) {
                return Err(mismatch(
                    format!("request {id}"),
                    format!("status {status}, the log says {want}"),
                ));
            }
            if erased != want_erased || tombs != want_erased {
                return Err(mismatch(
                    format!("request {id}"),
                    format!(
                        "{erased} samples erased and {tombs} tombstones, the log says {want_erased}"
                    ),
                ));
            }
            seen += 1;
        }
        if seen != expected.len() as u64 {
            return Err(mismatch(
                "requests".into(),
                format!("{} in the log, {seen} in the table", expected.len()),
            ));
        }
        let table_active: Option<i64> = tx
            .query_row("SELECT version FROM models WHERE active = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        if table_active != active {
            return Err(mismatch(
                "models".into(),
                format!("active version {table_active:?}, the log says {active:?}"),
            ));
        }
        let tombstones: u64 = tx.query_row("SELECT COUNT(*) FROM tombstones", [], |r| r.get(0))?;
        Ok(StateReport {
            requests: seen,
            tombstones,
            active_model: active,
        })
    }
}
