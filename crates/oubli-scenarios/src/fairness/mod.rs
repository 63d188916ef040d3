//! `oubli scenario fairness`: train a model on a tabular fairness benchmark (adult, compas),
//! measure its demographic-parity and equalised-odds gaps across `sex` and `race`, rank the
//! training samples by how much their removal is predicted to shrink the parity gap of one
//! attribute ([`influence`]), forget the top k for a sweep of k with each method, and compare
//! gaps and accuracy with retraining without them.
//!
//! **Splits.** The test split is halved (seeded): the *validation* half is what the influence
//! estimate looks at, the *report* half is where every gap and accuracy is measured, so the
//! selection is not scored on the rows it was chosen for. Models train on the whole
//! training split.
//!
//! **Oracles.** A single network's methods are compared with `retrain` (the same spec and
//! seed without the removed samples); `certified` runs on its own certified logistic model,
//! trained beside the network, and is compared with that model retrained without them
//! (`certified-retrain`: Algorithm 1 on the remaining rows with the same noise draw).

mod gaps;
mod html;
mod influence;

pub use gaps::{gaps, Gaps, Protected};
pub use html::{render_html, write_report};
pub use influence::{rank, Logistic, Ranking};

use crate::ScenarioError;
use oubli_data::{Dataset, SampleId, Selection, Split};
use oubli_engine::certified::{CertifiedPlan, METHOD_FORGET as CERTIFIED};
use oubli_engine::{apply, train, AnyModel, DeletionRequest, KindDetail, TrainPlan};
use oubli_model::{argmax, derive_seed, ModelSpec, TrainObserver, ValidTrainConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;
use std::collections::BTreeMap;

/// The target: the parity gap at most this share of the original's.
pub const TARGET_GAP_SHARE: f64 = 0.5;
/// The target: at most this much accuracy (a fraction) lost.
pub const TARGET_ACCURACY_COST: f64 = 0.01;
/// The target: an approximate method within this much (a fraction) of its oracle, on the
/// parity gap and on accuracy.
pub const TARGET_ORACLE_DISTANCE: f64 = 0.005;
/// The oracle of `certified`.
pub const CERTIFIED_ORACLE: &str = "certified-retrain";

/// What to run.
#[derive(Debug, Clone)]
pub struct FairnessPlan {
    /// The network under audit (`logreg` or `mlp`).
    pub spec: ModelSpec,
    /// Its training.
    pub config: ValidTrainConfig,
    /// The certified model `certified` runs on.
    pub certified: CertifiedPlan,
    /// Methods (`oubli methods`); `certified` forgets on the certified model.
    pub methods: Vec<String>,
    /// Config per method, where the defaults do not suit (unspecified fields keep theirs).
    pub configs: BTreeMap<String, serde_json::Value>,
    /// Whose parity gap the selection shrinks.
    pub target: Protected,
    /// Every attribute measured (the target among them).
    pub measured: Vec<Protected>,
    /// Shares of the training split to remove, one point of the trade-off curve each.
    pub removals: Vec<f64>,
    /// L2 strength of the Hessian in the influence estimate (and of the surrogate).
    pub lambda: f64,
    /// Seed of the validation/report split and of the methods' random choices.
    pub seed: u64,
}

/// Accuracy and gaps of one model on the report half.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    /// Accuracy.
    pub accuracy: f64,
    /// Per attribute (`sex`, `race`).
    pub gaps: BTreeMap<String, Gaps>,
}

/// One method at one point of the sweep.
#[derive(Debug, Clone, Serialize)]
pub struct MethodPoint {
    /// Accuracy and gaps after forgetting.
    #[serde(flatten)]
    pub after: Measured,
    /// The oracle it is compared with (`retrain`, `certified-retrain`; itself for those).
    pub oracle: String,
    /// Target parity gap minus the oracle's (None when the oracle failed or did not run).
    pub parity_gap_to_oracle: Option<f64>,
    /// Accuracy minus the oracle's.
    pub accuracy_to_oracle: Option<f64>,
    /// Target parity gap at most half the original's.
    pub gap_halved: bool,
    /// Accuracy at most 1 point below the original's.
    pub accuracy_kept: bool,
    /// Both within 0.5 points of the oracle.
    pub close_to_oracle: bool,
    /// Wall-clock seconds of the forgetting (of the training, for the oracles).
    pub seconds: f64,
    /// Sample-gradient evaluations spent (0 for the certified kinds, which count Hessian
    /// solves, not gradients).
    pub sample_gradients: u64,
    /// Whether the method changed the model.
    pub changed: bool,
    /// For `certified`: whether the removal spent more than the (ε, δ) budget and so
    /// retrained from scratch (Algorithm 2), which is why it then equals its oracle.
    pub retrained: Option<bool>,
}

