//! `/v1/deletions`: file a request (durable before the 202), look one up, list them.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use oubli_ledger::{Status, Subject};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// `POST /v1/deletions` with `{"owner": "ID"}` or `{"sample_ids": [..]}`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<Subject>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(subject) = body.map_err(|e| {
        ApiError::new(
            e.status(),
            "invalid_body",
            format!(
                "{}: send {{\"owner\": \"ID\"}} or {{\"sample_ids\": [1, 2]}}",
                e.body_text()
            ),
        )
    })?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !state.rate.allow(token, state.limits.deletions_per_second) {
        state
            .counters
            .deletions_rate_limited
            .fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "more than {} deletion requests per second for this token",
                state.limits.deletions_per_second
            ),
        ));
    }
    let s = state.intake.submit(subject).await?;
    state
        .counters
        .deletions_accepted
        .fetch_add(1, Ordering::Relaxed);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": s.id, "status": s.status, "received": s.received_at, "due": s.due_at})),
    ))
}

/// `GET /v1/deletions/{id}`: the request and, once verified, its signed certificate.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store.clone();
    let (req, cert) = tokio::task::spawn_blocking(move || {
        let req = store.request(&id)?;
        let cert = store.certificate_json(&id)?;
        Ok::<_, oubli_ledger::LedgerError>((req, cert))
    })
    .await
    .map_err(ApiError::internal)??;
    let mut v = serde_json::to_value(&req).map_err(ApiError::internal)?;
    if let Some(text) = cert {
        v["certificate"] = serde_json::from_str(&text).map_err(ApiError::internal)?;
    }
    Ok(Json(v))
}

/// Query of `GET /v1/deletions`.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/deletions?status=…&limit=…`.
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_status",
                format!(
                    "unknown status `{s}`: received, erased, applied, verified, failed or no_data"
                ),
            )
        })?),
    };
    let limit = q.limit.unwrap_or(100).min(10_000);
    let store = state.store.clone();
    let reqs = tokio::task::spawn_blocking(move || store.requests(status, limit))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(json!({"requests": reqs})))
}

/// Body of `POST /v1/deletions/{id}/extension`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    months: u32,
    reason: String,
}

/// `POST /v1/deletions/{id}/extension`: a later due date for a pending request, with the
/// reason recorded (and audited) beside it.
pub async fn extend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ExtensionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(|e| {
        ApiError::new(
            e.status(),
            "invalid_body",
            format!(
                "{}: send {{\"months\": 1, \"reason\": \"...\"}}",
                e.body_text()
            ),
        )
    })?;
    let store = state.store.clone();
    let req = tokio::task::spawn_blocking(move || store.extend(&id, body.months, &body.reason))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(
        serde_json::to_value(&req).map_err(ApiError::internal)?,
    ))
}
