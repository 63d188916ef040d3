//! `oubli scenario user-stream`: per-user deletion as it happens in production. A stream
//! of requests, each deleting one owner, is applied one by one under each policy (exact
//! SISA, approximate with a full retrain every k requests, approximate only, certified),
//! every update through [`oubli_engine::apply`] with the method the deletion worker's
//! [`Policy`] would pick; after each request the model is measured (test accuracy, the
//! deleted owners' accuracy, a loss-threshold membership signal, cumulative compute), and
//! at checkpoints compared with the oracle: a network retrained on the training data
//! minus every owner deleted so far.

mod findings;
mod html;
mod measure;
mod runner;

pub use html::{render_html, write_report};
pub use measure::Measured;

use crate::ScenarioError;
use oubli_data::{Dataset, SampleId};
use oubli_engine::certified::CertifiedPlan;
use oubli_engine::{train, TrainPlan, TrainReport};
use oubli_model::{ModelSpec, TrainObserver, ValidTrainConfig};
use oubli_sisa::SisaConfig;
use oubli_worker::Policy;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeSet;

/// A policy reaches the oracle's quality when, at every checkpoint, its test accuracy is
/// within this of the oracle's (a fraction: 1 point)…
pub const TEST_TOLERANCE: f64 = 0.01;
/// … its accuracy on the deleted owners' samples within this (3 points: the forget set is
/// small early in the stream, so its accuracy is noisier)…
pub const FORGET_TOLERANCE: f64 = 0.03;
/// … and its membership AUC (forget vs test losses) within this.
pub const AUC_TOLERANCE: f64 = 0.05;

/// How deletions are applied over the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum StreamPolicy {
    /// A SISA ensemble sharded by owner: `sisa` per request (exact).
    Sisa,
    /// A single network: the worker policy's approximate method per request, `retrain`
    /// after every `retrain_every_requests` approximate ones.
    ApproxRetrain,
    /// A single network: the approximate method for every request, never a retrain.
    ApproxOnly,
    /// A certified linear model: `certified` per request (Newton step, (ε, δ) bound).
    Certified,
}

impl StreamPolicy {
    /// Every policy, in report order.
    pub const ALL: [StreamPolicy; 4] = [
        Self::Sisa,
        Self::ApproxRetrain,
        Self::ApproxOnly,
        Self::Certified,
    ];

    /// Name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sisa => "sisa",
            Self::ApproxRetrain => "approx+retrain",
            Self::ApproxOnly => "approx-only",
            Self::Certified => "certified",
        }
    }

    /// The policy called `name`.
    pub fn by_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct StreamPlan {
    /// Requests in the stream (one owner each).
    pub requests: usize,
    /// The network (single model, SISA constituents and the oracle).
    pub spec: ModelSpec,
    /// Its training.
    pub config: ValidTrainConfig,
    /// The ensemble (sharded by owner, whatever `shard_by` says).
    pub sisa: SisaConfig,
    /// The certified linear model (raw features, or a frozen extractor).
    pub certified: CertifiedPlan,
    /// The worker policy: `approximate_method`, `retrain_every_requests`, `seed`. Wall-clock
    /// age (`retrain_every_hours`) plays no part: the stream has no clock.
    pub policy: Policy,
    /// Policies to run.
    pub policies: Vec<StreamPolicy>,
    /// Oracle retrains after every this many requests, and after the last.
    pub oracle_every: usize,
    /// Seed of the order in which owners make requests.
    pub seed: u64,
}

/// The oracle at one checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct OraclePoint {
    /// Requests applied before it (0: the model trained on everything).
    pub request: usize,
    /// Its measurements.
    #[serde(flatten)]
    pub measured: Measured,
    /// Its training: seconds and sample gradients.
    pub seconds: f64,
    /// See `seconds`.
    pub sample_gradients: u64,
    /// Hash of its weights.
    pub weights_sha256: String,
}

/// One request under one policy.
#[derive(Debug, Clone, Serialize)]
pub struct StreamStep {
    /// 1-based position in the stream.
    pub request: usize,
    /// The owner deleted.
    pub owner: String,
    /// Their training samples.
    pub samples: usize,
    /// Method applied.
    pub method: String,
    /// Seconds of the update (the engine's report: the method's own time).
    pub seconds: f64,
    /// Sample-gradient evaluations of the update (0 for `certified`: a Newton step on a
    /// kept Hessian, no gradient training).
    pub sample_gradients: u64,
    /// Sum of `seconds` so far.
    pub cumulative_seconds: f64,
    /// Sum of `sample_gradients` so far.
    pub cumulative_sample_gradients: u64,
    /// The model after it.
    #[serde(flatten)]
    pub measured: Measured,
    /// Whether the update changed the model (false: the method did nothing).
    pub changed: bool,
    /// Hash of the weights after it.
    pub weights_sha256: String,
    /// Kind-specific remark (a certified refresh or retrain, a collapse-guard stop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One policy against the oracle at one checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct OracleGap {
    /// The checkpoint.
    pub request: usize,
    /// Test accuracy minus the oracle's.
    pub test: f64,
    /// Accuracy on the deleted owners' samples minus the oracle's (positive: remembers more).
    pub forget: f64,
    /// Membership AUC minus the oracle's.
    pub auc: f64,
    /// Whether the weights are the oracle's, bit for bit (a retrain just happened).
    pub identical: bool,
}

