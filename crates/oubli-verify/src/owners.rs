//! Owner-level membership tests: one test, with a p-value, per data owner.
//!
//! A deletion request usually comes from one person, whose few dozen
//! samples are each only weak evidence. Summing their per-sample membership
//! scores (LiRA's log likelihood ratios) gives one statistic per owner; its
//! null distribution is that of *non-members with the same classes*: for
//! each of the owner's samples a non-member target of the same class is
//! drawn (with replacement), their scores summed, `resamples` times. The
//! p-value is (1 + #{null sums ≥ observed}) / (resamples + 1): small means
//! the owner's samples still score like members.
//!
//! [`owner_verdicts`] turns the p-values of the three models into a verdict
//! per owner, the unit a deletion certificate is about.

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::sampling::seeded_rng;
use crate::verdict::Verdict;

/// Default number of null resamples per owner (p-values in steps of 1/1000).
pub const DEFAULT_RESAMPLES: usize = 999;
/// Default significance level of the per-owner tests.
pub const DEFAULT_OWNER_ALPHA: f64 = 0.05;

/// Per-target inputs of the owner tests on one model (one entry per target).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OwnerTestInput<'a> {
    /// Membership score of every target (higher = more likely a member).
    pub scores: &'a [f64],
    /// Which targets are members (the owners' samples); the others are the
    /// null population.
    pub is_member: &'a [bool],
    /// Class of every target, for class-matched null draws.
    pub labels: &'a [u32],
    /// Owner of every target (`None`: no owner; non-members are ignored).
    pub owners: &'a [Option<String>],
}

/// One owner's test on one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerTest {
    /// The owner.
    pub owner: String,
    /// The owner's samples among the targets.
    pub samples: usize,
    /// Sum of the owner's scores.
    pub statistic: f64,
    /// Mean of the class-matched null sums.
    pub null_mean: f64,
    /// One-sided p-value of "scores like non-members".
    pub p_value: f64,
}

/// The owner test of every owner with at least one member target, sorted by
/// owner. `seed` fixes the null draws; the same seed on every model gives
/// every model the same draws.
pub fn owner_tests(input: &OwnerTestInput<'_>, resamples: usize, seed: u64) -> Vec<OwnerTest> {
    let n = input.scores.len();
    assert!(
        input.is_member.len() == n && input.labels.len() == n && input.owners.len() == n,
        "owner tests: one entry per target in every input"
    );
    let mut by_class: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    let mut population = Vec::new();
    for i in (0..n).filter(|&i| !input.is_member[i]) {
        by_class
            .entry(input.labels[i])
            .or_default()
            .push(input.scores[i]);
        population.push(input.scores[i]);
    }
    let mut owners: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in (0..n).filter(|&i| input.is_member[i]) {
        if let Some(o) = &input.owners[i] {
            owners.entry(o.as_str()).or_default().push(i);
        }
    }
    if population.is_empty() {
        return Vec::new();
    }
    owners
        .into_iter()
        .enumerate()
        .map(|(k, (owner, idx))| {
            let statistic: f64 = idx.iter().map(|&i| input.scores[i]).sum();
            let mut rng = seeded_rng(seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let pools: Vec<&[f64]> = idx
                .iter()
                .map(|&i| {
                    by_class
                        .get(&input.labels[i])
                        .map_or(population.as_slice(), Vec::as_slice)
                })
                .collect();
            let (mut above, mut total) = (0usize, 0.0);
            for _ in 0..resamples {
                let s: f64 = pools.iter().map(|p| p[rng.random_range(0..p.len())]).sum();
                above += usize::from(s >= statistic);
                total += s;
            }
            OwnerTest {
                owner: owner.to_string(),
                samples: idx.len(),
                statistic,
                null_mean: total / resamples.max(1) as f64,
                p_value: (1 + above) as f64 / (resamples + 1) as f64,
            }
        })
        .collect()
}

/// One owner's result on the three models, and the owner's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerVerdict {
    /// The owner.
    pub owner: String,
    /// The owner's samples among the attack's targets.
    pub samples: usize,
    /// p-value on the original model (small = the test sees the owner).
    pub p_original: f64,
    /// p-value on the unlearned model.
    pub p_unlearned: f64,
    /// p-value on the retrained oracle (should not be small).
    pub p_retrained: f64,
    /// `not_forgotten` when the test sees the owner in the original, not in
    /// the oracle, but still in the unlearned model; `forgotten` when it no
    /// longer does; `inconclusive` when it never saw the owner, or saw it
    /// in the oracle too.
    pub verdict: Verdict,
}

