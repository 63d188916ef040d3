//! `grad-ascent`: gradient ascent on the forget set ("NegGrad").
//!
//! Maximises the cross-entropy of the forget samples, i.e. runs the training loss backwards
//! on exactly the data to forget: Thudi et al., "Unrolling SGD: Understanding Factors
//! Influencing Machine Unlearning" (EuroS&P 2022) and Graves, Nagisetty & Ganesh, "Amnesiac
//! Machine Learning" (AAAI 2021). Nothing anchors the retain set, so the ascent is unbounded
//! and would eventually wreck the whole model. Two rules end it: the
//! [`ForgetTarget`](crate::ForgetTarget), checked after every step, stops it as soon
//! as the forget set is fit no better than a model that never saw it would fit it (0 for a
//! class absent from the retain set: ascent runs until the class is gone; about the training
//! accuracy for random samples: ascent stops at the first dent), and the collapse guard stops
//! it if retain accuracy falls out of budget first.

use crate::common::{batch, epoch_batches, rng};
use crate::editing::{Monitor, RunFields, WarmupAdam};
use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `grad-ascent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradAscentConfig {
    /// Passes of ascent over the forget set, at most (the forget target usually ends the run
    /// sooner). Default: 20.
    pub epochs: usize,
    /// Learning rate (Adam). Default: 1e-3.
    pub lr: f64,
    /// Steps over which the rate ramps up linearly from 0 (softens Adam's first,
    /// sign-sized updates). Default: 10.
    pub warmup_steps: usize,
    /// Minibatch size. Default: 64.
    pub batch_size: usize,
    /// Stop as soon as forget accuracy reaches the
    /// [`ForgetTarget`](crate::ForgetTarget) (checked after every step).
    /// Default: true.
    pub stop_at_target: bool,
    /// Collapse guard budget: stop when retain accuracy falls more than this many
    /// fraction-points below the original's. Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for GradAscentConfig {
    fn default() -> Self {
        Self {
            epochs: 20,
            lr: 1e-3,
            warmup_steps: 10,
            batch_size: 64,
            stop_at_target: true,
            collapse_budget: 0.03,
        }
    }
}

impl MethodConfig for GradAscentConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        RunFields {
            epochs: self.epochs,
            lr: self.lr,
            batch_size: self.batch_size,
            retain_fraction: None,
            collapse_budget: self.collapse_budget,
        }
        .validate(GradAscent::NAME)
    }
}

/// Gradient ascent on the forget set.
pub struct GradAscent;

impl Unlearner for GradAscent {
    const NAME: &'static str = "grad-ascent";
    const FAMILY: &'static str = "fine-tuning";
    const SUMMARY: &'static str =
        "gradient ascent on the forget set's loss until it is fit no better than unseen data";
    const PAPER: &'static str = "Thudi et al., EuroS&P 2022; Graves et al., AAAI 2021 (NegGrad)";
    type Config = GradAscentConfig;

    fn unlearn(c: &GradAscentConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let k = ctx.net.spec().num_classes;
        let mut params = ctx.original.clone();
        let mut opt = WarmupAdam::new(&params, c.lr, c.warmup_steps);
        let mut monitor = Monitor::new(ctx, c.collapse_budget, c.stop_at_target);
        let mut rng = rng(ctx.seed, Self::NAME);
        let mut stats = UnlearnStats::default();
        'run: for epoch in 0..c.epochs {
            for idx in epoch_batches(ctx.forget.len(), c.batch_size, 1.0, &mut rng) {
                let (x, _, mut t) = batch(ctx.forget, &idx, k);
                // Negated one-hot rows: descending this loss ascends the cross-entropy.
                t.iter_mut().for_each(|v| *v = -*v);
                let (_, grad) = ctx
                    .net
                    .loss_and_grad(&params, &x, &t, idx.len(), idx.len() as f32);
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
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(Unlearned { params, stats })
    }
}
