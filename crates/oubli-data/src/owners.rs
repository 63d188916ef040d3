//! Seeded non-IID owner assignment for image datasets, which come without data subjects.
//!
//! Unlearning requests usually come from one person deleting *their* data, and a person's data
//! is neither a uniform sample nor of uniform size. To make per-owner deletion realistic, the
//! image loaders give every **training** sample exactly one owner (test samples get none):
//!
//! 1. **Number of owners** `N = min(owners, n / 5)` (at least 1), so each owner averages at least
//!    five samples: 1,000 owners for MNIST-sized sets, 287 for the 1,438 digits train samples.
//! 2. **Sizes** are heavy-tailed: each owner draws a weight `u^(-1/alpha)` with `u` uniform in
//!    `(0, 1]` (a Pareto(`alpha`) law, default `alpha = 1.5`); every owner gets one sample and
//!    the other `n - N` are shared in proportion to the weights (largest remainder). A few owners
//!    hold hundreds or thousands of samples, the median owner a few dozen.
//! 3. **Class skew**: each owner prefers `preferred_classes` (default 2) distinct random classes
//!    and takes `round(skew * size)` (default 80%) of its samples from them while they last; the
//!    rest are drawn uniformly from all samples not yet assigned.
//!
//! Owners are processed in id order, owner ids are the decimal strings `"0"` … `"N-1"`, and the
//! result depends only on the labels and [`OwnerAssignment`] (ChaCha8 seeded with `seed`).

use crate::sampling::{below, rng, shuffle};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Parameters of the synthetic owner assignment; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OwnerAssignment {
    /// Upper bound on the number of owners; the actual count is `min(owners, n / 5)`, at least 1.
    pub owners: usize,
    /// Seed of the assignment.
    pub seed: u64,
    /// Pareto shape of the owner sizes: smaller means heavier tails. Must be positive.
    pub alpha: f64,
    /// Share of an owner's samples taken from its preferred classes, in `[0, 1]`.
    pub skew: f64,
    /// How many preferred classes each owner has.
    pub preferred_classes: usize,
}

impl Default for OwnerAssignment {
    fn default() -> Self {
        OwnerAssignment {
            owners: 1000,
            seed: 0,
            alpha: 1.5,
            skew: 0.8,
            preferred_classes: 2,
        }
    }
}

impl OwnerAssignment {
    /// The number of owners used for `n` samples.
    pub fn effective_owners(&self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.owners.min(n / 5).max(1)
        }
    }

    /// Assigns an owner id to each of the samples with these labels (`labels[i] < num_classes`;
    /// larger labels are tolerated and treated as extra classes).
    pub fn assign(&self, labels: &[u32], num_classes: usize) -> Vec<String> {
        let n = labels.len();
        let owners = self.effective_owners(n);
        if owners == 0 {
            return Vec::new();
        }
        let mut rng = rng(self.seed);
        let sizes = owner_sizes(&mut rng, n, owners, self.alpha);

        // Tolerate labels beyond `num_classes` rather than panic: they just form more pools.
        let num_classes = labels
            .iter()
            .map(|&l| l as usize + 1)
            .fold(num_classes, usize::max);
        let mut pools: Vec<Vec<usize>> = vec![Vec::new(); num_classes];
        for (i, &l) in labels.iter().enumerate() {
            pools[l as usize].push(i);
        }
        for pool in &mut pools {
            shuffle(&mut rng, pool);
        }
        let mut remaining = n;
        let mut owner_of = vec![usize::MAX; n];
        let preferred = self.preferred_classes.clamp(1, num_classes.max(1));
        for (owner, &size) in sizes.iter().enumerate() {
            let mut classes: Vec<usize> = (0..num_classes).collect();
            shuffle(&mut rng, &mut classes);
            classes.truncate(preferred);
            let wanted = (self.skew.clamp(0.0, 1.0) * size as f64).round() as usize;
            let mut taken = 0;
            while taken < wanted {
                let open: Vec<usize> = classes
                    .iter()
                    .copied()
                    .filter(|&c| !pools[c].is_empty())
                    .collect();
                if open.is_empty() {
                    break;
                }
                let c = open[below(&mut rng, open.len())];
                owner_of[pools[c].pop().expect("open pool")] = owner;
                taken += 1;
            }
            while taken < size {
                // A uniform draw over unassigned samples = class weighted by what is left in it.
                let mut r = below(&mut rng, remaining - taken);
                let c = pools
                    .iter()
                    .position(|p| {
                        if r < p.len() {
                            true
                        } else {
                            r -= p.len();
                            false
                        }
                    })
                    .expect("sizes sum to n");
                owner_of[pools[c].pop().expect("non-empty pool")] = owner;
                taken += 1;
            }
            remaining -= size;
        }
        owner_of.into_iter().map(|o| o.to_string()).collect()
    }
}

