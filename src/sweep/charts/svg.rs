//! Drawing a [`Chart`] as SVG, part by part: the layout (wrapped titles,
//! the plot's edges, the picture's height), the grid and axes, each series
//! ([`super::marks`]), the legend, the footnotes and the caption.
//! Coordinates are printed to two decimals, so the bytes depend on the data
//! alone.
//!
//! A chart is drawn at one of two [`Size`]s: the files' (760 units, the
//! legend right of the plot) and, for a page read on a phone, a narrow one
//! (360 units, the legend below the plot, the smallest text a size
//! larger), where 760 units in a phone's 366 px would draw 10-unit text at
//! under 5 px.

use super::marks::{self, Marker};
use super::scale::{Scale, auto_scale};
use super::text::{esc, width, wrap};
use super::{Chart, XKind};
use std::fmt::Write as _;

/// The sizes a chart is drawn at; its height follows from the text it
/// holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// The files': 760 units, the legend at the right.
    Wide,
    /// A page's, on a screen or printed: as [`Size::Wide`], the smallest
    /// text a size larger, so that A4's 680 px draw it above 9 px.
    Page,
    /// A phone's: 360 units, the legend below the plot.
    Narrow,
}

impl Size {
    /// The picture's width.
    fn width(self) -> f64 {
        match self {
            Size::Wide | Size::Page => 760.0,
            Size::Narrow => 360.0,
        }
    }

    /// The plot's height.
    fn plot_height(self) -> f64 {
        match self {
            Size::Wide | Size::Page => 300.0,
            Size::Narrow => 220.0,
        }
    }

    /// The size of the smallest text: footnotes, the caption, end labels.
    pub(super) fn small_font(self) -> f64 {
        match self {
            Size::Wide => 10.0,
            Size::Page | Size::Narrow => 11.0,
        }
    }

    /// Line height of that text.
    fn note_line(self) -> f64 {
        match self {
            Size::Wide => NOTE_LH,
            Size::Page | Size::Narrow => 14.0,
        }
    }

    /// Whether the legend goes below the plot rather than beside it.
    fn legend_below(self) -> bool {
        self == Size::Narrow
    }
}

const MARGIN: f64 = 14.0;
const LEGEND_W: f64 = 210.0;
/// Keeps the end points off the frame.
pub(super) const PAD: f64 = 12.0;
/// Line heights of the title, subtitle, axis labels, ticks and notes.
const TITLE_LH: f64 = 19.0;
const SUB_LH: f64 = 14.0;
const LABEL_LH: f64 = 16.0;
const TICK_LH: f64 = 14.0;
const NOTE_LH: f64 = 13.0;

/// The plot area, its axes and the text around it, laid out from the
/// chart's data.
pub(super) struct Plot {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) top: f64,
    pub(super) bottom: f64,
    /// The size drawn at.
    pub(super) size: Size,
    /// The picture's width and height.
    width: f64,
    height: f64,
    /// Whether a legend is drawn, to the right of the plot (or below it,
    /// narrow).
    legend: bool,
    /// Where a narrow chart's legend starts, below the axis label.
    legend_top: f64,
    xscale: Scale,
    yscale: Scale,
    xticks: Vec<(f64, Vec<String>)>,
    yticks: Vec<(f64, String)>,
    title: Vec<String>,
    subtitle: Vec<String>,
    x_label: Vec<String>,
    y_label: Vec<String>,
    /// Footnotes then caption, each line with its class.
    footer: Vec<(&'static str, String)>,
}

