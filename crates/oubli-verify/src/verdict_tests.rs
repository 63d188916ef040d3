//! Tests of the verdict rules on crafted evidence.

use super::*;
use crate::attacks::AttackResult;

fn acc(forget: f64, retain: f64, test: f64) -> SetAccuracies {
    SetAccuracies {
        forget,
        retain,
        test,
    }
}

fn attack(o: f64, u: f64, r: f64) -> AttackEvidence {
    AttackEvidence {
        name: "loss_threshold".into(),
        auc_original: o,
        auc_unlearned: u,
        auc_retrained: r,
        std_errors: [0.02; 3],
        paired: None,
    }
}

fn evidence(unlearned: SetAccuracies, auc_unlearned: f64) -> Evidence {
    Evidence {
        original: acc(1.0, 1.0, 0.85),
        unlearned,
        retrained: acc(0.86, 1.0, 0.85),
        attacks: vec![attack(0.70, auc_unlearned, 0.51)],
        js_divergence_forget: Some(0.01),
    }
}

#[test]
fn matching_the_oracle_is_forgotten() {
    let (v, reasons) = decide(
        &evidence(acc(0.84, 0.99, 0.84), 0.53),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::Forgotten);
    assert!(reasons[0].starts_with("forgotten"));
    assert!(reasons.iter().any(|r| r.contains("JS divergence")));
}

#[test]
fn leftover_memorisation_is_not_forgotten() {
    // Forget accuracy still at the original's level.
    let (v, reasons) = decide(
        &evidence(acc(0.99, 1.0, 0.85), 0.52),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::NotForgotten);
    assert!(reasons[0].contains("forget accuracy"));
    // Accuracy matches but the attack still sees the forget set as members.
    let (v, reasons) = decide(
        &evidence(acc(0.87, 1.0, 0.85), 0.66),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::NotForgotten);
    assert!(reasons[0].contains("attack loss_threshold"));
    // The same 0.15 difference with SE 0.08 on the unlearned AUC is below
    // 2 standard errors (0.16): noise, not evidence.
    let mut noisy = evidence(acc(0.87, 1.0, 0.85), 0.66);
    noisy.attacks[0].std_errors = [0.0, 0.08, 0.0];
    let (v, reasons) = decide(&noisy, &VerdictThresholds::default());
    assert_eq!(v, Verdict::Forgotten);
    assert!(reasons.iter().any(|r| r.contains(
        "exceeds the 0.050 margin but is only 1.9 standard errors (unpaired; 2.0 needed)"
    )));
}

#[test]
fn over_unlearning_is_not_forgotten_either() {
    let (v, _) = decide(
        &evidence(acc(0.10, 0.95, 0.80), 0.50),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::NotForgotten);
}

#[test]
fn no_power_on_the_original_is_inconclusive() {
    let e = Evidence {
        original: acc(0.86, 0.90, 0.85),
        unlearned: acc(0.86, 0.90, 0.85),
        retrained: acc(0.85, 0.90, 0.85),
        attacks: vec![attack(0.52, 0.51, 0.50)],
        js_divergence_forget: None,
    };
    let (v, reasons) = decide(&e, &VerdictThresholds::default());
    assert_eq!(v, Verdict::Inconclusive);
    assert!(reasons[0].starts_with("inconclusive"));
    assert!(reasons.iter().any(|r| r.contains("no power")));
}

#[test]
fn optional_js_threshold_can_fail_and_utility_is_only_noted() {
    let t = VerdictThresholds {
        max_js_divergence_forget: Some(0.005),
        ..Default::default()
    };
    let (v, reasons) = decide(&evidence(acc(0.84, 0.80, 0.70), 0.53), &t);
    assert_eq!(v, Verdict::NotForgotten);
    assert!(reasons[0].contains("JS divergence"));
    assert!(reasons
        .iter()
        .any(|r| r.starts_with("utility note: retain")));
    let (v, _) = decide(
        &evidence(acc(0.84, 0.80, 0.70), 0.53),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::Forgotten);
}

#[test]
fn verdict_serialises_snake_case() {
    assert_eq!(
        serde_json::to_string(&Verdict::NotForgotten).unwrap(),
        "\"not_forgotten\""
    );
    assert_eq!(
        serde_json::from_str::<Verdict>("\"inconclusive\"").unwrap(),
        Verdict::Inconclusive
    );
    assert_eq!(Verdict::Forgotten.to_string(), "forgotten");
    let t: VerdictThresholds = serde_json::from_str("{\"auc_margin\": 0.1}").unwrap();
    assert_eq!((t.auc_margin, t.power_margin), (0.1, 0.05));
}

