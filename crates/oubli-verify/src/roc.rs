//! Receiver-operating-characteristic statistics for membership scores.
//!
//! Convention everywhere in this crate: a **higher score means "more likely a
//! member"**, members are the positives, non-members the negatives.

use serde::{Deserialize, Serialize};

/// Stand-in for +∞ as the first threshold ("call nobody a member"); JSON has
/// no infinity, and a finite value keeps `report.json` round-trippable.
pub const THRESHOLD_NOBODY: f64 = f64::MAX;

/// An ROC curve: one point per distinct score, from (0, 0) to (1, 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roc {
    /// False-positive rate of each operating point, non-decreasing.
    pub fpr: Vec<f64>,
    /// True-positive rate of each operating point, non-decreasing.
    pub tpr: Vec<f64>,
    /// `thresholds[i]`: point `i` calls a sample a member iff its score is
    /// `>= thresholds[i]`; `thresholds[0]` is [`THRESHOLD_NOBODY`].
    pub thresholds: Vec<f64>,
    /// Area under the curve by the trapezoid rule, which equals the
    /// Mann–Whitney probability P(member score > non-member score) with ties
    /// counted ½. Kept from the full curve when the curve is downsampled.
    pub auc: f64,
}

impl Roc {
    /// The chance diagonal, returned when one side has no samples: there is
    /// no evidence either way, so AUC = 0.5.
    pub fn chance() -> Self {
        Self {
            fpr: vec![0.0, 1.0],
            tpr: vec![0.0, 1.0],
            thresholds: vec![THRESHOLD_NOBODY, f64::MIN],
            auc: 0.5,
        }
    }

    /// At most `max_points` points of this curve (for plotting), evenly
    /// spaced in index and always keeping the two end points. The AUC is the
    /// full curve's. `max_points` below 2 is treated as 2.
    pub fn downsample(&self, max_points: usize) -> Roc {
        let n = self.fpr.len();
        let m = max_points.max(2);
        if n <= m {
            return self.clone();
        }
        let mut idx: Vec<usize> = (0..m)
            .map(|i| ((i as f64) * (n - 1) as f64 / (m - 1) as f64).round() as usize)
            .collect();
        idx.dedup();
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect();
        Roc {
            fpr: pick(&self.fpr),
            tpr: pick(&self.tpr),
            thresholds: pick(&self.thresholds),
            auc: self.auc,
        }
    }
}

/// Maps a score to a finite, orderable value: NaN and −∞ become the lowest
/// possible score ("least likely a member"), +∞ the highest finite one.
pub(crate) fn finite_score(s: f64) -> f64 {
    if s.is_nan() {
        f64::MIN
    } else {
        s.clamp(f64::MIN, f64::MAX)
    }
}

