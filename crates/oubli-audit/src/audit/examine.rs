//! [`Auditor::audit`]: the measurements that depend on the unlearned model,
//! against the evidence [`Auditor::prepare`] gathered.

use std::collections::BTreeMap;
use std::time::Instant;

use oubli_engine::AnyModel;
use oubli_forget::{find, ForgetError};
use oubli_model::file::ModelFile;
use oubli_verify::{
    average_gap, js_divergence, l2_distance, owner_verdicts, AttackResult, ChallengeScore,
    PerModel, RelearnSteps, Report, Verdict, WeightDistances,
};

use super::evidence::{calibrate, null_statistics};
use super::{as_any, Auditor, LOSS_SAMPLES};
use crate::challenge::ChallengePlan;
use crate::compat::check_compatible_any;
use crate::describe::Facts;
use crate::family::Fitted;
use crate::outputs::{ModelOutputs, SetOutputs, Sets};
use crate::AuditError;

impl Auditor {
    /// Audits one unlearned model against the prepared evidence.
    /// `method_for_runs` names the method that produced it; it is only needed
    /// for `challenge_runs > 0`.
    pub fn audit(
        &self,
        unlearned: &ModelFile,
        method_for_runs: Option<(&str, Option<&serde_json::Value>)>,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Report, AuditError> {
        self.audit_any(&as_any(unlearned)?, method_for_runs, progress)
    }

    /// [`audit`](Self::audit) of a model of any kind; it must be of the original's kind.
    pub fn audit_any(
        &self,
        unlearned: &AnyModel,
        method_for_runs: Option<(&str, Option<&serde_json::Value>)>,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Report, AuditError> {
        let started = Instant::now();
        let mut timings = self.timings.clone();
        let seed = self.config.seed;
        let family = &self.family;
        check_compatible_any(&self.original_model, unlearned, "unlearned")?;
        if let Some((method, _)) = method_for_runs {
            find(method)?;
        }
        let mut notes = self.notes.clone();
        let unlearned_fitted = match unlearned {
            AnyModel::Single(m) => Fitted::Net(m.file.params.clone()),
            other => Fitted::Any(Box::new(other.clone())),
        };
        let models = PerModel {
            original: &self.original,
            unlearned: &unlearned_fitted,
            retrained: &self.oracle,
        };
        progress("evaluating and attacking the unlearned model");
        let t = Instant::now();
        let sets = Sets {
            forget: &self.forget,
            retain: &self.retain_eval,
            test: &self.test,
        };
        let unlearned_outputs = ModelOutputs::compute(family, models.unlearned, &sets);
        let outputs = PerModel {
            original: &self.outputs.0,
            unlearned: &unlearned_outputs,
            retrained: &self.outputs.1,
        };
        let mut attacks = PerModel {
            original: self.attacks.0.clone(),
            unlearned: unlearned_outputs.attacks(seed),
            retrained: self.attacks.1.clone(),
        };
        let mut owner_tests = Vec::new();
        if let Some(evidence) = &self.lira {
            let (a, owners, phi) = evidence.attack(family, models.unlearned, &self.config);
            attacks.unlearned.extend(a);
            if let Some(u) = evidence.shadows.u_lira_attack(phi, evidence.pool.members) {
                attacks.unlearned.push(u);
            }
            owner_tests = owner_verdicts(
                &self.owner_tests.0,
                &owners,
                &self.owner_tests.1,
                self.config.owner_alpha,
            );
        }
        timings.insert("unlearned_outputs".to_string(), t.elapsed().as_secs_f64());

        let k = family.num_classes();
        let js = |f: fn(&ModelOutputs) -> &SetOutputs| {
            js_divergence(&f(outputs.unlearned).probs, &f(outputs.retrained).probs, k)
        };
        let (js_forget, js_test) = (js(|o| &o.forget), js(|o| &o.test));
        // Weights and relearn time are a single network's: an ensemble's or a
        // certified model's weights do not fine-tune the same way.
        let l2 = |a: &Fitted, b: &Fitted| {
            let (a, b) = (a.params()?, b.params()?);
            Some(l2_distance(&a.data, &b.data))
        };
        let weight_l2 = self.relearn().map(|_| WeightDistances {
            unlearned_to_original: l2(models.unlearned, models.original),
            unlearned_to_retrained: l2(models.unlearned, models.retrained),
            original_to_retrained: l2(models.original, models.retrained),
        });

        let t = Instant::now();
        let relearn_steps = self.relearn().map(|relearn| {
            progress("measuring relearn time");
            RelearnSteps {
                target_accuracy: self.relearn_target,
                budget: self.config.relearn_max_steps as u64,
                unlearned: models.unlearned.params().and_then(|p| relearn.steps(p)),
                retrained: self.relearn_retrained,
            }
        });
        timings.insert("relearn".to_string(), t.elapsed().as_secs_f64());

        let (challenge, challenge_details) =
            self.challenge(method_for_runs, &mut notes, &mut timings, progress)?;

        let calibration = calibrate(
            &self.calibration,
            &self.original_statistics,
            &null_statistics(outputs.unlearned.forget.accuracy, &attacks.unlearned),
            self.config.calibration_alpha,
        );
        let accuracies = PerModel {
            original: outputs.original.accuracies(),
            unlearned: outputs.unlearned.accuracies(),
            retrained: outputs.retrained.accuracies(),
        };
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
        // The shared preparation counts in full for every audit: it is what
        // one `oubli verify` run would have spent.
        let total =
            timings.get("prepare").copied().unwrap_or(0.0) + started.elapsed().as_secs_f64();
        timings.insert("total".to_string(), total);
        let facts = Facts {
            dataset_name: &self.dataset_name,
            test_samples: self.test.len(),
            unlearned,
            selection: &self.selection,
            forget: &self.forget,
            retain: &self.retain,
            retain_eval: self.retain_eval.len(),
            oracle_fingerprint: self.oracle_fingerprint.as_deref(),
            lira: self.lira_details.clone(),
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
            weight_l2,
            relearn_steps,
            challenge,
            verdict: Verdict::Inconclusive,
            reasons: Vec::new(),
            thresholds: self.config.thresholds,
            loss_samples: PerModel {
                original: outputs.original.loss_samples(LOSS_SAMPLES, seed),
                unlearned: outputs.unlearned.loss_samples(LOSS_SAMPLES, seed),
                retrained: outputs.retrained.loss_samples(LOSS_SAMPLES, seed),
            },
            timings,
            paired_std_errors: BTreeMap::new(),
            owner_tests,
            owner_alpha: self.config.owner_alpha,
            markers: None,
            calibration,
        };
        report.apply_verdict();
        progress(&format!("verdict: {}", report.verdict));
        Ok(report)
    }

    /// The NeurIPS 2023 challenge score, when asked for and possible, and a
    /// line saying how it ran or why not.
    fn challenge(
        &self,
        method: Option<(&str, Option<&serde_json::Value>)>,
        notes: &mut Vec<String>,
        timings: &mut BTreeMap<String, f64>,
        progress: &mut dyn FnMut(&str),
    ) -> Result<(Option<ChallengeScore>, String), AuditError> {
        let runs = self.config.challenge_runs;
        let Some(method) = method.filter(|_| runs > 0) else {
            let why = if runs == 0 {
                "skipped (challenge_runs = 0)"
            } else {
                "skipped: no unlearning method was given to rerun"
            };
            return Ok((None, why.to_string()));
        };
        let (Some((net, train_config)), Some(original)) =
            (self.family.net(), self.original.params())
        else {
            return Ok((
                None,
                "skipped: the challenge reruns a single-model method, and the model is not a single network"
                    .to_string(),
            ));
        };
        let t = Instant::now();
        let plan = ChallengePlan {
            net,
            original,
            train_config,
            forget: &self.forget,
            retain: &self.retain,
            retain_eval: &self.retain_eval,
            test: &self.test,
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
        Ok((
            score,
            format!("{runs} runs of `{}` and {runs} retrains", method.0),
        ))
    }
}
