//! The optional parts of an audit: the challenge ε score from repeated runs,
//! U-LiRA inside the shadows, and the report files.

mod support;
use oubli_audit::{audit, AuditConfig, Auditor};
use oubli_data::Selection;
use support::*;

fn selection() -> Selection {
    Selection {
        random_fraction: Some(0.1),
        random_seed: 5,
        ..Selection::default()
    }
}

#[test]
fn challenge_score_punishes_a_deterministic_noop_and_rewards_retraining() {
    let ds = digits();
    let original = original(&ds, digits_config());
    let sel = selection();
    // No shadows: this test is about the N + N runs.
    let config = AuditConfig {
        shadows: 0,
        challenge_runs: 4,
        relearn_max_steps: 50,
        ..AuditConfig::default()
    };
    // One prepared auditor serves every model below: the same oracle and evidence.
    let auditor = Auditor::prepare(&original, None, &ds, &sel, None, &config, &mut |_| {}).unwrap();
    let noop_model = noop(&original, &ds, &sel);
    let report = auditor
        .audit(&noop_model, Some(("noop", None)), &mut |_| {})
        .unwrap();
    let noop_score = report
        .challenge
        .expect("challenge_runs > 0 and a method was given");
    // Four identical noop models against four different retrains: every
    // forget sample is a spike against a spread, ε hits the cap, F = 0.
    assert_eq!(noop_score.num_models, 4);
    assert_eq!(noop_score.forgetting_quality, 0.0);
    let exact = independent_retrain(&original, &ds, &sel, 777);
    let report = auditor
        .audit(&exact, Some(("retrain", None)), &mut |_| {})
        .unwrap();
    let retrain_score = report.challenge.unwrap();
    eprintln!(
        "challenge F: noop {} retrain {} (score {})",
        noop_score.forgetting_quality, retrain_score.forgetting_quality, retrain_score.score
    );
    assert!(retrain_score.forgetting_quality > 0.1, "{retrain_score:?}");
    assert!(report.timings.contains_key("challenge"));
    // Without a method the score is skipped, and the report says why.
    let report = auditor.audit(&exact, None, &mut |_| {}).unwrap();
    assert!(report.challenge.is_none());
    assert!(report.inputs.details["challenge score"].contains("no unlearning method"));
}

#[test]
fn u_lira_runs_the_method_inside_the_shadows() {
    let ds = digits();
    let original = original(&ds, digits_config());
    let sel = selection();
    let config = AuditConfig {
        shadows: 8,
        u_lira: true,
        relearn_max_steps: 50,
        ..AuditConfig::default()
    };
    // With noop inside the shadows, U-LiRA's in-shadows are LiRA's: same AUC.
    let noop_model = noop(&original, &ds, &sel);
    let report = audit(
        &original,
        &noop_model,
        None,
        &ds,
        &sel,
        Some(("noop", None)),
        &config,
        &mut |_| {},
    )
    .unwrap();
    let find = |name: &str| {
        report
            .attacks
            .unlearned
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .auc
    };
    assert_eq!(find("u_lira"), find("lira"));
    // U-LiRA is on the unlearned model only, so it never enters the verdict.
    assert!(report.attacks.original.iter().all(|a| a.name != "u_lira"));

    let mut stages = Vec::new();
    let exact = independent_retrain(&original, &ds, &sel, 99);
    let report = audit(
        &original,
        &exact,
        None,
        &ds,
        &sel,
        Some(("retrain", None)),
        &config,
        &mut |s| stages.push(s.to_string()),
    )
    .unwrap();
    let u = report
        .attacks
        .unlearned
        .iter()
        .find(|a| a.name == "u_lira")
        .unwrap();
    eprintln!("U-LiRA AUC for an exact retrain: {:.3}", u.auc);
    assert!((u.auc - 0.5).abs() <= 0.1, "{}", u.auc);
    assert!(stages.iter().any(|s| s == "LiRA shadow 8/8"), "{stages:?}");

    let dir = std::env::temp_dir().join(format!("oubli-audit-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    report.write_to_dir(&dir).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("u_lira") && html.contains("<svg"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inputs_that_do_not_belong_together_are_refused() {
    let ds = digits();
    let original = original(&ds, digits_config());
    let sel = selection();
    let config = AuditConfig {
        shadows: 0,
        ..AuditConfig::default()
    };
    let spec = oubli_model::ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let quick = oubli_model::TrainConfig {
        epochs: 1,
        ..oubli_model::TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (logreg, _) = oubli_model::fit(&ds, spec, &quick, &mut oubli_model::Silent).unwrap();
    let err = audit(
        &original,
        &logreg,
        None,
        &ds,
        &sel,
        None,
        &config,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot audit: the unlearned model's architecture is a logistic regression, the original's is an MLP \
         with hidden layer of 256"
    );
    let bad = AuditConfig {
        calibration_oracles: 2,
        ..AuditConfig::default()
    };
    let err = audit(
        &original,
        &original,
        None,
        &ds,
        &sel,
        None,
        &bad,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            oubli_audit::AuditError::InvalidConfig {
                field: "calibration_oracles",
                ..
            }
        ),
        "{err}"
    );
    let everything = Selection {
        random_fraction: Some(1.0),
        ..Selection::default()
    };
    let err = audit(
        &original,
        &original,
        None,
        &ds,
        &everything,
        None,
        &config,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("retain set is empty"), "{err}");
    let err = audit(
        &original,
        &original,
        None,
        &ds,
        &sel,
        Some(("no-such-method", None)),
        &config,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown method"), "{err}");
}
