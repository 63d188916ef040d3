//! Training (the paper's Algorithm 1): exact minimisation of the perturbed
//! objective (Guo et al., Sec. 3, loss perturbation)
//!
//! `L_b(w; D) = Σᵢ ℓ(wᵀxᵢ, yᵢ) + (λ n / 2)‖w‖² + bᵀw`,  ℓ(z, y) = ln(1 + e^{−yz}),
//!
//! by Newton's method with a Cholesky solve, plus the data kernels shared
//! with removal. Rows are read as f32 and scaled on the fly, so no n × d f64
//! copy of the data is ever made (60k × 800 would be 384 MB).

use std::ops::Range;

use rayon::prelude::*;

use crate::linalg::{axpy, cholesky, cholesky_solve, dot, norm, spectral_norm_upper_bound};
use crate::{CertifiedError, ValidCertifiedParams};

/// Read-only view of a training set, optionally with rows masked out
/// (`removed[i] == true`), so removal and retraining on D′ need no copy.
/// `labels` may be empty for the label-free kernels ([`weighted_gram`]),
/// as ridge regression uses them.
pub(crate) struct DataView<'a> {
    pub x: &'a [f32],
    pub labels: &'a [u32],
    pub dim: usize,
    pub scale: f64,
    pub removed: Option<&'a [bool]>,
}

impl DataView<'_> {
    pub fn n_rows(&self) -> usize {
        self.x.len() / self.dim
    }

    /// |D′|: rows not masked out.
    pub fn n_kept(&self) -> usize {
        match self.removed {
            Some(r) => r.iter().filter(|&&m| !m).count(),
            None => self.n_rows(),
        }
    }

    pub fn kept(&self, i: usize) -> bool {
        self.removed.is_none_or(|r| !r[i])
    }

    /// Row i, scaled so that ‖xᵢ‖ ≤ 1, into `buf`.
    pub fn load(&self, i: usize, buf: &mut [f64]) {
        let row = &self.x[i * self.dim..(i + 1) * self.dim];
        for (b, &v) in buf.iter_mut().zip(row) {
            *b = f64::from(v) * self.scale;
        }
    }

    /// ±1 target of row i for binary model `model`: one-vs-rest for k ≥ 3,
    /// "label == 1" for the single model of a 2-class problem.
    pub fn target(&self, i: usize, model: usize, num_models: usize) -> f64 {
        let positive = if num_models == 1 {
            self.labels[i] == 1
        } else {
            self.labels[i] as usize == model
        };
        if positive {
            1.0
        } else {
            -1.0
        }
    }
}

