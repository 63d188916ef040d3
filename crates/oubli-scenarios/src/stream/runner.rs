//! One policy over the stream: each request through [`oubli_engine::apply`] with the
//! method [`Policy::method_for`] picks (the deletion worker's own decision), then measured.

use super::measure::measure;
use super::{PolicyTrace, StreamPolicy, StreamStep};
use crate::ScenarioError;
use oubli_data::{Dataset, Selection};
use oubli_engine::{apply, AnyModel, DeletionReport, DeletionRequest, KindDetail, TrainReport};
use oubli_worker::Policy;

/// The model a policy starts from and what training it cost.
pub(super) struct Start {
    model: AnyModel,
    seconds: f64,
    sample_gradients: u64,
}

impl Start {
    /// The single network shared by the approximate policies.
    pub(super) fn from_single(base: &(AnyModel, f64, u64)) -> Self {
        Self {
            model: base.0.clone(),
            seconds: base.1,
            sample_gradients: base.2,
        }
    }

    /// A freshly trained ensemble or certified model.
    pub(super) fn trained((model, report): (AnyModel, TrainReport)) -> Self {
        let (seconds, sample_gradients) = match &report {
            TrainReport::Single(r) => (r.fit.seconds, r.fit.sample_gradients),
            TrainReport::Sisa(r) => (r.report.seconds, r.report.sample_gradients),
            // Newton's method, not gradient training: no sample-gradient count.
            TrainReport::Certified(r) => (r.seconds, 0),
        };
        Self {
            model,
            seconds,
            sample_gradients,
        }
    }
}

/// The stream every policy answers.
pub(super) struct Stream<'a> {
    pub dataset: &'a Dataset,
    /// Owners in request order.
    pub owners: &'a [String],
    /// Each owner's training rows.
    pub rows: &'a [Vec<usize>],
    /// `forget_rows[r]`: rows of the first `r` owners.
    pub forget_rows: &'a [Vec<usize>],
}

/// The worker policy a stream policy runs under: the approximate-only one never retrains.
fn worker_policy(p: StreamPolicy, policy: &Policy) -> Policy {
    let mut policy = policy.clone();
    if p == StreamPolicy::ApproxOnly {
        policy.retrain_every_requests = usize::MAX;
    }
    policy
}

fn cost(report: &DeletionReport) -> (u64, Option<String>) {
    match &report.detail {
        KindDetail::Single(d) => (
            d.sample_gradients,
            d.stats
                .collapse_guard_triggered
                .then(|| "collapse guard stopped the method".to_string()),
        ),
        KindDetail::Sisa(d) => (
            d.report.sample_gradients,
            Some(format!(
                "{} shard(s), {} stage(s) retrained",
                d.report.shards_retrained, d.report.slices_retrained
            )),
        ),
        KindDetail::Certified(d) => (
            0,
            d.retrained
                .then(|| "budget exhausted: retrained from scratch".to_string()),
        ),
    }
}

/// Applies the stream under `p` from `start`. A request the engine refuses stops this
/// policy's stream (recorded in `failed`); the other policies go on.
pub(super) fn run_policy(
    p: StreamPolicy,
    start: Start,
    stream: &Stream,
    policy: &Policy,
    progress: &mut dyn FnMut(&str),
) -> Result<PolicyTrace, ScenarioError> {
    let policy = worker_policy(p, policy);
    let mut model = start.model;
    let mut trace = PolicyTrace {
        policy: p.name().to_string(),
        kind: model.kind().name().to_string(),
        setup_seconds: start.seconds,
        setup_sample_gradients: start.sample_gradients,
        start: measure(&model, stream.dataset, &[])?,
        steps: Vec::new(),
        oracle_gaps: Vec::new(),
        reaches_oracle: false,
        failed: None,
    };
    let (mut seconds, mut gradients) = (0.0, 0u64);
    // Requests answered approximately since the last exact model, as the worker counts
    // them: the starting model was trained, so it is exact.
    let mut since_exact = 0usize;
    for (k, owner) in stream.owners.iter().enumerate() {
        let method = policy.method_for(model.kind(), since_exact, 0.0);
        let request = DeletionRequest {
            selection: Selection {
                owners: vec![owner.clone()],
                ..Selection::default()
            },
            method: method.clone(),
            config: None,
            seed: policy.seed,
            reason: oubli_engine::ForgetReason::Privacy,
        };
        let (next, report) = match apply(&model, stream.dataset, &request) {
            Ok(done) => done,
            Err(e) => {
                trace.failed = Some(format!("request {} (owner {owner}): {e}", k + 1));
                break;
            }
        };
        since_exact = if method == policy.approximate_method {
            since_exact + 1
        } else {
            0
        };
        let (g, note) = cost(&report);
        seconds += report.seconds;
        gradients += g;
        let measured = measure(&next, stream.dataset, &stream.forget_rows[k + 1])?;
        trace.steps.push(StreamStep {
            request: k + 1,
            owner: owner.clone(),
            samples: stream.rows[k].len(),
            method,
            seconds: report.seconds,
            sample_gradients: g,
            cumulative_seconds: seconds,
            cumulative_sample_gradients: gradients,
            measured,
            changed: report.changed,
            weights_sha256: report.weights_sha256.clone(),
            note,
        });
        if (k + 1) % 10 == 0 {
            progress(&format!("policy {}: {} requests applied", p.name(), k + 1));
        }
        model = next;
    }
    Ok(trace)
}
