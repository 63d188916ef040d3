//! Certified removal (the paper's Algorithm 2, batch form) with a kept,
//! downdated Hessian: Newton update, residual bound, budget test, refresh
//! of the curvature, retrain.
//!
//! # The step and its residual bound
//!
//! Notation of Guo et al.: w the current weights (residual `r = ∇L_b(w; D)`,
//! `‖r‖ ≤ β` accumulated so far), S the m removed points, D′ = D \ S,
//! `Δ = mλw + Σ_{i∈S} ∇ℓ(wᵀxᵢ, yᵢ)`, so `∇L_b(w; D′) = r − Δ`; X the rows of
//! D′ (‖xᵢ‖ ≤ 1), γ the Lipschitz constant of ℓ''.
//!
//! Instead of the Hessian `H = ∇²L(w; D′)` we solve with
//! `H̃ = Σ_{D′} ℓ''(w_fᵀxᵢ)xᵢxᵢᵀ + λ|D′|I`, the Hessian at the earlier
//! weights w_f where the curvature was last evaluated ("factor point"),
//! kept and downdated by each removed row. The step is `v = H̃⁻¹Δ` (solved
//! to a computed linear residual `e = Δ − H̃v`), `w⁻ = w + v`. Then, exactly,
//!
//! `∇L_b(w⁻; D′) = r − Δ + Hv + T = r − e + (H − H̃)v + T`,
//!
//! with the Taylor remainder `T = Σ_{D′} [ℓ'(w⁻ᵀxᵢ) − ℓ'(wᵀxᵢ) − ℓ''(wᵀxᵢ)vᵀxᵢ] xᵢ`
//! (the λ‖w‖² and bᵀw terms are quadratic and linear: no remainder). Each
//! bracket is at most `(γ/2)(vᵀxᵢ)²` and ‖xᵢ‖ ≤ 1, so
//! `‖T‖ ≤ (γ/2) Σ(vᵀxᵢ)² = (γ/2)‖Xv‖²`. With `u = w − w_f`,
//! `(H − H̃)v = Σ_{D′} [ℓ''(wᵀxᵢ) − ℓ''(w_fᵀxᵢ)] (vᵀxᵢ) xᵢ`, each bracket at
//! most `γ|uᵀxᵢ|`, so by Cauchy–Schwarz `‖(H − H̃)v‖ ≤ γ Σ|uᵀxᵢ||vᵀxᵢ| ≤ γ‖Xu‖‖Xv‖`.
//! Hence the per-step bound
//!
//! `‖∇L_b(w⁻; D′)‖ ≤ β + (γ/2)‖Xv‖² + γ‖Xu‖‖Xv‖ + ‖e‖`.
//!
//! With a fresh Hessian (u = 0, e ≈ 0) this is `(γ/2)‖Xv‖²`, never more than
//! the paper's Corollary 1 term `γ‖X‖₂‖v‖‖Xv‖` (as `‖Xv‖ ≤ ‖X‖₂‖v‖`), and
//! usually an order of magnitude less: the same certificate, more removals
//! per budget. `‖Xv‖` and `‖Xu‖` come from the kept Gram matrix `G = XᵀX`
//! of D′ as `sqrt(vᵀGv)`, so nothing here reads the n remaining rows.
//! Floating-point rounding in accumulating H̃ and G is not charged (as for
//! the Hessians of training); the solve's `‖e‖` is computed, not assumed.
//!
//! # When the bound does not fit, and when the curvature is refreshed
//!
//! The accumulated bound is a sum of triangle inequalities and soon far
//! above the true residual. So when it would exceed the budget, the exact
//! residual `‖∇L_b(w⁻; D′)‖` of the candidate is computed on the remaining
//! rows (a "check", O(k·n·d)); if it fits, it becomes the accumulator (the
//! same kind of computed residual training charges). Otherwise the Hessian
//! is refreshed (re-evaluated at w on D′: k Hessian passes, O(k·n·d²)) and
//! the step redone (bound, then check); only if that fails too is the model
//! retrained from scratch (Algorithm 2).
//!
//! The staleness term `γ‖Xu‖‖Xv‖ + ‖e‖` grows as w drifts from w_f, so a
//! stale Hessian makes the bound overflow, and checks come, more often.
//! [`RefreshPolicy::Auto`] therefore refreshes once the checks since the
//! last refresh have cost what a refresh costs (a ski-rental rule: never
//! more than twice the better choice in hindsight), counting a check as
//! `d + 64` and a refresh as `d²/8` operations per row and model (the
//! gradient with its sigmoid; the symmetric 4-wide Hessian kernel).
//! The counts are deterministic, so the same stream of removals gives the
//! same model on any machine. The policy trades time only: the bound above
//! holds whatever it decides.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::curvature::{Curvature, Step};
use crate::linalg::{axpy, dot, norm};
use crate::train::{fit, full_gradient, sigmoid, DataView};
use crate::{check_rows, CertifiedError, CertifiedModel, LOGISTIC_GAMMA};

