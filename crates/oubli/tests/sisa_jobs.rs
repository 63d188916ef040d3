//! SISA shards as jobs (`oubli sisa …`) on the embedded digits set: a plan run as separate
//! processes must assemble into the very ensemble `oubli train` trains, a killed or
//! interrupted shard must resume to the same result, a forget plan must give what
//! `oubli forget --method sisa` gives, and the emitted cluster files must parse and run.

mod support;

use oubli_sisa::SisaModel;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::{fails_with, id_file, ok_json, oubli, s};

/// S = 3, R = 3, a fixed seed: seconds of training.
const FLAGS: [&str; 12] = [
    "--model",
    "logreg",
    "--epochs",
    "2",
    "--seed",
    "5",
    "--lr",
    "3e-3",
    "--sisa-shards",
    "3",
    "--sisa-slices",
    "3",
];

fn with(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|a| a.to_string()).collect()
}

fn run_json(args: &[String]) -> Value {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok_json(&refs)
}

/// `oubli train FLAGS extra --out out`.
fn train(out: &Path, extra: &[&str]) -> Value {
    let mut a = with(&["train"], &FLAGS);
    a.extend(with(extra, &["--out", s(out), "--json"]));
    run_json(&a)
}

/// `oubli sisa plan FLAGS extra --out dir`.
fn plan(dir: &Path, extra: &[&str]) -> Value {
    plan_with(&FLAGS, dir, extra)
}

fn plan_with(flags: &[&str], dir: &Path, extra: &[&str]) -> Value {
    let mut a = with(&["sisa", "plan"], flags);
    a.extend(with(extra, &["--out", s(dir), "--json"]));
    run_json(&a)
}

fn assemble(dir: &Path, out: &Path) -> Value {
    ok_json(&[
        "sisa",
        "assemble",
        "--plan",
        s(dir),
        "--out",
        s(out),
        "--json",
    ])
}

fn shard_train(dir: &Path, extra: &[&str]) -> Value {
    let a = with(&["sisa", "shard-train", "--plan", s(dir), "--json"], extra);
    run_json(&a)
}

/// Asserts two ensemble files hold the same model: weights, every checkpoint, and lineage
/// (all but the creation time).
fn assert_same_model(a: &Path, b: &Path) {
    let (x, y) = (SisaModel::load(a).unwrap(), SisaModel::load(b).unwrap());
    assert_eq!(x.weights_sha256(), y.weights_sha256());
    assert_eq!(x.ensemble_params(), y.ensemble_params(), "tensors differ");
    assert_eq!(x.shards(), y.shards(), "checkpoints differ");
    let (mut lx, mut ly) = (x.lineage(), y.lineage());
    lx.created_at.clear();
    ly.created_at.clear();
    assert_eq!(
        serde_json::to_value(&lx).unwrap(),
        serde_json::to_value(&ly).unwrap()
    );
    assert_eq!(x.removed_ids(), y.removed_ids());
}

