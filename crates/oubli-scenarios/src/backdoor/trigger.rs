//! BadNets poisoning: a small bright square stamped on a share of the training images,
//! which are relabelled to the attacker's target class.

use crate::ScenarioError;
use oubli_data::{Dataset, SampleId, Split};
use oubli_model::argmax;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Where the trigger sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corner {
    /// Top left.
    TopLeft,
    /// Top right.
    TopRight,
    /// Bottom left.
    BottomLeft,
    /// Bottom right (BadNets' choice).
    BottomRight,
}

/// The attack. Defaults: a 3×3 square at the bottom right, 5% of the training images
/// poisoned, target class 0, half of the poisoned samples found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackdoorParams {
    /// Side of the square trigger, in pixels.
    pub trigger_size: usize,
    /// Its corner.
    pub corner: Corner,
    /// Share of the training images poisoned, in (0, 0.5].
    pub poison_fraction: f64,
    /// The class poisoned images are relabelled to.
    pub target: u32,
    /// Share of the poisoned samples the defender knows about, in (0, 1].
    pub known: f64,
    /// Seed of the choice of poisoned and of known samples.
    pub seed: u64,
}

impl Default for BackdoorParams {
    fn default() -> Self {
        Self {
            trigger_size: 3,
            corner: Corner::BottomRight,
            poison_fraction: 0.05,
            target: 0,
            known: 0.5,
            seed: 0,
        }
    }
}

/// A poisoned training set and what the scenario needs to measure the attack.
#[derive(Debug, Clone)]
pub struct Poisoned {
    /// The dataset with its poisoned training rows (test split clean).
    pub dataset: Dataset,
    /// Every poisoned training sample, sorted.
    pub poisoned: Vec<SampleId>,
    /// The poisoned samples the defender found, sorted.
    pub known: Vec<SampleId>,
    /// Test images of the other classes with the trigger stamped on: the attack succeeds
    /// on those classified as the target.
    pub triggered_test: Split,
}

impl BackdoorParams {
    /// Checks every field against `dataset`.
    pub fn check(&self, dataset: &Dataset) -> Result<(), ScenarioError> {
        let bad = |field, reason: String| Err(ScenarioError::InvalidParam { field, reason });
        let (h, w) = match dataset.shape[..] {
            [_, h, w] => (h, w),
            _ => {
                return Err(ScenarioError::UnsuitableDataset {
                    dataset: dataset.name.clone(),
                    reason: format!(
                        "a trigger is stamped on images, and its samples have shape {:?}",
                        dataset.shape
                    ),
                })
            }
        };
        if self.trigger_size == 0 || self.trigger_size > h.min(w) / 2 {
            return bad(
                "trigger_size",
                format!(
                    "{} pixels on {h}×{w} images: 1 to {}",
                    self.trigger_size,
                    h.min(w) / 2
                ),
            );
        }
        if !(self.poison_fraction > 0.0 && self.poison_fraction <= 0.5) {
            return bad(
                "poison_fraction",
                format!("{}: in (0, 0.5]", self.poison_fraction),
            );
        }
        if !(self.known > 0.0 && self.known <= 1.0) {
            return bad("known", format!("{}: in (0, 1]", self.known));
        }
        if self.target as usize >= dataset.num_classes {
            return bad(
                "target",
                format!("class {} of {}", self.target, dataset.num_classes),
            );
        }
        Ok(())
    }

    /// Positions (within one image's flattened `c × h × w` values) the trigger covers.
    fn trigger_positions(&self, shape: &[usize]) -> Vec<usize> {
        let (c, h, w) = (shape[0], shape[1], shape[2]);
        let s = self.trigger_size;
        let (r0, c0) = match self.corner {
            Corner::TopLeft => (0, 0),
            Corner::TopRight => (0, w - s),
            Corner::BottomLeft => (h - s, 0),
            Corner::BottomRight => (h - s, w - s),
        };
        let mut out = Vec::with_capacity(c * s * s);
        for ch in 0..c {
            for r in r0..r0 + s {
                for col in c0..c0 + s {
                    out.push(ch * h * w + r * w + col);
                }
            }
        }
        out
    }

    /// Poisons `dataset`'s training split; the brightest value of the training images is
    /// the trigger's, so it is bright on every dataset's scale.
    pub fn poison(&self, dataset: &Dataset) -> Result<Poisoned, ScenarioError> {
        self.check(dataset)?;
        let target = self.target;
        let positions = self.trigger_positions(&dataset.shape);
        let bright = dataset
            .train
            .features
            .iter()
            .copied()
            .fold(f32::MIN, f32::max);
        let stamp = |row: &mut [f32]| {
            for &p in &positions {
                row[p] = bright;
            }
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut candidates: Vec<usize> = (0..dataset.train.len())
            .filter(|&i| dataset.train.labels[i] != target)
            .collect();
        candidates.shuffle(&mut rng);
        let n = ((self.poison_fraction * dataset.train.len() as f64).round() as usize)
            .clamp(1, candidates.len());
        let chosen = &candidates[..n];
        let mut ds = dataset.clone();
        ds.name = format!("{}+badnets", dataset.name);
        let dim = ds.train.dim;
        for &i in chosen {
            stamp(&mut ds.train.features[i * dim..(i + 1) * dim]);
            ds.train.labels[i] = target;
        }
        let mut poisoned: Vec<SampleId> = chosen.iter().map(|&i| ds.train.ids[i]).collect();
        poisoned.shuffle(&mut rng);
        let k = ((self.known * n as f64).round() as usize).clamp(1, n);
        let mut known = poisoned[..k].to_vec();
        known.sort_unstable();
        poisoned.sort_unstable();
        let others: Vec<usize> = (0..dataset.test.len())
            .filter(|&i| dataset.test.labels[i] != target)
            .collect();
        let mut triggered_test = dataset.test.subset(&others);
        for i in 0..triggered_test.len() {
            stamp(&mut triggered_test.features[i * dim..(i + 1) * dim]);
        }
        Ok(Poisoned {
            dataset: ds,
            poisoned,
            known,
            triggered_test,
        })
    }
}

/// Share of the rows of `probabilities` (`n × num_classes`) classified as `target`.
pub fn attack_success_rate(probabilities: &[f32], num_classes: usize, target: u32) -> f64 {
    let n = probabilities.len() / num_classes.max(1);
    let hits = probabilities
        .chunks(num_classes)
        .filter(|r| argmax(r) == target as usize)
        .count();
    if n == 0 {
        0.0
    } else {
        hits as f64 / n as f64
    }
}
