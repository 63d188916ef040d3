//! The speed/accuracy frontier of an exact-unlearning layout (SISA): one point per
//! configuration, deletion speed-up against a full retrain on x, accuracy lost against the
//! monolithic model on y, with the target corner marked.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plots::{caption_style, render, EXTRA, FAINT, FONT};

/// One configuration on the frontier.
#[derive(Debug, Clone)]
pub struct FrontierPoint {
    /// Short label drawn beside the point (e.g. `S10 R1 e5 lr3e-3`).
    pub label: String,
    /// Which series it belongs to (a colour and a legend entry per distinct series).
    pub series: String,
    /// Deletion speed-up against a full retrain (×).
    pub speedup: f64,
    /// Accuracy points below the monolithic model (negative: above it).
    pub gap_points: f64,
}

/// Scatter of `points`; `target` = (minimum speed-up, maximum gap in points) shades the
/// corner a configuration must reach.
pub fn frontier_svg(title: &str, points: &[FrontierPoint], target: (f64, f64)) -> String {
    let x_max = points.iter().map(|p| p.speedup).fold(target.0, f64::max) * 1.15;
    let y_max = points.iter().map(|p| p.gap_points).fold(target.1, f64::max) * 1.15;
    let y_min = points.iter().map(|p| p.gap_points).fold(0.0, f64::min) - 0.3;
    let mut series: Vec<&str> = Vec::new();
    for p in points {
        if !series.contains(&p.series.as_str()) {
            series.push(&p.series);
        }
    }
    render(860, 520, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, caption_style())
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_max, y_min..y_max)?;
        chart
            .configure_mesh()
            .light_line_style(FAINT)
            .x_desc("deletion speed-up vs a full retrain (×, sample gradients)")
            .y_desc("test accuracy below the monolithic model (points)")
            .draw()?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(target.0, y_min), (x_max, target.1)],
            RGBColor(44, 160, 44).mix(0.12).filled(),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("target: ≥ {:.0}× and ≤ {:.1} points", target.0, target.1),
            (target.0 + 0.2, target.1 - 0.05),
            (FONT, 12)
                .into_font()
                .color(&RGBColor(30, 110, 30))
                .pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
        for (k, name) in series.iter().enumerate() {
            let color = EXTRA[k % EXTRA.len()];
            let mine = points.iter().filter(|p| p.series == *name);
            chart
                .draw_series(
                    mine.clone()
                        .map(|p| Circle::new((p.speedup, p.gap_points), 5, color.filled())),
                )?
                .label(*name)
                .legend(move |(x, y)| Circle::new((x + 5, y), 5, color.filled()));
            chart.draw_series(mine.map(|p| {
                Text::new(
                    p.label.clone(),
                    (p.speedup, p.gap_points),
                    (FONT, 10)
                        .into_font()
                        .color(&RGBColor(60, 60, 60))
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_and_the_target_are_drawn() {
        let points = [
            FrontierPoint {
                label: "S5 R1".into(),
                series: "single sample".into(),
                speedup: 5.0,
                gap_points: 3.5,
            },
            FrontierPoint {
                label: "S20 R1".into(),
                series: "one owner".into(),
                speedup: 20.0,
                gap_points: 6.6,
            },
        ];
        let svg = frontier_svg("frontier", &points, (10.0, 1.5));
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in [
            "S5 R1",
            "S20 R1",
            "single sample",
            "one owner",
            "target: ≥ 10×",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert_eq!(
            svg.matches("<circle").count(),
            2 + 2,
            "two points, two legend marks"
        );
    }
}
