//! [`Auditor`]: every measurement of `oubli verify`, in order, into one
//! [`Report`]. What does not depend on the unlearned model (the oracle, the
//! original's and the oracle's outputs and attacks, LiRA's shadows, the
//! oracle's relearn time) is computed once by [`Auditor::prepare`], so that
//! `oubli bench` audits every method of a run against the same evidence.

use std::collections::BTreeMap;
use std::time::Instant;

use oubli_data::{fingerprint, Dataset, Selection, Split};
use oubli_engine::{AnyModel, SingleModel};
use oubli_forget::{find, partition};
use oubli_model::file::ModelFile;
use oubli_model::Params;
use oubli_verify::{AttackResult, OwnerTest, Report};

use crate::compat::{check_compatible, check_compatible_any};
use crate::family::{Family, Fitted};
use crate::outputs::{ModelOutputs, Sets};
use crate::relearn::Relearn;
use crate::shadows::{choose_sorted, rng, train_shadows, ShadowPlan, TargetPool};
use crate::{AuditConfig, AuditError};
use evidence::{null_statistics, OraclePlan, ShadowEvidence};

mod evidence;
mod examine;
mod markers;

pub use markers::recorded_markers;

/// Forget samples on which relearning progress is checked after each step.
const RELEARN_CHECK_SAMPLES: usize = 1000;
/// Relearned = forget accuracy within this of the original's (1 point), so
/// the last few hard samples the original itself barely fitted do not
/// dominate the count.
const RELEARN_SLACK: f64 = 0.01;
/// Losses per set and model kept in the report for the histograms.
const LOSS_SAMPLES: usize = 2000;

