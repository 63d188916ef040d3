//! `salun`: saliency unlearning (Fan, Liu, Zhang, Wei, Wong & Liu, "SalUn: Empowering
//! Machine Unlearning via Gradient-based Weight Saliency in Both Image Classification and
//! Generation", ICLR 2024).
//!
//! 1. Saliency: one pass over the forget set at the original weights gives the gradient of the
//!    forget loss `g = ∇_θ L(θ₀; D_f)`; the weights with the largest `|g|` (the top
//!    `saliency_fraction`, ranked globally across layers as in the paper's code) are the
//!    ones the forget set leans on.
//! 2. Random-label fine-tuning (forget set relabelled, mixed with retain batches, exactly the
//!    [`random_label`](super::random_label) loop) that updates only those weights; the rest
//!    keep their original values, which is what spares the retain set.
//!
//! Saliency ranks weights only, as weight decay and ℓ1 do in oubli; biases (a few hundred
//! scalars) are always trainable. The fine-tuning stage inherits random-label's
//! `drop_forgotten` and [`ForgetTarget`](crate::ForgetTarget) stopping rules; the saliency
//! pass is counted in the sample gradients (one per forget sample).

use crate::common::{axpy, batch};
use crate::methods::random_label::{relabel_finetune, RandomLabelConfig};
use crate::unlearner::{invalid, ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `salun`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalunConfig {
    /// Share of the weights, by forget-gradient magnitude, that may move. Default: 0.5 (the
    /// paper's).
    pub saliency_fraction: f64,
    /// Epochs of random-label fine-tuning, at most; each covers the forget set once and
    /// `retain_fraction` of the retain set, cycling the shorter. Default: 5.
    pub epochs: usize,
    /// Learning rate (Adam). Default: 7e-4.
    pub lr: f64,
    /// Steps over which the rate ramps up linearly from 0. Default: 10.
    pub warmup_steps: usize,
    /// Minibatch size of each of the two batches of a step (and of the saliency pass).
    /// Default: 32.
    pub batch_size: usize,
    /// Share of the retain set sampled per epoch. Default: 0.2.
    pub retain_fraction: f64,
    /// Weight of the relabelled forget loss relative to the retain loss (weight 1).
    /// Default: 0.5.
    pub forget_weight: f64,
    /// Leave a forget sample out of the relabelled loss while the model already
    /// misclassifies it (see [`random_label`](super::random_label)). Default: true.
    pub drop_forgotten: bool,
    /// Stop as soon as forget accuracy reaches the
    /// [`ForgetTarget`](crate::ForgetTarget) (checked after every step).
    /// Default: true.
    pub stop_at_target: bool,
    /// Collapse guard budget: stop when retain accuracy falls more than this many
    /// fraction-points below the original's. Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for SalunConfig {
    fn default() -> Self {
        let rl = RandomLabelConfig::default();
        Self {
            saliency_fraction: 0.5,
            epochs: rl.epochs,
            lr: rl.lr,
            warmup_steps: rl.warmup_steps,
            batch_size: rl.batch_size,
            retain_fraction: rl.retain_fraction,
            forget_weight: rl.forget_weight,
            drop_forgotten: rl.drop_forgotten,
            stop_at_target: rl.stop_at_target,
            collapse_budget: rl.collapse_budget,
        }
    }
}

impl SalunConfig {
    fn relabel(&self) -> RandomLabelConfig {
        RandomLabelConfig {
            epochs: self.epochs,
            lr: self.lr,
            warmup_steps: self.warmup_steps,
            batch_size: self.batch_size,
            retain_fraction: self.retain_fraction,
            forget_weight: self.forget_weight,
            drop_forgotten: self.drop_forgotten,
            stop_at_target: self.stop_at_target,
            collapse_budget: self.collapse_budget,
        }
    }
}

impl MethodConfig for SalunConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        if !(self.saliency_fraction > 0.0 && self.saliency_fraction <= 1.0) {
            return Err(invalid(
                Salun::NAME,
                "saliency_fraction",
                format!("must be in (0, 1], got {}", self.saliency_fraction),
            ));
        }
        self.relabel().validate_as(Salun::NAME)
    }
}

/// SalUn.
pub struct Salun;

impl Unlearner for Salun {
    const NAME: &'static str = "salun";
    const FAMILY: &'static str = "fine-tuning";
    const SUMMARY: &'static str =
        "random-label fine-tuning restricted to the weights most salient to the forget loss";
    const PAPER: &'static str = "Fan et al., \"SalUn\", ICLR 2024";
    type Config = SalunConfig;

    fn unlearn(c: &SalunConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let mut stats = UnlearnStats::default();
        let mask = saliency_mask(ctx, c.saliency_fraction, c.batch_size, &mut stats);
        stats.seconds = start.elapsed().as_secs_f64();
        let trainable = mask.iter().filter(|&&m| m).count();
        stats.notes.push(format!(
            "saliency mask: {trainable} of {} parameters trainable",
            mask.len()
        ));
        Ok(relabel_finetune(
            &c.relabel(),
            ctx,
            Some(&mask),
            Self::NAME,
            stats,
        ))
    }
}

/// True for the top `fraction` of weights by `|∇ L(θ₀; D_f)|`, and for every bias.
fn saliency_mask(
    ctx: &ForgetContext<'_>,
    fraction: f64,
    batch_size: usize,
    stats: &mut UnlearnStats,
) -> Vec<bool> {
    let k = ctx.net.spec().num_classes;
    let n = ctx.forget.len();
    let mut g = vec![0.0f32; ctx.original.len()];
    let idx: Vec<usize> = (0..n).collect();
    for chunk in idx.chunks(batch_size) {
        let (x, _, t) = batch(ctx.forget, chunk, k);
        // Denominator n: the batches sum to the gradient of the mean forget loss.
        let (_, grad) = ctx
            .net
            .loss_and_grad(ctx.original, &x, &t, chunk.len(), n as f32);
        axpy(&mut g, 1.0, &grad);
        stats.sample_gradients += chunk.len() as u64;
    }
    let is_weight = ctx.original.weight_mask();
    let mut weights: Vec<usize> = (0..g.len()).filter(|&i| is_weight[i]).collect();
    let keep = ((weights.len() as f64 * fraction).round() as usize).min(weights.len());
    let mut mask: Vec<bool> = is_weight.iter().map(|w| !w).collect();
    if keep > 0 {
        // Partial sort: the `keep` largest magnitudes first, ties broken by index for
        // determinism.
        weights.select_nth_unstable_by(keep - 1, |&a, &b| {
            g[b].abs().total_cmp(&g[a].abs()).then(a.cmp(&b))
        });
        for &i in &weights[..keep] {
            mask[i] = true;
        }
    }
    mask
}
