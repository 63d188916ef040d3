//! [`audit`]: every measurement of `oubli verify`, in order, into one
//! [`Report`].

use std::collections::BTreeMap;
use std::time::Instant;

use oubli_data::{Dataset, Selection};
use oubli_forget::{find, partition, training_data, ForgetContext, ForgetError};
use oubli_model::file::ModelFile;
use oubli_model::{Network, Params, TrainConfig};
use oubli_verify::{
    average_gap, js_divergence, l2_distance, AttackResult, PerModel, RelearnSteps, Report, Verdict,
    WeightDistances,
};

use crate::challenge::ChallengePlan;
use crate::describe::Facts;
use crate::outputs::{ModelOutputs, SetOutputs, Sets};
use crate::relearn::Relearn;
use crate::shadows::{choose_sorted, rng, train_shadows, ShadowPlan, TargetPool};
use crate::{AuditConfig, AuditError};

/// Forget samples on which relearning progress is checked after each step.
const RELEARN_CHECK_SAMPLES: usize = 1000;
/// Relearned = forget accuracy within this of the original's (1 point), so
/// the last few hard samples the original itself barely fitted do not
/// dominate the count.
const RELEARN_SLACK: f64 = 0.01;
/// Losses per set and model kept in the report for the histograms.
const LOSS_SAMPLES: usize = 2000;