impl Plot {
    fn new(c: &Chart, size: Size) -> Plot {
        let (w, plot_h) = (size.width(), size.plot_height());
        let legend = c.series.len() > 1 || c.legend_title.is_some();
        let (yscale, y_hidden) = y_axis(c);
        let (xscale, x_hidden, xticks) = x_axis(c);
        let yticks = yscale.ticks();
        let full = w - 2.0 * MARGIN;
        let title = wrap(&c.title, 15.0, true, full);
        let subtitle = wrap(&c.subtitle, 11.0, false, full);
        let top =
            24.0 + (title.len() - 1) as f64 * TITLE_LH + subtitle.len() as f64 * SUB_LH + 20.0;
        let bottom = top + plot_h;
        let y_label = wrap(
            &format!("{}{}", c.y_label, log_note(&yscale)),
            13.0,
            false,
            plot_h,
        );
        let tick_w = yticks
            .iter()
            .map(|(_, l)| width(l, 12.0, false))
            .fold(0.0, f64::max);
        let left = MARGIN + y_label.len() as f64 * LABEL_LH + 12.0 + tick_w;
        let right = if legend && !size.legend_below() {
            w - LEGEND_W
        } else {
            w - 2.0 * MARGIN
        };
        let xticks = tick_lines(xticks, &c.x, right - left);
        let x_label = wrap(
            &format!("{}{}", c.x_label, log_note(&xscale)),
            13.0,
            false,
            right - left,
        );
        let tick_rows = xticks.iter().map(|t| t.1.len()).max().unwrap_or(1);
        let last_label = bottom
            + 17.0
            + (tick_rows - 1) as f64 * TICK_LH
            + 23.0
            + (x_label.len() - 1) as f64 * LABEL_LH;
        let mut plot = Plot {
            left,
            right,
            top,
            bottom,
            size,
            width: w,
            height: 0.0,
            legend,
            legend_top: last_label + 24.0,
            xscale,
            yscale,
            xticks,
            yticks,
            title,
            subtitle,
            x_label,
            y_label,
            footer: Vec::new(),
        };
        let coincide = marks::coincidence_note(c, &plot);
        plot.footer = footer(c, coincide, (x_hidden, y_hidden), full, size.small_font());
        let below = if legend && size.legend_below() {
            legend_lines(c, &plot).1 + 16.0
        } else {
            0.0
        };
        let notes = plot.footer.len() as f64 * size.note_line();
        plot.height = (last_label + below + 8.0 + notes + 10.0).ceil();
        plot
    }

    /// Where `v` is along x, or `None` for a value a log axis cannot show.
    pub(super) fn px(&self, v: f64) -> Option<f64> {
        self.xscale
            .frac(v)
            .map(|f| self.left + PAD + f * (self.right - self.left - 2.0 * PAD))
    }

    /// Where `v` is along y, or `None` for a value a log axis cannot show.
    pub(super) fn py(&self, v: f64) -> Option<f64> {
        self.yscale
            .frac(v)
            .map(|f| self.bottom - f * (self.bottom - self.top))
    }

    /// An interval's end along y, clipped to the plot.
    pub(super) fn py_clip(&self, v: f64) -> f64 {
        let f = self.yscale.frac(v).unwrap_or(0.0).clamp(0.0, 1.0);
        self.bottom - f * (self.bottom - self.top)
    }

    /// An interval's end along x, clipped to the plot.
    pub(super) fn px_clip(&self, v: f64) -> f64 {
        let f = self.xscale.frac(v).unwrap_or(0.0).clamp(0.0, 1.0);
        self.left + PAD + f * (self.right - self.left - 2.0 * PAD)
    }
}

fn log_note(scale: &Scale) -> &'static str {
    if scale.is_log() { " (log scale)" } else { "" }
}

/// The y axis, spanning the estimates and their intervals (an unbounded
/// prediction interval runs off the top).
fn y_axis(c: &Chart) -> (Scale, usize) {
    let points = || c.series.iter().flat_map(|s| &s.points);
    let ys: Vec<f64> = points()
        .filter_map(|p| p.y)
        .filter(|v| v.is_finite())
        .collect();
    let extent: Vec<f64> = points()
        .flat_map(|p| [p.lo, p.hi, p.pi95.map(|p| p.0), p.pi95.map(|p| p.1)])
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    auto_scale(&ys, &extent, false)
}

/// The x axis: its scale, the values it cannot show, and its ticks.
fn x_axis(c: &Chart) -> (Scale, usize, Vec<(f64, String)>) {
    match &c.x {
        XKind::Numeric | XKind::Data => {
            let points = || c.series.iter().flat_map(|s| &s.points);
            let xs: Vec<f64> = points().map(|p| p.x).collect();
            let extent: Vec<f64> = points()
                .flat_map(|p| [p.x_lo, p.x_hi])
                .flatten()
                .filter(|v| v.is_finite())
                .collect();
            let tight = matches!(c.x, XKind::Numeric);
            let (s, hidden) = auto_scale(&xs, &extent, tight);
            (s, hidden, s.ticks())
        }
        XKind::Categories(labels) => {
            // Half a category's width either side, so that points of
            // several series fit side by side.
            let n = labels.len() as f64;
            let s = Scale::Linear {
                min: -0.5,
                max: n - 0.5,
                step: 1.0,
            };
            let t = labels
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, l)| (i as f64, l))
                .collect();
            (s, 0, t)
        }
    }
}

