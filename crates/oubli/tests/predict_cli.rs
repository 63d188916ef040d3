//! `oubli predict` on every kind of model: the classes it prints for the whole digits test
//! split give exactly the accuracy `oubli eval` reports for the same model.

mod support;

use support::{f, ok_json, s};

/// The digits test split as a CSV with a header, and its labels.
fn test_csv(dir: &std::path::Path) -> (String, Vec<u32>) {
    let ds = support::digits();
    let header: Vec<String> = (0..ds.test.dim).map(|j| format!("px{j}")).collect();
    let mut text = header.join(",") + "\n";
    for i in 0..ds.test.len() {
        let row: Vec<String> = ds.test.row(i).iter().map(|v| v.to_string()).collect();
        text += &(row.join(",") + "\n");
    }
    let path = dir.join("test.csv");
    std::fs::write(&path, text).unwrap();
    (s(&path).to_string(), ds.test.labels.clone())
}

fn check_kind(train_flags: &[&str], kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let mut args = vec!["train", "--seed", "2", "--out", s(&model), "--json"];
    args.extend_from_slice(train_flags);
    ok_json(&args);
    let (csv, labels) = test_csv(dir.path());
    let p = ok_json(&["predict", "--model", s(&model), "--input", &csv, "--json"]);
    assert_eq!(p["kind"], kind, "{p}");
    assert_eq!(p["rows"], labels.len());
    let probs = p["probabilities"].as_array().unwrap();
    for row in probs {
        let sum: f64 = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-4, "probabilities sum to {sum}");
    }
    let classes: Vec<u64> = p["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    let right = classes
        .iter()
        .zip(&labels)
        .filter(|(c, l)| **c == **l as u64)
        .count();
    let e = ok_json(&["eval", "--model", s(&model), "--json"]);
    let accuracy = right as f64 / labels.len() as f64;
    assert!(
        (accuracy - f(&e, "accuracy")).abs() < 1e-9,
        "{kind}: predict gives {accuracy}, eval {}",
        f(&e, "accuracy")
    );
    assert!(
        accuracy > 0.5,
        "{kind}: a trained model, not chance: {accuracy}"
    );
}

#[test]
fn predict_agrees_with_eval_on_a_single_network() {
    check_kind(
        &["--model", "mlp", "--epochs", "3", "--lr", "3e-3"],
        "single",
    );
}

#[test]
fn predict_agrees_with_eval_on_a_sisa_ensemble() {
    check_kind(
        &[
            "--model",
            "logreg",
            "--epochs",
            "3",
            "--lr",
            "1e-2",
            "--sisa-shards",
            "3",
            "--sisa-slices",
            "1",
        ],
        "sisa",
    );
}

#[test]
fn predict_agrees_with_eval_on_a_certified_model() {
    check_kind(
        &[
            "--model",
            "logreg",
            "--certified",
            "--epsilon",
            "1",
            "--sigma",
            "1",
        ],
        "certified",
    );
}

#[test]
fn predict_refuses_rows_of_the_wrong_width() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    ok_json(&[
        "train",
        "--model",
        "logreg",
        "--epochs",
        "1",
        "--out",
        s(&model),
        "--json",
    ]);
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "1,2,3\n4,5,6\n").unwrap();
    support::fails_with(
        &["predict", "--model", s(&model), "--input", s(&csv)],
        "rows have 3 values, the model takes 64",
    );
}
