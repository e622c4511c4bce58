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
use super::plot::{LABEL_LH, MARGIN, Plot, SUB_LH, Size, TICK_LH, TITLE_LH, legend_lines};
use super::text::{esc, wrap};
use super::{Chart, XKind};
use std::fmt::Write as _;

/// The chart as an SVG document, as its file holds it.
pub(super) fn render(c: &Chart) -> String {
    render_at(c, Size::Wide)
}

/// The chart as an SVG document drawn at `size`.
pub(super) fn render_at(c: &Chart, size: Size) -> String {
    let plot = Plot::new(c, size, |plot| marks::coincidence_note(c, plot));
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
