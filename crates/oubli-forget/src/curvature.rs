//! Curvature without second-order autodiff, for `fisher` and `influence`.
//!
//! burn gives gradients only, so curvature comes from gradients: the diagonal Fisher from
//! squared gradients, Hessian-vector products from finite differences of gradients, and
//! inverse-Hessian-vector products from conjugate gradient over those products.

use crate::common::batch;
use oubli_data::Split;
use oubli_model::{one_hot, Network, Params};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Rows per gradient call when only a sum over samples is wanted.
const CHUNK: usize = 256;

/// `Σᵢ ∇ℓᵢ` (summed, not averaged) of the cross-entropy of `split[idx]` at `params`.
pub fn summed_grad(net: &Network, params: &Params, split: &Split, idx: &[usize]) -> Vec<f32> {
    let k = net.spec().num_classes;
    let mut sum = vec![0.0f32; params.len()];
    for chunk in idx.chunks(CHUNK) {
        let (x, _, t) = batch(split, chunk, k);
        let (_, g) = net.loss_and_grad(params, &x, &t, chunk.len(), 1.0);
        crate::common::axpy(&mut sum, 1.0, &g);
    }
    sum
}

/// Unbiased estimate of the diagonal of the mean *true* Fisher information
/// `E_x E_{y∼p_θ(·|x)} [(∇ log p_θ(y|x))²]` over `split[idx]`.
///
/// Labels are drawn from the model's own predictive distribution, so each per-sample score
/// has zero mean given its input. For a batch of `b` such samples the cross terms of the
/// squared *summed* gradient therefore vanish in expectation, and `(Σᵢ gᵢ)² / b` is an
/// unbiased estimate of the mean of `gᵢ²`: one backward pass per batch instead of one per
/// sample, at the price of more variance as `b` grows. Cost: `idx.len()` sample gradients.
pub fn true_fisher_diag(
    net: &Network,
    params: &Params,
    split: &Split,
    idx: &[usize],
    batch_size: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<f32> {
    let k = net.spec().num_classes;
    let mut fisher = vec![0.0f32; params.len()];
    let mut batches = 0usize;
    for chunk in idx.chunks(batch_size.max(1)) {
        let (x, _, _) = batch(split, chunk, k);
        let probs = net.probabilities(params, &x, chunk.len());
        let sampled: Vec<u32> = probs.chunks(k).map(|p| sample_class(p, rng)).collect();
        let t = one_hot(&sampled, k);
        let (_, g) = net.loss_and_grad(params, &x, &t, chunk.len(), 1.0);
        let scale = 1.0 / chunk.len() as f32;
        for (f, gi) in fisher.iter_mut().zip(&g) {
            *f += gi * gi * scale;
        }
        batches += 1;
    }
    let norm = 1.0 / batches.max(1) as f32;
    fisher.iter_mut().for_each(|f| *f *= norm);
    fisher
}

fn sample_class(p: &[f32], rng: &mut ChaCha8Rng) -> u32 {
    let u: f32 = rng.random();
    let mut acc = 0.0;
    for (c, &pc) in p.iter().enumerate() {
        acc += pc;
        if u < acc {
            return c as u32;
        }
    }
    (p.len() - 1) as u32
}

/// Hessian-vector products of the mean cross-entropy of a fixed batch, by central finite
/// differences of gradients: `Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε`.
///
/// `ε = radius / ‖v‖`, so the probe always moves the parameters by `radius` in Euclidean
/// norm: small enough for the quadratic model, large enough that f32 rounding of the
/// gradients stays far below the difference. ReLU kinks make this a Hessian of a slightly
/// smoothed loss, which is what a Newton step on a ReLU network needs anyway.
pub struct FiniteDiffHessian<'a> {
    net: &'a Network,
    params: &'a Params,
    x: Vec<f32>,
    t: Vec<f32>,
    n: usize,
    radius: f32,
    /// Gradient calls made so far (each costs `n` sample gradients).
    pub calls: u64,
}

impl<'a> FiniteDiffHessian<'a> {
    /// The Hessian at `params` of the mean loss over `split[idx]`.
    pub fn new(
        net: &'a Network,
        params: &'a Params,
        split: &Split,
        idx: &[usize],
        radius: f32,
    ) -> Self {
        let (x, _, t) = batch(split, idx, net.spec().num_classes);
        Self {
            net,
            params,
            x,
            t,
            n: idx.len(),
            radius,
            calls: 0,
        }
    }

    /// Samples in the batch.
    pub fn batch_len(&self) -> usize {
        self.n
    }

    /// `H v`.
    pub fn apply(&mut self, v: &[f32]) -> Vec<f32> {
        let norm = v.iter().map(|a| f64::from(*a).powi(2)).sum::<f64>().sqrt() as f32;
        if norm == 0.0 {
            return vec![0.0; v.len()];
        }
        let eps = self.radius / norm;
        let shifted = |sign: f32| {
            let mut p = self.params.clone();
            crate::common::axpy(&mut p.data, sign * eps, v);
            self.net
                .loss_and_grad(&p, &self.x, &self.t, self.n, self.n as f32)
                .1
        };
        let plus = shifted(1.0);
        let minus = shifted(-1.0);
        self.calls += 2;
        plus.iter()
            .zip(&minus)
            .map(|(a, b)| (a - b) / (2.0 * eps))
            .collect()
    }
}

/// How a conjugate-gradient solve ended.
#[derive(Debug, Clone, Copy)]
pub struct CgReport {
    /// Iterations run.
    pub iterations: usize,
    /// Final residual norm relative to `‖b‖`.
    pub relative_residual: f64,
    /// True when a direction of non-positive curvature stopped the solve.
    pub negative_curvature: bool,
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// Solves `(H + λI) x = b` by conjugate gradient from `x = 0`, for at most `max_iter`
/// iterations or until `‖r‖ ≤ tol·‖b‖`.
///
/// A ReLU network's Hessian is indefinite away from a minimum; damping `λ` makes it positive
/// definite on most directions, and a direction of non-positive curvature ends the solve
/// with the iterate so far (Steihaug's rule), which is still a descent-consistent step.
pub fn conjugate_gradient(
    mut hvp: impl FnMut(&[f32]) -> Vec<f32>,
    b: &[f32],
    damping: f32,
    max_iter: usize,
    tol: f64,
) -> (Vec<f32>, CgReport) {
    let mut x = vec![0.0f32; b.len()];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let b_norm = dot(b, b).sqrt().max(f64::MIN_POSITIVE);
    let mut rr = dot(&r, &r);
    let mut report = CgReport {
        iterations: 0,
        relative_residual: 1.0,
        negative_curvature: false,
    };
    for _ in 0..max_iter {
        if rr.sqrt() <= tol * b_norm {
            break;
        }
        let mut ap = hvp(&p);
        crate::common::axpy(&mut ap, damping, &p);
        let curvature = dot(&p, &ap);
        report.iterations += 1;
        if curvature <= 0.0 {
            report.negative_curvature = true;
            break;
        }
        let alpha = (rr / curvature) as f32;
        crate::common::axpy(&mut x, alpha, &p);
        crate::common::axpy(&mut r, -alpha, &ap);
        let rr_next = dot(&r, &r);
        let beta = (rr_next / rr) as f32;
        for (pi, ri) in p.iter_mut().zip(&r) {
            *pi = ri + beta * *pi;
        }
        rr = rr_next;
    }
    report.relative_residual = rr.sqrt() / b_norm;
    (x, report)
}
