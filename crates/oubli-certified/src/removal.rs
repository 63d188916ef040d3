//! Certified removal (the paper's Algorithm 2, batch form): Newton update,
//! data-dependent residual bound (Corollary 1), budget test, retrain.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::linalg::{axpy, cholesky, cholesky_solve, dot, norm};
use crate::train::{fit, hessian_data, sigmoid, xv_norm_sq};
use crate::{CertifiedError, CertifiedModel, LOGISTIC_GAMMA};

/// What one call to [`CertifiedModel::remove`] did. All residual figures
/// are joint over the binary models (`‖(β_1, …, β_k)‖₂`, see the crate
/// docs on composition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovalReport {
    /// Points removed by this call.
    pub removed: usize,
    /// Corollary 1 bound of this step, joint over models. When the step
    /// triggered a retrain this is the bound that did not fit.
    pub residual_bound: f64,
    /// The same bound per binary model: `γ ‖X‖₂ ‖H⁻¹Δ‖ ‖X H⁻¹Δ‖`.
    pub per_model_bound: Vec<f64>,
    /// Accumulated joint residual after the call (after the reset if the
    /// model was retrained).
    pub residual_total: f64,
    /// `σε/c`.
    pub budget: f64,
    /// `budget − residual_total`.
    pub budget_remaining: f64,
    /// Whether the budget forced a retrain from scratch on D′.
    pub retrained: bool,
    /// Wall time of the call.
    pub seconds: f64,
}

impl CertifiedModel {
    /// Removes rows `remove_idx` of the **current** training data
    /// `(x_all, labels_all)` (exactly `n_train` rows, in any order but the
    /// same as used to build the indices), certifiably.
    ///
    /// One batched Newton step per binary model (Sec. 3, batch form):
    /// `Δ = mλw + Σ_{i∈S} ∇ℓ(wᵀxᵢ, yᵢ)`, `H = ∇²L(w; D′)` including
    /// `λ(n−m)I`, `w⁻ = w + H⁻¹Δ`; per-model bound
    /// `γ‖X‖₂‖H⁻¹Δ‖‖XH⁻¹Δ‖` (Corollary 1) added to β_j. If the joint
    /// `‖β‖₂` would exceed `σε/c`, the model is instead retrained from
    /// scratch on D′ with the same b and β resets to the new training
    /// residual (Algorithm 2).
    ///
    /// Afterwards the caller must drop the removed rows from its data; the
    /// next call expects `n_train − m` rows. On error the model is
    /// unchanged.
    ///
    /// Cost: per model one O((n−m)d²) Hessian and one O(d³) Cholesky,
    /// versus several of each for a retrain, whatever m is. Budget-wise a
    /// batch is dearer than the same points one by one: the bound grows
    /// like m² (Theorem 3) rather than linearly.
    pub fn remove(
        &mut self,
        x_all: &[f32],
        labels_all: &[u32],
        remove_idx: &[usize],
    ) -> Result<RemovalReport, CertifiedError> {
        let start = Instant::now();
        let n = labels_all.len();
        if n != self.n_train {
            return Err(CertifiedError::TrainSizeMismatch {
                expected: self.n_train,
                got: n,
            });
        }
        self.check_current(x_all, labels_all)?;
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
        let (d, k) = (self.dim, self.num_models());
        let lambda = self.params.lambda();
        let reg = lambda * (n - m) as f64;
        let mut new_weights = self.weights.clone();
        let mut steps = Vec::with_capacity(k);
        let mut row = vec![0.0; d];
        for j in 0..k {
            let w = &self.weights[j * d..(j + 1) * d];
            // Δ: gradient, at w, of the terms that leave the objective (the
            // m points and mλ‖w‖²/2 of the regulariser); ∇L_b(w; D′) = r − Δ.
            let mut delta: Vec<f64> = w.iter().map(|wi| m as f64 * lambda * wi).collect();
            for &i in remove_idx {
                view.load(i, &mut row);
                let y = view.target(i, j, k);
                let yz = y * dot(w, &row);
                axpy(&mut delta, -y * sigmoid(-yz), &row);
            }
            let mut h = hessian_data(&view, w);
            for a in 0..d {
                h[a * d + a] += reg;
            }
            cholesky(&mut h, d)?;
            let mut v = delta;
            cholesky_solve(&h, d, &mut v);
            // Corollary 1. Its proof covers any Δ and the Hessian at w on
            // D′, so it holds for batches and for a w that is itself only an
            // approximate optimum (the old residual adds on, see crate docs).
            let xv = xv_norm_sq(&view, &v).sqrt();
            steps.push(LOGISTIC_GAMMA * self.norm_bound * norm(&v) * xv);
            axpy(&mut new_weights[j * d..(j + 1) * d], 1.0, &v);
        }

        let spent: Vec<f64> = self
            .residual_spent
            .iter()
            .zip(&steps)
            .map(|(b, s)| b + s)
            .collect();
        let budget = self.budget();
        let retrained = norm(&spent) > budget;
        if retrained {
            let fitted = fit(&view, k, &self.noise, &self.params)?;
            self.weights = fitted.weights;
            self.residual_spent = fitted.residuals;
            self.norm_bound = fitted.norm_bound;
            self.retrains += 1;
        } else {
            self.weights = new_weights;
            self.residual_spent = spent;
        }
        self.removals += m;
        self.n_train = n - m;
        let residual_total = self.residual_total();
        Ok(RemovalReport {
            removed: m,
            residual_bound: norm(&steps),
            per_model_bound: steps,
            residual_total,
            budget,
            budget_remaining: budget - residual_total,
            retrained,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}