/// One policy over the whole stream.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyTrace {
    /// Policy name.
    pub policy: String,
    /// Kind of model it runs on.
    pub kind: String,
    /// Training the starting model: seconds and sample gradients (not counted in the
    /// stream's compute; the single network is trained once for both approximate policies).
    pub setup_seconds: f64,
    /// See `setup_seconds`.
    pub setup_sample_gradients: u64,
    /// The starting model, before any request.
    pub start: Measured,
    /// Per request.
    pub steps: Vec<StreamStep>,
    /// Against the oracle at each checkpoint reached.
    pub oracle_gaps: Vec<OracleGap>,
    /// Within the tolerances at every checkpoint.
    pub reaches_oracle: bool,
    /// Why the stream stopped early under this policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl PolicyTrace {
    /// The step after request `r` (1-based), if reached.
    pub fn step(&self, r: usize) -> Option<&StreamStep> {
        r.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// Cumulative (seconds, sample gradients) after the last request applied.
    pub fn total(&self) -> (f64, u64) {
        self.steps.last().map_or((0.0, 0), |s| {
            (s.cumulative_seconds, s.cumulative_sample_gradients)
        })
    }
}

/// What answering every request with a full retrain would cost: sample gradients exact
/// (epochs × the rows left), seconds estimated from the oracle's measured rate.
#[derive(Debug, Clone, Serialize)]
pub struct RetrainEachRequest {
    /// Cumulative sample gradients after each request.
    pub cumulative_sample_gradients: Vec<u64>,
    /// Cumulative seconds after each request (estimated).
    pub cumulative_seconds: Vec<f64>,
}

/// The scenario's result.
#[derive(Debug, Clone, Serialize)]
pub struct StreamReport {
    /// Dataset name.
    pub dataset: String,
    /// Architecture of the network.
    pub model: String,
    /// Requests in the stream.
    pub requests: usize,
    /// The owners, in request order.
    pub owners: Vec<String>,
    /// Their training samples, in the same order.
    pub owner_samples: Vec<usize>,
    /// Training samples before the stream.
    pub train_samples: usize,
    /// The approximate method.
    pub approximate_method: String,
    /// k: a retrain after this many approximate requests.
    pub retrain_every: usize,
    /// Oracle checkpoint spacing.
    pub oracle_every: usize,
    /// SISA shards and slices.
    pub sisa_shards: usize,
    /// See `sisa_shards`.
    pub sisa_slices: usize,
    /// The oracle at each checkpoint.
    pub oracle: Vec<OraclePoint>,
    /// The full-retrain-per-request baseline.
    pub retrain_each_request: RetrainEachRequest,
    /// Per policy.
    pub policies: Vec<PolicyTrace>,
    /// The tolerances `reaches_oracle` uses: test, forget, AUC.
    pub tolerances: [f64; 3],
    /// What the numbers say, in words.
    pub findings: Vec<String>,
}

/// Owners with training samples, in a seeded random order, the first `n`.
fn choose_owners(dataset: &Dataset, n: usize, seed: u64) -> Result<Vec<String>, ScenarioError> {
    let owners: BTreeSet<&String> = dataset.train.owners.iter().flatten().collect();
    if owners.len() < 2 {
        return Err(ScenarioError::UnsuitableDataset {
            dataset: dataset.name.clone(),
            reason: "its training samples have no owners (CSV: --owner COLUMN)".into(),
        });
    }
    if n == 0 || n >= owners.len() {
        return Err(ScenarioError::InvalidParam {
            field: "requests",
            reason: format!(
                "{n}: must be between 1 and {} (the dataset has {} owners; one must remain)",
                owners.len() - 1,
                owners.len()
            ),
        });
    }
    let mut order: Vec<String> = owners.into_iter().cloned().collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order.truncate(n);
    Ok(order)
}

/// Indices into `dataset.train` of each owner's samples, in `owners` order.
fn owner_rows(dataset: &Dataset, owners: &[String]) -> Vec<Vec<usize>> {
    let at: std::collections::HashMap<&str, usize> = owners
        .iter()
        .enumerate()
        .map(|(k, o)| (o.as_str(), k))
        .collect();
    let mut rows = vec![Vec::new(); owners.len()];
    for (i, o) in dataset.train.owners.iter().enumerate() {
        if let Some(&k) = o.as_deref().and_then(|o| at.get(o)) {
            rows[k].push(i);
        }
    }
    rows
}

