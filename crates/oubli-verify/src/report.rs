//! The verification report: every number the verification produced, written
//! as `report.json` and rendered to `report.html` by [`render_html`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::attacks::AttackResult;
use crate::calibrated::CalibratedVerdict;
use crate::epsilon::ChallengeScore;
use crate::html::render_html;
use crate::owners::OwnerVerdict;
use crate::paired::PairedStdErrors;
use crate::verdict::{decide, AttackEvidence, Evidence, SetAccuracies, Verdict, VerdictThresholds};

/// Why writing or reading a report failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The JSON could not be produced or parsed.
    #[error("report JSON")]
    Json(#[from] serde_json::Error),
    /// A file could not be written.
    #[error("writing report")]
    Io(#[from] std::io::Error),
}

/// What was verified, in words (free-form, shown at the top of the page).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputsDescription {
    /// Page title, e.g. "Unlearning of 500 CIFAR-10 images by gradient ascent".
    pub title: String,
    /// A sentence or two on dataset, model, unlearning method and forget set.
    pub description: String,
    /// Key/value facts (dataset, method, seeds, set sizes …).
    pub details: BTreeMap<String, String>,
}

/// A value for each of the three models.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PerModel<T> {
    /// The model trained on everything, before unlearning.
    pub original: T,
    /// The model after unlearning (the one under test).
    pub unlearned: T,
    /// The oracle: retrained from scratch without the forget set.
    pub retrained: T,
}

impl<T> PerModel<T> {
    /// The three values with their display names, in page order.
    pub fn named(&self) -> [(&'static str, &T); 3] {
        [
            ("original", &self.original),
            ("unlearned", &self.unlearned),
            ("retrained", &self.retrained),
        ]
    }
}

/// Per-sample losses kept for the histograms.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LossSamples {
    /// Losses on forget samples.
    pub forget: Vec<f32>,
    /// Losses on test samples.
    pub test: Vec<f32>,
}

/// L2 distances between flattened weight vectors (see
/// [`l2_distance`](crate::divergence::l2_distance)).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct WeightDistances {
    /// ‖θ_unlearned − θ_original‖: how far unlearning moved the model.
    pub unlearned_to_original: Option<f64>,
    /// ‖θ_unlearned − θ_retrained‖: distance to the oracle.
    pub unlearned_to_retrained: Option<f64>,
    /// ‖θ_original − θ_retrained‖: the scale to read the others against.
    pub original_to_retrained: Option<f64>,
}

/// Relearn time: fine-tuning steps on the forget set until forget accuracy
/// reaches `target_accuracy` (Golatkar et al. 2020). A model that still
/// remembers relearns much faster than the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RelearnSteps {
    /// Forget accuracy that counts as relearned.
    pub target_accuracy: f64,
    /// Step budget; `None` below means not reached within it.
    pub budget: u64,
    /// Steps the unlearned model needed.
    pub unlearned: Option<u64>,
    /// Steps the retrained model needed.
    pub retrained: Option<u64>,
}

/// Everything a verification run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What was verified.
    pub inputs: InputsDescription,
    /// Accuracy of each model on forget / retain / test.
    pub accuracies: PerModel<SetAccuracies>,
    /// Mean |unlearned − retrained| over forget, retain and test accuracy
    /// (and MIA efficacy when available), as in SalUn's "Avg. Gap".
    pub avg_gap: f64,
    /// Membership attacks run on each model.
    pub attacks: PerModel<Vec<AttackResult>>,
    /// Mean JS divergence, unlearned vs retrained predictions, forget set.
    pub js_divergence_forget: Option<f64>,
    /// Mean JS divergence, unlearned vs retrained predictions, test set.
    pub js_divergence_test: Option<f64>,
    /// Weight-space distances.
    pub weight_l2: Option<WeightDistances>,
    /// Relearn time, if measured.
    pub relearn_steps: Option<RelearnSteps>,
    /// The NeurIPS 2023 challenge score, if N unlearned/retrained runs exist.
    pub challenge: Option<ChallengeScore>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, one line each (first line = headline).
    pub reasons: Vec<String>,
    /// Tolerances the verdict used.
    pub thresholds: VerdictThresholds,
    /// Per-sample losses for the histograms.
    pub loss_samples: PerModel<LossSamples>,
    /// Wall-clock seconds per phase, e.g. `"unlearning": 12.3`.
    pub timings: BTreeMap<String, f64>,
    /// Per attack name: the paired (DeLong) standard errors the verdict
    /// used, kept because the per-sample scores they come from are not
    /// written to `report.json`. Empty for attacks tested unpaired.
    #[serde(default)]
    pub paired_std_errors: BTreeMap<String, PairedStdErrors>,
    /// One membership test per owner of forget samples (empty when the
    /// forget set has no owners among the attack's targets), at level
    /// `owner_alpha`.
    #[serde(default)]
    pub owner_tests: Vec<OwnerVerdict>,
    /// Significance level of the owner tests.
    #[serde(default)]
    pub owner_alpha: f64,
    /// The verdict against several retrains (`None` unless the audit
    /// trained them).
    #[serde(default)]
    pub calibration: Option<CalibratedVerdict>,
    /// The data subjects' marker tests (`None` unless the original was trained with
    /// markers and the audit was asked to test them); reported, not part of the verdict.
    #[serde(default)]
    pub markers: Option<crate::markers::MarkerReport>,
}

