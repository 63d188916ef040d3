//! `influence`: one-shot removal by an influence-function Newton step (Koh & Liang,
//! "Understanding Black-box Predictions via Influence Functions", ICML 2017; Warnecke, Pirch,
//! Wressnegger & Rieck, "Machine Unlearning of Features and Labels", NDSS 2023).
//!
//! The model minimises `L(θ) = (1/n) Σᵢ ℓᵢ(θ)`. Dropping the forget set leaves
//! `L_r = (1/n) Σ_retain ℓᵢ`, whose gradient at the trained `θ*` is `−(1/n) Σ_forget ∇ℓᵢ`
//! (the full gradient being ≈ 0). One Newton step on `L_r` gives
//! `θ⁻ = θ* + (1/n) H⁻¹ Σ_forget ∇ℓᵢ(θ*)`, with `H` the Hessian of the retain loss.
//!
//! # Inverse-Hessian-vector product
//!
//! Conjugate gradient on `(H + λI) x = b`, each product `Hv` a central finite difference of
//! two gradients on a fixed retain subsample (`hessian_samples`). CG rather than LiSSA
//! because CG needs no bound on the largest eigenvalue (LiSSA's recursion diverges when its
//! scale is too small and crawls when it is too large) and, on a fixed batch, converges in
//! far fewer products.
//!
//! # Damping and scale on a non-convex MLP
//!
//! The Hessian of a ReLU network is indefinite: besides the positive semi-definite
//! Gauss–Newton part it has cross-layer terms weighted by the residuals `p − y`. On `digits`,
//! with λ ≤ 0.01 CG met negative curvature within 5–14 iterations and its residual grew to
//! 5–400× `‖b‖`, and the result swung from no forgetting to a collapsed model with the
//! iteration count. With λ = 0.1 CG converges (residual ≈ 5% of `‖b‖` after 8 iterations),
//! but the damped step is shorter than the Newton step along the weakly curved directions
//! that carry forget-only information; `scale` = 7 restores its length (a trust-region
//! view: the damped direction, a longer step). Along directions the retain set constrains
//! the step stays small, so random samples that the retain set explains move little while
//! a whole class is forgotten. A direction of negative curvature still ends CG early
//! (Steihaug's rule). The collapse guard checks the result; when it fails the scale is
//! halved (at most `backoffs` times).
//!
//! Cost: `|forget|` sample gradients for `b`, plus `2 × hessian_samples` per CG iteration
//! (2,194 on `digits` class forgetting, 11.8× fewer than retraining for 20 epochs).

use crate::common::{rng, CollapseGuard};
use crate::curvature::{conjugate_gradient, summed_grad, FiniteDiffHessian};
use crate::unlearner::{invalid, ForgetContext, MethodConfig, UnlearnStats, Unlearned, Unlearner};
use crate::ForgetError;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Hyperparameters of `influence`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InfluenceConfig {
    /// Retain samples the Hessian is measured on (fixed for the whole solve). Default: 128.
    pub hessian_samples: usize,
    /// Maximum conjugate-gradient iterations. Default: 8.
    pub cg_iterations: usize,
    /// Relative residual at which CG stops early. Default: 1e-3.
    pub cg_tolerance: f64,
    /// Damping λ added to the Hessian. Default: 0.1.
    pub damping: f64,
    /// Euclidean length of the finite-difference probe `εv`. Default: 1e-3.
    pub fd_radius: f64,
    /// Multiplier of the damped Newton step. Default: 7.0.
    pub scale: f64,
    /// Times the step is halved when it breaks the collapse guard. Default: 4.
    pub backoffs: usize,
    /// Collapse guard budget (fraction of retain accuracy). Default: 0.03.
    pub collapse_budget: f64,
}

