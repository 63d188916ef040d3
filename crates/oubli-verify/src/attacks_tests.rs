//! Tests of the loss and confidence attacks on seeded synthetic data.

use super::*;
use crate::sampling::normal_samples;

#[test]
fn auc_standard_error_hand_value() {
    // a = 0.5, n1 = n2 = 100: Q1 = 1/3, Q2 = 1/3,
    // SE² = (0.25 + 99·(1/3 − 1/4)·2) / 10000 = (0.25 + 16.5) / 10000 → SE = 0.040927.
    assert!((auc_std_error(0.5, 100, 100) - 0.0409268).abs() < 1e-6);
    assert_eq!(auc_std_error(0.7, 0, 10), 0.0);
    assert_eq!(auc_std_error(1.0, 10, 10), 0.0);
}

#[test]
fn loss_attack_detects_lower_member_losses() {
    let members = normal_samples(2000, 0.5, 0.3, 1);
    let nonmembers = normal_samples(3000, 1.2, 0.4, 2);
    let r = loss_threshold_attack(&members, &nonmembers);
    assert!(r.auc > 0.85, "auc {}", r.auc);
    assert!(r.accuracy > 0.75);
    assert_eq!(r.extra["n_per_class_balanced"], 2000.0);
    assert!(r.roc.fpr.len() <= MAX_ROC_POINTS);
    assert!(r.extra["best_threshold_loss"] > 0.5 && r.extra["best_threshold_loss"] < 1.2);
}

#[test]
fn loss_attack_is_chance_on_one_distribution() {
    let r = loss_threshold_attack(
        &normal_samples(3000, 1.0, 0.5, 3),
        &normal_samples(3000, 1.0, 0.5, 4),
    );
    assert!((r.auc - 0.5).abs() < 0.05, "auc {}", r.auc);
    // Oracle threshold: optimistic but still close to chance with 6000 samples.
    assert!(r.accuracy < 0.56);
}

#[test]
fn neurips_attack_detects_shift_and_not_noise() {
    let r = neurips_simple_attack(
        &normal_samples(1500, 0.4, 0.3, 5),
        &normal_samples(1000, 1.0, 0.4, 6),
        0,
    );
    assert!(
        r.auc > 0.8 && r.accuracy > 0.7,
        "auc {} acc {}",
        r.auc,
        r.accuracy
    );
    assert_eq!((r.extra["n_per_class"], r.extra["folds"]), (1000.0, 10.0));
    let same = neurips_simple_attack(
        &normal_samples(2000, 1.0, 0.4, 7),
        &normal_samples(2000, 1.0, 0.4, 8),
        0,
    );
    assert!((same.auc - 0.5).abs() < 0.05 && (same.accuracy - 0.5).abs() < 0.05);
    // Same seed, same answer.
    let again = neurips_simple_attack(
        &normal_samples(2000, 1.0, 0.4, 7),
        &normal_samples(2000, 1.0, 0.4, 8),
        0,
    );
    assert_eq!(same, again);
}

#[test]
fn neurips_attack_degrades_gracefully_on_tiny_input() {
    let r = neurips_simple_attack(&[0.1], &[1.0, 2.0], 0);
    assert_eq!((r.auc, r.accuracy), (0.5, 0.5));
    let r = neurips_simple_attack(&[0.1, 0.2, 0.3], &[1.0, 2.0, 3.0], 0);
    assert_eq!(r.extra["folds"], 3.0);
    assert_eq!(r.auc, 1.0);
}

fn features(n: usize, conf_mean: f64, entropy_mean: f64, seed: u64) -> Vec<ConfidenceFeatures> {
    let c = normal_samples(n, conf_mean, 1.0, seed);
    let h = normal_samples(n, entropy_mean, 0.2, seed + 100);
    c.into_iter()
        .zip(h)
        .map(|(logit_confidence, entropy)| ConfidenceFeatures {
            logit_confidence,
            entropy,
        })
        .collect()
}

#[test]
fn confidence_attack_measures_forget_efficacy() {
    let retain = features(3000, 4.0, 0.2, 10);
    let test = features(1000, 2.0, 0.6, 11);
    let r = confidence_attack(&retain, &test, &features(500, 4.0, 0.2, 12), 0);
    assert!(r.auc > 0.85, "auc {}", r.auc);
    // A forget set that still looks like training data: low efficacy.
    assert!(
        r.extra["mia_efficacy"] < 0.25,
        "{}",
        r.extra["mia_efficacy"]
    );
    // A forget set that looks like test data: high efficacy.
    let forgotten = confidence_attack(&retain, &test, &features(500, 2.0, 0.6, 13), 0);
    assert!(forgotten.extra["mia_efficacy"] > 0.75);
    assert!(
        (forgotten.extra["mia_efficacy"] + forgotten.extra["forget_member_rate"] - 1.0).abs()
            < 1e-12
    );
}

#[test]
fn confidence_attack_is_chance_without_signal() {
    let r = confidence_attack(
        &features(2000, 3.0, 0.4, 20),
        &features(2000, 3.0, 0.4, 21),
        &[],
        1,
    );
    assert!((r.auc - 0.5).abs() < 0.05, "auc {}", r.auc);
    assert_eq!(r.extra["mia_efficacy"], 0.0);
}