/// The ROC curve of an attack whose scores on members are `member_scores`
/// and on non-members `nonmember_scores` (higher = more likely member).
///
/// Samples with equal scores are moved across the threshold together, so a
/// tie between a member and a non-member adds a diagonal segment and counts
/// ½ in the AUC (Mann–Whitney). NaN scores count as the lowest score. When
/// either side is empty the result is [`Roc::chance`].
pub fn roc_curve(member_scores: &[f64], nonmember_scores: &[f64]) -> Roc {
    let (p, n) = (member_scores.len(), nonmember_scores.len());
    if p == 0 || n == 0 {
        return Roc::chance();
    }
    let mut scored: Vec<(f64, bool)> = member_scores
        .iter()
        .map(|&s| (finite_score(s), true))
        .chain(nonmember_scores.iter().map(|&s| (finite_score(s), false)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));

    let (mut fpr, mut tpr, mut thresholds) = (vec![0.0], vec![0.0], vec![THRESHOLD_NOBODY]);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < scored.len() {
        let s = scored[i].0;
        while i < scored.len() && scored[i].0 == s {
            if scored[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        fpr.push(fp as f64 / n as f64);
        tpr.push(tp as f64 / p as f64);
        thresholds.push(s);
    }
    let auc = fpr
        .windows(2)
        .zip(tpr.windows(2))
        .map(|(f, t)| (f[1] - f[0]) * (t[1] + t[0]) / 2.0)
        .sum();
    Roc {
        fpr,
        tpr,
        thresholds,
        auc,
    }
}

/// The highest TPR among operating points whose FPR is at most `target_fpr`
/// (no interpolation between points: the conservative reading of the curve,
/// as in Carlini et al. 2022). Returns 0 when no point qualifies beyond (0, 0).
pub fn tpr_at_fpr(roc: &Roc, target_fpr: f64) -> f64 {
    roc.fpr
        .iter()
        .zip(&roc.tpr)
        .filter(|(f, _)| **f <= target_fpr + 1e-12)
        .map(|(_, t)| *t)
        .fold(0.0, f64::max)
}

/// The best balanced accuracy `(TPR + TNR) / 2` over the curve's thresholds.
/// On a set with as many members as non-members this is the accuracy of the
/// best single threshold; it is at least 0.5 (the "call nobody" point).
/// The threshold is chosen with the labels, so it is an optimistic
/// (oracle-threshold) accuracy.
pub fn best_balanced_accuracy(roc: &Roc) -> f64 {
    roc.fpr
        .iter()
        .zip(&roc.tpr)
        .map(|(f, t)| 0.5 * (t + 1.0 - f))
        .fold(0.5, f64::max)
}

/// Index of the operating point with the best balanced accuracy.
pub(crate) fn best_balanced_index(roc: &Roc) -> usize {
    (0..roc.fpr.len())
        .max_by(|&a, &b| {
            (roc.tpr[a] - roc.fpr[a])
                .total_cmp(&(roc.tpr[b] - roc.fpr[b]))
                .then(b.cmp(&a))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn perfectly_separated_scores_give_auc_one() {
        let roc = roc_curve(&[3.0, 4.0, 5.0], &[0.0, 1.0, 2.0]);
        assert!(close(roc.auc, 1.0));
        assert!(close(tpr_at_fpr(&roc, 0.0), 1.0));
        assert!(close(best_balanced_accuracy(&roc), 1.0));
        // Reversed scores: the attack is perfectly wrong.
        assert!(close(roc_curve(&[0.0, 1.0], &[2.0, 3.0]).auc, 0.0));
    }

    #[test]
    fn identical_scores_give_auc_half() {
        let roc = roc_curve(&[1.0, 1.0, 1.0], &[1.0, 1.0]);
        assert!(close(roc.auc, 0.5));
        assert_eq!(roc.fpr, vec![0.0, 1.0]);
        assert!(close(tpr_at_fpr(&roc, 0.01), 0.0));
        let same = roc_curve(&[0.1, 0.5, 0.9], &[0.1, 0.5, 0.9]);
        assert!(close(same.auc, 0.5));
    }

    #[test]
    fn hand_example_with_a_tie() {
        // Members {0.9, 0.6, 0.4}, non-members {0.6, 0.2}.
        // Pairs (m > n): 0.9>0.6, 0.9>0.2, 0.6>0.2, 0.4>0.2 = 4 wins; 0.6=0.6 tie = ½.
        // AUC = 4.5 / 6 = 0.75.
        let roc = roc_curve(&[0.9, 0.6, 0.4], &[0.6, 0.2]);
        assert!(close(roc.auc, 0.75));
        assert_eq!(roc.thresholds[1..], [0.9, 0.6, 0.4, 0.2]);
        assert_eq!(roc.tpr, vec![0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0, 1.0]);
        assert_eq!(roc.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        // FPR ≤ 1% only at the first two points → TPR 1/3.
        assert!(close(tpr_at_fpr(&roc, 0.01), 1.0 / 3.0));
        // Best balanced accuracy: threshold 0.4 → (1 + 0.5)/2 = 0.75.
        assert!(close(best_balanced_accuracy(&roc), 0.75));
        assert_eq!(roc.thresholds[best_balanced_index(&roc)], 0.4);
    }

    #[test]
    fn nan_scores_rank_last_and_empty_sides_give_chance() {
        let roc = roc_curve(&[f64::NAN], &[0.0]);
        assert!(close(roc.auc, 0.0));
        assert_eq!(roc_curve(&[], &[1.0]), Roc::chance());
        assert!(roc.thresholds.iter().all(|t| t.is_finite()));
    }

    #[test]
    fn downsample_keeps_ends_and_auc() {
        let members: Vec<f64> = (0..1000).map(|i| i as f64 + 0.5).collect();
        let nonmembers: Vec<f64> = (0..1000).map(|i| i as f64 * 0.9).collect();
        let roc = roc_curve(&members, &nonmembers);
        let small = roc.downsample(200);
        assert!(small.fpr.len() <= 200);
        assert_eq!((small.fpr[0], small.tpr[0]), (0.0, 0.0));
        assert_eq!(
            (*small.fpr.last().unwrap(), *small.tpr.last().unwrap()),
            (1.0, 1.0)
        );
        assert_eq!(small.auc, roc.auc);
    }
}
