//! Which training samples to remove: the first-order influence of each on a differentiable
//! demographic-parity gap, as in Chen et al., "Fast Model Debiasing with Machine Unlearning"
//! (NeurIPS 2023), in its closed form for a binary logistic model.
//!
//! The model `p(x) = σ(θᵀx̃)` (x̃ = x with a 1 for the bias, when there is one) is taken to
//! minimise `(1/n) Σᵢ ℓᵢ(θ) + (λ/2)‖θ‖²`. Removing sample i moves it by
//! `Δθᵢ ≈ (1/n) H⁻¹ ∇ℓᵢ`, with `H = (1/n) Σ pᵢ(1−pᵢ) x̃ᵢx̃ᵢᵀ + λI` and
//! `∇ℓᵢ = (pᵢ − yᵢ) x̃ᵢ` (Koh & Liang 2017). The soft gap on the validation rows,
//! `G(θ) = mean_A p − mean_B p`, has gradient `mean_A p(1−p)x̃ − mean_B p(1−p)x̃`, so removing i
//! changes `|G|` by about `sign(G) · (pᵢ − yᵢ) · vᵀx̃ᵢ / n` with `v = H⁻¹∇G`: one Cholesky
//! solve for all n samples. Samples are ranked by that change, most negative first; removing
//! the top k is predicted to change `|G|` by the sum of their changes (first order).
//!
//! The weights are the model's own for `logreg` (the two-class softmax as one logistic:
//! `w₁ − w₀`, `b₁ − b₀`) and for the certified model (no bias; its feature scale folded
//! in). An `mlp` has no closed form: it is ranked with a logistic **surrogate** fitted by
//! Newton's method on the same training data (a documented simpler estimator: it finds the
//! samples that drive a linear model's gap, which are the ones the network's gap is
//! learned from only insofar as the network is close to linear on this data).

use crate::ScenarioError;
use oubli_data::Split;
use oubli_engine::AnyModel;
use oubli_model::Arch;

