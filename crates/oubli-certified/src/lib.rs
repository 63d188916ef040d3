//! Certified data removal for L2-regularised logistic regression, after
//! Guo, Goldstein, Hannun & van der Maaten, *Certified Data Removal from
//! Machine Learning Models*, ICML 2020 (arXiv:1911.03030). Pure Rust, f64.
//!
//! # Method
//!
//! * **Training** (Algorithm 1, loss perturbation): each binary model
//!   minimises `L_b(w; D) = Σᵢ ℓ(wᵀxᵢ, yᵢ) + (λn/2)‖w‖² + bᵀw` exactly
//!   (Newton + Cholesky to `‖∇L_b‖ ≤ tol`), with `b ~ N(0, σ²I)` drawn once
//!   and stored in the model, y ∈ {−1, +1} and ℓ(z, y) = ln(1 + e^{−yz}).
//! * **Features**: the theory needs ‖xᵢ‖ ≤ 1. [`CertifiedModel::train`]
//!   multiplies every row by `feature_scale = min(1, 1/maxᵢ‖xᵢ‖)` (kept in
//!   the model and applied by prediction too). The scale is fixed at first
//!   training and never recomputed, so removals and retrains see the same
//!   feature map. Note the scale itself is a statistic of the original data
//!   that the certificate does not cover: for a strict guarantee pass rows
//!   already normalised to ‖x‖ ≤ 1 (then the scale is exactly 1).
//! * **Removal** of a batch S, |S| = m (Sec. 3, Newton update, in the
//!   batch form behind Theorem 3): `Δ = mλw + Σ_{i∈S} ∇ℓ(wᵀxᵢ, yᵢ)` (the
//!   gradient of what leaves the objective: the points and their share of
//!   the λn regulariser), `w⁻ = w + H̃⁻¹Δ`. The noise term bᵀw is unchanged.
//!   H̃ is the Hessian on D′ *kept from an earlier point*: training leaves
//!   its last Newton Hessian, each removal downdates it by the removed rows
//!   (rank-one Cholesky downdates, O(d²) per row and model) instead of
//!   recomputing `∇²L(w; D′)` over the n remaining rows (O(n·d²)), and it is
//!   re-evaluated at the current w ("refreshed") only when its staleness
//!   has cost about as much as a refresh, or the budget demands it (see
//!   `removal.rs` and [`RefreshPolicy`]).
//! * **Residual bound** (Corollary 1's argument, with the stale Hessian):
//!   `‖∇L_b(w⁻; D′)‖ ≤ β + (γ/2)‖Xv‖² + γ‖Xu‖‖Xv‖ + ‖e‖`, with `v = H̃⁻¹Δ`,
//!   `u = w − w_f` the drift since the Hessian was evaluated (at w_f), `e`
//!   the computed linear residual of the solve, X the remaining rows and
//!   γ = 1/4 as in the paper (a valid Lipschitz constant of ℓ''; the tight
//!   one is 1/(6√3) ≈ 0.096). The derivation is in `removal.rs`. Its first
//!   term is never larger than the paper's `γ‖X‖₂‖v‖‖Xv‖` (because
//!   ‖xᵢ‖ ≤ 1) and the stale term vanishes at a refresh. `‖Xv‖` comes from
//!   the kept `XᵀX`, so a removal reads no row but the removed ones.
//!   The bound is accumulated over sequential removals (Algorithm 2): the
//!   residual of the previous model carries over additively (triangle
//!   inequality). The accumulator starts at the residual Newton actually
//!   reached in training (≤ `tol`), not 0, so optimiser error is charged
//!   too. When the accumulated bound would exceed the budget, the exact
//!   residual `‖∇L_b(w⁻; D′)‖` is computed on the remaining rows (O(k·n·d))
//!   and, if it fits, replaces the accumulator: the same kind of computed
//!   residual training charges, and far below a sum of triangle
//!   inequalities ([`RemovalOptions::exact_check`] turns this off).
//! * **Budget** (Theorem 2, Gaussian case): with `c = sqrt(2 ln(1.5/δ))`,
//!   the released model is (ε, δ)-certified while the accumulated residual
//!   is ≤ `σε/c`. A removal that would exceed it instead retrains from
//!   scratch on D′ (Algorithm 2) with the **same b**, which is exactly the
//!   output of Algorithm 1 on D′ for that b, and resets the accumulator.
//!
//! # Why a kept Hessian, and not another update
//!
//! A Newton step with a kept, downdated Hessian keeps the paper's update and
//! certificate and changes only its cost: O(m·k·d²) per removal (d = 104:
//! tens of microseconds) instead of an O(k·n·d²) Hessian, with the staleness
//! charged in the bound. The projective residual update of Izzo et al.
//! (AISTATS 2021) is linear in d for a few removals but is built for linear
//! models; for logistic regression it is a further approximation whose
//! gradient residual would need its own bound. At the
//! dimensions here (d ≤ 1000) the downdate is already far below the 1/1000
//! of a retrain the design aims for, so it was not worth the weaker
//! guarantee. For models that *have* a closed-form minimiser, removal needs
//! no certificate at all: [`RidgeModel`] downdates its sufficient
//! statistics `XᵀX`, `XᵀY` and is exact.
//!
//! The kept Hessian is derived state, not serialised (a d × d matrix and
//! its factor per class, plus `XᵀX`: 11 MB at d = 256, k = 10): a model
//! loaded from JSON rebuilds it at its first removal, or at
//! [`CertifiedModel::rebuild_curvature`], for O((k+1)·n·d²) — the cost one
//! removal had before. Old JSON loads unchanged (the format did not change).
//!
//! # Multiclass: one-vs-rest, and how the certificate composes
//!
//! The paper's theory is for a binary loss; like the authors' reference
//! code (its default `ovr` mode) we train one binary model per class
//! (one model in total for 2 classes: "class 1 vs class 0"), each with its
//! own b_j and its own residual accumulator β_j. Removing a point changes
//! every class model, so the certificate must cover all of them jointly.
//! We use the exact joint argument rather than a per-class split: the k
//! models are one linear model with parameters W ∈ R^{kd}, a separable
//! strongly convex loss, and perturbation `b = (b_1, …, b_k) ~ N(0, σ²I_{kd})`.
//! Theorem 2 applies to it verbatim (its Gaussian argument is
//! dimension-free), and its gradient residual is the concatenation of the
//! per-class residuals, of norm ≤ `‖(β_1, …, β_k)‖₂`. So the user's (ε, δ)
//! is the budget of **the whole model**, and the test is
//! `‖β‖₂ ≤ σε/c`. (Summing the β_j, as the authors' code does, is a looser
//! upper bound on the same quantity; splitting ε/k, δ/k per class via basic
//! composition would be looser still.)
//!
//! # Example
//!
//! ```
//! use oubli_certified::{CertifiedModel, CertifiedParams};
//!
//! // Two noisy blobs in 5 dimensions, built without an RNG.
//! let (n, dim) = (400, 5);
//! let (mut x, mut labels) = (Vec::new(), Vec::new());
//! for i in 0..n {
//!     let label = (i % 2) as u32;
//!     let sign = if label == 1 { 1.0 } else { -1.0 };
//!     for j in 0..dim {
//!         let jitter = ((i * 7 + j * 13) % 17) as f32 / 17.0 - 0.5;
//!         x.push(sign * 0.5 + jitter);
//!     }
//!     labels.push(label);
//! }
//! let params = CertifiedParams { sigma: 1.0, ..CertifiedParams::default() };
//! let mut model = CertifiedModel::train(&x, &labels, dim, 2, params, 7)?;
//! assert!(model.accuracy(&x, &labels)? > 0.95);
//!
//! // Remove rows 3 and 10, then drop them from our own copy of the data.
//! let report = model.remove(&x, &labels, &[3, 10])?;
//! assert!(report.residual_total <= report.budget);
//! let keep: Vec<usize> = (0..n).filter(|&i| i != 3 && i != 10).collect();
//! let x2: Vec<f32> = keep.iter().flat_map(|&i| x[i * dim..(i + 1) * dim].to_vec()).collect();
//! let labels2: Vec<u32> = keep.iter().map(|&i| labels[i]).collect();
//! assert_eq!(model.n_train(), labels2.len());
//!
//! // The true gradient residual never exceeds the certified bound.
//! let actual = model.gradient_norm_on(&x2, &labels2)?;
//! assert!(actual[0] <= model.residual_spent()[0]);
//! # Ok::<(), oubli_certified::CertifiedError>(())
//! ```

