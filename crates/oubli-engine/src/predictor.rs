//! A model ready to serve predictions: what the HTTP server keeps as its active model.
//!
//! A single network's parameters are uploaded once here, when the model is swapped in,
//! instead of once per call; ensembles and certified models predict from the model itself.
//! Outputs are bit-identical to [`AnyModel::predict`] (tested per kind).

use crate::{AnyModel, EngineError};
use oubli_model::PreparedNetwork;

/// A model prepared for repeated inference.
#[derive(Clone)]
pub struct Predictor {
    model: AnyModel,
    prepared: Option<PreparedNetwork>,
}

impl AnyModel {
    /// This model, prepared for serving.
    pub fn predictor(&self) -> Predictor {
        let prepared = match self {
            AnyModel::Single(m) => Some(m.net.prepare(&m.file.params)),
            AnyModel::Sisa(_) | AnyModel::Certified(_) => None,
        };
        Predictor {
            model: self.clone(),
            prepared,
        }
    }
}

impl Predictor {
    /// Class probabilities (row-major `n × num_classes`) for rows of `x`, as
    /// [`AnyModel::predict`].
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>, EngineError> {
        match &self.prepared {
            Some(p) => {
                let dim = self.model.input_dim();
                if dim == 0 || !x.len().is_multiple_of(dim) {
                    return Err(EngineError::RaggedInput {
                        floats: x.len(),
                        dim,
                    });
                }
                Ok(p.probabilities(x, x.len() / dim))
            }
            None => self.model.predict(x),
        }
    }

    /// The model it serves.
    pub fn model(&self) -> &AnyModel {
        &self.model
    }
}
