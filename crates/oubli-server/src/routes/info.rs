//! Read-only endpoints: models, health, audit chain, public key, metrics, OpenAPI.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};
use std::fmt::Write;
use std::sync::atomic::Ordering;

async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&oubli_ledger::Store) -> Result<T, oubli_ledger::LedgerError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(ApiError::internal)??)
}

/// `GET /v1/models`: every version, the active one flagged.
pub async fn models(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let models = blocking(&state, |s| s.models()).await?;
    Ok(Json(
        json!({"serving": state.active.load().version, "models": models}),
    ))
}

/// `GET /v1/health`.
pub async fn health(State(state): State<AppState>) -> Json<Value> {
    let a = state.active.load();
    Json(json!({
        "status": "ok",
        "model_version": a.version,
        "model_kind": a.model().kind(),
        "weights_sha256": a.model().lineage().weights_sha256,
    }))
}

/// `GET /v1/audit/verify`: walks the hash chain and replays it against the tables.
pub async fn audit_verify(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let out = blocking(&state, |s| {
        let chain = s.verify_chain();
        let tables = s.verify_state();
        Ok((chain, tables))
    })
    .await?;
    let (chain, tables) = out;
    let (ok, body) = match (chain, tables) {
        (Ok(c), Ok(t)) => (true, json!({"ok": true, "chain": c, "state": t})),
        (c, t) => (
            false,
            json!({
                "ok": false,
                "chain": c.map(|c| json!(c)).unwrap_or_else(|e| json!({"error": e.to_string()})),
                "state": t.map(|t| json!(t)).unwrap_or_else(|e| json!({"error": e.to_string()})),
            }),
        ),
    };
    let _ = ok;
    Ok(Json(body))
}

/// `GET /v1/public-key`: the key certificates are signed with (the text of
/// `STORE/certificate-key.pub`).
pub async fn public_key(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let path = state.store.dir().join("certificate-key.pub");
    let text = std::fs::read_to_string(&path).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let m = blocking(&state, |s| s.metrics(5)).await?;
    let c = &state.counters;
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, kind: &str, lines: Vec<(String, f64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, v) in lines {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    gauge(
        "oubli_deletion_requests",
        "Deletion requests by status.",
        "gauge",
        m.by_status
            .iter()
            .map(|(s, n)| (format!("{{status=\"{}\"}}", s.as_str()), *n as f64))
            .collect(),
    );
    gauge(
        "oubli_queue_depth",
        "Requests not yet applied (received or erased).",
        "gauge",
        vec![(String::new(), m.pending as f64)],
    );
    gauge(
        "oubli_oldest_pending_age_seconds",
        "Age of the oldest request not yet applied (0 when none).",
        "gauge",
        vec![(String::new(), m.oldest_pending_age_secs.unwrap_or(0) as f64)],
    );
    gauge(
        "oubli_due_within_5_days",
        "Open requests due within 5 days.",
        "gauge",
        vec![(String::new(), m.due_within as f64)],
    );
    gauge(
        "oubli_overdue",
        "Open requests past their due date.",
        "gauge",
        vec![(String::new(), m.overdue as f64)],
    );
    gauge(
        "oubli_active_model_version",
        "Version of the model being served.",
        "gauge",
        vec![(String::new(), state.active.load().version as f64)],
    );
    for (name, help, v) in [
        (
            "oubli_predictions_total",
            "Predict calls answered.",
            &c.predictions,
        ),
        (
            "oubli_predicted_rows_total",
            "Rows predicted.",
            &c.predicted_rows,
        ),
        (
            "oubli_deletions_accepted_total",
            "Deletion requests acknowledged (202).",
            &c.deletions_accepted,
        ),
        (
            "oubli_deletions_rate_limited_total",
            "Deletion requests refused by the rate limit (429).",
            &c.deletions_rate_limited,
        ),
        (
            "oubli_model_swaps_total",
            "Active model swaps since start.",
            &c.model_swaps,
        ),
    ] {
        gauge(
            name,
            help,
            "counter",
            vec![(String::new(), v.load(Ordering::Relaxed) as f64)],
        );
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    (StatusCode::OK, Json(crate::openapi::document()))
}
