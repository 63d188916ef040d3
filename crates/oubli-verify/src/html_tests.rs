//! Tests of the rendered page.

use super::*;

#[test]
fn example_page_has_everything_and_loads_nothing() {
    let report = Report::example();
    let html = render_html(&report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Accuracy bars + 3 histograms + one ROC per attack + ε buckets.
    let attacks = attack_names(&report).len();
    assert_eq!(html.matches("<svg").count(), 1 + 3 + attacks + 1);
    assert!(html.contains("verdict: forgotten") && html.contains("FORGOTTEN"));
    for reason in &report.reasons {
        assert!(html.contains(&escape(reason)), "missing reason {reason}");
    }
    for (name, _) in METRIC_GLOSSARY {
        assert!(html.contains(&escape(name)), "missing metric {name}");
    }
    for name in attack_names(&report) {
        for (metric, _) in ATTACK_METRICS {
            assert!(
                html.contains(&escape(&format!("{name} {metric}"))),
                "missing {name} {metric}"
            );
        }
    }
    assert!(html.contains("mia_efficacy") && html.contains("ln(1 − δ − FPR)"));
    // One row per owner, with p-values, and the calibrated verdict.
    assert!(html.contains("Per-owner tests") && html.contains("<td>alice</td>"));
    assert!(html.contains("&lt; 0.001") && html.contains("<code>not_forgotten</code>"));
    assert!(html.contains("Calibrated verdict") && html.contains("prediction interval"));
    assert!(html.contains("TPR@0.1%FPR"));
    // Self-contained: no URL at all, no scripts, no external references.
    assert!(!html.contains("http"));
    for needle in ["<script", "<link", "src=", "href=", "url(", "@import"] {
        assert!(!html.contains(needle), "found {needle}");
    }
    // User text is escaped (the example title contains <synthetic> and &).
    assert!(html.contains("&lt;synthetic&gt;") && !html.contains("<synthetic>"));
    assert!(html.contains("report &amp; page"));
}

#[test]
fn escape_covers_html_specials() {
    assert_eq!(
        escape("<a href='x'>&\"</a>"),
        "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
    );
}

#[test]
fn page_without_optional_parts_still_renders() {
    let mut report = Report::example();
    report.challenge = None;
    report.weight_l2 = None;
    report.relearn_steps = None;
    report.verdict = Verdict::NotForgotten;
    let html = render_html(&report);
    assert!(html.contains("NOT FORGOTTEN") && html.contains("Not computed for this run"));
    assert!(html.contains("challenge score"));
}
