//! Mean ± std over seeds, gaps to the oracle, speed-ups; rendered as JSON and Markdown.

use crate::matrix::{AttackRecord, RunRecord};
use serde::Serialize;
use std::collections::BTreeMap;
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
    /// Mean and sample standard deviation of `values`.
    pub fn of(values: &[f64]) -> Self {
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
    /// Mean and sample standard deviation of the values present; none if none is.
    pub fn of_present(values: impl IntoIterator<Item = Option<f64>>) -> Option<Self> {
        let v: Vec<f64> = values.into_iter().flatten().collect();
        (!v.is_empty()).then(|| Self::of(&v))
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
    /// Every attack of the audit, in the audit's order.
    pub attacks: Vec<AttackSummary>,
    /// `oubli verify`'s verdicts over the seeds (`forgotten`, `not_forgotten`,
    /// `inconclusive` → runs); empty for `original` and `retrain`.
    pub verdicts: BTreeMap<String, usize>,
    /// JS divergence to the oracle on the forget set (none for `original`).
    pub js_divergence_forget: Option<Stat>,
    /// Relearn steps over the runs that relearned within the audit's budget.
    pub relearn_steps: Option<Stat>,
    /// Runs that did not relearn within the budget (censored).
    pub relearn_censored: usize,
}

/// One attack over the seeds.
#[derive(Debug, Clone, Serialize)]
pub struct AttackSummary {
    /// Attack name.
    pub name: String,
    /// Best balanced accuracy.
    pub accuracy: Stat,
    /// AUC.
    pub auc: Stat,
    /// TPR at 1% FPR.
    pub tpr_at_1pct_fpr: Stat,
}

/// One scenario of the benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The scenario's label (`class:3`…).
    pub scenario: String,
    /// One row per method, `original` and `retrain` first.
    pub methods: Vec<MethodSummary>,
    /// Every run.
    pub runs: Vec<RunRecord>,
}

/// One [`Summary`] per scenario, in the order the runs first name them.
pub fn summarise_all(runs: &[RunRecord]) -> Vec<Summary> {
    let mut scenarios: Vec<&str> = Vec::new();
    for r in runs {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    scenarios
        .into_iter()
        .map(|sc| {
            let rows: Vec<RunRecord> = runs.iter().filter(|r| r.scenario == sc).cloned().collect();
            summarise(&rows)
        })
        .collect()
}

/// Aggregates the runs of one scenario into per-method rows.
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
                attacks: summarise_attacks(
                    &rows
                        .iter()
                        .map(|r| r.attacks.as_slice())
                        .collect::<Vec<_>>(),
                ),
                verdicts: rows.iter().filter_map(|r| r.verdict).fold(
                    BTreeMap::new(),
                    |mut m, v| {
                        *m.entry(v.to_string()).or_insert(0) += 1;
                        m
                    },
                ),
                js_divergence_forget: Stat::of_present(rows.iter().map(|r| r.js_divergence_forget)),
                relearn_steps: Stat::of_present(
                    rows.iter().map(|r| r.relearn_steps.map(|s| s as f64)),
                ),
                relearn_censored: rows.iter().filter(|r| r.relearn_steps.is_none()).count(),
            }
        })
        .collect();
    Summary {
        scenario: runs.first().map(|r| r.scenario.clone()).unwrap_or_default(),
        methods,
        runs: runs.to_vec(),
    }
}

/// Per attack name (in first-seen order), mean ± std over the runs that ran it; `runs`
/// holds one run's attacks each (a bench row's, or one `oubli verify` report's).
pub fn summarise_attacks(runs: &[&[AttackRecord]]) -> Vec<AttackSummary> {
    let mut names: Vec<&str> = Vec::new();
    for a in runs.iter().flat_map(|r| r.iter()) {
        if !names.contains(&a.name.as_str()) {
            names.push(&a.name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let of = |f: fn(&AttackRecord) -> f64| {
                let v: Vec<f64> = runs
                    .iter()
                    .flat_map(|r| r.iter())
                    .filter(|a| a.name == name)
                    .map(f)
                    .collect();
                Stat::of(&v)
            };
            AttackSummary {
                name: name.to_string(),
                accuracy: of(|a| a.accuracy),
                auc: of(|a| a.auc),
                tpr_at_1pct_fpr: of(|a| a.tpr_at_1pct_fpr),
            }
        })
        .collect()
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
        s.push_str("\n`original` is the trained model before forgetting: its gap is the floor a method must beat; `retrain` is the oracle (gap 0 by definition).\n\n");
        s.push_str(&self.audit_markdown());
        s
    }

    /// The audit table: each attack's AUC, the divergence to the oracle, relearn steps and
    /// the verdicts of `oubli verify` over the seeds.
    fn audit_markdown(&self) -> String {
        let names: Vec<&str> = self
            .methods
            .first()
            .map(|m| m.attacks.iter().map(|a| a.name.as_str()).collect())
            .unwrap_or_default();
        let mut s = String::from("| method | verdicts |");
        for n in &names {
            let _ = write!(s, " {n} AUC |");
        }
        s.push_str(" JS forget | relearn steps |\n|---|---|");
        s.push_str(&"---|".repeat(names.len() + 2));
        s.push('\n');
        for m in &self.methods {
            let verdicts = if m.verdicts.is_empty() {
                "—".to_string()
            } else {
                m.verdicts
                    .iter()
                    .map(|(v, n)| format!("{v} ×{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = write!(s, "| {} | {verdicts} |", m.method);
            for n in &names {
                match m.attacks.iter().find(|a| a.name == *n) {
                    Some(a) => {
                        let _ = write!(s, " {:.3} ± {:.3} |", a.auc.mean, a.auc.std);
                    }
                    None => s.push_str(" — |"),
                }
            }
            let js = m
                .js_divergence_forget
                .map_or("—".into(), |j| format!("{:.4}", j.mean));
            let relearn = match (m.relearn_steps, m.relearn_censored) {
                (Some(r), 0) => format!("{:.0}", r.mean),
                (Some(r), c) => format!("{:.0} ({c} censored)", r.mean),
                (None, c) => format!("> budget ×{c}"),
            };
            let _ = writeln!(s, " {js} | {relearn} |");
        }
        s.push_str("\nAttacks: forget samples are the members, test samples the non-members (AUC 0.5 = the attack cannot tell them apart; the oracle's value is the target). Verdict rules: `oubli verify`.\n");
        s
    }
}