/// When a removal re-evaluates the kept Hessian at the current weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefreshPolicy {
    /// Once the exact-residual checks since the last refresh have cost what a
    /// refresh costs (see the module docs), and when neither the bound nor
    /// the exact residual of a stale step fits the budget. (Without
    /// [`RemovalOptions::exact_check`] there are no checks to count: it then
    /// refreshes only when the bound does not fit.)
    #[default]
    Auto,
    /// Before every removal: the paper's update with the exact Hessian at w
    /// (O(k·n·d²) per removal, the least budget per removal).
    EveryRemoval,
    /// Only when neither the bound nor the exact residual of a stale step
    /// fits the budget.
    WhenOverBudget,
}

/// How [`CertifiedModel::remove_with`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemovalOptions {
    /// When to refresh the kept Hessian. Default: `auto`.
    pub refresh: RefreshPolicy,
    /// Check every row of the current data (shape, labels, finiteness,
    /// scaled norm ≤ 1: O(n·d)) rather than only the removed rows, the only
    /// ones a removal without refresh or retrain reads. Default: true.
    pub check_all_rows: bool,
    /// When the accumulated bound does not fit the budget, compute the exact
    /// residual `‖∇L_b(w⁻; D′)‖` (O(k·n·d)) and charge it instead of the
    /// bound if it fits (module docs). `false` keeps to the paper's
    /// Algorithm 2: bound only, then refresh, then retrain. Default: true.
    pub exact_check: bool,
}

impl Default for RemovalOptions {
    fn default() -> Self {
        Self {
            refresh: RefreshPolicy::Auto,
            check_all_rows: true,
            exact_check: true,
        }
    }
}

/// What one call to [`CertifiedModel::remove`] did. All residual figures
/// are joint over the binary models (`‖(β_1, …, β_k)‖₂`, see the crate
/// docs on composition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovalReport {
    /// Points removed by this call.
    pub removed: usize,
    /// Residual bound of this step, joint over models. When the step
    /// triggered a retrain this is the bound that did not fit.
    pub residual_bound: f64,
    /// The same bound per binary model:
    /// `(γ/2)‖Xv‖² + γ‖Xu‖‖Xv‖ + ‖e‖` (module docs).
    pub per_model_bound: Vec<f64>,
    /// The part of `per_model_bound` due to the stale Hessian and the
    /// solve, `γ‖Xu‖‖Xv‖ + ‖e‖`.
    #[serde(default)]
    pub per_model_staleness: Vec<f64>,
    /// Accumulated joint residual after the call (after the reset if the
    /// model was retrained).
    pub residual_total: f64,
    /// `σε/c`.
    pub budget: f64,
    /// `budget − residual_total`.
    pub budget_remaining: f64,
    /// Whether the kept Hessian was re-evaluated at the current weights
    /// (or built, for a model loaded from a file) by this call.
    #[serde(default)]
    pub refreshed: bool,
    /// Whether the bound did not fit the budget but the exact residual
    /// `‖∇L_b(w⁻; D′)‖`, computed on the remaining rows (O(k·n·d)), did: the
    /// accumulator then holds that exact value instead of the bound.
    #[serde(default)]
    pub exact_residual: bool,
    /// Whether the budget forced a retrain from scratch on D′.
    pub retrained: bool,
    /// Wall time of the call.
    pub seconds: f64,
}

/// Cost of an exact-residual check per row and model, in the unit of
/// [`refresh_cost`]: a gradient (d multiply-adds) plus its sigmoid
/// (an exp, worth ~64 more).
fn check_cost(d: usize) -> f64 {
    (d + 64) as f64
}

/// Cost of a refresh per row and model: the upper triangle of a d × d
/// rank-one update (d²/2) on a kernel ~4 times as fast per operation.
fn refresh_cost(d: usize) -> f64 {
    (d * d) as f64 / 8.0
}

/// The bound terms of one model's step.
struct Planned {
    step: Step,
    bound: f64,
    staleness: f64,
}

impl CertifiedModel {
    /// [`CertifiedModel::remove_with`] with the default options (automatic
    /// refresh, every row checked).
    pub fn remove(
        &mut self,
        x_all: &[f32],
        labels_all: &[u32],
        remove_idx: &[usize],
    ) -> Result<RemovalReport, CertifiedError> {
        self.remove_with(x_all, labels_all, remove_idx, &RemovalOptions::default())
    }

