//! Inline SVG charts for the HTML report, drawn with plotters' SVG backend
//! into a `String`. Text is emitted as `<text>` (plotters' font features are
//! off, so no font library is loaded); the browser renders it.

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::epsilon::{max_epsilon_for_models, ChallengeScore, BUCKET_WIDTH};
use crate::report::PerModel;
use crate::roc::Roc;
use crate::verdict::SetAccuracies;

#[path = "plots_line.rs"]
mod line;
pub use line::{line_chart_svg, Line};

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type DrawResult = Result<(), Box<dyn Error>>;

pub(crate) const FONT: &str = "sans-serif";
/// Colours of the three models (grey / blue / green) and two sets.
const ORIGINAL: RGBColor = RGBColor(127, 127, 127);
const UNLEARNED: RGBColor = RGBColor(31, 119, 180);
const RETRAINED: RGBColor = RGBColor(44, 160, 44);
const FORGET: RGBColor = RGBColor(214, 39, 40);
const TEST: RGBColor = RGBColor(31, 119, 180);
pub(crate) const EXTRA: [RGBColor; 3] = [
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];
/// Minor grid lines: barely there, so the data stands out.
pub(crate) const FAINT: RGBColor = RGBColor(246, 246, 246);
const SET_NAMES: [&str; 3] = ["forget", "retain", "test"];

/// The colour used for a model name (`original`, `unlearned`, `retrained`).
fn model_color(name: &str, index: usize) -> RGBColor {
    match name {
        "original" => ORIGINAL,
        "unlearned" => UNLEARNED,
        "retrained" => RETRAINED,
        _ => EXTRA[index % EXTRA.len()],
    }
}

/// Runs `draw` on a white `w × h` SVG canvas and returns the SVG text
/// without the `xmlns` attribute (inline SVG in HTML does not need it). A
/// drawing error yields a small SVG stating the error instead of a panic.
pub(crate) fn render(w: u32, h: u32, draw: impl FnOnce(&Area) -> DrawResult) -> String {
    let mut buf = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Into::into)
            .and_then(|_| draw(&root))
            .and_then(|_| Ok(root.present()?))
    };
    match result {
        Ok(()) => buf.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1),
        Err(e) => message_svg(w, h, &format!("plot failed: {e}")),
    }
}

/// A plain SVG holding one line of (escaped) text.
fn message_svg(w: u32, h: u32, text: &str) -> String {
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><text x=\"10\" y=\"{}\" font-family=\"{FONT}\" \
         font-size=\"14\" fill=\"#555\">{}</text></svg>",
        h / 2,
        crate::html::escape(text)
    )
}

pub(crate) fn caption_style() -> TextStyle<'static> {
    (FONT, 16).into_font().color(&RGBColor(40, 40, 40))
}