#[test]
fn plan_run_plan_assemble_is_bit_identical_to_train() {
    let dir = tempfile::tempdir().unwrap();
    let ids = id_file(dir.path(), "exclude.txt", &[3, 40, 500]);
    let trained = dir.path().join("trained.safetensors");
    let t = train(&trained, &["--exclude-ids", &ids]);

    let plan_dir = dir.path().join("plan");
    let p = plan(&plan_dir, &["--exclude-ids", &ids]);
    assert_eq!(p["jobs"], serde_json::json!([0, 1, 2]));
    assert_eq!(p["excluded_samples"], 3);
    assert_eq!(p["trained_samples"], t["trained_samples"]);
    assert_eq!(p["shard_samples"], t["shard_samples"]);
    let saved: Value =
        serde_json::from_slice(&std::fs::read(plan_dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["format"], "oubli-sisa-plan");
    assert_eq!(saved["dataset"]["name"], "digits");
    assert_eq!(saved["sisa"]["slices"], 3);
    assert_eq!(saved["excluded_ids"].as_array().unwrap().len(), 3);
    let config = std::fs::read_to_string(plan_dir.join("train-config.toml")).unwrap();
    assert!(
        config.contains("epochs = 2") && config.contains("seed = 5"),
        "{config}"
    );

    let r = ok_json(&[
        "sisa",
        "run-plan",
        "--plan",
        s(&plan_dir),
        "--jobs",
        "2",
        "--json",
    ]);
    assert_eq!(r["jobs"], 3);
    assert_eq!(r["parallel"], 2);
    assert!(r["peak_running"].as_u64().unwrap() <= 2, "{r}");
    let outcomes = r["outcomes"].as_array().unwrap();
    for (s, o) in outcomes.iter().enumerate() {
        assert_eq!(o["shard"], s);
        assert_eq!(o["exit_code"], 0);
        assert_eq!(o["report"]["resumed_from_stage"], 0);
        assert_eq!(o["report"]["stages_trained"], 3);
        assert_eq!(o["report"]["weights_sha256"], t["shard_weights_sha256"][s]);
    }

    let assembled = dir.path().join("assembled.safetensors");
    let a = assemble(&plan_dir, &assembled);
    assert_eq!(a["weights_sha256"], t["weights_sha256"]);
    assert_eq!(a["shard_weights_sha256"], t["shard_weights_sha256"]);
    assert_eq!(a["method"], "sisa-train");
    assert_same_model(&trained, &assembled);
    // The assembled file is an ordinary ensemble: eval gives the same accuracy.
    let e = ok_json(&["eval", "--model", s(&assembled), "--json"]);
    assert_eq!(e["accuracy"].as_f64(), t["test_accuracy"].as_f64());

    // Re-running finds every shard finished and trains nothing.
    let again = shard_train(&plan_dir, &["--shard", "1"]);
    assert_eq!(again["already_done"], true);
    assert_eq!(again["stages_trained"], 0);
}

#[test]
fn an_interrupted_shard_resumes_from_its_checkpoint_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let plan_dir = dir.path().join("plan");
    let p = plan(&plan_dir, &[]);
    let id = p["plan_id"].as_str().unwrap().to_string();
    let clean = shard_train(&plan_dir, &["--shard", "1"]);
    assert_eq!(clean["resumed_from_stage"], 0);
    let shard_dir = plan_dir.join("artifacts").join(&id).join("shard-1");
    for r in 0..3 {
        assert!(shard_dir
            .join(format!("shard-1-stage-{r}.safetensors"))
            .is_file());
    }

    // As if the job died after storing stage 0: its output and later checkpoints are gone.
    std::fs::remove_file(shard_dir.join("done.json")).unwrap();
    std::fs::remove_file(shard_dir.join("shard-1-stage-2.safetensors")).unwrap();
    std::fs::remove_file(shard_dir.join("shard-1-stage-1.safetensors")).unwrap();
    let resumed = shard_train(&plan_dir, &["--shard", "1"]);
    assert_eq!(resumed["already_done"], false);
    assert_eq!(resumed["resumed_from_stage"], 1);
    assert_eq!(resumed["stages_trained"], 2);
    assert_eq!(resumed["weights_sha256"], clean["weights_sha256"]);
    assert!(resumed["sample_gradients"].as_u64() < clean["sample_gradients"].as_u64());

    // Died after stage 1, before writing its output.
    std::fs::remove_file(shard_dir.join("done.json")).unwrap();
    std::fs::remove_file(shard_dir.join("shard-1-stage-2.safetensors")).unwrap();
    let resumed = shard_train(&plan_dir, &["--shard", "1"]);
    assert_eq!(resumed["resumed_from_stage"], 2);
    assert_eq!(resumed["weights_sha256"], clean["weights_sha256"]);

    // A checkpoint altered in the store is refused at assembly, never used.
    for s in [0, 2] {
        shard_train(&plan_dir, &["--shard", &s.to_string()]);
    }
    let out = dir.path().join("a.safetensors");
    assemble(&plan_dir, &out);
    let ckpt = shard_dir.join("shard-1-stage-0.safetensors");
    let mut bytes = std::fs::read(&ckpt).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&ckpt, bytes).unwrap();
    let args = ["sisa", "assemble", "--plan", s(&plan_dir), "--out", s(&out)];
    fails_with(&args, "does not match");
}

