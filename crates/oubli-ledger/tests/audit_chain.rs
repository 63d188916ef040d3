//! The hash-chained audit log: every change leaves an entry, and edits, deletions and a
//! truncated tail are caught at the first broken entry.

mod common;

use oubli_ledger::{entry_hash, ChainPosition, LedgerError, NewModel, Store, Subject, Timestamp};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

/// A store that went through every kind of change; returns it and a verified request's id.
fn lived_in(dir: &std::path::Path) -> (Store, String) {
    let (store, _) = common::marked_store(dir, 30, 5);
    let model = |hash: &str, parent| NewModel {
        weights_hash: hash.into(),
        parent,
        kind: "single".into(),
        method: Some("retrain".into()),
        config: json!({}),
        path: format!("models/{hash}"),
        covers_erasures: None,
    };
    store.register_model(&model("h1", None)).unwrap();
    store.activate(1).unwrap();
    let ids: Vec<String> = store
        .submit_many(&[Subject::Owner("o1".into()), Subject::Owner("o2".into())])
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().id)
        .collect();
    store.extend(&ids[1], 1, "backlog").unwrap();
    store.erase_many(&[&ids[0], &ids[1]]).unwrap();
    store.register_model(&model("h2", Some(1))).unwrap();
    store
        .mark_applied(&[&ids[0], &ids[1]], 2, "retrain")
        .unwrap();
    store
        .mark_verified(&[&ids[0]], &json!({"verdict": "pass"}))
        .unwrap();
    store.mark_failed(&[&ids[1]], "attack").unwrap();
    (store, ids[0].clone())
}

fn raw(store: &Store) -> Connection {
    let c = Connection::open(store.db_path()).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;",
    )
    .unwrap();
    c
}

fn broken_at(store: &Store) -> u64 {
    match store.verify_chain() {
        Err(LedgerError::Tampered { seq, .. }) => seq,
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn every_change_leaves_one_entry_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    let report = store.verify_chain().unwrap();
    let entries = store.audit_entries(1, 100).unwrap();
    let types: Vec<&str> = entries
        .iter()
        .map(|e| e.event["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "store.initialised",
            "model.registered",
            "model.activated",
            "request.received",
            "request.received",
            "request.extended",
            "samples.erased",
            "samples.erased",
            "model.registered",
            "model.activated",
            "request.applied",
            "request.applied",
            "request.verified",
            "request.failed",
        ]
    );
    assert_eq!(report.entries, 14);
    let head = report.head.unwrap();
    assert_eq!((head.seq, &head.hash), (14, &entries[13].hash));
    assert_eq!(entries[0].prev_hash, oubli_ledger::GENESIS_HASH);
    for w in entries.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    // The hash is reproducible from the entry alone, as an outside auditor would.
    let e = &entries[5];
    assert_eq!(
        entry_hash(&e.prev_hash, e.seq, e.at, &e.event).unwrap(),
        e.hash
    );
}

#[test]
fn a_refused_change_leaves_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (store, verified) = lived_in(dir.path());
    let before = store.verify_chain().unwrap().entries;
    assert!(store.erase(&verified).is_err());
    assert!(store.activate(99).is_err());
    assert_eq!(store.verify_chain().unwrap().entries, before);
}

#[test]
fn sql_updates_and_deletes_of_the_log_are_refused_by_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    let c = Connection::open(store.db_path()).unwrap();
    assert!(c
        .execute("UPDATE audit SET event = '{}' WHERE seq = 3", [])
        .is_err());
    assert!(c.execute("DELETE FROM audit WHERE seq = 14", []).is_err());
    store.verify_chain().unwrap();
}

#[test]
fn an_edited_event_is_caught_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    let event: String = raw(&store)
        .query_row("SELECT event FROM audit WHERE seq = 7", [], |r| r.get(0))
        .unwrap();
    let forged = event.replace("\"samples\":", "\"samples\":1");
    assert_ne!(forged, event);
    raw(&store)
        .execute("UPDATE audit SET event = ?1 WHERE seq = 7", [forged])
        .unwrap();
    assert_eq!(broken_at(&store), 7);
}

#[test]
fn an_edited_time_is_caught_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    raw(&store)
        .execute(
            "UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE seq = 4",
            [],
        )
        .unwrap();
    assert_eq!(broken_at(&store), 4);
}

#[test]
fn a_deleted_entry_is_caught_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    raw(&store)
        .execute("DELETE FROM audit WHERE seq = 9", [])
        .unwrap();
    assert_eq!(broken_at(&store), 9);
}

#[test]
fn a_truncated_tail_is_caught_by_the_recorded_head() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    raw(&store)
        .execute("DELETE FROM audit WHERE seq >= 13", [])
        .unwrap();
    // Entries 1..=12 still chain correctly; only the head in meta knows there were 14.
    assert_eq!(broken_at(&store), 13);
}

/// Rewrites the log from `from` on with consistent hashes and head, as someone holding the
/// file could.
fn rewrite_consistently(store: &Store, from: u64) {
    let c = raw(store);
    let mut prev: String = c
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [from - 1], |r| {
            r.get(0)
        })
        .unwrap();
    let rows: Vec<(u64, String, String)> = c
        .prepare("SELECT seq, at, event FROM audit WHERE seq >= ?1 ORDER BY seq")
        .unwrap()
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (seq, at, event) in rows {
        let mut event: Value = serde_json::from_str(&event).unwrap();
        event["forged"] = json!(true);
        let at = Timestamp::parse(&at).unwrap();
        let hash = entry_hash(&prev, seq, at, &event).unwrap();
        c.execute(
            "UPDATE audit SET event = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
            params![seq, oubli_ledger::canonical::to_string(&event), prev, hash],
        )
        .unwrap();
        prev = hash;
    }
    let last: u64 = c
        .query_row("SELECT MAX(seq) FROM audit", [], |r| r.get(0))
        .unwrap();
    let head = json!({"hash": prev, "seq": last});
    c.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
        [oubli_ledger::canonical::to_string(&head)],
    )
    .unwrap();
}

