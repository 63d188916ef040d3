//! Traps a new user met on their own CSV data (issue 14): each gave a wrong answer with
//! exit 0 or failed only after the long work.

mod support;

use std::time::Instant;
use support::{fails_with, ok_json, oubli, s};

/// 300 rows: 80% label `no` whatever the features say, so a weak model is the majority rule.
fn skewed_csv() -> String {
    let mut text = String::from("who,x1,x2,label\n");
    for i in 0..300u32 {
        let x1 = (i * 37 % 101) as f64 / 10.0;
        let x2 = (i * 53 % 97) as f64 / 10.0;
        let label = if i % 5 == 0 { "yes" } else { "no" };
        text += &format!("u{},{x1},{x2},{label}\n", i % 60);
    }
    text
}

fn train_csv(dir: &std::path::Path) -> (String, std::path::PathBuf, serde_json::Value) {
    let csv = dir.join("people.csv");
    std::fs::write(&csv, skewed_csv()).unwrap();
    let dataset = format!("csv:{}", s(&csv));
    let model = dir.join("m.safetensors");
    let t = ok_json(&[
        "train",
        "--dataset",
        &dataset,
        "--label",
        "label",
        "--owner",
        "who",
        "--test-fraction",
        "0.2",
        "--model",
        "logreg",
        "--epochs",
        "2",
        "--out",
        s(&model),
        "--json",
    ]);
    (dataset, model, t)
}

#[test]
fn eval_refuses_options_that_would_put_training_rows_in_the_test_split() {
    let dir = tempfile::tempdir().unwrap();
    let (_, model, _) = train_csv(dir.path());
    fails_with(
        &["eval", "--model", s(&model), "--test-fraction", "0.5"],
        "does not hold the samples this model was trained on",
    );
    let e = ok_json(&["eval", "--model", s(&model), "--json"]);
    assert_eq!(e["samples"], 60, "the recorded 20% test split");
}

#[test]
fn a_model_no_better_than_the_majority_class_gets_a_note_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, t) = train_csv(dir.path());
    let notes = t["notes"].as_array().expect("notes in the JSON");
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("no better than always predicting class")),
        "{t}"
    );
    assert!(t["notes"].to_string().contains("--epochs"), "a hint: {t}");
}

#[test]
fn output_paths_are_checked_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let (_, model, _) = train_csv(dir.path());
    let owners = dir.path().join("owners.txt");
    std::fs::write(&owners, "u3\n").unwrap();
    // verify writes a directory: an existing file there must fail at once, before the
    // oracle and 64 shadows are trained.
    let file = dir.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    let t0 = Instant::now();
    let out = oubli(&[
        "verify",
        "--original",
        s(&model),
        "--unlearned",
        s(&model),
        "--forget-owners",
        s(&owners),
        "--shadows",
        "64",
        "--out",
        s(&file),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("taken"), "{err}");
    assert!(
        !err.contains("shadow") && t0.elapsed().as_secs() < 20,
        "refused before any training: {err}"
    );
    // forget writes a file: a directory there is refused by name.
    fails_with(
        &[
            "forget",
            "--model",
            s(&model),
            "--forget-owners",
            s(&owners),
            "--out",
            s(dir.path()),
        ],
        "is a directory; give a file name",
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"x",
        "the existing file is untouched"
    );
}

#[test]
fn a_forget_that_changed_nothing_says_so_and_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    ok_json(&[
        "train",
        "--model",
        "logreg",
        "--epochs",
        "2",
        "--out",
        s(&model),
        "--json",
    ]);
    let ids = support::id_file(dir.path(), "ids.txt", &[0, 1, 2]);
    let out = dir.path().join("f.safetensors");
    let args = [
        "forget",
        "--model",
        s(&model),
        "--method",
        "noop",
        "--forget-ids",
        &ids,
        "--out",
        s(&out),
    ];
    let o = oubli(&[&args[..], &["--json"]].concat());
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["changed"], false, "{v}");
    assert!(v["out"].is_null(), "{v}");
    assert!(!out.exists(), "nothing forgotten, nothing written");
    let o = oubli(&args);
    assert_eq!(o.status.code(), Some(5));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("nothing was forgotten"), "{text}");
    let o = oubli(&[&args[..], &["--allow-unchanged"]].concat());
    assert_eq!(o.status.code(), Some(0));
    assert!(out.exists());
}
