//! Accuracy, loss and per-sample statistics of a model on a split.

use crate::network::Network;
use crate::params::Params;
use oubli_data::Split;
use serde::Serialize;

/// Per-sample outputs of a model on a split: what every metric and attack is computed from.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// Softmax probabilities, row-major `n × num_classes`.
    pub probs: Vec<f32>,
    /// Cross-entropy loss of each sample.
    pub losses: Vec<f32>,
    /// Predicted class of each sample.
    pub predictions: Vec<u32>,
    /// True labels.
    pub labels: Vec<u32>,
    /// Number of classes.
    pub num_classes: usize,
}

/// The class a row of probabilities (or logits) picks: the first of equal maxima, the rule
/// every prediction and accuracy in oubli uses.
pub fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b })
        .0
}

impl Outputs {
    /// Runs the model on every sample of `split`.
    pub fn compute(net: &Network, params: &Params, split: &Split) -> Self {
        let k = net.spec().num_classes;
        let probs = net.probabilities(params, &split.features, split.len());
        let mut losses = Vec::with_capacity(split.len());
        let mut predictions = Vec::with_capacity(split.len());
        for (row, &y) in probs.chunks(k).zip(&split.labels) {
            losses.push(-(row[y as usize].max(1e-12)).ln());
            predictions.push(argmax(row) as u32);
        }
        Self {
            probs,
            losses,
            predictions,
            labels: split.labels.clone(),
            num_classes: k,
        }
    }

    /// Probability each sample's model gives its true label.
    pub fn true_class_confidence(&self) -> Vec<f32> {
        let k = self.num_classes;
        self.labels
            .iter()
            .enumerate()
            .map(|(i, &y)| self.probs[i * k + y as usize])
            .collect()
    }

    /// Summary metrics.
    pub fn evaluation(&self) -> Evaluation {
        let n = self.labels.len();
        let k = self.num_classes;
        let mut correct_per_class = vec![0usize; k];
        let mut count_per_class = vec![0usize; k];
        let mut correct = 0;
        for (&p, &y) in self.predictions.iter().zip(&self.labels) {
            count_per_class[y as usize] += 1;
            if p == y {
                correct += 1;
                correct_per_class[y as usize] += 1;
            }
        }
        let per_class_accuracy = correct_per_class
            .iter()
            .zip(&count_per_class)
            .map(|(&c, &t)| {
                if t == 0 {
                    None
                } else {
                    Some(c as f64 / t as f64)
                }
            })
            .collect();
        Evaluation {
            samples: n,
            accuracy: if n == 0 {
                f64::NAN
            } else {
                correct as f64 / n as f64
            },
            loss: if n == 0 {
                f64::NAN
            } else {
                self.losses.iter().map(|&l| f64::from(l)).sum::<f64>() / n as f64
            },
            per_class_accuracy,
        }
    }
}

/// Accuracy and loss of a model on a set of samples.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    /// Number of samples evaluated.
    pub samples: usize,
    /// Share predicted correctly, in [0, 1] (NaN for an empty set).
    pub accuracy: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Accuracy per class (`null` for a class with no sample in the set).
    pub per_class_accuracy: Vec<Option<f64>>,
}

/// Evaluates `params` on `split`.
pub fn evaluate(net: &Network, params: &Params, split: &Split) -> Evaluation {
    Outputs::compute(net, params, split).evaluation()
}
