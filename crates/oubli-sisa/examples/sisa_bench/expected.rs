//! Expected cost of a deletion request, from the layout alone: what `SisaModel::forget`
//! spends is, per affected shard, every stage from the earliest one holding a forgotten
//! sample, each stage's samples times the stage epochs.

use oubli_data::Split;
use oubli_sisa::assign::Layout;
use oubli_sisa::SisaConfig;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub struct Costs {
    /// `tail[s][r]`: sample gradients of retraining shard s from stage r to the end.
    tail: Vec<Vec<f64>>,
    /// Per sample (split order): shard and slice.
    place: Vec<(usize, usize)>,
}

impl Costs {
    pub fn new(split: &Split, seed: u64, config: &SisaConfig, stage_epochs: usize) -> Self {
        let layout = Layout::new(split, seed, config);
        let r = config.slices;
        let tail = (0..config.shards)
            .map(|s| {
                let sizes: Vec<f64> = (0..r).map(|j| layout.stage(s, j).len() as f64).collect();
                let mut t = vec![0.0; r + 1];
                for j in (0..r).rev() {
                    t[j] = t[j + 1] + sizes[j] * stage_epochs as f64;
                }
                t
            })
            .collect();
        let mut place = vec![(0, 0); split.len()];
        for (s, members) in layout.members.iter().enumerate() {
            for (&i, &slice) in members.iter().zip(&layout.slices[s]) {
                place[i] = (s, slice);
            }
        }
        Self { tail, place }
    }

    /// Cost of forgetting the samples at these split indices in one request.
    fn request(&self, indices: impl IntoIterator<Item = usize>) -> f64 {
        let mut earliest: BTreeMap<usize, usize> = BTreeMap::new();
        for i in indices {
            let (s, r) = self.place[i];
            let e = earliest.entry(s).or_insert(r);
            *e = (*e).min(r);
        }
        earliest.iter().map(|(&s, &r)| self.tail[s][r]).sum()
    }

    /// Mean cost of deleting one sample, over every sample.
    pub fn single_sample(&self) -> f64 {
        let n = self.place.len();
        (0..n).map(|i| self.request([i])).sum::<f64>() / n as f64
    }

    /// Mean cost of deleting one owner (all their samples), over every owner; none if the
    /// split has no owners.
    pub fn per_owner(&self, split: &Split) -> Option<f64> {
        let mut by_owner: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, o) in split.owners.iter().enumerate() {
            if let Some(o) = o {
                by_owner.entry(o).or_default().push(i);
            }
        }
        (!by_owner.is_empty()).then(|| {
            by_owner
                .values()
                .map(|v| self.request(v.iter().copied()))
                .sum::<f64>()
                / by_owner.len() as f64
        })
    }

    /// Mean cost of one request for `b` distinct random samples (200 seeded draws).
    pub fn batch(&self, b: usize, seed: u64) -> f64 {
        let n = self.place.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5151_b4c4);
        let draws = 200;
        (0..draws)
            .map(|_| self.request(sample(&mut rng, n, b.min(n))))
            .sum::<f64>()
            / draws as f64
    }
}
