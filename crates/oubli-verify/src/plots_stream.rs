//! Line charts over a stream of requests (x: request number), for the user-stream
//! scenario: one line per policy, optional dashed reference lines (a baseline that is
//! computed, not run) and marker-only series (an oracle measured at checkpoints). Same
//! canvas, fonts and grid as [`crate::plots`].

use plotters::prelude::*;

use crate::plots::{caption_style, render, FAINT, FONT};

/// Distinct colours for up to eight lines (matplotlib's tab10 order, grey left out: it
/// is the reference colour).
const LINE_COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];
/// Reference lines and oracle markers.
const REFERENCE: RGBColor = RGBColor(90, 90, 90);

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    /// A solid line through the points (a policy run over the stream).
    Solid,
    /// A dashed grey line (a reference computed rather than run).
    Dashed,
    /// Black-ringed markers only, no line (values measured at checkpoints).
    Markers,
}

/// One series of `(x, y)` points, x ascending.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// How it is drawn.
    pub style: LineStyle,
}

/// How the y axis is labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YAxis {
    /// Shares in [0, 1], shown as percentages; the range is fitted to the data, with room
    /// above it for the legend.
    Percent,
    /// Values in [0, 1] shown as decimals (an AUC); the range is fitted to the data.
    Fraction,
    /// Plain numbers from 0, shown compactly (1.2k, 3.4M).
    Count,
}

fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The y range: counts from 0 to a little above the maximum; shares fitted to the data
/// with a margin (so a 2-point gap is visible) and headroom for the legend.
fn y_range(series: &[Series], axis: YAxis) -> (f64, f64) {
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (lo, hi) = ys
        .filter(|y| y.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
            (l.min(y), h.max(y))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    match axis {
        YAxis::Count => (0.0, (hi * 1.08).max(1e-9)),
        YAxis::Percent | YAxis::Fraction => {
            let pad = ((hi - lo) * 0.1).max(0.01);
            let lo = (lo - pad).max(0.0);
            // Headroom above the data for the legend (upper left), so it covers no line;
            // tick labels above 1 are left blank.
            (lo, hi + pad + 0.6 * (hi + pad - lo))
        }
    }
}

/// A line chart of `series` over requests `0..=x_max`, titled `title`, its y axis
/// described by `y_desc`. Non-finite points are skipped.
pub fn stream_lines_svg(
    title: &str,
    y_desc: &str,
    axis: YAxis,
    x_max: usize,
    series: &[Series],
) -> String {
    let (y_lo, y_hi) = y_range(series, axis);
    render(760, 360, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, caption_style())
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..(x_max.max(1) as f64), y_lo..y_hi)?;
        chart
            .configure_mesh()
            .light_line_style(FAINT)
            .x_labels(11)
            .y_labels(8)
            .x_desc("requests applied")
            .y_desc(y_desc)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| match axis {
                _ if *v > 1.0 + 1e-9 => String::new(),
                YAxis::Percent => format!("{:.1}%", 100.0 * v),
                YAxis::Fraction => format!("{v:.3}"),
                YAxis::Count => compact(*v),
            })
            .draw()?;
        let mut color_index = 0;
        for s in series {
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            match s.style {
                LineStyle::Solid => {
                    let color = LINE_COLORS[color_index % LINE_COLORS.len()];
                    color_index += 1;
                    chart
                        .draw_series(LineSeries::new(points, color.stroke_width(2)))?
                        .label(s.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                        });
                }
                LineStyle::Dashed => {
                    chart
                        .draw_series(DashedLineSeries::new(
                            points,
                            6,
                            4,
                            REFERENCE.stroke_width(2),
                        ))?
                        .label(s.name.clone())
                        .legend(|(x, y)| {
                            PathElement::new(vec![(x, y), (x + 6, y)], REFERENCE.stroke_width(2))
                        });
                }
                LineStyle::Markers => {
                    chart
                        .draw_series(
                            points
                                .iter()
                                .map(|&p| Circle::new(p, 5, BLACK.stroke_width(2))),
                        )?
                        .label(s.name.clone())
                        .legend(|(x, y)| Circle::new((x + 8, y), 4, BLACK.stroke_width(2)));
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
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

    fn series(name: &str, style: LineStyle, ys: &[f64]) -> Series {
        Series {
            name: name.into(),
            points: ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect(),
            style,
        }
    }

    #[test]
    fn draws_every_series_with_its_label_and_style() {
        let svg = stream_lines_svg(
            "Test accuracy",
            "accuracy",
            YAxis::Percent,
            3,
            &[
                series("sisa", LineStyle::Solid, &[0.9, 0.91, 0.9, 0.89]),
                series("retrain each request", LineStyle::Dashed, &[0.95, 0.95]),
                series("oracle", LineStyle::Markers, &[0.96, f64::NAN, 0.95]),
            ],
        );
        assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
        for label in ["sisa", "retrain each request", "oracle", "requests applied"] {
            assert!(svg.contains(label), "missing {label}");
        }
        assert!(svg.contains("<polyline"), "a solid line");
        assert!(svg.contains("<circle"), "oracle markers");
        assert!(!svg.contains("plot failed"));
    }

    #[test]
    fn ranges_fit_the_data_and_counts_start_at_zero() {
        let s = [series("a", LineStyle::Solid, &[0.90, 0.92])];
        let (lo, hi) = y_range(&s, YAxis::Percent);
        assert!(lo < 0.90 && lo > 0.85 && hi > 0.92, "{lo} {hi}");
        let c = [series("a", LineStyle::Solid, &[10.0, 2_000.0])];
        assert_eq!(y_range(&c, YAxis::Count).0, 0.0);
        assert_eq!(compact(2_500_000.0), "2.5M");
        assert_eq!(compact(0.0), "0");
    }
}
