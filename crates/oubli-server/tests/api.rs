//! The API in-process (`router` + `oneshot`), on a store of the embedded digits data.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use oubli_data::{load, LoadOptions};
use oubli_engine::TrainPlan;
use oubli_ledger::Status;
use oubli_model::{ModelSpec, Silent, TrainConfig};
use oubli_server::{router, state, AppState, Limits, ROUTES};
use oubli_worker::{init_store, Policy, Worker};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

const TOKEN: &str = "test-token";

fn store(dir: &std::path::Path) -> oubli_ledger::Store {
    let ds = load("digits", &LoadOptions::default()).unwrap();
    let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 3,
        lr: 1e-2,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    init_store(
        dir,
        &ds,
        &TrainPlan::Single { spec, config },
        Default::default(),
        &mut Silent,
    )
    .unwrap()
    .0
}

fn app(dir: &std::path::Path) -> AppState {
    state(Arc::new(store(dir)), TOKEN.into(), Limits::default()).unwrap()
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<Value>,
    token: bool,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if token {
        req = req.header("authorization", format!("Bearer {TOKEN}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v)
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routed_paths() {
    let dir = tempfile::tempdir().unwrap();
    let s = app(dir.path());
    let (code, doc) = call(&s, "GET", "/v1/openapi.json", None, false).await;
    assert_eq!(code, StatusCode::OK);
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    for (m, p) in ROUTES {
        let uri = p.replace("{id}", "del_none");
        let (code, _) = call(
            &s,
            m,
            &uri,
            if *m == "POST" { Some(json!({})) } else { None },
            true,
        )
        .await;
        assert_ne!(code, StatusCode::METHOD_NOT_ALLOWED, "{m} {p}");
        if !p.contains("{id}") {
            assert_ne!(
                code,
                StatusCode::NOT_FOUND,
                "{m} {p} is documented but not routed"
            );
        }
    }
    let (code, v) = call(&s, "GET", "/v1/nope", None, false).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_stable_code_never_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let s = app(dir.path());
    let cases = [
        (
            "POST",
            "/v1/deletions",
            Some(json!({"owner": "3"})),
            false,
            StatusCode::UNAUTHORIZED,
            "missing_token",
        ),
        (
            "POST",
            "/v1/deletions",
            Some(json!({"nobody": 1})),
            true,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "POST",
            "/v1/deletions",
            Some(json!({"owner": "no-such-owner"})),
            true,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_owner",
        ),
        (
            "POST",
            "/v1/deletions",
            Some(json!({"sample_ids": []})),
            true,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_subject",
        ),
        (
            "GET",
            "/v1/deletions/del_missing",
            None,
            false,
            StatusCode::NOT_FOUND,
            "unknown_request",
        ),
        (
            "GET",
            "/v1/deletions?status=bogus",
            None,
            false,
            StatusCode::BAD_REQUEST,
            "invalid_status",
        ),
        (
            "POST",
            "/v1/predict",
            Some(json!({"inputs": [[1.0, 2.0]]})),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_feature_size",
        ),
        (
            "POST",
            "/v1/predict",
            Some(json!({"inputs": []})),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_batch",
        ),
        (
            "POST",
            "/v1/predict",
            Some(json!({"inputs": vec![vec![0.0f32; 64]; 1025]})),
            false,
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
        ),
    ];
    for (m, uri, body, token, want, code) in cases {
        let (got, v) = call(&s, m, uri, body, token).await;
        assert_eq!(
            (got, v["error"]["code"].as_str()),
            (want, Some(code)),
            "{m} {uri}: {v}"
        );
    }
    // Not JSON at all.
    let req = Request::post("/v1/deletions")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let resp = router(s.clone()).oneshot(req).await.unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
}

#[tokio::test]
async fn a_filed_deletion_is_erased_forgotten_verified_and_certified() {
    let dir = tempfile::tempdir().unwrap();
    let s = app(dir.path());
    let ds = s.store.dataset().unwrap();
    let owned: Vec<u64> = (0..ds.train.len())
        .filter(|&i| ds.train.owners[i].as_deref() == Some("3"))
        .map(|i| ds.train.ids[i])
        .collect();
    assert!(!owned.is_empty());
    let (code, v) = call(
        &s,
        "POST",
        "/v1/deletions",
        Some(json!({"owner": "3"})),
        true,
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["status"], "received");
    let id = v["id"].as_str().unwrap().to_string();
    let before = s.active.load().model().lineage().weights_sha256;

    let mut worker = Worker::new(
        &s.store,
        Policy {
            approximate_method: "retrain".into(),
            ..Policy::default()
        },
    )
    .unwrap();
    let step = worker.step().unwrap().unwrap();
    assert_eq!(step.verified, 1, "{step:?}");
    assert_eq!(s.store.request(&id).unwrap().status, Status::Verified);

    // The data is gone from the store, and the new model was trained without it.
    let left = s.store.dataset().unwrap();
    assert!(left.train.ids.iter().all(|i| !owned.contains(i)));
    let (model, _) = worker.model();
    assert_ne!(model.lineage().weights_sha256, before);
    model
        .training_data(&left)
        .expect("the served model is trained on exactly the store's rows");

    let (code, v) = call(&s, "GET", &format!("/v1/deletions/{id}"), None, false).await;
    assert_eq!(code, StatusCode::OK);
    let cert = v["certificate"].to_string();
    let key =
        oubli_ledger::read_public_key(&dir.path().join(oubli_ledger::PUBLIC_KEY_FILE)).unwrap();
    let checked = oubli_ledger::verify_certificate(&cert, &key).unwrap();
    assert_eq!(checked.samples_erased, owned.len() as u64);
    let tampered = cert.replace(
        &format!("\"samples_erased\":{}", owned.len()),
        "\"samples_erased\":0",
    );
    assert!(oubli_ledger::verify_certificate(&tampered, &key).is_err());

    // A second request for the same owner has nothing left.
    let (code, v) = call(
        &s,
        "POST",
        "/v1/deletions",
        Some(json!({"owner": "3"})),
        true,
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{v}");
    let again = v["id"].as_str().unwrap().to_string();
    worker.step().unwrap();
    assert_eq!(s.store.request(&again).unwrap().status, Status::NoData);

    let (code, v) = call(&s, "GET", "/v1/audit/verify", None, false).await;
    assert_eq!((code, &v["ok"]), (StatusCode::OK, &json!(true)), "{v}");
    let (_, metrics) = call(&s, "GET", "/metrics", None, false).await;
    let text = metrics.as_str().unwrap();
    assert!(
        text.contains("oubli_deletion_requests{status=\"verified\"} 1"),
        "{text}"
    );
    assert!(text.contains("oubli_queue_depth 0"), "{text}");
}

#[tokio::test]
async fn predictions_come_from_the_active_model_and_sum_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = app(dir.path());
    let ds = s.store.dataset().unwrap();
    let rows: Vec<Vec<f32>> = (0..3).map(|i| ds.test.row(i).to_vec()).collect();
    let (code, v) = call(
        &s,
        "POST",
        "/v1/predict",
        Some(json!({"inputs": rows})),
        false,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{v}");
    let probs = v["probabilities"].as_array().unwrap();
    assert_eq!(probs.len(), 3);
    for p in probs {
        let sum: f64 = p
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    }
    let direct = s.active.load().model().predict(&rows.concat()).unwrap();
    assert_eq!(probs[0][0].as_f64().unwrap() as f32, direct[0]);
}

#[test]
fn a_corrupt_active_model_file_falls_back_to_the_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let s = state(Arc::new(store), TOKEN.into(), Limits::default()).unwrap();
    let first = s.store.active_model().unwrap().unwrap();
    s.store
        .submit(&oubli_ledger::Subject::Owner("4".into()))
        .unwrap();
    let mut w = Worker::new(
        &s.store,
        Policy {
            approximate_method: "retrain".into(),
            ..Policy::default()
        },
    )
    .unwrap();
    w.step().unwrap();
    let second = s.store.active_model().unwrap().unwrap();
    assert_ne!(first.version, second.version);
    let path = s.store.model_path(&second);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    let (_, v) = oubli_worker::load_active(&s.store).unwrap();
    assert_eq!(
        v, first.version,
        "the altered file is refused and the previous good version served"
    );
    assert!(s
        .store
        .model(second.version)
        .unwrap()
        .rejected_reason
        .is_some());
    // The fallback saw the erased owner: the next step retrains on the store's rows.
    let mut w = Worker::new(&s.store, Policy::default()).unwrap();
    let r = w.step().unwrap().unwrap();
    assert_eq!(r.method.as_deref(), Some("retrain"));
    let (m, _) = w.model();
    m.training_data(&s.store.dataset().unwrap()).unwrap();
}

#[tokio::test]
async fn a_due_date_is_extended_at_most_two_months_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = app(dir.path());
    let (_, filed) = call(
        &s,
        "POST",
        "/v1/deletions",
        Some(json!({"owner": "3"})),
        true,
    )
    .await;
    let id = filed["id"].as_str().unwrap().to_string();
    let uri = format!("/v1/deletions/{id}/extension");
    let body = json!({"months": 2, "reason": "the subject's data spans three systems"});
    let (code, _) = call(&s, "POST", &uri, Some(body.clone()), false).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "mutating: needs the token");
    let (code, v) = call(
        &s,
        "POST",
        &uri,
        Some(json!({"months": 1, "reason": " "})),
        true,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (code, v) = call(&s, "POST", &uri, Some(body), true).await;
    assert_eq!(code, StatusCode::OK, "{v}");
    assert_eq!(v["extension_months"], 2);
    assert_eq!(
        v["extension_reason"],
        "the subject's data spans three systems"
    );
    let due = v["due_at"].as_str().unwrap();
    let received = filed["received"].as_str().unwrap();
    let month = |t: &str| t[0..4].parse::<i32>().unwrap() * 12 + t[5..7].parse::<i32>().unwrap();
    assert_eq!(
        month(due) - month(received),
        3,
        "1 month plus 2: {received} → {due}"
    );
    let (code, v) = call(
        &s,
        "POST",
        &uri,
        Some(json!({"months": 1, "reason": "more"})),
        true,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["code"], "extension_refused",
        "3 months in all at most"
    );
    let (code, _) = call(
        &s,
        "POST",
        "/v1/deletions/del_nope/extension",
        Some(json!({"months": 1, "reason": "x"})),
        true,
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    s.store.verify_chain().unwrap();
}