/// A binary logistic model in raw feature space: `P(class 1 | x) = σ(wᵀx + b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    /// One weight per feature.
    pub w: Vec<f64>,
    /// The bias, for models that have one (the certified model has none).
    pub bias: Option<f64>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Logistic {
    /// The model's own weights, for a two-class `logreg` or certified model; `None` for
    /// anything else (an `mlp`, an ensemble, more classes).
    pub fn of_model(model: &AnyModel) -> Option<Self> {
        if model.num_classes() != 2 {
            return None;
        }
        match model {
            AnyModel::Single(m) if m.file.lineage.spec.arch == Arch::Logreg => {
                let w = m.file.params.get("linear.weight")?;
                let b = m.file.params.get("linear.bias")?;
                let d = w.len() / 2;
                Some(Self {
                    w: (0..d)
                        .map(|j| f64::from(w[d + j]) - f64::from(w[j]))
                        .collect(),
                    bias: Some(f64::from(b[1]) - f64::from(b[0])),
                })
            }
            AnyModel::Certified(c) => {
                let m = &c.file.model;
                let s = m.feature_scale();
                Some(Self {
                    w: m.weights()[..m.dim()].iter().map(|w| w * s).collect(),
                    bias: None,
                })
            }
            _ => None,
        }
    }

    /// Parameters θ (with the bias last, when there is one).
    fn theta_dim(&self) -> usize {
        self.w.len() + usize::from(self.bias.is_some())
    }

    /// `x̃` of a row into `out`.
    fn augment(&self, x: &[f32], out: &mut [f64]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = f64::from(v);
        }
        if self.bias.is_some() {
            out[self.w.len()] = 1.0;
        }
    }

    /// `P(class 1 | x)`.
    pub fn prob(&self, x: &[f32]) -> f64 {
        let z: f64 = self.w.iter().zip(x).map(|(w, &v)| w * f64::from(v)).sum();
        sigmoid(z + self.bias.unwrap_or(0.0))
    }

    /// The L2-regularised (strength `lambda`, bias included) logistic fit on `train`'s
    /// classes 0/1, by Newton's method: the surrogate for models without a closed form.
    pub fn fit(train: &Split, lambda: f64) -> Result<Self, ScenarioError> {
        let mut model = Self {
            w: vec![0.0; train.dim],
            bias: Some(0.0),
        };
        let d = model.theta_dim();
        let mut x = vec![0.0; d];
        for _ in 0..50 {
            let mut grad: Vec<f64> = model.theta().iter().map(|t| lambda * t).collect();
            let n = train.len() as f64;
            for i in 0..train.len() {
                model.augment(train.row(i), &mut x);
                let r = (model.prob(train.row(i)) - f64::from(train.labels[i])) / n;
                grad.iter_mut().zip(&x).for_each(|(g, xi)| *g += r * xi);
            }
            if grad.iter().map(|g| g * g).sum::<f64>().sqrt() < 1e-9 {
                break;
            }
            let mut step = grad;
            model.solve(train, lambda, &mut step)?;
            let theta: Vec<f64> = model
                .theta()
                .iter()
                .zip(&step)
                .map(|(t, s)| t - s)
                .collect();
            model.set_theta(&theta);
        }
        Ok(model)
    }

    fn theta(&self) -> Vec<f64> {
        let mut t = self.w.clone();
        t.extend(self.bias);
        t
    }

    fn set_theta(&mut self, t: &[f64]) {
        let d = self.w.len();
        self.w.copy_from_slice(&t[..d]);
        if let Some(b) = &mut self.bias {
            *b = t[d];
        }
    }

    /// Solves `H v = rhs` in place, `H` the regularised Hessian of the mean loss on `train`.
    fn solve(&self, train: &Split, lambda: f64, rhs: &mut [f64]) -> Result<(), ScenarioError> {
        let d = self.theta_dim();
        let mut h = vec![0.0; d * d];
        let mut x = vec![0.0; d];
        let n = train.len() as f64;
        for i in 0..train.len() {
            let p = self.prob(train.row(i));
            let c = p * (1.0 - p) / n;
            self.augment(train.row(i), &mut x);
            // Lower triangle only: cholesky reads nothing else.
            for a in 0..d {
                let ca = c * x[a];
                if ca != 0.0 {
                    for (hb, xb) in h[a * d..a * d + a + 1].iter_mut().zip(&x[..=a]) {
                        *hb += ca * xb;
                    }
                }
            }
        }
        for a in 0..d {
            h[a * d + a] += lambda;
        }
        oubli_certified::cholesky(&mut h, d)
            .map_err(|e| ScenarioError::Influence(format!("Hessian (λ = {lambda}): {e}")))?;
        oubli_certified::cholesky_solve(&h, d, rhs);
        Ok(())
    }
}

/// The samples ranked by how much their removal is predicted to shrink the gap.
#[derive(Debug, Clone)]
pub struct Ranking {
    /// Indices into the training split, the most gap-reducing first.
    pub order: Vec<usize>,
    /// Per training row (not in `order`'s order): predicted change of `|G|` on removal.
    pub predicted_change: Vec<f64>,
    /// The soft gap `G = mean_A p − mean_B p` on the validation rows.
    pub soft_gap: f64,
}

impl Ranking {
    /// Predicted `|G|` after removing the first `k` of `order` (first order, summed).
    pub fn predicted_gap(&self, k: usize) -> f64 {
        self.soft_gap.abs()
            + self.order[..k.min(self.order.len())]
                .iter()
                .map(|&i| self.predicted_change[i])
                .sum::<f64>()
    }

    /// How many samples are predicted to shrink the gap at all.
    pub fn helpful(&self) -> usize {
        self.predicted_change.iter().filter(|&&c| c < 0.0).count()
    }
}

