//! Drawing a [`Chart`] as SVG, part by part: the frame and titles, the grid
//! and axes, each series (band, line, markers, notes), the legend and the
//! footnote. Coordinates are printed to two decimals, so the bytes depend
//! on the data alone.

use super::scale::{Scale, auto_scale};
use super::{Chart, Pt, Series, XKind};
use std::fmt::Write as _;

const W: f64 = 760.0;
const H: f64 = 460.0;
const LEFT: f64 = 88.0;
const TOP: f64 = 58.0;
const BOTTOM: f64 = H - 66.0;
/// Keeps the end points off the frame.
const PAD: f64 = 12.0;
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

/// The plot area and its axes, chosen from the chart's data.
struct Plot {
    /// Whether a legend is drawn, to the right of the plot.
    legend: bool,
    /// The plot's right edge.
    right: f64,
    xscale: Scale,
    yscale: Scale,
    xticks: Vec<(f64, String)>,
    yticks: Vec<(f64, String)>,
    /// Values the log scales cannot show (≤ 0), for the footnote.
    x_hidden: usize,
    y_hidden: usize,
}

impl Plot {
    fn new(c: &Chart) -> Plot {
        let legend = c.series.len() > 1 || c.legend_title.is_some();
        let ys: Vec<f64> = c
            .series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|p| p.y))
            .filter(|v| v.is_finite())
            .collect();
        let extent: Vec<f64> = c
            .series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.lo, p.hi]).flatten())
            .filter(|v| v.is_finite())
            .collect();
        let (yscale, y_hidden) = auto_scale(&ys, &extent, false);
        let (xscale, x_hidden, xticks) = x_axis(c);
        Plot {
            legend,
            right: if legend { W - 212.0 } else { W - 28.0 },
            xscale,
            yscale,
            xticks,
            yticks: yscale.ticks(),
            x_hidden,
            y_hidden,
        }
    }

    fn px(&self, v: f64) -> Option<f64> {
        self.xscale
            .frac(v)
            .map(|f| LEFT + PAD + f * (self.right - LEFT - 2.0 * PAD))
    }

    fn py(&self, v: f64) -> Option<f64> {
        self.yscale.frac(v).map(|f| BOTTOM - f * (BOTTOM - TOP))
    }

    /// A band's edge, clipped to the plot.
    fn py_clip(&self, v: f64) -> f64 {
        let f = self.yscale.frac(v).unwrap_or(0.0).clamp(0.0, 1.0);
        BOTTOM - f * (BOTTOM - TOP)
    }
}

/// The x axis: its scale, the values it cannot show, and its ticks.
fn x_axis(c: &Chart) -> (Scale, usize, Vec<(f64, String)>) {
    match &c.x {
        XKind::Numeric | XKind::Data => {
            let xs: Vec<f64> = c
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.x))
                .collect();
            let (s, hidden) = auto_scale(&xs, &[], matches!(c.x, XKind::Numeric));
            (s, hidden, s.ticks())
        }
        XKind::Categories(labels) => {
            let n = labels.len() as f64;
            let s = if labels.len() == 1 {
                Scale::Linear {
                    min: -0.5,
                    max: 0.5,
                    step: 1.0,
                }
            } else {
                Scale::Linear {
                    min: 0.0,
                    max: n - 1.0,
                    step: 1.0,
                }
            };
            let t = labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i as f64, short(l, 14)))
                .collect();
            (s, 0, t)
        }
    }
}

/// The chart as an SVG document.
pub(super) fn render(c: &Chart) -> String {
    let plot = Plot::new(c);
    let mut s = String::new();
    header(&mut s, c);
    grid(&mut s, &plot);
    axes(&mut s, c, &plot);
    for (k, series) in c.series.iter().enumerate() {
        series_group(&mut s, c, &plot, k, series);
    }
    if plot.legend {
        legend(&mut s, c, plot.right);
    }
    footnote(&mut s, &plot);
    let _ = writeln!(s, "</svg>");
    s
}

