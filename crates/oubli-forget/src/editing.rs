//! Building blocks of the fine-tuning / knowledge-editing family (`grad-ascent`,
//! `neggrad-plus`, `random-label`, `l1-sparse`, `salun`): shared config checks, paired
//! retain/forget minibatches, weighted batches that fold descent on one set and ascent on
//! another into a single forward+backward pass, Adam with a warm-up, and the two stopping
//! rules of a run ([`ForgetTarget`] and the collapse guard, together in [`Monitor`]).

mod stop;

pub use stop::{ForgetTarget, Monitor};

use crate::common::epoch_batches;
use crate::unlearner::invalid;
use crate::ForgetError;
use oubli_model::{OptimizerKind, OptimizerState, Params};
use rand_chacha::ChaCha8Rng;

/// The run fields most of the family share, checked one field at a time.
#[derive(Debug, Clone, Copy)]
pub struct RunFields {
    /// Passes (at least 1).
    pub epochs: usize,
    /// Learning rate (positive, finite).
    pub lr: f64,
    /// Minibatch size (at least 1).
    pub batch_size: usize,
    /// Share of the retain set sampled per epoch, in (0, 1]; `None` for methods without one.
    pub retain_fraction: Option<f64>,
    /// Collapse guard budget, in [0, 1].
    pub collapse_budget: f64,
}

impl RunFields {
    /// One typed error for the first invalid field of `method`'s config.
    pub fn validate(&self, method: &'static str) -> Result<(), ForgetError> {
        if self.epochs == 0 {
            return Err(invalid(method, "epochs", "must be at least 1"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(invalid(
                method,
                "lr",
                format!("must be a positive number, got {}", self.lr),
            ));
        }
        if self.batch_size == 0 {
            return Err(invalid(method, "batch_size", "must be at least 1"));
        }
        if let Some(f) = self.retain_fraction {
            if !(f > 0.0 && f <= 1.0) {
                return Err(invalid(
                    method,
                    "retain_fraction",
                    format!("must be in (0, 1], got {f}"),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.collapse_budget) {
            return Err(invalid(
                method,
                "collapse_budget",
                format!("must be in [0, 1], got {}", self.collapse_budget),
            ));
        }
        Ok(())
    }
}

/// Checks that `value` of `field` lies in `[lo, hi]`.
pub fn check_range(
    method: &'static str,
    field: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
) -> Result<(), ForgetError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            method,
            field,
            format!("must be in [{lo}, {hi}], got {value}"),
        ))
    }
}

/// One epoch of `(retain batch, forget batch)` pairs.
///
/// The epoch covers `retain_fraction` of the retain set and all of the forget set, each
/// shuffled; it has as many steps as the longer of the two, and the shorter one is cycled,
/// so every step sees both sets (the methods that mix them need both terms at every step).
pub fn paired_batches(
    n_retain: usize,
    n_forget: usize,
    batch: usize,
    retain_fraction: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    let retain = epoch_batches(n_retain, batch, retain_fraction, rng);
    let forget = epoch_batches(n_forget, batch, 1.0, rng);
    let steps = retain.len().max(forget.len());
    (0..steps)
        .map(|s| {
            (
                retain[s % retain.len()].clone(),
                forget[s % forget.len()].clone(),
            )
        })
        .collect()
}

/// Stacks two batches `(x, targets, weight)` into one batch for
/// [`oubli_model::Network::loss_and_grad`] with `denom = 1`: the target rows of each part are
/// multiplied by `weight / rows`, so the loss is `w_a·mean CE(a) + w_b·mean CE(b)`. A negative
/// weight turns descent on that part into ascent. One pass instead of two halves the
/// dispatch overhead and keeps the step a single gradient of the combined objective.
pub fn stack_weighted(
    parts: &[(&[f32], &[f32], f32)],
    dim: usize,
    k: usize,
) -> (Vec<f32>, Vec<f32>, usize) {
    let rows: usize = parts.iter().map(|(x, _, _)| x.len() / dim).sum();
    let mut x = Vec::with_capacity(rows * dim);
    let mut t = Vec::with_capacity(rows * k);
    for &(xp, tp, w) in parts {
        let n = xp.len() / dim;
        if n == 0 {
            continue;
        }
        x.extend_from_slice(xp);
        let scale = w / n as f32;
        t.extend(tp.iter().map(|v| v * scale));
    }
    (x, t, rows)
}

/// Adds `γ·sign(θᵢ)` to `grad` wherever `mask` is true: the subgradient of `γ‖θ‖₁` (0 at 0).
pub fn add_l1_subgradient(grad: &mut [f32], params: &[f32], mask: &[bool], gamma: f32) {
    for ((g, &p), &m) in grad.iter_mut().zip(params).zip(mask) {
        if m && p != 0.0 {
            *g += gamma * p.signum();
        }
    }
}

/// Zeroes `grad` wherever `mask` is false, so an optimiser started from zero state never
/// moves those parameters (Adam's moments stay exactly 0 there).
pub fn apply_mask(grad: &mut [f32], mask: &[bool]) {
    for (g, &m) in grad.iter_mut().zip(mask) {
        if !m {
            *g = 0.0;
        }
    }
}

/// Adam over the whole parameter vector with a linear warm-up of the learning rate over the
/// first `warmup` steps, then constant.
///
/// Adam's first update is `lr·sign(g)` for *every* parameter, whatever the size of its
/// gradient: a jolt of the whole network that costs a trained model a few points of test
/// accuracy by itself. A short ramp keeps that jolt small, which matters to the methods that
/// stop early (a random forget set needs only a dent) and costs little to those that run
/// long (a forgotten class).
pub struct WarmupAdam {
    state: OptimizerState,
    lr: f64,
    warmup: usize,
    decay_mask: Vec<bool>,
}

impl WarmupAdam {
    /// A fresh optimiser for `params`, rate `lr` reached after `warmup` steps.
    pub fn new(params: &Params, lr: f64, warmup: usize) -> Self {
        Self {
            state: OptimizerState::new(OptimizerKind::Adam, params.len(), 0.9),
            lr,
            warmup,
            decay_mask: params.weight_mask(),
        }
    }

