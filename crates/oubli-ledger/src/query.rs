//! Reading requests back: one, a list by status, and the numbers behind the metrics.

use crate::requests::json_column;
use crate::{LedgerError, Status, Store, Subject, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A deletion request as the store holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletionRequest {
    /// `del_` + 32 hex digits.
    pub id: String,
    /// Whose data.
    pub subject: Subject,
    /// Current status.
    pub status: Status,
    /// When the status last changed.
    pub status_at: Timestamp,
    /// Why the last attempt failed (kept after a retry), or why there was no data.
    pub reason: Option<String>,
    /// When it was received.
    pub received_at: Timestamp,
    /// When it is due, extensions included.
    pub due_at: Timestamp,
    /// Months of extension granted (at most 2).
    pub extension_months: u32,
    /// Why the deadline was extended.
    pub extension_reason: Option<String>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Samples erased from the store for this request.
    pub samples_erased: Option<u64>,
    /// When its data was erased from the store.
    pub erased_at: Option<Timestamp>,
    /// When a model that forgot it was activated.
    pub applied_at: Option<Timestamp>,
    /// When that model passed verification.
    pub verified_at: Option<Timestamp>,
    /// Model version active before it was applied.
    pub model_before: Option<i64>,
    /// Model version that applied it.
    pub model_after: Option<i64>,
    /// Unlearning method that applied it.
    pub method: Option<String>,
    /// Verification summary (metrics and verdict).
    pub verification: Option<Value>,
}

pub(crate) const COLUMNS: &str = "id, subject, status, status_at, reason, received_at, due_at, \
     extension_months, extension_reason, attempts, samples_erased, erased_at, applied_at, \
     verified_at, model_before, model_after, method, verification";

fn time(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    let text: Option<String> = row.get(i)?;
    text.map(|t| {
        Timestamp::parse(&t).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("bad timestamp {t:?}").into(),
            )
        })
    })
    .transpose()
}

fn required(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    time(row, i)?.ok_or(rusqlite::Error::InvalidColumnType(
        i,
        "timestamp".into(),
        rusqlite::types::Type::Null,
    ))
}

pub(crate) fn read_row(row: &Row<'_>) -> Result<DeletionRequest, LedgerError> {
    let status: String = row.get(2)?;
    let subject: String = row.get(1)?;
    Ok(DeletionRequest {
        id: row.get(0)?,
        subject: serde_json::from_str(&subject)?,
        status: Status::parse(&status)
            .ok_or_else(|| LedgerError::Corrupt(format!("unknown status {status:?}")))?,
        status_at: required(row, 3)?,
        reason: row.get(4)?,
        received_at: required(row, 5)?,
        due_at: required(row, 6)?,
        extension_months: row.get(7)?,
        extension_reason: row.get(8)?,
        attempts: row.get(9)?,
        samples_erased: row.get(10)?,
        erased_at: time(row, 11)?,
        applied_at: time(row, 12)?,
        verified_at: time(row, 13)?,
        model_before: row.get(14)?,
        model_after: row.get(15)?,
        method: row.get(16)?,
        verification: json_column(row.get(17)?)?,
    })
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<DeletionRequest, LedgerError> {
    let sql = format!("SELECT {COLUMNS} FROM requests WHERE id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => read_row(row),
        None => Err(LedgerError::UnknownRequest(id.to_string())),
    }
}

/// The numbers behind the service's metrics, read in one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueMetrics {
    /// Requests by status; every status is present, zeros included.
    pub by_status: BTreeMap<Status, u64>,
    /// Requests not yet final (`received`, `erased`, `applied`, `failed`).
    pub pending: u64,
    /// Age in seconds of the oldest pending request.
    pub oldest_pending_age_secs: Option<i64>,
    /// Pending requests due within the asked number of days, overdue ones included.
    pub due_within: u64,
    /// Pending requests past their due date.
    pub overdue: u64,
    /// The active model version.
    pub active_model: Option<i64>,
}

impl Store {
    /// One request.
    pub fn request(&self, id: &str) -> Result<DeletionRequest, LedgerError> {
        get(&self.conn(), id)
    }

    /// Requests in arrival order, only those with `status` if given, at most `limit`.
    pub fn requests(
        &self,
        status: Option<Status>,
        limit: usize,
    ) -> Result<Vec<DeletionRequest>, LedgerError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {COLUMNS} FROM requests WHERE (?1 IS NULL OR status = ?1) ORDER BY seq LIMIT ?2"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params![status.map(Status::as_str), limit as i64])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(read_row(row)?);
        }
        Ok(out)
    }

    /// Requests by status; every status is present, zeros included.
    pub fn counts(&self) -> Result<BTreeMap<Status, u64>, LedgerError> {
        counts(&self.conn())
    }

    /// Queue depth, oldest pending age, due-soon and overdue counts, active model.
    pub fn metrics(&self, due_within_days: i64) -> Result<QueueMetrics, LedgerError> {
        let now = self.now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let by_status = counts(&tx)?;
        let pending = "status IN ('received', 'erased', 'applied', 'failed')";
        // The first request of each pending status by arrival, through the (status, seq)
        // index: constant time however long the queue.
        let mut oldest: Option<Timestamp> = None;
        for status in Status::ALL.iter().filter(|s| !s.is_final()) {
            let first: Option<String> = tx
                .query_row(
                    "SELECT received_at FROM requests WHERE status = ?1 ORDER BY seq LIMIT 1",
                    [status.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            let first = first.and_then(|t| Timestamp::parse(&t));
            oldest = match (oldest, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let count_due = |limit: Timestamp| -> Result<u64, LedgerError> {
            Ok(tx.query_row(
                &format!("SELECT COUNT(*) FROM requests WHERE {pending} AND due_at <= ?1"),
                [limit.to_string()],
                |r| r.get(0),
            )?)
        };
        let due_within = count_due(now.plus_days(due_within_days))?;
        let overdue = count_due(Timestamp(now.0 - 1))?;
        let active_model = tx
            .query_row("SELECT version FROM models WHERE active = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(QueueMetrics {
            pending: by_status
                .iter()
                .filter(|(s, _)| !s.is_final())
                .map(|(_, n)| n)
                .sum(),
            by_status,
            oldest_pending_age_secs: oldest.map(|t| now.0 - t.0),
            due_within,
            overdue,
            active_model,
        })
    }
}

fn counts(conn: &Connection) -> Result<BTreeMap<Status, u64>, LedgerError> {
    let mut out: BTreeMap<Status, u64> = Status::ALL.iter().map(|&s| (s, 0)).collect();
    let mut stmt = conn.prepare_cached("SELECT status, COUNT(*) FROM requests GROUP BY status")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let status = Status::parse(&name)
            .ok_or_else(|| LedgerError::Corrupt(format!("unknown status {name:?}")))?;
        out.insert(status, row.get(1)?);
    }
    Ok(out)
}
