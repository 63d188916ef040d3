//! `finetune`: fine-tune the original model on the retain set only.
//!
//! Catastrophic forgetting does the work: samples never seen again fade. The classic
//! baseline of Warnecke et al. ("Machine Unlearning of Features and Labels", NDSS 2023) and
//! Golatkar et al. (CVPR 2020). Weak on samples the model generalises to anyway, and slow on
//! a whole class: nothing pushes the class down except the retain batches' small softmax
//! mass on it, so forgetting a class takes many Adam steps on a small set (on `digits`, ~28
//! epochs of a fifth of the retain set, ≈ 7,200 sample gradients against retraining's
//! ≈ 25,900 — well short of the 10× saving the other fine-tuning methods reach; `l1-sparse`
//! is the same recipe plus a shrinking penalty and forgets a class ~5× faster). On a large
//! set one epoch of a fifth of the retain set is thousands of steps and already enough (MNIST
//! class 3: forget accuracy 0% after 10,800 sample gradients, 25× fewer than retraining), so
//! the run stops at the [`ForgetTarget`](crate::ForgetTarget), checked every 50 steps and
//! after every epoch, instead of always spending its whole schedule; a check that finds
//! the retain set out of the guard's budget steps back and halves the rate
//! ([`Monitor`](crate::Monitor)). The defaults are small batches at a rate
//! just below where the collapse guard starts firing on the first epoch.

use crate::common::{batch, epoch_batches, rng};
use crate::editing::{Monitor, RunFields, WarmupAdam};
use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Steps between two checks of the collapse guard and the forget target (each a 1,000-sample
/// forward pass, against 16-sample steps), besides the check after every epoch.
const CHECK_EVERY_STEPS: usize = 50;

/// Hyperparameters of `finetune`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinetuneConfig {
    /// Passes over the sampled retain data. Default: 28.
    pub epochs: usize,
    /// Learning rate (Adam). Default: 2.5e-3.
    pub lr: f64,
    /// Minibatch size. Default: 16.
    pub batch_size: usize,
    /// Share of the retain set sampled per epoch. Default: 0.2.
    pub retain_fraction: f64,
    /// Stop at the first check (every 50 steps and after every epoch) that finds forget
    /// accuracy at the [`ForgetTarget`](crate::ForgetTarget). Default: true.
    pub stop_at_target: bool,
    /// Collapse guard budget: stop when retain accuracy falls more than this many
    /// fraction-points below the original's. Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for FinetuneConfig {
    fn default() -> Self {
        Self {
            epochs: 28,
            lr: 2.5e-3,
            batch_size: 16,
            retain_fraction: 0.2,
            stop_at_target: true,
            collapse_budget: 0.03,
        }
    }
}

impl MethodConfig for FinetuneConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        RunFields {
            epochs: self.epochs,
            lr: self.lr,
            batch_size: self.batch_size,
            retain_fraction: Some(self.retain_fraction),
            collapse_budget: self.collapse_budget,
        }
        .validate(Finetune::NAME)
    }
}

/// Fine-tune on the retain set.
pub struct Finetune;

impl Unlearner for Finetune {
    const NAME: &'static str = "finetune";
    const FAMILY: &'static str = "fine-tuning";
    const SUMMARY: &'static str =
        "fine-tune on (a sample of) the retain set so the forget set fades";
    const PAPER: &'static str = "Warnecke et al., NDSS 2023; Golatkar et al., CVPR 2020 (baseline)";
    type Config = FinetuneConfig;

    fn unlearn(c: &FinetuneConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let k = ctx.net.spec().num_classes;
        let mut params = ctx.original.clone();
        let mut opt = WarmupAdam::new(&params, c.lr, 0);
        let mut monitor =
            Monitor::new(ctx, c.collapse_budget, c.stop_at_target).every(CHECK_EVERY_STEPS);
        let mut rng = rng(ctx.seed, Self::NAME);
        let mut stats = UnlearnStats::default();
        'run: for epoch in 0..c.epochs {
            for idx in epoch_batches(ctx.retain.len(), c.batch_size, c.retain_fraction, &mut rng) {
                let (x, _, t) = batch(ctx.retain, &idx, k);
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
            stats.epochs = epoch + 1;
            if monitor.check(&mut params, &mut stats, epoch, &mut opt) {
                break;
            }
        }
        monitor.finish(&mut stats);
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(Unlearned { params, stats })
    }
}
