//! The curvature kept between removals, so that a removal costs O(m·d²)
//! per binary model instead of an O(n·d²) Hessian over the remaining rows.
//!
//! For each binary model j it holds, for the *current* training set D′:
//!
//! * `H̃_j = Σ_{i∈D′} ℓ''(w_fᵀxᵢ) xᵢxᵢᵀ` (data part), the Hessian evaluated at
//!   earlier weights `w_f` ("the factor point"), kept as a full matrix;
//! * the Cholesky factor of `H̃_j + λ n_f I` (n_f: |D| when it was built),
//!   brought along by rank-one downdates `− ℓ''(w_fᵀxᵢ) xᵢxᵢᵀ` per removed
//!   row. It is only a preconditioner: steps are solved against
//!   `H̃_j + λ|D′| I` by iterative refinement and the linear residual left is
//!   computed explicitly and charged to the bound, so neither the changed
//!   regulariser nor rounding in the downdates can go unaccounted;
//!
//! and, shared by all models, the Gram matrix `G = XᵀX` of D′ (downdated per
//! removed row), which gives `‖Xv‖ = sqrt(vᵀGv)` in O(d²).
//!
//! It is derived state: rebuilt from the data at any time by
//! [`Curvature::build`] (k Hessian passes plus one Gram pass, O(k·n·d²): the
//! cost of one removal before this cache existed), not serialised, and
//! ignored by `CertifiedModel`'s equality.

use crate::linalg::{
    axpy, cholesky, norm, quad_form, sym_rank_one, upper_downdate, upper_from_lower, upper_solve,
};
use crate::train::{curvature_at, hessian_data, weighted_gram, DataView, Fitted};
use crate::CertifiedError;

/// Sweeps of a step solve at most (see [`ModelCurvature::solve`]); each
/// gains the ratio removed-since-refresh / |D| at the refresh, a few % at
/// most under the automatic policy.
const REFINE_SWEEPS: usize = 12;

/// Sweeps stop once they change v by at most this, relatively. What is left
/// shows in the computed `‖e‖`, which is charged to the bound.
const NEUMANN_TOL: f64 = 1e-13;

/// Per binary model, see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct ModelCurvature {
    /// w_f: the weights the data Hessian was evaluated at.
    pub at: Vec<f64>,
    /// H̃ = Σ_{D′} ℓ''(w_fᵀxᵢ)xᵢxᵢᵀ, full d × d.
    data: Vec<f64>,
    /// Cholesky factor `R` (upper, `RᵀR = data + factor_reg·I`).
    factor: Vec<f64>,
    /// The regulariser inside `factor`: λ·|D| when it was built.
    factor_reg: f64,
}

/// The cache of one `CertifiedModel`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Curvature {
    gram: Vec<f64>,
    pub models: Vec<ModelCurvature>,
    /// Exact-residual checks since the factor point last moved (what
    /// [`RefreshPolicy::Auto`](crate::RefreshPolicy::Auto) weighs against a
    /// refresh).
    pub checks_since_refresh: usize,
}

/// One solved step: `v = H̃⁻¹Δ` and `‖Δ − (H̃ + λ|D′|I)v‖`.
pub(crate) struct Step {
    pub v: Vec<f64>,
    pub solve_residual: f64,
}

