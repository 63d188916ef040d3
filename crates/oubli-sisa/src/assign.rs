//! Which shard and slice each sample belongs to.
//!
//! Both are a stable hash of the sample alone — never of its position or of which other
//! samples exist. That is what makes deletion exact: removing samples moves no other sample
//! to another shard or slice, so the data of every untouched shard and of every stage before
//! the earliest deleted sample is exactly what a retrain from scratch would see.
//!
//! - shard = `u64_le(sha256("oubli-sisa/shard-id" ‖ 0 ‖ seed_le ‖ id_le)[..8]) mod S`, or with
//!   `shard_by = owner`, `sha256("oubli-sisa/shard-owner" ‖ 0 ‖ seed_le ‖ owner_utf8)` (a
//!   sample without owner falls back to the id hash);
//! - slice = the same with tag `oubli-sisa/slice` and the id, `mod R`, or with
//!   `slice_by = owner`, tag `oubli-sisa/slice-owner` and the owner (same fallback).
//!   Owner slicing keeps one person's samples in one slice: deleting them restarts the
//!   shard at that slice, not at the first.
//!
//! `seed` is the training seed, so one seed drives the whole run. The tags keep the shard and
//! slice hashes independent of each other. The modulo bias is below 2⁻⁵⁴ for S, R ≤ 1024.

use crate::config::{ShardBy, SisaConfig};
use oubli_data::{SampleId, Split};
use sha2::{Digest, Sha256};

fn bucket(tag: &str, seed: u64, key: &[u8], buckets: usize) -> usize {
    let mut h = Sha256::new();
    h.update(tag.as_bytes());
    h.update([0u8]);
    h.update(seed.to_le_bytes());
    h.update(key);
    let out = h.finalize();
    let x = u64::from_le_bytes(out[..8].try_into().expect("8 bytes"));
    (x % buckets as u64) as usize
}

/// The shard (in `0..shards`) of a sample with `id` and `owner`; see the [module docs](self).
pub fn shard_of(
    seed: u64,
    shard_by: ShardBy,
    id: SampleId,
    owner: Option<&str>,
    shards: usize,
) -> usize {
    match (shard_by, owner) {
        (ShardBy::Owner, Some(o)) => bucket("oubli-sisa/shard-owner", seed, o.as_bytes(), shards),
        _ => bucket("oubli-sisa/shard-id", seed, &id.to_le_bytes(), shards),
    }
}

/// The slice (in `0..slices`) of the sample with `id` and `owner` within its shard.
pub fn slice_of(
    seed: u64,
    slice_by: ShardBy,
    id: SampleId,
    owner: Option<&str>,
    slices: usize,
) -> usize {
    match (slice_by, owner) {
        (ShardBy::Owner, Some(o)) => bucket("oubli-sisa/slice-owner", seed, o.as_bytes(), slices),
        _ => bucket("oubli-sisa/slice", seed, &id.to_le_bytes(), slices),
    }
}

/// A split cut into shards and slices: for each shard, the indices of its samples in dataset
/// order and the slice of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Per shard: indices into the split, ascending (dataset order).
    pub members: Vec<Vec<usize>>,
    /// Per shard: the slice of each member (parallel to `members`).
    pub slices: Vec<Vec<usize>>,
}

impl Layout {
    /// Assigns every sample of `split` to its shard and slice.
    pub fn new(split: &Split, seed: u64, config: &SisaConfig) -> Self {
        let mut members = vec![Vec::new(); config.shards];
        let mut slices = vec![Vec::new(); config.shards];
        for (i, &id) in split.ids.iter().enumerate() {
            let owner = split.owners.get(i).and_then(|o| o.as_deref());
            let s = shard_of(seed, config.shard_by, id, owner, config.shards);
            members[s].push(i);
            slices[s].push(slice_of(seed, config.slice_by, id, owner, config.slices));
        }
        Self { members, slices }
    }

