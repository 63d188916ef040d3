//! One error type for every endpoint: a stable machine-readable `code`, a message, and the
//! HTTP status. Internal errors are logged and answered with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use oubli_ledger::LedgerError;
use serde_json::json;

/// An error answered as `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `unknown_owner`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
}

impl ApiError {
    /// A 4xx error with `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 500 whose detail goes to the log, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        eprintln!("oubli-server: internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (logged on the server)",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        use LedgerError as L;
        let (status, code) = match &e {
            L::UnknownRequest(_) => (StatusCode::NOT_FOUND, "unknown_request"),
            L::UnknownOwner(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_owner"),
            L::UnknownSample(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_sample"),
            L::InvalidSubject(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_subject"),
            L::InvalidTransition { .. } => (StatusCode::CONFLICT, "invalid_transition"),
            L::RequestClosed { .. } => (StatusCode::CONFLICT, "request_closed"),
            L::ExtensionRefused { .. } | L::ExtensionWithoutReason => {
                (StatusCode::UNPROCESSABLE_ENTITY, "extension_refused")
            }
            L::UnknownModel(_) => (StatusCode::NOT_FOUND, "unknown_model"),
            _ => return ApiError::internal(e),
        };
        ApiError::new(status, code, e.to_string())
    }
}
