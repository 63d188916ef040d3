//! `oubli scenario fairness` from the command line, on COMPAS (seconds): the documented
//! JSON keys, `--out` writing the report, and clear refusals of flags that do not apply.

mod support;

#[test]
fn scenario_fairness_json_and_report() {
    let dir = std::env::temp_dir().join(format!("oubli-fair-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let v = support::ok_json(&[
        "scenario",
        "fairness",
        "--dataset",
        "compas",
        "--model",
        "logreg",
        "--epochs",
        "5",
        "--lr",
        "1e-2",
        "--seed",
        "1",
        "--methods",
        "retrain,certified",
        "--remove",
        "0.02",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    support::keys(
        &v,
        &[
            "before",
            "certified_before",
            "points",
            "findings",
            "estimator",
        ],
    );
    let p = &v["points"][0];
    support::keys(p, &["removed", "predicted_soft_gap", "methods"]);
    let r = &p["methods"]["retrain"];
    support::keys(
        r,
        &[
            "accuracy",
            "gaps",
            "parity_gap_to_oracle",
            "gap_halved",
            "seconds",
        ],
    );
    let before = support::f(&v["before"]["gaps"]["sex"], "demographic_parity");
    let after = support::f(&r["gaps"]["sex"], "demographic_parity");
    assert!(after < before, "{before} → {after}");
    assert_eq!(p["methods"]["certified"]["oracle"], "certified-retrain");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Fairness repair by forgetting: compas"));
    assert!(dir.join("report.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    support::fails_with(
        &["scenario", "fairness", "--dataset", "compas", "--certified"],
        "add `certified` to --methods",
    );
    support::fails_with(
        &[
            "scenario",
            "fairness",
            "--dataset",
            "digits",
            "--measure",
            "sex",
        ],
        "the gaps need a binary outcome",
    );
}