#[test]
fn a_gap_exactly_at_the_tolerance_is_within_it() {
    // 0.91 − 0.86 is 0.05000000000000004 in binary.
    let (v, reasons) = decide(
        &evidence(acc(0.91, 1.0, 0.85), 0.53),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::Forgotten, "{reasons:?}");
    assert!(reasons
        .iter()
        .any(|r| r.contains("gap 5.0 pts within the tolerance 5.0 pts")));
    let (v, _) = decide(
        &evidence(acc(0.9101, 1.0, 0.85), 0.53),
        &VerdictThresholds::default(),
    );
    assert_eq!(v, Verdict::NotForgotten);
}

#[test]
fn inconclusive_says_which_test_failed_without_false_inequalities() {
    // The attack's original-vs-retrained difference (0.076) exceeds the
    // 0.05 margin, but with SE 0.05 it is only 1.5 standard errors.
    let mut a = attack(0.576, 0.55, 0.50);
    a.std_errors = [0.05, 0.05, 0.0];
    let e = Evidence {
        original: acc(0.86, 0.90, 0.85),
        unlearned: acc(0.86, 0.90, 0.85),
        retrained: acc(0.85, 0.90, 0.85),
        attacks: vec![a, attack(0.52, 0.51, 0.50)],
        js_divergence_forget: None,
    };
    let (v, reasons) = decide(&e, &VerdictThresholds::default());
    assert_eq!(v, Verdict::Inconclusive);
    let head = &reasons[0];
    assert!(
        head.contains("gap 1.0 pts within the 5.0 pts tolerance"),
        "{head}"
    );
    assert!(
        head.contains("difference 0.076 exceeds the 0.050 margin but is only 1.5 standard errors"),
        "{head}"
    );
    assert!(
        head.contains("difference 0.020 is within the 0.050 margin"),
        "{head}"
    );
    assert!(!head.contains("≤"), "{head}");
}

/// Scores of `n` members and `n` non-members on one model: every target has
/// a difficulty shared by all models (N(0, 1)), members get `shift` more,
/// and each model adds its own noise N(0, 0.3²).
fn correlated_scores(n: usize, shift: f64, model_seed: u64) -> AttackResult {
    use crate::sampling::normal_samples;
    let difficulty = normal_samples(2 * n, 0.0, 1.0, 99);
    let noise = normal_samples(2 * n, 0.0, 0.3, model_seed);
    let s: Vec<f64> = (0..2 * n)
        .map(|i| difficulty[i] + noise[i] + if i < n { shift } else { 0.0 })
        .collect();
    let (m, nm) = (s[..n].to_vec(), s[n..].to_vec());
    let roc = crate::roc::roc_curve(&m, &nm);
    AttackResult::from_roc("lira", "synthetic", 0.5, roc, (n, n), Default::default())
        .with_scores(m, nm)
}

#[test]
fn removing_only_a_quarter_of_the_gap_does_not_pass() {
    // The case of the issue: original AUC ≈ 0.77, oracle ≈ 0.57, unlearned
    // ≈ 0.73 on 40 + 40 targets, forget accuracy matching the oracle's.
    let n = 40;
    let attacks = [
        correlated_scores(n, 1.10, 1),
        correlated_scores(n, 0.88, 2),
        correlated_scores(n, 0.26, 3),
    ];
    let aucs: Vec<f64> = attacks.iter().map(|a| a.auc).collect();
    assert!(aucs[0] - aucs[2] > 0.15, "{aucs:?}");
    let remaining = (aucs[1] - aucs[2]) / (aucs[0] - aucs[2]);
    assert!(
        remaining > 0.6,
        "the unlearned model keeps {remaining:.2} of the gap"
    );
    let mut e = Evidence {
        original: acc(0.95, 0.95, 0.85),
        unlearned: acc(0.86, 0.95, 0.85),
        retrained: acc(0.86, 0.95, 0.85),
        attacks: AttackEvidence::collect(
            std::slice::from_ref(&attacks[0]),
            std::slice::from_ref(&attacks[1]),
            std::slice::from_ref(&attacks[2]),
        ),
        js_divergence_forget: None,
    };
    assert!(e.attacks[0].paired.is_some());
    let (v, reasons) = decide(&e, &VerdictThresholds::default());
    assert_eq!(v, Verdict::NotForgotten, "{reasons:?}");
    assert!(reasons[0].contains("attack lira") && reasons[0].contains("paired DeLong"));
    // The old unpaired rule let it pass as noise: the defect being fixed.
    e.attacks[0].paired = None;
    let (v, reasons) = decide(&e, &VerdictThresholds::default());
    assert_eq!(v, Verdict::Forgotten, "{reasons:?}");
}
