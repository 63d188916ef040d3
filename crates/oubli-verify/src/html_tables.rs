//! The metric table and the inputs/thresholds/timings table of the page.

use std::fmt::Write as _;

use super::{attack_names, escape, find, opt, pct, steps, ATTACK_METRICS, METRIC_GLOSSARY};
use crate::report::Report;

fn median(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    })
}

fn row3(h: &mut String, name: &str, values: [String; 3], meaning: &str) {
    let _ = write!(
        h,
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"muted\">{}</td></tr>",
        escape(name),
        values[0],
        values[1],
        values[2],
        escape(meaning)
    );
}

fn row1(h: &mut String, name: &str, value: String) {
    let meaning = METRIC_GLOSSARY
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, m)| m);
    let _ = write!(
        h,
        "<tr><td>{}</td><td class=\"n one\" colspan=\"3\">{value}</td><td class=\"muted\">{}</td></tr>",
        escape(name),
        escape(meaning)
    );
}

pub(super) fn metrics_table(h: &mut String, r: &Report) {
    h.push_str("<section><h2>All metrics</h2><table><thead><tr><th>metric</th><th>original</th><th>unlearned</th>\
                <th>retrained</th><th>meaning</th></tr></thead><tbody>");
    let a = &r.accuracies;
    for (i, set) in ["forget", "retain", "test"].iter().enumerate() {
        let get = |s: &crate::verdict::SetAccuracies| pct([s.forget, s.retain, s.test][i]);
        row3(
            h,
            &format!("{set} accuracy"),
            [get(&a.original), get(&a.unlearned), get(&a.retrained)],
            METRIC_GLOSSARY[i].1,
        );
    }
    for name in attack_names(r) {
        let per = r.attacks.named().map(|(_, list)| find(list, &name));
        for (metric, meaning) in ATTACK_METRICS {
            let values = per.map(|a| {
                a.map_or_else(
                    || "—".to_string(),
                    |a| match metric {
                        "AUC" => format!("{:.3}", a.auc),
                        "accuracy" => pct(a.accuracy),
                        "TPR@1%FPR" => pct(a.tpr_at_1pct_fpr),
                        _ => pct(a.tpr_at_0_1pct_fpr),
                    },
                )
            });
            row3(h, &format!("{name} {metric}"), values, meaning);
        }
        if per
            .iter()
            .flatten()
            .any(|a| a.extra.contains_key("mia_efficacy"))
        {
            let values = per.map(|a| opt(a.and_then(|a| a.extra.get("mia_efficacy").copied()), 3));
            row3(
                h,
                &format!("{name} mia_efficacy"),
                values,
                "Share of forget samples the attack calls non-members; compare with retrained.",
            );
        }
    }
    row1(h, "avg gap", pct(r.avg_gap));
    row1(h, "JS divergence (forget)", opt(r.js_divergence_forget, 4));
    row1(h, "JS divergence (test)", opt(r.js_divergence_test, 4));
    let w = r.weight_l2.unwrap_or_default();
    row1(
        h,
        "weight L2 unlearned→original",
        opt(w.unlearned_to_original, 3),
    );
    row1(
        h,
        "weight L2 unlearned→retrained",
        opt(w.unlearned_to_retrained, 3),
    );
    row1(
        h,
        "weight L2 original→retrained",
        opt(w.original_to_retrained, 3),
    );
    let (ru, rr) = match &r.relearn_steps {
        Some(s) => (steps(s.unlearned, s.budget), steps(s.retrained, s.budget)),
        None => ("—".into(), "—".into()),
    };
    row1(h, "relearn steps (unlearned)", ru);
    row1(h, "relearn steps (retrained)", rr);
    let c = r.challenge.as_ref();
    row1(
        h,
        "forgetting quality F",
        opt(c.map(|c| c.forgetting_quality), 4),
    );
    row1(h, "challenge score", opt(c.map(|c| c.score), 4));
    row1(
        h,
        "median per-sample ε",
        opt(c.and_then(|c| median(&c.per_sample_epsilon)), 3),
    );
    h.push_str("</tbody></table></section>");
}

pub(super) fn inputs_section(h: &mut String, r: &Report) {
    h.push_str("<section><h2>Inputs, thresholds and timings</h2><table><tbody>");
    for (k, v) in &r.inputs.details {
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    let t = &r.thresholds;
    let _ = write!(
        h,
        "<tr><th>verdict thresholds</th><td>forget-accuracy gap ≤ {}, attack power margin {:.3}, AUC margin {:.3}, \
         max JS (forget) {}</td></tr>",
        pct(t.accuracy_gap_tolerance),
        t.power_margin,
        t.auc_margin,
        opt(t.max_js_divergence_forget, 4)
    );
    for (k, v) in &r.timings {
        let _ = write!(h, "<tr><th>time: {}</th><td>{v:.1} s</td></tr>", escape(k));
    }
    h.push_str("</tbody></table></section>");
}
