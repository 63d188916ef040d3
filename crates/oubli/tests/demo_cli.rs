//! `oubli demo`, the tour the README's first command runs: its key outcomes, its JSON
//! contract and its report. `--quick` (no LiRA shadows) keeps the test fast; everything
//! else is the default tour.

mod support;

use serde_json::Value;
use support::{fails_with, keys, ok_json, s};

/// The method named `name` of a request.
fn method<'a>(request: &'a Value, name: &str) -> &'a Value {
    request["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["method"] == name)
        .unwrap_or_else(|| panic!("no `{name}` in {}", request["kind"]))
}

fn num(v: &Value, path: &[&str]) -> f64 {
    let mut at = v;
    for k in path {
        at = &at[*k];
    }
    at.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in {v}"))
}

#[test]
fn demo_forgets_owner_class_and_poison_verifies_each_and_links_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-report");
    let v = ok_json(&["demo", "--quick", "--json", "--out", s(&out)]);
    keys(
        &v,
        &[
            "dataset",
            "model",
            "seed",
            "train_samples",
            "test_samples",
            "backdoor",
            "poisoned_samples",
            "shadows",
            "models",
            "requests",
            "findings",
            "seconds",
            "report_html",
        ],
    );
    let models: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["plain", "sisa"]);
    let requests = v["requests"].as_array().unwrap();
    let kinds: Vec<&str> = requests
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["owner", "class", "poison"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for anchor in ["plain", "sisa", "findings"] {
        assert!(html.contains(&format!("id=\"{anchor}\"")), "no #{anchor}");
        assert!(
            html.contains(&format!("href=\"#{anchor}\"")),
            "no link to #{anchor}"
        );
    }
    for r in requests {
        keys(
            r,
            &[
                "kind",
                "title",
                "forget_samples",
                "before_plain",
                "before_sisa",
                "methods",
            ],
        );
        let kind = r["kind"].as_str().unwrap();
        assert!(html.contains(&format!("href=\"#request-{kind}\"")));
        let names: Vec<&str> = r["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["method"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["retrain", "neggrad-plus", "l1-sparse", "sisa"],
            "{kind}"
        );
        for m in r["methods"].as_array().unwrap() {
            let name = m["method"].as_str().unwrap();
            let verdict = m["verdict"].as_str().unwrap();
            assert!(
                ["forgotten", "not_forgotten", "inconclusive"].contains(&verdict),
                "{kind}/{name}: verdict {verdict}"
            );
            assert!(
                html.contains(&format!("id=\"{kind}-{name}\"")),
                "no #{kind}-{name}"
            );
            assert!(html.contains(&format!("href=\"#{kind}-{name}\"")));
            if let Some(report) = m["report"].as_str() {
                assert!(out.join(report).is_file(), "{report} missing");
                assert!(html.contains(&format!("href=\"{report}\"")));
            }
        }
        // SISA is exact: the forgotten ensemble is the one trained without the data.
        assert_eq!(
            method(r, "sisa")["verdict"],
            "forgotten",
            "{kind}: {}",
            method(r, "sisa")
        );
        // The oracle audited against itself can never fail.
        assert_ne!(method(r, "retrain")["verdict"], "not_forgotten", "{kind}");
        assert!(method(r, "retrain")["report"].is_string());
    }
    let class = &requests[1];
    assert!(num(class, &["before_plain", "forget_accuracy"]) > 0.9);
    assert_eq!(
        num(method(class, "retrain"), &["after", "forget_accuracy"]),
        0.0,
        "a retrained model never predicts an unseen class"
    );
    let poison = &requests[2];
    let asr_before = num(poison, &["before_plain", "attack_success"]);
    let asr_after = num(method(poison, "retrain"), &["after", "attack_success"]);
    assert!(
        asr_before > 0.8 && asr_after < 0.1,
        "the backdoor must work and retrain remove it: ASR {asr_before} → {asr_after}"
    );
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(on_disk["requests"], v["requests"]);
}

#[test]
fn demo_refuses_an_output_path_that_is_a_file_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    fails_with(&["demo", "--out", s(&file)], "is a file");
    let out = dir.path().join("never");
    fails_with(
        &["demo", "--methods", "nope", "--out", s(&out)],
        "unknown method `nope`",
    );
    fails_with(
        &["demo", "--methods", "sisa", "--out", s(&out)],
        "`sisa` always runs",
    );
    assert!(!out.exists(), "a refused demo wrote its report");
}
