//! The page around the sections: the document, its style sheet (screen and
//! A4 print), escaping, and how a figure is written so that tests can read
//! it back.

use crate::format::{Num, fmt_num, fmt_pct};
use std::fmt::Write as _;

/// Escapes text for HTML and SVG, in element content and in quoted
/// attributes alike. Everything the user wrote (scenario names,
/// descriptions, comments, group and site names, `--set` values) goes
/// through here.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A figure of the report as shown, with its exact value for machines:
/// `<span class="fig" data-key="…" data-value="…">text</span>`. The value is
/// written as the JSON report writes it ([`Num`]), so a test can check the
/// page against `run --format json` exactly.
pub fn figure(key: &str, value: f64, text: &str) -> String {
    let exact = serde_json::to_string(&Num(value)).expect("a number serializes");
    format!(
        r#"<span class="fig" data-key="{}" data-value="{}">{}</span>"#,
        esc(key),
        esc(&exact),
        esc(text)
    )
}

/// A count or mean as a person reads it: whole from 10 up, one decimal
/// below (a mean of 0.3 false arrests is not "0").
pub fn about(x: f64) -> String {
    if x.abs() >= 10.0 {
        fmt_num(x, 0)
    } else {
        fmt_num(x, 1)
    }
}

/// A share as a percentage, or `-`.
pub fn pct(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite()).map_or("-".into(), fmt_pct)
}

/// An interval `[lo, hi]` as `lo – hi`, each end formatted by `f`; an
/// unbounded end is `∞`.
pub fn range(lo: f64, hi: f64, f: impl Fn(f64) -> String) -> String {
    let end = |x: f64| if x.is_finite() { f(x) } else { "∞".into() };
    // No-break spaces, and a word joiner after the dash (a line may break
    // after a dash even before a no-break space): an interval wraps, if it
    // must, before or after it, never inside.
    format!("{}\u{a0}–\u{2060}\u{a0}{}", end(lo), end(hi))
}

/// The style sheet: system fonts only (nothing to fetch); a phone layout
/// below 700 px (wide tables stacked into one block per row, each value
/// under its column's name; charts in their narrow drawing); and a print
/// layout that fits A4 with every chart whole on its page and every table
/// within the page's width.
const CSS: &str = r#"
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --true: #1b7f3b;
        --false: #c0392b; --loss: #8e8e93; --accent: #2c5aa0; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lede, p.note, .muted { color: var(--muted); }
