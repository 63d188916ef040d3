//! Per-sample quantities computed from a model's predicted probabilities:
//! accuracy, entropy, the logit-scaled true-class confidence used by LiRA and
//! the ε score, and the feature pair used by the confidence attack.
//!
//! Probabilities are `n × k` row-major `f32` (as a model hands them over);
//! labels are `u32` class indices, as in `oubli-data`.

use serde::{Deserialize, Serialize};

/// Probabilities are clamped to `[PROB_CLAMP, 1 − PROB_CLAMP]` before any
/// logarithm, so a saturated softmax gives a large finite value, not ±∞.
pub const PROB_CLAMP: f64 = 1e-7;

/// Logit scaling φ(p) = ln(p / (1 − p)) of a probability, with `p` clamped
/// to `[1e-7, 1 − 1e-7]` (so |φ| ≤ 16.12). Carlini et al. (2022) show that
/// φ of the true-class confidence is close to Gaussian across shadow models,
/// which is what LiRA's Gaussian fits assume.
pub fn logit_scale(p: f64) -> f64 {
    let p = if p.is_nan() {
        0.5
    } else {
        p.clamp(PROB_CLAMP, 1.0 - PROB_CLAMP)
    };
    (p / (1.0 - p)).ln()
}

fn rows<'a>(
    probs: &'a [f32],
    labels: &[u32],
    num_classes: usize,
) -> std::slice::ChunksExact<'a, f32> {
    assert!(num_classes > 0, "num_classes must be positive");
    assert_eq!(
        probs.len(),
        labels.len() * num_classes,
        "probs must be labels.len() × num_classes"
    );
    assert!(
        labels.iter().all(|&y| (y as usize) < num_classes),
        "label out of range"
    );
    probs.chunks_exact(num_classes)
}

/// φ of the true class for every row, computed as
/// `ln p_y − ln Σ_{j≠y} p_j` (both terms clamped at 1e-7) rather than from
/// `1 − p_y`, which loses all precision in f32 once `p_y` is near 1 (the
/// same device as the LiRA and NeurIPS-2023 reference code).
///
/// # Panics
/// If `probs.len() != labels.len() * num_classes` or a label is out of range.
pub fn true_class_logit_confidences(probs: &[f32], labels: &[u32], num_classes: usize) -> Vec<f64> {
    rows(probs, labels, num_classes)
        .zip(labels)
        .map(|(row, &y)| {
            let p_true = row[y as usize] as f64;
            let p_rest: f64 = row
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != y as usize)
                .map(|(_, &p)| p as f64)
                .sum();
            p_true.max(PROB_CLAMP).ln() - p_rest.max(PROB_CLAMP).ln()
        })
        .collect()
}

/// Shannon entropy (natural log) of every row; 0 ≤ H ≤ ln k.
///
/// # Panics
/// If `probs.len()` is not a multiple of `num_classes` or `num_classes == 0`.
pub fn entropies(probs: &[f32], num_classes: usize) -> Vec<f64> {
    assert!(
        num_classes > 0 && probs.len().is_multiple_of(num_classes),
        "probs must be n × num_classes"
    );
    probs
        .chunks_exact(num_classes)
        .map(|row| {
            row.iter()
                .map(|&p| p as f64)
                .filter(|&p| p > 0.0)
                .map(|p| -p * p.ln())
                .sum()
        })
        .collect()
}

/// Share of rows whose arg-max class equals the label (ties: first index).
/// An empty set has accuracy 0.
///
/// # Panics
/// If `probs.len() != labels.len() * num_classes` or a label is out of range.
pub fn accuracy(probs: &[f32], labels: &[u32], num_classes: usize) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let correct = rows(probs, labels, num_classes)
        .zip(labels)
        .filter(|(row, &y)| {
            let argmax = row
                .iter()
                .enumerate()
                .fold(0, |best, (j, &p)| if p > row[best] { j } else { best });
            argmax == y as usize
        })
        .count();
    correct as f64 / labels.len() as f64
}

/// The two features the [`confidence_attack`](crate::confidence_attack)
/// classifier sees for one sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceFeatures {
    /// φ of the true-class probability (see [`true_class_logit_confidences`]):
    /// the logit scale spreads out the near-1 confidences where members and
    /// non-members differ, which a linear model on raw `p_y` would not see.
    pub logit_confidence: f64,
    /// Entropy of the whole predicted distribution: members tend to get
    /// peakier (lower-entropy) predictions, independently of the label.
    pub entropy: f64,
}

/// [`ConfidenceFeatures`] for every row of a model's predictions.
///
/// # Panics
/// If `probs.len() != labels.len() * num_classes` or a label is out of range.
pub fn confidence_features(
    probs: &[f32],
    labels: &[u32],
    num_classes: usize,
) -> Vec<ConfidenceFeatures> {
    let phi = true_class_logit_confidences(probs, labels, num_classes);
    let h = entropies(probs, num_classes);
    phi.into_iter()
        .zip(h)
        .map(|(logit_confidence, entropy)| ConfidenceFeatures {
            logit_confidence,
            entropy,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_scale_is_clamped_and_antisymmetric() {
        assert_eq!(logit_scale(0.5), 0.0);
        assert!((logit_scale(0.9) + logit_scale(0.1)).abs() < 1e-12);
        assert!((logit_scale(1.0) - (1.0f64 / 1e-7 - 1.0).ln()).abs() < 1e-6);
        assert!(logit_scale(0.0).is_finite() && logit_scale(0.0) < -16.0);
    }

    #[test]
    fn per_row_features_match_hand_values() {
        // Row 0: label 0, p = (0.8, 0.2). Row 1: label 1, p = (0.5, 0.5).
        let probs = [0.8f32, 0.2, 0.5, 0.5];
        let labels = [0u32, 1];
        let phi = true_class_logit_confidences(&probs, &labels, 2);
        assert!((phi[0] - (0.8f64 / 0.2).ln()).abs() < 1e-6);
        assert!(phi[1].abs() < 1e-7);
        let h = entropies(&probs, 2);
        assert!((h[1] - 2f64.ln()).abs() < 1e-7);
        // Row 1 is a tie: arg-max is class 0, so only row 0 is correct.
        assert_eq!(accuracy(&probs, &labels, 2), 0.5);
        let f = confidence_features(&probs, &labels, 2);
        assert_eq!(f[0].logit_confidence, phi[0]);
    }

    #[test]
    #[should_panic(expected = "labels.len() × num_classes")]
    fn shape_mismatch_panics() {
        accuracy(&[0.5, 0.5, 1.0], &[0, 1], 2);
    }
}
