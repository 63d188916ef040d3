//! Building blocks shared by the gradient-based methods: seeded minibatches, target rows,
//! an optimiser with a constant rate, and the collapse guard.

use crate::unlearner::{ForgetContext, UnlearnStats};
use oubli_data::Split;
use oubli_model::{evaluate, gather_rows, one_hot, Network, OptimizerKind, OptimizerState, Params};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded RNG for stream `stream` of a method run.
pub fn rng(seed: u64, stream: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(oubli_model::derive_seed(seed, stream, 0))
}

/// Shuffled minibatches of indices into a split of `n` samples, optionally only a
/// `fraction` of them per epoch (fine-tuning on all of a large retain set would cost as
/// much as retraining).
pub fn epoch_batches(
    n: usize,
    batch: usize,
    fraction: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let keep = ((n as f64 * fraction).round() as usize).clamp(1.min(n), n);
    order.truncate(keep);
    order.chunks(batch.max(1)).map(<[usize]>::to_vec).collect()
}

/// Batch features, true labels and one-hot targets of `indices`.
pub fn batch(split: &Split, indices: &[usize], k: usize) -> (Vec<f32>, Vec<u32>, Vec<f32>) {
    let x = gather_rows(split, indices);
    let labels: Vec<u32> = indices.iter().map(|&i| split.labels[i]).collect();
    let t = one_hot(&labels, k);
    (x, labels, t)
}

/// One-hot targets of uniformly random *wrong* labels (the random-label method's relabelling).
pub fn random_wrong_labels(labels: &[u32], k: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let wrong: Vec<u32> = labels
        .iter()
        .map(|&y| {
            let r = rng.random_range(0..k as u32 - 1);
            if r >= y {
                r + 1
            } else {
                r
            }
        })
        .collect();
    one_hot(&wrong, k)
}

/// An optimiser at a constant learning rate over the whole parameter vector.
pub struct Stepper {
    state: OptimizerState,
    lr: f32,
    decay_mask: Vec<bool>,
}

impl Stepper {
    /// A fresh optimiser for `params`.
    pub fn new(kind: OptimizerKind, params: &Params, lr: f64) -> Self {
        Self {
            state: OptimizerState::new(kind, params.len(), 0.9),
            lr: lr as f32,
            decay_mask: params.weight_mask(),
        }
    }
    /// Applies gradient `grad` to `params`.
    pub fn step(&mut self, params: &mut Params, grad: &[f32]) {
        self.state
            .step(&mut params.data, grad, self.lr, 0.0, &self.decay_mask);
    }
}

/// Adds `scale · other` to `acc`.
pub fn axpy(acc: &mut [f32], scale: f32, other: &[f32]) {
    for (a, o) in acc.iter_mut().zip(other) {
        *a += scale * o;
    }
}

/// Stops a method whose retain accuracy collapses.
///
/// It watches accuracy on a fixed, seeded slice of the retain set (at most 1,000 samples).
/// When that accuracy falls more than `budget` (a fraction: 0.03 = 3 points) below the
/// original model's, the method must stop and return the last state that was within budget.
/// Evaluations are forward passes only and are not counted as sample gradients.
pub struct CollapseGuard<'a> {
    net: &'a Network,
    holdout: Split,
    baseline: f64,
    budget: f64,
    last_good: Params,
}

/// Samples in the guard's slice of the retain set.
const GUARD_SAMPLES: usize = 1000;

impl<'a> CollapseGuard<'a> {
    /// A guard for `ctx` with the given budget (fraction of accuracy).
    pub fn new(ctx: &ForgetContext<'a>, budget: f64) -> Self {
        let mut idx: Vec<usize> = (0..ctx.retain.len()).collect();
        idx.shuffle(&mut rng(ctx.seed, "collapse-guard"));
        idx.truncate(GUARD_SAMPLES);
        idx.sort_unstable();
        let holdout = ctx.retain.subset(&idx);
        let baseline = evaluate(ctx.net, ctx.original, &holdout).accuracy;
        Self {
            net: ctx.net,
            holdout,
            baseline,
            budget,
            last_good: ctx.original.clone(),
        }
    }

    /// Checks `params`; returns `true` when they are within budget (and remembers them).
    pub fn check(&mut self, params: &Params) -> bool {
        let acc = evaluate(self.net, params, &self.holdout).accuracy;
        if acc + self.budget >= self.baseline || self.holdout.is_empty() {
            self.last_good = params.clone();
            true
        } else {
            false
        }
    }

    /// The last parameters [`check`](Self::check) found within budget (the original's at first).
    pub fn last_good(&self) -> &Params {
        &self.last_good
    }

    /// Marks `stats` as stopped by the guard and returns the last good parameters.
    pub fn stop(self, stats: &mut UnlearnStats, epoch: usize) -> Params {
        stats.collapse_guard_triggered = true;
        stats.notes.push(format!(
            "collapse guard: retain accuracy fell more than {:.1} points below the original's {:.1}% in epoch {}; returned the last state within budget",
            self.budget * 100.0,
            self.baseline * 100.0,
            epoch + 1
        ));
        self.last_good
    }
}
