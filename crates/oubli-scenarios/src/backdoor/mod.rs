//! `oubli scenario backdoor`: poison, train, measure the attack, forget the poisoned
//! samples with each method, measure again, and compare with the retrain oracle.

mod html;
mod trigger;

pub use html::{render_html, write_report};

pub use trigger::{attack_success_rate, BackdoorParams, Corner, Poisoned};

use crate::ScenarioError;
use oubli_data::Selection;
use oubli_engine::{apply, train, AnyModel, DeletionRequest, ForgetReason, KindDetail, TrainPlan};
use oubli_model::{argmax, ModelSpec, TrainObserver, ValidTrainConfig};
use oubli_sisa::SisaConfig;
use serde::Serialize;
use std::collections::BTreeMap;

/// The attack's success rate below which a backdoor counts as removed.
pub const REMOVED_ASR: f64 = 0.05;
/// How close (in accuracy, a fraction) to the retrain oracle's clean accuracy a method
/// must stay.
pub const CLEAN_TOLERANCE: f64 = 0.01;
/// The success rate an attack must reach before forgetting means anything.
pub const ATTACK_WORKS: f64 = 0.90;

/// What to run.
#[derive(Debug, Clone)]
pub struct BackdoorPlan {
    /// The attack.
    pub params: BackdoorParams,
    /// The network trained on the poisoned data.
    pub spec: ModelSpec,
    /// Its training.
    pub config: ValidTrainConfig,
    /// The ensemble `sisa` is measured on (trained on the same poisoned data).
    pub sisa: SisaConfig,
    /// Methods (`oubli methods`); `sisa` trains and forgets an ensemble.
    pub methods: Vec<String>,
    /// Seed of the methods' random choices.
    pub seed: u64,
    /// How the known samples are forgotten: as poisoned (the scenario's default, what a
    /// security team knows of them) or as genuine data (to see what a privacy request would
    /// leave behind).
    pub reason: ForgetReason,
}

/// One method's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct MethodOutcome {
    /// Attack success after forgetting.
    pub asr_after: f64,
    /// Clean test accuracy after forgetting.
    pub clean_accuracy_after: f64,
    /// Clean accuracy minus the retrain oracle's (None without `retrain` in the run).
    pub clean_gap_to_retrain: Option<f64>,
    /// The model it started from: `single`, or `sisa` for the ensemble.
    pub original: &'static str,
    /// That model's attack success and clean accuracy (differ from the single network's
    /// for `sisa`).
    pub asr_before: f64,
    /// See `asr_before`.
    pub clean_accuracy_before: f64,
    /// Wall-clock seconds of the forgetting.
    pub seconds: f64,
    /// Sample-gradient evaluations spent.
    pub sample_gradients: u64,
    /// Whether it changed the model at all.
    pub changed: bool,
    /// ASR below 5% and clean accuracy within 1 point of the retrain oracle.
    pub removed: bool,
}

/// The scenario's result.
#[derive(Debug, Clone, Serialize)]
pub struct BackdoorReport {
    /// Dataset (clean) name.
    pub dataset: String,
    /// Architecture.
    pub model: String,
    /// The attack.
    pub params: BackdoorParams,
    /// Poisoned training samples.
    pub poisoned_samples: usize,
    /// Those forgotten (the known share).
    pub known_samples: usize,
    /// Why they were forgotten (`poisoned`, or `privacy` for comparison).
    pub reason: ForgetReason,
    /// Attack success on the trained network.
    pub asr_before: f64,
    /// Its clean test accuracy.
    pub clean_accuracy_before: f64,
    /// Per method.
    pub methods: BTreeMap<String, MethodOutcome>,
    /// Methods that failed, with the reason.
    pub failed: BTreeMap<String, String>,
    /// What the numbers say, in words.
    pub findings: Vec<String>,
}

#[derive(Clone, Copy)]
struct Measured {
    asr: f64,
    clean: f64,
}

fn measure(model: &AnyModel, poisoned: &Poisoned, target: u32) -> Result<Measured, ScenarioError> {
    let k = model.num_classes();
    let triggered = model.predict(&poisoned.triggered_test.features)?;
    let clean = model.predict(&poisoned.dataset.test.features)?;
    let right = clean
        .chunks(k)
        .zip(&poisoned.dataset.test.labels)
        .filter(|(r, &y)| argmax(r) == y as usize)
        .count();
    Ok(Measured {
        asr: attack_success_rate(&triggered, k, target),
        clean: right as f64 / poisoned.dataset.test.len().max(1) as f64,
    })
}

