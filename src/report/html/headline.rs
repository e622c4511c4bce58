//! Section 1, the headline: the figures a reader came for, each with its
//! interval and in plain words ("about 32 innocent people flagged per
//! day").

use super::page::{about, esc, figure, range};
use crate::format::{fmt_num, fmt_pct, human_duration};
use crate::metrics::Metric;
use crate::report::{Report, Stat};
use std::fmt::Write as _;

/// How a card's number reads: good news, bad news, or neither.
#[derive(Clone, Copy)]
enum Tone {
    Plain,
    Good,
    Bad,
}

/// One headline figure.
struct Card {
    /// The JSON key the figure is checked against.
    key: &'static str,
    label: &'static str,
    value: f64,
    text: String,
    words: String,
    /// Interval lines, already escaped HTML.
    intervals: Vec<String>,
    tone: Tone,
}

/// "per day" for a one-day run, "in 12h" or "in 7days" otherwise: the run's
/// own period, never a figure divided into another.
pub fn period(r: &Report) -> String {
    if r.duration_s == 86_400.0 {
        "per day".into()
    } else {
        format!("in {}", human_duration(r.duration_s))
    }
}

/// The interval lines of a mean: the 95 % interval of the mean (with
/// several replications) and the range of one run (with enough of them).
fn stat_lines(r: &Report, s: &Stat, f: &dyn Fn(f64) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    if r.replications > 1 {
        lines.push(format!(
            "mean of {} runs; 95 % confidence interval {}",
            r.replications,
            esc(&range(s.lo, s.hi, f))
        ));
    } else {
        lines.push("one run: no interval (use --reps for one)".into());
    }
    if let Some((lo, hi)) = s.pi95 {
        lines.push(format!("95 % of single runs: {}", esc(&range(lo, hi, f))));
    }
    lines
}

/// The interval lines of a pooled ratio.
fn ratio_lines(
    ci: Option<(f64, f64)>,
    pi: Option<(f64, f64)>,
    f: &dyn Fn(f64) -> String,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some((lo, hi)) = ci {
        lines.push(format!(
            "95 % confidence interval {}",
            esc(&range(lo, hi, f))
        ));
    }
    if let Some((lo, hi)) = pi {
        lines.push(format!("95 % of single runs: {}", esc(&range(lo, hi, f))));
    }
    lines
}

/// A card for a run-wide count.
fn count_card(
    r: &Report,
    m: Metric,
    label: &'static str,
    words: impl Fn(&str) -> String,
    tone: Tone,
) -> Card {
    let s = r.total(m);
    let text = about(s.mean);
    Card {
        key: m.key(),
        label,
        value: s.mean,
        words: words(&text),
        text,
        intervals: stat_lines(r, &s, &about),
        tone,
    }
}

/// Every headline card, in reading order.
fn cards(r: &Report) -> Vec<Card> {
    let per = period(r);
    let residents = fmt_num(r.exposure.residents as f64, 0);
    let mut cards = vec![
        count_card(
            r,
            Metric::FacesCaptured,
            "Faces scanned",
            |n| format!("about {n} faces captured and searched against the watchlist {per}"),
            Tone::Plain,
        ),
        count_card(
            r,
            Metric::PeopleScanned,
            "People scanned",
            |n| {
                format!(
                    "about {n} different people, {} of the {residents} residents",
                    fmt_pct(r.exposure.share_scanned)
                )
            },
            Tone::Plain,
        ),
        count_card(
            r,
            Metric::TrueAlerts,
            "True alerts",
            |n| format!("about {n} alerts {per} named a wanted person correctly"),
            Tone::Good,
        ),
        count_card(
            r,
            Metric::FalseAlerts,
            "False alerts",
            |n| format!("about {n} innocent people flagged {per}"),
            Tone::Bad,
        ),
        count_card(
            r,
            Metric::WrongfulStops,
            "Wrongful stops",
            |n| format!("about {n} innocent people stopped by officers {per}"),
            Tone::Bad,
        ),
        count_card(
            r,
            Metric::FalseArrests,
            "False arrests",
            |n| format!("about {n} innocent people arrested {per}"),
            Tone::Bad,
        ),
    ];
    let whole = |x: f64| fmt_num(x, 0);
    if let Some(n) = r.ratios.faces_per_true_alert {
        cards.push(Card {
            key: "faces_per_true_alert",
            label: "Faces per true alert",
            value: n,
            text: format!("1 in {}", whole(n)),
            words: format!("one true alert for every {} faces scanned", whole(n)),
            intervals: ratio_lines(
                r.ratios_ci95.faces_per_true_alert,
                r.ratios_pi95.faces_per_true_alert,
                &whole,
            ),
            tone: Tone::Plain,
        });
    }
    if let Some(p) = r.ratios.alert_precision {
        cards.push(Card {
            key: "alert_precision",
            label: "Alert precision",
            value: p,
            text: fmt_pct(p),
            words: format!(
                "{} of alerts named the right person; the rest named someone else",
                fmt_pct(p)
            ),
            intervals: ratio_lines(
                r.ratios_ci95.alert_precision,
                r.ratios_pi95.alert_precision,
                &fmt_pct,
            ),
            tone: Tone::Plain,
        });
    }
    cards
}

/// The headline section's body.
pub fn section(r: &Report) -> String {
    let mut s = String::from("<div class=\"cards\">\n");
    for c in cards(r) {
        let class = match c.tone {
            Tone::Plain => "card",
            Tone::Good => "card good",
            Tone::Bad => "card bad",
        };
        let _ = write!(
            s,
            "<div class=\"{class}\"><div class=\"label\">{}</div><div class=\"big\">{}</div><p class=\"words\">{}</p>",
            esc(c.label),
            figure(c.key, c.value, &c.text),
            esc(&c.words)
        );
        for line in &c.intervals {
            let _ = write!(s, "<div class=\"ci\">{line}</div>");
        }
        s.push_str("</div>\n");
    }
    s.push_str("</div>\n");
    if r.ratios.faces_per_true_alert.is_none() {
        s.push_str(
            "<p class=\"note\">No true alert in this run: faces per true alert is undefined.</p>\n",
        );
    }
    s
}
