//! Seeded randomness shared by splits, owner assignment and random selections.
//!
//! Everything goes through ChaCha8 seeded with `seed_from_u64` and draws `u64` ranges, never
//! `usize` ones, so the same seed gives the same samples on 32- and 64-bit machines.

use crate::DataError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator for `seed`.
pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A uniform index in `0..n` (`n > 0`).
pub(crate) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    rng.random_range(0..n as u64) as usize
}

/// Fisher–Yates shuffle.
pub(crate) fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i + 1);
        items.swap(i, j);
    }
}

/// `k` distinct indices from `0..n`, sorted ascending (partial Fisher–Yates).
pub(crate) fn choose(rng: &mut ChaCha8Rng, n: usize, k: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    let k = k.min(n);
    for i in 0..k {
        let j = i + below(rng, n - i);
        all.swap(i, j);
    }
    all.truncate(k);
    all.sort_unstable();
    all
}

/// Splits `0..labels.len()` into (train, test) index lists, both ascending, putting
/// `round(test_fraction * n_c)` samples of each class `c` into test so both sides keep the
/// class balance.
pub(crate) fn stratified_split(
    labels: &[u32],
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(DataError::InvalidOption(format!(
            "test fraction must be in [0, 1), got {test_fraction}"
        )));
    }
    let num_classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); num_classes];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    let mut rng = rng(seed);
    let mut is_test = vec![false; labels.len()];
    for members in &by_class {
        let k = (test_fraction * members.len() as f64).round() as usize;
        for pick in choose(&mut rng, members.len(), k) {
            is_test[members[pick]] = true;
        }
    }
    let (test, train): (Vec<usize>, Vec<usize>) = (0..labels.len()).partition(|&i| is_test[i]);
    Ok((train, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_is_deterministic_sorted_and_distinct() {
        let a = choose(&mut rng(7), 100, 30);
        let b = choose(&mut rng(7), 100, 30);
        assert_eq!(a, b);
        assert_eq!(a.len(), 30);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(a, choose(&mut rng(8), 100, 30));
        assert_eq!(choose(&mut rng(1), 5, 9), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn stratified_split_keeps_class_shares() {
        let labels: Vec<u32> = (0..1000).map(|i| if i % 10 == 0 { 1 } else { 0 }).collect();
        let (train, test) = stratified_split(&labels, 0.2, 3).unwrap();
        assert_eq!(train.len() + test.len(), 1000);
        assert_eq!(test.len(), 200);
        assert_eq!(test.iter().filter(|&&i| labels[i] == 1).count(), 20);
        let (train2, _) = stratified_split(&labels, 0.2, 3).unwrap();
        assert_eq!(train, train2);
        assert!(stratified_split(&labels, 1.0, 3).is_err());
        assert!(stratified_split(&labels, f64::NAN, 3).is_err());
    }
}
