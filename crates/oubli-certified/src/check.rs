//! Input checks shared by training, removal and prediction.

use crate::{CertifiedError, CertifiedModel};

impl CertifiedModel {
    /// Shape/label/finiteness checks plus ‖scaled row‖ ≤ 1, which the
    /// bounds assume and which any subset of the training data satisfies.
    pub(crate) fn check_current(&self, x: &[f32], labels: &[u32]) -> Result<(), CertifiedError> {
        check_data(x, labels, self.dim, self.num_classes)?;
        for (row, r) in x.chunks_exact(self.dim).enumerate() {
            let nrm = self.feature_scale * row_norm_sq(r).sqrt();
            if nrm > 1.0 + 1e-9 {
                return Err(CertifiedError::RowNormTooLarge { row, norm: nrm });
            }
        }
        Ok(())
    }
}

/// `‖r‖²` in f64 with four accumulators, so that the O(n·d) row checks
/// vectorise (one serial sum waits on every addition). Not used where the
/// value feeds the model (the feature scale), only for the 1e-9-tolerant
/// norm checks.
fn row_norm_sq(r: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = r.chunks_exact(4);
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&v| f64::from(v).powi(2))
        .sum();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f64::from(v) * f64::from(v);
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// The checks of [`CertifiedModel::check_current`] restricted to `rows` (plus
/// the O(1) shape check): what a removal that reads only those rows needs.
/// Out-of-range indices are left to the caller's index checks.
pub(crate) fn check_rows(
    model: &CertifiedModel,
    x: &[f32],
    labels: &[u32],
    rows: &[usize],
) -> Result<(), CertifiedError> {
    let d = model.dim;
    if x.len() != labels.len() * d {
        return Err(CertifiedError::ShapeMismatch {
            what: "x",
            expected: labels.len() * d,
            got: x.len(),
        });
    }
    for &row in rows.iter().filter(|&&i| i < labels.len()) {
        let label = labels[row];
        if label as usize >= model.num_classes {
            return Err(CertifiedError::LabelOutOfRange {
                row,
                label,
                num_classes: model.num_classes,
            });
        }
        let r = &x[row * d..(row + 1) * d];
        if r.iter().any(|v| !v.is_finite()) {
            return Err(CertifiedError::NonFiniteFeature { row });
        }
        let nrm = model.feature_scale * row_norm_sq(r).sqrt();
        if nrm > 1.0 + 1e-9 {
            return Err(CertifiedError::RowNormTooLarge { row, norm: nrm });
        }
    }
    Ok(())
}

pub(crate) fn check_data(
    x: &[f32],
    labels: &[u32],
    dim: usize,
    k: usize,
) -> Result<(), CertifiedError> {
    if dim == 0 {
        return Err(CertifiedError::ZeroDimension);
    }
    if labels.is_empty() {
        return Err(CertifiedError::EmptyData);
    }
    if x.len() != labels.len() * dim {
        return Err(CertifiedError::ShapeMismatch {
            what: "x",
            expected: labels.len() * dim,
            got: x.len(),
        });
    }
    if let Some((row, &label)) = labels.iter().enumerate().find(|(_, &l)| l as usize >= k) {
        return Err(CertifiedError::LabelOutOfRange {
            row,
            label,
            num_classes: k,
        });
    }
    if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
        return Err(CertifiedError::NonFiniteFeature { row: pos / dim });
    }
    Ok(())
}
