//! `POST /v1/predict`: class probabilities from the active model for a batch of rows.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// `{"inputs": [[f32; d], …]}`: flattened images or feature rows, as the model was trained.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictBody {
    inputs: Vec<Vec<f32>>,
}

/// Answers with `{"model_version", "probabilities": [[..]], "classes": [..]}`.
pub async fn predict(
    State(state): State<AppState>,
    body: Result<Json<PredictBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(|e| {
        ApiError::new(
            e.status(),
            "invalid_body",
            format!("{}: send {{\"inputs\": [[...], ...]}}", e.body_text()),
        )
    })?;
    let rows = body.inputs.len();
    if rows == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_batch",
            "inputs is empty",
        ));
    }
    if rows > state.limits.predict_rows {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "{rows} rows: at most {} per call",
                state.limits.predict_rows
            ),
        ));
    }
    // One snapshot for the whole batch: a swap mid-request cannot mix two models.
    let active = state.active.load_full();
    let dim = active.model().input_dim();
    if let Some((i, r)) = body.inputs.iter().enumerate().find(|(_, r)| r.len() != dim) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_feature_size",
            format!("row {i} has {} values, the model takes {dim}", r.len()),
        ));
    }
    if body.inputs.iter().flatten().any(|v| !v.is_finite()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "non_finite_input",
            "inputs contain NaN or infinity",
        ));
    }
    let flat: Vec<f32> = body.inputs.into_iter().flatten().collect();
    let k = active.model().num_classes();
    let compute = move || active.predictor.predict(&flat).map(|p| (p, active.version));
    // Small batches run inline (a thread hop costs more than the forward pass).
    let (probs, version) = if rows <= 16 {
        compute()
    } else {
        tokio::task::spawn_blocking(compute)
            .await
            .map_err(ApiError::internal)?
    }
    .map_err(ApiError::internal)?;
    state.counters.predictions.fetch_add(1, Ordering::Relaxed);
    state
        .counters
        .predicted_rows
        .fetch_add(rows as u64, Ordering::Relaxed);
    let probabilities: Vec<&[f32]> = probs.chunks(k).collect();
    let classes: Vec<usize> = probabilities
        .iter()
        .map(|r| oubli_model::argmax(r))
        .collect();
    Ok(Json(
        json!({"model_version": version, "probabilities": probabilities, "classes": classes}),
    ))
}
