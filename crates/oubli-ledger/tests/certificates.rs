//! Deletion certificates: issued at verification, checkable offline with the public key
//! file alone, and broken by any edit or another key.

mod common;

use oubli_ledger::{
    read_public_key, verify_certificate, LedgerError, NewModel, Status, Store, Subject,
    PUBLIC_KEY_FILE,
};
use serde_json::{json, Value};

/// A store with one verified request for owner o1; returns the store and the request id.
fn verified(dir: &std::path::Path) -> (Store, String) {
    let (store, clock) = common::marked_store(dir, 30, 5);
    let model = |hash: &str, parent| NewModel {
        weights_hash: hash.into(),
        parent,
        kind: "single".into(),
        method: Some("retrain".into()),
        config: json!({}),
        path: format!("models/{hash}"),
        covers_erasures: None,
    };
    store.register_model(&model("aaaa", None)).unwrap();
    store.activate(1).unwrap();
    let id = store.submit(&Subject::Owner("o1".into())).unwrap().id;
    clock.set(common::T0 + 60);
    store.erase(&id).unwrap();
    clock.set(common::T0 + 120);
    store.register_model(&model("bbbb", Some(1))).unwrap();
    store.mark_applied(&[&id], 2, "retrain").unwrap();
    clock.set(common::T0 + 180);
    let summary = json!({"verdict": "pass", "forget_accuracy_gap": 0.012_345_678_9,
                         "mia_auc": 0.5031, "notes": ["one attack"]});
    store.mark_verified(&[&id], &summary).unwrap();
    (store, id)
}

#[test]
fn a_verified_request_has_a_certificate_that_verifies_offline_with_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = verified(dir.path());
    let text = store.certificate_json(&id).unwrap().unwrap();
    let key = read_public_key(&dir.path().join(PUBLIC_KEY_FILE)).unwrap();
    drop(store);
    let cert = verify_certificate(&text, &key).unwrap();
    assert_eq!(cert.request_id, id);
    assert_eq!(cert.subject, Subject::Owner("o1".into()));
    assert_eq!(cert.samples_erased, 6); // train samples 1, 6, …, 26
    assert_eq!(
        cert.model_before.as_ref().map(|m| m.weights_hash.as_str()),
        Some("aaaa")
    );
    assert_eq!(
        (
            cert.model_after.version,
            cert.model_after.weights_hash.as_str()
        ),
        (2, "bbbb")
    );
    assert_eq!(cert.method, "retrain");
    assert_eq!(
        cert.verification["forget_accuracy_gap"],
        json!(0.012_345_678_9)
    );
    assert_eq!(cert.received_at.0, common::T0);
    assert_eq!(
        (cert.erased_at.0, cert.applied_at.0, cert.verified_at.0),
        (common::T0 + 60, common::T0 + 120, common::T0 + 180)
    );
    assert_eq!(cert.due_at.to_string(), "2027-01-02T06:00:00Z");
    assert!(cert.does_not_prove.iter().any(|s| s.contains("backups")));

    // Its audit position is the verification entry of the store's chain.
    let store = Store::open(dir.path()).unwrap();
    let entry = &store.audit_entries(cert.audit_seq, 1).unwrap()[0];
    assert_eq!(entry.hash, cert.audit_hash);
    assert_eq!(entry.event["type"], "request.verified");
    assert_eq!(store.request(&id).unwrap().status, Status::Verified);
    // The parsed form re-serialises to a certificate that still verifies.
    let again = serde_json::to_string(&store.certificate(&id).unwrap().unwrap()).unwrap();
    verify_certificate(&again, &key).unwrap();
}

/// A different value of the same JSON type.
fn altered(v: &Value) -> Value {
    match v {
        Value::String(s) => json!(format!("{s}x")),
        Value::Number(n) => json!(n.as_f64().unwrap() + 1.0),
        Value::Bool(b) => json!(!b),
        Value::Null => json!(0),
        Value::Array(a) => {
            let mut a = a.clone();
            a.push(json!("extra"));
            json!(a)
        }
        Value::Object(o) => {
            let mut o = o.clone();
            o.insert("extra".into(), json!(1));
            Value::Object(o)
        }
    }
}