/// A real kill: the shard process is killed once its first checkpoint is stored; the re-run
/// resumes from what the store holds and ends with the uninterrupted run's weights.
#[test]
fn a_killed_shard_process_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let plan_dir = dir.path().join("plan");
    // Enough work per stage that the kill lands long before the last stage ends.
    let flags = [
        "--model",
        "mlp",
        "--hidden",
        "64",
        "--epochs",
        "300",
        "--seed",
        "5",
        "--sisa-shards",
        "2",
        "--sisa-slices",
        "4",
    ];
    let p = plan_with(&flags, &plan_dir, &[]);
    let id = p["plan_id"].as_str().unwrap().to_string();
    let reference = dir.path().join("reference");
    let clean = shard_train(&plan_dir, &["--shard", "0", "--artifacts", s(&reference)]);

    let shard_dir = plan_dir.join("artifacts").join(&id).join("shard-0");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args([
            "sisa",
            "shard-train",
            "--plan",
            s(&plan_dir),
            "--shard",
            "0",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let first = shard_dir.join("shard-0-stage-0.safetensors");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !first.is_file() {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !shard_dir.join("done.json").exists(),
        "the shard finished before it could be killed"
    );
    let resumed = shard_train(&plan_dir, &["--shard", "0"]);
    assert!(
        resumed["resumed_from_stage"].as_u64().unwrap() >= 1,
        "{resumed}"
    );
    assert_eq!(resumed["weights_sha256"], clean["weights_sha256"]);
}

#[test]
fn the_scheduler_index_picks_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let plan_dir = dir.path().join("plan");
    plan(&plan_dir, &[]);
    let run = |var: &str, value: &str| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_oubli"))
            .args(["sisa", "shard-train", "--plan", s(&plan_dir), "--json"])
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env(var, value)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{var}={value}: {err}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let k = run("JOB_COMPLETION_INDEX", "2");
    assert_eq!(
        (k["shard"].as_u64(), k["source"].as_str()),
        (Some(2), Some("kubernetes"))
    );
    let sl = run("SLURM_ARRAY_TASK_ID", "1");
    assert_eq!(
        (sl["shard"].as_u64(), sl["source"].as_str()),
        (Some(1), Some("slurm"))
    );
    // --shard wins over the environment.
    let out = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args([
            "sisa",
            "shard-train",
            "--plan",
            s(&plan_dir),
            "--shard",
            "1",
            "--json",
        ])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["shard"].as_u64(), v["source"].as_str()),
        (Some(1), Some("flag"))
    );
    assert_eq!(v["already_done"], true);

    let no_env = |args: &[&str], needle: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_oubli"))
            .args(args)
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    };
    let base = ["sisa", "shard-train", "--plan", s(&plan_dir)];
    no_env(&base, "JOB_COMPLETION_INDEX");
    no_env(
        &[&base[..], &["--shard", "3"]].concat(),
        "not a job of this plan",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args(base)
        .env("SLURM_ARRAY_TASK_ID", "7")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("out of range"));

    // Shards 1 and 2 are finished, 0 is not: assembly names it.
    let out = dir.path().join("m.safetensors");
    fails_with(
        &["sisa", "assemble", "--plan", s(&plan_dir), "--out", s(&out)],
        "1 of 3 shards not finished: shard 0",
    );
    assert!(!out.exists());
}

