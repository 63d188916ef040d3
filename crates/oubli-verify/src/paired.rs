//! Paired comparison of two AUCs measured on the **same** target samples
//! (DeLong, DeLong & Clarke-Pearson 1988).
//!
//! The verdict compares an attack's AUC on the unlearned model with its AUC
//! on the retrained oracle. Both AUCs rank the same members and the same
//! non-members, so a sample that is easy for the attack on one model is
//! usually easy on the other: the two estimates are positively correlated
//! and the standard error of their *difference* is much smaller than
//! `√(se₁² + se₂²)`. Treating them as independent lets a model that removed
//! only part of the gap pass as "within noise".

use serde::{Deserialize, Serialize};

use crate::roc::finite_score;

/// One attack's per-sample scores on one model (higher = more likely a
/// member). Across the models being compared, `members[i]` and
/// `nonmembers[j]` must be the same samples in the same order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SampleScores {
    /// Scores of the member targets.
    pub members: Vec<f64>,
    /// Scores of the non-member targets.
    pub nonmembers: Vec<f64>,
}

impl SampleScores {
    /// Whether `other` scores the same number of members and non-members
    /// (the precondition of a paired test).
    pub fn pairs_with(&self, other: &SampleScores) -> bool {
        self.members.len() == other.members.len()
            && self.nonmembers.len() == other.nonmembers.len()
            && !self.members.is_empty()
            && !self.nonmembers.is_empty()
    }
}

/// DeLong's structural components: per member, the share of non-members it
/// outranks (ties ½); per non-member, the share of members that outrank it.
/// Both average to the AUC. O((m + n) log(m + n)).
fn components(s: &SampleScores) -> (Vec<f64>, Vec<f64>) {
    let sorted = |v: &[f64]| {
        let mut v: Vec<f64> = v.iter().map(|&x| finite_score(x)).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (xs, ys) = (sorted(&s.members), sorted(&s.nonmembers));
    // (#values < x, #values == x) in a sorted slice.
    let below_equal = |sorted: &[f64], x: f64| {
        let lo = sorted.partition_point(|&v| v < x);
        let hi = sorted.partition_point(|&v| v <= x);
        (lo as f64, (hi - lo) as f64)
    };
    let (m, n) = (xs.len() as f64, ys.len() as f64);
    let v10 = s
        .members
        .iter()
        .map(|&x| {
            let (lt, eq) = below_equal(&ys, finite_score(x));
            (lt + 0.5 * eq) / n
        })
        .collect();
    let v01 = s
        .nonmembers
        .iter()
        .map(|&y| {
            let (lt, eq) = below_equal(&xs, finite_score(y));
            (m - lt - eq + 0.5 * eq) / m
        })
        .collect();
    (v10, v01)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample covariance (n − 1 denominator; 0 below two values).
fn covariance(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return 0.0;
    }
    let (ma, mb) = (mean(a), mean(b));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (a.len() - 1) as f64
}

/// The DeLong AUC of `s` (equals the Mann–Whitney AUC of [`roc_curve`](crate::roc_curve)).
pub fn delong_auc(s: &SampleScores) -> f64 {
    if s.members.is_empty() || s.nonmembers.is_empty() {
        return 0.5;
    }
    mean(&components(s).0)
}

/// DeLong's standard error of `AUC(a) − AUC(b)`, where `a` and `b` score the
/// same targets: Var = (S₁₀ᵃᵃ + S₁₀ᵇᵇ − 2S₁₀ᵃᵇ)/m + (S₀₁ᵃᵃ + S₀₁ᵇᵇ − 2S₀₁ᵃᵇ)/n.
/// `None` when the two do not pair up (see [`SampleScores::pairs_with`]).
pub fn delong_diff_std_error(a: &SampleScores, b: &SampleScores) -> Option<f64> {
    if !a.pairs_with(b) {
        return None;
    }
    let (a10, a01) = components(a);
    let (b10, b01) = components(b);
    let part = |x: &[f64], y: &[f64]| {
        (covariance(x, x) + covariance(y, y) - 2.0 * covariance(x, y)) / x.len() as f64
    };
    Some((part(&a10, &b10) + part(&a01, &b01)).max(0.0).sqrt())
}

/// Standard errors of the two AUC differences the verdict tests, from a
/// paired (DeLong) test on the same targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedStdErrors {
    /// SE of AUC(original) − AUC(retrained): decides the attack's power.
    pub original_vs_retrained: f64,
    /// SE of AUC(unlearned) − AUC(retrained): decides failure.
    pub unlearned_vs_retrained: f64,
}

impl PairedStdErrors {
    /// Both paired SEs, when all three models scored the same targets.
    pub fn of(
        original: &SampleScores,
        unlearned: &SampleScores,
        retrained: &SampleScores,
    ) -> Option<Self> {
        Some(Self {
            original_vs_retrained: delong_diff_std_error(original, retrained)?,
            unlearned_vs_retrained: delong_diff_std_error(unlearned, retrained)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roc::roc_curve;
    use crate::sampling::normal_samples;

    fn scores(members: &[f64], nonmembers: &[f64]) -> SampleScores {
        SampleScores {
            members: members.to_vec(),
            nonmembers: nonmembers.to_vec(),
        }
    }

    #[test]
    fn delong_auc_equals_the_mann_whitney_auc_with_ties() {
        let s = scores(&[0.9, 0.6, 0.4], &[0.6, 0.2]);
        assert!((delong_auc(&s) - 0.75).abs() < 1e-12);
        let m = normal_samples(300, 0.5, 1.0, 1);
        let n = normal_samples(200, 0.0, 1.0, 2);
        let s = scores(&m, &n);
        assert!((delong_auc(&s) - roc_curve(&m, &n).auc).abs() < 1e-12);
    }

    #[test]
    fn identical_scores_have_zero_difference_error_and_shifted_copies_too() {
        let m = normal_samples(100, 1.0, 1.0, 3);
        let n = normal_samples(100, 0.0, 1.0, 4);
        let a = scores(&m, &n);
        assert_eq!(delong_diff_std_error(&a, &a), Some(0.0));
        // A monotone transform ranks identically: still no difference.
        let b = scores(
            &m.iter().map(|x| 3.0 * x + 1.0).collect::<Vec<_>>(),
            &n.iter().map(|x| 3.0 * x + 1.0).collect::<Vec<_>>(),
        );
        assert!(delong_diff_std_error(&a, &b).unwrap() < 1e-12);
        assert_eq!(delong_diff_std_error(&a, &scores(&m[..5], &n)), None);
    }

    #[test]
    fn independent_scores_match_the_unpaired_error() {
        // Two unrelated attacks on the same targets: the paired SE is close
        // to √(se₁² + se₂²) (DeLong's single-AUC variances, no covariance).
        let a = scores(
            &normal_samples(2000, 0.5, 1.0, 5),
            &normal_samples(2000, 0.0, 1.0, 6),
        );
        let b = scores(
            &normal_samples(2000, 0.5, 1.0, 7),
            &normal_samples(2000, 0.0, 1.0, 8),
        );
        let zero = SampleScores {
            members: vec![0.0; 2000],
            nonmembers: vec![0.0; 2000],
        };
        let se_a = delong_diff_std_error(&a, &zero).unwrap();
        let se_b = delong_diff_std_error(&b, &zero).unwrap();
        let paired = delong_diff_std_error(&a, &b).unwrap();
        let unpaired = (se_a * se_a + se_b * se_b).sqrt();
        assert!(
            (paired / unpaired - 1.0).abs() < 0.1,
            "{paired} vs {unpaired}"
        );
    }
}
