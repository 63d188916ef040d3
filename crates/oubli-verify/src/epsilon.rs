//! The NeurIPS 2023 Machine Unlearning challenge score (Triantafillou et al.
//! 2024, "Are we making progress in unlearning?"), following the organisers'
//! released evaluation code (`unlearning_evaluation/metric.py`).
//!
//! For each forget sample, N unlearned and N retrained models (different
//! seeds) each give one number, e.g. φ of the true class. Unlearning is
//! (ε, δ)-good for that sample if no test can tell the two sets of numbers
//! apart. Every decision rule (threshold) has an FPR and FNR, and
//! (ε, δ)-indistinguishability requires `FPR + e^ε·FNR ≥ 1 − δ` and
//! `FNR + e^ε·FPR ≥ 1 − δ`, hence the per-rule lower bound
//!
//! ```text
//! ε = max( ln(1 − δ − FPR) − ln FNR ,  ln(1 − δ − FNR) − ln FPR ),  clipped at 0
//! ```
//!
//! ε_sample = max over rules, capped at [`EPSILON_CAP`]. Each sample then
//! earns points by the bucket of width 0.5 its ε falls in:
//! `h(ε) = 2 / 2ⁿ` with `n = 1` for `[0, 0.5)`, `n = 2` for `[0.5, 1)`, …,
//! up to the largest ε the number of models can resolve,
//! `ε_max = ⌈ln(N − 1)⌉`; ε ≥ ε_max earns 0. With the competition's
//! N = 512: ε_max = 7, 14 buckets, the last `[6.5, 7)` worth 2⁻¹³.
//! Forgetting quality `F` = mean of h over the forget set, and
//!
//! ```text
//! Score = F × (RA_unlearned / RA_retrained) × (TA_unlearned / TA_retrained)
//! ```
//!
//! with RA/TA the retain/test accuracies (averaged over the N models).
//!
//! Caveat: ε_sample is a maximum over many rules estimated from N values per
//! side, so with small N it is biased upwards even for identical
//! distributions (with N = 32, typically ε ≈ 1.5–2.5 → F ≈ 0.1). Compare F
//! only between runs with the same N.

use serde::{Deserialize, Serialize};

use crate::roc::finite_score;

/// δ of the (ε, δ) guarantee, as in the competition.
pub const DELTA: f64 = 1e-5;
/// Largest reported ε; perfect separation (ε = ∞) is reported as this.
pub const EPSILON_CAP: f64 = 50.0;
/// Width of the ε buckets.
pub const BUCKET_WIDTH: f64 = 0.5;
/// Models per side in the competition; sets [`bin_score`]'s bucket table.
pub const COMPETITION_NUM_MODELS: usize = 512;
/// When the smaller of the two samples' ranges is below this share of the
/// larger, one side is a near-constant spike: ε is set to the cap.
pub const PEAKY_RANGE_RATIO: f64 = 0.01;

/// ε implied by one decision rule with false-positive rate `fpr` and
/// false-negative rate `fnr` (both in [0, 1]):
/// `max(ln(1−δ−FPR) − ln FNR, ln(1−δ−FNR) − ln FPR)`, clipped below at 0.
///
/// Edge cases, as in the organisers' code:
/// * FPR = FNR = 0 (perfect separation) → `f64::INFINITY`;
/// * exactly one of them 0 → `NaN`: the rule is **discarded** (taken as a
///   sign of too few samples), callers take a NaN-ignoring maximum;
/// * a logarithm of a non-positive number makes that term NaN and the other
///   is used; both NaN (FPR = FNR = 1) → NaN, discarded.
pub fn epsilon_from_rates(fpr: f64, fnr: f64, delta: f64) -> f64 {
    if fpr == 0.0 && fnr == 0.0 {
        return f64::INFINITY;
    }
    if fpr == 0.0 || fnr == 0.0 {
        return f64::NAN;
    }
    let term = |a: f64, b: f64| {
        let x = 1.0 - delta - a;
        if x > 0.0 {
            x.ln() - b.ln()
        } else {
            f64::NAN
        }
    };
    let (e1, e2) = (term(fpr, fnr), term(fnr, fpr));
    if e1.is_nan() && e2.is_nan() {
        return f64::NAN;
    }
    e1.max(e2).max(0.0) // f64::max ignores a single NaN
}

