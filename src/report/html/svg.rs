//! Small inline SVG charts drawn by hand: horizontal bars with error bars,
//! and grouped columns. Each has a title, a `<desc>` saying what it shows
//! (the text alternative), axis labels with units and a legend; sizes are
//! in a `viewBox`, so a chart scales to the page and to A4 when printed.
//!
//! Hand-written rather than `plotters`: the charts are a few rectangles and
//! lines, and writing them directly keeps the bytes fixed by this file (no
//! font metrics, no floating-point layout from a dependency) and the page
//! small.

use super::page::esc;
use crate::format::fmt_num;
use std::fmt::Write as _;

/// Colours of the series, readable in greyscale print too.
pub const BLUE: &str = "#2c5aa0";
/// False alerts, wrongful outcomes.
pub const RED: &str = "#c0392b";
/// True alerts, correct outcomes.
pub const GREEN: &str = "#1b7f3b";
/// Losses.
pub const GREY: &str = "#8e8e93";

/// Chart width in user units (pixels on screen at full width).
const W: f64 = 900.0;

/// One bar: its label, value, 95 % interval if any, colour, and the value
/// as shown beside it.
pub struct Bar {
    /// Category label.
    pub label: String,
    /// Bar length.
    pub value: f64,
    /// The 95 % interval, drawn as an error bar.
    pub interval: Option<(f64, f64)>,
    /// Fill colour.
    pub color: &'static str,
    /// The value as written at the bar's end.
    pub text: String,
}

/// A chart's words: what it is, what it shows, and its axis.
pub struct Words<'a> {
    /// A unique id within the page (for `aria-labelledby`).
    pub id: &'a str,
    /// Title, drawn above the chart.
    pub title: &'a str,
    /// The text alternative: what the chart shows, in a sentence or two.
    pub desc: &'a str,
    /// The value axis's label, with its unit.
    pub axis: &'a str,
    /// Legend entries: colour and label.
    pub legend: &'a [(&'a str, &'a str)],
}

/// The opening `<svg>`, with its title and description, `height` tall.
fn open(s: &mut String, w: &Words, height: f64) {
    let _ = writeln!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" aria-labelledby="{id}-t {id}-d" font-size="13">"#,
        id = esc(w.id)
    );
    let _ = writeln!(s, r#"<title id="{}-t">{}</title>"#, esc(w.id), esc(w.title));
    let _ = writeln!(s, r#"<desc id="{}-d">{}</desc>"#, esc(w.id), esc(w.desc));
    let _ = writeln!(
        s,
        r##"<text x="0" y="18" font-size="16" font-weight="bold" fill="#1d1d1f">{}</text>"##,
        esc(w.title)
    );
}

/// The legend along the top right.
fn legend(s: &mut String, entries: &[(&str, &str)]) {
    let mut x = W;
    for (color, label) in entries.iter().rev() {
        // Text width estimated at 7 units a character: the legend only
        // needs to not overlap itself.
        x -= 24.0 + 7.0 * label.chars().count() as f64;
        let _ = writeln!(
            s,
            r##"<rect x="{x:.1}" y="8" width="12" height="12" fill="{color}"/><text x="{:.1}" y="18" fill="#1d1d1f">{}</text>"##,
            x + 16.0,
            esc(label)
        );
    }
}

/// Round tick values from 0 to at least `max`, and the decimals to print
/// them with.
pub fn ticks(max: f64) -> (Vec<f64>, usize) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    let n = (max / step).ceil() as usize;
    ((0..=n).map(|i| i as f64 * step).collect(), decimals)
}

/// Horizontal bars, one per row, with error bars and an optional reference
/// line (e.g. at 1× for a disparity).
pub fn bars(w: &Words, bars: &[Bar], reference: Option<(f64, &str)>) -> String {
    let (left, right, top, row) = (160.0, W - 240.0, 44.0, 30.0);
    let height = top + row * bars.len() as f64 + 50.0;
    let max = bars
        .iter()
        .map(|b| b.interval.map_or(b.value, |(_, hi)| hi.max(b.value)))
        .chain(reference.map(|(r, _)| r))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (ticks, decimals) = ticks(max);
    let top_tick = *ticks.last().expect("at least one tick");
    let px = |v: f64| left + (right - left) * (v / top_tick).clamp(0.0, 1.0);
    let mut s = String::new();
    open(&mut s, w, height);
    legend(&mut s, w.legend);
    let bottom = top + row * bars.len() as f64;
    for &t in &ticks {
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}" stroke="#e3e3e8"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#5f6368">{}</text>"##,
            bottom + 16.0,
            fmt_num(t, decimals),
            x = px(t)
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#1d1d1f">{}</text>"##,
        (left + right) / 2.0,
        bottom + 38.0,
        esc(w.axis)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = writeln!(
            s,
            r##"<g><title>{label}: {text}</title><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1d1d1f">{label}</text><rect x="{left}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"##,
            left - 8.0,
            y + row / 2.0 + 4.0,
            y + 5.0,
            px(b.value) - left,
            row - 10.0,
            b.color,
            label = esc(&b.label),
            text = esc(&b.text),
        );
        if let Some((lo, hi)) = b.interval {
            let (x0, x1, ym) = (px(lo), px(hi), y + row / 2.0);
            let _ = writeln!(
                s,
                r##"<path d="M{x0:.1} {:.1}V{:.1}M{x0:.1} {ym:.1}H{x1:.1}M{x1:.1} {:.1}V{:.1}" stroke="#1d1d1f" stroke-width="1.5" fill="none"/>"##,
                ym - 6.0,
                ym + 6.0,
                ym - 6.0,
                ym + 6.0
            );
        }
        let end = b.interval.map_or(b.value, |(_, hi)| hi.max(b.value));
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#1d1d1f">{}</text></g>"##,
            px(end) + 6.0,
            y + row / 2.0 + 4.0,
            esc(&b.text)
        );
    }
    if let Some((r, label)) = reference {
        let x = px(r);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom}" stroke="#1d1d1f" stroke-dasharray="4 3"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#1d1d1f">{}</text>"##,
            top - 4.0,
            top - 8.0,
            esc(label)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// One series of grouped columns: a name, a colour, and per category a