/// The document's opening, background, title and subtitle.
fn header(s: &mut String, c: &Chart) {
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&c.title));
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text class="title" x="{LEFT}" y="24" font-size="15" font-weight="bold" fill="#222222">{}</text>"##,
        esc(&c.title)
    );
    let _ = writeln!(
        s,
        r##"<text class="subtitle" x="{LEFT}" y="42" font-size="11" fill="#666666">{}</text>"##,
        esc(&c.subtitle)
    );
}

/// Grid lines at the ticks.
fn grid(s: &mut String, plot: &Plot) {
    let right = plot.right;
    let _ = writeln!(s, r##"<g class="grid" stroke="#e6e6e6" stroke-width="1">"##);
    for (v, _) in &plot.yticks {
        if let Some(y) = plot.py(*v) {
            let _ = writeln!(
                s,
                r#"<line x1="{LEFT:.2}" y1="{y:.2}" x2="{right:.2}" y2="{y:.2}"/>"#
            );
        }
    }
    for (v, _) in &plot.xticks {
        if let Some(x) = plot.px(*v) {
            let _ = writeln!(
                s,
                r#"<line x1="{x:.2}" y1="{TOP:.2}" x2="{x:.2}" y2="{BOTTOM:.2}"/>"#
            );
        }
    }
    let _ = writeln!(s, "</g>");
}

/// The frame, tick labels and axis labels.
fn axes(s: &mut String, c: &Chart, plot: &Plot) {
    let right = plot.right;
    let _ = writeln!(s, r##"<g class="axes" fill="#333333">"##);
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT:.2}" y="{TOP:.2}" width="{:.2}" height="{:.2}" fill="none" stroke="#999999" stroke-width="1"/>"##,
        right - LEFT,
        BOTTOM - TOP
    );
    for (v, label) in &plot.yticks {
        if let Some(y) = plot.py(*v) {
            let _ = writeln!(
                s,
                r#"<text x="{:.2}" y="{:.2}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 4.0,
                esc(label)
            );
        }
    }
    for (v, label) in &plot.xticks {
        if let Some(x) = plot.px(*v) {
            let _ = writeln!(
                s,
                r#"<text x="{x:.2}" y="{:.2}" text-anchor="middle">{}</text>"#,
                BOTTOM + 17.0,
                esc(label)
            );
        }
    }
    let log_note = |scale: &Scale| if scale.is_log() { " (log scale)" } else { "" };
    let _ = writeln!(
        s,
        r#"<text class="x-label" x="{:.2}" y="{:.2}" text-anchor="middle" font-size="13">{}{}</text>"#,
        (LEFT + right) / 2.0,
        BOTTOM + 40.0,
        esc(&c.x_label),
        log_note(&plot.xscale)
    );
    let (yx, yy) = (20.0, (TOP + BOTTOM) / 2.0);
    let _ = writeln!(
        s,
        r#"<text class="y-label" x="{yx:.2}" y="{yy:.2}" transform="rotate(-90 {yx:.2} {yy:.2})" text-anchor="middle" font-size="13">{}{}</text>"#,
        esc(&c.y_label),
        log_note(&plot.yscale)
    );
    let _ = writeln!(s, "</g>");
}