#[test]
fn a_consistent_rewrite_passes_alone_but_not_against_a_certificate_held_outside() {
    let dir = tempfile::tempdir().unwrap();
    let (store, verified) = lived_in(dir.path());
    let cert = store.certificate(&verified).unwrap().unwrap();
    rewrite_consistently(&store, 10);
    // The limit of an in-store chain: whoever holds the file can redo every hash.
    store.verify_chain().unwrap();
    let anchor = ChainPosition {
        seq: cert.audit_seq,
        hash: cert.audit_hash,
    };
    match store.verify_chain_against(&[anchor]) {
        Err(LedgerError::Tampered { seq, .. }) => assert_eq!(seq, 13),
        other => panic!("rewrite not caught: {other:?}"),
    }
}

#[test]
fn an_anchor_past_the_end_of_the_log_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = lived_in(dir.path());
    let head = store.verify_chain().unwrap().head.unwrap();
    store
        .verify_chain_against(std::slice::from_ref(&head))
        .unwrap();
    let beyond = ChainPosition {
        seq: 40,
        hash: head.hash,
    };
    assert!(matches!(
        store.verify_chain_against(&[beyond]),
        Err(LedgerError::Tampered { seq: 40, .. })
    ));
}

#[test]
fn the_tables_agree_with_the_log_until_edited_behind_its_back() {
    let dir = tempfile::tempdir().unwrap();
    let (store, verified) = lived_in(dir.path());
    let report = store.verify_state().unwrap();
    assert_eq!((report.requests, report.active_model), (2, Some(2)));
    assert_eq!(report.tombstones, 12);

    let c = Connection::open(store.db_path()).unwrap();
    let failed: String = c
        .query_row("SELECT id FROM requests WHERE status = 'failed'", [], |r| {
            r.get(0)
        })
        .unwrap();
    c.execute(
        "UPDATE requests SET status = 'verified' WHERE id = ?1",
        [&failed],
    )
    .unwrap();
    let err = store.verify_state().unwrap_err();
    assert!(
        matches!(&err, LedgerError::Inconsistent { row, .. } if *row == format!("request {failed}")),
        "{err}"
    );
    c.execute(
        "UPDATE requests SET status = 'failed' WHERE id = ?1",
        [&failed],
    )
    .unwrap();
    store.verify_state().unwrap();

    c.execute("UPDATE models SET active = 0", []).unwrap();
    c.execute("UPDATE models SET active = 1 WHERE version = 1", [])
        .unwrap();
    assert!(
        matches!(store.verify_state(), Err(LedgerError::Inconsistent { row, .. }) if row == "models")
    );
    c.execute("UPDATE models SET active = 0", []).unwrap();
    c.execute("UPDATE models SET active = 1 WHERE version = 2", [])
        .unwrap();

    // Resurrection: an erased sample's row put back.
    let tomb: i64 = c
        .query_row(
            "SELECT sample_id FROM tombstones WHERE request_id = ?1 LIMIT 1",
            [&verified],
            |r| r.get(0),
        )
        .unwrap();
    c.execute(
        "INSERT INTO samples (id, split, position, owner, label, features, groups)
         VALUES (?1, 'train', 999, 'o1', 0, x'00000000', '{}')",
        [tomb],
    )
    .unwrap();
    let err = store.verify_state().unwrap_err();
    assert!(
        matches!(&err, LedgerError::Inconsistent { row, .. } if *row == format!("sample {tomb}")),
        "{err}"
    );
}

#[test]
fn an_exported_log_verifies_offline_and_an_edit_to_it_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (store, verified) = lived_in(dir.path());
    let cert = store.certificate(&verified).unwrap().unwrap();
    let export = store.export().unwrap();
    assert_eq!(export.status.requests[&oubli_ledger::Status::Verified], 1);
    assert_eq!(
        (export.status.train_samples, export.status.tombstones),
        (18, 12)
    );
    assert_eq!(export.requests.len(), 2);
    // The export travels as JSON; the auditor checks it without the store.
    let text = serde_json::to_string(&export).unwrap();
    drop(store);
    let export: oubli_ledger::StoreExport = serde_json::from_str(&text).unwrap();
    let anchor = ChainPosition {
        seq: cert.audit_seq,
        hash: cert.audit_hash.clone(),
    };
    let report =
        oubli_ledger::verify_entries(&export.audit, export.audit_head.clone(), &[anchor]).unwrap();
    assert_eq!(report.entries, 14);

    let mut edited = export.audit.clone();
    edited[10].event["method"] = json!("exact");
    match oubli_ledger::verify_entries(&edited, export.audit_head.clone(), &[]) {
        Err(LedgerError::Tampered { seq, .. }) => assert_eq!(seq, 11),
        other => panic!("edit not caught: {other:?}"),
    }
    let mut dropped = export.audit.clone();
    dropped.pop();
    assert!(oubli_ledger::verify_entries(&dropped, export.audit_head, &[]).is_err());
}