/// Grouped bars: accuracy of original / unlearned / retrained on forget,
/// retain and test.
pub fn accuracy_bars_svg(acc: &PerModel<SetAccuracies>) -> String {
    render(720, 320, |root| {
        // Slots: per set three bars, one gap between sets → 11 slots; a
        // segmented 0..n range has n + 1 slots.
        let mut chart = ChartBuilder::on(root)
            .caption("Accuracy by set", caption_style())
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d((0i32..10).into_segmented(), 0.0..1.32f64)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FAINT)
            .x_labels(12)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if i % 4 == 1 => SET_NAMES[(*i / 4) as usize].to_string(),
                _ => String::new(),
            })
            // Headroom above 100 % holds the legend; no tick labels there.
            .y_label_formatter(&|v| {
                if *v <= 1.0 + 1e-9 {
                    format!("{:.0}%", 100.0 * v)
                } else {
                    String::new()
                }
            })
            .y_desc("accuracy")
            .draw()?;
        for (m, (name, a)) in acc.named().into_iter().enumerate() {
            let color = model_color(name, m);
            let values = [a.forget, a.retain, a.test];
            let bars = values.iter().enumerate().map(|(s, &v)| {
                let x = (4 * s + m) as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0.0),
                        (SegmentValue::Exact(x + 1), v.clamp(0.0, 1.0)),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 2, 2);
                bar
            });
            chart.draw_series(bars)?.label(name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
            });
            let label_style = (FONT, 10)
                .into_font()
                .color(&RGBColor(60, 60, 60))
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(values.iter().enumerate().map(|(s, &v)| {
                let x = (4 * s + m) as i32;
                Text::new(
                    format!("{:.0}", 100.0 * v),
                    (SegmentValue::CenterOf(x), v.clamp(0.0, 1.0) + 0.01),
                    label_style.clone(),
                )
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// Share of each sample set per bin, on shared bins over
/// [min, 99th percentile] of the pooled finite losses (larger losses go in
/// the last bin, so one huge loss cannot squash the plot).
fn histogram(forget: &[f32], test: &[f32], bins: usize) -> Option<(f64, f64, Vec<f64>, Vec<f64>)> {
    let mut pooled: Vec<f64> = forget
        .iter()
        .chain(test)
        .map(|&x| x as f64)
        .filter(|x| x.is_finite())
        .collect();
    if pooled.is_empty() {
        return None;
    }
    pooled.sort_by(f64::total_cmp);
    let lo = pooled[0];
    let mut hi = pooled[((pooled.len() - 1) as f64 * 0.99).round() as usize];
    if hi <= lo {
        hi = lo + 1.0;
    }
    let width = (hi - lo) / bins as f64;
    let shares = |v: &[f32]| {
        let finite: Vec<f64> = v
            .iter()
            .map(|&x| x as f64)
            .filter(|x| x.is_finite())
            .collect();
        let mut h = vec![0.0; bins];
        for x in &finite {
            h[(((x - lo) / width).floor().max(0.0) as usize).min(bins - 1)] +=
                1.0 / finite.len() as f64;
        }
        h
    };
    Some((lo, hi, shares(forget), shares(test)))
}

/// Overlaid histograms of per-sample losses, forget (red) vs test (blue),
/// each normalised to its own size.
pub fn loss_histogram_svg(title: &str, forget: &[f32], test: &[f32]) -> String {
    const BINS: usize = 30;
    let Some((lo, hi, hf, ht)) = histogram(forget, test, BINS) else {
        return message_svg(400, 280, &format!("{title}: no loss samples"));
    };
    let width = (hi - lo) / BINS as f64;
    let top = hf.iter().chain(&ht).fold(0.0f64, |a, &b| a.max(b)) * 1.12 + 1e-9;
    render(400, 280, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, caption_style())
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(lo..hi, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FAINT)
            .x_labels(6)
            .y_labels(5)
            .x_desc("per-sample loss")
            .y_desc("share of samples")
            .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .draw()?;
        for (name, shares, color) in [("forget", &hf, FORGET), ("test", &ht, TEST)] {
            let bars = shares.iter().enumerate().map(move |(i, &s)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, s)], color.mix(0.45).filled())
            });
            chart.draw_series(bars)?.label(name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.mix(0.6).filled())
            });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// ROC curves of one attack on several models, with the chance diagonal.
/// `curves` pairs a model name (which picks the colour) with its curve.
pub fn roc_svg(title: &str, curves: &[(&str, &Roc)]) -> String {
    render(400, 360, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, caption_style())
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_desc("false-positive rate")
            .y_desc("true-positive rate")
            .light_line_style(FAINT)
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            6,
            4,
            RGBColor(160, 160, 160).stroke_width(1),
        ))?;
        for (i, (name, roc)) in curves.iter().enumerate() {
            let color = model_color(name, i);
            let points: Vec<(f64, f64)> = roc
                .fpr
                .iter()
                .copied()
                .zip(roc.tpr.iter().copied())
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))?
                .label(format!("{name} (AUC {:.3})", roc.auc))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// Bars: how many forget samples fall in each ε bucket of the challenge
