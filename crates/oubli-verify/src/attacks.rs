//! Loss- and confidence-based membership-inference attacks on one model.
//!
//! Each attack returns an [`AttackResult`]; its AUC is the number to compare
//! between the unlearned model and the retrained oracle: an unlearned model
//! that forgot should leave the attack exactly as (un)successful on the
//! forget set as it is on the retrained model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::features::ConfidenceFeatures;
use crate::logistic::LogisticModel;
use crate::paired::SampleScores;
use crate::roc::{best_balanced_accuracy, best_balanced_index, roc_curve, tpr_at_fpr, Roc};
use crate::sampling::{balanced_indices, gather, seeded_rng, stratified_folds};

/// ROC curves stored in results are cut to this many points (for the report).
pub const MAX_ROC_POINTS: usize = 200;
/// Seed of the balancing subsample in [`loss_threshold_attack`], fixed so the
/// attack is a pure function of its inputs.
pub const LOSS_THRESHOLD_SEED: u64 = 0x0b1_1055;
/// Folds of the stratified cross-validation in [`neurips_simple_attack`].
pub const NEURIPS_FOLDS: usize = 10;
/// Folds used to measure the confidence attack on held-out retain/test data.
pub const CONFIDENCE_FOLDS: usize = 5;

/// The outcome of one membership-inference attack on one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackResult {
    /// Short stable identifier, e.g. `loss_threshold`.
    pub name: String,
    /// One sentence saying what the attack does and how accuracy is measured.
    pub description: String,
    /// Attack accuracy on a class-balanced set (0.5 = chance).
    pub accuracy: f64,
    /// Area under the ROC curve (0.5 = chance, 1 = perfect membership leak).
    pub auc: f64,
    /// Standard error of the AUC (Hanley & McNeil 1982, from the AUC and the
    /// member / non-member counts); the verdict uses it to tell a real AUC
    /// difference from sampling noise.
    #[serde(default)]
    pub auc_std_error: f64,
    /// TPR at FPR ≤ 1 %, the low-false-alarm regime stressed by Carlini et al.
    pub tpr_at_1pct_fpr: f64,
    /// TPR at FPR ≤ 0.1 %: the samples an attacker can name with almost no
    /// false alarm (Carlini et al. 2022). Needs ≥ 1000 non-members to differ
    /// from 0 at all; read it with the non-member count in mind.
    #[serde(default)]
    pub tpr_at_0_1pct_fpr: f64,
    /// The ROC curve, downsampled to at most [`MAX_ROC_POINTS`] points.
    pub roc: Roc,
    /// Attack-specific numbers (sample counts, MIA efficacy, thresholds …).
    pub extra: BTreeMap<String, f64>,
    /// The per-sample scores behind the ROC, for paired tests between
    /// models (the same targets in the same order on every model). Not
    /// written to `report.json` (the paired results are, in
    /// [`Report::paired_std_errors`](crate::Report::paired_std_errors)).
    #[serde(skip)]
    pub sample_scores: Option<SampleScores>,
}

impl AttackResult {
    /// Builds a result from a full ROC curve over `counts = (members,
    /// non-members)` scores: AUC, its standard error and TPR@1 %FPR are taken
    /// from the full curve, then the stored curve is downsampled.
    pub fn from_roc(
        name: &str,
        description: &str,
        accuracy: f64,
        roc: Roc,
        counts: (usize, usize),
        extra: BTreeMap<String, f64>,
    ) -> Self {
        Self {
            name: name.to_string(),
            description: description.to_string(),
            accuracy,
            auc: roc.auc,
            auc_std_error: auc_std_error(roc.auc, counts.0, counts.1),
            tpr_at_1pct_fpr: tpr_at_fpr(&roc, 0.01),
            tpr_at_0_1pct_fpr: tpr_at_fpr(&roc, 0.001),
            roc: roc.downsample(MAX_ROC_POINTS),
            extra,
            sample_scores: None,
        }
    }

