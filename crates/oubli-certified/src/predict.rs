//! Prediction with the one-vs-rest models. Inputs are scaled by the
//! model's `feature_scale` exactly as in training.

use crate::linalg::dot;
use crate::train::sigmoid;
use crate::{check_data, CertifiedError, CertifiedModel};

impl CertifiedModel {
    /// Raw margins `w_jᵀ(s·x)`, `n × num_models`.
    fn margins(&self, x: &[f32]) -> Result<Vec<f64>, CertifiedError> {
        if !x.len().is_multiple_of(self.dim) {
            return Err(CertifiedError::ShapeMismatch {
                what: "x",
                expected: x.len() / self.dim * self.dim,
                got: x.len(),
            });
        }
        let mut row = vec![0.0; self.dim];
        let mut out = Vec::with_capacity(x.len() / self.dim * self.num_models());
        for r in x.chunks_exact(self.dim) {
            for (b, &v) in row.iter_mut().zip(r) {
                *b = f64::from(v) * self.feature_scale;
            }
            out.extend(self.weights.chunks_exact(self.dim).map(|w| dot(w, &row)));
        }
        Ok(out)
    }

    /// Class probabilities, `n × num_classes` row-major. Binary: `[1−p, p]`;
    /// one-vs-rest: the k sigmoids normalised to sum to 1.
    pub fn predict_proba(&self, x: &[f32]) -> Result<Vec<f64>, CertifiedError> {
        let m = self.margins(x)?;
        if self.num_models() == 1 {
            return Ok(m
                .iter()
                .flat_map(|&z| [1.0 - sigmoid(z), sigmoid(z)])
                .collect());
        }
        let mut out = Vec::with_capacity(m.len());
        for row in m.chunks_exact(self.num_models()) {
            let p: Vec<f64> = row.iter().map(|&z| sigmoid(z)).collect();
            let s: f64 = p.iter().sum();
            out.extend(p.iter().map(|v| v / s));
        }
        Ok(out)
    }

    /// Predicted labels (largest one-vs-rest margin; sign for binary).
    pub fn predict(&self, x: &[f32]) -> Result<Vec<u32>, CertifiedError> {
        let m = self.margins(x)?;
        if self.num_models() == 1 {
            return Ok(m.iter().map(|&z| u32::from(z > 0.0)).collect());
        }
        Ok(m.chunks_exact(self.num_models())
            .map(|row| {
                let best = row
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |b, (j, &z)| if z > b.1 { (j, z) } else { b },
                    );
                best.0 as u32
            })
            .collect())
    }

    /// Fraction of rows whose prediction equals the label.
    pub fn accuracy(&self, x: &[f32], labels: &[u32]) -> Result<f64, CertifiedError> {
        check_data(x, labels, self.dim, self.num_classes)?;
        let pred = self.predict(x)?;
        let hits = pred.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(hits as f64 / labels.len() as f64)
    }
}
