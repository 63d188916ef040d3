//! The self-contained HTML page for a [`Report`]: inline CSS and inline SVG,
//! no scripts, no external resources, so it can be mailed or archived as is.

use std::fmt::Write as _;

use crate::attacks::AttackResult;
use crate::plots::{accuracy_bars_svg, epsilon_buckets_svg, loss_histogram_svg, roc_svg};
use crate::report::Report;
use crate::verdict::Verdict;

#[path = "html_sections.rs"]
mod html_sections;

/// Every summary metric of the page with its one-line meaning, in table
/// order (attack metrics are added per attack).
pub const METRIC_GLOSSARY: &[(&str, &str)] = &[
    ("forget accuracy", "Share of forget samples classified correctly; should match the retrained model, not drop to 0."),
    ("retain accuracy", "Share of retained training samples classified correctly; utility kept after unlearning."),
    ("test accuracy", "Share of held-out test samples classified correctly; generalisation kept after unlearning."),
    ("avg gap", "Mean |unlearned − retrained| over forget, retain, test accuracy (and MIA efficacy); 0 is ideal."),
    ("JS divergence (forget)", "Mean Jensen–Shannon divergence of unlearned vs retrained predictions on forget samples (0 … ln 2)."),
    ("JS divergence (test)", "The same on test samples: the seed-to-seed baseline to read the forget value against."),
    ("weight L2 unlearned→original", "How far unlearning moved the weights."),
    ("weight L2 unlearned→retrained", "Weight distance to the oracle (large even for good unlearning: training is not unique)."),
    ("weight L2 original→retrained", "Scale for the two distances above."),
    ("relearn steps (unlearned)", "Fine-tuning steps on the forget set to regain the target accuracy; far fewer than the oracle's means hidden memory."),
    ("relearn steps (retrained)", "The oracle's relearn steps, the reference."),
    ("forgetting quality F", "NeurIPS 2023 challenge: mean bucket points of per-sample ε (1 = indistinguishable from retraining)."),
    ("challenge score", "F × (retain acc ratio) × (test acc ratio), unlearned over retrained."),
    ("median per-sample ε", "Median over forget samples of the ε that the best threshold test certifies (0 = indistinguishable)."),
];

const ATTACK_METRICS: [(&str, &str); 4] = [
    (
        "AUC",
        "Area under the attack's ROC curve (0.5 = chance); compare unlearned with retrained.",
    ),
    (
        "accuracy",
        "Attack accuracy on a balanced member/non-member set (0.5 = chance).",
    ),
    (
        "TPR@1%FPR",
        "Members caught while wrongly flagging at most 1 % of non-members.",
    ),
    (
        "TPR@0.1%FPR",
        "Members caught while wrongly flagging at most 0.1 % of non-members (0 unless there are ≥ 1000).",
    ),
];

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.digits$}"))
}

fn steps(x: Option<u64>, budget: u64) -> String {
    x.map_or_else(|| format!("&gt; {budget}"), |v| v.to_string())
}

const CSS: &str = "
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1320px;margin:0 auto;padding:24px}h1{margin:0 0 4px;font-size:26px}h2{margin:0 0 12px;font-size:19px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:16px 0}
.muted{color:var(--muted)}.verdict{border-left:8px solid var(--warn)}.verdict.forgotten{border-left-color:var(--ok)}
.verdict.not_forgotten{border-left-color:var(--bad)}.badge{display:inline-block;font-weight:700;letter-spacing:.04em;
padding:4px 12px;border-radius:999px;color:#fff;background:var(--warn)}.forgotten .badge{background:var(--ok)}
.not_forgotten .badge{background:var(--bad)}.verdict li{margin:3px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;background:none;border:0;padding:0}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 16px}.card .v{font-size:22px;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:12px}svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg)}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.one{text-align:center}
code,.formula{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}.formula{background:var(--bg);padding:10px 14px;border-radius:8px;white-space:pre-wrap}
";

/// Renders the whole report as one HTML page (verdict first, then charts,
/// the ε-score explanation, a table of every metric, inputs and timings).
pub fn render_html(report: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = if report.inputs.title.is_empty() {
        "Unlearning verification"
    } else {
        &report.inputs.title
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head>\
         <body><main><header><h1>{}</h1><p class=\"muted\">{}</p></header>",
        escape(title),
        escape(title),
        escape(&report.inputs.description)
    );
    verdict_section(&mut h, report);
    html_sections::calibration_section(&mut h, report);
    html_sections::owners_section(&mut h, report);
    html_sections::markers_section(&mut h, report);
    cards(&mut h, report);
    charts(&mut h, report);
    challenge_section(&mut h, report);
    metrics_table(&mut h, report);
    inputs_section(&mut h, report);
    h.push_str("<p class=\"muted\">Generated by oubli-verify. Self-contained: no scripts, no external resources.</p></main></body></html>\n");
    h
}

fn verdict_section(h: &mut String, r: &Report) {
    let v = r.verdict.as_str();
    let label = match r.verdict {
        Verdict::Forgotten => "FORGOTTEN",
        Verdict::NotForgotten => "NOT FORGOTTEN",
        Verdict::Inconclusive => "INCONCLUSIVE",
    };
    let _ = write!(h, "<section class=\"verdict {v}\"><span class=\"badge\">{label}</span> <code>verdict: {v}</code><ul>");
    for reason in &r.reasons {
        let _ = write!(h, "<li>{}</li>", escape(reason));
    }
    h.push_str("</ul><p class=\"muted\">Judged against the retrain-from-scratch oracle: forgotten means indistinguishable \
                from a model that never saw the forget set, not merely wrong on it.</p></section>");
}

