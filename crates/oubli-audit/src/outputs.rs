//! One model's per-sample outputs on the forget, retain and test sets, and
//! the attacks that only need those outputs.
//!
//! Losses and φ are computed **from the logits in f64**, not from f32
//! softmax probabilities: once a model is confident (margin above ≈ 17),
//! the f32 softmax rounds p_y to exactly 1, so the loss is 0 and φ hits the
//! clamp for members and confident non-members alike. Those ties erase the
//! very differences membership attacks look for (on an overfit digits MLP
//! the loss-threshold AUC drops from ≈ 0.6 to ≈ 0.5). This is the
//! log-space computation of Carlini et al.'s LiRA code.

use oubli_data::Split;
use oubli_verify::{
    confidence_attack, loss_threshold_attack, neurips_simple_attack, AttackResult,
    ConfidenceFeatures, LossSamples, SetAccuracies,
};

use crate::family::{Family, Fitted};
use crate::shadows::{choose_sorted, rng};

/// Per-sample numbers of one model on one set.
pub(crate) struct SetOutputs {
    /// Softmax probabilities, row-major `n × k` (for the JS divergence).
    pub probs: Vec<f32>,
    /// Cross-entropy `logsumexp(z) − z_y`.
    pub losses: Vec<f64>,
    /// φ = `z_y − logsumexp_{j≠y} z_j` = ln(p_y / (1 − p_y)).
    pub phi: Vec<f64>,
    /// Entropy of the predicted distribution.
    pub entropy: Vec<f64>,
    /// Share of samples whose arg-max is the label.
    pub accuracy: f64,
}

fn logsumexp(z: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = z.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + z.map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// (φ, loss) of label `y` from logits `z`, both exact to f64 rounding even
/// when p_y is within 1e-300 of 1. With r = logsumexp_{j≠y}(z_j − z_y):
/// φ = −r and loss = −ln p_y = ln(1 + e^r), evaluated as a softplus; the
/// textbook `logsumexp(z) − z_y` cancels to 0 once the loss is below ≈ 1e-16.
fn phi_and_loss(z: &[f64], y: usize) -> (f64, f64) {
    let r = logsumexp(
        z.iter()
            .enumerate()
            .filter(|(j, _)| *j != y)
            .map(|(_, &v)| v - z[y]),
    );
    let loss = if r > 0.0 {
        r + (-r).exp().ln_1p()
    } else {
        r.exp().ln_1p()
    };
    (-r, loss)
}

impl SetOutputs {
    /// Runs `model` on `split`.
    pub fn compute(family: &Family, model: &Fitted, split: &Split) -> Self {
        let k = family.num_classes();
        let logits = family.logits(model, split);
        let mut out = Self {
            probs: Vec::with_capacity(logits.len()),
            losses: Vec::with_capacity(split.len()),
            phi: Vec::with_capacity(split.len()),
            entropy: Vec::with_capacity(split.len()),
            accuracy: 0.0,
        };
        let mut correct = 0usize;
        for (row, &y) in logits.chunks_exact(k).zip(&split.labels) {
            let z: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
            let y = y as usize;
            let (phi, loss) = phi_and_loss(&z, y);
            out.losses.push(loss);
            out.phi.push(phi);
            let lse = logsumexp(z.iter().copied());
            let logp: Vec<f64> = z.iter().map(|v| v - lse).collect();
            out.entropy
                .push(-logp.iter().map(|l| l.exp() * l).sum::<f64>());
            out.probs.extend(logp.iter().map(|l| l.exp() as f32));
            // Ties go to the first index, as in oubli-model's `Outputs`.
            let argmax = (0..k).fold(0, |b, j| if z[j] > z[b] { j } else { b });
            correct += usize::from(argmax == y);
        }
        out.accuracy = if split.is_empty() {
            0.0
        } else {
            correct as f64 / split.len() as f64
        };
        out
    }

    fn features(&self) -> Vec<ConfidenceFeatures> {
        self.phi
            .iter()
            .zip(&self.entropy)
            .map(|(&logit_confidence, &entropy)| ConfidenceFeatures {
                logit_confidence,
                entropy,
            })
            .collect()
    }
}

/// The three sets every model is evaluated on.
pub(crate) struct Sets<'a> {
    /// The whole forget set.
    pub forget: &'a Split,
    /// A seeded subsample of the retain set.
    pub retain: &'a Split,
    /// The test split.
    pub test: &'a Split,
}

/// A model's outputs on the three sets.
pub(crate) struct ModelOutputs {
    /// On the forget set.
    pub forget: SetOutputs,
    /// On the retain subsample.
    pub retain: SetOutputs,
    /// On the test split.
    pub test: SetOutputs,
}

/// At most `cap` values, a seeded subsample in original order (histograms
/// need the shape, not every sample, and report.json stays small).
fn capped(v: &[f64], cap: usize, seed: u64, stream: &str) -> Vec<f32> {
    choose_sorted(v.len(), cap, &mut rng(seed, stream, 0))
        .into_iter()
        .map(|i| v[i] as f32)
        .collect()
}

impl ModelOutputs {
    /// Runs `model` on the three sets.
    pub fn compute(family: &Family, model: &Fitted, sets: &Sets<'_>) -> Self {
        Self {
            forget: SetOutputs::compute(family, model, sets.forget),
            retain: SetOutputs::compute(family, model, sets.retain),
            test: SetOutputs::compute(family, model, sets.test),
        }
    }

    /// Accuracy on each set.
    pub fn accuracies(&self) -> SetAccuracies {
        SetAccuracies {
            forget: self.forget.accuracy,
            retain: self.retain.accuracy,
            test: self.test.accuracy,
        }
    }

    /// Loss-threshold and NeurIPS simple attack (forget = member, test =
    /// non-member) and the confidence attack (trained retain vs test, applied
    /// to the forget set). The same `seed` for every model, so the three
    /// models see the same subsamples and folds.
    pub fn attacks(&self, seed: u64) -> Vec<AttackResult> {
        let (f, t) = (&self.forget.losses, &self.test.losses);
        vec![
            loss_threshold_attack(f, t),
            neurips_simple_attack(f, t, seed),
            confidence_attack(
                &self.retain.features(),
                &self.test.features(),
                &self.forget.features(),
                seed,
            ),
        ]
    }

    /// Forget and test losses for the histograms, at most `cap` of each.
    pub fn loss_samples(&self, cap: usize, seed: u64) -> LossSamples {
        LossSamples {
            forget: capped(&self.forget.losses, cap, seed, "loss-samples-forget"),
            test: capped(&self.test.losses, cap, seed, "loss-samples-test"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logsumexp_is_stable_and_exact() {
        assert!((logsumexp([0.0f64, 0.0].into_iter()) - 2f64.ln()).abs() < 1e-12);
        assert!((logsumexp([1000.0f64, 1000.0].into_iter()) - (1000.0 + 2f64.ln())).abs() < 1e-9);
        // A margin of 40 rounds p_y to 1 even in f64; the softplus form keeps
        // the loss (≈ e^-40) and φ = 40 exactly.
        let (phi, loss) = phi_and_loss(&[40.0, 0.0], 0);
        assert_eq!(phi, 40.0);
        assert!((loss / (-40f64).exp() - 1.0).abs() < 1e-12, "{loss}");
        // A wrong prediction: p_y = 1/(1 + e^3), loss = ln(1 + e^3), φ = −3.
        let (phi, loss) = phi_and_loss(&[0.0, 3.0], 0);
        assert!((phi + 3.0).abs() < 1e-12 && (loss - 3f64.exp().ln_1p()).abs() < 1e-12);
    }
}
