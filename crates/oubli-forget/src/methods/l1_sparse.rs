//! `l1-sparse`: fine-tuning on the retain set with an ℓ1 penalty (Jia, Liu, Ram, Yao, Liu,
//! Liu, Sharma & Liu, "Model Sparsity Can Simplify Machine Unlearning", NeurIPS 2023, the
//! "ℓ1-sparse MU" of their §4).
//!
//! Minimises `L(θ; D_r) + γ_t·‖w‖₁` where `w` are the weights (not biases, as for weight decay
//! in oubli) and `γ_t` decays linearly from `gamma` to 0 over the run: the paper's schedule,
//! which sparsifies early, when the weights that only served the forget set get pruned, and
//! lets the retain loss repair accuracy late. Like the paper's reference code (which adds
//! `γ‖θ‖₁` to the loss and lets autograd differentiate it), this is a *subgradient* method:
//! `γ_t·sign(w)` is added to the retain gradient before the optimiser step, not a proximal
//! soft-threshold, so weights shrink toward zero but are not clamped at exactly 0.
//!
//! The optimiser is Adam (as for `finetune`) rather than the paper's SGD: on a trained model
//! the retain gradients of a forgotten class are tiny, and Adam's per-weight normalisation is
//! what lets the penalty remove it within a few epochs (on `digits`, ~5× fewer sample
//! gradients than `finetune` needs for the same class). The run ends at the
//! [`ForgetTarget`](crate::ForgetTarget) or when the collapse guard fires.

use crate::common::{batch, epoch_batches, rng};
use crate::editing::{add_l1_subgradient, check_range, Monitor, RunFields, WarmupAdam};
use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `l1-sparse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct L1SparseConfig {
    /// Passes over the sampled retain data, at most. Default: 10.
    pub epochs: usize,
    /// Learning rate (Adam). Default: 2e-3.
    pub lr: f64,
    /// Steps over which the rate ramps up linearly from 0 (softens Adam's first,
    /// sign-sized updates). Default: 10.
    pub warmup_steps: usize,
    /// Minibatch size. Default: 16.
    pub batch_size: usize,
    /// Share of the retain set sampled per epoch. Default: 0.2.
    pub retain_fraction: f64,
    /// Initial ℓ1 strength γ₀ on the mean-loss scale, decayed linearly to 0 by the last
    /// step. Default: 2e-3.
    pub gamma: f64,
    /// Stop as soon as forget accuracy reaches the
    /// [`ForgetTarget`](crate::ForgetTarget) (checked after every step).
    /// Default: true.
    pub stop_at_target: bool,
    /// Collapse guard budget: stop when retain accuracy falls more than this many
    /// fraction-points below the original's. Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for L1SparseConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            lr: 2e-3,
            warmup_steps: 10,
            batch_size: 16,
            retain_fraction: 0.2,
            gamma: 2e-3,
            stop_at_target: true,
            collapse_budget: 0.03,
        }
    }
}

impl MethodConfig for L1SparseConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        RunFields {
            epochs: self.epochs,
            lr: self.lr,
            batch_size: self.batch_size,
            retain_fraction: Some(self.retain_fraction),
            collapse_budget: self.collapse_budget,
        }
        .validate(L1Sparse::NAME)?;
        check_range(L1Sparse::NAME, "gamma", self.gamma, 0.0, 1.0)
    }
}

/// ℓ1-sparse fine-tuning.
pub struct L1Sparse;

impl Unlearner for L1Sparse {
    const NAME: &'static str = "l1-sparse";
    const FAMILY: &'static str = "fine-tuning";
    const SUMMARY: &'static str =
        "fine-tune on the retain set with a linearly decaying ℓ1 penalty on the weights";
    const PAPER: &'static str =
        "Jia et al., \"Model Sparsity Can Simplify Machine Unlearning\", NeurIPS 2023";
    type Config = L1SparseConfig;

    fn unlearn(c: &L1SparseConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let k = ctx.net.spec().num_classes;
        let mut params = ctx.original.clone();
        let mask = params.weight_mask();
        let mut opt = WarmupAdam::new(&params, c.lr, c.warmup_steps);
        let mut monitor = Monitor::new(ctx, c.collapse_budget, c.stop_at_target);
        let mut rng = rng(ctx.seed, Self::NAME);
        let mut stats = UnlearnStats::default();
        // Steps per epoch, for γ's linear decay (the count does not depend on the shuffle).
        let per_epoch = epoch_batches(
            ctx.retain.len(),
            c.batch_size,
            c.retain_fraction,
            &mut rng.clone(),
        )
        .len();
        let total = (per_epoch * c.epochs).max(1);
        'run: for epoch in 0..c.epochs {
            for idx in epoch_batches(ctx.retain.len(), c.batch_size, c.retain_fraction, &mut rng) {
                let (x, _, t) = batch(ctx.retain, &idx, k);
                let (_, mut grad) =
                    ctx.net
                        .loss_and_grad(&params, &x, &t, idx.len(), idx.len() as f32);
                let gamma = c.gamma * (1.0 - stats.steps as f64 / total as f64);
                add_l1_subgradient(&mut grad, &params.data, &mask, gamma as f32);
                opt.step(&mut params, &grad);
                stats.steps += 1;
                stats.sample_gradients += idx.len() as u64;
                if monitor.after_step(&mut params, &mut stats, epoch, &mut opt) {
                    break 'run;
                }
            }
            if monitor.after_epoch(&mut params, &mut stats, epoch) {
                break;
            }
        }
        monitor.finish(&mut stats);
        let zeroish = params
            .data
            .iter()
            .zip(&mask)
            .filter(|(p, &m)| m && p.abs() < 1e-3)
            .count();
        stats.notes.push(format!(
            "{zeroish} weights below 1e-3 in magnitude after ℓ1 fine-tuning"
        ));
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(Unlearned { params, stats })
    }
}