fn cards(h: &mut String, r: &Report) {
    let a = &r.accuracies;
    let card = |h: &mut String, label: &str, value: String, note: String| {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"muted\">{}</div><div class=\"v\">{value}</div><div class=\"muted\">{note}</div></div>",
            escape(label)
        );
    };
    h.push_str("<section class=\"cards\">");
    let forget_note = format!(
        "retrained {} · original {}",
        pct(a.retrained.forget),
        pct(a.original.forget)
    );
    card(h, "forget accuracy", pct(a.unlearned.forget), forget_note);
    card(
        h,
        "test accuracy",
        pct(a.unlearned.test),
        format!("retrained {}", pct(a.retrained.test)),
    );
    card(
        h,
        "avg gap",
        pct(r.avg_gap),
        "vs retrained, lower is better".into(),
    );
    if let Some(c) = &r.challenge {
        let note = format!(
            "F = {:.3}, {} models/side",
            c.forgetting_quality, c.num_models
        );
        card(h, "challenge score", format!("{:.3}", c.score), note);
    }
    h.push_str("</section>");
}

/// Attack names in first-seen order over the three models.
fn attack_names(r: &Report) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, attacks) in r.attacks.named() {
        for a in attacks {
            if !names.contains(&a.name) {
                names.push(a.name.clone());
            }
        }
    }
    names
}

fn find<'a>(attacks: &'a [AttackResult], name: &str) -> Option<&'a AttackResult> {
    attacks.iter().find(|a| a.name == name)
}

fn charts(h: &mut String, r: &Report) {
    let _ = write!(
        h,
        "<section><h2>Accuracy</h2>{}</section>",
        accuracy_bars_svg(&r.accuracies)
    );
    h.push_str("<section><h2>Loss distributions: forget vs test</h2><p class=\"muted\">A model that forgot treats forget \
                samples like test samples: the red and blue histograms overlap as they do for the retrained model.</p><div class=\"grid\">");
    for (name, s) in r.loss_samples.named() {
        h.push_str(&loss_histogram_svg(name, &s.forget, &s.test));
    }
    h.push_str("</div></section><section><h2>Membership-inference attacks</h2><p class=\"muted\">Each curve is one model \
                under one attack. Goal: the unlearned curve (blue) on top of the retrained one (green); the original \
                (grey) shows what the attack can see.</p><div class=\"grid\">");
    let names = attack_names(r);
    for name in &names {
        let curves: Vec<(&str, &crate::roc::Roc)> = r
            .attacks
            .named()
            .into_iter()
            .filter_map(|(m, list)| find(list, name).map(|a| (m, &a.roc)))
            .collect();
        h.push_str(&roc_svg(name, &curves));
    }
    h.push_str("</div><ul>");
    for name in &names {
        if let Some(a) = r
            .attacks
            .named()
            .into_iter()
            .find_map(|(_, list)| find(list, name))
        {
            let _ = write!(
                h,
                "<li><code>{}</code>: {}</li>",
                escape(name),
                escape(&a.description)
            );
        }
    }
    h.push_str("</ul></section>");
}

fn challenge_section(h: &mut String, r: &Report) {
    h.push_str(
        "<section><h2>NeurIPS 2023 unlearning-challenge score</h2>\
         <p>For each forget sample, N unlearned and N retrained models (different seeds) each give one output. Every \
         threshold rule that tries to tell the two groups apart has a false-positive rate FPR and false-negative rate \
         FNR, and implies</p>\
         <div class=\"formula\">ε = max( ln(1 − δ − FPR) − ln FNR ,  ln(1 − δ − FNR) − ln FPR ),   δ = 10⁻⁵\n\
         ε_sample = max over rules (capped at 50; rules with exactly one zero rate are discarded)\n\
         h(ε) = 2 / 2ⁿ  for ε in bucket n = 1, 2, … of width 0.5  (1, ½, ¼, …), 0 from ε_max = ⌈ln(N − 1)⌉ on\n\
         F = mean of h over the forget set\n\
         Score = F × (RA_unlearned / RA_retrained) × (TA_unlearned / TA_retrained)</div>\
         <p class=\"muted\">ε = 0 means no test separates unlearning from retraining for that sample; RA/TA are retain \
         and test accuracies, so the score also charges for lost utility. With few models per side even identical \
         distributions give ε &gt; 0 (the best of many rules fits noise), so compare F only between runs with the \
         same N (the competition used N = 512).</p>",
    );
    match &r.challenge {
        Some(c) => {
            let _ = write!(
                h,
                "<p>With N = {} models per side: F = <b>{:.4}</b>, score = <b>{:.4}</b> \
                 (RA {} / {}, TA {} / {}).</p>{}",
                c.num_models,
                c.forgetting_quality,
                c.score,
                pct(c.retain_accuracy_unlearned),
                pct(c.retain_accuracy_retrained),
                pct(c.test_accuracy_unlearned),
                pct(c.test_accuracy_retrained),
                epsilon_buckets_svg(c)
            );
        }
        None => h.push_str("<p class=\"muted\">Not computed for this run (it needs several unlearned and retrained models).</p>"),
    }
    h.push_str("</section>");
}

#[path = "html_tables.rs"]
mod tables;
use tables::{inputs_section, metrics_table};

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