/// Runs the scenario on `dataset` (an image dataset).
pub fn run(
    dataset: &oubli_data::Dataset,
    plan: &BackdoorPlan,
    observer: &mut dyn TrainObserver,
    progress: &mut dyn FnMut(&str),
) -> Result<BackdoorReport, ScenarioError> {
    let poisoned = plan.params.poison(dataset)?;
    progress(&format!(
        "poisoned {} training images ({} known); training",
        poisoned.poisoned.len(),
        poisoned.known.len()
    ));
    let single = TrainPlan::Single {
        spec: plan.spec.clone(),
        config: plan.config.clone(),
    };
    let (model, _) = train(&poisoned.dataset, &single, &[], observer)?;
    let before = measure(&model, &poisoned, plan.params.target)?;
    let mut ensemble: Option<(AnyModel, Measured)> = None;
    let request = |method: &str| DeletionRequest {
        selection: Selection {
            ids: poisoned.known.clone(),
            ..Selection::default()
        },
        method: method.to_string(),
        config: None,
        seed: plan.seed,
        reason: plan.reason,
    };
    let mut methods = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for name in &plan.methods {
        progress(&format!("forgetting with {name}"));
        let (start, original, from) = if name == oubli_sisa::METHOD_FORGET {
            if ensemble.is_none() {
                let p = TrainPlan::Sisa {
                    spec: plan.spec.clone(),
                    config: plan.config.clone(),
                    sisa: plan.sisa.clone(),
                };
                let (m, _) = train(&poisoned.dataset, &p, &[], observer)?;
                let measured = measure(&m, &poisoned, plan.params.target)?;
                ensemble = Some((m, measured));
            }
            let (m, measured) = ensemble.as_ref().expect("trained above");
            (m, "sisa", *measured)
        } else {
            (&model, "single", before)
        };
        match apply(start, &poisoned.dataset, &request(name)) {
            Ok((forgot, report)) => {
                let after = measure(&forgot, &poisoned, plan.params.target)?;
                let sample_gradients = match &report.detail {
                    KindDetail::Single(d) => d.sample_gradients,
                    KindDetail::Sisa(d) => d.report.sample_gradients,
                    KindDetail::Certified(_) => 0,
                };
                methods.insert(
                    name.clone(),
                    MethodOutcome {
                        asr_after: after.asr,
                        clean_accuracy_after: after.clean,
                        clean_gap_to_retrain: None,
                        original,
                        asr_before: from.asr,
                        clean_accuracy_before: from.clean,
                        seconds: report.seconds,
                        sample_gradients,
                        changed: report.changed,
                        removed: false,
                    },
                );
            }
            Err(e) => {
                failed.insert(name.clone(), e.to_string());
            }
        }
    }
    let oracle = methods.get("retrain").map(|m| m.clean_accuracy_after);
    for m in methods.values_mut() {
        m.clean_gap_to_retrain = oracle.map(|o| m.clean_accuracy_after - o);
        m.removed = m.asr_after < REMOVED_ASR
            && m.clean_gap_to_retrain
                .is_some_and(|g| g.abs() <= CLEAN_TOLERANCE + 1e-12);
    }
    let mut report = BackdoorReport {
        dataset: dataset.name.clone(),
        model: plan.spec.arch_name().to_string(),
        params: plan.params.clone(),
        poisoned_samples: poisoned.poisoned.len(),
        known_samples: poisoned.known.len(),
        reason: plan.reason,
        asr_before: before.asr,
        clean_accuracy_before: before.clean,
        methods,
        failed,
        findings: Vec::new(),
    };
    report.findings = findings(&report);
    Ok(report)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The report's conclusions, in words.
fn findings(r: &BackdoorReport) -> Vec<String> {
    let mut out = Vec::new();
    if r.asr_before < ATTACK_WORKS {
        out.push(format!(
            "the attack did not take (ASR {} < {}): what forgetting removes here is not a working backdoor",
            pct(r.asr_before),
            pct(ATTACK_WORKS)
        ));
    } else {
        out.push(format!(
            "the attack works: ASR {} with clean accuracy {}",
            pct(r.asr_before),
            pct(r.clean_accuracy_before)
        ));
    }
    let removed: Vec<&str> = r
        .methods
        .iter()
        .filter(|(_, m)| m.removed)
        .map(|(n, _)| n.as_str())
        .collect();
    let share = if r.known_samples == r.poisoned_samples {
        "all the poisoned samples".to_string()
    } else {
        format!(
            "the known {} of {} poisoned samples",
            r.known_samples, r.poisoned_samples
        )
    };
    if !r.methods.contains_key("retrain") {
        out.push("no `retrain` in the run: nothing to compare clean accuracy with".into());
    } else if removed.is_empty() {
        out.push(format!(
            "no method removed the backdoor (ASR < {} within {:.1} points of the retrain's clean accuracy) by forgetting {share}",
            pct(REMOVED_ASR),
            100.0 * CLEAN_TOLERANCE
        ));
    } else {
        out.push(format!(
            "forgetting {share} removed the backdoor with: {}",
            removed.join(", ")
        ));
    }
    if let Some(m) = r.methods.get("retrain") {
        if r.known_samples < r.poisoned_samples && m.asr_after >= REMOVED_ASR {
            out.push(format!(
                "even retraining without the known share leaves ASR {}: the unknown poisoned samples carry the backdoor on their own",
                pct(m.asr_after)
            ));
        }
    }
    out
}
