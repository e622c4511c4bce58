//! Horizontal bars with error bars and a reference line (each group's
//! disparity against the reference group). Wide: labels left of the bars,
//! values after them. Narrow: each bar under a line of its own that says
//! the group and the value, so that neither needs a column.

use super::page::esc;
use super::svg::{self, FONT, LINE, Variant, Words, open, text_lines, ticks, wrap};
use crate::format::fmt_num;
use std::fmt::Write as _;

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

/// Where a bar and its text go: the value axis's extent and rows.
struct Layout {
    left: f64,
    right: f64,
    top: f64,
    /// Per bar: the top of its row, and the lines of text above it
    /// (narrow only).
    rows: Vec<(f64, Vec<String>)>,
    bottom: f64,
}

/// Horizontal bars, one per row, with error bars and an optional reference
/// line (e.g. at 1× for a disparity): both drawings.
pub fn bars(w: &Words, bars: &[Bar], reference: Option<(f64, &str)>) -> String {
    svg::both(|v| draw(w, bars, reference, v))
}

/// The bars' rows for variant `v`, below `top`.
fn layout(bars: &[Bar], v: Variant, top: f64) -> Layout {
    let width = v.width();
    match v {
        Variant::Wide => {
            let row = 30.0;
            Layout {
                left: 160.0,
                right: width - 240.0,
                top,
                rows: (0..bars.len())
                    .map(|i| (top + row * i as f64, Vec::new()))
                    .collect(),
                bottom: top + row * bars.len() as f64,
            }
        }
        Variant::Narrow => {
            let mut y = top;
            let rows = bars
                .iter()
                .map(|b| {
                    let words = format!("{}: {}", b.label, b.text);
                    let lines = wrap(&words, FONT, false, width - 8.0);
                    let at = y;
                    y += LINE * lines.len() as f64 + 28.0;
                    (at, lines)
                })
                .collect();
            Layout {
                left: 4.0,
                right: width - 16.0,
                top,
                rows,
                bottom: y,
            }
        }
    }
}

/// One drawing of the bars.
fn draw(w: &Words, bars: &[Bar], reference: Option<(f64, &str)>, v: Variant) -> String {
    let (head, below) = svg::head(w, v);
    // Room above the first bar for the reference line's label.
    let l = layout(
        bars,
        v,
        below + if reference.is_some() { 14.0 } else { 0.0 },
    );
    let axis = wrap(w.axis, FONT, false, v.width());
    let height = l.bottom + 46.0 + LINE * (axis.len() - 1) as f64;
    let max = bars
        .iter()
        .map(|b| b.interval.map_or(b.value, |(_, hi)| hi.max(b.value)))
        .chain(reference.map(|(r, _)| r))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (ticks, decimals) = ticks(max);
    let top_tick = *ticks.last().expect("at least one tick");
    let px = |x: f64| l.left + (l.right - l.left) * (x / top_tick).clamp(0.0, 1.0);
    let mut s = String::new();
    open(&mut s, w, v, height);
    s.push_str(&head);
    for &t in &ticks {
        let x = px(t);
        let anchor = if v == Variant::Narrow && t == 0.0 {
            "start"
        } else {
            "middle"
        };
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#e3e3e8"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" fill="#5f6368">{}</text>"##,
            l.top,
            l.bottom,
            l.bottom + 16.0,
            fmt_num(t, decimals),
        );
    }
    let mid = r##" text-anchor="middle" fill="#1d1d1f""##;
    text_lines(&mut s, v.width() / 2.0, l.bottom + 38.0, mid, &axis);
    for (b, (y, lines)) in bars.iter().zip(&l.rows) {
        bar(&mut s, b, (*y, lines), &l, &px, v);
    }
    if let Some((r, label)) = reference {
        let x = px(r);
        let anchor = if v == Variant::Narrow {
            "start"
        } else {
            "middle"
        };
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#1d1d1f" stroke-dasharray="4 3"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" fill="#1d1d1f">{}</text>"##,
            l.top - 4.0,
            l.bottom,
            l.top - 6.0,
            esc(label)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// One bar, its error bar and its words.
fn bar(
    s: &mut String,
    b: &Bar,
    (y, lines): (f64, &[String]),
    l: &Layout,
    px: &dyn Fn(f64) -> f64,
    v: Variant,
) {
    let label = esc(&b.label);
    let _ = write!(s, "<g><title>{label}: {}</title>", esc(&b.text));
    // The bar's band: a wide row's middle, or below a narrow row's words.
    let (bar_y, bar_h) = match v {
        Variant::Wide => (y + 5.0, 20.0),
        Variant::Narrow => (y + LINE * lines.len() as f64 + 2.0, 14.0),
    };
    if v == Variant::Wide {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1d1d1f">{label}</text>"##,
            l.left - 8.0,
            y + 19.0,
        );
    } else {
        // A halo: the reference line runs under the words.
        let halo = r##" fill="#1d1d1f" paint-order="stroke" stroke="#ffffff" stroke-width="4""##;
        text_lines(s, 0.0, y + 12.0, halo, lines);
    }
    let _ = write!(
        s,
        r##"<rect x="{:.1}" y="{bar_y:.1}" width="{:.1}" height="{bar_h:.1}" fill="{}"/>"##,
        l.left,
        px(b.value) - l.left,
        b.color
    );
    if let Some((lo, hi)) = b.interval {
        let (x0, x1, ym) = (px(lo), px(hi), bar_y + bar_h / 2.0);
        let _ = write!(
            s,
            r##"<path d="M{x0:.1} {:.1}V{:.1}M{x0:.1} {ym:.1}H{x1:.1}M{x1:.1} {:.1}V{:.1}" stroke="#1d1d1f" stroke-width="1.5" fill="none"/>"##,
            ym - 6.0,
            ym + 6.0,
            ym - 6.0,
            ym + 6.0
        );
    }
    if v == Variant::Wide {
        let end = b.interval.map_or(b.value, |(_, hi)| hi.max(b.value));
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#1d1d1f">{}</text>"##,
            px(end) + 6.0,
            y + 19.0,
            esc(&b.text)
        );
    }
    s.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::svg::RED;

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
        assert!(svg.contains(r#"<title id="c-n-t">T &lt;b&gt;</title>"#));
        assert!(svg.contains(r#"<desc id="c-d">D &amp; d</desc>"#));
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<svg class=\"chart wide\"").count(), 1);
        assert_eq!(svg.matches("<svg class=\"chart narrow\"").count(), 1);
    }
}
