//! `scrub`: SCalable Remembering and Unlearning unBound (Kurmanji, Triantafillou, Hayes &
//! Triantafillou, "Towards Unbounded Machine Unlearning", NeurIPS 2023).
//!
//! A student, initialised as the original model (the teacher), alternates two kinds of
//! pass: *max-steps* on forget batches, which move the student away from the teacher by
//! ascending `KL(teacher ‖ student)`, and *min-steps* on retain batches, which pull it back by
//! descending `KL(teacher ‖ student) + α·CE`. Max-steps run only in the first `max_epochs`
//! epochs, so the last epochs repair what the max-steps broke on the retain set. The
//! paper's optional rewind (SCRUB+R) is not implemented.
//!
//! Both KL terms are at temperature `T` on teacher and student alike and multiplied by `T²`
//! (Hinton et al.'s scaling, as in the paper's code) so that their gradients do not shrink
//! as `T` grows. Ascent on the KL is descent with the teacher's soft target rows negated:
//! only the cross-entropy term of the KL depends on the student.
//!
//! # Guarded max-steps
//!
//! The student starts *equal* to the teacher, where the KL and its gradient are zero: the
//! first max-steps do nothing, and later ones amplify whatever small difference the
//! min-steps made, growing it geometrically. (The paper's networks differ from their
//! teachers from the first step through batch-norm train/eval modes and augmentation; a
//! deterministic MLP does not.) On `digits` this made the outcome swing between no
//! forgetting and a collapsed model for learning rates 20% apart. The collapse guard is
//! therefore checked after every max-step: once retain accuracy leaves the budget, the
//! max-steps end for good and the min-steps repair. Class forgetting then succeeded for
//! learning rates from 0.003 to 0.01 on four seeds.
//!
//! # Limitation: random samples
//!
//! Forgetting a random 10% of `digits` means losing the 1–3 samples the model knows only
//! because it trained on them (original 99.3% on the forget set, retrained oracle 97.9%).
//! Random forget samples look like retain samples, so the KL max-steps push the retain set
//! as hard as the forget set: the collapse guard ends them before a single forget sample
//! flips, and the min-steps then restore the rest. Forget accuracy stays at 99.3% for every
//! setting tried (lr 0.005–0.02, T 1–2, more max epochs, smaller forget batches, Adam), so
//! the random-forgetting check fails there (its test is ignored with these numbers).

