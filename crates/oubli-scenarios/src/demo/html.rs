//! The tour's index page (`report.html`: self-contained, inline CSS and SVG, no scripts)
//! with an anchor for every part, the JSON beside it, and each audit's own report in
//! `REQUEST/METHOD/`.

use super::{DemoReport, MethodResult, RequestKind, RequestResult};
use oubli_verify::html::escape;
use oubli_verify::plots::grouped_bars_svg;
use std::fmt::Write as _;
use std::path::Path;

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The anchor of one method's row.
pub fn method_anchor(request: RequestKind, method: &str) -> String {
    format!("{}-{method}", request.key())
}

fn method_row(q: &RequestResult, m: &MethodResult) -> String {
    let poison = q.request.kind == RequestKind::Poison;
    let verdict = match &m.report {
        Some(path) => format!("<a href=\"{}\">{}</a>", escape(path), m.verdict.as_str()),
        None => m.verdict.as_str().to_string(),
    };
    let reasons: String = m
        .reasons
        .iter()
        .map(|r| format!("<li>{}</li>", escape(r)))
        .collect();
    format!(
        "<tr id=\"{anchor}\"><td>{method}</td><td>{model}</td><td>{forget}</td><td>{test}</td>{asr}<td class=\"v-{vclass}\">{verdict}</td>\
<td>{secs:.2}</td><td>{grads}</td><td>{vsecs:.2}</td></tr>\
<tr><td colspan=\"{span}\" class=\"why\"><details><summary>{how}</summary><ul>{reasons}</ul></details></td></tr>",
        anchor = method_anchor(q.request.kind, &m.method),
        method = escape(&m.method),
        model = m.model,
        forget = pct(m.after.forget_accuracy),
        test = pct(m.after.test_accuracy),
        asr = if poison {
            format!("<td>{}</td>", pct(m.after.attack_success))
        } else {
            String::new()
        },
        vclass = m.verdict.as_str(),
        secs = m.seconds,
        grads = m.sample_gradients,
        vsecs = m.verify_seconds,
        span = if poison { 9 } else { 8 },
        how = escape(&m.verification),
    )
}

fn request_section(q: &RequestResult) -> String {
    let poison = q.request.kind == RequestKind::Poison;
    let mut series = vec!["forget accuracy", "test accuracy"];
    if poison {
        series.push("attack success");
    }
    let values = |forget: f64, test: f64, asr: f64| {
        let mut v = vec![forget, test];
        if poison {
            v.push(asr);
        }
        v
    };
    let b = &q.before_plain;
    let mut groups = vec![(
        "before".to_string(),
        values(b.forget_accuracy, b.test_accuracy, b.attack_success),
    )];
    groups.extend(q.methods.iter().map(|m| {
        (
            m.method.clone(),
            values(
                m.after.forget_accuracy,
                m.after.test_accuracy,
                m.after.attack_success,
            ),
        )
    }));
    let chart = grouped_bars_svg(&format!("Forget {}", q.request.title), &series, &groups);
    let mut rows = String::new();
    for (name, m) in [
        ("before (plain)", &q.before_plain),
        ("before (sisa)", &q.before_sisa),
    ] {
        let _ = write!(
            rows,
            "<tr class=\"before\"><td>{name}</td><td></td><td>{}</td><td>{}</td>{}<td></td><td></td><td></td><td></td></tr>",
            pct(m.forget_accuracy),
            pct(m.test_accuracy),
            if poison {
                format!("<td>{}</td>", pct(m.attack_success))
            } else {
                String::new()
            }
        );
    }
    for m in &q.methods {
        rows += &method_row(q, m);
    }
    format!(
        "<section id=\"request-{key}\"><h2>Request: forget {title}</h2>{chart}\
<table><tr><th>method</th><th>model</th><th>forget acc</th><th>test acc</th>{asr}<th>verdict</th><th>seconds</th><th>sample gradients</th><th>verify s</th></tr>{rows}</table>\
<p class=\"note\">Shared audit evidence for this request: {prep:.2} s.</p></section>",
        key = q.request.kind.key(),
        title = escape(&q.request.title),
        asr = if poison { "<th>ASR</th>" } else { "" },
        prep = q.audit_prepare_seconds,
    )
}

