//! Erasure: deleting a subject's rows and keeping only tombstones.
//!
//! On disk: the rows are deleted in one transaction; `secure_delete` makes SQLite overwrite
//! the freed cells and pages with zeros, and those zeroed pages are what the commit writes
//! to the WAL. `wal_checkpoint(TRUNCATE)` then copies them over the old pages of the main
//! file and truncates the WAL to zero bytes, so the erased bytes are in neither file. (The
//! filesystem and the disk below it may still hold old blocks; see the README.)

use crate::samples::{from_sql_id, to_sql_id};
use crate::store::{get_meta, set_meta};
use crate::{audit, query, LedgerError, Status, Store, Subject, Timestamp};
use oubli_data::SampleId;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What one request's erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// The request.
    pub request_id: String,
    /// `erased`, or `no_data` when the subject had nothing left.
    pub status: Status,
    /// The ids of the samples deleted, ascending.
    pub sample_ids: Vec<SampleId>,
    /// The number of the erase transaction (see [`Store::erasures`]), if anything was erased.
    pub erasure: Option<i64>,
    /// Whether the WAL was checkpointed and truncated right after. `false` means another
    /// connection held a read snapshot: the erasure is committed, but the zeroed pages are
    /// only in the WAL until [`Store::checkpoint`] succeeds.
    pub wal_truncated: bool,
}

/// A tombstone: all that is left of an erased sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The erased sample's id.
    pub sample_id: SampleId,
    /// Its owner, if it had one.
    pub owner: Option<String>,
    /// The request that erased it.
    pub request_id: String,
    /// When.
    pub erased_at: Timestamp,
    /// The number of the erase transaction.
    pub erasure: i64,
}

impl Store {
    /// Erases the data of one `received` request; see [`erase_many`](Self::erase_many).
    pub fn erase(&self, request_id: &str) -> Result<Erasure, LedgerError> {
        Ok(self.erase_many(&[request_id])?.remove(0))
    }

    /// Erases the data of these `received` requests in one transaction: deletes their
    /// samples (train and test), writes tombstones, moves each request to `erased` (or to
    /// `no_data` if nothing of its subject is left), then truncates the WAL. A request in
    /// another status is an `InvalidTransition` and nothing is erased.
    pub fn erase_many(&self, request_ids: &[&str]) -> Result<Vec<Erasure>, LedgerError> {
        let out = self.write(|tx, now| {
            let number = get_meta(tx, "erasures")?
                .and_then(|v| v.as_i64())
                .unwrap_or(0)
                + 1;
            let mut out = Vec::with_capacity(request_ids.len());
            for id in request_ids {
                out.push(erase_one(tx, id, now, number)?);
            }
            if out.iter().any(|e| e.erasure.is_some()) {
                set_meta(tx, "erasures", &json!(number))?;
            }
            Ok(out)
        })?;
        // Committed either way; an incomplete checkpoint is reported, not an error.
        let truncated = checkpoint(&self.conn()).is_ok();
        Ok(out
            .into_iter()
            .map(|e| Erasure {
                wal_truncated: truncated,
                ..e
            })
            .collect())
    }

    /// Copies the WAL into the main file and truncates it. Erase does this itself; call it
    /// again if an [`Erasure`] says `wal_truncated: false`.
    pub fn checkpoint(&self) -> Result<(), LedgerError> {
        checkpoint(&self.conn())
    }

    /// Every tombstone, by sample id.
    pub fn tombstones(&self) -> Result<Vec<Tombstone>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT sample_id, owner, request_id, erased_at, erasure FROM tombstones ORDER BY sample_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let at: String = r.get(3)?;
            out.push(Tombstone {
                sample_id: from_sql_id(r.get(0)?),
                owner: r.get(1)?,
                request_id: r.get(2)?,
                erased_at: Timestamp::parse(&at)
                    .ok_or_else(|| LedgerError::Corrupt(format!("tombstone time {at:?}")))?,
                erasure: r.get(4)?,
            });
        }
        Ok(out)
    }

    /// How many erase transactions have deleted data so far. A model version records how
    /// many it accounts for, so a fallback to an older model shows which erasures it lacks.
    pub fn erasures(&self) -> Result<i64, LedgerError> {
        let conn = self.conn();
        Ok(get_meta(&conn, "erasures")?
            .and_then(|v| v.as_i64())
            .unwrap_or(0))
    }
}

