//! The stream against the oracle: gaps at the checkpoints, the retrain-per-request
//! baseline, and the conclusions in words.

use super::{
    OracleGap, OraclePoint, PolicyTrace, RetrainEachRequest, StreamReport, AUC_TOLERANCE,
    FORGET_TOLERANCE, TEST_TOLERANCE,
};
use oubli_data::Dataset;

/// Fills `trace.oracle_gaps` and `reaches_oracle` from the checkpoints it reached.
pub(super) fn compare_with_oracle(trace: &mut PolicyTrace, oracle: &[OraclePoint]) {
    trace.oracle_gaps = oracle
        .iter()
        .filter(|o| o.request > 0)
        .filter_map(|o| {
            let s = trace.step(o.request)?;
            let gap = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => a - b,
                _ => f64::NAN,
            };
            Some(OracleGap {
                request: o.request,
                test: s.measured.test_accuracy - o.measured.test_accuracy,
                forget: gap(s.measured.forget_accuracy, o.measured.forget_accuracy),
                auc: gap(s.measured.membership_auc, o.measured.membership_auc),
                identical: s.weights_sha256 == o.weights_sha256,
            })
        })
        .collect();
    let checkpoints = oracle.iter().filter(|o| o.request > 0).count();
    trace.reaches_oracle = trace.failed.is_none()
        && trace.oracle_gaps.len() == checkpoints
        && trace.oracle_gaps.iter().all(within);
}

/// A gap within the tolerances (NaN is not).
fn within(g: &OracleGap) -> bool {
    g.test.abs() <= TEST_TOLERANCE + 1e-12
        && g.forget.abs() <= FORGET_TOLERANCE + 1e-12
        && g.auc.abs() <= AUC_TOLERANCE + 1e-12
}

