//! What the page's hand-drawn SVG charts share: colours, a chart's words,
//! its two widths, the title and legend, tick values and a width estimate
//! for text. The charts themselves are in `bars` and `columns` (and the
//! funnel in `funnel`).
//!
//! Every chart is drawn twice, at two widths, and the style sheet shows
//! one: [`Variant::Wide`] on a screen wider than 700 px and in print,
//! [`Variant::Narrow`] on a phone. Sizes are in a `viewBox`, so a chart
//! scales to its box; text is never smaller than 13 units, and a box is
//! never so much narrower than its variant's width that it would be drawn
//! below 9 px (a 900-unit chart in an A4 page's 680 px, a 400-unit one in
//! a 320 px phone's 296 px). One picture cannot do both: at a phone's
//! width a 900-unit chart's 13-unit text is drawn at 5 px.
//!
//! Hand-written rather than `plotters`: the charts are a few rectangles and
//! lines, and writing them directly keeps the bytes fixed by this file (no
//! font metrics, no floating-point layout from a dependency) and the page
//! small.

use super::page::esc;
use std::fmt::Write as _;

/// Colours of the series, readable in greyscale print too.
pub const BLUE: &str = "#2c5aa0";
/// False alerts, wrongful outcomes.
pub const RED: &str = "#c0392b";
/// True alerts, correct outcomes.
pub const GREEN: &str = "#1b7f3b";
/// Losses.
pub const GREY: &str = "#8e8e93";

/// The smallest text in a chart, in user units.
pub const FONT: f64 = 13.0;
/// A title's size.
const TITLE_FONT: f64 = 16.0;
/// Line height of ordinary text.
pub const LINE: f64 = 17.0;

/// Which of a chart's two drawings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// For screens wider than 700 px, and for print.
    Wide,
    /// For phones.
    Narrow,
}

impl Variant {
    /// Both, in the order written.
    pub const BOTH: [Variant; 2] = [Variant::Wide, Variant::Narrow];

    /// The drawing's width in user units.
    pub fn width(self) -> f64 {
        match self {
            Variant::Wide => 900.0,
            Variant::Narrow => 400.0,
        }
    }

    /// The class the style sheet shows or hides.
    pub fn class(self) -> &'static str {
        match self {
            Variant::Wide => "wide",
            Variant::Narrow => "narrow",
        }
    }

    /// The suffix of the narrow drawing's ids, which must differ from the
    /// wide one's within the page.
    pub fn id(self, id: &str) -> String {
        match self {
            Variant::Wide => esc(id),
            Variant::Narrow => format!("{}-n", esc(id)),
        }
    }
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

/// Estimated width of `text` at `size`: 0.62 em a character, as wide as
/// the widest common glyphs of the usual sans-serif fonts (10 % more in
/// bold), so that estimated room is never too little.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let w = text.chars().count() as f64 * 0.62 * size;
    if bold { w * 1.1 } else { w }
}

/// `text` broken at spaces into lines at most `width` wide (a word wider
/// than that gets a line of its own).
pub fn wrap(text: &str, size: f64, bold: bool, width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size, bold) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// `<text>` lines from `(x, y)`, `LINE` apart, with extra attributes.
pub fn text_lines(s: &mut String, x: f64, y: f64, attrs: &str, lines: &[String]) {
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{x:.1}" y="{:.1}"{attrs}>{}</text>"##,
            y + LINE * i as f64,
            esc(l)
        );
    }
}

/// The opening `<svg>` of variant `v`, `height` tall, with its title and
/// description for screen readers.
pub fn open(s: &mut String, w: &Words, v: Variant, height: f64) {
    let id = v.id(w.id);
    let _ = writeln!(
        s,
        r#"<svg class="chart {}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {height:.0}" role="img" aria-labelledby="{id}-t {id}-d" font-size="{FONT}">"#,
        v.class(),
        v.width(),
    );
    let _ = writeln!(s, r#"<title id="{id}-t">{}</title>"#, esc(w.title));
    let _ = writeln!(s, r#"<desc id="{id}-d">{}</desc>"#, esc(w.desc));
}

/// The title and legend, laid out for `v`: the legend beside a title that
/// leaves room for it, else on a line of its own below. Returns the drawn
/// text and the y below it.
pub fn head(w: &Words, v: Variant) -> (String, f64) {
    let width = v.width();
    let legend_w: f64 = w
        .legend
        .iter()
        .map(|(_, l)| 24.0 + text_width(l, FONT, false))
        .sum();
    let beside = width - legend_w - 16.0;
    let one_line = text_width(w.title, TITLE_FONT, true) <= beside;
    let title = wrap(
        w.title,
        TITLE_FONT,
        true,
        if one_line { beside } else { width },
    );
    let mut s = String::new();
    for (i, l) in title.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="0" y="{:.1}" font-size="{TITLE_FONT}" font-weight="bold" fill="#1d1d1f">{}</text>"##,
            18.0 + 20.0 * i as f64,
            esc(l)
        );
    }
    let title_bottom = 18.0 + 20.0 * (title.len() - 1) as f64;
    if w.legend.is_empty() {
        return (s, title_bottom + 22.0);
    }
    let (mut x, y) = if one_line {
        (width - legend_w, 18.0)
    } else {
        (0.0, title_bottom + 22.0)
    };
    for (color, label) in w.legend {
        let _ = writeln!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{color}"/><text x="{:.1}" y="{y:.1}" fill="#1d1d1f">{}</text>"##,
            y - 10.0,
            x + 16.0,
            esc(label)
        );
        x += 24.0 + text_width(label, FONT, false);
    }
    (s, y + 22.0)
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

/// Both drawings of a chart, `draw` making each.
pub fn both(draw: impl Fn(Variant) -> String) -> String {
    Variant::BOTH.iter().map(|&v| draw(v)).collect()
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
    fn titles_wrap_and_the_legend_moves_below_when_narrow() {
        let words = Words {
            id: "c",
            title: "False alerts per 100,000 faces: each group against 25+/white",
            desc: "",
            axis: "",
            legend: &[(RED, "reference group"), (BLUE, "other groups")],
        };
        let (wide, below_wide) = head(&words, Variant::Wide);
        let (narrow, below_narrow) = head(&words, Variant::Narrow);
        assert_eq!(wide.matches("font-weight=\"bold\"").count(), 1);
        assert!(narrow.matches("font-weight=\"bold\"").count() >= 2);
        assert!(below_narrow > below_wide);
        for line in wrap(words.title, TITLE_FONT, true, 400.0) {
            assert!(text_width(&line, TITLE_FONT, true) <= 400.0, "{line}");
        }
    }
}