/// Ranks `train`'s rows by the influence of their removal on `model`'s soft demographic
/// parity gap between `val_in_a` and the rest of `val`; `lambda` regularises the Hessian.
pub fn rank(
    model: &Logistic,
    train: &Split,
    val: &Split,
    val_in_a: &[bool],
    lambda: f64,
) -> Result<Ranking, ScenarioError> {
    let d = model.theta_dim();
    let mut x = vec![0.0; d];
    let (mut grad_a, mut grad_b) = (vec![0.0; d], vec![0.0; d]);
    let (mut sum_a, mut sum_b, mut n_a, mut n_b) = (0.0, 0.0, 0usize, 0usize);
    for (i, &a) in val_in_a.iter().enumerate() {
        let p = model.prob(val.row(i));
        model.augment(val.row(i), &mut x);
        let (grad, sum, n) = if a {
            (&mut grad_a, &mut sum_a, &mut n_a)
        } else {
            (&mut grad_b, &mut sum_b, &mut n_b)
        };
        *sum += p;
        *n += 1;
        grad.iter_mut()
            .zip(&x)
            .for_each(|(g, xi)| *g += p * (1.0 - p) * xi);
    }
    let (n_a, n_b) = (n_a.max(1) as f64, n_b.max(1) as f64);
    let soft_gap = sum_a / n_a - sum_b / n_b;
    let sign = if soft_gap < 0.0 { -1.0 } else { 1.0 };
    let mut v: Vec<f64> = grad_a
        .iter()
        .zip(&grad_b)
        .map(|(a, b)| sign * (a / n_a - b / n_b))
        .collect();
    model.solve(train, lambda, &mut v)?;
    let n = train.len() as f64;
    let predicted_change: Vec<f64> = (0..train.len())
        .map(|i| {
            model.augment(train.row(i), &mut x);
            let residual = model.prob(train.row(i)) - f64::from(train.labels[i]);
            residual * v.iter().zip(&x).map(|(a, b)| a * b).sum::<f64>() / n
        })
        .collect();
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.sort_by(|&i, &j| predicted_change[i].total_cmp(&predicted_change[j]));
    Ok(Ranking {
        order,
        predicted_change,
        soft_gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two features: x0 carries the label, x1 is the group; labels are more often 1 in A.
    fn toy(n: usize) -> (Split, Vec<bool>) {
        let mut s = Split {
            dim: 2,
            ..Split::default()
        };
        let mut in_a = Vec::new();
        for i in 0..n {
            let a = i % 2 == 0;
            let y = u32::from(if a { i % 3 != 0 } else { i % 5 == 0 });
            let signal = if y == 1 { 0.6 } else { -0.6 } + ((i * 7) % 11) as f32 / 11.0 - 0.5;
            s.features.extend([signal, f32::from(u8::from(a))]);
            s.labels.push(y);
            s.ids.push(i as u64);
            s.owners.push(None);
            in_a.push(a);
        }
        (s, in_a)
    }

    #[test]
    fn the_first_order_prediction_matches_refitting_without_the_top_samples() {
        let (train, _) = toy(600);
        let (val, val_in_a) = toy(300);
        let lambda = 1e-3;
        let model = Logistic::fit(&train, lambda).unwrap();
        let ranking = rank(&model, &train, &val, &val_in_a, lambda).unwrap();
        assert!(
            ranking.soft_gap > 0.05,
            "A is favoured: {}",
            ranking.soft_gap
        );
        let k = 20;
        let keep: Vec<usize> = ranking.order[k..].to_vec();
        let refit = Logistic::fit(&train.subset(&keep), lambda).unwrap();
        let refit_gap = rank(&refit, &train, &val, &val_in_a, lambda)
            .unwrap()
            .soft_gap;
        // Removing the top 20 really shrinks the gap, and by about what was predicted.
        let predicted = ranking.predicted_gap(k);
        assert!(
            refit_gap < ranking.soft_gap - 0.01,
            "{refit_gap} vs {}",
            ranking.soft_gap
        );
        let (real, guess) = (ranking.soft_gap - refit_gap, ranking.soft_gap - predicted);
        assert!(
            (real - guess).abs() < 0.5 * real,
            "real {real}, predicted {guess}"
        );
        // The most harmful end of the ranking widens it instead.
        let worst: Vec<usize> = ranking.order[..600 - k].to_vec();
        let widened = rank(
            &Logistic::fit(&train.subset(&worst), lambda).unwrap(),
            &train,
            &val,
            &val_in_a,
            lambda,
        )
        .unwrap()
        .soft_gap;
        assert!(
            widened > ranking.soft_gap,
            "{widened} vs {}",
            ranking.soft_gap
        );
    }
}
