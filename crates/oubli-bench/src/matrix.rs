//! Running the benchmark matrix.

use crate::{BenchError, Scenario};
use oubli_audit::{AuditConfig, Auditor};
use oubli_data::Dataset;
use oubli_forget::{forget_model, StoredUpdates, UpdateRecorder};
use oubli_model::{fit, ModelSpec, Silent, TrainConfig};
use oubli_verify::{AttackResult, Report, SetAccuracies, Verdict};
use serde::Serialize;

/// What to run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchConfig {
    /// Architecture name (`logreg`, `mlp`, `cnn`).
    pub model: String,
    /// Methods by registry name (the oracle `retrain` is always run).
    pub methods: Vec<String>,
    /// The forgetting scenarios; each seed's original model is shared by all of them.
    pub scenarios: Vec<Scenario>,
    /// Number of seeds (0..seeds).
    pub seeds: u64,
    /// Training config of the originals (its seed is replaced by each run's seed).
    pub train: TrainConfig,
    /// How each method is audited against the oracle (`oubli verify`'s settings; its seed is
    /// replaced by each run's seed). LiRA's shadows (`shadows > 0`) are trained once per seed
    /// and scenario and shared by every method.
    pub audit: AuditConfig,
}

/// One attack on one model: the numbers `oubli verify --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct AttackRecord {
    /// Attack name (`loss_threshold`, `neurips_simple_mia`, `confidence_mia`, `lira_online`…).
    pub name: String,
    /// Best balanced accuracy.
    pub accuracy: f64,
    /// Area under the ROC curve (0.5 = no better than chance).
    pub auc: f64,
    /// True-positive rate at 1% false positives.
    pub tpr_at_1pct_fpr: f64,
}

impl From<&AttackResult> for AttackRecord {
    fn from(a: &AttackResult) -> Self {
        Self {
            name: a.name.clone(),
            accuracy: a.accuracy,
            auc: a.auc,
            tpr_at_1pct_fpr: a.tpr_at_1pct_fpr,
        }
    }
}

/// One method on one seed of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Scenario label (`class:3`, `random:0.1`…).
    pub scenario: String,
    /// Method name (`original` for the trained model itself, `retrain` for the oracle).
    pub method: String,
    /// Seed.
    pub seed: u64,
    /// Forget-set size.
    pub forget_samples: usize,
    /// Accuracy on the forget set.
    pub forget_accuracy: f64,
    /// Accuracy on the retain set (the audit's seeded subsample of at most 5,000).
    pub retain_accuracy: f64,
    /// Test accuracy.
    pub test_accuracy: f64,
    /// AUC of the NeurIPS-2023 simple attack, forget (members) vs test (non-members).
    pub mia_auc: f64,
    /// Every attack of the audit on this model.
    pub attacks: Vec<AttackRecord>,
    /// `oubli verify`'s verdict against the oracle (none for `original` and `retrain`).
    pub verdict: Option<Verdict>,
    /// The verdict's reasons.
    pub reasons: Vec<String>,
    /// Mean Jensen–Shannon divergence to the oracle's predictions on the forget set (none
    /// for `original`, whose audit does not compute it).
    pub js_divergence_forget: Option<f64>,
    /// Fine-tuning steps on the forget set until its accuracy is back at the original's
    /// (`None`: not within the audit's budget).
    pub relearn_steps: Option<u64>,
    /// Seconds.
    pub seconds: f64,
    /// Per-sample gradient evaluations.
    pub sample_gradients: u64,
    /// True when the collapse guard stopped the method.
    pub collapse_guard_triggered: bool,
}

