//! Certified removal through the CLI on the embedded digits set: removals stay within the
//! (ε, δ) budget, an exhausted budget retrains, and frozen network features work.
//!
//! Digits has only 1 438 training samples, so the library's default σ = 10 (sized for
//! MNIST-scale data) drowns the signal; these tests use σ = 1 (budget ≈ 0.23).

mod support;

use support::{f, id_file, keys, ok_json, s};

#[test]
fn certified_removal_stays_within_budget_and_retrains_when_it_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("c.safetensors");
    let t = ok_json(&[
        "train",
        "--model",
        "logreg",
        "--certified",
        "--epsilon",
        "1",
        "--delta",
        "1e-4",
        "--lambda",
        "3e-3",
        "--sigma",
        "1",
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
            "budget",
        ],
    );
    assert!(f(&t, "test_accuracy") > 0.85, "{t}");

    let ids = id_file(dir.path(), "ids.txt", &[4, 50, 600]);
    let out = dir.path().join("f.safetensors");
    let forget = |model: &str| {
        ok_json(&[
            "forget",
            "--method",
            "certified",
            "--model",
            model,
            "--forget-ids",
            &ids,
            "--out",
            s(&out),
            "--json",
        ])
    };
    let fj = forget(s(&model));
    keys(
        &fj,
        &[
            "method",
            "forget_accuracy",
            "retain_accuracy",
            "test_accuracy",
            "seconds",
        ],
    );
    keys(&fj, &["residual_bound", "budget_remaining", "retrained"]);
    assert_eq!(fj["method"], "certified");
    assert!(f(&fj, "residual_bound") <= f(&fj, "budget"), "{fj}");
    assert!(f(&fj, "budget_remaining") >= 0.0, "{fj}");
    assert_eq!(fj["retrained"], false);

    let i = ok_json(&["inspect", s(&out), "--json"]);
    let c = &i["certified"];
    assert_eq!(i["kind"], "certified");
    assert_eq!(c["removals"], 3);
    assert_eq!((f(c, "epsilon"), f(c, "delta")), (1.0, 1e-4));
    assert_eq!((f(c, "lambda"), f(c, "sigma")), (3e-3, 1.0));
    assert!(f(c, "residual_spent") > 0.0 && f(c, "residual_spent") <= f(c, "budget"));
    assert_eq!(i["lineage"]["parent_sha256"], t["weights_sha256"]);
    let e = ok_json(&["eval", "--model", s(&out), "--json"]);
    assert_eq!(e["accuracy"].as_f64(), fj["test_accuracy"].as_f64());

    // A budget far below one Newton step's residual forces Algorithm 2's retrain.
    let tiny = dir.path().join("tiny.safetensors");
    ok_json(&[
        "train",
        "--model",
        "logreg",
        "--certified",
        "--sigma",
        "1e-6",
        "--out",
        s(&tiny),
        "--json",
    ]);
    let fj = forget(s(&tiny));
    assert_eq!(fj["retrained"], true, "{fj}");
    assert!(f(&fj, "budget_remaining") >= 0.0, "{fj}");
    assert_eq!(
        ok_json(&["inspect", s(&out), "--json"])["certified"]["retrains"],
        1
    );
}

#[test]
fn certified_on_frozen_mlp_features_is_accurate() {
    let dir = tempfile::tempdir().unwrap();
    let mlp = dir.path().join("mlp.safetensors");
    ok_json(&[
        "train",
        "--model",
        "mlp",
        "--hidden",
        "64",
        "--epochs",
        "20",
        "--lr",
        "3e-3",
        "--out",
        s(&mlp),
        "--json",
    ]);
    let model = dir.path().join("c.safetensors");
    let t = ok_json(&[
        "train",
        "--model",
        "logreg",
        "--certified",
        "--sigma",
        "1",
        "--features",
        s(&mlp),
        "--out",
        s(&model),
        "--json",
    ]);
    assert_eq!(t["feature_dim"], 64);
    assert!(f(&t, "test_accuracy") > 0.9, "{t}");
    assert!(
        !t["notes"].as_array().unwrap().is_empty(),
        "warns that the extractor saw the data"
    );

    let ids = id_file(dir.path(), "ids.txt", &[1, 2]);
    let out = dir.path().join("f.safetensors");
    let fj = ok_json(&[
        "forget",
        "--method",
        "certified",
        "--model",
        s(&model),
        "--forget-ids",
        &ids,
        "--out",
        s(&out),
        "--json",
    ]);
    assert!(f(&fj, "test_accuracy") > 0.9, "{fj}");
    assert!(f(&fj, "budget_remaining") >= 0.0, "{fj}");
    let e = ok_json(&["eval", "--model", s(&out), "--json"]);
    assert_eq!(e["accuracy"].as_f64(), fj["test_accuracy"].as_f64());
    let i = ok_json(&["inspect", s(&out), "--json"]);
    assert!(
        i["certified"]["feature_extractor_sha256"].is_string(),
        "{i}"
    );
}
