//! LiRA, the likelihood-ratio membership attack of Carlini et al. (2022),
//! and its unlearning use U-LiRA (Hayes et al. 2024).
//!
//! For each target sample, shadow models that trained ON it ("in") and that
//! did NOT ("out") give logit-scaled confidences φ of its true label; these
//! are fitted with Gaussians and the model under test's φ is scored by the
//! likelihood ratio. In U-LiRA the "in" shadows are trained on the sample and
//! then *unlearned*, the "out" shadows are retrained without it, and the
//! model under test is an unlearned model: AUC ≈ 0.5 means the unlearning is
//! indistinguishable from retraining for these samples. This module only
//! sees numbers; which models produced them is the caller's business.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attacks::AttackResult;
use crate::roc::{best_balanced_accuracy, roc_curve};

pub use crate::features::logit_scale;

/// Below this many shadow models per sample, per-example variances are too
/// noisy and one global variance is used (Carlini et al. 2022, §VI).
pub const GLOBAL_VARIANCE_BELOW: usize = 64;
/// Variance floor, so identical shadow outputs do not divide by zero.
const MIN_VARIANCE: f64 = 1e-8;

/// Everything LiRA needs for a set of target samples (one entry per sample
/// in every vector).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LiraInput {
    /// Per target sample: φ = ln(p/(1−p)) of the true label from the shadow
    /// models that trained ON it. Leave empty (no inner vectors at all) for
    /// the offline attack.
    pub in_confs: Vec<Vec<f64>>,
    /// Per target sample: φ from the shadow models that did NOT train on it.
    pub out_confs: Vec<Vec<f64>>,
    /// φ of each target sample under the model being attacked.
    pub observed: Vec<f64>,
    /// Ground truth: was the sample a member of the attacked model's
    /// training (for U-LiRA: was it trained-then-unlearned)? The target set
    /// should be balanced; it is used only to measure the attack.
    pub is_member: Vec<bool>,
}

/// How LiRA estimates the spread of the shadow confidences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarianceMode {
    /// Global when fewer than [`GLOBAL_VARIANCE_BELOW`] shadows, else per-example.
    Auto,
    /// One variance per target sample (and side).
    PerExample,
    /// One pooled variance per side, shared by all target samples.
    Global,
}

/// LiRA's outcome: the attack summary plus the per-sample scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiraResult {
    /// Accuracy (best threshold on the balanced target set), AUC, TPR@1 %FPR,
    /// ROC; `extra` has `online`, `global_variance` (1/0) and `num_shadows`.
    pub attack: AttackResult,
    /// One score per target sample, higher = more likely member.
    pub scores: Vec<f64>,
    /// Whether the online (in and out) test was used; false = offline.
    pub online: bool,
    /// Whether one global variance per side was used.
    pub global_variance: bool,
    /// Fewest shadow models (in + out) that scored any target sample.
    pub num_shadows: usize,
}

/// LiRA with [`VarianceMode::Auto`]; see [`lira_with`].
pub fn lira(targets: &LiraInput) -> LiraResult {
    lira_with(targets, VarianceMode::Auto)
}

/// Mean and per-example variance (unbiased; `None` below two values).
fn mean_var(v: &[f64]) -> (f64, Option<f64>) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = (v.len() >= 2).then(|| v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0));
    (mean, var)
}

/// Pooled within-sample variance Σᵢ Σⱼ (xᵢⱼ − μᵢ)² / Σᵢ (nᵢ − 1). This is the
/// variance of a shadow's φ around *its own sample's* mean; when no sample has
/// two values, falls back to the variance of all values.
fn pooled_variance(groups: &[Vec<f64>]) -> f64 {
    let (mut ss, mut dof) = (0.0, 0usize);
    for g in groups.iter().filter(|g| g.len() >= 2) {
        let (m, _) = mean_var(g);
        ss += g.iter().map(|x| (x - m).powi(2)).sum::<f64>();
        dof += g.len() - 1;
    }
    if dof > 0 {
        return (ss / dof as f64).max(MIN_VARIANCE);
    }
    let all: Vec<f64> = groups.iter().flatten().copied().collect();
    mean_var(&all).1.unwrap_or(0.0).max(MIN_VARIANCE)
}