/// One point of the trade-off curve.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    /// Training samples removed.
    pub removed: usize,
    /// Their share of the training split.
    pub share: f64,
    /// The target's soft parity gap on the validation half the influence estimate predicts
    /// after removing them (first order).
    pub predicted_soft_gap: f64,
    /// Per method (oracles included).
    pub methods: BTreeMap<String, MethodPoint>,
    /// Methods that failed here, with the reason.
    pub failed: BTreeMap<String, String>,
}

/// The scenario's result.
#[derive(Debug, Clone, Serialize)]
pub struct FairnessReport {
    /// Dataset name.
    pub dataset: String,
    /// Architecture of the network.
    pub model: String,
    /// The attribute whose gap is reduced.
    pub target: Protected,
    /// Every attribute measured.
    pub measured: Vec<Protected>,
    /// Training samples.
    pub train_samples: usize,
    /// Test rows the selection looked at.
    pub validation_samples: usize,
    /// Test rows every number is measured on.
    pub report_samples: usize,
    /// How samples were ranked.
    pub estimator: String,
    /// The target's soft parity gap on the validation half, before.
    pub soft_gap_before: f64,
    /// Samples whose removal is predicted to shrink the gap at all.
    pub helpful_samples: usize,
    /// The network before forgetting.
    pub before: Measured,
    /// The certified model before forgetting (when `certified` runs).
    pub certified_before: Option<Measured>,
    /// The sweep, by samples removed.
    pub points: Vec<SweepPoint>,
    /// What the numbers say, in words.
    pub findings: Vec<String>,
}

/// The report half and the validation half of `test`, seeded.
fn halve(test: &Split, seed: u64) -> (Split, Split) {
    let mut idx: Vec<usize> = (0..test.len()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(derive_seed(seed, "fairness-split", 0));
    idx.shuffle(&mut rng);
    let (val, report) = idx.split_at(test.len() / 2);
    let (mut val, mut report) = (val.to_vec(), report.to_vec());
    val.sort_unstable();
    report.sort_unstable();
    (test.subset(&report), test.subset(&val))
}

struct Groups<'a> {
    test: &'a Split,
    masks: Vec<(String, Vec<bool>)>,
}

fn measure(model: &AnyModel, g: &Groups) -> Result<Measured, ScenarioError> {
    let probs = model.predict(&g.test.features)?;
    let k = model.num_classes();
    let predicted: Vec<bool> = probs.chunks(k).map(|r| argmax(r) == 1).collect();
    let right = predicted
        .iter()
        .zip(&g.test.labels)
        .filter(|(&p, &y)| p == (y == 1))
        .count();
    Ok(Measured {
        accuracy: right as f64 / g.test.len().max(1) as f64,
        gaps: g
            .masks
            .iter()
            .map(|(a, m)| (a.clone(), gaps(&predicted, &g.test.labels, m)))
            .collect(),
    })
}

fn cost(detail: &KindDetail) -> u64 {
    match detail {
        KindDetail::Single(d) => d.sample_gradients,
        KindDetail::Sisa(d) => d.report.sample_gradients,
        KindDetail::Certified(_) => 0,
    }
}