    /// Indices (dataset order) of the samples stage `stage` of `shard` trains on: the union
    /// of slices `0..=stage`.
    pub fn stage(&self, shard: usize, stage: usize) -> Vec<usize> {
        self.members[shard]
            .iter()
            .zip(&self.slices[shard])
            .filter(|(_, &r)| r <= stage)
            .map(|(&i, _)| i)
            .collect()
    }

    /// Sample ids of `shard`.
    pub fn ids(&self, split: &Split, shard: usize) -> Vec<SampleId> {
        self.members[shard].iter().map(|&i| split.ids[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(n: u64) -> Split {
        Split {
            ids: (0..n).map(|i| i * 7 + 3).collect(),
            features: vec![0.0; n as usize],
            labels: vec![0; n as usize],
            owners: (0..n)
                .map(|i| (i % 3 != 0).then(|| format!("p{}", i % 10)))
                .collect(),
            dim: 1,
            ..Split::default()
        }
    }

    #[test]
    fn assignment_ignores_the_other_samples() {
        let config = SisaConfig {
            shards: 4,
            slices: 3,
            ..SisaConfig::default()
        };
        let full = split(400);
        let keep: Vec<usize> = (0..400).filter(|i| i % 5 != 2).collect();
        let part = full.subset(&keep);
        let (a, b) = (
            Layout::new(&full, 9, &config),
            Layout::new(&part, 9, &config),
        );
        for s in 0..4 {
            let expected: Vec<SampleId> = a
                .ids(&full, s)
                .into_iter()
                .filter(|id| part.ids.contains(id))
                .collect();
            assert_eq!(b.ids(&part, s), expected);
            for r in 0..3 {
                let ids_a: Vec<SampleId> = a.stage(s, r).iter().map(|&i| full.ids[i]).collect();
                let ids_b: Vec<SampleId> = b.stage(s, r).iter().map(|&i| part.ids[i]).collect();
                let kept: Vec<SampleId> = ids_a
                    .into_iter()
                    .filter(|id| part.ids.contains(id))
                    .collect();
                assert_eq!(ids_b, kept, "shard {s} stage {r}");
            }
        }
    }

    #[test]
    fn shards_are_balanced_and_owners_stay_together() {
        let config = SisaConfig {
            shards: 4,
            slices: 2,
            ..SisaConfig::default()
        };
        let data = split(4000);
        let layout = Layout::new(&data, 1, &config);
        for m in &layout.members {
            assert!((850..1150).contains(&m.len()), "unbalanced: {}", m.len());
        }
        assert_eq!(
            layout.stage(0, 1),
            layout.members[0],
            "last stage holds the whole shard"
        );
        let by_owner = SisaConfig {
            shard_by: ShardBy::Owner,
            ..config
        };
        let layout = Layout::new(&data, 1, &by_owner);
        for p in 0..10 {
            let owner = Some(format!("p{p}"));
            let shards: std::collections::BTreeSet<usize> = (0..4)
                .filter(|&s| layout.members[s].iter().any(|&i| data.owners[i] == owner))
                .collect();
            assert_eq!(shards.len(), 1, "owner p{p} spread over {shards:?}");
        }
        let sliced = Layout::new(
            &data,
            1,
            &SisaConfig {
                slices: 4,
                slice_by: ShardBy::Owner,
                ..by_owner
            },
        );
        let mut used = std::collections::BTreeSet::new();
        for p in 0..10 {
            let owner = Some(format!("p{p}"));
            let slices: std::collections::BTreeSet<usize> = (0..4)
                .flat_map(|s| {
                    let l = &sliced;
                    l.members[s]
                        .iter()
                        .zip(&l.slices[s])
                        .filter(|(&i, _)| data.owners[i] == owner)
                        .map(|(_, &r)| r)
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(slices.len(), 1, "owner p{p} spread over slices {slices:?}");
            used.extend(slices);
        }
        assert!(used.len() > 1, "every owner in one slice: {used:?}");
        assert_ne!(
            shard_of(1, ShardBy::Id, 5, None, 1000),
            shard_of(2, ShardBy::Id, 5, None, 1000)
        );
    }
}
