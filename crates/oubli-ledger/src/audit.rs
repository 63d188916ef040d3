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

use crate::{canonical, LedgerError, Timestamp};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// The hash of an entry given its fields.
pub fn entry_hash(prev_hash: &str, seq: u64, at: Timestamp, event: &Value) -> Option<String> {
    let prev = hex::decode(prev_hash).ok().filter(|b| b.len() == 32)?;
    let body = json!({"at": at.to_string(), "event": event, "seq": seq});
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical::to_bytes(&body));
    Some(hex::encode(hasher.finalize()))
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

/// Walks the chain from entry 1 and checks it against the recorded head and the given
/// outside anchors. The first entry that does not check is returned as `Tampered`.
pub(crate) fn verify(
    conn: &rusqlite::Connection,
    head: Option<ChainPosition>,
    anchors: &[ChainPosition],
) -> Result<ChainReport, LedgerError> {
    let tampered = |seq: u64, reason: String| LedgerError::Tampered { seq, reason };
    let mut stmt =
        conn.prepare("SELECT seq, at, event, prev_hash, hash FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut anchors: Vec<&ChainPosition> = anchors.iter().collect();
    anchors.sort_by_key(|a| a.seq);
    let mut anchors = anchors.into_iter().peekable();
    let (mut expected_seq, mut prev) = (1u64, GENESIS_HASH.to_string());
    while let Some(row) = rows.next()? {
        let seq: u64 = row.get(0)?;
        let (at, event, prev_hash, hash): (String, String, String, String) =
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
        if seq != expected_seq {
            return Err(tampered(
                expected_seq,
                format!("entry missing (next is {seq})"),
            ));
        }
        if prev_hash != prev {
            return Err(tampered(
                seq,
                "prev_hash is not the previous entry's hash".into(),
            ));
        }
        let at = Timestamp::parse(&at).ok_or_else(|| tampered(seq, "unreadable time".into()))?;
        let event: Value =
            serde_json::from_str(&event).map_err(|_| tampered(seq, "unreadable event".into()))?;
        if entry_hash(&prev, seq, at, &event).as_deref() != Some(hash.as_str()) {
            return Err(tampered(
                seq,
                "hash does not match the entry's contents".into(),
            ));
        }
        while let Some(a) = anchors.next_if(|a| a.seq <= seq) {
            if a.seq == seq && a.hash != hash {
                return Err(tampered(seq, "hash differs from an outside anchor".into()));
            }
        }
        prev = hash;
        expected_seq = seq + 1;
    }
    let entries = expected_seq - 1;
    if let Some(a) = anchors.next() {
        return Err(tampered(
            a.seq,
            format!("entry anchored outside the store is gone (log ends at {entries})"),
        ));
    }
    let last = (entries > 0).then_some(ChainPosition {
        seq: entries,
        hash: prev,
    });
    if head != last {
        let seq = head.as_ref().map_or(entries, |h| h.seq.min(entries + 1));
        return Err(tampered(
            seq.max(1),
            format!(
                "recorded head {:?} does not match the last entry {:?} (tail truncated or head edited)",
                head.map(|h| h.seq),
                last.as_ref().map(|h| h.seq)
            ),
        ));
    }
    Ok(ChainReport {
        entries,
        head: last,
    })
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
}
