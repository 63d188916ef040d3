//! The append-only, hash-chained audit log.
//!
//! Entry `seq` (1, 2, …, no gaps) stores `prev_hash` (the hash of entry `seq - 1`, 64 zeros
//! for entry 1) and `hash = SHA-256(prev_hash as 32 raw bytes ‖ canonical JSON of
//! {"at": at, "event": event, "seq": seq})`, hex-encoded. Hashing `seq` and `at` with the
//! event means neither can be edited either. Every state change of the store appends its
//! entry in the same transaction as the change, so there is no change without an entry.
//!
//! The head (last seq and hash) is also kept in `meta`, updated in the same transaction, so
//! a truncated tail (last entries deleted) is caught. What this proves and does not: the
//! chain shows that the log was not edited *by someone who did not also recompute every later
//! hash and the head*. Anyone holding the file can rewrite the whole log consistently; only a
//! hash held outside the store (a certificate's `audit_hash`, an exported head) pins history
//! down, which is what [`Store::verify_chain_against`](crate::Store::verify_chain_against)
//! checks.

use crate::chain::{entry_hash, ChainWalker, GENESIS_HASH};
use crate::{canonical, LedgerError, Timestamp};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position, from 1.
    pub seq: u64,
    /// When it was written.
    pub at: Timestamp,
    /// What happened: an object with a `type` field (`request.received`, `samples.erased`, …).
    pub event: Value,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// Where an entry sits in the chain: what a certificate quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPosition {
    /// The entry's seq.
    pub seq: u64,
    /// The entry's hash.
    pub hash: String,
}

/// The result of walking an intact chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Number of entries checked.
    pub entries: u64,
    /// The last entry, if any.
    pub head: Option<ChainPosition>,
}

/// Appends an entry inside the caller's transaction. The recorded head is moved once per
/// transaction, by [`record_head`], which every writing transaction runs before commit.
pub(crate) fn append(
    tx: &Transaction<'_>,
    at: Timestamp,
    event: Value,
) -> Result<ChainPosition, LedgerError> {
    let (seq, prev) = match last_entry(tx)? {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS_HASH.to_string()),
    };
    let hash = entry_hash(&prev, seq, at, &event)
        .ok_or_else(|| LedgerError::Corrupt(format!("audit entry {} has a bad hash", seq - 1)))?;
    tx.prepare_cached(
        "INSERT INTO audit (seq, at, event, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        seq,
        at.to_string(),
        canonical::to_string(&event),
        prev,
        hash
    ])?;
    Ok(ChainPosition { seq, hash })
}

fn last_entry(tx: &Transaction<'_>) -> Result<Option<(u64, String)>, LedgerError> {
    Ok(tx
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Records the last entry as the head in `meta`, in the same transaction as the entries.
pub(crate) fn record_head(tx: &Transaction<'_>) -> Result<(), LedgerError> {
    if let Some((seq, hash)) = last_entry(tx)? {
        let head = ChainPosition { seq, hash };
        crate::store::set_meta(tx, "audit_head", &serde_json::to_value(&head)?)?;
    }
    Ok(())
}

/// Walks the stored chain from entry 1 and checks it against the recorded head and the
/// given outside anchors. The first entry that does not check is returned as `Tampered`.
pub(crate) fn verify(
    conn: &rusqlite::Connection,
    head: Option<ChainPosition>,
    anchors: &[ChainPosition],
) -> Result<ChainReport, LedgerError> {
    let mut walker = ChainWalker::new(anchors);
    let mut stmt =
        conn.prepare("SELECT seq, at, event, prev_hash, hash FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let seq: u64 = row.get(0)?;
        let (at, event, prev_hash, hash): (String, String, String, String) =
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
        let tampered = |reason: &str| LedgerError::Tampered {
            seq,
            reason: reason.into(),
        };
        let at = Timestamp::parse(&at).ok_or_else(|| tampered("unreadable time"))?;
        let event: Value =
            serde_json::from_str(&event).map_err(|_| tampered("unreadable event"))?;
        walker.step(seq, at, &event, &prev_hash, &hash)?;
    }
    walker.finish(head)
}

/// Reads entries `from..` (at most `limit`), for export.
pub(crate) fn entries(
    conn: &rusqlite::Connection,
    from: u64,
    limit: u64,
) -> Result<Vec<AuditEntry>, LedgerError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, event, prev_hash, hash FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![from, limit], |r| {
        Ok((
            r.get::<_, u64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, event, prev_hash, hash) = row?;
        out.push(AuditEntry {
            seq,
            at: Timestamp::parse(&at)
                .ok_or_else(|| LedgerError::Corrupt(format!("audit entry {seq}: bad time")))?,
            event: serde_json::from_str(&event)?,
            prev_hash,
            hash,
        });
    }
    Ok(out)
}

impl crate::Store {
    /// Walks the whole chain and checks it against the head recorded in `meta`. Intact:
    /// the number of entries and the head. Broken: `Tampered` naming the first bad entry.
    pub fn verify_chain(&self) -> Result<ChainReport, LedgerError> {
        self.verify_chain_against(&[])
    }

    /// As [`verify_chain`](Self::verify_chain), and also checks positions known from
    /// outside the store (e.g. the `audit_seq`/`audit_hash` of certificates handed out):
    /// this is what catches a log rewritten consistently from some entry on.
    pub fn verify_chain_against(
        &self,
        anchors: &[ChainPosition],
    ) -> Result<ChainReport, LedgerError> {
        let mut conn = self.conn();
        // One read snapshot, so a concurrent append cannot look like a broken head.
        let tx = conn.transaction()?;
        let head = crate::store::get_meta(&tx, "audit_head")?
            .map(serde_json::from_value)
            .transpose()?;
        verify(&tx, head, anchors)
    }

    /// Entries from `from_seq` on, at most `limit`, for export.
    pub fn audit_entries(&self, from_seq: u64, limit: u64) -> Result<Vec<AuditEntry>, LedgerError> {
        entries(&self.conn(), from_seq, limit)
    }

    /// The whole log and the recorded head, read in one snapshot, so that
    /// [`verify_entries`](crate::verify_entries) can check them away from the store.
    pub fn audit_log(&self) -> Result<(Vec<AuditEntry>, Option<ChainPosition>), LedgerError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let head = crate::store::get_meta(&tx, "audit_head")?
            .map(serde_json::from_value)
            .transpose()?;
        Ok((entries(&tx, 1, u64::MAX >> 1)?, head))
    }
}