/// Cumulative cost of a full retrain per request: gradients per sample left from the
/// oracle's own count (epochs × rows), seconds at the oracle's mean rate.
pub(super) fn retrain_each_request(
    oracle: &[OraclePoint],
    forget_rows: &[Vec<usize>],
    dataset: &Dataset,
) -> RetrainEachRequest {
    let first = &oracle[0];
    let n = dataset.train.len();
    let per_sample = first.sample_gradients as f64 / n.max(1) as f64;
    let (s, g) = oracle.iter().fold((0.0, 0u64), |(s, g), o| {
        (s + o.seconds, g + o.sample_gradients)
    });
    let seconds_per_gradient = s / g.max(1) as f64;
    let mut out = RetrainEachRequest {
        cumulative_sample_gradients: Vec::new(),
        cumulative_seconds: Vec::new(),
    };
    let mut total = 0u64;
    for rows in &forget_rows[1..] {
        total += (per_sample * (n - rows.len()) as f64).round() as u64;
        out.cumulative_sample_gradients.push(total);
        out.cumulative_seconds
            .push(total as f64 * seconds_per_gradient);
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn pts(x: f64) -> String {
    format!("{:+.2} pts", 100.0 * x)
}

/// The largest |test gap| over the checkpoints, with where it happened.
fn worst_test_gap(t: &PolicyTrace) -> Option<&OracleGap> {
    t.oracle_gaps
        .iter()
        .max_by(|a, b| a.test.abs().total_cmp(&b.test.abs()))
}

/// The report's conclusions, in words.
pub(super) fn findings(r: &StreamReport) -> Vec<String> {
    let mut out = Vec::new();
    let deleted: usize = r.owner_samples.iter().sum();
    out.push(format!(
        "{} requests deleted {} owners holding {} of {} training samples (largest owner {}); the oracle was retrained at {} checkpoints (every {} requests and after the last), not after every request",
        r.requests,
        r.owners.len(),
        deleted,
        r.train_samples,
        r.owner_samples.iter().max().copied().unwrap_or(0),
        r.oracle.len() - 1,
        r.oracle_every
    ));
    let baseline = (
        r.retrain_each_request
            .cumulative_seconds
            .last()
            .copied()
            .unwrap_or(0.0),
        r.retrain_each_request
            .cumulative_sample_gradients
            .last()
            .copied()
            .unwrap_or(0),
    );
    for t in &r.policies {
        if let Some(f) = &t.failed {
            out.push(format!("{} stopped: {f}", t.policy));
        }
        let (s, g) = t.total();
        let share = if baseline.1 > 0 && g > 0 {
            format!(
                ", {:.1}% of a retrain per request's",
                100.0 * g as f64 / baseline.1 as f64
            )
        } else {
            String::new()
        };
        let gap = worst_test_gap(t)
            .map(|w| {
                format!(
                    "; largest test-accuracy gap to the oracle {} (after request {})",
                    pts(w.test),
                    w.request
                )
            })
            .unwrap_or_default();
        let unchanged = t.steps.iter().filter(|s| !s.changed).count();
        let unchanged = if unchanged > 0 {
            format!("; {unchanged} request(s) left the model unchanged")
        } else {
            String::new()
        };
        out.push(format!(
            "{}: {:.1} s and {} sample gradients over the stream{share}{gap}{unchanged}",
            t.policy, s, g
        ));
    }
    if let Some(t) = r.policies.iter().find(|t| t.policy == "approx-only") {
        let drift = t.oracle_gaps.iter().find(|g| !within(g));
        match drift {
            Some(g) => out.push(format!(
                "approx-only leaves the oracle's tolerance first after request {}: test {}, deleted owners' accuracy {}, membership AUC {:+.3} against the oracle",
                g.request,
                pts(g.test),
                pts(g.forget),
                g.auc
            )),
            None if !t.oracle_gaps.is_empty() => out.push(format!(
                "approx-only stays within the oracle's tolerance at every checkpoint over these {} requests: no drift seen",
                t.steps.len()
            )),
            None => {}
        }
        if let Some(last) = t.oracle_gaps.last() {
            out.push(format!(
                "approx-only after the last request: test {}, deleted owners' accuracy {} against the oracle (positive: it still fits them better than a model that never saw them)",
                pts(last.test),
                pts(last.forget)
            ));
        }
    }
    let reaching: Vec<&PolicyTrace> = r.policies.iter().filter(|t| t.reaches_oracle).collect();
    match reaching
        .iter()
        .min_by(|a, b| a.total().0.total_cmp(&b.total().0))
    {
        Some(best) => out.push(format!(
            "reaches the oracle's quality (test within {:.0} point, deleted owners' accuracy within {:.0} points, AUC within {:.2}, at every checkpoint): {}; the least compute among them: {} ({:.1} s)",
            100.0 * TEST_TOLERANCE,
            100.0 * FORGET_TOLERANCE,
            AUC_TOLERANCE,
            reaching.iter().map(|t| t.policy.as_str()).collect::<Vec<_>>().join(", "),
            best.policy,
            best.total().0
        )),
        None => out.push(format!(
            "no policy stays within the oracle's quality at every checkpoint (test within {:.0} point, deleted owners' accuracy within {:.0} points, AUC within {:.2})",
            100.0 * TEST_TOLERANCE,
            100.0 * FORGET_TOLERANCE,
            AUC_TOLERANCE
        )),
    }
    for t in &r.policies {
        let identical = t.oracle_gaps.iter().filter(|g| g.identical).count();
        if identical > 0 {
            out.push(format!(
                "{}: bit-identical to the oracle at {identical} checkpoint(s) (a retrain had just happened)",
                t.policy
            ));
        }
        if t.kind == "sisa" || t.kind == "certified" {
            out.push(format!(
                "{} is exact or provable for its own model, but that model is not the oracle's network: it started at test accuracy {} against the network's {}",
                t.policy,
                pct(t.start.test_accuracy),
                pct(r.oracle[0].measured.test_accuracy)
            ));
        }
    }
    out
}