/// Mean absolute gap between unlearned and retrained over forget, retain
/// and test accuracy, plus the MIA-efficacy gap when `mia_efficacy =
/// Some((unlearned, retrained))` (SalUn's "Avg. Gap", as a fraction).
pub fn average_gap(
    unlearned: &SetAccuracies,
    retrained: &SetAccuracies,
    mia_efficacy: Option<(f64, f64)>,
) -> f64 {
    let mut gaps = vec![
        (unlearned.forget - retrained.forget).abs(),
        (unlearned.retain - retrained.retain).abs(),
        (unlearned.test - retrained.test).abs(),
    ];
    if let Some((u, r)) = mia_efficacy {
        gaps.push((u - r).abs());
    }
    gaps.iter().sum::<f64>() / gaps.len() as f64
}

impl Report {
    /// The evidence the verdict is decided on, taken from this report:
    /// paired errors from the attacks' per-sample scores when they are
    /// present, else from [`paired_std_errors`](Self::paired_std_errors).
    pub fn evidence(&self) -> Evidence {
        let mut attacks = AttackEvidence::collect(
            &self.attacks.original,
            &self.attacks.unlearned,
            &self.attacks.retrained,
        );
        for a in attacks.iter_mut().filter(|a| a.paired.is_none()) {
            a.paired = self.paired_std_errors.get(&a.name).copied();
        }
        Evidence {
            original: self.accuracies.original,
            unlearned: self.accuracies.unlearned,
            retrained: self.accuracies.retrained,
            attacks,
            js_divergence_forget: self.js_divergence_forget,
        }
    }

    /// Recomputes `verdict` and `reasons` from the report's own numbers and
    /// `thresholds` (and records the paired errors it used).
    pub fn apply_verdict(&mut self) {
        let evidence = self.evidence();
        self.paired_std_errors = evidence
            .attacks
            .iter()
            .filter_map(|a| Some((a.name.clone(), a.paired?)))
            .collect();
        let (verdict, mut reasons) = decide(&evidence, &self.thresholds);
        if let Some(c) = &self.calibration {
            reasons.push(format!(
                "calibrated verdict against {} retrains: {} (leave-one-out: fresh retrains pass {:.0} %, a noop \
                 fails {:.0} %)",
                c.oracles,
                c.verdict,
                100.0 * c.retrain_pass_rate,
                100.0 * c.noop_fail_rate
            ));
        }
        if !self.owner_tests.is_empty() {
            let count = |v: Verdict| self.owner_tests.iter().filter(|o| o.verdict == v).count();
            reasons.push(format!(
                "owner tests (α = {}): {} not_forgotten, {} forgotten, {} inconclusive of {} owners",
                self.owner_alpha,
                count(Verdict::NotForgotten),
                count(Verdict::Forgotten),
                count(Verdict::Inconclusive),
                self.owner_tests.len()
            ));
        }
        if let Some(m) = &self.markers {
            reasons.push(m.reason());
        }
        self.verdict = verdict;
        self.reasons = reasons;
    }

    /// Pretty-printed JSON (the content of `report.json`).
    pub fn to_json(&self) -> Result<String, ReportError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Parses a `report.json`.
    pub fn from_json(json: &str) -> Result<Self, ReportError> {
        Ok(serde_json::from_str(json)?)
    }

    /// Writes `report.json` and `report.html` into `dir` (which must exist).
    pub fn write_to_dir(&self, dir: &Path) -> Result<(), ReportError> {
        std::fs::write(dir.join("report.json"), self.to_json()?)?;
        std::fs::write(dir.join("report.html"), render_html(self))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error and its sources joined by `: `, as the binary prints them.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut parts = vec![e.to_string()];
        let mut at = e.source();
        while let Some(s) = at {
            parts.push(s.to_string());
            at = s.source();
        }
        parts.join(": ")
    }

    #[test]
    fn an_os_error_appears_once_in_the_printed_chain() {
        let e = ReportError::from(std::io::Error::other("Is a directory"));
        assert_eq!(chain(&e), "writing report: Is a directory");
    }

    #[test]
    fn average_gap_hand_value() {
        let u = SetAccuracies {
            forget: 0.80,
            retain: 0.95,
            test: 0.84,
        };
        let r = SetAccuracies {
            forget: 0.86,
            retain: 0.99,
            test: 0.85,
        };
        // (0.06 + 0.04 + 0.01) / 3 = 0.036667; with MIA (0.3 vs 0.2): (0.11 + 0.1) / 4 = 0.0525.
        assert!((average_gap(&u, &r, None) - 0.11 / 3.0).abs() < 1e-12);
        assert!((average_gap(&u, &r, Some((0.3, 0.2))) - 0.0525).abs() < 1e-12);
    }

    #[test]
    fn example_round_trips_through_json_and_files() {
        let report = Report::example();
        let json = report.to_json().unwrap();
        assert!(json.contains("\"verdict\": \"forgotten\""));
        // Exact, thanks to serde_json's float_roundtrip feature.
        assert_eq!(Report::from_json(&json).unwrap(), report);
        let dir = std::env::temp_dir().join(format!("oubli-verify-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        report.write_to_dir(&dir).unwrap();
        assert!(std::fs::read_to_string(dir.join("report.html"))
            .unwrap()
            .contains("<svg"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn apply_verdict_uses_the_reports_numbers() {
        let mut report = Report::example();
        report.accuracies.unlearned.forget = report.accuracies.original.forget;
        report.apply_verdict();
        assert_eq!(report.verdict, Verdict::NotForgotten);
    }
}
