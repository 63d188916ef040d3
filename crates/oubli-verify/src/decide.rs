//! [`decide`]: the rules of the verdict, each explained in words that are
//! true as written (no inequality is printed unless it holds).

use super::{AttackEvidence, Evidence, Verdict, VerdictThresholds};

/// Differences within this of a tolerance count as *at* the tolerance: a gap
/// of exactly 5 points must not fail a 5-point tolerance because
/// 0.91 − 0.86 is 0.05000000000000004 in binary.
const TOLERANCE_EPSILON: f64 = 1e-9;

fn pts(x: f64) -> String {
    format!("{:.1} pts", 100.0 * x)
}

/// Whether `d` is beyond `tolerance` (and not merely at it, up to rounding).
fn beyond(d: f64, tolerance: f64) -> bool {
    d > tolerance + TOLERANCE_EPSILON
}

/// One AUC difference judged against a margin and its standard error.
struct Comparison {
    /// Beyond the margin *and* significant: the difference is real.
    exceeds: bool,
    /// Why, in words: which of the two conditions failed, or both held.
    why: String,
}

fn compare(d: f64, margin: f64, (se, paired): (f64, bool), z: f64) -> Comparison {
    let kind = if paired { "paired DeLong" } else { "unpaired" };
    if !beyond(d, margin) {
        return Comparison {
            exceeds: false,
            why: format!("difference {d:.3} is within the {margin:.3} margin"),
        };
    }
    if se <= 0.0 {
        return Comparison {
            exceeds: true,
            why: format!(
                "difference {d:.3} exceeds the {margin:.3} margin (standard error unknown)"
            ),
        };
    }
    let sigmas = d / se;
    if d > z * se {
        Comparison {
            exceeds: true,
            why: format!(
                "difference {d:.3} exceeds the {margin:.3} margin and is {sigmas:.1} standard errors ({kind}; \
                 {z:.1} needed)"
            ),
        }
    } else {
        Comparison {
            exceeds: false,
            why: format!(
                "difference {d:.3} exceeds the {margin:.3} margin but is only {sigmas:.1} standard errors \
                 ({kind}; {z:.1} needed), so it may be sampling noise"
            ),
        }
    }
}

fn power(a: &AttackEvidence, t: &VerdictThresholds) -> Comparison {
    compare(
        (a.auc_original - a.auc_retrained).abs(),
        t.power_margin,
        a.diff_se(0),
        t.significance_z,
    )
}

