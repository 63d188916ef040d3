//! The verdict: did the unlearned model forget, judged against the
//! retrain-from-scratch oracle?
//!
//! "Forgotten" means *indistinguishable from the retrained model* on the
//! evidence we have, not "bad on the forget set": a retrained model usually
//! still classifies most forget samples correctly (they resemble the data it
//! saw), so driving forget accuracy to zero is as much a tell as leaving it
//! at 100 %. Every rule compares the unlearned model with the retrained one,
//! and the original model tells us whether there was anything to detect.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::attacks::AttackResult;
use crate::paired::PairedStdErrors;

/// The three possible answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The unlearned model matches the retrained oracle within tolerance on
    /// every piece of evidence that could tell the original from the oracle.
    Forgotten,
    /// Some evidence separates the unlearned model from the retrained oracle.
    NotForgotten,
    /// Nothing separated the *original* model from the oracle either, so the
    /// tests cannot tell whether anything was forgotten.
    Inconclusive,
}

impl Verdict {
    /// The serialised name: `forgotten`, `not_forgotten` or `inconclusive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Forgotten => "forgotten",
            Verdict::NotForgotten => "not_forgotten",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Accuracy (fraction in [0, 1]) of one model on the three sets.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SetAccuracies {
    /// On the forget set (samples to be unlearned).
    pub forget: f64,
    /// On the retain set (training data kept).
    pub retain: f64,
    /// On held-out test data.
    pub test: f64,
}

/// One attack's AUC on each of the three models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackEvidence {
    /// The attack's [`AttackResult::name`].
    pub name: String,
    /// AUC against the original model: measures the attack's power.
    pub auc_original: f64,
    /// AUC against the unlearned model.
    pub auc_unlearned: f64,
    /// AUC against the retrained oracle: the target for the unlearned model.
    pub auc_retrained: f64,
    /// Standard errors of the three AUCs (0 = unknown, then only the
    /// margins apply). Used only when `paired` is `None`, as if the AUCs
    /// were independent.
    #[serde(default)]
    pub std_errors: [f64; 3],
    /// Paired (DeLong) standard errors of the two differences the verdict
    /// tests, when all three models were scored on the same targets.
    #[serde(default)]
    pub paired: Option<PairedStdErrors>,
}

impl AttackEvidence {
    /// Standard error of AUC(original or unlearned) − AUC(retrained)
    /// (`from` 0 = original, 1 = unlearned) and whether it is paired. The
    /// unpaired fallback `√(se₁² + se₂²)` treats the AUCs as independent,
    /// which overstates the noise of a difference on the same targets.
    pub(crate) fn diff_se(&self, from: usize) -> (f64, bool) {
        match (&self.paired, from) {
            (Some(p), 0) => (p.original_vs_retrained, true),
            (Some(p), _) => (p.unlearned_vs_retrained, true),
            (None, _) => (
                (self.std_errors[from].powi(2) + self.std_errors[2].powi(2)).sqrt(),
                false,
            ),
        }
    }

    /// Pairs up attacks by name; attacks missing on any model are skipped.
    /// When all three carry their [`sample_scores`](AttackResult::sample_scores)
    /// on the same targets, the paired DeLong errors are computed.
    pub fn collect(
        original: &[AttackResult],
        unlearned: &[AttackResult],
        retrained: &[AttackResult],
    ) -> Vec<Self> {
        let find =
            |set: &'_ [AttackResult], name: &str| set.iter().find(|a| a.name == name).cloned();
        original
            .iter()
            .filter_map(|o| {
                let (u, r) = (find(unlearned, &o.name)?, find(retrained, &o.name)?);
                let paired = match (&o.sample_scores, &u.sample_scores, &r.sample_scores) {
                    (Some(so), Some(su), Some(sr)) => PairedStdErrors::of(so, su, sr),
                    _ => None,
                };
                Some(Self {
                    name: o.name.clone(),
                    auc_original: o.auc,
                    auc_unlearned: u.auc,
                    auc_retrained: r.auc,
                    std_errors: [o.auc_std_error, u.auc_std_error, r.auc_std_error],
                    paired,
                })
            })
            .collect()
    }
}

/// Everything [`decide`] looks at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Accuracies of the original (pre-unlearning) model.
    pub original: SetAccuracies,
    /// Accuracies of the unlearned model.
    pub unlearned: SetAccuracies,
    /// Accuracies of the retrained oracle.
    pub retrained: SetAccuracies,
    /// Membership attacks run on all three models.
    pub attacks: Vec<AttackEvidence>,
    /// Mean JS divergence between unlearned and retrained predictions on the
    /// forget set, if computed.
    pub js_divergence_forget: Option<f64>,
}

/// Tolerances of [`decide`]; all differences are absolute, accuracies and
/// AUCs as fractions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerdictThresholds {
    /// Largest tolerated |forget accuracy(unlearned) − (retrained)|.
    /// Default 0.05 (5 percentage points): about the seed-to-seed spread of
    /// forget accuracy between retrained models on small image sets.
    pub accuracy_gap_tolerance: f64,
    /// An attack has *power* when |AUC(original) − AUC(retrained)| exceeds
    /// this. Default 0.05; with the usual retrained AUC ≈ 0.5 this is the
    /// rule "AUC on the original > 0.55".
    pub power_margin: f64,
    /// Largest tolerated |AUC(unlearned) − AUC(retrained)| for a powerful
    /// attack. Default 0.05.
    pub auc_margin: f64,
    /// An AUC difference (for power or for failure) must also exceed this
    /// many standard errors of the difference, so sampling noise alone does
    /// not decide. Default 2 (≈ 95 % two-sided). Two AUCs from 400 + 400
    /// samples each differ by ≈ 0.03 (one SE) with no real effect.
    pub significance_z: f64,
    /// If set, a forget-set JS divergence (unlearned vs retrained) above this
    /// fails the verdict. Default `None`: JS is reported but does not decide,
    /// because its scale depends on the number of classes and on the
    /// seed-to-seed divergence of retraining, which one oracle cannot show.
    pub max_js_divergence_forget: Option<f64>,
}

impl Default for VerdictThresholds {
    fn default() -> Self {
        Self {
            accuracy_gap_tolerance: 0.05,
            power_margin: 0.05,
            auc_margin: 0.05,
            significance_z: 2.0,
            max_js_divergence_forget: None,
        }
    }
}

#[path = "decide.rs"]
mod rules;
pub use rules::decide;

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