/// Gaussian fit (mean, variance) of every sample's shadow values.
fn fit(groups: &[Vec<f64>], global: bool) -> Vec<(f64, f64)> {
    let pooled = pooled_variance(groups);
    groups
        .iter()
        .map(|g| {
            let (m, v) = mean_var(g);
            (
                m,
                if global {
                    pooled
                } else {
                    v.unwrap_or(pooled).max(MIN_VARIANCE)
                },
            )
        })
        .collect()
}

fn log_normal_pdf(x: f64, mean: f64, var: f64) -> f64 {
    -0.5 * (2.0 * std::f64::consts::PI * var).ln() - (x - mean).powi(2) / (2.0 * var)
}

/// LiRA with an explicit variance mode.
///
/// * **Online** (`in_confs` non-empty): score = log N(obs; μ_in, σ²_in) −
///   log N(obs; μ_out, σ²_out), the log likelihood ratio "member vs not".
/// * **Offline** (`in_confs` empty): score = (obs − μ_out) / σ_out, how far
///   above the non-member distribution the observation lies. Carlini's
///   offline test `1 − Pr[Z > obs]`, `Z ~ N(μ_out, σ²_out)`, is a monotone
///   function of this z-score, so the ROC is the same.
///
/// Means are per example; variances per example or pooled (see
/// [`VarianceMode`]; pooled = variance around each sample's own mean).
///
/// # Panics
/// If the vectors' lengths disagree, a sample has no out shadows, or (online)
/// a sample has no in shadows.
pub fn lira_with(targets: &LiraInput, mode: VarianceMode) -> LiraResult {
    let n = targets.observed.len();
    assert_eq!(
        targets.out_confs.len(),
        n,
        "out_confs: one entry per target sample"
    );
    assert_eq!(
        targets.is_member.len(),
        n,
        "is_member: one entry per target sample"
    );
    assert!(
        targets.out_confs.iter().all(|v| !v.is_empty()),
        "every target needs out shadows"
    );
    let online = !targets.in_confs.is_empty();
    if online {
        assert_eq!(
            targets.in_confs.len(),
            n,
            "in_confs: one entry per target sample (or none)"
        );
        assert!(
            targets.in_confs.iter().all(|v| !v.is_empty()),
            "online LiRA: every target needs in shadows"
        );
    }
    let num_shadows = (0..n)
        .map(|i| targets.out_confs[i].len() + if online { targets.in_confs[i].len() } else { 0 })
        .min()
        .unwrap_or(0);
    let global = match mode {
        VarianceMode::Auto => num_shadows < GLOBAL_VARIANCE_BELOW,
        VarianceMode::PerExample => false,
        VarianceMode::Global => true,
    };

    let out_fit = fit(&targets.out_confs, global);
    let scores: Vec<f64> = if online {
        let in_fit = fit(&targets.in_confs, global);
        (0..n)
            .map(|i| {
                let x = targets.observed[i];
                log_normal_pdf(x, in_fit[i].0, in_fit[i].1)
                    - log_normal_pdf(x, out_fit[i].0, out_fit[i].1)
            })
            .collect()
    } else {
        (0..n)
            .map(|i| (targets.observed[i] - out_fit[i].0) / out_fit[i].1.sqrt())
            .collect()
    };

    let pick = |member: bool| -> Vec<f64> {
        scores
            .iter()
            .zip(&targets.is_member)
            .filter(|(_, &m)| m == member)
            .map(|(s, _)| *s)
            .collect()
    };
    let (members, nonmembers) = (pick(true), pick(false));
    let roc = roc_curve(&members, &nonmembers);
    let extra: BTreeMap<String, f64> = [
        ("online", f64::from(u8::from(online))),
        ("global_variance", f64::from(u8::from(global))),
        ("num_shadows", num_shadows as f64),
        ("n_targets", n as f64),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (name, description) = if online {
        ("lira_online", "Likelihood ratio of the observed logit confidence under Gaussians fitted to in- and out-shadow models (Carlini et al. 2022; U-LiRA, Hayes et al. 2024).")
    } else {
        ("lira_offline", "How far the observed logit confidence lies above a Gaussian fitted to out-shadow models (offline LiRA, Carlini et al. 2022).")
    };
    let n_members = targets.is_member.iter().filter(|&&m| m).count();
    let counts = (n_members, n - n_members);
    let attack = AttackResult::from_roc(
        name,
        description,
        best_balanced_accuracy(&roc),
        roc,
        counts,
        extra,
    )
    .with_scores(members, nonmembers);
    LiraResult {
        attack,
        scores,
        online,
        global_variance: global,
        num_shadows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::normal_samples;

    /// Targets with per-example means μᵢ ~ N(0, 3²); out shadows ~ N(μᵢ, 1),
    /// in shadows ~ N(μᵢ + shift, 1); half the targets are members and
    /// observed from the in distribution, the rest from the out one.
    fn synthetic(n: usize, shadows: usize, shift: f64, offline: bool, seed: u64) -> LiraInput {
        let mu = normal_samples(n, 0.0, 3.0, seed);
        let noise = normal_samples(n * (2 * shadows + 1), 0.0, 1.0, seed + 1);
        let mut it = noise.into_iter();
        let mut input = LiraInput::default();
        for (i, &m) in mu.iter().enumerate() {
            let member = i % 2 == 0;
            if !offline {
                input
                    .in_confs
                    .push(it.by_ref().take(shadows).map(|z| m + shift + z).collect());
            } else {
                it.by_ref().take(shadows).for_each(drop);
            }
            input
                .out_confs
                .push(it.by_ref().take(shadows).map(|z| m + z).collect());
            input
                .observed
                .push(m + if member { shift } else { 0.0 } + it.next().unwrap());
            input.is_member.push(member);
        }
        input
    }

    #[test]
    fn two_sigma_shift_is_detected_with_global_variance() {
        let r = lira(&synthetic(2000, 16, 2.0, false, 1));
        assert!(r.online && r.global_variance && r.num_shadows == 32);
        // Ideal AUC with known Gaussians: Φ(2/√2) ≈ 0.92.
        assert!(r.attack.auc > 0.9, "auc {}", r.attack.auc);
        assert!(r.attack.accuracy > 0.8);
        assert!(r.attack.tpr_at_1pct_fpr > 0.1);
        assert_eq!(r.scores.len(), 2000);
    }

    #[test]
    fn two_sigma_shift_is_detected_with_per_example_variance() {
        let r = lira(&synthetic(2000, 40, 2.0, false, 2));
        assert!(!r.global_variance && r.num_shadows == 80);
        assert!(r.attack.auc > 0.9, "auc {}", r.attack.auc);
        let forced = lira_with(&synthetic(2000, 40, 2.0, false, 2), VarianceMode::Global);
        assert!(forced.global_variance && forced.attack.auc > 0.9);
    }

    #[test]
    fn no_shift_is_chance() {
        let r = lira(&synthetic(2000, 16, 0.0, false, 3));
        assert!((r.attack.auc - 0.5).abs() < 0.05, "auc {}", r.attack.auc);
    }

    #[test]
    fn offline_variant_uses_out_shadows_only() {
        let r = lira(&synthetic(2000, 16, 2.0, true, 4));
        assert!(!r.online && r.attack.name == "lira_offline");
        assert!(r.attack.auc > 0.88, "auc {}", r.attack.auc);
        let null = lira(&synthetic(2000, 16, 0.0, true, 5));
        assert!((null.attack.auc - 0.5).abs() < 0.05);
    }

    #[test]
    fn hand_computed_score() {
        // One target; in = {1, 3} (μ 2, var 2), out = {-1, 1} (μ 0, var 2), obs = 2.
        // Global pooled variance = (2 + 2)/(1 + 1) = 2 on both sides.
        // score = −(2−2)²/4 + (2−0)²/4 = 1.
        let input = LiraInput {
            in_confs: vec![vec![1.0, 3.0]],
            out_confs: vec![vec![-1.0, 1.0]],
            observed: vec![2.0],
            is_member: vec![true],
        };
        let r = lira(&input);
        assert!((r.scores[0] - 1.0).abs() < 1e-12);
        assert_eq!(r.attack.auc, 0.5); // no non-members: chance by convention
    }

    #[test]
    #[should_panic(expected = "in shadows")]
    fn online_needs_in_shadows_for_every_target() {
        lira(&LiraInput {
            in_confs: vec![vec![]],
            out_confs: vec![vec![0.0]],
            observed: vec![0.0],
            is_member: vec![false],
        });
    }
}
