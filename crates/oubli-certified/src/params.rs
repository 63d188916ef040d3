//! Hyper-parameters and the (ε, δ) budget they imply.

use serde::{Deserialize, Serialize};

use crate::CertifiedError;

/// User-facing hyper-parameters, unchecked. Turn them into
/// [`ValidCertifiedParams`] with [`CertifiedParams::validate`].
///
/// The paper fixes σ and derives how much gradient residual the removals may
/// accumulate: `budget = σ ε / c` with `c = sqrt(2 ln(1.5/δ))`
/// (Theorem 2, Gaussian case: b ~ N(0, (c ε'/ε)²) makes a mechanism with
/// residual ≤ ε' (ε, δ)-certified; solving for ε' gives the budget).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CertifiedParams {
    /// L2 strength λ; the objective carries `λ n ‖w‖² / 2` with n the current
    /// training-set size. Default 1e-3: on unit-norm rows this leaves room
    /// for dozens of sequential removals at σ = 10 with little accuracy loss
    /// (the authors' code uses 1e-6 to 2e-4 on pre-extracted features).
    /// Larger λ shrinks the bound (it scales like 1/λ², Theorem 1).
    pub lambda: f64,
    /// Standard deviation σ of each coordinate of the loss perturbation b.
    /// Default 10 (the default `--std` of the authors' reference code). With
    /// ε = 1, δ = 1e-4 this gives a budget of ≈ 2.28 gradient-norm units;
    /// larger σ buys more removals between retrains at the price of accuracy.
    pub sigma: f64,
    /// ε of the (ε, δ)-certified-removal guarantee for the whole model
    /// (all classes together). Default 1.
    pub epsilon: f64,
    /// δ of the guarantee. Default 1e-4.
    pub delta: f64,
    /// Newton iteration cap for (re)training. Default 100 (it converges in
    /// well under 20 on well-scaled data).
    pub max_newton_iters: usize,
    /// Absolute tolerance on ‖∇L_b(w; D)‖ for training. Default 1e-10. The
    /// residual actually reached is charged to the budget, so it must be
    /// below [`ValidCertifiedParams::budget`] (checked) and should be far
    /// below it.
    pub tol: f64,
}

impl Default for CertifiedParams {
    fn default() -> Self {
        Self {
            lambda: 1e-3,
            sigma: 10.0,
            epsilon: 1.0,
            delta: 1e-4,
            max_newton_iters: 100,
            tol: 1e-10,
        }
    }
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

impl CertifiedParams {
    /// Checks every field, reporting the first invalid one with its own
    /// [`CertifiedError`] variant.
    pub fn validate(self) -> Result<ValidCertifiedParams, CertifiedError> {
        if !positive(self.lambda) {
            return Err(CertifiedError::InvalidLambda(self.lambda));
        }
        if !positive(self.sigma) {
            return Err(CertifiedError::InvalidSigma(self.sigma));
        }
        if !positive(self.epsilon) {
            return Err(CertifiedError::InvalidEpsilon(self.epsilon));
        }
        // δ < 1 keeps c = sqrt(2 ln(1.5/δ)) real and > 0.9; δ ≥ 1 is vacuous.
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(CertifiedError::InvalidDelta(self.delta));
        }
        if self.max_newton_iters == 0 {
            return Err(CertifiedError::InvalidMaxNewtonIters(0));
        }
        if !positive(self.tol) {
            return Err(CertifiedError::InvalidTolerance(self.tol));
        }
        let valid = ValidCertifiedParams(self);
        // The training residual is charged to the budget; a tolerance at or
        // above it would leave no room for a single certified removal.
        if self.tol >= valid.budget() {
            return Err(CertifiedError::InvalidTolerance(self.tol));
        }
        Ok(valid)
    }
}

/// [`CertifiedParams`] that passed [`CertifiedParams::validate`]. The only
/// way to build one is validation, and deserialisation re-validates, so a
/// tampered model file cannot smuggle in σ = 0 or δ = 2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CertifiedParams", into = "CertifiedParams")]
pub struct ValidCertifiedParams(CertifiedParams);

impl TryFrom<CertifiedParams> for ValidCertifiedParams {
    type Error = CertifiedError;
    fn try_from(p: CertifiedParams) -> Result<Self, Self::Error> {
        p.validate()
    }
}

impl From<ValidCertifiedParams> for CertifiedParams {
    fn from(v: ValidCertifiedParams) -> Self {
        v.0
    }
}

impl ValidCertifiedParams {
    /// The validated raw parameters.
    pub fn params(&self) -> CertifiedParams {
        self.0
    }
    /// λ.
    pub fn lambda(&self) -> f64 {
        self.0.lambda
    }
    /// σ.
    pub fn sigma(&self) -> f64 {
        self.0.sigma
    }
    /// ε.
    pub fn epsilon(&self) -> f64 {
        self.0.epsilon
    }
    /// δ.
    pub fn delta(&self) -> f64 {
        self.0.delta
    }
    /// Newton iteration cap.
    pub fn max_newton_iters(&self) -> usize {
        self.0.max_newton_iters
    }
    /// Training gradient-norm tolerance.
    pub fn tol(&self) -> f64 {
        self.0.tol
    }
    /// `c = sqrt(2 ln(1.5/δ))`, the Gaussian tail constant of Theorem 2
    /// (δ = 1.5 exp(−c²/2)).
    pub fn c(&self) -> f64 {
        (2.0 * (1.5 / self.0.delta).ln()).sqrt()
    }
    /// Gradient-residual budget `σ ε / c` (Theorem 2 solved for ε'): the
    /// model is (ε, δ)-certified while the accumulated residual bound stays
    /// at or below this (Algorithm 2's retrain test).
    pub fn budget(&self) -> f64 {
        self.0.sigma * self.0.epsilon / self.c()
    }
}
