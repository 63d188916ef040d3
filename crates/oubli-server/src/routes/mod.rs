//! The router: one file per resource.

mod deletions;
mod info;
mod predict;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

/// Every route as (method, path), as the OpenAPI document lists them (a test checks both
/// agree and that each is routed).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/deletions"),
    ("GET", "/v1/deletions"),
    ("GET", "/v1/deletions/{id}"),
    ("POST", "/v1/deletions/{id}/extension"),
    ("POST", "/v1/predict"),
    ("GET", "/v1/models"),
    ("GET", "/v1/health"),
    ("GET", "/v1/audit/verify"),
    ("GET", "/v1/public-key"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/metrics"),
];

/// The whole API over `state`: call it from tests with `oneshot`, or serve it.
pub fn router(state: AppState) -> Router {
    let limit = state.limits.body_bytes;
    let mutating = Router::new()
        .route("/v1/deletions", post(deletions::submit))
        .route("/v1/deletions/{id}/extension", post(deletions::extend))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .merge(mutating)
        .route("/v1/deletions", get(deletions::list))
        .route("/v1/deletions/{id}", get(deletions::show))
        .route("/v1/predict", post(predict::predict))
        .route("/v1/models", get(info::models))
        .route("/v1/health", get(info::health))
        .route("/v1/audit/verify", get(info::audit_verify))
        .route("/v1/public-key", get(info::public_key))
        .route("/v1/openapi.json", get(info::openapi))
        .route("/metrics", get(info::metrics))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see /v1/openapi.json)",
    )
}

/// Refuses a mutating call without `Authorization: Bearer <token>`.
async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(t) if constant_time_eq(t.as_bytes(), state.token.as_bytes()) => {
            Ok(next.run(request).await)
        }
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_token",
            "the bearer token is wrong",
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "this call needs `Authorization: Bearer <token>` (the token is in STORE/api-token)",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
