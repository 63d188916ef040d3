//! `neggrad-plus`: NegGrad+, gradient ascent on the forget set balanced by descent on the
//! retain set (Kurmanji, Triantafillou, Hayes & Triantafillou, "Towards Unbounded Machine
//! Unlearning", NeurIPS 2023, the strengthened NegGrad baseline of their experiments).
//!
//! Every step takes one retain batch and one forget batch and descends
//! `α·L(retain) − (1−α)·L(forget)` in a single forward+backward pass. The retain term anchors
//! what the model should keep, so the ascent removes what is specific to the forget set
//! instead of wrecking the model. As for [`grad_ascent`](super::grad_ascent), the run ends at
//! the [`ForgetTarget`](crate::ForgetTarget) (checked after every step) or when the
//! collapse guard fires, whichever comes first.

use crate::common::{batch, rng};
use crate::editing::{check_range, paired_batches, stack_weighted, Monitor, RunFields, WarmupAdam};
use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `neggrad-plus`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NegGradPlusConfig {
    /// Epochs, at most (the forget target usually ends the run sooner); each covers the
    /// forget set once and `retain_fraction` of the retain set, cycling the shorter.
    /// Default: 20.
    pub epochs: usize,
    /// Learning rate (Adam). Default: 1e-3.
    pub lr: f64,
    /// Steps over which the rate ramps up linearly from 0 (softens Adam's first,
    /// sign-sized updates). Default: 10.
    pub warmup_steps: usize,
    /// Minibatch size of each of the two batches of a step. Default: 32.
    pub batch_size: usize,
    /// Share of the retain set sampled per epoch. Default: 0.15.
    pub retain_fraction: f64,
    /// Weight α of the retain loss; the forget loss is ascended with weight 1−α.
    /// Default: 0.9.
    pub alpha: f64,
    /// Stop as soon as forget accuracy reaches the
    /// [`ForgetTarget`](crate::ForgetTarget) (checked after every step).
    /// Default: true.
    pub stop_at_target: bool,
    /// Collapse guard budget: stop when retain accuracy falls more than this many
    /// fraction-points below the original's. Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for NegGradPlusConfig {
    fn default() -> Self {
        Self {
            epochs: 20,
            lr: 1e-3,
            warmup_steps: 10,
            batch_size: 32,
            retain_fraction: 0.15,
            alpha: 0.9,
            stop_at_target: true,
            collapse_budget: 0.03,
        }
    }
}

impl MethodConfig for NegGradPlusConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        RunFields {
            epochs: self.epochs,
            lr: self.lr,
            batch_size: self.batch_size,
            retain_fraction: Some(self.retain_fraction),
            collapse_budget: self.collapse_budget,
        }
        .validate(NegGradPlus::NAME)?;
        check_range(NegGradPlus::NAME, "alpha", self.alpha, 0.0, 1.0)
    }
}

/// NegGrad+.
pub struct NegGradPlus;

impl Unlearner for NegGradPlus {
    const NAME: &'static str = "neggrad-plus";
    const FAMILY: &'static str = "fine-tuning";
    const SUMMARY: &'static str = "descend α·L(retain) − (1−α)·L(forget) on paired batches";
    const PAPER: &'static str =
        "Kurmanji et al., \"Towards Unbounded Machine Unlearning\", NeurIPS 2023";
    type Config = NegGradPlusConfig;

    fn unlearn(c: &NegGradPlusConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let k = ctx.net.spec().num_classes;
        let dim = ctx.net.spec().input_dim();
        let mut params = ctx.original.clone();
        let mut opt = WarmupAdam::new(&params, c.lr, c.warmup_steps);
        let mut monitor = Monitor::new(ctx, c.collapse_budget, c.stop_at_target);
        let mut rng = rng(ctx.seed, Self::NAME);
        let mut stats = UnlearnStats::default();
        let (wr, wf) = (c.alpha as f32, -(1.0 - c.alpha) as f32);
        'run: for epoch in 0..c.epochs {
            let pairs = paired_batches(
                ctx.retain.len(),
                ctx.forget.len(),
                c.batch_size,
                c.retain_fraction,
                &mut rng,
            );
            for (ri, fi) in pairs {
                let (xr, _, tr) = batch(ctx.retain, &ri, k);
                let (xf, _, tf) = batch(ctx.forget, &fi, k);
                let (x, t, n) = stack_weighted(&[(&xr, &tr, wr), (&xf, &tf, wf)], dim, k);
                let (_, grad) = ctx.net.loss_and_grad(&params, &x, &t, n, 1.0);
                opt.step(&mut params, &grad);
                stats.steps += 1;
                stats.sample_gradients += n as u64;
                if monitor.after_step(&mut params, &mut stats, epoch, &mut opt) {
                    break 'run;
                }
            }
            if monitor.after_epoch(&mut params, &mut stats, epoch) {
                break;
            }
        }
        monitor.finish(&mut stats);
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(Unlearned { params, stats })
    }
}
