//! What every handler shares: the store, the served model (swapped atomically), the
//! group-commit intake, the token and its rate limiter, and counters for `/metrics`.

use crate::intake::Intake;
use arc_swap::ArcSwap;
use oubli_engine::{AnyModel, Predictor};
use oubli_ledger::Store;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The model being served: a request sees a whole one or the next, never half of either.
pub struct Active {
    /// The model, prepared for serving (weights uploaded once, at the swap).
    pub predictor: Predictor,
    /// Its version in the store.
    pub version: i64,
}

impl Active {
    /// `model` at `version`, prepared for serving.
    pub fn new(model: &AnyModel, version: i64) -> Self {
        Self {
            predictor: model.predictor(),
            version,
        }
    }

    /// The model being served.
    pub fn model(&self) -> &AnyModel {
        self.predictor.model()
    }
}

/// Limits on what a client may send.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, bytes.
    pub body_bytes: usize,
    /// Most rows in one predict call.
    pub predict_rows: usize,
    /// Deletion requests per second per token (token bucket; burst is 10 s worth).
    pub deletions_per_second: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 8 << 20,
            predict_rows: 1024,
            deletions_per_second: 100.0,
        }
    }
}

/// A token bucket per bearer token.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// Takes one token for `key`; false when its bucket is empty.
    pub fn allow(&self, key: &str, per_second: f64) -> bool {
        let burst = (per_second * 10.0).max(1.0);
        let mut b = self.buckets.lock().expect("rate limiter");
        let now = Instant::now();
        let (level, at) = b.entry(key.to_string()).or_insert((burst, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Counters exported at `/metrics`.
#[derive(Default)]
pub struct Counters {
    /// Predict calls answered.
    pub predictions: AtomicU64,
    /// Rows predicted.
    pub predicted_rows: AtomicU64,
    /// Deletions accepted (202).
    pub deletions_accepted: AtomicU64,
    /// Deletions refused by the rate limiter (429).
    pub deletions_rate_limited: AtomicU64,
    /// Model swaps since start.
    pub model_swaps: AtomicU64,
}

/// The state behind the router.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
    /// The served model.
    pub active: Arc<ArcSwap<Active>>,
    /// Durable intake with group commit.
    pub intake: Intake,
    /// The bearer token every mutating call needs.
    pub token: Arc<String>,
    /// Limits.
    pub limits: Arc<Limits>,
    /// Per-token rate limiting of deletions.
    pub rate: Arc<RateLimiter>,
    /// Counters.
    pub counters: Arc<Counters>,
}