/// Numerically stable logistic sigmoid.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + e^t) without overflow.
fn softplus(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// Fixed, thread-count-independent row partition: sums are reduced in the
/// same order on every machine, so retraining is bit-reproducible given the
/// data and b. At most 8 groups bounds the memory of the per-group d × d
/// Hessian partials (8 × 5 MB at d = 800).
fn groups(n: usize) -> Vec<Range<usize>> {
    let g = (n / 1024).clamp(1, 8);
    (0..g).map(|k| k * n / g..(k + 1) * n / g).collect()
}

fn par_groups<T: Send>(n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    groups(n).into_par_iter().map(&f).collect()
}

/// `Σ_{i kept} ℓ(zᵢ, yᵢ)` and `Σ_{i kept} ℓ'(zᵢ, yᵢ) xᵢ` at z = wᵀx: the data
/// part of the objective and of its gradient. With `LOSS = false` the loss
/// (a transcendental per row) is skipped and returned as 0; the gradient is
/// bit-identical either way.
pub(crate) fn loss_and_grad<const LOSS: bool>(
    view: &DataView,
    model: usize,
    num_models: usize,
    w: &[f64],
) -> (f64, Vec<f64>) {
    let d = view.dim;
    let parts = par_groups(view.n_rows(), |rows| {
        let mut row = vec![0.0; d];
        let mut g = vec![0.0; d];
        let mut f = 0.0;
        for i in rows.filter(|&i| view.kept(i)) {
            view.load(i, &mut row);
            let y = view.target(i, model, num_models);
            let yz = y * dot(w, &row);
            if LOSS {
                f += softplus(-yz);
            }
            // ℓ'(z, y) = −y σ(−yz)
            axpy(&mut g, -y * sigmoid(-yz), &row);
        }
        (f, g)
    });
    let mut f = 0.0;
    let mut g = vec![0.0; d];
    for (pf, pg) in parts {
        f += pf;
        axpy(&mut g, 1.0, &pg);
    }
    (f, g)
}

/// `Σ_{i kept} cᵢ xᵢ xᵢᵀ` (full symmetric d × d) with `cᵢ = coef(i, xᵢ)`.
///
/// Rows are processed 32 at a time so each row of the accumulator stays in
/// cache while 32 rank-1 updates hit it (the naive per-row rank-1 update is
/// memory-bound on H for d in the hundreds).
pub(crate) fn weighted_gram(
    view: &DataView,
    coef: impl Fn(usize, &[f64]) -> f64 + Sync,
) -> Vec<f64> {
    const B: usize = 32;
    let d = view.dim;
    let parts = par_groups(view.n_rows(), |rows| {
        let mut h = vec![0.0; d * d];
        let mut u = vec![0.0; B * d]; // cᵢ xᵢ
        let mut v = vec![0.0; B * d]; // xᵢ
        let mut nb = 0;
        let flush = |h: &mut [f64], u: &[f64], v: &[f64], nb: usize| rank_update(h, u, v, nb, d);
        for i in rows.filter(|&i| view.kept(i)) {
            let vr = &mut v[nb * d..(nb + 1) * d];
            view.load(i, vr);
            let c = coef(i, vr);
            for (ua, va) in u[nb * d..(nb + 1) * d].iter_mut().zip(vr.iter()) {
                *ua = c * va;
            }
            nb += 1;
            if nb == B {
                flush(&mut h, &u, &v, nb);
                nb = 0;
            }
        }
        flush(&mut h, &u, &v, nb);
        h
    });
    let mut h = vec![0.0; d * d];
    for p in parts {
        axpy(&mut h, 1.0, &p);
    }
    // Only the upper triangle was accumulated; mirror it.
    for a in 0..d {
        for b in 0..a {
            h[a * d + b] = h[b * d + a];
        }
    }
    h
}

/// `H[a, a..] += Σ_r u[r, a] · v[r, a..]` for the `nb` buffered rows: the
/// upper triangle of `Σ_r u_r v_rᵀ`. This loop is where training and
/// removal spend nearly all their time.
#[inline(always)]
fn rank_update_generic(h: &mut [f64], u: &[f64], v: &[f64], nb: usize, d: usize) {
    for a in 0..d {
        let hrow = &mut h[a * d + a..(a + 1) * d];
        for r in 0..nb {
            let c = u[r * d + a];
            if c != 0.0 {
                axpy(hrow, c, &v[r * d + a..(r + 1) * d]);
            }
        }
    }
}

/// [`rank_update_generic`] compiled for AVX2 (4 f64 lanes instead of
/// SSE2's 2). Only the vector width changes, not the floating-point
/// operations (no FMA contraction), so results are bit-identical to the
/// generic path and models stay reproducible across machines.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rank_update_avx2(h: &mut [f64], u: &[f64], v: &[f64], nb: usize, d: usize) {
    rank_update_generic(h, u, v, nb, d);
}

fn rank_update(h: &mut [f64], u: &[f64], v: &[f64], nb: usize, d: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just checked to support AVX2.
        unsafe { rank_update_avx2(h, u, v, nb, d) };
        return;
    }
    rank_update_generic(h, u, v, nb, d);
}

/// `ℓ''(wᵀx) = σ(z)σ(−z)` (independent of the label).
pub(crate) fn curvature_at(w: &[f64], row: &[f64]) -> f64 {
    let s = sigmoid(dot(w, row));
    s * (1.0 - s)
}

/// Data part of the Hessian, `Σ_{i kept} ℓ''(wᵀxᵢ) xᵢ xᵢᵀ`.
pub(crate) fn hessian_data(view: &DataView, w: &[f64]) -> Vec<f64> {
    weighted_gram(view, |_, row| curvature_at(w, row))
}

/// Full perturbed gradient `∇L_b(w; D′) = Σ ℓ'xᵢ + λ n′ w + b` and its norm.
pub(crate) fn full_gradient(
    view: &DataView,
    model: usize,
    num_models: usize,
    w: &[f64],
    b: &[f64],
    lambda: f64,
) -> Vec<f64> {
    let reg = lambda * view.n_kept() as f64;
    let (_, mut g) = loss_and_grad::<false>(view, model, num_models, w);
    axpy(&mut g, reg, w);
    axpy(&mut g, 1.0, b);
    g
}

/// Result of fitting all binary models on one data set.
pub(crate) struct Fitted {
    /// `num_models × d`, row-major.
    pub weights: Vec<f64>,
    /// ‖∇L_b(w_j; D)‖ actually reached per model: charged to the budget,
    /// because w_j is the exact minimiser only for a perturbation shifted
    /// by this residual.
    pub residuals: Vec<f64>,
    /// Verified upper bound on ‖X‖₂ of the data fitted on.
    pub norm_bound: f64,
    /// `XᵀX` of the data fitted on (full d × d).
    pub gram: Vec<f64>,
    /// Per model, the last Hessian Newton factorised; `None` if Newton
    /// needed none (w = 0 already met `tol`).
    pub hessians: Vec<Option<NewtonHessian>>,
}