/// Audits `unlearned` against the retrain-from-scratch oracle and returns the
/// filled [`Report`] with its verdict.
///
/// The forget and retain sets are resolved against the data the **original**
/// was trained on ([`training_data`] then [`partition`] with `selection`).
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
/// verdict ([`Report::apply_verdict`]).
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
    config.validate()?;
    let started = Instant::now();
    let mut timings = BTreeMap::new();
    let seed = config.seed;
    let spec = &original.lineage.spec;
    for (name, m) in [("unlearned", Some(unlearned)), ("retrained", retrained)] {
        if let Some(m) = m.filter(|m| m.lineage.spec != *spec) {
            return Err(AuditError::Mismatch(format!(
                "the {name} model is a {} ({:?}), the original a {} ({:?})",
                m.lineage.spec.arch_name(),
                m.lineage.spec.arch,
                spec.arch_name(),
                spec.arch
            )));
        }
    }
    if let Some((method, _)) = method_for_runs {
        find(method)?;
    }
    let data = training_data(original, dataset)?;
    let (forget, retain) = partition(&data, selection)?;
    for (name, s) in [
        ("forget", &forget),
        ("retain", &retain),
        ("test", &data.test),
    ] {
        if s.is_empty() {
            return Err(AuditError::Mismatch(format!("the {name} set is empty")));
        }
    }
    let train_config: TrainConfig = serde_json::from_value(original.lineage.train_config.clone())
        .map_err(|e| {
        AuditError::Mismatch(format!("the original's training config is unreadable: {e}"))
    })?;
    let train_config = train_config.validate()?;
    let net = Network::new(spec.clone())?;
    let mut notes = Vec::new();

    let t = Instant::now();
    let oracle_owned;
    let oracle: &Params = match retrained {
        Some(m) => &m.params,
        None => {
            progress("training the retrained oracle (retrain without the forget set)");
            let ctx = ForgetContext {
                net: &net,
                original: &original.params,
                train_config: &train_config,
                forget: &forget,
                retain: &retain,
                validation: None,
                seed,
                stored_updates: None,
            };
            oracle_owned = find("retrain")?.run(None, &ctx)?.unlearned.params;
            timings.insert("retraining_oracle".to_string(), t.elapsed().as_secs_f64());
            &oracle_owned
        }
    };
    let models = PerModel {
        original: &original.params,
        unlearned: &unlearned.params,
        retrained: oracle,
    };

    progress("evaluating the three models");
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
    let outputs = map(&models, |p| ModelOutputs::compute(&net, p, &sets));
    timings.insert("outputs".to_string(), t.elapsed().as_secs_f64());

    progress("running loss, NeurIPS and confidence attacks");
    let t = Instant::now();
    let mut attacks = map(&outputs, |o| o.attacks(seed));
    timings.insert("attacks".to_string(), t.elapsed().as_secs_f64());

    let mut lira_details = "skipped (shadows = 0)".to_string();
    if config.shadows > 0 {
        let t = Instant::now();
        let pool = TargetPool::new(&forget, &data.test, config.lira_targets, seed);
        let u_lira_method = if config.u_lira {
            if method_for_runs.is_none() {
                notes.push(
                    "U-LiRA skipped: no unlearning method was given to run inside shadows".into(),
                );
            }
            method_for_runs
        } else {
            None
        };
        let plan = ShadowPlan {
            net: &net,
            retain: &retain,
            train_config: &train_config,
            shadows: config.shadows,
            retain_fraction: config.shadow_retain_fraction,
            seed,
            u_lira_method,
        };
        let shadows = train_shadows(&plan, &pool, progress)?;
        notes.extend(shadows.u_lira_note.clone());
        let lira_for = |p: &Params| shadows.attack(pool.phi(&net, p), pool.members);
        attacks.original.push(lira_for(models.original));
        attacks.unlearned.push(lira_for(models.unlearned));
        attacks.retrained.push(lira_for(models.retrained));
        if let Some(u) = shadows.u_lira_attack(pool.phi(&net, models.unlearned), pool.members) {
            attacks.unlearned.push(u);
        }
        lira_details = format!(
            "{} shadows, {} forget + {} test targets, each target in {} shadows, shadow retain fraction {}",
            config.shadows,
            pool.members,
            pool.len() - pool.members,
            config.shadows / 2,
            config.shadow_retain_fraction
        );
        timings.insert("lira_shadows".to_string(), t.elapsed().as_secs_f64());
    }

    let k = spec.num_classes;
    let js = |f: fn(&ModelOutputs) -> &SetOutputs| {
        js_divergence(
            &f(&outputs.unlearned).probs,
            &f(&outputs.retrained).probs,
            k,
        )
    };
    let (js_forget, js_test) = (js(|o| &o.forget), js(|o| &o.test));
    let l2 = |a: &Params, b: &Params| Some(l2_distance(&a.data, &b.data));
    let weight_l2 = WeightDistances {
        unlearned_to_original: l2(models.unlearned, models.original),
        unlearned_to_retrained: l2(models.unlearned, models.retrained),
        original_to_retrained: l2(models.original, models.retrained),
    };

    progress("measuring relearn time");
    let t = Instant::now();
    let check = forget.subset(&choose_sorted(
        forget.len(),
        RELEARN_CHECK_SAMPLES,
        &mut rng(seed, "relearn-check", 0),
    ));
    let original_check = oubli_model::evaluate(&net, models.original, &check).accuracy;
    let relearn = Relearn {
        net: &net,
        forget: &forget,
        check: &check,
        target: (original_check - RELEARN_SLACK).max(0.0),
        max_steps: config.relearn_max_steps,
        lr: config.relearn_lr,
        batch: config.relearn_batch,
        seed,
    };
    let relearn_steps = RelearnSteps {
        target_accuracy: relearn.target,
        budget: config.relearn_max_steps as u64,
        unlearned: relearn.steps(models.unlearned),
        retrained: relearn.steps(models.retrained),
    };
    timings.insert("relearn".to_string(), t.elapsed().as_secs_f64());

    let challenge_details;
    let challenge = match (config.challenge_runs, method_for_runs) {
        (0, _) => {
            challenge_details = "skipped (challenge_runs = 0)".to_string();
            None
        }
        (_, None) => {
            challenge_details = "skipped: no unlearning method was given to rerun".to_string();
            None
        }
        (runs, Some(method)) => {
            let t = Instant::now();
            let plan = ChallengePlan {
                net: &net,
                original: models.original,
                train_config: &train_config,
                forget: &forget,
                retain: &retain,
                retain_eval: &retain_eval,
                test: &data.test,
                runs,
                method,
            };
            let score = match plan.score(progress) {
                Ok(s) => Some(s),
                // A method that needs stored updates cannot be rerun here;
                // the other evidence still stands.
                Err(AuditError::Forget(e @ ForgetError::Unsupported { .. })) => {
                    notes.push(format!("challenge score skipped: {e}"));
                    None
                }
                Err(e) => return Err(e),
            };
            timings.insert("challenge".to_string(), t.elapsed().as_secs_f64());
            challenge_details = format!("{runs} runs of `{}` and {runs} retrains", method.0);
            score
        }
    };

    let accuracies = map(&outputs, ModelOutputs::accuracies);
    let mia = |a: &[AttackResult]| {
        a.iter()
            .find(|x| x.name == "confidence_mia")
            .and_then(|x| x.extra.get("mia_efficacy").copied())
    };
    let avg_gap = average_gap(
        &accuracies.unlearned,
        &accuracies.retrained,
        mia(&attacks.unlearned).zip(mia(&attacks.retrained)),
    );
    timings.insert("total".to_string(), started.elapsed().as_secs_f64());
    let facts = Facts {
        dataset,
        unlearned,
        selection,
        forget: &forget,
        retain: &retain,
        retain_eval: retain_eval.len(),
        oracle: retrained,
        lira: lira_details,
        challenge: challenge_details,
        notes,
        seed,
    };
    let mut report = Report {
        inputs: facts.describe(),
        accuracies,
        avg_gap,
        attacks,
        js_divergence_forget: Some(js_forget),
        js_divergence_test: Some(js_test),
        weight_l2: Some(weight_l2),
        relearn_steps: Some(relearn_steps),
        challenge,
        verdict: Verdict::Inconclusive,
        reasons: Vec::new(),
        thresholds: config.thresholds,
        loss_samples: map(&outputs, |o| o.loss_samples(LOSS_SAMPLES, seed)),
        timings,
    };
    report.apply_verdict();
    progress(&format!("verdict: {}", report.verdict));
    Ok(report)
}

/// Applies `f` to each of the three values.
fn map<T, U>(m: &PerModel<T>, mut f: impl FnMut(&T) -> U) -> PerModel<U> {
    PerModel {
        original: f(&m.original),
        unlearned: f(&m.unlearned),
        retrained: f(&m.retrained),
    }
}