/// Per-sample ε from the outputs of the unlearned models and of the
/// retrained models for that sample (the two lists may differ in length).
///
/// Decision rules swept, exactly (no grid): every interval `[a, b]` of the
/// pooled distinct values, predicting "unlearned" inside and "retrained"
/// outside, and the same with the roles swapped. This covers both directions
/// of every single threshold (intervals touching an end) and the
/// organisers' double-threshold family (which they search on a grid of
/// 0.01). Then ε_sample = max over rules of [`epsilon_from_rates`] (δ =
/// [`DELTA`]), clipped to [0, [`EPSILON_CAP`]]; 0 when every rule is discarded.
/// As in the organisers' code, if one side's range is below
/// [`PEAKY_RANGE_RATIO`] of the other's, ε = [`EPSILON_CAP`]. NaN outputs
/// count as the lowest value. O(m²) for m pooled distinct values.
///
/// # Panics
/// If either list is empty.
pub fn per_sample_epsilon(unlearned_outputs: &[f64], retrained_outputs: &[f64]) -> f64 {
    assert!(
        !unlearned_outputs.is_empty() && !retrained_outputs.is_empty(),
        "need outputs from both sides"
    );
    let u: Vec<f64> = unlearned_outputs.iter().map(|&x| finite_score(x)).collect();
    let r: Vec<f64> = retrained_outputs.iter().map(|&x| finite_score(x)).collect();
    let range = |v: &[f64]| {
        v.iter().fold(f64::MIN, |a, &b| a.max(b)) - v.iter().fold(f64::MAX, |a, &b| a.min(b))
    };
    let (ru, rr) = (range(&u), range(&r));
    let (small, large) = (ru.min(rr), ru.max(rr));
    if large > 0.0 && small / large < PEAKY_RANGE_RATIO {
        return EPSILON_CAP;
    }

    // Distinct pooled values with how many unlearned / retrained outputs sit on each.
    let mut pooled: Vec<(f64, bool)> = u
        .iter()
        .map(|&x| (x, true))
        .chain(r.iter().map(|&x| (x, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut cu, mut cr) = (Vec::new(), Vec::new());
    for (i, &(x, is_u)) in pooled.iter().enumerate() {
        if i == 0 || x != pooled[i - 1].0 {
            cu.push(0usize);
            cr.push(0usize);
        }
        *if is_u { cu.last_mut() } else { cr.last_mut() }.unwrap() += 1;
    }
    let (nu, nr) = (u.len(), r.len());
    // ε falls as either rate grows, so for each count of the "wrong" side
    // inside the interval only the largest count of the "right" side matters;
    // counts that make a rate exactly 0 are tracked apart (discard rules).
    let mut best_u_given_r = vec![None::<usize>; nr + 1]; // "unlearned inside": max U_in (< nu) per R_in
    let mut best_r_given_u = vec![None::<usize>; nu + 1]; // "retrained inside": max R_in (< nr) per U_in
    let mut perfect = false;
    for a in 0..cu.len() {
        let (mut x, mut y) = (0, 0);
        for b in a..cu.len() {
            x += cu[b];
            y += cr[b];
            perfect |= (x == nu && y == 0) || (y == nr && x == 0);
            if x < nu {
                best_u_given_r[y] = best_u_given_r[y].max(Some(x));
            }
            if y < nr {
                best_r_given_u[x] = best_r_given_u[x].max(Some(y));
            }
        }
    }
    if perfect {
        return EPSILON_CAP;
    }
    let eps =
        best_rule_epsilon(&best_u_given_r, nr, nu).max(best_rule_epsilon(&best_r_given_u, nu, nr));
    eps.clamp(0.0, EPSILON_CAP)
}

/// Largest ε over rules given, per count of wrong-side outputs inside the
/// interval (index), the largest count of right-side outputs inside (value).
/// Discarded (NaN) rules are ignored; 0 when all are.
fn best_rule_epsilon(best: &[Option<usize>], n_wrong: usize, n_right: usize) -> f64 {
    best.iter()
        .enumerate()
        .filter_map(|(wrong, right)| right.map(|right| (wrong, right)))
        .map(|(wrong, right)| {
            epsilon_from_rates(
                wrong as f64 / n_wrong as f64,
                1.0 - right as f64 / n_right as f64,
                DELTA,
            )
        })
        .filter(|e| !e.is_nan())
        .fold(0.0, f64::max)
}

/// ε_max = ⌈ln(N − 1)⌉ for N models per side: about the largest ε that N
/// samples can certify (0 for N ≤ 2, so every sample then scores 0).
pub fn max_epsilon_for_models(num_models: usize) -> f64 {
    if num_models <= 2 {
        0.0
    } else {
        ((num_models - 1) as f64).ln().ceil()
    }
}

/// Points h(ε) = 2/2ⁿ for bucket n = ⌊ε / 0.5⌋ + 1 of the table for
/// `num_models` models per side; 0 when ε ≥ [`max_epsilon_for_models`] or ε is
/// NaN.
pub fn bin_score_for_models(eps: f64, num_models: usize) -> f64 {
    let max_eps = max_epsilon_for_models(num_models);
    if eps.is_nan() || eps >= max_eps {
        return 0.0;
    }
    let bucket = (eps.max(0.0) / BUCKET_WIDTH).floor(); // 0-based; n = bucket + 1
    2.0 / 2f64.powf(bucket + 1.0)
}

/// h(ε) with the competition's table (N = 512, ε_max = 7): 1 for ε < 0.5,
/// ½ for ε < 1, … 2⁻¹³ for 6.5 ≤ ε < 7, and 0 from 7 on.
pub fn bin_score(eps: f64) -> f64 {
    bin_score_for_models(eps, COMPETITION_NUM_MODELS)
}

/// Forgetting quality F = mean of [`bin_score`] over the forget samples'
/// ε (competition table); 0 for an empty set.
pub fn forgetting_quality(per_sample_eps: &[f64]) -> f64 {
    forgetting_quality_for_models(per_sample_eps, COMPETITION_NUM_MODELS)
}

/// F with the bucket table for `num_models` models per side.
pub fn forgetting_quality_for_models(per_sample_eps: &[f64], num_models: usize) -> f64 {
    if per_sample_eps.is_empty() {
        return 0.0;
    }
    per_sample_eps
        .iter()
        .map(|&e| bin_score_for_models(e, num_models))
        .sum::<f64>()
        / per_sample_eps.len() as f64
}

/// Final score `F × (ra_u / ra_r) × (ta_u / ta_r)`: forgetting quality
/// discounted by the utility lost relative to retraining (it can exceed F if
/// the unlearned model is more accurate). A zero retrained accuracy gives a
/// non-finite result.
pub fn challenge_score(forgetting_quality: f64, ra_u: f64, ra_r: f64, ta_u: f64, ta_r: f64) -> f64 {
    forgetting_quality * (ra_u / ra_r) * (ta_u / ta_r)
}

/// The whole challenge computation, as stored in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeScore {
    /// ε of every forget sample.
    pub per_sample_epsilon: Vec<f64>,
    /// Models per side whose bucket table was used (the smaller side).
    pub num_models: usize,
    /// F, the mean bucket points.
    pub forgetting_quality: f64,
    /// Mean retain accuracy of the unlearned models.
    pub retain_accuracy_unlearned: f64,
    /// Mean retain accuracy of the retrained models.
    pub retain_accuracy_retrained: f64,
    /// Mean test accuracy of the unlearned models.
    pub test_accuracy_unlearned: f64,
    /// Mean test accuracy of the retrained models.
    pub test_accuracy_retrained: f64,
    /// F × RA ratio × TA ratio.
    pub score: f64,
}

impl ChallengeScore {
    /// Computes the score. `unlearned[i]` / `retrained[i]` hold forget sample
    /// i's output under each unlearned / retrained model; accuracies are the
    /// means over those models.
    ///
    /// # Panics
    /// If the two lists differ in length or a sample has no outputs on a side.
    pub fn compute(
        unlearned: &[Vec<f64>],
        retrained: &[Vec<f64>],
        ra_u: f64,
        ra_r: f64,
        ta_u: f64,
        ta_r: f64,
    ) -> Self {
        assert_eq!(
            unlearned.len(),
            retrained.len(),
            "one output list per forget sample on each side"
        );
        let per_sample_epsilon: Vec<f64> = unlearned
            .iter()
            .zip(retrained)
            .map(|(u, r)| per_sample_epsilon(u, r))
            .collect();
        let num_models = unlearned
            .iter()
            .chain(retrained)
            .map(Vec::len)
            .min()
            .unwrap_or(0);
        let f = forgetting_quality_for_models(&per_sample_epsilon, num_models);
        Self {
            per_sample_epsilon,
            num_models,
            forgetting_quality: f,
            retain_accuracy_unlearned: ra_u,
            retain_accuracy_retrained: ra_r,
            test_accuracy_unlearned: ta_u,
            test_accuracy_retrained: ta_r,
            score: challenge_score(f, ra_u, ra_r, ta_u, ta_r),
        }
    }
}

#[cfg(test)]
#[path = "epsilon_tests.rs"]
mod tests;
