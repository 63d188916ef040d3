//! What is measured on a model after each request: test accuracy, accuracy on every
//! deleted owner's samples so far, and a cheap membership signal.

use crate::ScenarioError;
use oubli_data::Dataset;
use oubli_engine::AnyModel;
use oubli_model::Outputs;
use oubli_verify::loss_threshold_attack;
use serde::Serialize;

/// A model's quality and what it still shows of the deleted owners.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Measured {
    /// Accuracy on the test split.
    pub test_accuracy: f64,
    /// Accuracy on the training samples of every owner deleted so far (None before the
    /// first request).
    pub forget_accuracy: Option<f64>,
    /// AUC of the loss-threshold attack (Yeom et al. 2018) telling those samples from the
    /// test split by their loss: 0.5 is no signal. Compare with the oracle's, which is not
    /// 0.5 either (an owner's samples are skewed to a few classes).
    pub membership_auc: Option<f64>,
}

fn accuracy(o: &Outputs) -> f64 {
    let right = o
        .predictions
        .iter()
        .zip(&o.labels)
        .filter(|(p, y)| p == y)
        .count();
    right as f64 / o.labels.len().max(1) as f64
}

fn losses(o: &Outputs) -> Vec<f64> {
    o.losses.iter().map(|&l| l as f64).collect()
}

/// Measures `model` on `dataset`'s test split and on `forget` (indices into its
/// training split: the deleted owners' samples).
pub fn measure(
    model: &AnyModel,
    dataset: &Dataset,
    forget: &[usize],
) -> Result<Measured, ScenarioError> {
    let test = model.outputs(dataset, &dataset.test)?;
    let test_accuracy = accuracy(&test);
    if forget.is_empty() {
        return Ok(Measured {
            test_accuracy,
            forget_accuracy: None,
            membership_auc: None,
        });
    }
    let f = model.outputs(dataset, &dataset.train.subset(forget))?;
    let attack = loss_threshold_attack(&losses(&f), &losses(&test));
    Ok(Measured {
        test_accuracy,
        forget_accuracy: Some(accuracy(&f)),
        membership_auc: Some(attack.auc),
    })
}
