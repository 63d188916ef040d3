//! The CLI contract: command names, flags, JSON keys and exit codes that users and later
//! issues rely on. Everything runs on the embedded digits set.

mod support;

use serde_json::Value;
use std::process::Command;
use support::{digits, keys, ok_json, oubli, s};

/// Training-split ids of digits at the given positions, one per line.
fn train_ids(positions: &[usize]) -> String {
    let ds = digits();
    positions
        .iter()
        .map(|&i| format!("{}\n", ds.train.ids[i]))
        .collect()
}

#[test]
fn train_eval_inspect_forget_contract() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let t = ok_json(&[
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--epochs",
        "5",
        "--seed",
        "3",
        "--out",
        s(&model),
        "--json",
    ]);
    keys(
        &t,
        &[
            "test_accuracy",
            "train_accuracy",
            "seconds",
            "weights_sha256",
        ],
    );

    let e = ok_json(&[
        "eval",
        "--model",
        s(&model),
        "--dataset",
        "digits",
        "--classes",
        "3,5",
        "--json",
    ]);
    keys(&e, &["accuracy", "loss", "per_class_accuracy"]);
    assert!(e["per_class_accuracy"][4].is_null() && e["per_class_accuracy"][3].is_number());

    let i = ok_json(&["inspect", s(&model), "--json"]);
    assert_eq!(i["lineage"]["weights_sha256"], t["weights_sha256"]);
    assert_eq!(i["lineage"]["method"], "train");
    assert_eq!(i["tensors"][0]["name"], "fc1.weight");
    assert_eq!(i["tensors"][0]["shape"], serde_json::json!([256, 64]));

    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, format!("# two samples\n{}", train_ids(&[0, 5]))).unwrap();
    let out = dir.path().join("f.safetensors");
    let f = ok_json(&[
        "forget",
        "--model",
        s(&model),
        "--method",
        "finetune",
        "--forget-ids",
        s(&ids),
        "--out",
        s(&out),
        "--json",
    ]);
    keys(
        &f,
        &[
            "method",
            "forget_accuracy",
            "retain_accuracy",
            "test_accuracy",
            "seconds",
            "sample_gradients",
        ],
    );
    let i = ok_json(&["inspect", s(&out), "--json"]);
    assert_eq!(i["lineage"]["parent_sha256"], t["weights_sha256"]);
    assert_eq!(i["lineage"]["method"], "finetune");
    assert_eq!(i["lineage"]["forgotten_samples"], 2);
}

#[test]
fn forget_by_retrain_equals_training_without_the_ids() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let common = [
        "--dataset",
        "digits",
        "--model",
        "logreg",
        "--epochs",
        "3",
        "--seed",
        "9",
    ];
    let mut args = vec!["train"];
    args.extend(common);
    args.extend(["--out", s(&model), "--json"]);
    ok_json(&args);
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, train_ids(&[1, 2, 3, 40])).unwrap();
    let forgot = dir.path().join("f.safetensors");
    let f = ok_json(&[
        "forget",
        "--model",
        s(&model),
        "--method",
        "retrain",
        "--forget-ids",
        s(&ids),
        "--out",
        s(&forgot),
        "--json",
    ]);
    let direct = dir.path().join("d.safetensors");
    let mut args = vec!["train"];
    args.extend(common);
    args.extend(["--exclude-ids", s(&ids), "--out", s(&direct), "--json"]);
    let d = ok_json(&args);
    assert_eq!(f["weights_sha256"], d["weights_sha256"]);
    // A second request on the unlearned model keeps the first deletion.
    let more = dir.path().join("more.txt");
    std::fs::write(&more, train_ids(&[7])).unwrap();
    let again = dir.path().join("g.safetensors");
    ok_json(&[
        "forget",
        "--model",
        s(&forgot),
        "--method",
        "retrain",
        "--forget-ids",
        s(&more),
        "--out",
        s(&again),
        "--json",
    ]);
    let i = ok_json(&["inspect", s(&again), "--json"]);
    assert_eq!(i["lineage"]["forgotten_samples"], 5);
}

