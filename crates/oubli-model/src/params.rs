//! Model parameters as one flat `f32` vector in PyTorch's layout and state-dict order.
//!
//! Unlearning methods manipulate weights directly (masks, noise, stored updates, Newton steps),
//! so the canonical representation is a plain vector; burn tensors are built from it only for
//! the forward/backward pass.

use crate::spec::{ModelSpec, ParamShape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// The parameters of one network.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Names and shapes, in order.
    pub shapes: Vec<ParamShape>,
    /// All values, concatenated in `shapes` order.
    pub data: Vec<f32>,
}

impl Params {
    /// PyTorch's default initialisation (`kaiming_uniform(a=√5)` for weights, which is
    /// U(−1/√fan_in, 1/√fan_in), and the same bound for biases), from our own seeded RNG so
    /// that it never touches burn's process-global generator.
    pub fn init(spec: &ModelSpec, seed: u64) -> Self {
        let shapes = spec.param_shapes();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut data = Vec::with_capacity(shapes.iter().map(ParamShape::numel).sum());
        for pair in shapes.chunks(2) {
            let weight = &pair[0];
            let fan_in: usize = weight.shape[1..].iter().product();
            let bound = 1.0 / (fan_in as f32).sqrt();
            for p in pair {
                data.extend((0..p.numel()).map(|_| rng.random_range(-bound..bound)));
            }
        }
        Self { shapes, data }
    }

    /// Zeros with the layout of `spec`.
    pub fn zeros(spec: &ModelSpec) -> Self {
        let shapes = spec.param_shapes();
        let n = shapes.iter().map(ParamShape::numel).sum();
        Self {
            shapes,
            data: vec![0.0; n],
        }
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True for a network without parameters (never, for the built-in architectures).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// `(start, end)` of each tensor within `data`.
    pub fn ranges(&self) -> Vec<(usize, usize)> {
        let mut start = 0;
        self.shapes
            .iter()
            .map(|s| {
                let r = (start, start + s.numel());
                start = r.1;
                r
            })
            .collect()
    }

    /// The values of the tensor called `name`.
    pub fn get(&self, name: &str) -> Option<&[f32]> {
        let idx = self.shapes.iter().position(|s| s.name == name)?;
        let (a, b) = self.ranges()[idx];
        Some(&self.data[a..b])
    }

    /// Mask that is true for weights and false for biases: weight decay, ℓ1 and saliency
    /// apply to weights by convention.
    pub fn weight_mask(&self) -> Vec<bool> {
        let mut mask = Vec::with_capacity(self.len());
        for s in &self.shapes {
            mask.extend(std::iter::repeat_n(s.name.ends_with(".weight"), s.numel()));
        }
        mask
    }

    /// Euclidean distance to `other` (same layout).
    pub fn l2_distance(&self, other: &Params) -> f64 {
        self.data
            .iter()
            .zip(&other.data)
            .map(|(a, b)| {
                let d = f64::from(*a) - f64::from(*b);
                d * d
            })
            .sum::<f64>()
            .sqrt()
    }

    /// SHA-256 over the tensors only (name, shape, little-endian f32 bytes, in order), so
    /// that the hash identifies the weights whatever the file's metadata says.
    pub fn sha256(&self) -> String {
        let mut h = Sha256::new();
        for (s, (a, b)) in self.shapes.iter().zip(self.ranges()) {
            h.update(s.name.as_bytes());
            h.update([0u8]);
            for d in &s.shape {
                h.update((*d as u64).to_le_bytes());
            }
            for v in &self.data[a..b] {
                h.update(v.to_le_bytes());
            }
        }
        hex::encode(h.finalize())
    }
}