/// Runs the scenario on `dataset` (two classes, with the plan's group attributes).
pub fn run(
    dataset: &Dataset,
    plan: &FairnessPlan,
    observer: &mut dyn TrainObserver,
    progress: &mut dyn FnMut(&str),
) -> Result<FairnessReport, ScenarioError> {
    if dataset.num_classes != 2 {
        return Err(ScenarioError::UnsuitableDataset {
            dataset: dataset.name.clone(),
            reason: format!(
                "{} classes; the gaps need a binary outcome",
                dataset.num_classes
            ),
        });
    }
    for &r in &plan.removals {
        if !(r > 0.0 && r < 1.0) {
            return Err(ScenarioError::InvalidParam {
                field: "remove",
                reason: format!("{r} is not a share in (0, 1)"),
            });
        }
    }
    let (report_test, val) = halve(&dataset.test, plan.seed);
    let mut data = dataset.clone();
    data.test = report_test;
    let masks = plan
        .measured
        .iter()
        .map(|p| Ok((p.attribute.clone(), p.members(&data.test, &data.name)?)))
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    let val_in_a = plan.target.members(&val, &data.name)?;
    let groups = Groups {
        test: &data.test,
        masks,
    };
    let target = plan.target.attribute.as_str();

    progress("training the network");
    let single_plan = TrainPlan::Single {
        spec: plan.spec.clone(),
        config: plan.config.clone(),
    };
    let (single, _) = train(&data, &single_plan, &[], observer)?;
    let before = measure(&single, &groups)?;
    let wants_certified = plan.methods.iter().any(|m| m == CERTIFIED);
    let certified_plan = TrainPlan::Certified(plan.certified.clone());
    let certified = if wants_certified {
        progress("training the certified model");
        let (m, _) = train(&data, &certified_plan, &[], observer)?;
        let measured = measure(&m, &groups)?;
        Some((m, measured))
    } else {
        None
    };

    progress("ranking training samples by influence on the parity gap");
    let (logistic, estimator) = match Logistic::of_model(&single) {
        Some(l) => (
            l,
            format!("closed-form influence on the {}'s own weights", plan.spec.arch_name()),
        ),
        None => (
            Logistic::fit(&data.train, plan.lambda)?,
            format!(
                "closed-form influence on a logistic surrogate (Newton, λ = {}) fitted to the same data: the {} has no closed form",
                plan.lambda,
                plan.spec.arch_name()
            ),
        ),
    };
    let ranking = rank(&logistic, &data.train, &val, &val_in_a, plan.lambda)?;

    let mut points = Vec::new();
    let mut removals = plan.removals.clone();
    removals.sort_by(f64::total_cmp);
    removals.dedup();
    for share in removals {
        let k = ((share * data.train.len() as f64).round() as usize).max(1);
        let mut ids: Vec<SampleId> = ranking.order[..k]
            .iter()
            .map(|&i| data.train.ids[i])
            .collect();
        ids.sort_unstable();
        progress(&format!("removing {k} samples ({:.1}%)", 100.0 * share));
        let mut point = SweepPoint {
            removed: k,
            share,
            predicted_soft_gap: ranking.predicted_gap(k),
            methods: BTreeMap::new(),
            failed: BTreeMap::new(),
        };
        let outcome = |name: &str, from: &Measured, m: &AnyModel, seconds, grads, changed| {
            let after = measure(m, &groups)?;
            let gap_halved = after.gaps[target].demographic_parity
                <= TARGET_GAP_SHARE * from.gaps[target].demographic_parity;
            let accuracy_kept = from.accuracy - after.accuracy <= TARGET_ACCURACY_COST + 1e-12;
            let oracle = match name {
                CERTIFIED | CERTIFIED_ORACLE => CERTIFIED_ORACLE,
                _ => "retrain",
            };
            Ok::<_, ScenarioError>(MethodPoint {
                after,
                oracle: oracle.into(),
                parity_gap_to_oracle: None,
                accuracy_to_oracle: None,
                gap_halved,
                accuracy_kept,
                close_to_oracle: false,
                seconds,
                sample_gradients: grads,
                changed,
                retrained: None,
            })
        };
        if let Some((_, from)) = &certified {
            progress(&format!("  {CERTIFIED_ORACLE}"));
            let start = std::time::Instant::now();
            match train(&data, &certified_plan, &ids, observer) {
                Ok((m, _)) => {
                    let secs = start.elapsed().as_secs_f64();
                    let o = outcome(CERTIFIED_ORACLE, from, &m, secs, 0, true)?;
                    point.methods.insert(CERTIFIED_ORACLE.into(), o);
                }
                Err(e) => {
                    point.failed.insert(CERTIFIED_ORACLE.into(), e.to_string());
                }
            }
        }
        for name in &plan.methods {
            progress(&format!("  {name}"));
            let (start, from) = match (&certified, name.as_str()) {
                (Some((m, measured)), CERTIFIED) => (m, measured),
                _ => (&single, &before),
            };
            let request = DeletionRequest {
                selection: Selection {
                    ids: ids.clone(),
                    ..Selection::default()
                },
                method: name.clone(),
                config: plan.configs.get(name).cloned(),
                seed: plan.seed,
                reason: oubli_engine::ForgetReason::Privacy,
            };
            match apply(start, &data, &request) {
                Ok((m, r)) => {
                    let mut o = outcome(name, from, &m, r.seconds, cost(&r.detail), r.changed)?;
                    if let KindDetail::Certified(d) = &r.detail {
                        o.retrained = Some(d.retrained);
                    }
                    point.methods.insert(name.clone(), o);
                }
                Err(e) => {
                    point.failed.insert(name.clone(), e.to_string());
                }
            }
        }
        let oracles: BTreeMap<String, (f64, f64)> = point
            .methods
            .iter()
            .filter(|(n, _)| *n == "retrain" || *n == CERTIFIED_ORACLE)
            .map(|(n, m)| {
                let a = &m.after;
                (n.clone(), (a.gaps[target].demographic_parity, a.accuracy))
            })
            .collect();
        for m in point.methods.values_mut() {
            if let Some(&(gap, acc)) = oracles.get(&m.oracle) {
                let dg = m.after.gaps[target].demographic_parity - gap;
                let da = m.after.accuracy - acc;
                m.parity_gap_to_oracle = Some(dg);
                m.accuracy_to_oracle = Some(da);
                let near = |x: f64| x.abs() <= TARGET_ORACLE_DISTANCE + 1e-12;
                m.close_to_oracle = near(dg) && near(da);
            }
        }
        points.push(point);
    }

    let mut report = FairnessReport {
        dataset: dataset.name.clone(),
        model: plan.spec.arch_name().to_string(),
        target: plan.target.clone(),
        measured: plan.measured.clone(),
        train_samples: data.train.len(),
        validation_samples: val.len(),
        report_samples: data.test.len(),
        estimator,
        soft_gap_before: ranking.soft_gap,
        helpful_samples: ranking.helpful(),
        before,
        certified_before: certified.map(|(_, m)| m),
        points,
        findings: Vec::new(),
    };
    report.findings = findings(&report);
    Ok(report)
}

