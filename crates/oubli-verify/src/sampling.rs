//! Seeded, deterministic sampling helpers shared by the attacks: class
//! balancing by subsampling and stratified k-fold assignment.
//!
//! Everything here uses ChaCha8 seeded from a `u64`, so a given seed gives
//! the same subsets and folds on every platform and rand_chacha release.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A reproducible random source for one seed.
pub(crate) fn seeded_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Indices that balance two groups of sizes `len_a` and `len_b`: the smaller
/// group is kept whole and the larger is subsampled without replacement to
/// the same size. Returned indices are sorted so the subset does not depend
/// on anything but the seed and the sizes.
pub(crate) fn balanced_indices(
    len_a: usize,
    len_b: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<usize>, Vec<usize>) {
    let n = len_a.min(len_b);
    (subsample(len_a, n, rng), subsample(len_b, n, rng))
}

/// `n` of the indices `0..len`, chosen uniformly without replacement, sorted.
fn subsample(len: usize, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..len).collect();
    if n < len {
        idx.shuffle(rng);
        idx.truncate(n);
        idx.sort_unstable();
    }
    idx
}

/// Assigns each sample a fold in `0..k` so that every fold holds (within one)
/// the same number of positives and of negatives: each class is shuffled and
/// dealt round-robin. `k` must be at least 1.
pub(crate) fn stratified_folds(labels: &[bool], k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    assert!(k >= 1, "stratified_folds needs at least one fold");
    let mut fold = vec![0; labels.len()];
    for class in [true, false] {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        members.shuffle(rng);
        for (j, &i) in members.iter().enumerate() {
            fold[i] = j % k;
        }
    }
    fold
}

/// Picks the values at `indices`.
pub(crate) fn gather<T: Copy>(values: &[T], indices: &[usize]) -> Vec<T> {
    indices.iter().map(|&i| values[i]).collect()
}

/// `n` draws from N(mean, std²), Box–Muller on ChaCha8 seeded with `seed`
/// (synthetic data for tests and [`Report::example`](crate::Report::example)).
pub(crate) fn normal_samples(n: usize, mean: f64, std: f64, seed: u64) -> Vec<f64> {
    let mut rng = seeded_rng(seed);
    (0..n)
        .map(|_| {
            let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
            let u2: f64 = rng.random();
            mean + std * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_indices_are_deterministic_and_balanced() {
        let (a, b) = balanced_indices(10, 4, &mut seeded_rng(7));
        let (a2, b2) = balanced_indices(10, 4, &mut seeded_rng(7));
        assert_eq!((a.len(), b.len()), (4, 4));
        assert_eq!(b, vec![0, 1, 2, 3]);
        assert_eq!((a.clone(), b.clone()), (a2, b2));
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.iter().all(|&i| i < 10));
    }

    #[test]
    fn normal_samples_have_the_asked_moments() {
        let v = normal_samples(20_000, 3.0, 2.0, 9);
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        assert!((m - 3.0).abs() < 0.05 && (sd - 2.0).abs() < 0.05);
    }

    #[test]
    fn stratified_folds_split_each_class_evenly() {
        let labels: Vec<bool> = (0..40).map(|i| i % 4 == 0).collect(); // 10 pos, 30 neg
        let folds = stratified_folds(&labels, 10, &mut seeded_rng(1));
        for f in 0..10 {
            let pos = (0..40).filter(|&i| folds[i] == f && labels[i]).count();
            let neg = (0..40).filter(|&i| folds[i] == f && !labels[i]).count();
            assert_eq!((pos, neg), (1, 3));
        }
    }
}
