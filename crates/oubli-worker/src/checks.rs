//! The quick checks a result must pass before it is served: the accuracy gap of `oubli
//! verify` and one membership attack, cheap enough to run on every batch.
//!
//! **Accuracy**: test accuracy may not fall more than the policy allows below the model it
//! replaces. **Membership** (loss threshold, Yeom et al. 2018): the AUC with which a
//! sample's loss tells the forget set from test samples of the same classes. A model that
//! still remembers the forget set gives it low losses, like its training data; one that
//! forgot sees it as unseen data (AUC ≈ 0.5). The check passes when the forget set's AUC is
//! at most half way from 0.5 to the retain set's own AUC (the model's train/test gap), plus
//! two standard errors (Hanley & McNeil 1982), so small owners are not failed on noise.

use oubli_data::{Dataset, Split};
use oubli_engine::{AnyModel, EngineError};
use serde::Serialize;

/// The outcome of the quick checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// Whether every check passed.
    pub passed: bool,
    /// Test accuracy of the model replaced.
    pub test_accuracy_before: f64,
    /// Test accuracy of the result.
    pub test_accuracy_after: f64,
    /// Loss-attack AUC of the forget set against same-class test samples (None when the
    /// forget set is empty, e.g. after a crash erased it first).
    pub forget_auc: Option<f64>,
    /// The same attack's AUC for (a sample of) the retain set: the model's own member gap.
    pub retain_auc: f64,
    /// The largest forget AUC that passes.
    pub forget_auc_limit: Option<f64>,
    /// Why it failed, in words.
    pub reasons: Vec<String>,
}

/// Runs the checks of `after` (replacing `before`) on `forget` (may be empty), the data
/// `after` is trained on, and the test split.
pub fn quick_checks(
    before: &AnyModel,
    after: &AnyModel,
    forget: &Split,
    retained: &Dataset,
    max_drop: f64,
) -> Result<CheckReport, EngineError> {
    let test = &retained.test;
    let acc = |m: &AnyModel| -> Result<f64, EngineError> {
        Ok(m.outputs(retained, test)?.evaluation().accuracy)
    };
    let (test_accuracy_before, test_accuracy_after) = (acc(before)?, acc(after)?);
    let mut reasons = Vec::new();
    // In whole test samples, so a drop exactly at the limit passes.
    let n = test.len() as f64;
    let drop = ((test_accuracy_before - test_accuracy_after) * n).round();
    if drop > (max_drop * n).round() {
        reasons.push(format!(
            "test accuracy fell from {:.2}% to {:.2}%, more than the {:.1} points allowed",
            test_accuracy_before * 100.0,
            test_accuracy_after * 100.0,
            max_drop * 100.0
        ));
    }
    let test_losses = after.outputs(retained, test)?.losses;
    let retain_idx: Vec<usize> = (0..retained.train.len())
        .step_by((retained.train.len() / 2000).max(1))
        .collect();
    let retain = retained.train.subset(&retain_idx);
    let retain_auc = auc(&after.outputs(retained, &retain)?.losses, &test_losses);
    let (mut forget_auc, mut forget_auc_limit) = (None, None);
    if !forget.is_empty() {
        let classes: Vec<u32> = forget.labels.clone();
        let same: Vec<usize> = (0..test.len())
            .filter(|&i| classes.contains(&test.labels[i]))
            .collect();
        let nonmembers: Vec<f32> = same.iter().map(|&i| test_losses[i]).collect();
        let members = after.outputs(retained, forget)?.losses;
        if !nonmembers.is_empty() {
            let a = auc(&members, &nonmembers);
            let limit = 0.5
                + 0.5 * (retain_auc - 0.5).max(0.0)
                + 2.0 * hanley_mcneil_se(a, members.len(), nonmembers.len());
            if a > limit {
                reasons.push(format!(
                    "the forget set still looks trained on: loss-attack AUC {a:.3} > {limit:.3} (the retain set's is {retain_auc:.3})"
                ));
            }
            forget_auc = Some(a);
            forget_auc_limit = Some(limit);
        }
    }
    Ok(CheckReport {
        passed: reasons.is_empty(),
        test_accuracy_before,
        test_accuracy_after,
        forget_auc,
        retain_auc,
        forget_auc_limit,
        reasons,
    })
}

/// Probability that a member has a lower loss than a non-member (ties count half): the AUC
/// of the loss-threshold attack.
pub fn auc(member_losses: &[f32], nonmember_losses: &[f32]) -> f64 {
    if member_losses.is_empty() || nonmember_losses.is_empty() {
        return 0.5;
    }
    let mut all: Vec<(f32, bool)> = member_losses
        .iter()
        .map(|&l| (l, true))
        .chain(nonmember_losses.iter().map(|&l| (l, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mann–Whitney with mid-ranks for ties: members ranked by ascending loss.
    let (mut rank_sum, mut i) = (0.0f64, 0usize);
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += all[i..=j].iter().filter(|x| x.1).count() as f64 * mid;
        i = j + 1;
    }
    let (m, n) = (member_losses.len() as f64, nonmember_losses.len() as f64);
    let u_low = rank_sum - m * (m + 1.0) / 2.0;
    // u_low counts pairs where the member's loss is higher; flip for "member lower".
    1.0 - u_low / (m * n)
}

/// Standard error of an AUC (Hanley & McNeil 1982).
pub fn hanley_mcneil_se(auc: f64, members: usize, nonmembers: usize) -> f64 {
    let (m, n) = (members.max(1) as f64, nonmembers.max(1) as f64);
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let v =
        (auc * (1.0 - auc) + (m - 1.0) * (q1 - auc * auc) + (n - 1.0) * (q2 - auc * auc)) / (m * n);
    v.max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_is_one_when_every_member_has_the_lower_loss_and_half_on_ties() {
        assert_eq!(auc(&[0.1, 0.2], &[0.5, 0.9, 1.0]), 1.0);
        assert_eq!(auc(&[0.9, 1.0], &[0.1, 0.2]), 0.0);
        assert_eq!(auc(&[0.5], &[0.5]), 0.5);
        assert!((auc(&[0.1, 0.6], &[0.5]) - 0.5).abs() < 1e-12);
    }
}