fn pts(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// The report's conclusions, in words.
fn findings(r: &FairnessReport) -> Vec<String> {
    let t = r.target.attribute.as_str();
    let dp0 = r.before.gaps[t].demographic_parity;
    let mut out = vec![format!(
        "before: demographic-parity gap {} points on {} (equalised odds {}), accuracy {}%",
        pts(dp0),
        r.target.describe(),
        pts(r.before.gaps[t].equalised_odds),
        pts(r.before.accuracy)
    )];
    let mut names: Vec<&String> = r.points.iter().flat_map(|p| p.methods.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let at: Vec<(&SweepPoint, &MethodPoint)> = r
            .points
            .iter()
            .filter_map(|p| p.methods.get(name).map(|m| (p, m)))
            .collect();
        let from = if name == CERTIFIED || name == CERTIFIED_ORACLE {
            r.certified_before.as_ref().unwrap_or(&r.before)
        } else {
            &r.before
        };
        let met = at.iter().find(|(_, m)| m.gap_halved && m.accuracy_kept);
        let best = at.iter().min_by(|a, b| {
            let g = |m: &MethodPoint| m.after.gaps[t].demographic_parity;
            g(a.1).total_cmp(&g(b.1))
        });
        let mut line = match (met, best) {
            (Some((p, m)), _) => format!(
                "{name}: parity gap halved ({} → {} points) at {} samples removed, accuracy {:+.2} points",
                pts(from.gaps[t].demographic_parity),
                pts(m.after.gaps[t].demographic_parity),
                p.removed,
                100.0 * (m.after.accuracy - from.accuracy)
            ),
            (None, Some((p, m))) => format!(
                "{name}: gap not halved within 1 point of accuracy; its lowest gap is {} points (from {}) at {} removed, accuracy {:+.2} points",
                pts(m.after.gaps[t].demographic_parity),
                pts(from.gaps[t].demographic_parity),
                p.removed,
                100.0 * (m.after.accuracy - from.accuracy)
            ),
            _ => continue,
        };
        if name != "retrain" && name != CERTIFIED_ORACLE {
            let dist: Vec<f64> = at
                .iter()
                .filter_map(|(_, m)| {
                    Some(
                        m.parity_gap_to_oracle?
                            .abs()
                            .max(m.accuracy_to_oracle?.abs()),
                    )
                })
                .collect();
            if let Some(worst) = dist.iter().copied().reduce(f64::max) {
                let close = at.iter().filter(|(_, m)| m.close_to_oracle).count();
                line += &format!(
                    "; within 0.5 points of {} on both measures at {close} of {} points (worst {} points)",
                    at[0].1.oracle,
                    dist.len(),
                    pts(worst)
                );
            }
        }
        let retrained = at.iter().filter(|(_, m)| m.retrained == Some(true)).count();
        if retrained > 0 {
            line += &format!(
                "; at {retrained} of {} points the removal exceeded the (ε, δ) budget and retrained from scratch",
                at.len()
            );
        }
        out.push(line);
    }
    if let Some(p) = r.points.iter().find(|p| p.predicted_soft_gap < 0.0) {
        out.push(format!(
            "from {} removed on, the first-order estimate predicts the soft gap past zero ({:.4}): removing more reverses the gap rather than closing it",
            p.removed, p.predicted_soft_gap
        ));
    }
    for p in &r.points {
        for (name, e) in &p.failed {
            out.push(format!("{name} failed at {} removed: {e}", p.removed));
        }
    }
    out
}