/// One series: its bands, line, markers and notes, in one `<g>`.
fn series_group(s: &mut String, c: &Chart, plot: &Plot, k: usize, series: &Series) {
    let color = PALETTE[k % PALETTE.len()];
    let _ = writeln!(s, r#"<g class="series" data-label="{}">"#, esc(&series.id));
    let _ = writeln!(
        s,
        "<title>{}</title>",
        esc(if series.id.is_empty() {
            &c.title
        } else {
            &series.id
        })
    );
    let shown: Vec<(f64, f64, &Pt)> = series
        .points
        .iter()
        .filter_map(|p| Some((plot.px(p.x)?, plot.py(p.y?)?, p)))
        .collect();
    bands(s, plot, &shown, color);
    let line: Vec<String> = shown
        .iter()
        .map(|(x, y, _)| format!("{x:.2},{y:.2}"))
        .collect();
    let _ = writeln!(
        s,
        r#"<polyline class="line" points="{}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round"/>"#,
        line.join(" ")
    );
    for &(x, y, p) in &shown {
        let _ = writeln!(
            s,
            r#"<circle cx="{x:.2}" cy="{y:.2}" r="3" fill="{color}"/>"#
        );
        if let Some(note) = &p.note {
            let _ = writeln!(
                s,
                r#"<text class="note" x="{:.2}" y="{:.2}" font-size="10" fill="{color}">{}</text>"#,
                x + 5.0,
                y - 6.0,
                esc(note)
            );
        }
    }
    let _ = writeln!(s, "</g>");
}

/// The shaded intervals: one band per run of consecutive shown points that
/// have an interval (a lone point's is a thick vertical stroke).
fn bands(s: &mut String, plot: &Plot, shown: &[(f64, f64, &Pt)], color: &str) {
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let mut bands: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    for &(x, _, p) in shown {
        match (p.lo, p.hi) {
            (Some(lo), Some(hi)) => run.push((x, plot.py_clip(hi), plot.py_clip(lo))),
            _ => bands.push(std::mem::take(&mut run)),
        }
    }
    bands.push(run);
    for band in bands.iter().filter(|b| !b.is_empty()) {
        if band.len() == 1 {
            let (x, top, bottom) = band[0];
            let _ = writeln!(
                s,
                r#"<line class="band" x1="{x:.2}" y1="{top:.2}" x2="{x:.2}" y2="{bottom:.2}" stroke="{color}" stroke-opacity="0.45" stroke-width="6"/>"#
            );
            continue;
        }
        let mut pts = String::new();
        for &(x, top, _) in band {
            let _ = write!(pts, "{x:.2},{top:.2} ");
        }
        for &(x, _, bottom) in band.iter().rev() {
            let _ = write!(pts, "{x:.2},{bottom:.2} ");
        }
        let _ = writeln!(
            s,
            r#"<polygon class="band" points="{}" fill="{color}" fill-opacity="0.18" stroke="none"/>"#,
            pts.trim_end()
        );
    }
}

/// The legend, right of the plot: as many series as fit, then a count.
fn legend(s: &mut String, c: &Chart, right: f64) {
    let lx = right + 18.0;
    let _ = writeln!(s, r##"<g class="legend" fill="#333333">"##);
    if let Some(t) = &c.legend_title {
        let _ = writeln!(
            s,
            r#"<text x="{lx:.2}" y="{:.2}" font-weight="bold">{}</text>"#,
            TOP + 4.0,
            esc(&short(t, 30))
        );
    }
    let max_rows = ((BOTTOM - TOP - 20.0) / 18.0) as usize;
    for (k, series) in c.series.iter().enumerate() {
        let y = TOP + 24.0 + 18.0 * k as f64;
        if k + 1 == max_rows && c.series.len() > max_rows {
            let _ = writeln!(
                s,
                r#"<text x="{lx:.2}" y="{:.2}">… and {} more</text>"#,
                y + 4.0,
                c.series.len() - k
            );
            break;
        }
        let color = PALETTE[k % PALETTE.len()];
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.2}" y1="{y:.2}" x2="{:.2}" y2="{y:.2}" stroke="{color}" stroke-width="3"/>"#,
            lx + 22.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.2}" y="{:.2}">{}</text>"#,
            lx + 30.0,
            y + 4.0,
            esc(&short(&series.label, 24))
        );
    }
    let _ = writeln!(s, "</g>");
}

/// Says how many values the log scales could not show, if any.
fn footnote(s: &mut String, plot: &Plot) {
    let (x_hidden, y_hidden) = (plot.x_hidden, plot.y_hidden);
    let mut notes = Vec::new();
    if y_hidden > 0 {
        notes.push(format!(
            "{y_hidden} value{} ≤ 0 not shown on the log scale",
            if y_hidden == 1 { "" } else { "s" }
        ));
    }
    if x_hidden > 0 {
        notes.push(format!(
            "{x_hidden} point{} at x ≤ 0 not shown on the log scale",
            if x_hidden == 1 { "" } else { "s" }
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(
            s,
            r##"<text class="footnote" x="{LEFT}" y="{:.2}" font-size="10" fill="#666666">{}</text>"##,
            H - 8.0,
            esc(&notes.join("; "))
        );
    }
}
