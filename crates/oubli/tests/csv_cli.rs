//! A user's own CSV, end to end: the dataset options given at training are recorded in the
//! model and reused by every later command, and a header that repeats a name is refused.

mod support;

use support::{fails_with, ok_json, s};

/// 200 people with an owner each (`u0` … `u39`, five rows apiece), two numeric features and
/// a label that the first feature decides.
fn people_csv() -> String {
    let mut text = String::from("who,x1,x2,outcome\n");
    for i in 0..200u32 {
        let x1 = (i * 37 % 101) as f64 / 10.0;
        let x2 = (i * 53 % 97) as f64 / 10.0;
        let outcome = if x1 > 5.0 { "good" } else { "bad" };
        text += &format!("u{},{x1},{x2},{outcome}\n", i % 40);
    }
    text
}

#[test]
fn csv_options_given_at_training_are_reused_by_eval_and_forget() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(&csv, people_csv()).unwrap();
    let dataset = format!("csv:{}", s(&csv));
    let model = dir.path().join("m.safetensors");
    let t = ok_json(&[
        "train",
        "--dataset",
        &dataset,
        "--label",
        "outcome",
        "--owner",
        "who",
        "--test-fraction",
        "0.3",
        "--model",
        "logreg",
        "--epochs",
        "5",
        "--out",
        s(&model),
        "--json",
    ]);
    assert_eq!(t["trained_samples"], 140);

    let e = ok_json(&["eval", "--model", s(&model), "--json"]);
    assert_eq!(e["dataset"], dataset.as_str());
    assert_eq!(e["samples"], 60, "the recorded 30% test split");

    let owners = dir.path().join("owners.txt");
    std::fs::write(&owners, "u3\n").unwrap();
    let out = dir.path().join("f.safetensors");
    let f = ok_json(&[
        "forget",
        "--model",
        s(&model),
        "--method",
        "retrain",
        "--forget-owners",
        s(&owners),
        "--out",
        s(&out),
        "--json",
    ]);
    let forgotten = f["forget_samples"].as_u64().unwrap_or(0);
    assert!(forgotten > 0 && forgotten <= 5, "u3's training rows: {f}");

    // The unlearned model records the options too: it evaluates without flags.
    let e = ok_json(&["eval", "--model", s(&out), "--json"]);
    assert_eq!(e["samples"], 60);

    // verify reloads the CSV from the original's lineage too: it trains its oracle and
    // answers with a verdict (exit 0, 3 or 4), not a dataset error.
    let report = dir.path().join("report");
    let v = support::oubli(&[
        "verify",
        "--original",
        s(&model),
        "--unlearned",
        s(&out),
        "--forget-owners",
        s(&owners),
        "--shadows",
        "0",
        "--out",
        s(&report),
        "--json",
    ]);
    let code = v.status.code();
    assert!(
        matches!(code, Some(0 | 3 | 4)),
        "verify failed ({code:?}): {}",
        String::from_utf8_lossy(&v.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert!(v["verdict"].is_string(), "{v}");

    // An explicit flag still overrides, and a different split is refused by the
    // trained-ids fingerprint check, as before.
    fails_with(
        &[
            "forget",
            "--model",
            s(&model),
            "--method",
            "retrain",
            "--forget-owners",
            s(&owners),
            "--test-fraction",
            "0.5",
            "--out",
            s(&out),
        ],
        "does not hold the samples this model was trained on",
    );
}

#[test]
fn a_csv_header_repeating_a_name_is_refused_naming_both_positions() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("dup.csv");
    std::fs::write(&csv, "x,x,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n9,0,a\n").unwrap();
    let model = dir.path().join("m.safetensors");
    fails_with(
        &[
            "train",
            "--dataset",
            &format!("csv:{}", s(&csv)),
            "--model",
            "logreg",
            "--out",
            s(&model),
        ],
        "column name `x` is repeated in the header, at positions 1 and 2",
    );
    assert!(!model.exists());
}