#[test]
fn editing_any_field_breaks_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = verified(dir.path());
    let key = store.public_key();
    let original: Value =
        serde_json::from_str(&store.certificate_json(&id).unwrap().unwrap()).unwrap();
    let fields: Vec<String> = original.as_object().unwrap().keys().cloned().collect();
    assert_eq!(fields.len(), 19);
    for field in fields
        .iter()
        .filter(|f| *f != "signature" && *f != "public_key")
    {
        let mut cert = original.clone();
        cert[field] = altered(&original[field]);
        let err = verify_certificate(&cert.to_string(), &key).unwrap_err();
        assert!(
            matches!(&err, LedgerError::BadCertificate(m) if m.contains("signature does not match")),
            "{field}: {err}"
        );
    }
    // A nested edit, a removed field and an added one.
    let mut cert = original.clone();
    cert["verification"]["verdict"] = json!("fail");
    assert!(verify_certificate(&cert.to_string(), &key).is_err());
    let mut cert = original.clone();
    cert.as_object_mut().unwrap().remove("does_not_prove");
    assert!(verify_certificate(&cert.to_string(), &key).is_err());
    let mut cert = original.clone();
    cert["extra"] = json!("claim");
    assert!(verify_certificate(&cert.to_string(), &key).is_err());
    let mut cert = original.clone();
    cert["signature"] = altered(&original["signature"]);
    assert!(verify_certificate(&cert.to_string(), &key).is_err());
    // Reformatting (whitespace, key order) is not an edit.
    verify_certificate(&serde_json::to_string_pretty(&original).unwrap(), &key).unwrap();
}

#[test]
fn another_stores_key_does_not_verify_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = verified(dir.path());
    let text = store.certificate_json(&id).unwrap().unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let (other, _) = common::marked_store(other_dir.path(), 5, 1);
    assert_ne!(other.public_key(), store.public_key());
    let err = verify_certificate(&text, &other.public_key()).unwrap_err();
    assert!(matches!(err, LedgerError::BadCertificate(_)));
    // Even if the certificate is edited to claim the other key.
    let mut cert: Value = serde_json::from_str(&text).unwrap();
    cert["public_key"] = json!(hex::encode(other.public_key().as_bytes()));
    assert!(verify_certificate(&cert.to_string(), &other.public_key()).is_err());
}

#[test]
fn no_certificate_exists_before_verification() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 10, 2);
    let id = store.submit(&Subject::Owner("o1".into())).unwrap().id;
    assert!(store.certificate(&id).unwrap().is_none());
    assert!(matches!(
        store.certificate("del_x"),
        Err(LedgerError::UnknownRequest(_))
    ));
}

#[cfg(unix)]
#[test]
fn the_secret_key_is_readable_by_its_owner_only_and_reopening_uses_the_same_key() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 10, 2);
    let mode = std::fs::metadata(dir.path().join(oubli_ledger::SECRET_KEY_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let public = store.public_key();
    drop(store);
    assert_eq!(Store::open(dir.path()).unwrap().public_key(), public);
    assert_eq!(
        read_public_key(&dir.path().join(PUBLIC_KEY_FILE)).unwrap(),
        public
    );
}

#[test]
fn a_swapped_secret_key_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 10, 2);
    drop(store);
    let key = dir.path().join(oubli_ledger::SECRET_KEY_FILE);
    std::fs::write(&key, format!("{}\n", "11".repeat(32))).unwrap();
    assert!(matches!(
        Store::open(dir.path()),
        Err(LedgerError::BadKey { .. })
    ));
}

#[test]
fn a_malformed_public_key_is_a_bad_key_error() {
    for text in ["", "zz", &"ab".repeat(31)] {
        assert!(matches!(
            oubli_ledger::parse_public_key(text),
            Err(LedgerError::BadKey { .. })
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = common::marked_store(dir.path(), 5, 1);
    let text = std::fs::read_to_string(dir.path().join(PUBLIC_KEY_FILE)).unwrap();
    assert_eq!(
        oubli_ledger::parse_public_key(&text).unwrap(),
        store.public_key()
    );
}