/// Tick labels as lines: a category's wrapped to its share of the width.
fn tick_lines(ticks: Vec<(f64, String)>, x: &XKind, plot_w: f64) -> Vec<(f64, Vec<String>)> {
    let each = match x {
        XKind::Categories(l) => (plot_w - 2.0 * PAD) / l.len().max(1) as f64 - 6.0,
        _ => f64::INFINITY,
    };
    ticks
        .into_iter()
        .map(|(v, l)| (v, wrap(&l, 12.0, false, each.max(40.0))))
        .collect()
}

/// Footnotes (the chart's, lines that coincide on the plot, what the log
/// scales cannot show), then the
/// caption, wrapped.
fn footer(
    c: &Chart,
    coincide: Option<String>,
    (x_hidden, y_hidden): (usize, usize),
    full: f64,
    font: f64,
) -> Vec<(&'static str, String)> {
    let mut notes = c.notes.clone();
    notes.extend(coincide);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if y_hidden > 0 {
        notes.push(format!(
            "{y_hidden} value{} ≤ 0 not shown on the log scale.",
            plural(y_hidden)
        ));
    }
    if x_hidden > 0 {
        notes.push(format!(
            "{x_hidden} point{} at x ≤ 0 not shown on the log scale.",
            plural(x_hidden)
        ));
    }
    let mut lines: Vec<(&'static str, String)> = Vec::new();
    for n in &notes {
        lines.extend(
            wrap(n, font, false, full)
                .into_iter()
                .map(|l| ("footnote", l)),
        );
    }
    lines.extend(
        wrap(&c.caption, font, false, full)
            .into_iter()
            .map(|l| ("caption", l)),
    );
    lines
}

/// The chart as an SVG document, as its file holds it.
pub(super) fn render(c: &Chart) -> String {
    render_at(c, Size::Wide)
}

/// The chart as an SVG document drawn at `size`.
pub(super) fn render_at(c: &Chart, size: Size) -> String {
    let plot = Plot::new(c, size);
    let mut s = String::new();
    header(&mut s, c, &plot);
    grid(&mut s, &plot);
    extrapolated(&mut s, c, &plot);
    axes(&mut s, &plot);
    let mut ends = marks::Ends::default();
    for (k, series) in c.series.iter().enumerate() {
        marks::series_group(&mut s, c, &plot, k, series, &mut ends);
    }
    marks::end_labels(&mut s, &plot, ends);
    match (plot.legend, size.legend_below()) {
        (false, _) => {}
        (true, false) => legend(&mut s, c, &plot),
        (true, true) => legend_below(&mut s, c, &plot),
    }
    footer_text(&mut s, &plot);
    let _ = writeln!(s, "</svg>");
    s
}

/// One `<text>` a line.
fn lines(s: &mut String, class: &str, x: f64, y0: f64, lh: f64, attrs: &str, text: &[String]) {
    for (i, l) in text.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text class="{class}" x="{x:.2}" y="{:.2}"{attrs}>{}</text>"#,
            y0 + i as f64 * lh,
            esc(l)
        );
    }
}

/// The document's opening, background, title and subtitle.
fn header(s: &mut String, c: &Chart, plot: &Plot) {
    let (h, w) = (plot.height, plot.width);
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&c.title));
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##
    );
    let bold = r##" font-size="15" font-weight="bold" fill="#222222""##;
    lines(s, "title", MARGIN, 24.0, TITLE_LH, bold, &plot.title);
    let y = 24.0 + (plot.title.len() - 1) as f64 * TITLE_LH + 18.0;
    let sub = r##" font-size="11" fill="#555555""##;
    lines(s, "subtitle", MARGIN, y, SUB_LH, sub, &plot.subtitle);
}