impl Default for InfluenceConfig {
    fn default() -> Self {
        Self {
            hessian_samples: 128,
            cg_iterations: 8,
            cg_tolerance: 1e-3,
            damping: 0.1,
            fd_radius: 1e-3,
            scale: 7.0,
            backoffs: 4,
            collapse_budget: 0.03,
        }
    }
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

impl MethodConfig for InfluenceConfig {
    fn validate(&self) -> Result<(), ForgetError> {
        let m = Influence::NAME;
        if self.hessian_samples == 0 {
            return Err(invalid(m, "hessian_samples", "must be at least 1"));
        }
        if self.cg_iterations == 0 {
            return Err(invalid(m, "cg_iterations", "must be at least 1"));
        }
        if !(self.cg_tolerance.is_finite() && self.cg_tolerance >= 0.0) {
            return Err(invalid(m, "cg_tolerance", "must be a non-negative number"));
        }
        if !positive(self.damping) {
            return Err(invalid(m, "damping", "must be a positive number"));
        }
        if !positive(self.fd_radius) {
            return Err(invalid(m, "fd_radius", "must be a positive number"));
        }
        if !positive(self.scale) {
            return Err(invalid(m, "scale", "must be a positive number"));
        }
        if !(0.0..=1.0).contains(&self.collapse_budget) {
            return Err(invalid(m, "collapse_budget", "must be in [0, 1]"));
        }
        Ok(())
    }
}

/// Influence-function removal.
pub struct Influence;

impl Unlearner for Influence {
    const NAME: &'static str = "influence";
    const FAMILY: &'static str = "second-order";
    const SUMMARY: &'static str =
        "one Newton step θ + (1/n)(H + λI)⁻¹ Σ∇ℓ_forget, by conjugate gradient over finite-difference Hessian-vector products";
    const PAPER: &'static str =
        "Koh & Liang, ICML 2017; Warnecke et al., Machine Unlearning of Features and Labels, NDSS 2023";
    type Config = InfluenceConfig;

    fn unlearn(c: &InfluenceConfig, ctx: &ForgetContext<'_>) -> Result<Unlearned, ForgetError> {
        let start = Instant::now();
        let mut stats = UnlearnStats::default();
        let all: Vec<usize> = (0..ctx.forget.len()).collect();
        let mut b = summed_grad(ctx.net, ctx.original, ctx.forget, &all);
        stats.sample_gradients += all.len() as u64;
        let n = (ctx.forget.len() + ctx.retain.len()) as f32;
        b.iter_mut().for_each(|v| *v /= n);

        let mut idx: Vec<usize> = (0..ctx.retain.len()).collect();
        idx.shuffle(&mut rng(ctx.seed, Self::NAME));
        idx.truncate(c.hessian_samples);
        let mut hessian =
            FiniteDiffHessian::new(ctx.net, ctx.original, ctx.retain, &idx, c.fd_radius as f32);
        let (step, report) = conjugate_gradient(
            |v| hessian.apply(v),
            &b,
            c.damping as f32,
            c.cg_iterations,
            c.cg_tolerance,
        );
        stats.sample_gradients += hessian.calls * hessian.batch_len() as u64;
        stats.steps = report.iterations;
        stats.notes.push(format!(
            "CG: {} iteration(s), relative residual {:.2e}{}",
            report.iterations,
            report.relative_residual,
            if report.negative_curvature {
                ", stopped on negative curvature"
            } else {
                ""
            }
        ));

        let mut guard = CollapseGuard::new(ctx, c.collapse_budget);
        let mut scale = c.scale as f32;
        for attempt in 0..=c.backoffs {
            let mut params = ctx.original.clone();
            crate::common::axpy(&mut params.data, scale, &step);
            if guard.check(&params) {
                if attempt > 0 {
                    stats.notes.push(format!(
                        "step halved {attempt} time(s) to scale {scale} to keep retain accuracy"
                    ));
                }
                stats.seconds = start.elapsed().as_secs_f64();
                return Ok(Unlearned { params, stats });
            }
            scale /= 2.0;
        }
        let params = guard.stop(&mut stats, 0);
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(Unlearned { params, stats })
    }
}
