//! Vertical columns over categories (hours of the day, capture counts),
//! one column per series side by side, with error bars. The value axis
//! leaves its title as much room as its widest tick label needs, so six
//! digits never run into it; category labels are thinned to every second
//! or third when they would touch.

use super::page::esc;
use super::svg::{self, FONT, LINE, Variant, Words, open, text_lines, text_width, ticks, wrap};
use crate::format::fmt_num;
use std::fmt::Write as _;

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

/// Vertical columns over categories, one column per series side by side,
/// with error bars: both drawings. `x_axis` labels the categories; the
/// value axis is [`Words::axis`].
pub fn columns(w: &Words, categories: &[String], x_axis: &str, series: &[Columns]) -> String {
    svg::both(|v| draw(w, categories, x_axis, series, v))
}

/// The plot's left edge: the rotated axis title's `title_lines`, a gap,
/// the widest tick label and the tick's own gap.
fn left_edge(tick_labels: &[String], title_lines: usize) -> f64 {
    let widest = tick_labels
        .iter()
        .map(|t| text_width(t, FONT, false))
        .fold(0.0, f64::max);
    8.0 + LINE * title_lines as f64 + 10.0 + widest + 6.0
}

/// Every how many categories a label fits: each needs its width and a gap.
fn label_every(categories: &[String], slot: f64) -> usize {
    let widest = categories
        .iter()
        .map(|c| text_width(c, FONT, false))
        .fold(0.0, f64::max);
    ((widest + 6.0) / slot).ceil().max(1.0) as usize
}

/// One drawing of the columns.
fn draw(w: &Words, categories: &[String], x_axis: &str, series: &[Columns], v: Variant) -> String {
    let (head, top) = svg::head(w, v);
    let plot_h = match v {
        Variant::Wide => 230.0,
        Variant::Narrow => 200.0,
    };
    let bottom = top + plot_h;
    let max = series
        .iter()
        .flat_map(|c| &c.values)
        .map(|(v, ci)| ci.map_or(*v, |(_, hi)| hi.max(*v)))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (ticks, decimals) = ticks(max);
    let tick_labels: Vec<String> = ticks.iter().map(|&t| fmt_num(t, decimals)).collect();
    let y_title = wrap(w.axis, FONT, false, plot_h);
    let (left, right) = (left_edge(&tick_labels, y_title.len()), v.width() - 10.0);
    let x_title = wrap(x_axis, FONT, false, right - left);
    let height = bottom + 40.0 + LINE * x_title.len() as f64;
    let top_tick = *ticks.last().expect("at least one tick");
    let py = |v: f64| bottom - (bottom - top) * (v / top_tick).clamp(0.0, 1.0);
    let slot = (right - left) / categories.len().max(1) as f64;
    let width = (slot * 0.8) / series.len().max(1) as f64;
    let mut s = String::new();
    open(&mut s, w, v, height);
    s.push_str(&head);
    for (&t, label) in ticks.iter().zip(&tick_labels) {
        let y = py(t);
        let _ = writeln!(
            s,
            r##"<line x1="{left:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}" stroke="#e3e3e8"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#5f6368">{label}</text>"##,
            left - 6.0,
            y + 4.0,
        );
    }
    // The value axis's title, rotated, in the room left of the widest tick.
    for (i, line) in y_title.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text transform="translate({:.1} {:.1}) rotate(-90)" text-anchor="middle" fill="#1d1d1f">{}</text>"##,
            8.0 + FONT + LINE * i as f64,
            (top + bottom) / 2.0,
            esc(line)
        );
    }
    let mid = r##" text-anchor="middle" fill="#1d1d1f""##;
    text_lines(&mut s, (left + right) / 2.0, bottom + 40.0, mid, &x_title);
    let every = label_every(categories, slot);
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
        r##"<line x1="{left:.1}" y1="{bottom:.1}" x2="{right:.1}" y2="{bottom:.1}" stroke="#1d1d1f"/>"##
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digit_ticks_get_room_beside_the_axis_title() {
        let short = left_edge(&["0".into(), "50".into()], 1);
        let long = left_edge(&["0".into(), "100,000".into()], 1);
        // The title's line sits at 8 + FONT; the tick labels end at left − 6
        // and start their width before: never overlapping it.
        assert!(long - 6.0 - text_width("100,000", FONT, false) >= 8.0 + FONT + 4.0);
        assert!(long > short);
        let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
        assert_eq!(label_every(&hours, 800.0 / 24.0), 1);
        assert!(label_every(&hours, 360.0 / 24.0) >= 2);
    }
}
