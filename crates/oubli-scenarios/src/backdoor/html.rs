//! The backdoor scenario's self-contained HTML page (inline CSS and SVG, no scripts) and
//! the JSON beside it.

use super::BackdoorReport;
use oubli_verify::html::escape;
use oubli_verify::plots::grouped_bars_svg;
use std::fmt::Write as _;
use std::path::Path;

fn corner_name(c: super::Corner) -> &'static str {
    use super::Corner::*;
    match c {
        TopLeft => "top-left",
        TopRight => "top-right",
        BottomLeft => "bottom-left",
        BottomRight => "bottom-right",
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// The page for `r`.
pub fn render_html(r: &BackdoorReport) -> String {
    let mut groups = vec![(
        "before".to_string(),
        vec![r.asr_before, r.clean_accuracy_before],
    )];
    groups.extend(
        r.methods
            .iter()
            .map(|(n, m)| (n.clone(), vec![m.asr_after, m.clean_accuracy_after])),
    );
    let chart = grouped_bars_svg(
        "Attack success and clean accuracy, after forgetting",
        &["attack success (ASR)", "clean accuracy"],
        &groups,
    );
    let mut rows = String::new();
    for (name, m) in &r.methods {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            m.original,
            pct(m.asr_after),
            pct(m.clean_accuracy_after),
            m.clean_gap_to_retrain
                .map(|g| format!("{:+.2} pts", 100.0 * g))
                .unwrap_or_else(|| "–".into()),
            m.seconds,
            m.sample_gradients,
            if m.removed { "yes" } else { "no" }
        );
    }
    for (name, e) in &r.failed {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td colspan=\"7\">failed: {}</td></tr>",
            escape(name),
            escape(e)
        );
    }
    let findings: String = r
        .findings
        .iter()
        .map(|f| format!("<li>{}</li>", escape(f)))
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oubli: backdoor removal on {ds}</title>\
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}</style></head><body>\
<h1>Backdoor removal: {ds} · {model}</h1>\
<p>BadNets trigger: {size}×{size} square of the brightest pixel value at the {corner} corner, stamped on {poisoned} training images \
({frac}) relabelled to class {target}; {known} of them known and forgotten. Before forgetting: attack success {asr}, clean accuracy {clean}.</p>\
<h2>Findings</h2><ul>{findings}</ul>{chart}\
<h2>Per method</h2><table><tr><th>method</th><th>from</th><th>ASR after</th><th>clean accuracy</th><th>vs retrain</th><th>seconds</th><th>sample gradients</th><th>removed</th></tr>{rows}</table>\
<p>Removed: attack success below 5% with clean accuracy within 1 point of the retrain oracle's. ASR counts test images of the other classes, \
triggered, classified as the target.</p></body></html>",
        ds = escape(&r.dataset),
        model = escape(&r.model),
        size = r.params.trigger_size,
        corner = corner_name(r.params.corner),
        poisoned = r.poisoned_samples,
        frac = pct(r.params.poison_fraction),
        target = r.params.target,
        known = r.known_samples,
        asr = pct(r.asr_before),
        clean = pct(r.clean_accuracy_before),
    )
}

/// Writes `report.html` and `report.json` into `dir` (created).
pub fn write_report(r: &BackdoorReport, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.html"), render_html(r))?;
    let json = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json + "\n")
}