    /// The rate of the next step.
    pub fn lr(&self) -> f64 {
        let t = self.state.t as usize + 1;
        if t < self.warmup {
            self.lr * t as f64 / self.warmup as f64
        } else {
            self.lr
        }
    }

    /// Multiplies the configured rate by `factor` (the collapse guard's backoff).
    pub fn scale_lr(&mut self, factor: f64) {
        self.lr *= factor;
    }

    /// Applies gradient `grad` to `params` (no weight decay).
    pub fn step(&mut self, params: &mut Params, grad: &[f32]) {
        let lr = self.lr() as f32;
        self.state
            .step(&mut params.data, grad, lr, 0.0, &self.decay_mask);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::rng;

    #[test]
    fn stacked_rows_are_weighted_means() {
        // Two rows in part a (weight 1), one in part b (weight −0.5), k = 2, dim = 1.
        let (x, t, n) = stack_weighted(
            &[
                (&[1.0, 2.0], &[1.0, 0.0, 0.0, 1.0], 1.0),
                (&[3.0], &[0.0, 1.0], -0.5),
            ],
            1,
            2,
        );
        assert_eq!(n, 3);
        assert_eq!(x, vec![1.0, 2.0, 3.0]);
        assert_eq!(t, vec![0.5, 0.0, 0.0, 0.5, 0.0, -0.5]);
    }

    #[test]
    fn empty_parts_are_skipped() {
        let (x, t, n) = stack_weighted(&[(&[], &[], 1.0), (&[3.0], &[0.0, 1.0], 2.0)], 1, 2);
        assert_eq!((x, t, n), (vec![3.0], vec![0.0, 2.0], 1));
    }

    #[test]
    fn pairs_cover_both_sets_and_cycle_the_shorter() {
        let mut r = rng(3, "test");
        let pairs = paired_batches(100, 10, 8, 0.5, &mut r);
        // 50 retain samples in 7 batches, 10 forget samples in 2 batches, cycled.
        assert_eq!(pairs.len(), 7);
        let mut forget: Vec<usize> = pairs[..2].iter().flat_map(|p| p.1.clone()).collect();
        forget.sort_unstable();
        assert_eq!(forget, (0..10).collect::<Vec<_>>());
        assert_eq!(pairs[2].1, pairs[0].1);
        let retain: usize = pairs.iter().map(|p| p.0.len()).sum();
        assert_eq!(retain, 50);
    }

    #[test]
    fn l1_subgradient_and_mask() {
        let mut g = vec![0.0, 1.0, 1.0, 1.0];
        add_l1_subgradient(
            &mut g,
            &[2.0, -3.0, 0.0, 5.0],
            &[true, true, true, false],
            0.5,
        );
        assert_eq!(g, vec![0.5, 0.5, 1.0, 1.0]);
        apply_mask(&mut g, &[true, false, true, false]);
        assert_eq!(g, vec![0.5, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn range_and_run_field_errors_name_the_field() {
        let ok = RunFields {
            epochs: 1,
            lr: 1e-3,
            batch_size: 1,
            retain_fraction: Some(1.0),
            collapse_budget: 0.0,
        };
        assert!(ok.validate("m").is_ok());
        let field = |r: Result<(), ForgetError>| match r {
            Err(ForgetError::InvalidConfig { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(RunFields { epochs: 0, ..ok }.validate("m")), "epochs");
        assert_eq!(field(RunFields { lr: f64::NAN, ..ok }.validate("m")), "lr");
        assert_eq!(
            field(
                RunFields {
                    batch_size: 0,
                    ..ok
                }
                .validate("m")
            ),
            "batch_size"
        );
        assert_eq!(
            field(
                RunFields {
                    collapse_budget: 2.0,
                    ..ok
                }
                .validate("m")
            ),
            "collapse_budget"
        );
        assert_eq!(
            field(
                RunFields {
                    retain_fraction: Some(0.0),
                    ..ok
                }
                .validate("m")
            ),
            "retain_fraction"
        );
        assert_eq!(field(check_range("m", "alpha", 1.5, 0.0, 1.0)), "alpha");
    }
}
