//! Checked deserialisation of [`CertifiedModel`].

use serde::Deserialize;

use crate::{CertifiedError, CertifiedModel, ValidCertifiedParams};

/// Unchecked mirror of [`CertifiedModel`] for deserialisation.
#[derive(Deserialize)]
pub(crate) struct ModelRepr {
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
}

impl TryFrom<ModelRepr> for CertifiedModel {
    type Error = CertifiedError;
    fn try_from(r: ModelRepr) -> Result<Self, CertifiedError> {
        if r.dim == 0 {
            return Err(CertifiedError::ZeroDimension);
        }
        if r.num_classes < 2 {
            return Err(CertifiedError::TooFewClasses(r.num_classes));
        }
        let models = if r.num_classes == 2 { 1 } else { r.num_classes };
        for (what, expected, got) in [
            ("weights", models * r.dim, r.weights.len()),
            ("noise", models * r.dim, r.noise.len()),
            ("residual_spent", models, r.residual_spent.len()),
        ] {
            if expected != got {
                return Err(CertifiedError::ShapeMismatch {
                    what,
                    expected,
                    got,
                });
            }
        }
        if r.n_train == 0 {
            return Err(CertifiedError::EmptyData);
        }
        Ok(Self {
            weights: r.weights,
            num_classes: r.num_classes,
            dim: r.dim,
            feature_scale: r.feature_scale,
            params: r.params,
            noise: r.noise,
            residual_spent: r.residual_spent,
            norm_bound: r.norm_bound,
            removals: r.removals,
            retrains: r.retrains,
            n_train: r.n_train,
            curvature: crate::CurvatureCache::default(),
        })
    }
}