#[test]
fn methods_lists_the_registry() {
    let v = ok_json(&["methods", "--json"]);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for n in ["retrain", "finetune", "noop"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
}

#[test]
fn bad_input_fails_cleanly_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.safetensors");
    let out = oubli(&["inspect", s(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.safetensors"));

    let junk = dir.path().join("junk.safetensors");
    std::fs::write(&junk, b"definitely not a model").unwrap();
    let out = oubli(&["eval", "--model", s(&junk)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a safetensors file"));

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
    let out = oubli(&[
        "forget",
        "--model",
        s(&model),
        "--method",
        "no-such-method",
        "--forget-class",
        "1",
        "--out",
        s(&junk),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown method"));
    let out = oubli(&["forget", "--model", s(&model), "--out", s(&junk)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to forget"));
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, format!("{}abc\n", train_ids(&[12]))).unwrap();
    let out = oubli(&[
        "forget",
        "--model",
        s(&model),
        "--forget-ids",
        s(&ids),
        "--out",
        s(&junk),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ids.txt:2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = oubli(&["train", "--model", "transformer", "--out", s(&junk)]);
    assert_eq!(out.status.code(), Some(1));
    let out = oubli(&["train", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn weights_are_identical_across_thread_counts() {
    // SISA's exactness proof needs bit-identical training whatever the thread pool size.
    let dir = tempfile::tempdir().unwrap();
    let mut hashes = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("t{threads}.safetensors"));
        let o = Command::new(env!("CARGO_BIN_EXE_oubli"))
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "train",
                "--model",
                "cnn",
                "--epochs",
                "1",
                "--seed",
                "4",
                "--out",
                s(&out),
                "--json",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        hashes.push(v["weights_sha256"].as_str().unwrap().to_string());
    }
    assert_eq!(hashes[0], hashes[1]);
}

#[test]
fn verify_catches_noop_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let orig = dir.path().join("o.safetensors");
    let noop = dir.path().join("n.safetensors");
    ok_json(&[
        "train",
        "--epochs",
        "20",
        "--lr",
        "3e-3",
        "--seed",
        "1",
        "--out",
        s(&orig),
        "--json",
    ]);
    ok_json(&[
        "forget",
        "--model",
        s(&orig),
        "--method",
        "noop",
        "--allow-unchanged",
        "--forget-class",
        "3",
        "--out",
        s(&noop),
        "--json",
    ]);
    let report = dir.path().join("report");
    let out = oubli(&[
        "verify",
        "--original",
        s(&orig),
        "--unlearned",
        s(&noop),
        "--forget-class",
        "3",
        "--shadows",
        "4",
        "--out",
        s(&report),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "not_forgotten exits 3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    keys(
        &v,
        &[
            "verdict",
            "avg_gap",
            "attacks",
            "js_divergence_forget",
            "report_html",
            "owner_tests",
            "calibration",
        ],
    );
    assert_eq!(v["verdict"], "not_forgotten");
    for a in v["attacks"].as_array().unwrap() {
        keys(
            a,
            &[
                "name",
                "accuracy",
                "auc",
                "tpr_at_1pct_fpr",
                "tpr_at_0_1pct_fpr",
            ],
        );
    }
    let html = std::fs::read_to_string(v["report_html"].as_str().unwrap()).unwrap();
    assert!(html.contains("<svg") && html.contains("not_forgotten"));
    assert!(report.join("report.json").is_file());
    // The original given as the oracle trained on the forget set: refused, in words.
    let out = oubli(&[
        "verify",
        "--original",
        s(&orig),
        "--unlearned",
        s(&noop),
        "--retrained",
        s(&orig),
        "--forget-class",
        "3",
        "--out",
        s(&report),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("not trained on the original's training data minus the forget set"),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // The reading end is closed before the child starts, so its first write meets a pipe
    // without readers (`oubli methods | head -0`), whatever the scheduling.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .arg("methods")
        .stdout(writer)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(out.status.code(), Some(101), "{err}");
}

#[test]
fn verify_summarises_several_runs_with_the_worst_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n);
    let (orig, noop, ft1, ft2) = (
        path("o.safetensors"),
        path("noop.safetensors"),
        path("ft1.safetensors"),
        path("ft2.safetensors"),
    );
    ok_json(&[
        "train",
        "--epochs",
        "20",
        "--lr",
        "3e-3",
        "--out",
        s(&orig),
        "--json",
    ]);
    for (method, seed, out) in [
        ("noop", "0", &noop),
        ("neggrad-plus", "1", &ft1),
        ("neggrad-plus", "2", &ft2),
    ] {
        ok_json(&[
            "forget",
            "--model",
            s(&orig),
            "--method",
            method,
            "--allow-unchanged",
            "--forget-class",
            "3",
            "--seed",
            seed,
            "--out",
            s(out),
            "--json",
        ]);
    }
    let verify = |unlearned: &[&std::path::Path], out: &str| {
        let mut args = vec![
            "verify",
            "--original",
            s(&orig),
            "--forget-class",
            "3",
            "--shadows",
            "0",
        ];
        for u in unlearned {
            args.extend(["--unlearned", s(u)]);
        }
        let report = path(out);
        let report = report.to_str().unwrap().to_string();
        args.extend(["--out", &report, "--json"]);
        let got = oubli(&args);
        let v: Value = serde_json::from_slice(&got.stdout).unwrap();
        (got.status.code(), v)
    };
    let (code, v) = verify(&[&ft1, &ft2], "two");
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["verdict"], "forgotten");
    assert_eq!(v["runs"], 2);
    keys(
        &v,
        &["avg_gap", "attacks", "js_divergence_forget", "reports"],
    );
    assert!(v["avg_gap"]["std"].as_f64().unwrap() >= 0.0);
    assert!(path("two/run-2/report.html").exists() && path("two/summary.json").exists());
    let (code, v) = verify(&[&ft1, &noop], "mixed");
    assert_eq!(code, Some(3), "one run that did nothing fails the set: {v}");
    assert_eq!(
        v["verdicts"],
        serde_json::json!(["forgotten", "not_forgotten"])
    );
}

#[test]
fn data_rows_prints_the_rows_predict_takes() {
    let out = support::oubli(&["data", "rows", "digits", "--first", "3", "--count", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<f32>> = serde_json::from_slice(&out.stdout).unwrap();
    let ds = support::digits();
    assert_eq!(rows, vec![ds.test.row(3).to_vec(), ds.test.row(4).to_vec()]);
    support::fails_with(
        &["data", "rows", "digits", "--first", "359"],
        "rows 359..360 of the test split: it has 359 rows",
    );
}

#[test]
fn scenario_backdoor_json_holds_the_documented_keys() {
    let v = support::ok_json(&[
        "scenario",
        "backdoor",
        "--epochs",
        "20",
        "--lr",
        "3e-3",
        "--seed",
        "1",
        "--methods",
        "retrain,noop",
        "--known",
        "1",
        "--json",
    ]);
    support::keys(
        &v,
        &[
            "asr_before",
            "clean_accuracy_before",
            "methods",
            "findings",
            "poisoned_samples",
        ],
    );
    let r = &v["methods"]["retrain"];
    support::keys(
        r,
        &[
            "asr_after",
            "clean_accuracy_after",
            "seconds",
            "sample_gradients",
            "removed",
        ],
    );
    assert!(support::f(&v, "asr_before") > 0.9, "{v}");
    assert!(support::f(r, "asr_after") < 0.05, "{v}");
    support::fails_with(
        &[
            "scenario",
            "backdoor",
            "--dataset",
            "csv:/nonexistent.csv",
            "--label",
            "y",
        ],
        "nonexistent",
    );
}
