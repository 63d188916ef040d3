//! Deletion requests: durable submission, deadlines and their extension, the state machine,
//! and the numbers the metrics endpoint shows.

mod common;

use common::T0;
use oubli_ledger::{LedgerError, NewModel, Status, Store, Subject, Timestamp};
use serde_json::json;

fn model(store: &Store, hash: &str, parent: Option<i64>) -> i64 {
    store
        .register_model(&NewModel {
            weights_hash: hash.into(),
            parent,
            kind: "single".into(),
            method: Some("retrain".into()),
            config: json!({}),
            path: format!("models/{hash}.oubli"),
            covers_erasures: None,
        })
        .unwrap()
        .version
}

#[test]
fn a_batch_commits_the_valid_subjects_and_rejects_only_the_invalid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let results = store
        .submit_many(&[
            Subject::Owner("o1".into()),
            Subject::Owner("ghost".into()),
            Subject::SampleIds(vec![11, 1]),
        ])
        .unwrap();
    assert!(results[0].is_ok() && results[2].is_ok());
    assert!(matches!(results[1], Err(LedgerError::UnknownOwner(_))));
    let ids: Vec<String> = store
        .requests(None, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        ids,
        vec![
            results[0].as_ref().unwrap().id.clone(),
            results[2].as_ref().unwrap().id.clone()
        ]
    );
    // Ids are del_ + 32 hex digits, and sample ids are kept sorted.
    let id = &ids[0];
    assert!(id.starts_with("del_") && id.len() == 36);
    assert!(id[4..]
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(
        store.request(&ids[1]).unwrap().subject,
        Subject::SampleIds(vec![1, 11])
    );
}

#[test]
fn a_submitted_request_is_there_after_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let sub = store.submit(&Subject::Owner("o2".into())).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let req = store.request(&sub.id).unwrap();
    assert_eq!(
        (req.status, req.received_at, req.due_at),
        (Status::Received, sub.received_at, sub.due_at)
    );
    assert!(matches!(
        store.request("del_nope").unwrap_err(),
        LedgerError::UnknownRequest(_)
    ));
}

#[test]
fn due_is_one_calendar_month_after_receipt_and_extends_by_at_most_two_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = common::marked_store(dir.path(), 20, 4);
    clock.set(Timestamp::parse("2027-01-31T12:00:00Z").unwrap().0);
    let sub = store.submit(&Subject::Owner("o1".into())).unwrap();
    assert_eq!(sub.due_at.to_string(), "2027-02-28T12:00:00Z");

    assert!(matches!(
        store.extend(&sub.id, 1, "  "),
        Err(LedgerError::ExtensionWithoutReason)
    ));
    let r = store
        .extend(&sub.id, 1, "complex request: 40 linked records")
        .unwrap();
    assert_eq!(
        (r.due_at.to_string().as_str(), r.extension_months),
        ("2027-03-31T12:00:00Z", 1)
    );
    assert_eq!(
        r.extension_reason.as_deref(),
        Some("complex request: 40 linked records")
    );
    let r = store.extend(&sub.id, 1, "backlog of requests").unwrap();
    assert_eq!(r.due_at.to_string(), "2027-04-30T12:00:00Z");
    assert!(matches!(
        store.extend(&sub.id, 1, "more"),
        Err(LedgerError::ExtensionRefused {
            asked: 1,
            left: 0,
            ..
        })
    ));
}

#[test]
fn the_state_machine_refuses_skipped_and_backward_steps() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let v1 = model(&store, "h1", None);
    let id = store.submit(&Subject::Owner("o1".into())).unwrap().id;
    let refused = |e: LedgerError, from, to| {
        assert!(
            matches!(&e, LedgerError::InvalidTransition { from: f, to: t, .. } if *f == from && *t == to),
            "{e}"
        )
    };
    refused(
        store.mark_applied(&[&id], v1, "retrain").unwrap_err(),
        Status::Received,
        Status::Applied,
    );
    refused(
        store.mark_verified(&[&id], &json!({})).unwrap_err(),
        Status::Received,
        Status::Verified,
    );
    store.erase(&id).unwrap();
    refused(
        store.erase(&id).unwrap_err(),
        Status::Erased,
        Status::Erased,
    );
    refused(
        store.retry(&id).unwrap_err(),
        Status::Erased,
        Status::Erased,
    );
    // A refused step in a batch changes nothing, not even the valid ones before it.
    let other = store.submit(&Subject::Owner("o2".into())).unwrap().id;
    store.erase(&other).unwrap();
    let fresh = store.submit(&Subject::Owner("o3".into())).unwrap().id;
    assert!(store
        .mark_applied(&[&other, &fresh], v1, "retrain")
        .is_err());
    assert_eq!(store.request(&other).unwrap().status, Status::Erased);
    assert!(store.active_model().unwrap().is_none());
}

