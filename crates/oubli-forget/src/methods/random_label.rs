//! `random-label`: fine-tune with the forget set relabelled at random.
//!
//! Each forget sample gets one uniformly drawn *wrong* label, fixed for the run, and the model
//! is fine-tuned on those together with correctly labelled retain batches (Golatkar, Achille
//! & Soatto, "Eternal Sunshine of the Spotless Net", CVPR 2020, as a baseline; Graves,
//! Nagisetty & Ganesh, "Amnesiac Machine Learning", AAAI 2021, as "unlearning by
//! relabelling"). The same loop, restricted to a saliency mask, is [`salun`](super::salun).
//!
//! Two departures from the plain recipe, both switchable, keep it from overwriting the model:
//! - `drop_forgotten`: a forget sample leaves the relabelled loss while the model no longer
//!   predicts its true label. The random label is a means to un-learn the sample, not a
//!   target to memorise; fitting noise labels beyond that rewrites the function around them
//!   (on `digits`, relabelling a whole class for the default 5 epochs costs 7 points of
//!   retain accuracy without it, under 1 with it). Which samples still count is decided by a forward pass,
//!   not counted as sample gradients (like the guard's evaluations); dropped rows are not
//!   in the backward pass and not counted either.
//! - `stop_at_target`: the run ends at the [`ForgetTarget`](crate::ForgetTarget),
//!   as for the ascent methods.

use crate::common::{batch, random_wrong_labels, rng};
use crate::editing::{
    apply_mask, check_range, paired_batches, stack_weighted, Monitor, RunFields, WarmupAdam,
};
use crate::unlearner::{ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use oubli_model::{gather_rows, Network, Params};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `random-label`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomLabelConfig {
    /// Epochs, at most; each covers the forget set once and `retain_fraction` of the retain
    /// set, cycling the shorter. Default: 5.
    pub epochs: usize,
    /// Learning rate (Adam). Default: 7e-4.
    pub lr: f64,
    /// Steps over which the rate ramps up linearly from 0 (softens Adam's first,
    /// sign-sized updates). Default: 10.
    pub warmup_steps: usize,
    /// Minibatch size of each of the two batches of a step. Default: 32.
    pub batch_size: usize,
    /// Share of the retain set sampled per epoch. Default: 0.2.
    pub retain_fraction: f64,
    /// Weight of the relabelled forget loss relative to the retain loss (weight 1).
    /// Default: 0.5.
    pub forget_weight: f64,
    /// Leave a forget sample out of the relabelled loss while the model already
    /// misclassifies it. Default: true.
    pub drop_forgotten: bool,
    /// Stop as soon as forget accuracy reaches the
    /// [`ForgetTarget`](crate::ForgetTarget) (checked after every step).
    /// Default: true.
    pub stop_at_target: bool,
    /// Collapse guard budget: stop when retain accuracy falls more than this many
    /// fraction-points below the original's. Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for RandomLabelConfig {
    fn default() -> Self {
        Self {
            epochs: 5,
            lr: 7e-4,
            warmup_steps: 10,
            batch_size: 32,
            retain_fraction: 0.2,
            forget_weight: 0.5,
            drop_forgotten: true,
            stop_at_target: true,
            collapse_budget: 0.03,
        }
    }
}

impl RandomLabelConfig {
    /// Checks every field, naming `method` (`salun` reuses these fields).
    pub(crate) fn validate_as(&self, method: &'static str) -> Result<(), ForgetError> {
        RunFields {
            epochs: self.epochs,
            lr: self.lr,
            batch_size: self.batch_size,
            retain_fraction: Some(self.retain_fraction),
            collapse_budget: self.collapse_budget,
        }
        .validate(method)?;
        check_range(method, "forget_weight", self.forget_weight, 0.0, 1e3)
    }
}

impl MethodConfig for RandomLabelConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        self.validate_as(RandomLabel::NAME)
    }
}

/// Random-label fine-tuning.
pub struct RandomLabel;

impl Unlearner for RandomLabel {
    const NAME: &'static str = "random-label";
    const FAMILY: &'static str = "fine-tuning";
    const SUMMARY: &'static str =
        "fine-tune on the forget set with random wrong labels, mixed with retain batches";
    const PAPER: &'static str =
        "Golatkar et al., CVPR 2020; Graves et al., AAAI 2021 (random relabelling)";
    type Config = RandomLabelConfig;

    fn unlearn(c: &RandomLabelConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        Ok(relabel_finetune(
            c,
            ctx,
            None,
            Self::NAME,
            UnlearnStats::default(),
        ))
    }
}

/// The random-label loop, shared with `salun`. With `mask`, only parameters where it is true
/// move. `stats` carries whatever the caller already spent (salun's saliency pass).
pub(crate) fn relabel_finetune(
    c: &RandomLabelConfig,
    ctx: &ForgetContext<'_>,
    mask: Option<&[bool]>,
    stream: &str,
    mut stats: UnlearnStats,
) -> Unlearned {
    let start = Instant::now();
    let k = ctx.net.spec().num_classes;
    let dim = ctx.net.spec().input_dim();
    let mut params = ctx.original.clone();
    let mut opt = WarmupAdam::new(&params, c.lr, c.warmup_steps);
    let mut monitor = Monitor::new(ctx, c.collapse_budget, c.stop_at_target);
    let mut rng = rng(ctx.seed, stream);
    // One wrong label per forget sample for the whole run, as in the papers: a label that
    // changed every step would only flatten the output, not overwrite it.
    let wrong = random_wrong_labels(&ctx.forget.labels, k, &mut rng);
    'run: for epoch in 0..c.epochs {
        let pairs = paired_batches(
            ctx.retain.len(),
            ctx.forget.len(),
            c.batch_size,
            c.retain_fraction,
            &mut rng,
        );
        for (ri, drawn) in pairs {
            let fi = if c.drop_forgotten {
                still_predicted(ctx.net, &params, ctx.forget, &drawn)
            } else {
                drawn.clone()
            };
            let (xr, _, tr) = batch(ctx.retain, &ri, k);
            let xf = gather_rows(ctx.forget, &fi);
            let tf: Vec<f32> = fi
                .iter()
                .flat_map(|&i| wrong[i * k..(i + 1) * k].iter().copied())
                .collect();
            // The forget loss stays a mean over the batch as drawn: a sample's weight must not
            // grow as its neighbours drop out, or the last stubborn samples get all the push.
            let wf = c.forget_weight as f32 * fi.len() as f32 / drawn.len().max(1) as f32;
            let (x, t, n) = stack_weighted(&[(&xr, &tr, 1.0), (&xf, &tf, wf)], dim, k);
            let (_, mut grad) = ctx.net.loss_and_grad(&params, &x, &t, n, 1.0);
            if let Some(mask) = mask {
                apply_mask(&mut grad, mask);
            }
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
    stats.seconds += start.elapsed().as_secs_f64();
    Unlearned { params, stats }
}

/// The indices among `idx` whose true label `params` still predicts (ties count as
/// predicted, so a sample on the boundary keeps being pushed).
fn still_predicted(
    net: &Network,
    params: &Params,
    split: &oubli_data::Split,
    idx: &[usize],
) -> Vec<usize> {
    if idx.is_empty() {
        return Vec::new();
    }
    let k = net.spec().num_classes;
    let logits = net.logits(params, &gather_rows(split, idx), idx.len());
    idx.iter()
        .zip(logits.chunks(k))
        .filter(|(&i, row)| {
            let own = row[split.labels[i] as usize];
            row.iter().all(|&z| z <= own)
        })
        .map(|(&i, _)| i)
        .collect()
}
