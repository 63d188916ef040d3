//! Tests of the verdict rules on crafted evidence.

use super::*;

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
    assert!(reasons
        .iter()
        .any(|r| r.contains("1.9 standard errors within")));
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