/// Runs every method on every seed of every scenario; `log` receives one line per finished
/// run, `progress` the audit's stages.
pub fn run_matrix(
    dataset: &Dataset,
    config: &BenchConfig,
    log: &mut dyn FnMut(&RunRecord),
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<RunRecord>, BenchError> {
    let spec = ModelSpec::by_name(&config.model, dataset.shape.clone(), dataset.num_classes)?;
    let needs_updates = config.methods.iter().any(|m| m == "amnesiac");
    let mut records = Vec::new();
    for seed in 0..config.seeds {
        let train = TrainConfig {
            seed,
            ..config.train.clone()
        }
        .validate()?;
        progress(&format!("seed {seed}: training the original"));
        let mut recorder = UpdateRecorder::new();
        let (model, trained) = if needs_updates {
            fit(dataset, spec.clone(), &train, &mut recorder)?
        } else {
            fit(dataset, spec.clone(), &train, &mut Silent)?
        };
        let stored: Option<StoredUpdates> = needs_updates.then(|| recorder.into_updates());
        for scenario in &config.scenarios {
            let label = scenario.label();
            let selection = scenario.selection(dataset, seed)?;
            let run = |method: &str| {
                forget_model(
                    &model,
                    dataset,
                    &selection,
                    method,
                    None,
                    seed,
                    stored.as_ref(),
                )
            };
            progress(&format!("seed {seed} {label}: retraining the oracle"));
            let (oracle, oracle_run) = run("retrain")?;
            let audit_config = AuditConfig {
                seed,
                ..config.audit.clone()
            };
            let auditor = Auditor::prepare(
                &model,
                Some(&oracle),
                dataset,
                &selection,
                None,
                &audit_config,
                progress,
            )?;
            let base = |method: &str, side: Side<'_>| RunRecord {
                scenario: label.clone(),
                method: method.into(),
                seed,
                forget_samples: oracle_run.forget_samples,
                forget_accuracy: side.accuracy.forget,
                retain_accuracy: side.accuracy.retain,
                test_accuracy: side.accuracy.test,
                mia_auc: neurips_auc(side.attacks),
                attacks: side.attacks.iter().map(AttackRecord::from).collect(),
                verdict: None,
                reasons: Vec::new(),
                js_divergence_forget: side.js_forget,
                relearn_steps: side.relearn,
                seconds: 0.0,
                sample_gradients: 0,
                collapse_guard_triggered: false,
            };
            let mut first = true;
            for method in config.methods.iter().filter(|m| *m != "retrain") {
                let (unlearned, r) = run(method)?;
                let report = auditor.audit(&unlearned, None, progress)?;
                if first {
                    // The original and the oracle, measured by the same audit.
                    let original = RunRecord {
                        seconds: trained.seconds,
                        sample_gradients: trained.sample_gradients,
                        ..base("original", Side::original(&report))
                    };
                    let retrain = RunRecord {
                        seconds: oracle_run.seconds,
                        sample_gradients: oracle_run.sample_gradients,
                        ..base("retrain", Side::retrained(&report))
                    };
                    for rec in [original, retrain] {
                        log(&rec);
                        records.push(rec);
                    }
                    first = false;
                }
                let rec = RunRecord {
                    verdict: Some(report.verdict),
                    reasons: report.reasons.clone(),
                    seconds: r.seconds,
                    sample_gradients: r.sample_gradients,
                    collapse_guard_triggered: r.stats.collapse_guard_triggered,
                    ..base(method, Side::unlearned(&report))
                };
                log(&rec);
                records.push(rec);
            }
        }
    }
    Ok(records)
}

/// One model's column of a [`Report`].
struct Side<'r> {
    accuracy: SetAccuracies,
    attacks: &'r [AttackResult],
    js_forget: Option<f64>,
    relearn: Option<u64>,
}

impl<'r> Side<'r> {
    fn original(r: &'r Report) -> Self {
        Self {
            accuracy: r.accuracies.original,
            attacks: &r.attacks.original,
            js_forget: None,
            relearn: Some(0),
        }
    }
    fn retrained(r: &'r Report) -> Self {
        Self {
            accuracy: r.accuracies.retrained,
            attacks: &r.attacks.retrained,
            js_forget: Some(0.0),
            relearn: r.relearn_steps.as_ref().and_then(|s| s.retrained),
        }
    }
    fn unlearned(r: &'r Report) -> Self {
        Self {
            accuracy: r.accuracies.unlearned,
            attacks: &r.attacks.unlearned,
            js_forget: r.js_divergence_forget,
            relearn: r.relearn_steps.as_ref().and_then(|s| s.unlearned),
        }
    }
}

/// The NeurIPS-2023 simple attack's AUC among `attacks` (NaN if it did not run).
fn neurips_auc(attacks: &[AttackResult]) -> f64 {
    attacks
        .iter()
        .find(|a| a.name == "neurips_simple_mia")
        .map_or(f64::NAN, |a| a.auc)
}