/// The page for `r`.
pub fn render_html(r: &DemoReport) -> String {
    let mut toc = String::from(
        "<li><a href=\"#plain\">plain model</a></li><li><a href=\"#sisa\">SISA model</a></li>",
    );
    let mut sections = String::new();
    for q in &r.requests {
        let methods: String = q
            .methods
            .iter()
            .map(|m| {
                format!(
                    "<a href=\"#{}\">{}</a> ({})",
                    method_anchor(q.request.kind, &m.method),
                    escape(&m.method),
                    m.verdict.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join(" · ");
        let _ = write!(
            toc,
            "<li><a href=\"#request-{}\">forget {}</a>: {methods}</li>",
            q.request.kind.key(),
            escape(&q.request.title)
        );
        sections += &request_section(q);
    }
    toc += "<li><a href=\"#findings\">findings</a></li>";
    let models: String = r
        .models
        .iter()
        .map(|m| {
            format!(
                "<tr id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td><code>{}</code></td></tr>",
                m.name,
                m.name,
                escape(&m.description),
                pct(m.test_accuracy),
                pct(m.attack_success),
                m.seconds,
                escape(&m.weights_sha256[..m.weights_sha256.len().min(16)])
            )
        })
        .collect();
    let findings: String = r
        .findings
        .iter()
        .map(|f| format!("<li>{}</li>", escape(f)))
        .collect();
    let p = &r.backdoor;
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oubli demo: {ds}</title>\
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse;margin:0.5em 0}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}\
td.why{{text-align:left;border-top:none;font-size:0.85em;color:#555}}tr.before td{{color:#666;font-style:italic}}\
.v-forgotten{{color:#176c2b;font-weight:bold}}.v-not_forgotten{{color:#a4161a;font-weight:bold}}.v-inconclusive{{color:#8a6d00;font-weight:bold}}\
.note{{color:#555;font-size:0.9em}}:target{{background:#fff6cc}}</style></head><body>\
<h1>oubli demo: {ds} · {model}</h1>\
<p>{train} training and {test} test images of the embedded digits set; a BadNets trigger ({size}×{size} square at the bottom right) \
is stamped on {poisoned} training images relabelled to class {target}. Two models are trained on that data and three deletion \
requests are forgotten with every method, each result verified. Seed {seed}; {secs:.1} s in all.</p>\
<h2>Contents</h2><ul>{toc}</ul>\
<h2 id=\"models\">Models</h2><table><tr><th>model</th><th>what</th><th>test acc</th><th>ASR</th><th>train s</th><th>weights_sha256</th></tr>{models}</table>\
{sections}<section id=\"findings\"><h2>Findings</h2><ul>{findings}</ul></section>\
<p class=\"note\">Forget acc: accuracy on the request's forget set (the retrain oracle's value is what the model generalises, not what it \
memorised). ASR: share of triggered test images of the other classes classified as the target. Verdicts of single networks link to their \
full <code>oubli verify</code> report; SISA is verified by its exactness promise. Each method's details list the verdict's reasons.</p>\
</body></html>",
        ds = escape(&r.dataset),
        model = escape(&r.model),
        train = r.train_samples,
        test = r.test_samples,
        size = p.trigger_size,
        poisoned = r.poisoned_samples,
        target = p.target,
        seed = r.seed,
        secs = r.seconds,
    )
}

/// Writes `report.html`, `report.json` and every audit's report (`REQUEST/METHOD/`) into
/// `dir` (created).
pub fn write_report(r: &DemoReport, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (key, audit) in &r.audits {
        let sub = dir.join(key);
        std::fs::create_dir_all(&sub)?;
        audit.write_to_dir(&sub).map_err(std::io::Error::other)?;
    }
    std::fs::write(dir.join("report.html"), render_html(r))?;
    let json = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json + "\n")
}
