//! Helpers shared by the CLI tests.

// Each test binary compiles this module and uses a different subset of it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the built binary.
pub fn oubli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args(args)
        .output()
        .expect("oubli runs")
}

/// Runs a command that must succeed and print one JSON object.
pub fn ok_json(args: &[&str]) -> Value {
    let out = oubli(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {err}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        let text = String::from_utf8_lossy(&out.stdout);
        panic!("{args:?}: stdout is not one JSON object ({e}): {text}")
    })
}

/// Runs a command that must exit 1 with `needle` in its error.
pub fn fails_with(args: &[&str], needle: &str) {
    let out = oubli(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: `{needle}` not in: {err}");
}

/// Asserts every key is present.
pub fn keys(v: &Value, keys: &[&str]) {
    for k in keys {
        assert!(v.get(k).is_some(), "missing key `{k}` in {v}");
    }
}

/// A number field.
pub fn f(v: &Value, k: &str) -> f64 {
    let x = v[k].as_f64();
    x.unwrap_or_else(|| panic!("`{k}` is not a number in {v}"))
}

/// The embedded digits set.
pub fn digits() -> oubli_data::Dataset {
    oubli_data::load("digits", &oubli_data::LoadOptions::default()).unwrap()
}

/// Writes the training-split ids at `positions` to `dir/name`, one per line; returns the path.
pub fn id_file(dir: &Path, name: &str, positions: &[usize]) -> String {
    let ds = digits();
    let text: String = positions
        .iter()
        .map(|&i| format!("{}\n", ds.train.ids[i]))
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    s(&path).to_string()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
