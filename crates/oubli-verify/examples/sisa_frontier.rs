//! Draws the SISA speed/accuracy frontier from `sisa_bench --json-out` files and prints it
//! as a Markdown table.
//!
//! ```text
//! cargo run --release --workspace --example sisa_frontier -- docs/sisa-frontier.svg RUN.json…
//! ```
//!
//! Per run, two points: the id-sharded ensemble's expected single-sample deletion and the
//! owner-sharded ensemble's expected one-owner deletion, each speed-up in sample gradients
//! against one full retrain of the monolithic model, and its test-accuracy gap to it.

use oubli_verify::plots_frontier::{frontier_svg, FrontierPoint};
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, runs) = args
        .split_first()
        .ok_or("usage: sisa_frontier OUT.svg RUN.json…")?;
    let mut points = Vec::new();
    println!("| S | R | stage epochs | stage lr | owner slices | monolithic (its lr) | SISA (by id) | 1 sample: speed-up, gap | SISA (by owner) | 1 owner: speed-up, gap | batch of 10 / 100 (by id) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for path in runs {
        let run: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        let mono = run["monolithic"]["test_accuracy"]
            .as_f64()
            .ok_or("monolithic")?;
        let label = format!(
            "S{} R{} e{} lr{}{}{}",
            run["shards"],
            run["slices"],
            run["stage_epochs"],
            run["stage_lr"],
            if run["owner_slice_by"] == "owner" {
                " os"
            } else {
                ""
            },
            if run["lr"] == 0.001 {
                String::new()
            } else {
                format!(" (mono lr {})", run["lr"])
            }
        );
        let side = |key: &str, speed: &str| -> Option<(f64, f64)> {
            let e = &run[key];
            let acc = e["test_accuracy_mean_prob"].as_f64()?;
            Some((e["expected"][speed].as_f64()?, 100.0 * (mono - acc)))
        };
        let by_id = side("sisa_by_id", "single_sample_speedup");
        let by_owner = side("sisa_by_owner", "owner_speedup");
        for (series, point) in [
            ("single sample (shard by id)", by_id),
            ("one owner (shard by owner)", by_owner),
        ] {
            if let Some((speedup, gap_points)) = point {
                points.push(FrontierPoint {
                    label: label.clone(),
                    series: series.into(),
                    speedup,
                    gap_points,
                });
            }
        }
        let batch = |b: usize| -> String {
            run["sisa_by_id"]["expected"]["batch_speedup"]
                .as_array()
                .and_then(|v| v.iter().find(|x| x["batch"] == b))
                .and_then(|x| x["speedup"].as_f64())
                .map_or("–".into(), |s| format!("{s:.2}×"))
        };
        let cell =
            |p: Option<(f64, f64)>| p.map_or("–".into(), |(s, g)| format!("{s:.1}×, {g:.2} pts"));
        let acc = |key: &str| {
            run[key]["test_accuracy_mean_prob"]
                .as_f64()
                .map_or("–".into(), |a| format!("{:.2}%", 100.0 * a))
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.2}% ({}) | {} | {} | {} | {} | {} / {} |",
            run["shards"],
            run["slices"],
            run["stage_epochs"],
            run["stage_lr"],
            run["owner_slice_by"].as_str().unwrap_or("id"),
            100.0 * mono,
            run["lr"],
            acc("sisa_by_id"),
            cell(by_id),
            acc("sisa_by_owner"),
            cell(by_owner),
            batch(10),
            batch(100),
        );
    }
    let svg = frontier_svg(
        "SISA on MNIST MLP: deletion speed-up vs accuracy lost",
        &points,
        (10.0, 1.5),
    );
    // A file of its own needs the namespace that inline SVG in HTML does without.
    let svg = svg.replacen("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 1);
    std::fs::write(out, svg)?;
    eprintln!("wrote {out}");
    Ok(())
}
