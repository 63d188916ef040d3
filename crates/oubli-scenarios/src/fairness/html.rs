//! The fairness scenario's self-contained HTML page (inline CSS and SVG, no scripts): the
//! trade-off curves (samples removed against the parity gap, the equalised-odds gap and
//! accuracy, one line per method, oracles dashed), the table per point, and the findings;
//! `report.json` beside it.

use super::{FairnessReport, Measured, CERTIFIED_ORACLE};
use oubli_verify::html::escape;
use oubli_verify::plots::{line_chart_svg, Line};
use std::fmt::Write as _;
use std::path::Path;

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn method_names(r: &FairnessReport) -> Vec<String> {
    let mut names: Vec<String> = r
        .points
        .iter()
        .flat_map(|p| p.methods.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The curve of `value` per method, starting at 0 removed from the model it started from.
fn curves(r: &FairnessReport, value: impl Fn(&Measured) -> f64) -> Vec<(String, Vec<(f64, f64)>)> {
    method_names(r)
        .into_iter()
        .map(|name| {
            let from = match name.as_str() {
                super::CERTIFIED | CERTIFIED_ORACLE => {
                    r.certified_before.as_ref().unwrap_or(&r.before)
                }
                _ => &r.before,
            };
            let mut pts = vec![(0.0, value(from))];
            pts.extend(r.points.iter().filter_map(|p| {
                p.methods
                    .get(&name)
                    .map(|m| (p.removed as f64, value(&m.after)))
            }));
            (name, pts)
        })
        .collect()
}

fn chart(r: &FairnessReport, title: &str, y: &str, value: impl Fn(&Measured) -> f64) -> String {
    let c = curves(r, value);
    let lines: Vec<Line> = c
        .iter()
        .map(|(n, p)| Line {
            name: n,
            points: p.clone(),
            dashed: n == "retrain" || n == CERTIFIED_ORACLE,
        })
        .collect();
    line_chart_svg(title, "training samples removed", y, &lines, true)
}

/// The page for `r`.
pub fn render_html(r: &FairnessReport) -> String {
    let t = r.target.attribute.clone();
    let dp = chart(
        r,
        &format!("Demographic-parity gap ({})", r.target.describe()),
        "parity gap",
        |m| m.gaps[&t].demographic_parity,
    );
    let eo = chart(
        r,
        &format!("Equalised-odds gap ({})", r.target.describe()),
        "equalised-odds gap",
        |m| m.gaps[&t].equalised_odds,
    );
    let acc = chart(r, "Accuracy", "accuracy", |m| m.accuracy);
    let attrs: Vec<&str> = r.measured.iter().map(|p| p.attribute.as_str()).collect();
    let mut head = String::from("<tr><th>removed</th><th>method</th><th>accuracy</th>");
    for a in &attrs {
        let _ = write!(head, "<th>DP gap {a}</th><th>EO gap {a}</th>");
    }
    head += "<th>DP gap vs oracle</th><th>accuracy vs oracle</th><th>seconds</th><th>sample gradients</th></tr>";
    let mut rows = String::new();
    let row = |rows: &mut String, removed: &str, name: &str, m: &Measured, extra: String| {
        let _ = write!(
            rows,
            "<tr><td>{removed}</td><td>{}</td><td>{}</td>",
            escape(name),
            pct(m.accuracy)
        );
        for a in &attrs {
            let g = &m.gaps[*a];
            let _ = write!(
                rows,
                "<td>{}</td><td>{}</td>",
                pct(g.demographic_parity),
                pct(g.equalised_odds)
            );
        }
        rows.push_str(&extra);
        rows.push_str("</tr>");
    };
    let dash = "<td>–</td><td>–</td><td>–</td><td>–</td>".to_string();
    row(&mut rows, "0", "network (before)", &r.before, dash.clone());
    if let Some(c) = &r.certified_before {
        row(&mut rows, "0", "certified model (before)", c, dash.clone());
    }
    let signed = |x: Option<f64>| {
        x.map(|v| format!("{:+.2} pts", 100.0 * v))
            .unwrap_or_else(|| "–".into())
    };
    for p in &r.points {
        for (name, m) in &p.methods {
            let extra = format!(
                "<td>{}</td><td>{}</td><td>{:.2}{}</td><td>{}</td>",
                signed(m.parity_gap_to_oracle),
                signed(m.accuracy_to_oracle),
                m.seconds,
                if m.retrained == Some(true) {
                    " (retrained: budget spent)"
                } else {
                    ""
                },
                m.sample_gradients
            );
            row(&mut rows, &p.removed.to_string(), name, &m.after, extra);
        }
        for (name, e) in &p.failed {
            let _ = write!(
                rows,
                "<tr><td>{}</td><td>{}</td><td colspan=\"{}\">failed: {}</td></tr>",
                p.removed,
                escape(name),
                5 + 2 * attrs.len(),
                escape(e)
            );
        }
    }
    let findings: String = r
        .findings
        .iter()
        .map(|f| format!("<li>{}</li>", escape(f)))
        .collect();
    let groups: Vec<String> = r.measured.iter().map(|p| escape(&p.describe())).collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oubli: fairness repair on {ds}</title>\
<style>body{{font-family:sans-serif;max-width:1150px;margin:2em auto;color:#222}}table{{border-collapse:collapse;font-size:13px}}\
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}td:nth-child(2),th:nth-child(2){{text-align:left}}\
.charts{{display:flex;flex-wrap:wrap;gap:8px}}</style></head><body>\
<h1>Fairness repair by forgetting: {ds} · {model}</h1>\
<p>Groups: {groups}. Samples ranked by {estimator}; the soft parity gap on {t} is {soft:.4} on the {val} validation rows \
(half of the test split), and {helpful} of {n} training samples are predicted to shrink it. Every number below is measured on \
the other {rep} test rows. DP: demographic parity, |P(ŷ=1|A) − P(ŷ=1|B)|; EO: equalised odds, the larger of the TPR and FPR gaps.</p>\
<h2>Findings</h2><ul>{findings}</ul><h2>Trade-off</h2><div class=\"charts\">{dp}{acc}{eo}</div>\
<h2>Per point and method</h2><table>{head}{rows}</table>\
<p>Oracles (dashed; <code>certified</code> lies on its oracle where they coincide): <code>retrain</code> for the network's methods, <code>{co}</code> (the certified model retrained without the samples) \
for <code>certified</code>. Target: the parity gap at most half the original's, at most 1 point of accuracy lost, and an approximate \
method within 0.5 points of its oracle on both.</p></body></html>",
        ds = escape(&r.dataset),
        model = escape(&r.model),
        groups = groups.join("; "),
        estimator = escape(&r.estimator),
        t = escape(&r.target.attribute),
        soft = r.soft_gap_before,
        val = r.validation_samples,
        helpful = r.helpful_samples,
        n = r.train_samples,
        rep = r.report_samples,
        co = CERTIFIED_ORACLE,
    )
}

/// Writes `report.html` and `report.json` into `dir` (created).
pub fn write_report(r: &FairnessReport, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.html"), render_html(r))?;
    let json = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json + "\n")
}