/// The checkpoints: 0, every `every` requests, and the last.
fn checkpoints(requests: usize, every: usize) -> Vec<usize> {
    let mut c: Vec<usize> = (0..=requests).step_by(every.max(1)).collect();
    if c.last() != Some(&requests) {
        c.push(requests);
    }
    c
}

fn validate(plan: &StreamPlan) -> Result<(), ScenarioError> {
    if plan.oracle_every == 0 {
        return Err(ScenarioError::InvalidParam {
            field: "oracle_every",
            reason: "must be at least 1".into(),
        });
    }
    if plan.policies.is_empty() {
        return Err(ScenarioError::InvalidParam {
            field: "policies",
            reason: "name at least one policy".into(),
        });
    }
    Ok(())
}

/// Runs the scenario on `dataset` (its training samples must carry owners).
pub fn run(
    dataset: &Dataset,
    plan: &StreamPlan,
    observer: &mut dyn TrainObserver,
    progress: &mut dyn FnMut(&str),
) -> Result<StreamReport, ScenarioError> {
    validate(plan)?;
    let owners = choose_owners(dataset, plan.requests, plan.seed)?;
    let rows = owner_rows(dataset, &owners);
    // forget_rows[r]: rows of the first r owners, ascending.
    let mut forget_rows: Vec<Vec<usize>> = vec![Vec::new()];
    for r in &rows {
        let mut next = forget_rows.last().expect("starts non-empty").clone();
        next.extend(r);
        next.sort_unstable();
        forget_rows.push(next);
    }
    let ids_of = |idx: &[usize]| -> Vec<SampleId> {
        let mut ids: Vec<SampleId> = idx.iter().map(|&i| dataset.train.ids[i]).collect();
        ids.sort_unstable();
        ids
    };
    let single = TrainPlan::Single {
        spec: plan.spec.clone(),
        config: plan.config.clone(),
    };
    let mut oracle = Vec::new();
    let mut base = None;
    for c in checkpoints(plan.requests, plan.oracle_every) {
        progress(&format!("oracle after {c} requests: retraining"));
        let (model, report) = train(dataset, &single, &ids_of(&forget_rows[c]), observer)?;
        let TrainReport::Single(fit) = report else {
            unreachable!("a single plan trains a single model")
        };
        oracle.push(OraclePoint {
            request: c,
            measured: measure::measure(&model, dataset, &forget_rows[c])?,
            seconds: fit.fit.seconds,
            sample_gradients: fit.fit.sample_gradients,
            weights_sha256: model.lineage().weights_sha256,
        });
        if c == 0 {
            base = Some((model, fit.fit.seconds, fit.fit.sample_gradients));
        }
    }
    let base = base.expect("checkpoint 0 is first");
    let mut policies = Vec::new();
    for &p in &plan.policies {
        progress(&format!("policy {}", p.name()));
        let start = match p {
            StreamPolicy::ApproxRetrain | StreamPolicy::ApproxOnly => {
                runner::Start::from_single(&base)
            }
            StreamPolicy::Sisa => {
                let mut sisa = plan.sisa.clone();
                sisa.shard_by = oubli_sisa::ShardBy::Owner;
                let p = TrainPlan::Sisa {
                    spec: plan.spec.clone(),
                    config: plan.config.clone(),
                    sisa,
                };
                runner::Start::trained(train(dataset, &p, &[], observer)?)
            }
            StreamPolicy::Certified => runner::Start::trained(train(
                dataset,
                &TrainPlan::Certified(plan.certified.clone()),
                &[],
                observer,
            )?),
        };
        let stream = runner::Stream {
            dataset,
            owners: &owners,
            rows: &rows,
            forget_rows: &forget_rows,
        };
        policies.push(runner::run_policy(
            p,
            start,
            &stream,
            &plan.policy,
            progress,
        )?);
    }
    for trace in &mut policies {
        findings::compare_with_oracle(trace, &oracle);
    }
    let mut report = StreamReport {
        dataset: dataset.name.clone(),
        model: plan.spec.arch_name().to_string(),
        requests: plan.requests,
        owner_samples: rows.iter().map(Vec::len).collect(),
        owners,
        train_samples: dataset.train.len(),
        approximate_method: plan.policy.approximate_method.clone(),
        retrain_every: plan.policy.retrain_every_requests,
        oracle_every: plan.oracle_every,
        sisa_shards: plan.sisa.shards,
        sisa_slices: plan.sisa.slices,
        retrain_each_request: findings::retrain_each_request(&oracle, &forget_rows, dataset),
        oracle,
        policies,
        tolerances: [TEST_TOLERANCE, FORGET_TOLERANCE, AUC_TOLERANCE],
        findings: Vec::new(),
    };
    report.findings = findings::findings(&report);
    Ok(report)
}