#[test]
fn forget_plan_then_jobs_equal_forget_method_sisa() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("ens.safetensors");
    train(&model, &[]);
    // Sample ids 1, 3 and 11 sit in shards 2, 0, 0, at slices 1, 2, 2 under this seed: the
    // deletion retrains two of three shards, each from a stored clean checkpoint.
    let ids = dir.path().join("forget.txt");
    std::fs::write(&ids, "1\n3\n11\n").unwrap();
    let ids = s(&ids).to_string();
    let forgot = dir.path().join("forgot.safetensors");
    let f = ok_json(&[
        "forget",
        "--method",
        "sisa",
        "--model",
        s(&model),
        "--forget-ids",
        &ids,
        "--out",
        s(&forgot),
        "--json",
    ]);

    let plan_dir = dir.path().join("forget-plan");
    let p = ok_json(&[
        "sisa",
        "forget-plan",
        "--model",
        s(&model),
        "--forget-ids",
        &ids,
        "--out",
        s(&plan_dir),
        "--json",
    ]);
    assert_eq!(p["forget_samples"], 3);
    let jobs: Vec<u64> = p["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j.as_u64().unwrap())
        .collect();
    assert_eq!(jobs.len() as u64, f["shards_retrained"].as_u64().unwrap());
    let retrained: Vec<u64> = f["retrained_shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["shard"].as_u64().unwrap())
        .collect();
    assert_eq!(jobs, retrained);
    let from: Vec<u64> = f["retrained_shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from_stage"].as_u64().unwrap())
        .collect();
    assert_eq!(p["from_stages"], serde_json::json!(from));
    assert_eq!(
        (jobs.as_slice(), from.as_slice()),
        (&[0, 2][..], &[2, 1][..])
    );

    let r = ok_json(&[
        "sisa",
        "run-plan",
        "--plan",
        s(&plan_dir),
        "--jobs",
        "2",
        "--json",
    ]);
    for (o, &from) in r["outcomes"].as_array().unwrap().iter().zip(&from) {
        assert_eq!(o["report"]["resumed_from_stage"], from, "{o}");
    }
    let assembled = dir.path().join("assembled.safetensors");
    let a = assemble(&plan_dir, &assembled);
    assert_eq!(a["method"], "sisa");
    assert_eq!(a["weights_sha256"], f["weights_sha256"]);
    assert_same_model(&forgot, &assembled);

    // Planning the same deletion again into the same directory keeps what the jobs did.
    let p2 = ok_json(&[
        "sisa",
        "forget-plan",
        "--model",
        s(&model),
        "--forget-ids",
        &ids,
        "--out",
        s(&plan_dir),
        "--json",
    ]);
    assert_eq!(p2["plan_id"], p["plan_id"]);
    let again = assemble(&plan_dir, &dir.path().join("again.safetensors"));
    assert_eq!(again["weights_sha256"], f["weights_sha256"]);

    // The request is checked as `oubli forget` checks it.
    let again = dir.path().join("again");
    fails_with(
        &[
            "sisa",
            "forget-plan",
            "--model",
            s(&assembled),
            "--forget-ids",
            &ids,
            "--out",
            s(&again),
        ],
        "already forgotten",
    );
}

#[test]
fn emitted_kubernetes_and_slurm_files_parse_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let plan_dir = dir.path().join("plan");
    let p = plan(&plan_dir, &[]);
    let id = p["plan_id"].as_str().unwrap();

    let k = ok_json(&[
        "sisa",
        "emit-k8s",
        "--plan",
        s(&plan_dir),
        "--image",
        "registry.example/oubli:1",
        "--parallelism",
        "2",
        "--json",
    ]);
    let yaml = std::fs::read_to_string(k["out"].as_str().unwrap()).unwrap();
    let job: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(job["kind"].as_str(), Some("Job"));
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(
        job["metadata"]["name"].as_str(),
        Some(&*format!("oubli-sisa-{id}"))
    );
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    assert_eq!(spec["completions"].as_u64(), Some(3));
    assert_eq!(spec["parallelism"].as_u64(), Some(2));
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    assert_eq!(
        container["image"].as_str(),
        Some("registry.example/oubli:1")
    );
    let command: Vec<&str> = container["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        command,
        [
            "oubli",
            "sisa",
            "shard-train",
            "--plan",
            "/oubli",
            "--artifacts",
            "/oubli/artifacts",
            "--json"
        ]
    );
    assert_eq!(
        container["volumeMounts"][0]["mountPath"].as_str(),
        Some("/oubli")
    );
    assert_eq!(
        pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as_str(),
        Some("oubli-sisa")
    );
    // The pod's command, run here with the plan directory where the claim would be
    // mounted, trains the shard of its index.
    let mut args: Vec<String> = command[1..].iter().map(|c| c.to_string()).collect();
    args[3] = s(&plan_dir).to_string();
    args[5] = s(&plan_dir.join("artifacts")).to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args(&args)
        .env("JOB_COMPLETION_INDEX", "1")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["shard"], 1);

    let sl = ok_json(&["sisa", "emit-slurm", "--plan", s(&plan_dir), "--json"]);
    let script_path = sl["out"].as_str().unwrap().to_string();
    let script = std::fs::read_to_string(&script_path).unwrap();
    assert!(script.starts_with("#!/bin/bash\n"), "{script}");
    let sbatch: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("#SBATCH"))
        .collect();
    assert!(sbatch.contains(&"#SBATCH --array=0-2"), "{sbatch:?}");
    assert!(sbatch
        .iter()
        .any(|l| l.starts_with("#SBATCH --output=") && l.contains("/logs/")));
    assert!(plan_dir.join("logs").is_dir());
    // Run as Slurm would run array task 2: the #SBATCH lines are comments to bash.
    let out = Command::new("bash")
        .arg(&script_path)
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["shard"].as_u64(), v["source"].as_str()),
        (Some(2), Some("slurm"))
    );
    let throttled = ok_json(&[
        "sisa",
        "emit-slurm",
        "--plan",
        s(&plan_dir),
        "--parallelism",
        "2",
        "--json",
    ]);
    let script = std::fs::read_to_string(throttled["out"].as_str().unwrap()).unwrap();
    assert!(
        script.lines().any(|l| l == "#SBATCH --array=0-2%2"),
        "{script}"
    );
}

