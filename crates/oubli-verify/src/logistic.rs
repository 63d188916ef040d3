//! A tiny L2-regularised logistic regression (Newton's method, f64) with
//! feature standardisation, enough for the 1–2 feature attack models.
//!
//! The objective mirrors scikit-learn's default `LogisticRegression()`
//! (`C = 1`, L2 penalty on the weights, unpenalised intercept), which is what
//! the NeurIPS 2023 starting kit and the SalUn evaluation code call:
//! `minimise ½‖w‖² + Σᵢ log(1 + exp(−yᵢ (w·xᵢ + b)))` with `yᵢ ∈ {−1, +1}`.

/// Per-feature mean and standard deviation, fitted on training rows only so
/// held-out folds never leak into the scaling.
#[derive(Debug, Clone)]
struct Standardizer {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Standardizer {
    fn fit(rows: &[Vec<f64>]) -> Self {
        let d = rows.first().map_or(0, Vec::len);
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; d];
        for r in rows {
            for (m, x) in mean.iter_mut().zip(r) {
                *m += x / n;
            }
        }
        let mut var = vec![0.0; d];
        for r in rows {
            for ((v, x), m) in var.iter_mut().zip(r).zip(&mean) {
                *v += (x - m) * (x - m) / n;
            }
        }
        // A constant feature carries no information: scale 1 keeps it at 0.
        let std = var
            .iter()
            .map(|v| if *v > 1e-24 { v.sqrt() } else { 1.0 })
            .collect();
        Self { mean, std }
    }

    fn transform(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(&self.mean)
            .zip(&self.std)
            .map(|((x, m), s)| (x - m) / s)
            .collect()
    }
}

/// A fitted binary logistic-regression model (label `true` = positive class).
#[derive(Debug, Clone)]
pub(crate) struct LogisticModel {
    scaler: Standardizer,
    weights: Vec<f64>,
    bias: f64,
}

/// Inverse L2 strength, scikit-learn's default `C`.
const INVERSE_REGULARISATION: f64 = 1.0;
const MAX_NEWTON_STEPS: usize = 100;

impl LogisticModel {
    /// Fits the model on `rows` (all of the same width) with labels `labels`.
    pub(crate) fn fit(rows: &[Vec<f64>], labels: &[bool]) -> Self {
        assert_eq!(rows.len(), labels.len(), "one label per row");
        let scaler = Standardizer::fit(rows);
        let x: Vec<Vec<f64>> = rows.iter().map(|r| scaler.transform(r)).collect();
        let d = scaler.mean.len();
        // Parameters θ = (w₁..w_d, b).
        let mut theta = vec![0.0; d + 1];
        let mut current = objective(&x, labels, &theta);
        for _ in 0..MAX_NEWTON_STEPS {
            let (grad, hess) = gradient_and_hessian(&x, labels, &theta);
            let Some(step) = solve(hess, grad) else { break };
            // Backtracking keeps Newton monotone even far from the optimum.
            let mut t = 1.0;
            let mut improved = false;
            while t > 1e-8 {
                let cand: Vec<f64> = theta.iter().zip(&step).map(|(p, s)| p - t * s).collect();
                let value = objective(&x, labels, &cand);
                if value <= current {
                    let moved = step.iter().map(|s| (t * s).abs()).fold(0.0, f64::max);
                    theta = cand;
                    current = value;
                    improved = moved > 1e-10;
                    break;
                }
                t *= 0.5;
            }
            if !improved {
                break;
            }
        }
        let bias = theta[d];
        theta.truncate(d);
        Self {
            scaler,
            weights: theta,
            bias,
        }
    }

    /// Direction of the model along feature `j` in original units: +1 if a
    /// larger value raises the positive-class probability, −1 if it lowers
    /// it, 0 if the feature is ignored.
    pub(crate) fn direction(&self, j: usize) -> f64 {
        if self.weights[j] > 0.0 {
            1.0
        } else if self.weights[j] < 0.0 {
            -1.0
        } else {
            0.0
        }
    }

    /// Probability that `row` belongs to the positive class.
    pub(crate) fn predict_proba(&self, row: &[f64]) -> f64 {
        let z = self.scaler.transform(row);
        sigmoid(self.weights.iter().zip(&z).map(|(w, x)| w * x).sum::<f64>() + self.bias)
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + exp(z))` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 30.0 {
        z
    } else {
        z.exp().ln_1p()
    }
}

fn margin(row: &[f64], theta: &[f64]) -> f64 {
    let d = row.len();
    row.iter().zip(theta).map(|(x, w)| x * w).sum::<f64>() + theta[d]
}

fn objective(x: &[Vec<f64>], y: &[bool], theta: &[f64]) -> f64 {
    let d = theta.len() - 1;
    let penalty = 0.5 * theta[..d].iter().map(|w| w * w).sum::<f64>();
    let loss: f64 = x
        .iter()
        .zip(y)
        .map(|(r, &yi)| {
            let m = margin(r, theta);
            softplus(if yi { -m } else { m })
        })
        .sum();
    penalty + INVERSE_REGULARISATION * loss
}

fn gradient_and_hessian(x: &[Vec<f64>], y: &[bool], theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = theta.len();
    let d = p - 1;
    let mut grad = vec![0.0; p];
    let mut hess = vec![vec![0.0; p]; p];
    for (r, &yi) in x.iter().zip(y) {
        let prob = sigmoid(margin(r, theta));
        let resid = prob - if yi { 1.0 } else { 0.0 };
        let weight = (prob * (1.0 - prob)).max(1e-12);
        // Features with the constant 1 of the intercept appended.
        let f: Vec<f64> = r.iter().copied().chain([1.0]).collect();
        for (j, fj) in f.iter().enumerate() {
            grad[j] += INVERSE_REGULARISATION * resid * fj;
            for (h, fk) in hess[j].iter_mut().zip(&f) {
                *h += INVERSE_REGULARISATION * weight * fj * fk;
            }
        }
    }
    for j in 0..d {
        grad[j] += theta[j];
        hess[j][j] += 1.0;
    }
    // The intercept is unpenalised; a whisker of ridge keeps a one-class
    // training set from making the system singular.
    hess[d][d] += 1e-9;
    (grad, hess)
}

/// Solves `a · s = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut s = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row][k] * s[k]).sum();
        s[row] = (b[row] - tail) / a[row][row];
    }
    s.iter().all(|v| v.is_finite()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_a_shifted_feature_and_orders_probabilities() {
        let rows: Vec<Vec<f64>> = (0..100).map(|i| vec![i as f64]).collect();
        let labels: Vec<bool> = (0..100).map(|i| i >= 50).collect();
        let m = LogisticModel::fit(&rows, &labels);
        assert!(m.predict_proba(&[90.0]) > 0.9);
        assert!(m.predict_proba(&[10.0]) < 0.1);
        assert!(m.predict_proba(&[60.0]) > m.predict_proba(&[40.0]));
        assert_eq!(m.direction(0), 1.0);
    }

    #[test]
    fn uninformative_feature_gives_base_rate() {
        let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![(i % 2) as f64]).collect();
        let labels: Vec<bool> = (0..40).map(|i| i < 20).collect();
        let m = LogisticModel::fit(&rows, &labels);
        assert!((m.predict_proba(&[0.0]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn solve_matches_hand_solution() {
        // 2x + y = 5, x + 3y = 10  →  x = 1, y = 3.
        let s = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![5.0, 10.0]).unwrap();
        assert!((s[0] - 1.0).abs() < 1e-12 && (s[1] - 3.0).abs() < 1e-12);
    }
}
