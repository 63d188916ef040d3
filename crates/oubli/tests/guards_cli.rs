//! Traps a new user falls into, each refused or announced with a clear message instead of
//! an abort, a silent garbage model, an endless run or a doubled error.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::{fails_with, oubli, s};

#[test]
fn a_model_too_large_for_memory_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let args = ["train", "--hidden", "1000000000000", "--out", s(&out)];
    fails_with(
        &args,
        "model too large to train: 75000000000010 parameters need about",
    );
    fails_with(&args, "use smaller layers");
    assert!(!out.exists());
}

#[test]
fn a_diverging_learning_rate_stops_training_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let args = ["train", "--lr", "1e6", "--epochs", "3", "--out", s(&out)];
    fails_with(&args, "training diverged at epoch 1");
    fails_with(&args, "try one 10 to 100 times smaller");
    assert!(!out.exists(), "no model is written from diverged weights");
}

#[test]
fn a_trillion_epochs_run_announces_its_estimated_time_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args([
            "train",
            "--model",
            "logreg",
            "--epochs",
            "1000000000000",
            "--out",
            s(&out),
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("a line on stderr while the run goes on");
    assert!(
        line.starts_with("train: 23000000000000 steps at "),
        "{line}"
    );
    assert!(line.contains("estimated total time about"), "{line}");
    assert!(
        line.ends_with("years; lower --epochs if that is not what you meant"),
        "{line}"
    );
}

#[test]
fn an_os_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let o = oubli(&["train", "--exclude-ids", s(dir.path()), "--out", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    assert!(
        err.contains(&format!("{}: Is a directory", s(dir.path()))),
        "{err}"
    );
}

#[test]
fn verify_writes_no_progress_lines_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let orig = dir.path().join("o.safetensors");
    let forgot = dir.path().join("f.safetensors");
    let report = dir.path().join("report");
    let train = [
        "train",
        "--model",
        "logreg",
        "--epochs",
        "2",
        "--out",
        s(&orig),
    ];
    assert!(oubli(&train).status.success());
    let forget = [
        "forget",
        "--model",
        s(&orig),
        "--method",
        "retrain",
        "--forget-class",
        "3",
        "--out",
        s(&forgot),
    ];
    assert!(oubli(&forget).status.success());
    let o = oubli(&[
        "verify",
        "--original",
        s(&orig),
        "--unlearned",
        s(&forgot),
        "--forget-class",
        "3",
        "--shadows",
        "0",
        "--out",
        s(&report),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code().is_some_and(|c| c != 1), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).is_empty());
    assert_eq!(err, "", "logs go to stderr only on a terminal");
}

#[test]
fn data_fetch_works_outside_a_checkout_into_the_directory_loading_reads() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_oubli"))
            .args(args)
            .current_dir(dir.path())
            .env("HOME", &home)
            .env_remove("OUBLI_DATA_DIR")
            .env_remove("XDG_CACHE_HOME")
            .output()
            .unwrap()
    };
    let o = run(&["data", "fetch", "digits"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("digits: built in, nothing to fetch"), "{err}");
    let cache = home.join(".cache/oubli/data");
    assert!(cache.is_dir(), "the fetch prepared {}", cache.display());

    let o = run(&["data", "info", "mnist"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let missing = cache.join("mnist/train-images-idx3-ubyte");
    assert!(
        err.contains(&format!("{}: file not found", s(&missing))),
        "{err}"
    );

    let o = run(&["data", "fetch", "cifar"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown dataset 'cifar'"));
}
