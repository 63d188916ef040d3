//! Tests of the challenge score against hand computations.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Hand computation, δ = 1e-5:
///
/// | FPR  | FNR  | ln(1−δ−FPR) − ln FNR          | ln(1−δ−FNR) − ln FPR          | ε        |
/// |------|------|-------------------------------|-------------------------------|----------|
/// | 0.1  | 0.2  | ln(0.89999/0.2) = 1.504066    | ln(0.79999/0.1) = 2.079429    | 2.079429 |
/// | 0.01 | 0.5  | ln(0.98999/0.5) = 0.683087    | ln(0.49999/0.01) = 3.912003   | 3.912003 |
/// | 0.5  | 0.5  | ln(0.49999/0.5) = −0.00002    | same                          | 0 (clip) |
/// | 1.0  | 0.2  | ln(−0.00001): undefined       | ln(0.79999/1) = −0.223156     | 0 (clip) |
/// | 0    | 0    | perfect separation            |                               | ∞        |
/// | 0    | 0.3  | one rate 0: rule discarded    |                               | NaN      |
/// | 1.0  | 1.0  | both undefined: discarded     |                               | NaN      |
#[test]
fn epsilon_from_rates_hand_table() {
    let d = DELTA;
    let e = |fpr, fnr| epsilon_from_rates(fpr, fnr, d);
    assert!(close(e(0.1, 0.2), (0.79999f64 / 0.1).ln()));
    assert!(close(e(0.1, 0.2), 2.079429) || (e(0.1, 0.2) - 2.079429).abs() < 1e-6);
    assert!((e(0.01, 0.5) - 3.912003).abs() < 1e-6);
    assert!(close(e(0.01, 0.5), (0.49999f64 / 0.01).ln()));
    assert_eq!(e(0.5, 0.5), 0.0);
    assert_eq!(e(1.0, 0.2), 0.0);
    assert_eq!(e(0.0, 0.0), f64::INFINITY);
    assert!(e(0.0, 0.3).is_nan() && e(0.3, 0.0).is_nan());
    assert!(e(1.0, 1.0).is_nan());
    // The formula is symmetric in (FPR, FNR).
    assert_eq!(e(0.2, 0.1), e(0.1, 0.2));
}

/// Buckets (N = 512 → ε_max = ⌈ln 511⌉ = ⌈6.236⌉ = 7, 14 buckets):
/// ε = 0 → n = 1 → 2/2 = 1; 0.49 → 1; 0.5 → n = 2 → ½;
/// 2.079429 → ⌊4.16⌋ + 1 = 5 → 2/32 = 0.0625; 3.912003 → ⌊7.82⌋ + 1 = 8 → 2/256 = 0.0078125;
/// 6.9 → n = 14 → 2⁻¹³; 7.0 and 50 → 0.
#[test]
fn bin_scores_hand_table() {
    assert_eq!(max_epsilon_for_models(512), 7.0);
    assert_eq!(bin_score(0.0), 1.0);
    assert_eq!(bin_score(0.49), 1.0);
    assert_eq!(bin_score(0.5), 0.5);
    assert_eq!(bin_score(2.079429), 0.0625);
    assert_eq!(bin_score(3.912003), 0.0078125);
    assert_eq!(bin_score(6.9), 2f64.powi(-13));
    assert_eq!(bin_score(7.0), 0.0);
    assert_eq!(bin_score(EPSILON_CAP), 0.0);
    assert_eq!(bin_score(f64::NAN), 0.0);
    // N = 16 → ε_max = ⌈ln 15⌉ = ⌈2.708⌉ = 3: 2.9 is in the last bucket (n = 6).
    assert_eq!(max_epsilon_for_models(16), 3.0);
    assert_eq!(bin_score_for_models(2.9, 16), 2.0 / 64.0);
    assert_eq!(bin_score_for_models(3.0, 16), 0.0);
    assert_eq!(bin_score_for_models(0.0, 2), 0.0);
}

/// F over ε = [0, 2.079429, 3.912003, 50]: (1 + 0.0625 + 0.0078125 + 0) / 4 = 0.267578125.
/// Score with RA 0.90/0.95 and TA 0.80/0.85:
/// 0.267578125 × 0.9473684 × 0.9411765 = 0.2385844.
#[test]
fn forgetting_quality_and_score_hand_values() {
    let f = forgetting_quality(&[0.0, 2.079429, 3.912003, 50.0]);
    assert_eq!(f, 0.267578125);
    let s = challenge_score(f, 0.90, 0.95, 0.80, 0.85);
    assert!((s - 0.2385844).abs() < 1e-6, "{s}");
    assert_eq!(challenge_score(0.5, 0.9, 0.9, 0.8, 0.8), 0.5);
    assert_eq!(forgetting_quality(&[]), 0.0);
}

#[test]
fn per_sample_epsilon_extremes() {
    let u = [0.0, 1.0, 2.0, 3.0];
    // Identical outputs: every rule has FPR + FNR = 1 → ε = 0.
    assert_eq!(per_sample_epsilon(&u, &u), 0.0);
    // Perfectly separated: some rule has FPR = FNR = 0 → capped ∞.
    assert_eq!(
        per_sample_epsilon(&u, &[10.0, 11.0, 12.0, 13.0]),
        EPSILON_CAP
    );
    // Reversed direction is found too.
    assert_eq!(
        per_sample_epsilon(&[10.0, 11.0, 12.0, 13.0], &u),
        EPSILON_CAP
    );
    // One side a spike inside the other's range: range ratio 0.001/10 < 1 %.
    assert_eq!(
        per_sample_epsilon(&[1.0, 1.0, 1.0, 1.001], &[0.0, 5.0, 10.0, 3.0]),
        EPSILON_CAP
    );
}

/// U = {0,1,2,3}, R = {2,3,4,5} (4 models each). Best rule: "unlearned iff
/// output ≤ 2" → U_in = 3, R_in = 1 → FPR = 1/4, FNR = 1/4 →
/// ε = ln(0.75 − δ) − ln 0.25 = ln 2.99996 = 1.098599. ("≤ 3" catches all of
/// U: FNR = 0 with FPR = ½ → discarded.)
#[test]
fn per_sample_epsilon_hand_example() {
    let eps = per_sample_epsilon(&[0.0, 1.0, 2.0, 3.0], &[2.0, 3.0, 4.0, 5.0]);
    assert!(close(eps, (0.75 - DELTA).ln() - 0.25f64.ln()), "{eps}");
}

/// A middle interval beats every single threshold: U = {0, 10, 20, 30} spread,
/// R = {14, 15, 16, 17} inside it. "Retrained iff 14 ≤ x ≤ 17" → R_in = 4,
/// U_in = 0 → FPR = FNR = 0 → perfect → cap; a single threshold cannot do this.
#[test]
fn per_sample_epsilon_uses_intervals() {
    assert_eq!(
        per_sample_epsilon(&[0.0, 10.0, 20.0, 30.0], &[14.0, 15.0, 16.0, 17.0]),
        EPSILON_CAP
    );
}

#[test]
fn challenge_score_struct_combines_everything() {
    let same = vec![vec![0.0, 1.0, 2.0, 3.0]; 3];
    let c = ChallengeScore::compute(&same, &same, 0.9, 0.9, 0.8, 0.8);
    assert_eq!(c.per_sample_epsilon, vec![0.0; 3]);
    assert_eq!(c.num_models, 4);
    // N = 4 → ε_max = ⌈ln 3⌉ = 2; ε = 0 → 1 point each.
    assert_eq!((c.forgetting_quality, c.score), (1.0, 1.0));
}