    /// Removes rows `remove_idx` of the **current** training data
    /// `(x_all, labels_all)` (exactly `n_train` rows, in any order but the
    /// same as used to build the indices), certifiably.
    ///
    /// One batched Newton step per binary model with the kept Hessian
    /// (module docs): its bound is added to β_j. If the joint `‖β‖₂` would
    /// exceed `σε/c`, the Hessian is refreshed and the step redone; if that
    /// does not fit either, the model is retrained from scratch on D′ with
    /// the same b and β resets to the new training residual (Algorithm 2).
    ///
    /// Afterwards the caller must drop the removed rows from its data; the
    /// next call expects `n_train − m` rows. On error the model is
    /// unchanged (its kept Hessian may be dropped, to be rebuilt).
    ///
    /// Cost without refresh: O(m·k·d²) plus, with `check_all_rows`, an
    /// O(n·d) scan; a refresh adds O(k·n·d²), a retrain a full fit. The
    /// first removal after loading a model from a file builds the kept
    /// Hessian (O((k+1)·n·d²)) unless [`CertifiedModel::rebuild_curvature`]
    /// was called. Budget-wise a batch is dearer than the same points one
    /// by one: ‖Xv‖² grows like m².
    pub fn remove_with(
        &mut self,
        x_all: &[f32],
        labels_all: &[u32],
        remove_idx: &[usize],
        opts: &RemovalOptions,
    ) -> Result<RemovalReport, CertifiedError> {
        let start = Instant::now();
        let n = labels_all.len();
        if n != self.n_train {
            return Err(CertifiedError::TrainSizeMismatch {
                expected: self.n_train,
                got: n,
            });
        }
        if opts.check_all_rows {
            self.check_current(x_all, labels_all)?;
        } else {
            check_rows(self, x_all, labels_all, remove_idx)?;
        }
        if remove_idx.is_empty() {
            return Err(CertifiedError::EmptyRemoval);
        }
        let mut removed = vec![false; n];
        for &i in remove_idx {
            if i >= n {
                return Err(CertifiedError::IndexOutOfRange { index: i, n });
            }
            if removed[i] {
                return Err(CertifiedError::DuplicateIndex(i));
            }
            removed[i] = true;
        }
        let m = remove_idx.len();
        if m >= n {
            return Err(CertifiedError::RemovesAllData { n });
        }

        let view = self.view(x_all, labels_all, Some(&removed));
        let lambda = self.params.lambda();
        // Paths that build on every row (build, refresh, retrain) check
        // every row first, whatever `check_all_rows` says.
        let mut checked = opts.check_all_rows;
        let mut check_all = |model: &Self| -> Result<(), CertifiedError> {
            if !checked {
                model.check_current(x_all, labels_all)?;
                checked = true;
            }
            Ok(())
        };
        let mut refreshed =
            self.curvature.0.is_none() || opts.refresh == RefreshPolicy::EveryRemoval;
        let mut cache = match self.curvature.0.take() {
            Some(mut c) => {
                if c.downdate(&view, remove_idx).is_err() {
                    refreshed = true;
                }
                if refreshed {
                    check_all(self)?;
                    c.refresh(&view, &self.weights, lambda)?;
                }
                c
            }
            None => {
                check_all(self)?;
                Curvature::build(&view, &self.weights, lambda)?
            }
        };
        // Ski rental: once the exact-residual checks since the last refresh
        // have cost what a refresh costs, refresh.
        if !refreshed
            && opts.refresh == RefreshPolicy::Auto
            && cache.checks_since_refresh as f64 * check_cost(self.dim) >= refresh_cost(self.dim)
        {
            check_all(self)?;
            cache.refresh(&view, &self.weights, lambda)?;
            refreshed = true;
        }
        let deltas = self.deltas(&view, remove_idx);
        let reg = lambda * (n - m) as f64;
        let mut plan = self.plan(&cache, &deltas, reg);
        let budget = self.budget();
        let over = |plan: &[Planned]| norm(&self.spent_after(plan)) > budget;
        // When the bound does not fit, the exact residual of the candidate
        // (O(k·n·d), a d-th of a refresh) may: it is the tightest bound. It
        // needs no row check: it is exact whatever the rows' norms, and a
        // non-finite row makes it NaN, which fails the test and leads to the
        // checked paths below.
        let fitting_exact = |plan: &[Planned]| {
            let r = self.exact_residuals(&view, plan);
            (norm(&r) <= budget).then_some(r)
        };
        let mut exact = None;
        if over(&plan) {
            if opts.exact_check {
                exact = fitting_exact(&plan);
                cache.checks_since_refresh += 1;
            }
            if exact.is_none() && !refreshed {
                check_all(self)?;
                cache.refresh(&view, &self.weights, lambda)?;
                refreshed = true;
                plan = self.plan(&cache, &deltas, reg);
                if over(&plan) && opts.exact_check {
                    exact = fitting_exact(&plan);
                }
            }
        }
        let per_model_bound: Vec<f64> = plan.iter().map(|p| p.bound).collect();
        let per_model_staleness: Vec<f64> = plan.iter().map(|p| p.staleness).collect();
        let retrained = exact.is_none() && over(&plan);
        let spent = self.spent_after(&plan);
        if retrained {
            check_all(self)?;
            let mut fitted = fit(&view, self.num_models(), &self.noise, &self.params)?;
            self.weights = std::mem::take(&mut fitted.weights);
            self.residual_spent = std::mem::take(&mut fitted.residuals);
            self.norm_bound = fitted.norm_bound;
            self.curvature.0 = Curvature::from_fit(&mut fitted);
            self.retrains += 1;
        } else {
            let d = self.dim;
            for (j, p) in plan.iter().enumerate() {
                axpy(&mut self.weights[j * d..(j + 1) * d], 1.0, &p.step.v);
            }
            self.residual_spent = exact.clone().unwrap_or(spent);
            self.curvature.0 = Some(cache);
        }
        self.removals += m;
        self.n_train = n - m;
        let residual_total = self.residual_total();
        Ok(RemovalReport {
            removed: m,
            residual_bound: norm(&per_model_bound),
            per_model_bound,
            per_model_staleness,
            residual_total,
            budget,
            budget_remaining: budget - residual_total,
            refreshed,
            exact_residual: exact.is_some(),
            retrained,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// Per model, `Δ = mλw + Σ_{i∈S} ∇ℓ(wᵀxᵢ, yᵢ)`: the gradient, at w, of
    /// what leaves the objective (the points and their share of the λn
    /// regulariser), so that `∇L_b(w; D′) = r − Δ`.
    fn deltas(&self, view: &DataView, remove_idx: &[usize]) -> Vec<Vec<f64>> {
        let (d, k) = (self.dim, self.num_models());
        let m = remove_idx.len() as f64;
        let mut row = vec![0.0; d];
        (0..k)
            .map(|j| {
                let w = &self.weights[j * d..(j + 1) * d];
                let mut delta: Vec<f64> =
                    w.iter().map(|wi| m * self.params.lambda() * wi).collect();
                for &i in remove_idx {
                    view.load(i, &mut row);
                    let y = view.target(i, j, k);
                    let yz = y * dot(w, &row);
                    axpy(&mut delta, -y * sigmoid(-yz), &row);
                }
                delta
            })
            .collect()
    }

    /// `β_j + bound_j` per model.
    fn spent_after(&self, plan: &[Planned]) -> Vec<f64> {
        self.residual_spent
            .iter()
            .zip(plan)
            .map(|(b, p)| b + p.bound)
            .collect()
    }

    /// `‖∇L_b(w_j + v_j; D′)‖` per model, exactly, on the kept rows.
    fn exact_residuals(&self, view: &DataView, plan: &[Planned]) -> Vec<f64> {
        let (d, k) = (self.dim, self.num_models());
        plan.iter()
            .enumerate()
            .map(|(j, p)| {
                let mut w = self.weights[j * d..(j + 1) * d].to_vec();
                axpy(&mut w, 1.0, &p.step.v);
                let b = &self.noise[j * d..(j + 1) * d];
                norm(&full_gradient(view, j, k, &w, b, self.params.lambda()))
            })
            .collect()
    }

    /// Solves every model's step with the kept Hessian and bounds it.
    fn plan(&self, cache: &Curvature, deltas: &[Vec<f64>], reg: f64) -> Vec<Planned> {
        let d = self.dim;
        let gamma = LOGISTIC_GAMMA;
        cache
            .models
            .iter()
            .zip(deltas)
            .enumerate()
            .map(|(j, (c, delta))| {
                let step = c.solve(delta, reg);
                let xv = cache.x_norm(&step.v);
                let u: Vec<f64> = self.weights[j * d..(j + 1) * d]
                    .iter()
                    .zip(&c.at)
                    .map(|(w, a)| w - a)
                    .collect();
                let xu = cache.x_norm(&u);
                let staleness = gamma * xu * xv + step.solve_residual;
                Planned {
                    bound: 0.5 * gamma * xv * xv + staleness,
                    staleness,
                    step,
                }
            })
            .collect()
    }
}
