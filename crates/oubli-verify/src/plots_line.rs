//! Line charts: one or more series of (x, y) points on shared axes, for curves such as a
//! scenario's trade-off (samples removed against a gap or an accuracy).

use super::{render, FAINT, FONT};
use plotters::prelude::*;

/// Series colours (the tab10 palette's first eight), in order.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// One series of a line chart.
pub struct Line<'a> {
    /// Legend name.
    pub name: &'a str,
    /// Points, drawn in this order.
    pub points: Vec<(f64, f64)>,
    /// Dashed (for a reference such as an oracle) instead of solid.
    pub dashed: bool,
}

/// A line chart with markers. `y_percent` labels the y axis as percentages of values in
/// [0, 1]; the y range is fitted to the data with a margin.
pub fn line_chart_svg(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
    y_percent: bool,
) -> String {
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let (mut x0, mut x1) = all().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (mut y0, mut y1) = all().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.12).max(1e-3);
    let (y0, y1) = (
        (y0 - pad).max(if y_percent { 0.0 } else { f64::MIN }),
        y1 + pad,
    );
    render(540, 340, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 16).into_font().color(&RGBColor(40, 40, 40)))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(FAINT)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(6)
            .y_label_formatter(&|v| {
                if y_percent {
                    format!("{:.1}%", 100.0 * v)
                } else {
                    format!("{v:.3}")
                }
            })
            .draw()?;
        for (i, line) in lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = color.stroke_width(2);
            let series = if line.dashed {
                chart.draw_series(DashedLineSeries::new(line.points.clone(), 6, 4, style))?
            } else {
                chart.draw_series(LineSeries::new(line.points.clone(), style))?
            };
            series.label(line.name).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
            chart.draw_series(
                line.points
                    .iter()
                    .map(|&p| Circle::new(p, 3, color.filled())),
            )?;
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

    #[test]
    fn draws_every_series_with_its_legend() {
        let lines = [
            Line {
                name: "retrain",
                points: vec![(0.0, 0.2), (100.0, 0.1)],
                dashed: true,
            },
            Line {
                name: "certified",
                points: vec![(0.0, 0.21), (100.0, 0.12)],
                dashed: false,
            },
        ];
        let svg = line_chart_svg("gap", "removed", "gap", &lines, true);
        assert!(svg.starts_with("<svg"), "{svg}");
        // Legend entries (plotters puts each text on its own line inside <text>).
        assert!(
            svg.contains("retrain") && svg.contains("certified"),
            "{svg}"
        );
        assert!(!svg.contains("plot failed"));
        assert!(svg.matches("<circle").count() >= 4);
    }
}