#![warn(missing_docs)]

mod check;
mod curvature;
mod error;
mod linalg;
mod params;
mod predict;
mod removal;
mod repr;
mod ridge;
mod train;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

pub use error::CertifiedError;
/// Dense Cholesky factor and solve, for callers with their own small Hessians (the fairness
/// scenario's influence estimates).
pub use linalg::{cholesky, cholesky_solve};
pub use params::{CertifiedParams, ValidCertifiedParams};
pub use removal::{RefreshPolicy, RemovalOptions, RemovalReport};
pub use ridge::RidgeModel;

pub(crate) use check::{check_data, check_rows};
use curvature::Curvature;
use linalg::norm;
use train::{fit, full_gradient, DataView};

/// Lipschitz constant γ of ℓ'' used in Corollary 1, as in the paper (1/4).
pub const LOGISTIC_GAMMA: f64 = 0.25;

/// A removal-enabled one-vs-rest logistic-regression model (serialisable;
/// deserialisation checks shapes, so a corrupt file is an error, not a
/// later panic).
///
/// The model does not own its training data: [`CertifiedModel::remove`]
/// takes the *current* training set (n_train rows) each time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "repr::ModelRepr")]
pub struct CertifiedModel {
    weights: Vec<f64>,
    num_classes: usize,
    dim: usize,
    feature_scale: f64,
    params: ValidCertifiedParams,
    noise: Vec<f64>,
    residual_spent: Vec<f64>,
    norm_bound: f64,
    removals: usize,
    retrains: usize,
    n_train: usize,
    #[serde(skip)]
    curvature: CurvatureCache,
}

