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
    axpy, cholesky, cholesky_downdate, cholesky_solve, norm, quad_form, sym_rank_one,
};
use crate::train::{curvature_at, hessian_data, weighted_gram, DataView, Fitted};
use crate::CertifiedError;

/// Refinement sweeps of a step solve. The factor is exact up to the changed
/// regulariser (a relative perturbation of `removed/n_f`), so each sweep
/// gains that factor; 8 sweeps reach rounding for anything below 1%.
const REFINE_SWEEPS: usize = 8;

/// Per binary model, see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct ModelCurvature {
    /// w_f: the weights the data Hessian was evaluated at.
    pub at: Vec<f64>,
    /// H̃ = Σ_{D′} ℓ''(w_fᵀxᵢ)xᵢxᵢᵀ, full d × d.
    data: Vec<f64>,
    /// Lower Cholesky factor of `data + reg·I` (row-major, lower triangle).
    factor: Vec<f64>,
    /// Staleness and solve terms charged since the factor point was last
    /// moved (the quantity the refresh rule compares with a refresh's cost).
    pub stale_spent: f64,
}

/// The cache of one `CertifiedModel`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Curvature {
    gram: Vec<f64>,
    pub models: Vec<ModelCurvature>,
    /// d × d data passes a retrain costs (Newton iterations + Gram), as
    /// measured at the last fit, or estimated when built from data.
    pub retrain_passes: usize,
}

/// One solved step: `v = H̃⁻¹Δ` and `‖Δ − (H̃ + λ|D′|I)v‖`.
pub(crate) struct Step {
    pub v: Vec<f64>,
    pub solve_residual: f64,
}

/// Newton iterations assumed per model when the retrain cost was not
/// measured (a cache rebuilt after loading a model): the crate's Newton
/// converges in about 5 to 7 on well-scaled data.
const ASSUMED_NEWTON_ITERS: usize = 6;

impl Curvature {
    /// From the last Newton iterations of a fit (free: training computed
    /// them). `None` when some model needed no Newton step at all.
    pub fn from_fit(fitted: &mut Fitted) -> Option<Self> {
        let models = fitted
            .hessians
            .iter_mut()
            .map(|h| {
                h.take().map(|h| ModelCurvature {
                    at: h.at,
                    data: h.data,
                    factor: h.factor,
                    stale_spent: 0.0,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            gram: std::mem::take(&mut fitted.gram),
            models,
            retrain_passes: fitted.passes,
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
            retrain_passes: ASSUMED_NEWTON_ITERS * k + 1,
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
                if let Err(e) = cholesky_downdate(&mut m.factor, d, &mut scaled) {
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
    /// Solves `(H̃ + reg·I) v = Δ`, with `reg = λ|D′|`, by refinement on the
    /// factor; returns v and the linear residual actually left.
    pub fn solve(&self, delta: &[f64], reg: f64) -> Step {
        let d = delta.len();
        let mut v = delta.to_vec();
        cholesky_solve(&self.factor, d, &mut v);
        let target = 1e-15 * norm(delta);
        let mut sweep = 0;
        loop {
            // e = Δ − (H̃ + reg·I) v
            let mut e = delta.to_vec();
            for (a, ea) in e.iter_mut().enumerate() {
                let row = &self.data[a * d..(a + 1) * d];
                *ea -= row.iter().zip(&v).map(|(h, vi)| h * vi).sum::<f64>() + reg * v[a];
            }
            let en = norm(&e);
            if en <= target || sweep == REFINE_SWEEPS {
                return Step {
                    v,
                    solve_residual: en,
                };
            }
            cholesky_solve(&self.factor, d, &mut e);
            axpy(&mut v, 1.0, &e);
            sweep += 1;
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
        factor,
        stale_spent: 0.0,
    })
}