fn erase_one(
    tx: &Transaction<'_>,
    id: &str,
    now: Timestamp,
    number: i64,
) -> Result<Erasure, LedgerError> {
    let req = query::get(tx, id)?;
    if req.status != Status::Received {
        return Err(LedgerError::InvalidTransition {
            request: id.to_string(),
            from: req.status,
            to: Status::Erased,
        });
    }
    let found = matching_samples(tx, &req.subject)?;
    if found.is_empty() {
        let reason = no_data_reason(tx, &req.subject)?;
        tx.execute(
            "UPDATE requests SET status = 'no_data', status_at = ?2, reason = ?3,
             samples_erased = 0 WHERE id = ?1",
            params![id, now.to_string(), reason],
        )?;
        audit::append(
            tx,
            now,
            json!({"type": "request.no_data", "request": id, "reason": reason}),
        )?;
        return Ok(Erasure {
            request_id: id.to_string(),
            status: Status::NoData,
            sample_ids: Vec::new(),
            erasure: None,
            wal_truncated: false,
        });
    }
    let mut tomb = tx.prepare_cached(
        "INSERT INTO tombstones (sample_id, owner, request_id, erased_at, erasure)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut delete = tx.prepare_cached("DELETE FROM samples WHERE id = ?1")?;
    for (sample, owner) in &found {
        tomb.execute(params![
            to_sql_id(*sample),
            owner,
            id,
            now.to_string(),
            number
        ])?;
        delete.execute([to_sql_id(*sample)])?;
    }
    let ids: Vec<SampleId> = found.iter().map(|(s, _)| *s).collect();
    tx.execute(
        "UPDATE requests SET status = 'erased', status_at = ?2, erased_at = ?2,
         samples_erased = ?3, reason = NULL WHERE id = ?1",
        params![id, now.to_string(), ids.len() as i64],
    )?;
    audit::append(
        tx,
        now,
        json!({"type": "samples.erased", "request": id, "erasure": number,
               "samples": ids.len(), "fingerprint": oubli_data::fingerprint(&ids)}),
    )?;
    Ok(Erasure {
        request_id: id.to_string(),
        status: Status::Erased,
        sample_ids: ids,
        erasure: Some(number),
        wal_truncated: false,
    })
}

/// The subject's samples still in the store, ascending by id.
fn matching_samples(
    tx: &Transaction<'_>,
    subject: &Subject,
) -> Result<Vec<(SampleId, Option<String>)>, LedgerError> {
    let mut out = Vec::new();
    match subject {
        Subject::Owner(owner) => {
            let mut stmt = tx.prepare_cached("SELECT id FROM samples WHERE owner = ?1")?;
            let mut rows = stmt.query([owner])?;
            while let Some(r) = rows.next()? {
                out.push((from_sql_id(r.get(0)?), Some(owner.clone())));
            }
        }
        Subject::SampleIds(ids) => {
            let mut stmt = tx.prepare_cached("SELECT owner FROM samples WHERE id = ?1")?;
            for &sample in ids {
                let owner: Option<Option<String>> = stmt
                    .query_row([to_sql_id(sample)], |r| r.get(0))
                    .optional()?;
                if let Some(owner) = owner {
                    out.push((sample, owner));
                }
            }
        }
    }
    out.sort_by_key(|(s, _)| *s);
    Ok(out)
}

fn no_data_reason(tx: &Transaction<'_>, subject: &Subject) -> Result<String, LedgerError> {
    let by: Option<String> = match subject {
        Subject::Owner(owner) => tx
            .query_row(
                "SELECT request_id FROM tombstones WHERE owner = ?1 ORDER BY erased_at LIMIT 1",
                [owner],
                |r| r.get(0),
            )
            .optional()?,
        Subject::SampleIds(ids) => tx
            .query_row(
                "SELECT request_id FROM tombstones WHERE sample_id = ?1",
                [to_sql_id(ids[0])],
                |r| r.get(0),
            )
            .optional()?,
    };
    Ok(match by {
        Some(by) => format!("already erased by request {by}"),
        None => "the subject has no data in the store".to_string(),
    })
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`; incomplete if another connection holds a snapshot.
/// Waits at most 200 ms for readers: the store's lock is held meanwhile, and a checkpoint
/// left incomplete is retried by the next erase or by [`Store::checkpoint`].
pub(crate) fn checkpoint(conn: &Connection) -> Result<(), LedgerError> {
    conn.busy_timeout(std::time::Duration::from_millis(200))?;
    let result = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    conn.busy_timeout(crate::schema::BUSY_TIMEOUT)?;
    let (busy, _log, _done) = result?;
    if busy != 0 {
        return Err(LedgerError::CheckpointIncomplete { busy });
    }
    Ok(())
}
