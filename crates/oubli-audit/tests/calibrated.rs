//! The calibrated verdict, the owner tests and RMIA on digits: a `noop` must
//! fail and an independent retrain must pass, against five extra retrains.

mod support;
use oubli_audit::{AuditConfig, Auditor};
use oubli_data::Selection;
use oubli_verify::Verdict;
use support::*;

/// The three largest owners of digits (as in `verdicts.rs`).
fn top_owners(ds: &oubli_data::Dataset, n: usize) -> Vec<String> {
    let mut sizes = std::collections::BTreeMap::<String, usize>::new();
    for o in ds.train.owners.iter().flatten() {
        *sizes.entry(o.clone()).or_default() += 1;
    }
    let mut by_size: Vec<(String, usize)> = sizes.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    by_size.into_iter().take(n).map(|(o, _)| o).collect()
}

#[test]
fn calibrated_and_owner_verdicts_fail_a_noop_and_pass_a_retrain() {
    let ds = digits();
    let original = original(&ds, digits_config());
    let selection = Selection {
        owners: top_owners(&ds, 3),
        ..Selection::default()
    };
    let config = AuditConfig {
        calibration_oracles: 5,
        ..lean_config()
    };
    let auditor =
        Auditor::prepare(&original, None, &ds, &selection, None, &config, &mut |_| {}).unwrap();
    let noop_report = auditor
        .audit(&noop(&original, &ds, &selection), None, &mut |_| {})
        .unwrap();
    let exact = independent_retrain(&original, &ds, &selection, 12_345);
    let retrain_report = auditor.audit(&exact, None, &mut |_| {}).unwrap();
    for (label, r) in [("noop", &noop_report), ("retrain", &retrain_report)] {
        let c = r.calibration.as_ref().expect("calibration_oracles > 0");
        eprintln!("== {label}: {} / calibrated {}", r.verdict, c.verdict);
        for line in c.reasons.iter().chain(&r.reasons) {
            eprintln!("   {line}");
        }
        for o in &r.owner_tests {
            eprintln!("   owner {o:?}");
        }
        assert!(r.attacks.unlearned.iter().any(|a| a.name == "rmia_offline"));
        assert_eq!(c.oracles, 5);
    }
    let c = |r: &oubli_verify::Report| r.calibration.clone().unwrap();
    assert_eq!(c(&noop_report).verdict, Verdict::NotForgotten);
    assert_eq!(c(&retrain_report).verdict, Verdict::Forgotten);
    // The rule itself, leave-one-out: the noop (the original) always fails.
    assert_eq!(c(&noop_report).noop_fail_rate, 1.0);
    assert!(c(&noop_report).retrain_pass_rate >= 0.8);
    // Every owner is tested; the noop leaves most of them visibly
    // remembered, the retrain none.
    assert_eq!(noop_report.owner_tests.len(), 3);
    let count =
        |r: &oubli_verify::Report, v| r.owner_tests.iter().filter(|o| o.verdict == v).count();
    assert!(count(&noop_report, Verdict::NotForgotten) >= 2); // measured: 3 of 3
    assert_eq!(count(&retrain_report, Verdict::NotForgotten), 0);
}

/// Shadows and calibration retrains trained side by side (one thread each) give the
/// very report the sequential run gives: same φ, same attacks, same calibration.
#[test]
fn reference_trainings_side_by_side_give_the_sequential_report() {
    let ds = digits();
    let original = original(&ds, digits_config());
    let selection = Selection {
        owners: top_owners(&ds, 2),
        ..Selection::default()
    };
    let unlearned = noop(&original, &ds, &selection);
    let report = |jobs: usize| {
        let config = AuditConfig {
            shadows: 4,
            calibration_oracles: 3,
            relearn_max_steps: 50,
            jobs,
            ..AuditConfig::default()
        };
        let auditor =
            Auditor::prepare(&original, None, &ds, &selection, None, &config, &mut |_| {}).unwrap();
        let mut r = auditor.audit(&unlearned, None, &mut |_| {}).unwrap();
        r.timings.clear();
        serde_json::to_string(&r).unwrap()
    };
    let sequential = report(1);
    assert!(sequential.contains("\"lira\"") && sequential.contains("\"calibration\""));
    assert_eq!(report(2), sequential);
}