/// Grid lines at the ticks.
fn grid(s: &mut String, plot: &Plot) {
    let (left, right, top, bottom) = (plot.left, plot.right, plot.top, plot.bottom);
    let _ = writeln!(s, r##"<g class="grid" stroke="#e6e6e6" stroke-width="1">"##);
    for y in plot.yticks.iter().filter_map(|(v, _)| plot.py(*v)) {
        let _ = writeln!(
            s,
            r#"<line x1="{left:.2}" y1="{y:.2}" x2="{right:.2}" y2="{y:.2}"/>"#
        );
    }
    for x in plot.xticks.iter().filter_map(|(v, _)| plot.px(*v)) {
        let _ = writeln!(
            s,
            r#"<line x1="{x:.2}" y1="{top:.2}" x2="{x:.2}" y2="{bottom:.2}"/>"#
        );
    }
    let _ = writeln!(s, "</g>");
}

/// The spans of x beyond the measured thresholds, shaded behind the marks
/// and labelled at their top.
fn extrapolated(s: &mut String, c: &Chart, plot: &Plot) {
    let font = plot.size.small_font();
    for &(from, to) in &c.extrapolated {
        let x1 = if from.is_finite() {
            plot.px_clip(from)
        } else {
            plot.left
        };
        let x2 = if to.is_finite() {
            plot.px_clip(to)
        } else {
            plot.right
        };
        if x2 - x1 < 1.0 {
            continue;
        }
        let (top, h) = (plot.top, plot.bottom - plot.top);
        let _ = writeln!(
            s,
            r##"<g class="extrapolated"><rect x="{x1:.2}" y="{top:.2}" width="{:.2}" height="{h:.2}" fill="#f3ead9"/>"##,
            x2 - x1
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.2}" y="{:.2}" text-anchor="middle" font-size="{font}" fill="#8a4b00">extrapolated</text></g>"##,
            (x1 + x2) / 2.0,
            top + font + 2.0
        );
    }
}