#[test]
fn a_failed_request_keeps_its_data_erased_and_retries_from_erased() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let v1 = model(&store, "h1", None);
    store.activate(v1).unwrap();
    let v2 = model(&store, "h2", Some(v1));
    let id = store.submit(&Subject::Owner("o1".into())).unwrap().id;
    store.erase(&id).unwrap();
    store.mark_applied(&[&id], v2, "finetune").unwrap();
    let failed = store
        .mark_failed(&[&id], "membership attack AUC 0.71 > 0.60")
        .unwrap();
    assert_eq!((failed[0].status, failed[0].attempts), (Status::Failed, 1));
    assert_eq!(
        failed[0].reason.as_deref(),
        Some("membership attack AUC 0.71 > 0.60")
    );
    let back = store.retry(&id).unwrap();
    assert_eq!(
        (back.status, back.reason.as_deref()),
        (Status::Erased, Some("membership attack AUC 0.71 > 0.60"))
    );
    let never_erased = store.submit(&Subject::Owner("o2".into())).unwrap().id;
    store
        .mark_failed(&[&never_erased], "worker crashed")
        .unwrap();
    assert_eq!(store.retry(&never_erased).unwrap().status, Status::Received);
}

#[test]
fn applying_activates_the_model_and_records_what_served_before() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 20, 4);
    let v1 = model(&store, "h1", None);
    store.activate(v1).unwrap();
    let v2 = model(&store, "h2", Some(v1));
    let id = store.submit(&Subject::Owner("o1".into())).unwrap().id;
    store.erase(&id).unwrap();
    let applied = store.mark_applied(&[&id], v2, "sisa").unwrap();
    assert_eq!(
        (
            applied[0].model_before,
            applied[0].model_after,
            applied[0].method.as_deref()
        ),
        (Some(v1), Some(v2), Some("sisa"))
    );
    assert_eq!(store.active_model().unwrap().unwrap().version, v2);
}

#[test]
fn counts_and_metrics_follow_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = common::marked_store(dir.path(), 40, 8);
    let day = 86_400;
    let mut ids = Vec::new();
    for (k, owner) in ["o0", "o1", "o2", "o3"].iter().enumerate() {
        clock.set(T0 + k as i64 * 10 * day);
        ids.push(store.submit(&Subject::Owner(owner.to_string())).unwrap().id);
    }
    store.erase(&ids[0]).unwrap();
    let again = store.submit(&Subject::Owner("o0".into())).unwrap().id;
    store.erase(&again).unwrap();

    // Now T0 + 30 days: o0's request (due T0 + 31 days) is due within 5 days, none overdue.
    clock.set(T0 + 30 * day);
    let m = store.metrics(5).unwrap();
    assert_eq!(m.by_status[&Status::Received], 3);
    assert_eq!(m.by_status[&Status::Erased], 1);
    assert_eq!(m.by_status[&Status::NoData], 1);
    assert_eq!(m.by_status[&Status::Verified], 0);
    assert_eq!(m.pending, 4);
    assert_eq!(m.oldest_pending_age_secs, Some(30 * day));
    assert_eq!((m.due_within, m.overdue), (1, 0));
    assert_eq!(m.active_model, None);

    clock.set(T0 + 45 * day);
    let m = store.metrics(5).unwrap();
    assert_eq!((m.due_within, m.overdue), (2, 2));
    assert_eq!(store.counts().unwrap(), m.by_status);
    let received = store.requests(Some(Status::Received), 10).unwrap();
    assert_eq!(
        received.iter().map(|r| &r.id).collect::<Vec<_>>(),
        ids[1..].iter().collect::<Vec<_>>()
    );
    assert_eq!(store.requests(Some(Status::Received), 2).unwrap().len(), 2);
    // The metrics serialise with status names as keys, as a JSON endpoint would show them.
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["by_status"]["no_data"], 1);
}

#[test]
fn the_store_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Store>();
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 40, 8);
    let store = std::sync::Arc::new(store);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for k in 0..10 {
                    store
                        .submit(&Subject::Owner(format!("o{}", (t + k) % 8)))
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(store.counts().unwrap()[&Status::Received], 40);
    assert_eq!(store.verify_chain().unwrap().entries, 41);
}
