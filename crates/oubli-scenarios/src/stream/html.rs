//! The user-stream scenario's self-contained HTML page (inline CSS and SVG, no scripts)
//! and the JSON beside it.

use super::StreamReport;
use oubli_verify::html::escape;
use oubli_verify::plots_stream::{stream_lines_svg, LineStyle, Series, YAxis};
use std::fmt::Write as _;
use std::path::Path;

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn opt_pct(x: Option<f64>) -> String {
    x.map(pct).unwrap_or_else(|| "–".into())
}

/// One solid line per policy (starting at request 0 with `at_start`), then the extras.
fn policy_lines(
    r: &StreamReport,
    at_start: impl Fn(&super::PolicyTrace) -> Option<f64>,
    value: impl Fn(&super::StreamStep) -> Option<f64>,
) -> Vec<Series> {
    r.policies
        .iter()
        .map(|t| Series {
            name: t.policy.clone(),
            points: at_start(t)
                .map(|v| (0.0, v))
                .into_iter()
                .chain(
                    t.steps
                        .iter()
                        .filter_map(|s| value(s).map(|v| (s.request as f64, v))),
                )
                .collect(),
            style: LineStyle::Solid,
        })
        .collect()
}

fn oracle_markers(r: &StreamReport, value: impl Fn(&super::OraclePoint) -> Option<f64>) -> Series {
    Series {
        name: "oracle (retrained, at checkpoints)".into(),
        points: r
            .oracle
            .iter()
            .filter_map(|o| value(o).map(|v| (o.request as f64, v)))
            .collect(),
        style: LineStyle::Markers,
    }
}

fn baseline(values: &[f64]) -> Series {
    Series {
        name: "retrain each request (computed)".into(),
        points: std::iter::once((0.0, 0.0))
            .chain(values.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v)))
            .collect(),
        style: LineStyle::Dashed,
    }
}

fn charts(r: &StreamReport) -> String {
    let x = r.requests;
    let mut seconds = policy_lines(r, |_| Some(0.0), |s| Some(s.cumulative_seconds));
    seconds.push(baseline(&r.retrain_each_request.cumulative_seconds));
    let mut grads = policy_lines(
        r,
        |_| Some(0.0),
        |s| Some(s.cumulative_sample_gradients as f64),
    );
    let g: Vec<f64> = r
        .retrain_each_request
        .cumulative_sample_gradients
        .iter()
        .map(|&v| v as f64)
        .collect();
    grads.push(baseline(&g));
    let mut test = policy_lines(
        r,
        |t| Some(t.start.test_accuracy),
        |s| Some(s.measured.test_accuracy),
    );
    test.push(oracle_markers(r, |o| Some(o.measured.test_accuracy)));
    let mut forget = policy_lines(r, |_| None, |s| s.measured.forget_accuracy);
    forget.push(oracle_markers(r, |o| o.measured.forget_accuracy));
    let mut auc = policy_lines(r, |_| None, |s| s.measured.membership_auc);
    auc.push(oracle_markers(r, |o| o.measured.membership_auc));
    [
        stream_lines_svg(
            "Cumulative compute: seconds",
            "seconds",
            YAxis::Count,
            x,
            &seconds,
        ),
        stream_lines_svg(
            "Cumulative compute: sample-gradient evaluations",
            "sample gradients",
            YAxis::Count,
            x,
            &grads,
        ),
        stream_lines_svg("Test accuracy", "accuracy", YAxis::Percent, x, &test),
        stream_lines_svg(
            "Accuracy on the deleted owners' samples",
            "accuracy",
            YAxis::Percent,
            x,
            &forget,
        ),
        stream_lines_svg(
            "Membership signal: loss-threshold AUC, deleted owners vs test",
            "AUC",
            YAxis::Fraction,
            x,
            &auc,
        ),
    ]
    .join("\n")
}

