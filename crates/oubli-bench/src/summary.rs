//! Mean ± std over seeds, gaps to the oracle, speed-ups; rendered as JSON and Markdown.

use crate::matrix::RunRecord;
use serde::Serialize;
use std::fmt::Write;

/// Mean and sample standard deviation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one value).
    pub std: f64,
}

impl Stat {
    fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Self {
            mean,
            std: var.sqrt(),
        }
    }
    fn pct(&self) -> String {
        format!("{:.2} ± {:.2}", self.mean * 100.0, self.std * 100.0)
    }
}

/// One method's row.
#[derive(Debug, Clone, Serialize)]
pub struct MethodSummary {
    /// Method (`original` is the trained model, `retrain` the oracle).
    pub method: String,
    /// Forget accuracy.
    pub forget_accuracy: Stat,
    /// Retain accuracy.
    pub retain_accuracy: Stat,
    /// Test accuracy.
    pub test_accuracy: Stat,
    /// Simple-MIA AUC (forget vs test).
    pub mia_auc: Stat,
    /// Mean |Δ| to the oracle over forget, retain and test accuracy (fraction).
    pub avg_gap: Stat,
    /// Mean |Δ| to the oracle over the three accuracies and the MIA AUC.
    pub avg_gap_with_mia: Stat,
    /// Seconds.
    pub seconds: Stat,
    /// Sample-gradient evaluations.
    pub sample_gradients: Stat,
    /// Oracle seconds / method seconds (ratio of means).
    pub speedup_seconds: f64,
    /// Oracle sample gradients / method sample gradients (ratio of means).
    pub speedup_gradients: f64,
    /// Runs the collapse guard stopped.
    pub collapse_guard_triggered: usize,
}

/// The whole benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// One row per method, `original` and `retrain` first.
    pub methods: Vec<MethodSummary>,
    /// Every run.
    pub runs: Vec<RunRecord>,
}

/// Aggregates runs into per-method rows.
pub fn summarise(runs: &[RunRecord]) -> Summary {
    let mut names: Vec<String> = Vec::new();
    for r in runs {
        if !names.contains(&r.method) {
            names.push(r.method.clone());
        }
    }
    let oracle = |seed: u64| {
        runs.iter()
            .find(|r| r.method == "retrain" && r.seed == seed)
    };
    let oracle_rows: Vec<&RunRecord> = runs.iter().filter(|r| r.method == "retrain").collect();
    let mean = |xs: Vec<f64>| Stat::of(&xs).mean;
    let oracle_seconds = mean(oracle_rows.iter().map(|r| r.seconds).collect());
    let oracle_grads = mean(
        oracle_rows
            .iter()
            .map(|r| r.sample_gradients as f64)
            .collect(),
    );
    let methods = names
        .iter()
        .map(|name| {
            let rows: Vec<&RunRecord> = runs.iter().filter(|r| &r.method == name).collect();
            let col =
                |f: fn(&RunRecord) -> f64| Stat::of(&rows.iter().map(|r| f(r)).collect::<Vec<_>>());
            let gaps: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| {
                    let o = oracle(r.seed)?;
                    let acc = [
                        (r.forget_accuracy - o.forget_accuracy).abs(),
                        (r.retain_accuracy - o.retain_accuracy).abs(),
                        (r.test_accuracy - o.test_accuracy).abs(),
                    ];
                    let three = acc.iter().sum::<f64>() / 3.0;
                    let four = (acc.iter().sum::<f64>() + (r.mia_auc - o.mia_auc).abs()) / 4.0;
                    Some((three, four))
                })
                .collect();
            let seconds = col(|r| r.seconds);
            let grads = col(|r| r.sample_gradients as f64);
            MethodSummary {
                method: name.clone(),
                forget_accuracy: col(|r| r.forget_accuracy),
                retain_accuracy: col(|r| r.retain_accuracy),
                test_accuracy: col(|r| r.test_accuracy),
                mia_auc: col(|r| r.mia_auc),
                avg_gap: Stat::of(&gaps.iter().map(|g| g.0).collect::<Vec<_>>()),
                avg_gap_with_mia: Stat::of(&gaps.iter().map(|g| g.1).collect::<Vec<_>>()),
                speedup_seconds: oracle_seconds / seconds.mean.max(1e-9),
                speedup_gradients: oracle_grads / grads.mean.max(1.0),
                seconds,
                sample_gradients: grads,
                collapse_guard_triggered: rows
                    .iter()
                    .filter(|r| r.collapse_guard_triggered)
                    .count(),
            }
        })
        .collect();
    Summary {
        methods,
        runs: runs.to_vec(),
    }
}

/// A speed-up cell: none for the original model, nor for a method that spent nothing (the
/// `noop` control), where a ratio would be meaningless.
fn speedup_cell(m: &MethodSummary, ratio: f64) -> String {
    if m.method == "original" || m.sample_gradients.mean == 0.0 {
        "—".into()
    } else {
        format!("{ratio:.1}×")
    }
}

impl Summary {
    /// A Markdown table (accuracies and gaps in percentage points).
    pub fn markdown(&self, title: &str) -> String {
        let mut s = format!("### {title}\n\n");
        s.push_str("| method | forget acc | retain acc | test acc | MIA AUC | avg gap (pts) | avg gap incl. MIA | seconds | sample grads | speed-up (s) | speed-up (grads) |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for m in &self.methods {
            let guard = if m.collapse_guard_triggered > 0 {
                format!(" (guard ×{})", m.collapse_guard_triggered)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "| {}{} | {} | {} | {} | {:.3} ± {:.3} | {} | {} | {:.2} | {:.0} | {} | {} |",
                m.method,
                guard,
                m.forget_accuracy.pct(),
                m.retain_accuracy.pct(),
                m.test_accuracy.pct(),
                m.mia_auc.mean,
                m.mia_auc.std,
                m.avg_gap.pct(),
                m.avg_gap_with_mia.pct(),
                m.seconds.mean,
                m.sample_gradients.mean,
                speedup_cell(m, m.speedup_seconds),
                speedup_cell(m, m.speedup_gradients),
            );
        }
        s.push_str("\n`original` is the trained model before forgetting: its gap is the floor a method must beat; `retrain` is the oracle (gap 0 by definition).\n");
        s
    }
}