/// The curvature of Newton's last iteration: where it was taken, its data
/// part and the Cholesky factor of data part + λ|D|I.
pub(crate) struct NewtonHessian {
    pub at: Vec<f64>,
    pub data: Vec<f64>,
    pub factor: Vec<f64>,
    pub reg: f64,
}

/// What [`newton`] returns: weights, gradient norm reached, last Hessian.
struct NewtonResult {
    w: Vec<f64>,
    grad_norm: f64,
    hessian: Option<NewtonHessian>,
}

/// Minimises `L_b` for one binary model with damped Newton (Armijo
/// backtracking; the full step is accepted near the optimum, giving
/// quadratic convergence). Starts from 0 so the result depends only on
/// (D, b, λ): that is what "exact retraining" means for the certificate.
fn newton(
    view: &DataView,
    model: usize,
    num_models: usize,
    b: &[f64],
    params: &ValidCertifiedParams,
) -> Result<NewtonResult, CertifiedError> {
    let d = view.dim;
    let reg = params.lambda() * view.n_kept() as f64;
    let objective = |w: &[f64]| {
        let (f, mut g) = loss_and_grad::<true>(view, model, num_models, w);
        axpy(&mut g, reg, w);
        axpy(&mut g, 1.0, b);
        (f + 0.5 * reg * dot(w, w) + dot(b, w), g)
    };
    let mut w = vec![0.0; d];
    let (mut f, mut g) = objective(&w);
    let mut gn = norm(&g);
    let mut last: Option<NewtonHessian> = None;
    let done = |w: Vec<f64>, gn: f64, last: Option<NewtonHessian>| {
        Ok(NewtonResult {
            w,
            grad_norm: gn,
            hessian: last,
        })
    };
    for iter in 0..params.max_newton_iters() {
        if gn <= params.tol() {
            return done(w, gn, last);
        }
        let data = hessian_data(view, &w);
        let mut h = data.clone();
        for a in 0..d {
            h[a * d + a] += reg;
        }
        cholesky(&mut h, d)?;
        let mut p: Vec<f64> = g.iter().map(|x| -x).collect();
        cholesky_solve(&h, d, &mut p);
        last = Some(NewtonHessian {
            at: w.clone(),
            data,
            factor: h,
            reg,
        });
        let slope = dot(&g, &p); // < 0: H is positive definite
                                 // Rounding slack so that, at the numerical floor of f, a step that
                                 // still shrinks the gradient is not rejected for a 1e-16 rise in f.
        let slack = 1e-13 * (f.abs() + 1.0);
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = w.iter().zip(&p).map(|(wi, pi)| wi + t * pi).collect();
            let (ft, gt) = objective(&trial);
            if ft <= f + 1e-4 * t * slope + slack {
                w = trial;
                f = ft;
                g = gt;
                gn = norm(&g);
                break;
            }
            t *= 0.5;
            if t < 1e-12 {
                // No decrease possible: we are at the floating-point floor.
                return if gn <= params.tol() {
                    done(w, gn, last)
                } else {
                    Err(CertifiedError::NotConverged {
                        model,
                        iters: iter + 1,
                        grad_norm: gn,
                    })
                };
            }
        }
    }
    if gn <= params.tol() {
        done(w, gn, last)
    } else {
        Err(CertifiedError::NotConverged {
            model,
            iters: params.max_newton_iters(),
            grad_norm: gn,
        })
    }
}

/// Fits every binary model on `view` with its own slice of `noise`, and
/// bounds ‖X‖₂ for later removals.
pub(crate) fn fit(
    view: &DataView,
    num_models: usize,
    noise: &[f64],
    params: &ValidCertifiedParams,
) -> Result<Fitted, CertifiedError> {
    let d = view.dim;
    let mut weights = Vec::with_capacity(num_models * d);
    let mut residuals = Vec::with_capacity(num_models);
    let mut hessians = Vec::with_capacity(num_models);
    for j in 0..num_models {
        let r = newton(view, j, num_models, &noise[j * d..(j + 1) * d], params)?;
        weights.extend_from_slice(&r.w);
        residuals.push(r.grad_norm);
        hessians.push(r.hessian);
    }
    // ‖X‖₂ of D bounds ‖X‖₂ of every subset of D (deleting rows cannot grow
    // the top singular value), so this one O(n d²) pass serves all removals
    // until the next retrain.
    let gram = weighted_gram(view, |_, _| 1.0);
    let norm_bound = spectral_norm_upper_bound(&gram, d).sqrt();
    Ok(Fitted {
        weights,
        residuals,
        norm_bound,
        gram,
        hessians,
    })
}