fn table(r: &StreamReport) -> String {
    let mut rows = String::new();
    for t in &r.policies {
        let (s, g) = t.total();
        let last = t.steps.last();
        let gap = t.oracle_gaps.last();
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.policy),
            escape(&t.kind),
            s,
            g,
            pct(t.start.test_accuracy),
            last.map(|l| pct(l.measured.test_accuracy)).unwrap_or_else(|| "–".into()),
            last.map(|l| opt_pct(l.measured.forget_accuracy)).unwrap_or_else(|| "–".into()),
            last.and_then(|l| l.measured.membership_auc)
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "–".into()),
            gap.map(|g| format!("{:+.2} / {:+.2} pts", 100.0 * g.test, 100.0 * g.forget))
                .unwrap_or_else(|| "–".into()),
            if t.reaches_oracle { "yes" } else { "no" }
        );
        if let Some(f) = &t.failed {
            let _ = write!(
                rows,
                "<tr><td></td><td colspan=\"9\">stopped: {}</td></tr>",
                escape(f)
            );
        }
    }
    let mut oracle = String::new();
    for o in &r.oracle {
        let _ = write!(
            oracle,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td></tr>",
            o.request,
            pct(o.measured.test_accuracy),
            opt_pct(o.measured.forget_accuracy),
            o.measured
                .membership_auc
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "–".into()),
            o.seconds,
            o.sample_gradients
        );
    }
    format!(
        "<h2>Per policy, after the last request</h2><table><tr><th>policy</th><th>model</th><th>seconds</th><th>sample gradients</th>\
<th>test before</th><th>test after</th><th>deleted owners' acc.</th><th>membership AUC</th><th>vs oracle (test / deleted)</th><th>reaches oracle</th></tr>{rows}</table>\
<h2>Oracle checkpoints</h2><table><tr><th>after request</th><th>test</th><th>deleted owners' acc.</th><th>membership AUC</th><th>train seconds</th><th>sample gradients</th></tr>{oracle}</table>"
    )
}

/// The page for `r`.
pub fn render_html(r: &StreamReport) -> String {
    let findings: String = r
        .findings
        .iter()
        .map(|f| format!("<li>{}</li>", escape(f)))
        .collect();
    let deleted: usize = r.owner_samples.iter().sum();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oubli: user deletion stream on {ds}</title>\
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse;margin-bottom:1em}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}svg{{display:block;margin:1em 0}}</style></head><body>\
<h1>User deletion stream: {ds} · {model}</h1>\
<p>{n} requests, each deleting every training sample of one owner ({deleted} of {train} samples in all), applied one by one under each policy. \
<b>sisa</b>: an ensemble of {shards} shards × {slices} slices sharded by owner, exact per request. <b>approx+retrain</b>: <code>{method}</code> per request, \
a full retrain after every {k} approximate requests (the deletion worker's policy and its decision rule). <b>approx-only</b>: <code>{method}</code>, never a retrain. \
<b>certified</b>: a certified-removal linear model (Guo et al. 2020), a Newton step per request within an (ε, δ) budget. \
Every update goes through the engine's <code>apply</code>, as the CLI and the worker do.</p>\
<p>The oracle is a network of the same architecture retrained on the training data minus every owner deleted so far. Retraining it after every request costs \
what the dashed baseline shows, so it is measured at checkpoints only: every {every} requests and after the last (markers). Compute is the updates' own seconds \
and sample-gradient evaluations (training the starting models is not counted; <code>certified</code> does no gradient training, so its count is 0: compare it in seconds). \
The membership signal is the AUC of a loss threshold telling the deleted owners' samples from the test split; the oracle's AUC is the level that means \"never seen\".</p>\
<h2>Findings</h2><ul>{findings}</ul>{charts}{table}\
<p>Reaches oracle: at every checkpoint test accuracy within {tt:.0} point, the deleted owners' accuracy within {ft:.0} points and the AUC within {at:.2} of the oracle's.</p>\
</body></html>",
        ds = escape(&r.dataset),
        model = escape(&r.model),
        n = r.requests,
        train = r.train_samples,
        shards = r.sisa_shards,
        slices = r.sisa_slices,
        method = escape(&r.approximate_method),
        k = r.retrain_every,
        every = r.oracle_every,
        charts = charts(r),
        table = table(r),
        tt = 100.0 * r.tolerances[0],
        ft = 100.0 * r.tolerances[1],
        at = r.tolerances[2],
    )
}

/// Writes `report.html` and `report.json` into `dir` (created).
pub fn write_report(r: &StreamReport, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.html"), render_html(r))?;
    let json = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json + "\n")
}