/// The kept Hessian (see `curvature.rs`): derived state, rebuilt from the
/// data when absent, so it is neither serialised nor compared — two models
/// are equal when their certified state is.
#[derive(Clone, Default)]
pub(crate) struct CurvatureCache(pub Option<Curvature>);

impl PartialEq for CurvatureCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for CurvatureCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "kept" } else { "absent" })
    }
}

impl CertifiedModel {
    /// Trains on `x` (`n × dim`, row-major) with labels in `0..num_classes`
    /// (Algorithm 1). `seed` drives the draw of b; the same seed and data
    /// give bit-identical models on any machine.
    pub fn train(
        x: &[f32],
        labels: &[u32],
        dim: usize,
        num_classes: usize,
        params: CertifiedParams,
        seed: u64,
    ) -> Result<Self, CertifiedError> {
        let params = params.validate()?;
        if num_classes < 2 {
            return Err(CertifiedError::TooFewClasses(num_classes));
        }
        check_data(x, labels, dim, num_classes)?;
        let max_norm = x
            .chunks_exact(dim)
            .map(|r| r.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt())
            .fold(0.0, f64::max);
        // The 1e-12 shrink keeps the largest row at ‖x‖ < 1 despite rounding.
        let feature_scale = if max_norm > 1.0 {
            (1.0 - 1e-12) / max_norm
        } else {
            1.0
        };
        let num_models = if num_classes == 2 { 1 } else { num_classes };
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let normal = Normal::new(0.0, params.sigma()).expect("sigma validated > 0");
        let noise: Vec<f64> = (0..num_models * dim)
            .map(|_| normal.sample(&mut rng))
            .collect();
        let mut model = Self {
            weights: Vec::new(),
            num_classes,
            dim,
            feature_scale,
            params,
            noise,
            residual_spent: Vec::new(),
            norm_bound: 0.0,
            removals: 0,
            retrains: 0,
            n_train: labels.len(),
            curvature: CurvatureCache::default(),
        };
        let mut fitted = fit(
            &model.view(x, labels, None),
            num_models,
            &model.noise,
            &params,
        )?;
        model.weights = std::mem::take(&mut fitted.weights);
        model.residual_spent = std::mem::take(&mut fitted.residuals);
        model.norm_bound = fitted.norm_bound;
        model.curvature.0 = Curvature::from_fit(&mut fitted);
        Ok(model)
    }

    /// What Algorithm 1 outputs on `(x, labels)` with this model's b,
    /// λ and feature scale: the reference a removal is certified against.
    /// Counters start at 0. Used by tests and verification tooling.
    pub fn exact_retrain(&self, x: &[f32], labels: &[u32]) -> Result<Self, CertifiedError> {
        self.check_current(x, labels)?;
        let mut fitted = fit(
            &self.view(x, labels, None),
            self.num_models(),
            &self.noise,
            &self.params,
        )?;
        Ok(Self {
            weights: std::mem::take(&mut fitted.weights),
            residual_spent: std::mem::take(&mut fitted.residuals),
            norm_bound: fitted.norm_bound,
            removals: 0,
            retrains: 0,
            n_train: labels.len(),
            curvature: CurvatureCache(Curvature::from_fit(&mut fitted)),
            ..self.clone()
        })
    }