p.note { font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; break-inside: avoid; }
.card .big { font-size: 26px; font-weight: 650; }
.card .label { font-weight: 600; }
.card .words { margin: 4px 0; }
.record { border: 2px solid var(--accent); border-radius: 8px; padding: 4px 12px; margin: 8px 0 12px; }
.record ul { margin: 4px 0; padding-left: 18px; }
.record .outside { color: var(--false); font-weight: 600; }
.record .inside { color: var(--true); font-weight: 600; }
p.caveat { border-left: 4px solid #b06000; background: #fff6e5; padding: 6px 10px; }
.card .typical { margin: 2px 0 4px; font-weight: 600; }
.card .ci { color: var(--muted); font-size: 13px; }
.card.bad .big { color: var(--false); }
.card.good .big { color: var(--true); }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { font-weight: 600; }
.scroll { overflow-x: auto; }
td { overflow-wrap: anywhere; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; overflow-wrap: normal; }
tr.set td { background: #fff6d6; }
tr.table-row td { background: #f4f5f7; font-weight: 600; }
code, .key { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
pre.command { background: #f4f5f7; padding: 10px 12px; border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
svg.chart { width: 100%; height: auto; max-width: 960px; display: block; margin: 8px 0; }
svg.chart.narrow { display: none; max-width: 520px; }
.sweep-chart svg { width: 100%; height: auto; max-width: 960px; }
.sweep-chart svg.narrow { max-width: 520px; }
svg.chart text { font-family: system-ui, Helvetica, Arial, sans-serif; }
figure { margin: 12px 0; break-inside: avoid; }
figcaption { color: var(--muted); font-size: 13px; }
details summary { cursor: pointer; color: var(--accent); font-size: 13px; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #f1c40f; color: #000; }
.warning { border-left: 4px solid #e67e22; background: #fdf2e9; padding: 6px 10px; margin: 6px 0; }
@media screen and (max-width: 700px) {
  body { padding: 12px 12px 40px; }
  h1 { font-size: 22px; }
  h2 { font-size: 18px; margin-top: 28px; }
  svg.chart.wide { display: none; }
  svg.chart.narrow { display: block; }
  .cards { grid-template-columns: 1fr; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack thead { display: none; }
  table.stack tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.stack td { display: flow-root; border: 0; padding: 1px 0; text-align: right; white-space: normal;
    overflow-wrap: anywhere; }
  table.stack td::before { content: attr(data-label); float: left; max-width: 60%; padding-right: 10px;
    text-align: left; color: var(--muted); font-weight: normal; }
  table.stack td:first-child { text-align: left; font-weight: 600; }
  table.stack td:first-child::before, table.stack td:empty { display: none; }
  table.stack.assumptions td { text-align: left; }
  table.stack.assumptions td::before { float: none; display: block; }
}
table.stack.wide, table.stack.wide tbody { display: block; }
table.stack.wide thead { display: none; }
table.stack.wide tr { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr));
  column-gap: 20px; border-bottom: 2px solid var(--line); padding: 6px 0; }
table.stack.wide td { display: flow-root; border: 0; padding: 1px 0; text-align: right; white-space: normal; }
table.stack.wide td::before { content: attr(data-label); float: left; max-width: 60%; padding-right: 10px;
  text-align: left; color: var(--muted); font-weight: normal; }
table.stack.wide td:first-child { grid-column: 1 / -1; text-align: left; font-weight: 600; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  section { break-inside: auto; }
  svg.chart { max-width: 180mm; }
  table { font-size: 8.5pt; }
  th, td { padding: 2px 5px; }
  .scroll { overflow: visible; }
  details > *:not(summary) { display: block; }
  details summary { display: none; }
  .card { padding: 6px 8px; }
}
"#;

/// The report's style sheet, for a page that embeds a report's body
/// ([`super::run_body`]) and must look the same.
pub fn style_sheet() -> &'static str {
    CSS
}

/// An HTML document being written: a header, then sections in order.
pub struct Page {
    html: String,
}

impl Page {
    /// Opens a document titled `title` (escaped here). The policy forbids
    /// every script and every fetch: the page is inert, and opens offline.
    pub fn new(title: &str) -> Page {
        let mut html = String::with_capacity(256 * 1024);
        let _ = write!(
            html,
            concat!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ",
                "style-src 'unsafe-inline'; img-src data:\">\n",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                "<meta name=\"generator\" content=\"survsim {}\">\n",
                "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n"
            ),
            env!("CARGO_PKG_VERSION"),
            esc(title),
            CSS
        );
        Page { html }
    }

    /// An empty fragment: sections to be placed inside another document
    /// ([`Page::into_fragment`]).
    pub fn fragment() -> Page {
        Page {
            html: String::with_capacity(256 * 1024),
        }
    }

    /// The fragment written so far, without closing a document.
    pub fn into_fragment(self) -> String {
        self.html
    }

    /// Appends raw, already escaped HTML.
    pub fn push(&mut self, html: &str) {
        self.html.push_str(html);
    }

    /// Appends a section: `<section id>` with an `<h2>` heading (escaped)
    /// and its body (HTML).
    pub fn section(&mut self, id: &str, heading: &str, body: &str) {
        let _ = write!(
            self.html,
            "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            esc(id),
            esc(heading),
            body
        );
    }

    /// Closes the document.
    pub fn finish(mut self) -> String {
        self.html.push_str("</body>\n</html>\n");
        self.html
    }
}

/// A table: the header cells (escaped; a header starting with `#` is a
/// number column, right-aligned, the `#` dropped) and rows of cells
/// (HTML, already escaped).
///
/// A table of three columns or more stacks on a phone: one block per row,
/// each cell beside its column's name (its `data-label`); one of more than
/// twelve is laid out so everywhere.
pub fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let numeric: Vec<bool> = head.iter().map(|h| h.starts_with('#')).collect();
    let labels: Vec<String> = head
        .iter()
        .map(|h| esc(h.strip_prefix('#').unwrap_or(h)))
        .collect();
    // Beyond a dozen columns (a sweep's results) no page is wide enough:
    // each row is a block of its cells, laid out in as many columns as fit.
    let class = match head.len() {
        0..=2 => "",
        3..=12 => " class=\"stack\"",
        _ => " class=\"stack wide\"",
    };
    let mut s = format!("<div class=\"scroll\"><table{class}>\n<thead><tr>");
    for h in head {
        let (class, text) = match h.strip_prefix('#') {
            Some(t) => (" class=\"n\"", t),
            None => ("", *h),
        };
        let _ = write!(s, "<th{class}>{}</th>", esc(text));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if numeric.get(i) == Some(&true) {
                " class=\"n\""
            } else {
                ""
            };
            let label = labels.get(i).map_or("", String::as_str);
            // A percentage keeps its sign on its line.
            let cell = cell.replace(" %", "\u{a0}%");
            let _ = write!(s, "<td{class} data-label=\"{label}\">{cell}</td>");
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table></div>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert(1)</script> & \"x\" 'y'"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
    }

    #[test]
    fn figures_carry_the_json_number() {
        assert_eq!(
            figure("false_alerts", 31.5, "32"),
            r#"<span class="fig" data-key="false_alerts" data-value="31.5">32</span>"#
        );
        assert!(figure("x", 3.0, "3").contains(r#"data-value="3""#));
        assert_eq!(about(31.6), "32");
        assert_eq!(about(0.34), "0.3");
        assert_eq!(
            range(1.0, f64::INFINITY, |x| fmt_num(x, 0)),
            "1\u{a0}–\u{2060}\u{a0}∞"
        );
    }
}
