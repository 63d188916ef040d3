//! Checking a hash chain entry by entry: shared by the store's own check and by an
//! auditor's check of an exported log, which needs no store.

use crate::{canonical, AuditEntry, ChainPosition, ChainReport, LedgerError, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry given its fields: SHA-256 of the previous hash's 32 raw bytes
/// followed by the canonical JSON of `{"at", "event", "seq"}`. `None` if `prev_hash` is not
/// 64 hex digits.
pub fn entry_hash(prev_hash: &str, seq: u64, at: Timestamp, event: &Value) -> Option<String> {
    let prev = hex::decode(prev_hash).ok().filter(|b| b.len() == 32)?;
    let body = json!({"at": at.to_string(), "event": event, "seq": seq});
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical::to_bytes(&body));
    Some(hex::encode(hasher.finalize()))
}

/// Checks entries `1..` in order, then the head and the anchors.
pub(crate) struct ChainWalker<'a> {
    anchors: std::iter::Peekable<std::vec::IntoIter<&'a ChainPosition>>,
    expected_seq: u64,
    prev: String,
}

fn tampered(seq: u64, reason: impl Into<String>) -> LedgerError {
    LedgerError::Tampered {
        seq,
        reason: reason.into(),
    }
}

impl<'a> ChainWalker<'a> {
    pub(crate) fn new(anchors: &'a [ChainPosition]) -> Self {
        let mut sorted: Vec<&ChainPosition> = anchors.iter().collect();
        sorted.sort_by_key(|a| a.seq);
        ChainWalker {
            anchors: sorted.into_iter().peekable(),
            expected_seq: 1,
            prev: GENESIS_HASH.to_string(),
        }
    }

    pub(crate) fn step(
        &mut self,
        seq: u64,
        at: Timestamp,
        event: &Value,
        prev_hash: &str,
        hash: &str,
    ) -> Result<(), LedgerError> {
        if seq != self.expected_seq {
            let at = self.expected_seq;
            return Err(tampered(at, format!("entry missing (next is {seq})")));
        }
        if prev_hash != self.prev {
            return Err(tampered(seq, "prev_hash is not the previous entry's hash"));
        }
        if entry_hash(prev_hash, seq, at, event).as_deref() != Some(hash) {
            return Err(tampered(seq, "hash does not match the entry's contents"));
        }
        while let Some(a) = self.anchors.next_if(|a| a.seq <= seq) {
            if a.seq == seq && a.hash != hash {
                return Err(tampered(seq, "hash differs from an outside anchor"));
            }
        }
        self.prev = hash.to_string();
        self.expected_seq = seq + 1;
        Ok(())
    }

    /// Ends the walk: every anchor must have been met, and `head` (if recorded) must be the
    /// last entry.
    pub(crate) fn finish(
        mut self,
        head: Option<ChainPosition>,
    ) -> Result<ChainReport, LedgerError> {
        let entries = self.expected_seq - 1;
        if let Some(a) = self.anchors.next() {
            return Err(tampered(
                a.seq,
                format!("entry anchored outside the store is gone (log ends at {entries})"),
            ));
        }
        let last = (entries > 0).then_some(ChainPosition {
            seq: entries,
            hash: self.prev,
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
}

/// Checks an exported log without the store: entries from 1 in order, each hash, the links,
/// the `head` if one was exported with it, and any `anchors` (e.g. from certificates).
pub fn verify_entries(
    entries: &[AuditEntry],
    head: Option<ChainPosition>,
    anchors: &[ChainPosition],
) -> Result<ChainReport, LedgerError> {
    let mut walker = ChainWalker::new(anchors);
    for e in entries {
        walker.step(e.seq, e.at, &e.event, &e.prev_hash, &e.hash)?;
    }
    walker.finish(head)
}