/// value and its 95 % interval.
pub struct Columns {
    /// Legend label.
    pub name: String,
    /// Fill colour.
    pub color: &'static str,
    /// Per category: value and interval.
    pub values: Vec<(f64, Option<(f64, f64)>)>,
}

/// Vertical columns over categories (hours, capture counts), one column
/// per series side by side, with error bars. `x_axis` labels the
/// categories; the value axis is [`Words::axis`].
pub fn columns(w: &Words, categories: &[String], x_axis: &str, series: &[Columns]) -> String {
    let (left, right, top, bottom) = (70.0, W - 10.0, 40.0, 270.0);
    let height = bottom + 50.0;
    let max = series
        .iter()
        .flat_map(|c| &c.values)
        .map(|(v, ci)| ci.map_or(*v, |(_, hi)| hi.max(*v)))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (ticks, decimals) = ticks(max);
    let top_tick = *ticks.last().expect("at least one tick");
    let py = |v: f64| bottom - (bottom - top) * (v / top_tick).clamp(0.0, 1.0);
    let slot = (right - left) / categories.len().max(1) as f64;
    let width = (slot * 0.8) / series.len().max(1) as f64;
    let mut s = String::new();
    open(&mut s, w, height);
    legend(&mut s, w.legend);
    for &t in &ticks {
        let y = py(t);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#e3e3e8"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#5f6368">{}</text>"##,
            left - 6.0,
            y + 4.0,
            fmt_num(t, decimals)
        );
    }
    let _ = writeln!(
        s,
        r##"<text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle" fill="#1d1d1f">{}</text>"##,
        (top + bottom) / 2.0,
        esc(w.axis)
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#1d1d1f">{}</text>"##,
        (left + right) / 2.0,
        bottom + 40.0,
        esc(x_axis)
    );
    // Label every category when they fit, else every other one.
    let every = if categories.len() > 16 { 2 } else { 1 };
    for (i, label) in categories.iter().enumerate() {
        let x = left + slot * (i as f64 + 0.5);
        if i % every == 0 {
            let _ = writeln!(
                s,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#5f6368">{}</text>"##,
                bottom + 16.0,
                esc(label)
            );
        }
        for (k, c) in series.iter().enumerate() {
            let Some(&(v, ci)) = c.values.get(i) else {
                continue;
            };
            let x0 = left + slot * i as f64 + slot * 0.1 + width * k as f64;
            let _ = write!(
                s,
                r##"<g><title>{}, {}: {}</title><rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"##,
                esc(&c.name),
                esc(label),
                fmt_num(v, decimals.max(1)),
                py(v),
                (width - 1.0).max(1.0),
                bottom - py(v),
                c.color
            );
            if let Some((lo, hi)) = ci {
                let xm = x0 + width / 2.0;
                let _ = write!(
                    s,
                    r##"<path d="M{xm:.1} {:.1}V{:.1}" stroke="#1d1d1f" stroke-width="1.2"/>"##,
                    py(lo),
                    py(hi)
                );
            }
            s.push_str("</g>\n");
        }
    }
    let _ = writeln!(
        s,
        r##"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#1d1d1f"/>"##
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        let (t, d) = ticks(43.0);
        assert_eq!(t, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(d, 0);
        let (t, d) = ticks(0.34);
        assert!(*t.last().unwrap() >= 0.34);
        assert_eq!(d, 1);
        assert_eq!(ticks(0.0).0.last(), Some(&1.0));
    }

    #[test]
    fn charts_have_a_text_alternative_and_escape_labels() {
        let words = Words {
            id: "c",
            title: "T <b>",
            desc: "D & d",
            axis: "per 100,000 faces",
            legend: &[(RED, "false")],
        };
        let bar = Bar {
            label: "<script>".into(),
            value: 2.0,
            interval: Some((1.0, 3.0)),
            color: RED,
            text: "2".into(),
        };
        let svg = bars(&words, &[bar], Some((1.0, "reference")));
        assert!(svg.contains(r#"<title id="c-t">T &lt;b&gt;</title>"#));
        assert!(svg.contains(r#"<desc id="c-d">D &amp; d</desc>"#));
        assert!(!svg.contains("<script>"));
    }
}