/// `owners` sizes summing to `n`, each at least 1, heavy-tailed (see module docs).
fn owner_sizes(
    rng: &mut rand_chacha::ChaCha8Rng,
    n: usize,
    owners: usize,
    alpha: f64,
) -> Vec<usize> {
    let alpha = if alpha > 0.0 { alpha } else { 1.5 };
    let weights: Vec<f64> = (0..owners)
        .map(|_| {
            // `random` is in [0, 1); 1 - u is in (0, 1], so the power is finite.
            let u: f64 = 1.0 - rng.random::<f64>();
            u.powf(-1.0 / alpha)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let extra = n - owners;
    let shares: Vec<f64> = weights.iter().map(|w| w / total * extra as f64).collect();
    let mut sizes: Vec<usize> = shares.iter().map(|s| 1 + s.floor() as usize).collect();
    let mut left = n - sizes.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..owners).collect();
    // Largest remainder first; ties by owner id keep it deterministic.
    order.sort_by(|&a, &b| {
        let ra = shares[a] - shares[a].floor();
        let rb = shares[b] - shares[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &o in order.iter().cycle() {
        if left == 0 {
            break;
        }
        sizes[o] += 1;
        left -= 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(n: usize) -> Vec<u32> {
        // Balanced classes in a scrambled but fixed order.
        (0..n).map(|i| ((i * 7919) % 10) as u32).collect()
    }

    fn by_owner(owners: &[String], labels: &[u32]) -> BTreeMap<String, Vec<u32>> {
        let mut m: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (o, &l) in owners.iter().zip(labels) {
            m.entry(o.clone()).or_default().push(l);
        }
        m
    }

    #[test]
    fn deterministic_and_complete() {
        let y = labels(20_000);
        let cfg = OwnerAssignment::default();
        let a = cfg.assign(&y, 10);
        assert_eq!(a, cfg.assign(&y, 10));
        assert_eq!(a.len(), y.len());
        let groups = by_owner(&a, &y);
        assert_eq!(groups.len(), 1000, "every owner is non-empty");
        assert!(groups.keys().all(|k| k.parse::<usize>().unwrap() < 1000));
        let other = OwnerAssignment { seed: 1, ..cfg };
        assert_ne!(a, other.assign(&y, 10));
    }

    #[test]
    fn sizes_are_heavy_tailed() {
        let y = labels(60_000);
        let groups = by_owner(&OwnerAssignment::default().assign(&y, 10), &y);
        let mut sizes: Vec<usize> = groups.values().map(Vec::len).collect();
        sizes.sort_unstable();
        let median = sizes[sizes.len() / 2];
        let max = *sizes.last().unwrap();
        assert!(max >= 20 * median, "max {max} vs median {median}");
        assert!(sizes[0] >= 1);
    }

    #[test]
    fn classes_are_skewed() {
        let y = labels(60_000);
        let groups = by_owner(&OwnerAssignment::default().assign(&y, 10), &y);
        let mut share_sum = 0.0;
        for ls in groups.values() {
            let mut counts = [0usize; 10];
            for &l in ls {
                counts[l as usize] += 1;
            }
            counts.sort_unstable_by(|a, b| b.cmp(a));
            share_sum += (counts[0] + counts[1]) as f64 / ls.len() as f64;
        }
        let avg = share_sum / groups.len() as f64;
        assert!(
            avg > 0.7,
            "average top-2 share {avg} should be far above 0.2"
        );
    }

    #[test]
    fn small_sets_get_fewer_owners() {
        let cfg = OwnerAssignment::default();
        assert_eq!(cfg.effective_owners(1437), 287);
        assert_eq!(cfg.effective_owners(60_000), 1000);
        assert_eq!(cfg.effective_owners(3), 1);
        assert_eq!(cfg.effective_owners(0), 0);
        let y = labels(3);
        assert_eq!(cfg.assign(&y, 10), vec!["0", "0", "0"]);
        assert_eq!(
            cfg.assign(&[0, 7, 3], 2).len(),
            3,
            "labels past num_classes do not panic"
        );
    }
}
