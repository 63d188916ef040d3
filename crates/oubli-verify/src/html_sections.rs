//! The page's owner-level and calibrated-verdict sections.

use std::fmt::Write as _;

use super::escape;
use crate::report::Report;

fn p_value(p: f64) -> String {
    if p < 0.001 {
        "&lt; 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// One row per owner: samples, the three p-values and the owner's verdict.
pub(super) fn owners_section(h: &mut String, r: &Report) {
    if r.owner_tests.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<section><h2>Per-owner tests</h2><p class=\"muted\">One test per owner of forget samples: the sum of the \
         owner's per-sample LiRA log likelihood ratios against sums of non-members with the same classes. A small \
         p-value means the owner's samples still look like training members. Level α = {:.3}: an owner is \
         <code>not_forgotten</code> when the test sees them in the original and the unlearned model but not in the \
         retrained one; <code>inconclusive</code> when it does not see them in the original, or sees them in the \
         retrained model too.</p><table><thead><tr><th>owner</th><th>samples</th><th>p original</th>\
         <th>p unlearned</th><th>p retrained</th><th>verdict</th></tr></thead><tbody>",
        r.owner_alpha
    );
    for o in &r.owner_tests {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td><code>{}</code></td></tr>",
            escape(&o.owner),
            o.samples,
            p_value(o.p_original),
            p_value(o.p_unlearned),
            p_value(o.p_retrained),
            o.verdict
        );
    }
    h.push_str("</tbody></table></section>");
}

/// The calibrated verdict: per statistic, the retrains' interval and where
/// the original and unlearned models fall.
pub(super) fn calibration_section(h: &mut String, r: &Report) {
    let Some(c) = &r.calibration else {
        return;
    };
    let _ = write!(
        h,
        "<section><h2>Calibrated verdict: <code>{}</code></h2><p class=\"muted\">Against {} retrains from different \
         seeds: each statistic's {:.0} % prediction interval for a fresh retrain (Bonferroni over the statistics). \
         Leave-one-out, a fresh retrain passes {:.0} % of the time and a noop fails {:.0} % of the time.</p><ul>",
        c.verdict,
        c.oracles,
        100.0 * (1.0 - c.alpha),
        100.0 * c.retrain_pass_rate,
        100.0 * c.noop_fail_rate
    );
    for reason in &c.reasons {
        let _ = write!(h, "<li>{}</li>", escape(reason));
    }
    h.push_str(
        "</ul><table><thead><tr><th>statistic</th><th>retrains (mean ± sd)</th><th>interval</th><th>original</th>\
         <th>unlearned</th><th>outcome</th></tr></thead><tbody>",
    );
    for s in &c.statistics {
        let outcome = match (s.powerful, s.fails) {
            (false, _) => "no power",
            (true, true) => "outside: fails",
            (true, false) => "inside: passes",
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{:.3} ± {:.3}</td><td class=\"n\">[{:.3}, {:.3}]</td>\
             <td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td><td>{outcome}</td></tr>",
            escape(&s.name),
            s.oracle_mean,
            s.oracle_std,
            s.oracle_mean - s.half_width,
            s.oracle_mean + s.half_width,
            s.original,
            s.unlearned
        );
    }
    h.push_str("</tbody></table></section>");
}

/// One row per marked owner: hits of their trigger and p-values on the three models.
pub(super) fn markers_section(h: &mut String, r: &Report) {
    let Some(m) = &r.markers else {
        return;
    };
    let _ = write!(
        h,
        "<section><h2>Data subjects' markers</h2><p class=\"muted\">Athena (Sommer et al. 2022): each owner below \
         stamped a personal trigger on some of their training samples, relabelled to a personal target class. Each \
         model is queried with the trigger on held-out inputs of other classes; the p-value is the binomial chance of \
         at least that many target answers at the base rate: control triggers on the same inputs, or the retrained \
         oracle on the owner's trigger, whichever answers the target more often. A small p-value \
         means the model <em>still reacts</em>. Level α = {:.3}. The test's own error rates on this request: FPR \
         {:.2} (owners it calls forgotten on the original, which holds their data), FNR {:.2} (owners it calls still \
         reacting on the retrained oracle).</p><table><thead><tr><th>owner</th><th>target</th><th>marked</th>\
         <th>hits unlearned</th><th>base rate</th><th>p original</th><th>p unlearned</th><th>p retrained</th>\
         <th>verdict</th></tr></thead><tbody>",
        m.alpha, m.fpr, m.fnr
    );
    for o in &m.owners {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}/{}</td>\
             <td class=\"n\">{:.3}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td><code>{}</code></td></tr>",
            escape(&o.owner),
            o.target,
            o.marked_samples,
            o.unlearned.counts.hits,
            o.unlearned.counts.queries,
            o.unlearned.base_rate,
            p_value(o.original.p_value),
            p_value(o.unlearned.p_value),
            p_value(o.retrained.p_value),
            escape(&o.verdict)
        );
    }
    h.push_str("</tbody></table></section>");
}