/// Per owner: the verdict from the three models' tests at level `alpha`
/// (owners are matched by name; owners missing on a model are skipped).
pub fn owner_verdicts(
    original: &[OwnerTest],
    unlearned: &[OwnerTest],
    retrained: &[OwnerTest],
    alpha: f64,
) -> Vec<OwnerVerdict> {
    let find = |v: &[OwnerTest], o: &str| v.iter().find(|t| t.owner == o).map(|t| t.p_value);
    original
        .iter()
        .filter_map(|o| {
            let (pu, pr) = (find(unlearned, &o.owner)?, find(retrained, &o.owner)?);
            let verdict = if o.p_value >= alpha || pr < alpha {
                Verdict::Inconclusive
            } else if pu < alpha {
                Verdict::NotForgotten
            } else {
                Verdict::Forgotten
            };
            Some(OwnerVerdict {
                owner: o.owner.clone(),
                samples: o.samples,
                p_original: o.p_value,
                p_unlearned: pu,
                p_retrained: pr,
                verdict,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::normal_samples;

    /// 20 owners of 10 member targets each (classes i % 5) and 500
    /// non-member targets; scores N(0, 1) plus `shift` for members.
    fn synthetic(shift: f64, seed: u64) -> (Vec<f64>, Vec<bool>, Vec<u32>, Vec<Option<String>>) {
        let n = 200 + 500;
        let noise = normal_samples(n, 0.0, 1.0, seed);
        let member = |i: usize| i < 200;
        let scores = (0..n)
            .map(|i| noise[i] + if member(i) { shift } else { 0.0 })
            .collect();
        let labels = (0..n).map(|i| (i % 5) as u32).collect();
        let owners = (0..n)
            .map(|i| member(i).then(|| format!("owner-{:02}", i / 10)))
            .collect();
        (scores, (0..n).map(member).collect(), labels, owners)
    }

    fn run(shift: f64, seed: u64) -> Vec<OwnerTest> {
        let (s, m, l, o) = synthetic(shift, seed);
        let input = OwnerTestInput {
            scores: &s,
            is_member: &m,
            labels: &l,
            owners: &o,
        };
        owner_tests(&input, DEFAULT_RESAMPLES, 7)
    }

    #[test]
    fn owners_whose_samples_score_like_members_get_small_p_values() {
        // Ten samples shifted by one standard deviation: the sum is 10 above
        // a null with standard deviation √10 ≈ 3.2, about 3 sigma.
        let tests = run(1.0, 1);
        assert_eq!(tests.len(), 20);
        assert!(tests.iter().all(|t| t.samples == 10));
        let small = tests.iter().filter(|t| t.p_value < 0.05).count();
        assert!(small >= 16, "{small} of 20 owners detected");
    }

    #[test]
    fn p_values_are_uniform_without_a_shift() {
        let tests = run(0.0, 2);
        let small = tests.iter().filter(|t| t.p_value < 0.05).count();
        assert!(small <= 3, "{small} of 20 false alarms");
        assert!(tests.iter().all(|t| t.p_value > 0.0 && t.p_value <= 1.0));
        assert_eq!(tests, run(0.0, 2));
    }

    #[test]
    fn owner_verdicts_follow_the_three_p_values() {
        let t = |owner: &str, p: f64| OwnerTest {
            owner: owner.into(),
            samples: 10,
            statistic: 0.0,
            null_mean: 0.0,
            p_value: p,
        };
        let original = [
            t("kept", 0.001),
            t("gone", 0.001),
            t("weak", 0.4),
            t("dup", 0.001),
        ];
        let unlearned = [
            t("kept", 0.01),
            t("gone", 0.5),
            t("weak", 0.3),
            t("dup", 0.001),
        ];
        let retrained = [
            t("kept", 0.6),
            t("gone", 0.4),
            t("weak", 0.5),
            t("dup", 0.01),
        ];
        let v = owner_verdicts(&original, &unlearned, &retrained, 0.05);
        let got: Vec<Verdict> = v.iter().map(|r| r.verdict).collect();
        assert_eq!(
            got,
            [
                Verdict::NotForgotten,
                Verdict::Forgotten,
                Verdict::Inconclusive,
                Verdict::Inconclusive
            ]
        );
    }
}
