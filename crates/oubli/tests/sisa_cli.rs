//! SISA ensembles through the CLI on the embedded digits set: exact unlearning must equal
//! training without the data bit for bit, and method/model mismatches must fail cleanly.

mod support;

use std::path::Path;
use support::{f, fails_with, id_file, keys, ok_json, s};

/// S = 3, R = 2, a fixed seed: small enough for a second's training.
const SISA: [&str; 12] = [
    "--model",
    "logreg",
    "--epochs",
    "2",
    "--seed",
    "11",
    "--lr",
    "3e-3",
    "--sisa-shards",
    "3",
    "--sisa-slices",
    "2",
];

fn train_sisa(out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["train"];
    args.extend(SISA);
    args.extend(extra);
    args.extend(["--out", s(out), "--json"]);
    ok_json(&args)
}

#[test]
fn sisa_forget_equals_training_without_the_ids_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let ens = dir.path().join("ens.safetensors");
    let t = train_sisa(&ens, &[]);
    keys(
        &t,
        &[
            "test_accuracy",
            "train_accuracy",
            "seconds",
            "weights_sha256",
        ],
    );
    keys(
        &t,
        &[
            "shards",
            "slices",
            "sample_gradients",
            "shard_weights_sha256",
        ],
    );
    assert_eq!(
        (t["shards"].as_u64(), t["slices"].as_u64()),
        (Some(3), Some(2))
    );
    assert!(dir.path().join("ens.safetensors.ckpt").is_dir());

    let ids = id_file(dir.path(), "ids.txt", &[0, 7, 300, 901]);
    let out = dir.path().join("forgot.safetensors");
    let fj = ok_json(&[
        "forget",
        "--method",
        "sisa",
        "--model",
        s(&ens),
        "--forget-ids",
        &ids,
        "--out",
        s(&out),
        "--json",
    ]);
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
    keys(
        &fj,
        &["sample_gradients", "shards_retrained", "slices_retrained"],
    );
    keys(
        &fj,
        &["speedup_vs_full_retrain", "speedup_vs_whole_shard_retrain"],
    );
    assert_eq!(fj["method"], "sisa");
    assert_eq!(fj["forget_samples"], 4);
    assert!(f(&fj, "speedup_vs_whole_shard_retrain") >= 1.0, "{fj}");

    let scratch = dir.path().join("scratch.safetensors");
    let d = train_sisa(&scratch, &["--exclude-ids", &ids]);
    assert_eq!(fj["shard_weights_sha256"], d["shard_weights_sha256"]);
    assert_eq!(fj["weights_sha256"], d["weights_sha256"]);

    // inspect and eval take the ensemble like any model.
    let i = ok_json(&["inspect", s(&out), "--json"]);
    assert_eq!(i["kind"], "sisa");
    assert_eq!(i["sisa"]["removed"], 4);
    assert_eq!(i["sisa"]["shard_weights_sha256"], d["shard_weights_sha256"]);
    assert_eq!(
        i["sisa"]["checkpoints"][2][1],
        "shard-2-stage-1.safetensors"
    );
    assert_eq!(i["lineage"]["weights_sha256"], d["weights_sha256"]);
    let e = ok_json(&["eval", "--model", s(&out), "--json"]);
    assert_eq!(e["accuracy"].as_f64(), d["test_accuracy"].as_f64());

    let again = [
        "forget",
        "--method",
        "sisa",
        "--model",
        s(&out),
        "--forget-ids",
        &ids,
    ];
    fails_with(
        &[&again[..], &["--out", s(&scratch)]].concat(),
        "already forgotten",
    );
}

#[test]
fn sisa_owner_sharding_forgets_an_owner_by_retraining_one_shard() {
    let dir = tempfile::tempdir().unwrap();
    let ens = dir.path().join("ens.safetensors");
    ok_json(&[
        "train",
        "--model",
        "logreg",
        "--epochs",
        "1",
        "--seed",
        "2",
        "--sisa-shards",
        "4",
        "--sisa-slices",
        "2",
        "--shard-by",
        "owner",
        "--aggregation",
        "vote",
        "--out",
        s(&ens),
        "--json",
    ]);
    let owner = support::digits().train.owners[0]
        .clone()
        .expect("digits has owners");
    let owners = dir.path().join("owners.txt");
    std::fs::write(&owners, format!("{owner}\n")).unwrap();
    let out = dir.path().join("f.safetensors");
    let fj = ok_json(&[
        "forget",
        "--method",
        "sisa",
        "--model",
        s(&ens),
        "--forget-owners",
        s(&owners),
        "--out",
        s(&out),
        "--json",
    ]);
    assert_eq!(fj["shards_retrained"], 1, "{fj}");
    assert!(f(&fj, "speedup_vs_full_retrain") > 1.0, "{fj}");
    let i = ok_json(&["inspect", s(&out), "--json"]);
    assert_eq!(i["sisa"]["shard_by"], "owner");
    assert_eq!(i["sisa"]["aggregation"], "vote");
}

#[test]
fn mismatched_methods_and_models_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("m.safetensors");
    ok_json(&[
        "train",
        "--model",
        "logreg",
        "--epochs",
        "1",
        "--out",
        s(&plain),
        "--json",
    ]);
    let ens = dir.path().join("ens.safetensors");
    ok_json(&[
        "train",
        "--model",
        "logreg",
        "--epochs",
        "1",
        "--sisa-shards",
        "2",
        "--out",
        s(&ens),
        "--json",
    ]);
    let junk = dir.path().join("out.safetensors");
    let forget = |model: &Path, method: &str, needle: &str| {
        let args = [
            "forget",
            "--model",
            s(model),
            "--method",
            method,
            "--forget-class",
            "1",
        ];
        fails_with(&[&args[..], &["--out", s(&junk)]].concat(), needle);
    };
    forget(&plain, "sisa", "--method sisa needs a SISA ensemble");
    forget(&plain, "certified", "needs a certified-removal model");
    forget(
        &ens,
        "finetune",
        "is a SISA ensemble: forget with --method sisa",
    );
    forget(&ens, "certified", "is a SISA ensemble");
    let train = ["train", "--out", s(&junk), "--certified"];
    fails_with(
        &[&train[..], &["--model", "mlp"]].concat(),
        "pass --model logreg",
    );
    let epochs = ["--model", "logreg", "--epochs", "3"];
    fails_with(&[&train[..], &epochs].concat(), "--epochs does not apply");
    assert!(!junk.exists(), "a failed command writes nothing");

    let methods = ok_json(&["methods", "--json"]);
    let names: Vec<&str> = methods
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"sisa") && names.contains(&"certified"),
        "{names:?}"
    );
}