use crate::common::{batch, epoch_batches, rng, CollapseGuard, Stepper};
use crate::distill::{loss_and_grad_at, soft_targets};
use crate::unlearner::{invalid, ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use oubli_model::OptimizerKind;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `scrub`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScrubConfig {
    /// Epochs; each has a min-step pass over sampled retain data. Default: 3.
    pub epochs: usize,
    /// The first `max_epochs` epochs also start with a max-step pass over the forget set.
    /// Default: 2.
    pub max_epochs: usize,
    /// Optimiser of both kinds of step, `sgd` (momentum 0.9) or `adam`. Default: `sgd`.
    pub optimizer: OptimizerKind,
    /// Learning rate of both kinds of step. Default: 0.005.
    pub lr: f64,
    /// Minibatch size of max-steps. Default: 8.
    pub forget_batch_size: usize,
    /// Minibatch size of min-steps. Default: 64.
    pub retain_batch_size: usize,
    /// Share of the retain set each min-step pass samples. Default: 0.3.
    pub retain_fraction: f64,
    /// At most this many retain samples per min-step pass, whatever `retain_fraction` says:
    /// distilling over a large retain set is what made SCRUB cost a third of a retrain on
    /// MNIST (2.8×). Default: 3000.
    pub max_retain_samples: usize,
    /// Weight α of the cross-entropy added to the min-steps' KL. Default: 1.0.
    pub alpha: f64,
    /// Distillation temperature T. Default: 2.0, not the paper's 4: at T = 4 the teacher's
    /// soft targets on the retain set carry enough "dark knowledge" of a forgotten class
    /// (the mass a 5 or an 8 puts on 3) that the min-steps taught it back (MNIST class 3:
    /// forget accuracy 85%, or 9.5% with the retain cap); at T = 1 the max-steps could not
    /// move `digits`' class (87%); T = 2 forgets both (0.2% on MNIST).
    pub temperature: f64,
    /// Collapse guard budget (fraction of retain accuracy). Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for ScrubConfig {
    fn default() -> Self {
        Self {
            epochs: 3,
            max_epochs: 2,
            optimizer: OptimizerKind::Sgd,
            lr: 0.005,
            forget_batch_size: 8,
            retain_batch_size: 64,
            retain_fraction: 0.3,
            max_retain_samples: 3000,
            alpha: 1.0,
            temperature: 2.0,
            collapse_budget: 0.03,
        }
    }
}

impl MethodConfig for ScrubConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        let m = Scrub::NAME;
        if self.epochs == 0 {
            return Err(invalid(m, "epochs", "must be at least 1"));
        }
        if self.max_epochs > self.epochs {
            return Err(invalid(m, "max_epochs", "must not exceed epochs"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(invalid(m, "lr", "must be a positive number"));
        }
        if self.forget_batch_size == 0 {
            return Err(invalid(m, "forget_batch_size", "must be at least 1"));
        }
        if self.retain_batch_size == 0 {
            return Err(invalid(m, "retain_batch_size", "must be at least 1"));
        }
        if !(self.retain_fraction > 0.0 && self.retain_fraction <= 1.0) {
            return Err(invalid(m, "retain_fraction", "must be in (0, 1]"));
        }
        if self.max_retain_samples == 0 {
            return Err(invalid(m, "max_retain_samples", "must be at least 1"));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(invalid(m, "alpha", "must be a non-negative number"));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(invalid(m, "temperature", "must be a positive number"));
        }
        if !(0.0..=1.0).contains(&self.collapse_budget) {
            return Err(invalid(m, "collapse_budget", "must be in [0, 1]"));
        }
        Ok(())
    }
}

/// SCRUB.
pub struct Scrub;

impl Unlearner for Scrub {
    const NAME: &'static str = "scrub";
    const FAMILY: &'static str = "distillation";
    const SUMMARY: &'static str =
        "student-teacher: ascend KL to the original on forget batches, descend KL + CE on retain batches";
    const PAPER: &'static str =
        "Kurmanji et al., Towards Unbounded Machine Unlearning, NeurIPS 2023";
    type Config = ScrubConfig;

    fn unlearn(c: &ScrubConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let (net, k, t) = (ctx.net, ctx.net.spec().num_classes, c.temperature as f32);
        // The teacher is the original model, fixed: its soft targets are computed once.
        let forget_t = soft_targets(net, ctx.original, &ctx.forget.features, ctx.forget.len(), t);
        let retain_t = soft_targets(net, ctx.original, &ctx.retain.features, ctx.retain.len(), t);
        let gather = |soft: &[f32], idx: &[usize], sign: f32| -> Vec<f32> {
            let t2 = sign * t * t;
            idx.iter()
                .flat_map(|&i| soft[i * k..(i + 1) * k].iter().map(move |p| p * t2))
                .collect()
        };
        let mut rng = rng(ctx.seed, Self::NAME);
        let mut params = ctx.original.clone();
        let mut opt = Stepper::new(c.optimizer, &params, c.lr);
        let mut guard = CollapseGuard::new(ctx, c.collapse_budget);
        let mut stats = UnlearnStats::default();
        let mut ascending = c.max_epochs > 0;
        let retain_fraction = c
            .retain_fraction
            .min(c.max_retain_samples as f64 / ctx.retain.len().max(1) as f64);
        for epoch in 0..c.epochs {
            if epoch < c.max_epochs && ascending {
                for idx in epoch_batches(ctx.forget.len(), c.forget_batch_size, 1.0, &mut rng) {
                    let (x, _, _) = batch(ctx.forget, &idx, k);
                    let targets = gather(&forget_t, &idx, -1.0);
                    let (_, grad) = loss_and_grad_at(
                        net,
                        &params,
                        &x,
                        &targets,
                        idx.len(),
                        idx.len() as f32,
                        t,
                    );
                    opt.step(&mut params, &grad);
                    stats.steps += 1;
                    stats.sample_gradients += idx.len() as u64;
                    if !guard.check(&params) {
                        ascending = false;
                        stats.notes.push(format!(
                            "max-steps ended in epoch {} when retain accuracy left the budget",
                            epoch + 1
                        ));
                        break;
                    }
                }
            }
            for idx in epoch_batches(
                ctx.retain.len(),
                c.retain_batch_size,
                retain_fraction,
                &mut rng,
            ) {
                let m = idx.len();
                let (x, _, onehot) = batch(ctx.retain, &idx, k);
                let mut targets = gather(&retain_t, &idx, 1.0);
                let grad = if t == 1.0 {
                    // Both terms are linear in the targets: one pass.
                    crate::common::axpy(&mut targets, c.alpha as f32, &onehot);
                    net.loss_and_grad(&params, &x, &targets, m, m as f32).1
                } else {
                    let (_, mut g) = loss_and_grad_at(net, &params, &x, &targets, m, m as f32, t);
                    let (_, ce) = net.loss_and_grad(&params, &x, &onehot, m, m as f32);
                    crate::common::axpy(&mut g, c.alpha as f32, &ce);
                    stats.sample_gradients += m as u64;
                    g
                };
                opt.step(&mut params, &grad);
                stats.steps += 1;
                stats.sample_gradients += m as u64;
            }
            stats.epochs = epoch + 1;
            if !guard.check(&params) {
                params = guard.stop(&mut stats, epoch);
                break;
            }
        }
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(Unlearned { params, stats })
    }
}