/// Decides the verdict and explains it, one reason per line. Rules, in order:
///
/// An AUC difference *exceeds* a margin when it is larger than the margin
/// and than `significance_z` standard errors of the difference. The standard
/// error is DeLong's paired one when the attack kept its per-sample scores
/// on all three models ([`AttackEvidence::paired`]), else the unpaired
/// `√(se₁² + se₂²)`. Differences are compared to tolerances up to 1e-9, so
/// a gap exactly at a tolerance is within it.
///
/// 1. **Power.** An attack is powerful if it separates original from
///    retrained (|ΔAUC| exceeds `power_margin`); accuracy has power if the
///    original's and retrained's forget accuracies differ by more than
///    `accuracy_gap_tolerance`. With no power at all → **inconclusive**: the
///    original never looked different from a model that never saw the forget
///    set, so there was nothing measurable to remove. The headline says, per
///    test, which condition failed.
/// 2. **Not forgotten** if |forget accuracy(unlearned) − (retrained)| >
///    `accuracy_gap_tolerance`, or a powerful attack's AUC on the unlearned
///    model differs from that on the retrained one by more than `auc_margin`,
///    or (if configured) the forget JS divergence exceeds its maximum.
/// 3. Otherwise **forgotten**.
///
/// Retain/test accuracy gaps beyond the tolerance are added as utility notes
/// but never change the verdict: they measure damage, not memory.
pub fn decide(evidence: &Evidence, thresholds: &VerdictThresholds) -> (Verdict, Vec<String>) {
    let t = thresholds;
    let (o, u, r) = (&evidence.original, &evidence.unlearned, &evidence.retrained);
    let mut reasons = Vec::new();
    let mut failures = Vec::new();

    let original_gap = (o.forget - r.forget).abs();
    let accuracy_power = beyond(original_gap, t.accuracy_gap_tolerance);
    let powers: Vec<(&AttackEvidence, Comparison)> =
        evidence.attacks.iter().map(|a| (a, power(a, t))).collect();
    let powerful = powers.iter().filter(|(_, p)| p.exceeds).count();

    let forget_gap = (u.forget - r.forget).abs();
    let line = format!(
        "forget accuracy {:.1}% (unlearned) vs {:.1}% (retrained): gap {} {} tolerance {}",
        100.0 * u.forget,
        100.0 * r.forget,
        pts(forget_gap),
        if beyond(forget_gap, t.accuracy_gap_tolerance) {
            "exceeds the"
        } else {
            "within the"
        },
        pts(t.accuracy_gap_tolerance)
    );
    if beyond(forget_gap, t.accuracy_gap_tolerance) {
        failures.push(line);
    } else {
        reasons.push(line);
    }
    for (a, p) in &powers {
        if !p.exceeds {
            reasons.push(format!(
                "attack {} has no power here, ignored: AUC {:.3} on original vs {:.3} on retrained, {}",
                a.name, a.auc_original, a.auc_retrained, p.why
            ));
            continue;
        }
        let c = compare(
            (a.auc_unlearned - a.auc_retrained).abs(),
            t.auc_margin,
            a.diff_se(1),
            t.significance_z,
        );
        let line = format!(
            "attack {}: AUC {:.3} on unlearned vs {:.3} on retrained (original {:.3}): {}",
            a.name, a.auc_unlearned, a.auc_retrained, a.auc_original, c.why
        );
        if c.exceeds {
            failures.push(line);
        } else {
            reasons.push(line);
        }
    }
    if let Some(js) = evidence.js_divergence_forget {
        match t.max_js_divergence_forget {
            Some(max) if beyond(js, max) => failures.push(format!(
                "JS divergence on the forget set {js:.4} exceeds the maximum {max:.4}"
            )),
            Some(max) => reasons.push(format!(
                "JS divergence on the forget set {js:.4} within the maximum {max:.4}"
            )),
            None => reasons.push(format!(
                "JS divergence on the forget set {js:.4} (reported, not used to decide)"
            )),
        }
    }
    for (name, ua, ra) in [("retain", u.retain, r.retain), ("test", u.test, r.test)] {
        if beyond((ua - ra).abs(), t.accuracy_gap_tolerance) {
            reasons.push(format!(
                "utility note: {name} accuracy {:.1}% (unlearned) vs {:.1}% (retrained), gap {}",
                100.0 * ua,
                100.0 * ra,
                pts((ua - ra).abs())
            ));
        }
    }

    let verdict = if powerful == 0 && !accuracy_power {
        let mut why = vec![format!(
            "forget accuracy {:.1}% (original) vs {:.1}% (retrained): gap {} within the {} tolerance",
            100.0 * o.forget,
            100.0 * r.forget,
            pts(original_gap),
            pts(t.accuracy_gap_tolerance)
        )];
        why.extend(powers.iter().map(|(a, p)| format!("{}: {}", a.name, p.why)));
        reasons.insert(
            0,
            format!(
                "inconclusive: no test separates the original model from the retrained one, so there was no \
                 measurable memorisation to remove ({})",
                why.join("; ")
            ),
        );
        for f in failures {
            reasons.push(format!("note: {f}"));
        }
        Verdict::Inconclusive
    } else if !failures.is_empty() {
        failures.extend(reasons);
        reasons = failures;
        Verdict::NotForgotten
    } else {
        reasons.insert(
            0,
            "forgotten: the unlearned model matches the retrained oracle on every test with power"
                .into(),
        );
        Verdict::Forgotten
    };
    (verdict, reasons)
}