    /// Builds the kept Hessian from the current training data (exactly
    /// `n_train` rows) at the current weights: O((k + 1)·n·d²), what the
    /// first removal after loading a model from a file would otherwise pay.
    /// Training and retraining keep it already; it is not serialised.
    pub fn rebuild_curvature(&mut self, x: &[f32], labels: &[u32]) -> Result<(), CertifiedError> {
        if labels.len() != self.n_train {
            return Err(CertifiedError::TrainSizeMismatch {
                expected: self.n_train,
                got: labels.len(),
            });
        }
        self.check_current(x, labels)?;
        let view = self.view(x, labels, None);
        self.curvature.0 = Some(Curvature::build(
            &view,
            &self.weights,
            self.params.lambda(),
        )?);
        Ok(())
    }

    /// Whether the kept Hessian is present (it is after training; after
    /// loading from a file it is built by the first removal or by
    /// [`CertifiedModel::rebuild_curvature`]).
    pub fn has_curvature(&self) -> bool {
        self.curvature.0.is_some()
    }

    pub(crate) fn view<'a>(
        &self,
        x: &'a [f32],
        labels: &'a [u32],
        removed: Option<&'a [bool]>,
    ) -> DataView<'a> {
        DataView {
            x,
            labels,
            dim: self.dim,
            scale: self.feature_scale,
            removed,
        }
    }

    /// The actual `‖∇L_b(w_j; D)‖` per binary model on the given data,
    /// regulariser (λ·|D|) and noise term included: what Corollary 1 bounds
    /// and what [`CertifiedModel::residual_spent`] must dominate.
    pub fn gradient_norm_on(&self, x: &[f32], labels: &[u32]) -> Result<Vec<f64>, CertifiedError> {
        check_data(x, labels, self.dim, self.num_classes)?;
        let view = self.view(x, labels, None);
        let d = self.dim;
        Ok((0..self.num_models())
            .map(|j| {
                let w = &self.weights[j * d..(j + 1) * d];
                let b = &self.noise[j * d..(j + 1) * d];
                norm(&full_gradient(
                    &view,
                    j,
                    self.num_models(),
                    w,
                    b,
                    self.params.lambda(),
                ))
            })
            .collect())
    }

    /// Residual budget `σε/c` of the whole model (Theorem 2).
    pub fn budget(&self) -> f64 {
        self.params.budget()
    }
    /// Joint accumulated residual bound `‖(β_1, …, β_k)‖₂`.
    pub fn residual_total(&self) -> f64 {
        norm(&self.residual_spent)
    }
    /// `budget() − residual_total()`.
    pub fn budget_remaining(&self) -> f64 {
        self.budget() - self.residual_total()
    }
    /// Number of binary models: 1 for two classes, else `num_classes`.
    pub fn num_models(&self) -> usize {
        self.weights.len() / self.dim
    }
    /// Weights, `num_models × dim` row-major, in scaled-feature space.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }
    /// Feature dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Factor applied to every input row (train and predict).
    pub fn feature_scale(&self) -> f64 {
        self.feature_scale
    }
    /// Validated hyper-parameters.
    pub fn params(&self) -> &ValidCertifiedParams {
        &self.params
    }
    /// The loss perturbation b, `num_models × dim`.
    pub fn noise(&self) -> &[f64] {
        &self.noise
    }
    /// Accumulated residual bound β_j per binary model.
    pub fn residual_spent(&self) -> &[f64] {
        &self.residual_spent
    }
    /// Verified upper bound on ‖X‖₂ of the data at the last (re)training.
    /// Reported only: the removal bound uses ‖Xv‖ from the kept `XᵀX`.
    pub fn norm_bound(&self) -> f64 {
        self.norm_bound
    }
    /// Total points removed so far.
    pub fn removals(&self) -> usize {
        self.removals
    }
    /// Retrains triggered by the budget so far.
    pub fn retrains(&self) -> usize {
        self.retrains
    }
    /// Current training-set size.
    pub fn n_train(&self) -> usize {
        self.n_train
    }
}