#[test]
fn plan_needs_sisa_shards_and_a_cloud_store_needs_its_feature() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    fails_with(
        &["sisa", "plan", "--model", "logreg", "--out", s(&out)],
        "give --sisa-shards",
    );
    let missing = dir.path().join("none");
    fails_with(
        &["sisa", "shard-train", "--plan", s(&missing), "--shard", "0"],
        "plan.json: missing",
    );
    if !cfg!(feature = "aws") {
        let mut a = with(&["sisa", "plan"], &FLAGS);
        a.extend(with(
            &["--out", s(&out), "--artifacts", "s3://bucket/x"],
            &[],
        ));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = oubli(&refs);
        assert!(o.status.success());
        fails_with(
            &["sisa", "shard-train", "--plan", s(&out), "--shard", "0"],
            "`aws` feature",
        );
    }
}

/// A user's CSV: the plan records the CSV options, each job reloads the same split from
/// them, and an owner-sharded deletion retrains the owner's one shard.
#[test]
fn a_csv_dataset_runs_as_jobs_with_its_options_and_owner_shards() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    let mut text = String::from("who,x1,x2,outcome\n");
    for i in 0..200u32 {
        let x1 = (i * 37 % 101) as f64 / 10.0;
        let x2 = (i * 53 % 97) as f64 / 10.0;
        let outcome = if x1 > 5.0 { "good" } else { "bad" };
        text += &format!("u{},{x1},{x2},{outcome}\n", i % 40);
    }
    std::fs::write(&csv, text).unwrap();
    let dataset = format!("csv:{}", s(&csv));
    let flags = [
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
        "3",
        "--sisa-shards",
        "4",
        "--sisa-slices",
        "2",
        "--shard-by",
        "owner",
    ];
    let trained = dir.path().join("t.safetensors");
    let mut a = with(&["train"], &flags);
    a.extend(with(&["--out", s(&trained), "--json"], &[]));
    let t = run_json(&a);
    assert_eq!(t["trained_samples"], 140);

    let plan_dir = dir.path().join("plan");
    let p = plan_with(&flags, &plan_dir, &[]);
    assert_eq!(p["trained_samples"], 140);
    let saved: Value =
        serde_json::from_slice(&std::fs::read(plan_dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["dataset"]["csv"]["label"], "outcome");
    assert_eq!(saved["dataset"]["csv"]["owner"], "who");
    assert_eq!(saved["dataset"]["csv"]["test_fraction"], 0.3);
    assert_eq!(saved["sisa"]["shard_by"], "owner");
    ok_json(&[
        "sisa",
        "run-plan",
        "--plan",
        s(&plan_dir),
        "--jobs",
        "2",
        "--json",
    ]);
    let assembled = dir.path().join("a.safetensors");
    let a = assemble(&plan_dir, &assembled);
    assert_eq!(a["weights_sha256"], t["weights_sha256"]);
    assert_same_model(&trained, &assembled);

    let owners = dir.path().join("owners.txt");
    std::fs::write(&owners, "u3\n").unwrap();
    let forgot = dir.path().join("f.safetensors");
    let f = ok_json(&[
        "forget",
        "--method",
        "sisa",
        "--model",
        s(&trained),
        "--forget-owners",
        s(&owners),
        "--out",
        s(&forgot),
        "--json",
    ]);
    let fplan = dir.path().join("fplan");
    let fp = ok_json(&[
        "sisa",
        "forget-plan",
        "--model",
        s(&trained),
        "--forget-owners",
        s(&owners),
        "--out",
        s(&fplan),
        "--json",
    ]);
    assert_eq!(
        fp["jobs"].as_array().unwrap().len(),
        1,
        "one owner, one shard"
    );
    ok_json(&["sisa", "run-plan", "--plan", s(&fplan), "--json"]);
    let fa = dir.path().join("fa.safetensors");
    let a = assemble(&fplan, &fa);
    assert_eq!(a["weights_sha256"], f["weights_sha256"]);
    assert_same_model(&forgot, &fa);
}