impl Curvature {
    /// From the last Newton iterations of a fit (free: training computed
    /// them). `None` when some model needed no Newton step at all.
    pub fn from_fit(fitted: &mut Fitted) -> Option<Self> {
        let models = fitted
            .hessians
            .iter_mut()
            .map(|h| {
                h.take().map(|h| ModelCurvature {
                    factor: upper_from_lower(&h.factor, h.at.len()),
                    at: h.at,
                    data: h.data,
                    factor_reg: h.reg,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            gram: std::mem::take(&mut fitted.gram),
            models,
            checks_since_refresh: 0,
        })
    }

    /// Fresh curvature of every model at `weights` on the kept rows of
    /// `view`, plus their Gram matrix: O((k + 1)·n·d²).
    pub fn build(view: &DataView, weights: &[f64], lambda: f64) -> Result<Self, CertifiedError> {
        let d = view.dim;
        let k = weights.len() / d;
        let mut cache = Self {
            gram: weighted_gram(view, |_, _| 1.0),
            models: Vec::with_capacity(k),
            checks_since_refresh: 0,
        };
        cache.models = (0..k)
            .map(|j| model_curvature(view, &weights[j * d..(j + 1) * d], lambda))
            .collect::<Result<_, _>>()?;
        Ok(cache)
    }

    /// Moves every model's factor point to the current `weights` on the kept
    /// rows of `view` (the Gram matrix, already downdated, is kept): k
    /// Hessian passes, O(k·n·d²).
    pub fn refresh(
        &mut self,
        view: &DataView,
        weights: &[f64],
        lambda: f64,
    ) -> Result<(), CertifiedError> {
        let d = view.dim;
        for (j, m) in self.models.iter_mut().enumerate() {
            *m = model_curvature(view, &weights[j * d..(j + 1) * d], lambda)?;
        }
        self.checks_since_refresh = 0;
        Ok(())
    }

    /// Takes rows `rows` of `view` out of G, every H̃_j and every factor:
    /// O(|rows|·k·d²). On `Err` the factors are unusable (refresh them).
    pub fn downdate(&mut self, view: &DataView, rows: &[usize]) -> Result<(), CertifiedError> {
        let d = view.dim;
        let mut x = vec![0.0; d];
        let mut scaled = vec![0.0; d];
        let mut failed = None;
        for &i in rows {
            view.load(i, &mut x);
            sym_rank_one(&mut self.gram, d, -1.0, &x);
            for m in &mut self.models {
                let c = curvature_at(&m.at, &x);
                sym_rank_one(&mut m.data, d, -c, &x);
                scaled
                    .iter_mut()
                    .zip(&x)
                    .for_each(|(s, xi)| *s = c.sqrt() * xi);
                if let Err(e) = upper_downdate(&mut m.factor, d, &mut scaled) {
                    failed = Some(e);
                }
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// `‖Xv‖` over D′, from G. Clamped at 0 against rounding.
    pub fn x_norm(&self, v: &[f64]) -> f64 {
        quad_form(&self.gram, v.len(), v).max(0.0).sqrt()
    }
}

impl ModelCurvature {
    /// Solves `(H̃ + reg·I) v = Δ`, with `reg = λ|D′|`, on the factor of
    /// `H̃ + factor_reg·I`; returns v and the linear residual actually left.
    ///
    /// The two matrices differ by `c·I`, `c = factor_reg − reg = λ·(rows
    /// removed since the factor was built) ≥ 0`, so `v = F⁻¹(Δ + c·v)` is a
    /// contraction with ratio ≤ c/factor_reg (a few %): one triangular
    /// solve pair per sweep, no matrix product. One product at the end
    /// computes the residual that is charged.
    pub fn solve(&self, delta: &[f64], reg: f64) -> Step {
        let d = delta.len();
        let c = self.factor_reg - reg;
        let mut v = delta.to_vec();
        upper_solve(&self.factor, d, &mut v);
        for _ in 0..REFINE_SWEEPS {
            if c <= 0.0 {
                break;
            }
            let mut next = delta.to_vec();
            axpy(&mut next, c, &v);
            upper_solve(&self.factor, d, &mut next);
            let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).powi(2)).sum();
            v = next;
            if change.sqrt() <= NEUMANN_TOL * norm(&v) {
                break;
            }
        }
        // e = Δ − (H̃ + reg·I) v
        let mut e = delta.to_vec();
        for (a, ea) in e.iter_mut().enumerate() {
            let row = &self.data[a * d..(a + 1) * d];
            *ea -= row.iter().zip(&v).map(|(h, vi)| h * vi).sum::<f64>() + reg * v[a];
        }
        Step {
            v,
            solve_residual: norm(&e),
        }
    }
}

fn model_curvature(
    view: &DataView,
    w: &[f64],
    lambda: f64,
) -> Result<ModelCurvature, CertifiedError> {
    let d = view.dim;
    let data = hessian_data(view, w);
    let mut factor = data.clone();
    let reg = lambda * view.n_kept() as f64;
    for a in 0..d {
        factor[a * d + a] += reg;
    }
    cholesky(&mut factor, d)?;
    Ok(ModelCurvature {
        at: w.to_vec(),
        data,
        factor: upper_from_lower(&factor, d),
        factor_reg: reg,
    })
}
