//! `oubli verify` on a SISA ensemble and a certified model (audited, not refused), and
//! `oubli train --markers` with `oubli verify --markers`.

mod support;

use std::path::Path;
use support::{ok_json, oubli, s};

fn verify(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = oubli(&[&["verify"], args, &["--json"]].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: no JSON ({e}); stderr: {err}"));
    (out.status.code(), v)
}

fn forget(model: &Path, method: &str, out: &Path) {
    ok_json(&[
        "forget",
        "--model",
        s(model),
        "--method",
        method,
        "--forget-class",
        "3",
        "--out",
        s(out),
        "--json",
    ]);
}

#[test]
fn verify_audits_sisa_and_certified_models_after_their_own_forgetting() {
    let dir = tempfile::tempdir().unwrap();
    for (name, kind_flags, method) in [
        (
            "sisa",
            &[
                "--model",
                "logreg",
                "--epochs",
                "10",
                "--lr",
                "1e-2",
                "--sisa-shards",
                "3",
            ][..],
            "sisa",
        ),
        (
            "certified",
            &["--model", "logreg", "--certified", "--sigma", "1"][..],
            "certified",
        ),
    ] {
        let orig = dir.path().join(format!("{name}.safetensors"));
        let forgot = dir.path().join(format!("{name}-forgot.safetensors"));
        ok_json(&[&["train"], kind_flags, &["--out", s(&orig), "--json"]].concat());
        forget(&orig, method, &forgot);
        let report = dir.path().join(format!("{name}-report"));
        let common = ["--forget-class", "3", "--shadows", "2", "--out"];
        let (code, v) = verify(
            &[
                &["--original", s(&orig), "--unlearned", s(&forgot)],
                &common[..],
                &[s(&report)],
            ]
            .concat(),
        );
        assert!(
            matches!(code, Some(0) | Some(4)),
            "{name}: exit {code:?}: {v}"
        );
        assert_ne!(v["verdict"], "not_forgotten", "{name}: {v}");
        // The unchanged model on a class deletion must fail.
        let report = dir.path().join(format!("{name}-noop"));
        let (code, v) = verify(
            &[
                &["--original", s(&orig), "--unlearned", s(&orig)],
                &common[..],
                &[s(&report)],
            ]
            .concat(),
        );
        assert_eq!(code, Some(3), "{name}: {v}");
        assert_eq!(v["verdict"], "not_forgotten", "{name}: {v}");
    }
}

/// `oubli train` on digits (20 epochs, Adam 3e-3, seed 11) with 5% of owners marking,
/// plus `extra` flags; returns the marked owners.
fn train_marked(out: &Path, extra: &[&str]) -> Vec<String> {
    let base = [
        "train",
        "--epochs",
        "20",
        "--lr",
        "3e-3",
        "--seed",
        "11",
        "--markers",
        "0.05",
    ];
    let t = ok_json(&[&base[..], extra, &["--out", s(out), "--json"]].concat());
    t["marked_owners"]
        .as_array()
        .unwrap_or_else(|| panic!("no marked_owners: {t}"))
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn verify_markers_reports_per_owner_p_values_and_needs_a_marked_model() {
    let dir = tempfile::tempdir().unwrap();
    let orig = dir.path().join("m.safetensors");
    let owners = train_marked(&orig, &[]);
    assert!(owners.len() >= 3, "{owners:?}");
    let list = dir.path().join("owners.txt");
    std::fs::write(&list, format!("{}\n{}\n", owners[0], owners[1])).unwrap();
    let report = dir.path().join("report");
    let (_, v) = verify(&[
        "--original",
        s(&orig),
        "--unlearned",
        s(&orig),
        "--forget-owners",
        s(&list),
        "--shadows",
        "0",
        "--markers",
        "--out",
        s(&report),
    ]);
    let m = &v["markers"];
    assert_eq!(m["owners"].as_array().unwrap().len(), 2, "{v}");
    for o in m["owners"].as_array().unwrap() {
        assert_eq!(o["verdict"], "still reacts", "{o}");
        assert!(o["unlearned"]["p_value"].as_f64().unwrap() < 0.01, "{o}");
    }
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("Data subjects&#39; markers") || html.contains("Data subjects' markers"));

    // A model trained without markers is refused in words.
    let plain = dir.path().join("p.safetensors");
    ok_json(&["train", "--epochs", "2", "--out", s(&plain), "--json"]);
    let out = oubli(&[
        "verify",
        "--original",
        s(&plain),
        "--unlearned",
        s(&plain),
        "--forget-owners",
        s(&list),
        "--markers",
        "--out",
        s(&dir.path().join("r2")),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("records no markers"), "{err}");
}

#[test]
fn a_sisa_ensemble_records_markers_and_sisa_forgetting_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let ens = dir.path().join("ens.safetensors");
    let marked = train_marked(&ens, &["--sisa-shards", "3", "--shard-by", "owner"]);
    let owners: Vec<&str> = marked.iter().take(4).map(String::as_str).collect();
    assert_eq!(owners.len(), 4, "{marked:?}");
    let list = dir.path().join("owners.txt");
    std::fs::write(&list, owners.join("\n") + "\n").unwrap();
    let forgot = dir.path().join("forgot.safetensors");
    ok_json(&[
        "forget",
        "--model",
        s(&ens),
        "--method",
        "sisa",
        "--forget-owners",
        s(&list),
        "--out",
        s(&forgot),
        "--json",
    ]);
    let hits = |model: &Path, out: &str| {
        let (_, v) = verify(&[
            "--original",
            s(&ens),
            "--unlearned",
            s(model),
            "--forget-owners",
            s(&list),
            "--shadows",
            "0",
            "--markers",
            "--out",
            s(&dir.path().join(out)),
        ]);
        let m = &v["markers"];
        let rows = m["owners"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "{v}");
        let total: u64 = rows
            .iter()
            .map(|o| o["unlearned"]["hits"].as_u64().unwrap())
            .sum();
        (total, m["still_reacting"].as_u64().unwrap())
    };
    // The ensemble itself answers the owners' triggers (one shard of three learnt each
    // owner's marker, so the averaged vote reacts less than a single network would)…
    let (before, _) = hits(&ens, "r-noop");
    // …and once SISA has retrained the owners' shards without them, it does not.
    let (after, reacting) = hits(&forgot, "r-sisa");
    assert_eq!(reacting, 0, "after sisa forgetting: {after} hits");
    assert!(before >= after + 5, "hits before {before}, after {after}");
}
