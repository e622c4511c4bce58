//! The funnel on a phone: the wide drawing's six columns would shrink its
//! labels to a few pixels, so here each stage is a heading and each of its
//! nodes a horizontal bar, log-scaled as the wide drawing's heights are,
//! with its label and count on the line above. The alerts' bar is split
//! into true and false by the alert precision, as in the wide drawing.

use super::funnel::{ALERTS, NODES, STAGES, SUBTITLE, describe, shown};
use super::page::{about, esc};
use super::svg::{FONT, GREEN, LINE, RED, Variant, text_lines, wrap};
use crate::metrics::Metric;
use crate::report::Report;
use std::fmt::Write as _;

/// The drawing's width.
const W: f64 = 400.0;
/// Length added by each tenfold: seven decades (10 million faces) fit.
const DECADE: f64 = 54.0;

/// A bar's length: log-scaled, at least a visible line.
fn length(count: f64) -> f64 {
    (DECADE * (1.0 + count.max(0.0)).log10()).clamp(1.5, W)
}

/// The funnel's narrow SVG.
pub fn chart(r: &Report) -> String {
    let shown = shown(r);
    let id = Variant::Narrow.id("funnel");
    let subtitle = wrap(SUBTITLE, FONT, false, W);
    let mut body = String::new();
    text_lines(&mut body, 0.0, 40.0, r##" fill="#5f6368""##, &subtitle);
    let mut y = 40.0 + LINE * subtitle.len() as f64 + 8.0;
    for (column, stage) in STAGES.iter().enumerate() {
        let _ = writeln!(
            body,
            r##"<text x="0" y="{:.1}" font-weight="bold" fill="#5f6368">{stage}</text>"##,
            y + 13.0
        );
        y += 22.0;
        for (i, n) in NODES.iter().enumerate() {
            if n.column != column || !shown[i] {
                continue;
            }
            let count = r.total(n.metric).mean;
            let label = match i {
                ALERTS => format!(
                    "{}: {} (true {}, false {})",
                    n.label,
                    about(count),
                    about(r.total(Metric::TrueAlerts).mean),
                    about(r.total(Metric::FalseAlerts).mean)
                ),
                _ => format!("{}: {}", n.label, about(count)),
            };
            let lines = wrap(&label, FONT, false, W - 12.0);
            let _ = write!(body, "<g><title>{}</title>", esc(&label));
            text_lines(&mut body, 12.0, y + 12.0, r##" fill="#1d1d1f""##, &lines);
            let bar_y = y + LINE * lines.len() as f64;
            let len = length(count);
            match (i, r.ratios.alert_precision) {
                (ALERTS, Some(p)) => {
                    let _ = write!(
                        body,
                        r#"<rect x="12" y="{bar_y:.1}" width="{:.1}" height="12" fill="{GREEN}"/><rect x="{:.1}" y="{bar_y:.1}" width="{:.1}" height="12" fill="{RED}"/>"#,
                        len * p,
                        12.0 + len * p,
                        len * (1.0 - p)
                    );
                }
                _ => {
                    let _ = write!(
                        body,
                        r#"<rect x="12" y="{bar_y:.1}" width="{len:.1}" height="12" fill="{}"/>"#,
                        n.color
                    );
                }
            }
            body.push_str("</g>\n");
            y = bar_y + 22.0;
        }
    }
    let mut s = format!(
        r#"<svg class="chart narrow" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {:.0}" role="img" aria-labelledby="{id}-t {id}-d" font-size="{FONT}">"#,
        y + 4.0
    );
    let _ = writeln!(
        s,
        "\n<title id=\"{id}-t\">From face to arrest</title><desc id=\"{id}-d\">{}</desc>",
        esc(&describe(r))
    );
    s.push_str(
        r##"<text x="0" y="18" font-size="16" font-weight="bold" fill="#1d1d1f">From face to arrest</text>"##,
    );
    s.push('\n');
    s.push_str(&body);
    s.push_str("</svg>\n");
    s
}
