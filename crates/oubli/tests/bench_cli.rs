//! `oubli bench`: the results files and the `--json` shape, with a verdict per method.

mod support;

use support::{f, keys, ok_json, s};

#[test]
fn bench_audits_every_method_against_the_oracle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench");
    let doc = ok_json(&[
        "bench",
        "--methods",
        "noop,neggrad-plus",
        "--forget",
        "class:3",
        "--forget",
        "owners:0.05",
        "--seeds",
        "1",
        "--epochs",
        "20",
        "--lr",
        "3e-3",
        "--out",
        s(&out),
        "--json",
    ]);
    keys(&doc, &["dataset", "config", "scenarios"]);
    let scenarios = doc["scenarios"].as_array().unwrap();
    let labels: Vec<&str> = scenarios
        .iter()
        .map(|s| s["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["class:3", "owners:0.05"]);
    let class = &scenarios[0];
    let rows = class["methods"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|m| m["method"].as_str().unwrap()).collect();
    assert_eq!(names, ["original", "retrain", "noop", "neggrad-plus"]);
    for m in rows {
        keys(
            m,
            &[
                "forget_accuracy",
                "retain_accuracy",
                "test_accuracy",
                "mia_auc",
                "avg_gap",
                "speedup_gradients",
                "attacks",
                "verdicts",
                "relearn_steps",
            ],
        );
        let attacks: Vec<&str> = m["attacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            attacks,
            ["loss_threshold", "neurips_simple_mia", "confidence_mia"]
        );
    }
    // The control does nothing and the audit says so; NegGrad+ removes the class.
    assert_eq!(rows[2]["verdicts"]["not_forgotten"], 1, "{}", rows[2]);
    assert_eq!(rows[3]["verdicts"]["forgotten"], 1, "{}", rows[3]);
    assert!(f(&rows[3]["forget_accuracy"], "mean") <= 0.1);
    assert!(f(&rows[2]["avg_gap"], "mean") > 0.2);
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(md.contains("### digits · mlp · class:3 · 1 seeds"), "{md}");
    assert!(md.contains("| noop | not_forgotten ×1 |"), "{md}");
    assert!(out.join("results.json").exists());
}
