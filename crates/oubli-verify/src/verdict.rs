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
    /// margins apply).
    #[serde(default)]
    pub std_errors: [f64; 3],
}

impl AttackEvidence {
    /// Standard error of the difference of two independent AUCs (indices
    /// 0 = original, 1 = unlearned, 2 = retrained).
    fn diff_se(&self, a: usize, b: usize) -> f64 {
        (self.std_errors[a].powi(2) + self.std_errors[b].powi(2)).sqrt()
    }
}

impl AttackEvidence {
    /// Pairs up attacks by name; attacks missing on any model are skipped.
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
                Some(Self {
                    name: o.name.clone(),
                    auc_original: o.auc,
                    auc_unlearned: u.auc,
                    auc_retrained: r.auc,
                    std_errors: [o.auc_std_error, u.auc_std_error, r.auc_std_error],
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

fn pts(x: f64) -> String {
    format!("{:.1} pts", 100.0 * x)
}

/// Decides the verdict and explains it, one reason per line. Rules, in order:
///
/// An AUC difference *exceeds* a margin when it is larger than the margin
/// and than `significance_z` standard errors of the difference.
///
/// 1. **Power.** An attack is powerful if it separates original from
///    retrained (|ΔAUC| exceeds `power_margin`); accuracy has power if the
///    original's and retrained's forget accuracies differ by more than
///    `accuracy_gap_tolerance`. With no power at all → **inconclusive**: the
///    original never looked different from a model that never saw the forget
///    set, so there was nothing measurable to remove.
/// 2. **Not forgotten** if |forget accuracy(unlearned) − (retrained)| >
///    `accuracy_gap_tolerance`, or a powerful attack's AUC on the unlearned
///    model differs from that on the retrained one by more than `auc_margin`,
///    or (if configured) the forget JS divergence exceeds its maximum.
/// 3. Otherwise **forgotten**.
///
/// Retain/test accuracy gaps beyond the tolerance are added as utility notes
/// but never change the verdict: they measure damage, not memory.
pub fn decide(evidence: &Evidence, thresholds: &VerdictThresholds) -> (Verdict, Vec<String>) {
    let t = thresholds;
    let (o, u, r) = (&evidence.original, &evidence.unlearned, &evidence.retrained);
    let mut reasons = Vec::new();
    let mut failures = Vec::new();

    let original_gap = (o.forget - r.forget).abs();
    let accuracy_power = original_gap > t.accuracy_gap_tolerance;
    let exceeds = |d: f64, margin: f64, se: f64| d > margin && d > t.significance_z * se;
    let powerful: Vec<&AttackEvidence> = evidence
        .attacks
        .iter()
        .filter(|a| {
            exceeds(
                (a.auc_original - a.auc_retrained).abs(),
                t.power_margin,
                a.diff_se(0, 2),
            )
        })
        .collect();

    let forget_gap = (u.forget - r.forget).abs();
    if forget_gap > t.accuracy_gap_tolerance {
        failures.push(format!(
            "forget accuracy {:.1}% (unlearned) vs {:.1}% (retrained): gap {} > tolerance {}",
            100.0 * u.forget,
            100.0 * r.forget,
            pts(forget_gap),
            pts(t.accuracy_gap_tolerance)
        ));
    } else {
        reasons.push(format!(
            "forget accuracy {:.1}% (unlearned) vs {:.1}% (retrained): gap {} within tolerance {}",
            100.0 * u.forget,
            100.0 * r.forget,
            pts(forget_gap),
            pts(t.accuracy_gap_tolerance)
        ));
    }
    for a in &powerful {
        let d = (a.auc_unlearned - a.auc_retrained).abs();
        let se = a.diff_se(1, 2);
        let fails = exceeds(d, t.auc_margin, se);
        let z = if se > 0.0 {
            format!(", {:.1} standard errors", d / se)
        } else {
            String::new()
        };
        let line = format!(
            "attack {}: AUC {:.3} on unlearned vs {:.3} on retrained (original {:.3}): difference {:.3}{z} {} margin {:.3}",
            a.name,
            a.auc_unlearned,
            a.auc_retrained,
            a.auc_original,
            d,
            if fails { "exceeds" } else { "within" },
            t.auc_margin
        );
        if fails {
            failures.push(line);
        } else {
            reasons.push(line);
        }
    }
    for a in evidence
        .attacks
        .iter()
        .filter(|a| !powerful.iter().any(|p| p.name == a.name))
    {
        reasons.push(format!(
            "attack {} has no power here: AUC {:.3} on original vs {:.3} on retrained (difference within {:.3} or not \
             significant), ignored",
            a.name, a.auc_original, a.auc_retrained, t.power_margin
        ));
    }
    if let Some(js) = evidence.js_divergence_forget {
        match t.max_js_divergence_forget {
            Some(max) if js > max => failures.push(format!(
                "JS divergence on the forget set {js:.4} > maximum {max:.4}"
            )),
            Some(max) => reasons.push(format!(
                "JS divergence on the forget set {js:.4} within maximum {max:.4}"
            )),
            None => reasons.push(format!(
                "JS divergence on the forget set {js:.4} (reported, not used to decide)"
            )),
        }
    }
    for (name, ua, ra) in [("retain", u.retain, r.retain), ("test", u.test, r.test)] {
        if (ua - ra).abs() > t.accuracy_gap_tolerance {
            reasons.push(format!(
                "utility note: {name} accuracy {:.1}% (unlearned) vs {:.1}% (retrained), gap {}",
                100.0 * ua,
                100.0 * ra,
                pts((ua - ra).abs())
            ));
        }
    }

    let verdict = if powerful.is_empty() && !accuracy_power {
        let best = evidence
            .attacks
            .iter()
            .map(|a| (a.auc_original - a.auc_retrained).abs())
            .fold(0.0, f64::max);
        reasons.insert(
            0,
            format!(
                "inconclusive: no test separates the original model from the retrained one (forget accuracy gap {} \
                 ≤ {}, largest attack |ΔAUC| {best:.3} ≤ {:.3}); there was no measurable memorisation to remove",
                pts(original_gap),
                pts(t.accuracy_gap_tolerance),
                t.power_margin
            ),
        );
        for f in failures {
            reasons.push(format!("note: {f}"));
        }
        Verdict::Inconclusive
    } else if !failures.is_empty() {
        failures.extend(reasons);
        reasons = failures;
        Verdict::NotForgotten
    } else {
        reasons.insert(
            0,
            "forgotten: the unlearned model matches the retrained oracle on every test with power"
                .into(),
        );
        Verdict::Forgotten
    };
    (verdict, reasons)
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