    /// Keeps the per-sample scores the ROC was built from (see
    /// [`sample_scores`](Self::sample_scores)).
    pub fn with_scores(mut self, members: Vec<f64>, nonmembers: Vec<f64>) -> Self {
        self.sample_scores = Some(SampleScores {
            members,
            nonmembers,
        });
        self
    }
}

/// Hanley–McNeil (1982) standard error of an AUC `a` estimated from `n1`
/// members and `n2` non-members: with Q1 = a/(2−a), Q2 = 2a²/(1+a),
/// SE² = (a(1−a) + (n1−1)(Q1−a²) + (n2−1)(Q2−a²)) / (n1·n2).
/// 0 when either side is empty.
pub fn auc_std_error(a: f64, n1: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 0.0;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let q1 = a / (2.0 - a);
    let q2 = 2.0 * a * a / (1.0 + a);
    let var =
        (a * (1.0 - a) + (n1f - 1.0) * (q1 - a * a) + (n2f - 1.0) * (q2 - a * a)) / (n1f * n2f);
    var.max(0.0).sqrt()
}

fn counts(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Loss-threshold attack (Yeom et al. 2018): score = −loss, i.e. "low loss ⇒
/// member".
///
/// AUC and TPR@1 %FPR use all samples (both are insensitive to class
/// imbalance). `accuracy` is the best single-threshold accuracy on a
/// class-balanced set, made by subsampling the larger side without
/// replacement (seed [`LOSS_THRESHOLD_SEED`]). The threshold is picked
/// *knowing the labels*, so this is an optimistic, oracle-threshold accuracy:
/// an upper bound on what a real attacker would get with a calibrated
/// threshold. `extra`: `n_members`, `n_nonmembers`, `n_per_class_balanced`,
/// `best_threshold_loss` (members are called where loss ≤ this).
pub fn loss_threshold_attack(member_losses: &[f64], nonmember_losses: &[f64]) -> AttackResult {
    let neg = |v: &[f64]| v.iter().map(|l| -l).collect::<Vec<f64>>();
    let roc = roc_curve(&neg(member_losses), &neg(nonmember_losses));
    let (mi, ni) = balanced_indices(
        member_losses.len(),
        nonmember_losses.len(),
        &mut seeded_rng(LOSS_THRESHOLD_SEED),
    );
    let balanced = roc_curve(
        &neg(&gather(member_losses, &mi)),
        &neg(&gather(nonmember_losses, &ni)),
    );
    let best = balanced.thresholds[best_balanced_index(&balanced)];
    let extra = counts(&[
        ("n_members", member_losses.len() as f64),
        ("n_nonmembers", nonmember_losses.len() as f64),
        ("n_per_class_balanced", mi.len() as f64),
        (
            "best_threshold_loss",
            if best == f64::MAX { f64::MIN } else { -best },
        ),
    ]);
    AttackResult::from_roc(
        "loss_threshold",
        "Calls a sample a member when its loss is below a threshold; accuracy uses the best \
         threshold on a balanced subsample (optimistic, oracle threshold).",
        best_balanced_accuracy(&balanced),
        roc,
        (member_losses.len(), nonmember_losses.len()),
        extra,
    )
    .with_scores(neg(member_losses), neg(nonmember_losses))
}

/// Out-of-fold results of a logistic regression under stratified `k`-fold
/// cross-validation.
struct CrossValidation {
    /// Member probability of each sample from the model that did not see it.
    probabilities: Vec<f64>,
    /// Direction (±1, 0) of feature 0 in the model that did not see each sample.
    directions: Vec<f64>,
    /// Accuracy (at probability 0.5) of each fold's model on its held-out fold.
    fold_accuracies: Vec<f64>,
}

fn cross_validate(rows: &[Vec<f64>], labels: &[bool], k: usize, seed: u64) -> CrossValidation {
    let folds = stratified_folds(labels, k, &mut seeded_rng(seed));
    let mut oof = vec![0.5; rows.len()];
    let mut directions = vec![0.0; rows.len()];
    let mut accuracies = Vec::with_capacity(k);
    for f in 0..k {
        let (train, test): (Vec<usize>, Vec<usize>) = (0..rows.len()).partition(|&i| folds[i] != f);
        if test.is_empty() {
            continue;
        }
        let model = LogisticModel::fit(
            &train.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>(),
            &gather(labels, &train),
        );
        let mut correct = 0;
        for &i in &test {
            oof[i] = model.predict_proba(&rows[i]);
            directions[i] = model.direction(0);
            correct += usize::from((oof[i] >= 0.5) == labels[i]);
        }
        accuracies.push(correct as f64 / test.len() as f64);
    }
    CrossValidation {
        probabilities: oof,
        directions,
        fold_accuracies: accuracies,
    }
}

fn split_scores(scores: &[f64], labels: &[bool]) -> (Vec<f64>, Vec<f64>) {
    let members = scores
        .iter()
        .zip(labels)
        .filter(|(_, &l)| l)
        .map(|(s, _)| *s)
        .collect();
    let nonmembers = scores
        .iter()
        .zip(labels)
        .filter(|(_, &l)| !l)
        .map(|(s, _)| *s)
        .collect();
    (members, nonmembers)
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.5
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Balanced rows (members first) and labels from two feature sets.
fn balanced_rows(
    members: &[Vec<f64>],
    nonmembers: &[Vec<f64>],
    seed: u64,
) -> (Vec<Vec<f64>>, Vec<bool>) {
    let (mi, ni) = balanced_indices(members.len(), nonmembers.len(), &mut seeded_rng(seed));
    let rows: Vec<Vec<f64>> = mi
        .iter()
        .map(|&i| members[i].clone())
        .chain(ni.iter().map(|&i| nonmembers[i].clone()))
        .collect();
    let labels = (0..rows.len()).map(|i| i < mi.len()).collect();
    (rows, labels)
}

/// The "simple MIA" of the NeurIPS 2023 Machine Unlearning challenge's
/// starting kit: logistic regression on the per-sample loss alone.
///
/// Forget samples are members (1), test samples non-members (0); the larger
/// side is subsampled (seeded) so the classes are balanced, the single
/// feature is standardised on each training fold, and the model is scored by
/// **stratified 10-fold cross-validation** (fewer folds when a class has
/// fewer than 10 samples). `accuracy` is the mean held-out fold accuracy at
/// probability 0.5; the AUC and ROC are from the out-of-fold scores. With
/// one feature a fold model ranks samples by its loss in the direction of its
/// slope, so a sample's out-of-fold score is `±loss` with its fold model's
/// sign: pooling the raw probabilities instead would mix fold-specific
/// intercepts, which inflates the AUC's spread under the null by about 1.5×.
/// (The kit used scikit-learn's `StratifiedShuffleSplit` — 10 random 90/10
/// splits — on the raw loss; k-fold scores every sample exactly once, which
/// is what an out-of-fold ROC needs.) Accuracy near 0.5 on the unlearned
/// model, like on the retrained one, means the forget set looks like unseen
/// data. `extra`: `n_per_class`, `folds`, `fold_accuracy_std`.
pub fn neurips_simple_attack(
    forget_losses: &[f64],
    test_losses: &[f64],
    seed: u64,
) -> AttackResult {
    let one = |v: &[f64]| v.iter().map(|&l| vec![l]).collect::<Vec<_>>();
    let (rows, labels) = balanced_rows(&one(forget_losses), &one(test_losses), seed);
    let n_per_class = rows.len() / 2;
    let description =
        "Logistic regression on the loss (forget = member, test = non-member), balanced, \
                       stratified k-fold CV: mean held-out accuracy and out-of-fold AUC.";
    if n_per_class < 2 {
        let extra = counts(&[("n_per_class", n_per_class as f64), ("folds", 0.0)]);
        return AttackResult::from_roc(
            "neurips_simple_mia",
            description,
            0.5,
            Roc::chance(),
            (0, 0),
            extra,
        );
    }
    let k = NEURIPS_FOLDS.min(n_per_class);
    let cv = cross_validate(&rows, &labels, k, seed ^ 0x5eed);
    let scores: Vec<f64> = rows
        .iter()
        .zip(&cv.directions)
        .map(|(r, d)| d * r[0])
        .collect();
    let (m, n) = split_scores(&scores, &labels);
    let accs = cv.fold_accuracies;
    let acc = mean(&accs);
    let std = (accs.iter().map(|a| (a - acc).powi(2)).sum::<f64>() / accs.len() as f64).sqrt();
    let extra = counts(&[
        ("n_per_class", n_per_class as f64),
        ("folds", k as f64),
        ("fold_accuracy_std", std),
    ]);
    AttackResult::from_roc(
        "neurips_simple_mia",
        description,
        acc,
        roc_curve(&m, &n),
        (m.len(), n.len()),
        extra,
    )
    .with_scores(m, n)
}

/// The "MIA-efficacy" attack of the ℓ1-sparse (Jia et al. 2023) and SalUn
/// (Fan et al. 2024) papers, with logistic regression in place of their SVM.
///
/// A classifier on the features `[φ(p_true), entropy]` (see
/// [`ConfidenceFeatures`]) is trained with retain samples as members and test
/// samples as non-members (larger side subsampled, seeded), then applied to
/// the forget set. `extra["mia_efficacy"]` is the share of forget samples it
/// predicts to be **non-members** (probability < 0.5): higher means the model
/// treats the forget set more like unseen data; compare it with the
/// retrained model's, not with 1 (0 for an empty forget set). `accuracy`/`auc` are the attack's own
/// quality on retain vs test, held out by stratified 5-fold CV. Other
/// `extra`: `forget_member_rate`, `forget_mean_member_probability`,
/// `n_per_class`, `folds`.
pub fn confidence_attack(
    retain_conf: &[ConfidenceFeatures],
    test_conf: &[ConfidenceFeatures],
    forget_conf: &[ConfidenceFeatures],
    seed: u64,
) -> AttackResult {
    let row = |f: &ConfidenceFeatures| vec![f.logit_confidence, f.entropy];
    let to_rows = |v: &[ConfidenceFeatures]| v.iter().map(row).collect::<Vec<_>>();
    let (rows, labels) = balanced_rows(&to_rows(retain_conf), &to_rows(test_conf), seed);
    let n_per_class = rows.len() / 2;
    let description = "Logistic regression on [logit true-class confidence, entropy] trained on retain \
                       (member) vs test (non-member), applied to the forget set; accuracy/AUC held out.";
    if n_per_class < 2 {
        let extra = counts(&[
            ("n_per_class", n_per_class as f64),
            ("folds", 0.0),
            ("mia_efficacy", 0.0),
        ]);
        return AttackResult::from_roc(
            "confidence_mia",
            description,
            0.5,
            Roc::chance(),
            (0, 0),
            extra,
        );
    }
    let k = CONFIDENCE_FOLDS.min(n_per_class);
    let cv = cross_validate(&rows, &labels, k, seed ^ 0xc0f1);
    let (m, n) = split_scores(&cv.probabilities, &labels);
    // The forget set is scored by a model fitted on all balanced data.
    let model = LogisticModel::fit(&rows, &labels);
    let probs: Vec<f64> = forget_conf
        .iter()
        .map(|f| model.predict_proba(&row(f)))
        .collect();
    let member_rate = if probs.is_empty() {
        0.0
    } else {
        probs.iter().filter(|&&p| p >= 0.5).count() as f64 / probs.len() as f64
    };
    let efficacy = if probs.is_empty() {
        0.0
    } else {
        1.0 - member_rate
    };
    let extra = counts(&[
        ("mia_efficacy", efficacy),
        ("forget_member_rate", member_rate),
        (
            "forget_mean_member_probability",
            if probs.is_empty() { 0.0 } else { mean(&probs) },
        ),
        ("n_per_class", n_per_class as f64),
        ("folds", k as f64),
    ]);
    let counts = (m.len(), n.len());
    AttackResult::from_roc(
        "confidence_mia",
        description,
        mean(&cv.fold_accuracies),
        roc_curve(&m, &n),
        counts,
        extra,
    )
    .with_scores(m, n)
}

#[cfg(test)]
#[path = "attacks_tests.rs"]
mod tests;