/// Audits `unlearned` against the retrain-from-scratch oracle and returns the
/// filled [`Report`] with its verdict: [`Auditor::prepare`] then
/// [`Auditor::audit`].
///
/// The forget and retain sets are resolved against the data the **original**
/// was trained on (`AnyModel::training_data`, then [`partition`] with `selection`).
/// `retrained` is the oracle; `None` trains it here with the `retrain` method
/// (the original's training config and seed, minus the forget set).
/// `method_for_runs` names the method that produced `unlearned`; it is only
/// needed for `challenge_runs > 0` and for U-LiRA. `progress` receives one
/// line per stage (and per shadow model or challenge run).
///
/// Steps: outputs and accuracies of the three models on forget / retain
/// (≤ `max_retain_eval`, seeded) / test; loss-threshold, NeurIPS simple,
/// confidence and LiRA attacks on each (LiRA's shadows are shared); JS
/// divergence and weight distances; relearn time; the challenge score; the
/// verdict ([`Report::apply_verdict`]). [`audit_any`] does the same for any kind.
#[allow(clippy::too_many_arguments)] // the `oubli verify` contract: one argument per input
pub fn audit(
    original: &ModelFile,
    unlearned: &ModelFile,
    retrained: Option<&ModelFile>,
    dataset: &Dataset,
    selection: &Selection,
    method_for_runs: Option<(&str, Option<&serde_json::Value>)>,
    config: &AuditConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, AuditError> {
    check_compatible(original, unlearned, "unlearned")?;
    let auditor = Auditor::prepare(
        original,
        retrained,
        dataset,
        selection,
        method_for_runs,
        config,
        progress,
    )?;
    auditor.audit(unlearned, method_for_runs, progress)
}

/// [`audit`] for models of any kind (single network, SISA ensemble, certified
/// model). The oracle, LiRA's shadows and the calibration retrains are of the
/// original's kind, trained through the engine with its own plan; what needs a
/// single network's weights (relearn time, weight distances, U-LiRA, the
/// challenge score) is measured for single networks only.
#[allow(clippy::too_many_arguments)] // the `oubli verify` contract: one argument per input
pub fn audit_any(
    original: &AnyModel,
    unlearned: &AnyModel,
    retrained: Option<&AnyModel>,
    dataset: &Dataset,
    selection: &Selection,
    method_for_runs: Option<(&str, Option<&serde_json::Value>)>,
    config: &AuditConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, AuditError> {
    check_compatible_any(original, unlearned, "unlearned")?;
    let auditor = Auditor::prepare_any(
        original,
        retrained,
        dataset,
        selection,
        method_for_runs,
        config,
        progress,
    )?;
    auditor.audit_any(unlearned, method_for_runs, progress)
}

/// A single model file as the engine's model type (its network built once).
pub(crate) fn as_any(file: &ModelFile) -> Result<AnyModel, AuditError> {
    Ok(AnyModel::Single(Box::new(SingleModel::new(file.clone())?)))
}

/// The evidence shared by every audit of one forget request on one original
/// model: build it once, then [`audit`](Self::audit) any number of
/// unlearned models (each audit then costs their outputs, attacks and
/// relearn time only; the shadows and the oracle are reused).
pub struct Auditor {
    config: AuditConfig,
    /// Only its name is kept: the audit needs the forget, retain and test splits, not the
    /// whole dataset (a copy of MNIST per audit otherwise).
    dataset_name: String,
    /// The original (its kind, dataset and architecture are what audited models must match).
    original_model: AnyModel,
    selection: Selection,
    family: Family,
    forget: Split,
    retain: Split,
    retain_eval: Split,
    test: Split,
    original: Fitted,
    oracle: Fitted,
    /// The given oracle's recorded training-set fingerprint (`None`: trained here).
    oracle_fingerprint: Option<String>,
    outputs: (ModelOutputs, ModelOutputs),
    attacks: (Vec<AttackResult>, Vec<AttackResult>),
    lira: Option<ShadowEvidence>,
    lira_details: String,
    /// Owner tests on the original and on the oracle.
    owner_tests: (Vec<OwnerTest>, Vec<OwnerTest>),
    /// Statistics of each extra retrain of the calibrated verdict.
    calibration: Vec<BTreeMap<String, f64>>,
    /// The original's statistics for the calibrated verdict.
    original_statistics: BTreeMap<String, f64>,
    notes: Vec<String>,
    relearn_check: Split,
    relearn_target: f64,
    relearn_retrained: Option<u64>,
    timings: BTreeMap<String, f64>,
}

impl Auditor {
    /// Resolves the sets, trains the oracle when `retrained` is `None`,
    /// evaluates and attacks the original and the oracle, trains LiRA's
    /// shadows (running `u_lira_method` inside each when
    /// [`AuditConfig::u_lira`] is set) and measures the oracle's relearn time.
    pub fn prepare(
        original: &ModelFile,
        retrained: Option<&ModelFile>,
        dataset: &Dataset,
        selection: &Selection,
        u_lira_method: Option<(&str, Option<&serde_json::Value>)>,
        config: &AuditConfig,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Self, AuditError> {
        let retrained = retrained.map(as_any).transpose()?;
        Self::prepare_any(
            &as_any(original)?,
            retrained.as_ref(),
            dataset,
            selection,
            u_lira_method,
            config,
            progress,
        )
    }

    /// [`prepare`](Self::prepare) for an original of any kind; the oracle, shadows
    /// and calibration retrains are of its kind.
    pub fn prepare_any(
        original: &AnyModel,
        retrained: Option<&AnyModel>,
        dataset: &Dataset,
        selection: &Selection,
        u_lira_method: Option<(&str, Option<&serde_json::Value>)>,
        config: &AuditConfig,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Self, AuditError> {
        config.validate()?;
        let started = Instant::now();
        let mut timings = BTreeMap::new();
        let seed = config.seed;
        if let Some(m) = retrained {
            check_compatible_any(original, m, "retrained")?;
        }
        if let Some((method, _)) = u_lira_method {
            find(method)?;
        }
        let data = original.training_data(dataset)?;
        let (forget, retain) = partition(&data, selection)?;
        if let Some(m) = retrained {
            check_oracle(original, m, &forget, &retain)?;
        }
        for (name, s) in [
            ("forget", &forget),
            ("retain", &retain),
            ("test", &data.test),
        ] {
            if s.is_empty() {
                return Err(AuditError::Mismatch(format!("the {name} set is empty")));
            }
        }
        let family = Family::of(original, &data)?;
        let mut notes = Vec::new();
        let u_lira_method = u_lira_method.filter(|_| config.u_lira);
        if config.u_lira && config.shadows > 0 && u_lira_method.is_none() {
            notes.push(
                "U-LiRA skipped: no unlearning method was given to run inside shadows".into(),
            );
        }
        let u_lira_method = match (u_lira_method, family.net()) {
            (Some(_), None) => {
                notes.push(format!(
                    "U-LiRA skipped: it runs a single-model method inside shadows, and the model is {}",
                    original.kind().article()
                ));
                None
            }
            (m, _) => m,
        };
        let original_fitted = match original {
            AnyModel::Single(m) => Fitted::Net(m.file.params.clone()),
            other => Fitted::Any(Box::new(other.clone())),
        };

        let t = Instant::now();
        let oracle = match retrained {
            Some(AnyModel::Single(m)) => Fitted::Net(m.file.params.clone()),
            Some(m) => Fitted::Any(Box::new(m.clone())),
            None => {
                progress(&format!(
                    "training the retrained oracle ({} retrained without the forget set)",
                    original.kind().article()
                ));
                let p = family.retrain(&retain)?;
                timings.insert("retraining_oracle".to_string(), t.elapsed().as_secs_f64());
                p
            }
        };

        progress("evaluating the original and the oracle");
        let t = Instant::now();
        let retain_idx = choose_sorted(
            retain.len(),
            config.max_retain_eval,
            &mut rng(seed, "retain-eval", 0),
        );
        let retain_eval = retain.subset(&retain_idx);
        let sets = Sets {
            forget: &forget,
            retain: &retain_eval,
            test: &data.test,
        };
        let outputs = (
            ModelOutputs::compute(&family, &original_fitted, &sets),
            ModelOutputs::compute(&family, &oracle, &sets),
        );
        let mut attacks = (outputs.0.attacks(seed), outputs.1.attacks(seed));
        timings.insert("outputs".to_string(), t.elapsed().as_secs_f64());

        let mut lira_details = "skipped (shadows = 0)".to_string();
        let mut lira = None;
        let mut owner_tests = (Vec::new(), Vec::new());
        if config.shadows > 0 {
            let t = Instant::now();
            let pool = TargetPool::new(&forget, &data.test, config.lira_targets, seed);
            let plan = ShadowPlan {
                family: &family,
                retain: &retain,
                shadows: config.shadows,
                retain_fraction: config.shadow_retain_fraction,
                seed,
                u_lira_method,
            };
            let shadows = train_shadows(&plan, &pool, config.jobs, progress)?;
            notes.extend(shadows.u_lira_note.clone());
            lira_details = format!(
                "{} shadows ({}), {} forget + {} test targets, each target in {} shadows, shadow retain fraction {}{}",
                config.shadows,
                original.kind().article(),
                pool.members,
                pool.len() - pool.members,
                config.shadows / 2,
                config.shadow_retain_fraction,
                if config.shadows == 1 {
                    " (one shadow: offline RMIA only, no online LiRA)"
                } else {
                    ""
                }
            );
            let evidence = ShadowEvidence { shadows, pool };
            let (a, owners_o, _) = evidence.attack(&family, &original_fitted, config);
            attacks.0.extend(a);
            let (a, owners_r, _) = evidence.attack(&family, &oracle, config);
            attacks.1.extend(a);
            owner_tests = (owners_o, owners_r);
            lira = Some(evidence);
            timings.insert("lira_shadows".to_string(), t.elapsed().as_secs_f64());
        }

        let calibration = if config.calibration_oracles > 0 {
            let t = Instant::now();
            let stats = OraclePlan {
                family: &family,
                retain: &retain,
                sets: Sets {
                    forget: &forget,
                    retain: &retain_eval,
                    test: &data.test,
                },
                shadows: lira.as_ref(),
                config,
            }
            .run(progress)?;
            timings.insert("calibration_oracles".to_string(), t.elapsed().as_secs_f64());
            stats
        } else {
            Vec::new()
        };
        let original_statistics = null_statistics(outputs.0.forget.accuracy, &attacks.0);

        let t = Instant::now();
        let relearn_check = forget.subset(&choose_sorted(
            forget.len(),
            RELEARN_CHECK_SAMPLES,
            &mut rng(seed, "relearn-check", 0),
        ));
        let relearn_target = match (family.net(), original_fitted.params()) {
            (Some((net, _)), Some(p)) => {
                let original_check = oubli_model::evaluate(net, p, &relearn_check).accuracy;
                (original_check - RELEARN_SLACK).max(0.0)
            }
            _ => {
                notes.push(format!(
                    "relearn time and weight distances skipped: they fine-tune a single network's weights, and the model is {}",
                    original.kind().article()
                ));
                0.0
            }
        };
        let mut auditor = Self {
            config: config.clone(),
            dataset_name: dataset.name.clone(),
            original_model: original.clone(),
            selection: selection.clone(),
            family,
            forget,
            retain,
            retain_eval,
            test: data.test,
            original: original_fitted,
            oracle,
            oracle_fingerprint: retrained.map(|m| m.lineage().trained_ids_fingerprint),
            outputs,
            attacks,
            lira,
            lira_details,
            owner_tests,
            calibration,
            original_statistics,
            notes,
            relearn_check,
            relearn_target,
            relearn_retrained: None,
            timings,
        };
        if let Some(relearn) = auditor.relearn() {
            progress("measuring the oracle's relearn time");
            let steps = auditor.oracle.params().and_then(|p| relearn.steps(p));
            auditor.relearn_retrained = steps;
        }
        auditor
            .timings
            .insert("relearn_retrained".to_string(), t.elapsed().as_secs_f64());
        auditor
            .timings
            .insert("prepare".to_string(), started.elapsed().as_secs_f64());
        Ok(auditor)
    }

    /// The relearn-time measurement shared by the oracle and every unlearned model
    /// (`None` unless the models are single networks).
    fn relearn(&self) -> Option<Relearn<'_>> {
        let (net, _) = self.family.net()?;
        Some(Relearn {
            net,
            forget: &self.forget,
            check: &self.relearn_check,
            target: self.relearn_target,
            max_steps: self.config.relearn_max_steps,
            lr: self.config.relearn_lr,
            batch: self.config.relearn_batch,
            seed: self.config.seed,
        })
    }

    /// The forget set the audits check (resolved against the original's data).
    pub fn forget_set(&self) -> &Split {
        &self.forget
    }

    /// The retrained oracle's parameters, when the audited kind is a single network.
    pub fn oracle(&self) -> Option<&Params> {
        self.oracle.params()
    }
}

/// Refuses a given oracle that did not train on exactly train − forget.
fn check_oracle(
    original: &AnyModel,
    oracle: &AnyModel,
    forget: &Split,
    retain: &Split,
) -> Result<(), AuditError> {
    let recorded = &oracle.lineage().trained_ids_fingerprint;
    let expected = fingerprint(&retain.ids);
    if *recorded == expected {
        return Ok(());
    }
    let why = if *recorded == original.lineage().trained_ids_fingerprint {
        "it records the original's training set, forget set included"
    } else if *recorded == fingerprint(&forget.ids) {
        "it records the forget set itself"
    } else {
        "it records another training set"
    };
    Err(AuditError::OracleMismatch {
        recorded: recorded.clone(),
        expected,
        why,
    })
}