/// The frame, tick labels and axis labels.
fn axes(s: &mut String, plot: &Plot) {
    let (left, right, top, bottom) = (plot.left, plot.right, plot.top, plot.bottom);
    let _ = writeln!(s, r##"<g class="axes" fill="#333333">"##);
    let _ = writeln!(
        s,
        r##"<rect x="{left:.2}" y="{top:.2}" width="{:.2}" height="{:.2}" fill="none" stroke="#999999" stroke-width="1"/>"##,
        right - left,
        bottom - top
    );
    for (v, label) in &plot.yticks {
        if let Some(y) = plot.py(*v) {
            let end = r#" text-anchor="end""#;
            lines(
                s,
                "tick",
                left - 6.0,
                y + 4.0,
                0.0,
                end,
                std::slice::from_ref(label),
            );
        }
    }
    for (v, label) in &plot.xticks {
        if let Some(x) = plot.px(*v) {
            lines(
                s,
                "tick",
                x,
                bottom + 17.0,
                TICK_LH,
                r#" text-anchor="middle""#,
                label,
            );
        }
    }
    let tick_rows = plot.xticks.iter().map(|t| t.1.len()).max().unwrap_or(1);
    let y = bottom + 17.0 + (tick_rows - 1) as f64 * TICK_LH + 23.0;
    let mid = r#" text-anchor="middle" font-size="13""#;
    lines(
        s,
        "x-label",
        (left + right) / 2.0,
        y,
        LABEL_LH,
        mid,
        &plot.x_label,
    );
    let yy = (top + bottom) / 2.0;
    for (i, l) in plot.y_label.iter().enumerate() {
        let yx = MARGIN + 12.0 + i as f64 * LABEL_LH;
        let _ = writeln!(
            s,
            r#"<text class="y-label" x="{yx:.2}" y="{yy:.2}" transform="rotate(-90 {yx:.2} {yy:.2})" text-anchor="middle" font-size="13">{}</text>"#,
            esc(l)
        );
    }
    let _ = writeln!(s, "</g>");
}

/// The legend, right of the plot: as many series as fit above the plot's
/// bottom, then a count of the rest.
fn legend(s: &mut String, c: &Chart, plot: &Plot) {
    let w = plot.width;
    let lx = plot.right + 16.0;
    let text_w = w - MARGIN - (lx + 30.0);
    let _ = writeln!(s, r##"<g class="legend" fill="#333333">"##);
    let mut y = plot.top + 4.0;
    if let Some(t) = &c.legend_title {
        let title = wrap(t, 12.0, true, w - MARGIN - lx);
        lines(
            s,
            "legend-title",
            lx,
            y,
            15.0,
            r#" font-weight="bold""#,
            &title,
        );
        y += title.len() as f64 * 15.0 + 6.0;
    }
    let categorical = matches!(c.x, XKind::Categories(_));
    for (k, series) in c.series.iter().enumerate() {
        let label = wrap(&series.label, 12.0, false, text_w);
        let needed = label.len() as f64 * 15.0 + 4.0;
        let rest = c.series.len() - k;
        if y + needed + if rest > 1 { 19.0 } else { 0.0 } > plot.bottom {
            let more = format!("… and {rest} more");
            lines(s, "legend-more", lx, y + 4.0, 0.0, "", &[more]);
            break;
        }
        let color = marks::color(k);
        if !categorical {
            let _ = writeln!(
                s,
                r#"<line x1="{lx:.2}" y1="{y:.2}" x2="{:.2}" y2="{y:.2}" stroke="{color}" stroke-width="3"/>"#,
                lx + 22.0
            );
        }
        Marker::of(k).draw(s, lx + 11.0, y, color);
        lines(s, "legend-entry", lx + 30.0, y + 4.0, 15.0, "", &label);
        y += needed;
    }
    let _ = writeln!(s, "</g>");
}

/// A narrow chart's legend, below the axis label: its title, then every
/// series' marker and label, wrapped to the picture's width, as
/// `(class, x, y, text)` lines, and the height they take.
fn legend_lines(c: &Chart, plot: &Plot) -> (Vec<(&'static str, f64, f64, String)>, f64) {
    let (lx, full) = (MARGIN, plot.width - 2.0 * MARGIN);
    let mut y = plot.legend_top;
    let mut lines = Vec::new();
    if let Some(t) = &c.legend_title {
        for l in wrap(t, 12.0, true, full) {
            lines.push(("legend-title", lx, y, l));
            y += 15.0;
        }
        y += 4.0;
    }
    for series in &c.series {
        for (i, l) in wrap(&series.label, 12.0, false, full - 30.0)
            .into_iter()
            .enumerate()
        {
            let class = if i == 0 {
                "legend-entry"
            } else {
                "legend-more"
            };
            lines.push((class, lx + 30.0, y, l));
            y += 15.0;
        }
        y += 4.0;
    }
    (lines, y - plot.legend_top)
}

/// A narrow chart's legend: [`legend_lines`], with each series' marker.
fn legend_below(s: &mut String, c: &Chart, plot: &Plot) {
    let categorical = matches!(c.x, XKind::Categories(_));
    let _ = writeln!(s, r##"<g class="legend" fill="#333333">"##);
    let mut k = 0;
    for (class, x, y, text) in legend_lines(c, plot).0 {
        if class == "legend-entry" {
            let (color, lx, ym) = (marks::color(k), MARGIN, y - 4.0);
            if !categorical {
                let _ = writeln!(
                    s,
                    r#"<line x1="{lx:.2}" y1="{ym:.2}" x2="{:.2}" y2="{ym:.2}" stroke="{color}" stroke-width="3"/>"#,
                    lx + 22.0
                );
            }
            Marker::of(k).draw(s, lx + 11.0, ym, color);
            k += 1;
        }
        let bold = if class == "legend-title" {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let class = if class == "legend-more" {
            "legend-entry"
        } else {
            class
        };
        lines(s, class, x, y, 0.0, bold, &[text]);
    }
    let _ = writeln!(s, "</g>");
}

/// The footnotes and the caption, below the axis label.
fn footer_text(s: &mut String, plot: &Plot) {
    let (font, lh) = (plot.size.small_font(), plot.size.note_line());
    let first = plot.height - 10.0 - (plot.footer.len() as f64 - 1.0) * lh;
    for (i, (class, l)) in plot.footer.iter().enumerate() {
        let fill = if *class == "caption" {
            "#444444"
        } else {
            "#666666"
        };
        let _ = writeln!(
            s,
            r#"<text class="{class}" x="{MARGIN}" y="{:.2}" font-size="{font}" fill="{fill}">{}</text>"#,
            first + i as f64 * lh,
            esc(l)
        );
    }
}