/// score (the last bar is ε ≥ ε_max, worth 0 points).
pub fn epsilon_buckets_svg(challenge: &ChallengeScore) -> String {
    let max_eps = max_epsilon_for_models(challenge.num_models);
    let buckets = (max_eps / BUCKET_WIDTH).round() as usize;
    let mut counts = vec![0usize; buckets + 1];
    for &e in &challenge.per_sample_epsilon {
        let b = if e.is_nan() || e >= max_eps {
            buckets
        } else {
            (e.max(0.0) / BUCKET_WIDTH).floor() as usize
        };
        counts[b.min(buckets)] += 1;
    }
    let top = (*counts.iter().max().unwrap_or(&1)).max(1) as f64 * 1.15;
    render(640, 280, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Forget samples per ε bucket", caption_style())
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d((0i32..buckets as i32).into_segmented(), 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FAINT)
            .x_labels(buckets + 2)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if (*i as usize) < buckets => {
                    format!("{:.1}", *i as f64 * BUCKET_WIDTH)
                }
                SegmentValue::CenterOf(i) if *i as usize == buckets => format!("≥{max_eps:.0}"),
                _ => String::new(),
            })
            .y_label_formatter(&|v| {
                if v.fract() == 0.0 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .x_desc("ε bucket start (points: 1, ½, ¼, …; last bar 0)")
            .y_desc("forget samples")
            .draw()?;
        chart.draw_series(counts.iter().enumerate().map(|(i, &c)| {
            let color = if i == buckets { FORGET } else { RETRAINED };
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i as i32), 0.0),
                    (SegmentValue::Exact(i as i32 + 1), c as f64),
                ],
                color.mix(0.8).filled(),
            );
            bar.set_margin(0, 0, 3, 3);
            bar
        }))?;
        Ok(())
    })
}

/// Grouped bars of shares in [0, 1]: one group per name (x axis), one bar per series,
/// each labelled with its percentage. For scenario reports (e.g. attack success and clean
/// accuracy per method).
pub fn grouped_bars_svg(title: &str, series: &[&str], groups: &[(String, Vec<f64>)]) -> String {
    let per = series.len().max(1) as i32;
    let slots = groups.len() as i32 * (per + 1);
    let width = (160 + 26 * slots).clamp(480, 1100) as u32;
    render(width, 340, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, caption_style())
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d((0i32..slots.max(1)).into_segmented(), 0.0..1.32f64)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FAINT)
            .x_labels(slots.max(1) as usize + 1)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if i % (per + 1) == 0 => groups
                    .get((*i / (per + 1)) as usize)
                    .map(|g| g.0.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| {
                if *v <= 1.0 + 1e-9 {
                    format!("{:.0}%", 100.0 * v)
                } else {
                    String::new()
                }
            })
            .draw()?;
        let label_style = (FONT, 10)
            .into_font()
            .color(&RGBColor(60, 60, 60))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        for (s, name) in series.iter().enumerate() {
            let color = EXTRA[s % EXTRA.len()];
            let at = |g: usize| g as i32 * (per + 1) + s as i32;
            let bars = groups.iter().enumerate().map(|(g, (_, v))| {
                let x = at(g);
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0.0),
                        (SegmentValue::Exact(x + 1), v[s].clamp(0.0, 1.0)),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 1, 1);
                bar
            });
            chart.draw_series(bars)?.label(*name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
            });
            chart.draw_series(groups.iter().enumerate().map(|(g, (_, v))| {
                Text::new(
                    format!("{:.0}", 100.0 * v[s]),
                    (SegmentValue::CenterOf(at(g)), v[s].clamp(0.0, 1.0) + 0.01),
                    label_style.clone(),
                )
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roc::roc_curve;

    #[test]
    fn charts_are_inline_svg_without_namespace_urls() {
        let roc = roc_curve(&[0.9, 0.8, 0.3], &[0.5, 0.1, 0.2]);
        let svgs = [
            roc_svg("loss <attack>", &[("unlearned", &roc), ("retrained", &roc)]),
            loss_histogram_svg("original", &[0.1, 0.2, 0.15], &[0.9, 1.2, f32::INFINITY]),
            accuracy_bars_svg(&PerModel::default()),
        ];
        for svg in &svgs {
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{svg}"
            );
            assert!(!svg.contains("http"));
        }
        assert!(svgs[0].contains("loss &lt;attack&gt;") && svgs[0].contains("AUC 0.889"));
        assert!(svgs[0].contains("<text"));
    }

    #[test]
    fn histogram_normalises_and_caps_outliers() {
        let (lo, hi, f, t) = histogram(&[0.0, 1.0], &[0.5, 100.0], 10).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi <= 100.0);
        assert!(
            (f.iter().sum::<f64>() - 1.0).abs() < 1e-12
                && (t.iter().sum::<f64>() - 1.0).abs() < 1e-12
        );
        assert!(histogram(&[], &[f32::NAN], 10).is_none());
        assert!(loss_histogram_svg("empty", &[], &[]).contains("no loss samples"));
    }
}
