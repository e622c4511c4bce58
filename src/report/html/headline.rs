//! Section 1, the headline: the figures a reader came for, each with its
//! interval and in plain words, at a rate a reader can picture ("alerts
//! that named someone who is not wanted: about 32 a day"; "about one every
//! 3 days", not "0.3 per day"). An alert or a stop is an event, not a
//! person: one person can be flagged twice, so the words count events.

use super::page::{about, esc, figure, range};
use crate::format::{fmt_num, fmt_pct, human_duration};
use crate::metrics::Metric;
use crate::report::Report;
use crate::stats::MIN_REPS_FOR_PI95;
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
    /// Interval lines, already escaped HTML: the mean (its figure) and
    /// the mean's interval, under the range of one run.
    intervals: Vec<String>,
    /// The range one run falls in (`pi95`), in words, as the big figure,
    /// when there are enough runs for it.
    single: Option<String>,
    tone: Tone,
}

/// "per day" for a one-day run, "in 12h" or "in 7days" otherwise: the run's
/// own period, never a figure divided into another.
pub fn period(r: &Report) -> String {
    let days = r.duration_s / 86_400.0;
    if r.duration_s == 86_400.0 {
        "per day".into()
    } else if days > 1.0 && days.fract() == 0.0 {
        format!("in {} days", fmt_num(days, 0))
    } else {
        format!("in {}", human_duration(r.duration_s))
    }
}

/// How a single run's range is introduced: "on a typical day" for a
/// one-day run, "in a typical run of 7 days" otherwise.
pub fn typical(r: &Report) -> String {
    if r.duration_s == 86_400.0 {
        "on a typical day".into()
    } else {
        let days = r.duration_s / 86_400.0;
        let span = if days >= 1.0 && days.fract() == 0.0 {
            format!("{} days", fmt_num(days, 0))
        } else {
            human_duration(r.duration_s)
        };
        format!("in a typical run of {span}")
    }
}

/// What a single run's range is, in one sentence: 95 % of simulated runs,
/// with the uncertain inputs drawn afresh for each when they are.
fn typical_note(r: &Report) -> String {
    let runs = if r.duration_s == 86_400.0 {
        "simulated days"
    } else {
        "simulated runs"
    };
    if r.parameters_drawn {
        format!("95 % of {runs} fall in this range, the uncertain inputs drawn afresh for each")
    } else {
        format!("95 % of {runs} fall in this range")
    }
}

/// The interval lines of a figure: the mean (`mean`, its figure, when the
/// card leads with one run's range instead) and the mean's 95 % interval
/// (`ci`: with several replications), or why there is no range (with
/// fewer than [`MIN_REPS_FOR_PI95`] runs).
fn interval_lines(
    r: &Report,
    pooled: bool,
    ci: Option<(f64, f64)>,
    mean: Option<String>,
    f: &dyn Fn(f64) -> String,
) -> Vec<String> {
    // A percentage keeps its sign on its line (not inside the figure,
    // whose text is the JSON number's rounding).
    let f = &|x: f64| f(x).replace(" %", "\u{a0}%");
    let mut lines = Vec::new();
    let runs = if pooled {
        format!("over all {} runs", r.replications)
    } else {
        format!("average of {} runs", r.replications)
    };
    lines.push(match (ci, &mean) {
        (Some((lo, hi)), Some(mean)) => format!(
            "{runs}: {mean}; its 95 % confidence interval {}",
            esc(&range(lo, hi, f))
        ),
        (Some((lo, hi)), None) => format!(
            "{runs}; its 95 % confidence interval {}",
            esc(&range(lo, hi, f))
        ),
        (None, _) => "one run: no interval (an interval needs several runs)".into(),
    });
    if mean.is_none() {
        lines.push(format!(
            "a single run's range needs {MIN_REPS_FOR_PI95} runs or more"
        ));
    }
    lines
}

/// The record beside the simulation: each published count, the range one
/// run falls in (or the mean's interval, with too few runs for a range)
/// and whether the published count lies inside it.
fn record_box(r: &Report) -> String {
    let Some(record) = &r.record else {
        return String::new();
    };
    let mut s = String::from(
        "<div class=\"record\"><p><strong>The record beside the simulation</strong></p><ul>\n",
    );
    for &(metric, published) in &record.published {
        let st = r.total(metric);
        let (span, what) = match st.pi95 {
            Some(pi) => (pi, "one run's 95\u{a0}% range"),
            None => ((st.lo, st.hi), "the average's 95\u{a0}% interval"),
        };
        let inside = published >= span.0 && published <= span.1;
        let _ = writeln!(
            s,
            "<li>{}: published <strong>{}</strong>; simulated, {} (average {}) — {}</li>",
            esc(&metric_words(metric)),
            esc(&fmt_num(published, 0)),
            esc(&format!(
                "{what} {}",
                range_words(span.0, span.1, &whole_count)
            )),
            esc(&about(st.mean)),
            if inside {
                "<span class=\"inside\">inside it</span>"
            } else {
                "<span class=\"outside\">outside it</span>"
            }
        );
    }
    let _ = writeln!(
        s,
        "</ul><p class=\"note\">Source: {}</p></div>",
        esc(&record.source)
    );
    s
}

/// A metric as a heading: the cards' words for the headline counts, the
/// report's label otherwise.
fn metric_words(m: Metric) -> String {
    match m {
        Metric::Alerts => "Alerts".into(),
        Metric::TrueAlerts => "True alerts".into(),
        Metric::FalseAlerts => "False alerts".into(),
        Metric::WrongfulStops => "Wrongful stops".into(),
        Metric::FalseArrests => "False arrests".into(),
        Metric::Arrests => "Arrests".into(),
        _ => capitalised(m.label()),
    }
}

/// `text` with its first letter a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A single run's range `(lo, hi)` in words: `16 to 37`, `1 in 23,895
/// or more`.
fn range_words(lo: f64, hi: f64, f: &dyn Fn(f64) -> String) -> String {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) if f(lo) == f(hi) => f(lo),
        (true, true) => format!("{} to {}", f(lo), f(hi)),
        (true, false) => format!("{} or more", f(lo)),
        _ => "undefined".into(),
    }
}

/// A count in one run, whole: a run counts whole events, and a range's
/// interpolated ends (20.9) are no more precise than that.
fn whole_count(x: f64) -> String {
    fmt_num(x.round(), 0)
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
        intervals: interval_lines(
            r,
            false,
            (r.replications > 1).then_some((s.lo, s.hi)),
            s.pi95.map(|_| figure(m.key(), s.mean, &text)),
            &about,
        ),
        text,
        single: s.pi95.map(|(lo, hi)| range_words(lo, hi, &whole_count)),
        tone,
    }
}

/// A span of whole days in words: `3 days`, `5 weeks`, `8 months`.
fn every(days: f64) -> String {
    let (n, unit) = if days < 14.0 {
        (days, "day")
    } else if days < 60.0 {
        (days / 7.0, "week")
    } else if days < 730.0 {
        (days / 30.44, "month")
    } else {
        (days / 365.25, "year")
    };
    let n = n.round().max(2.0);
    format!("{} {unit}s", fmt_num(n, 0))
}

/// How often something happens in a run of `duration_s` whose mean count
/// is `mean`, as a reader pictures it: `about 32 a day (≈ 12,000 in a year
/// of such days)`, `about one every 3 days (≈ 110 in a year of such
/// days)`; over several days the count in the run comes first (`about 37
/// in 365 days: about one every 10 days`), and under a day the rate is per
/// run (`about one every 3 runs of 2h`). Never a fraction of one event a
/// day.
pub fn how_often(mean: f64, duration_s: f64) -> String {
    if !(mean > 0.0 && duration_s > 0.0) {
        return "none in the runs simulated".into();
    }
    let days = duration_s / 86_400.0;
    if days < 1.0 {
        let span = human_duration(duration_s);
        return if mean >= 0.75 {
            format!("about {} in {span}", about(mean))
        } else {
            format!(
                "about one every {} runs of {span}",
                fmt_num((1.0 / mean).round().max(2.0), 0)
            )
        };
    }
    let per_day = mean / days;
    let rate = if per_day >= 1.5 {
        format!("about {} a day", about(per_day))
    } else if per_day >= 0.75 {
        "about one a day".to_string()
    } else {
        format!("about one every {}", every(1.0 / per_day))
    };
    if days == 1.0 {
        let year = per_day * 365.0;
        // From a thousand, two significant digits: a year of one simulated
        // day is a rough figure, and should look it.
        let year = if year >= 10.0 {
            let unit = 10f64.powf((year.log10().floor() - 1.0).max(0.0));
            let unit = if year >= 1000.0 { unit } else { 1.0 };
            fmt_num((year / unit).round() * unit, 0)
        } else {
            fmt_num(year, 1)
        };
        format!("{rate} (≈\u{a0}{year} in a year of such days)")
    } else {
        let span = if days.fract() == 0.0 {
            format!("{} days", fmt_num(days, 0))
        } else {
            human_duration(duration_s)
        };
        format!("about {} in {span}: {rate}", about(mean))
    }
}

/// Every headline card, in reading order.
fn cards(r: &Report) -> Vec<Card> {
    let mut cards = count_cards(r);
    cards.extend(ratio_cards(r));
    cards
}

/// The cards of counts, in reading order.
fn count_cards(r: &Report) -> Vec<Card> {
    let per = period(r);
    let often = |m: Metric| how_often(r.total(m).mean, r.duration_s);
    let residents = fmt_num(r.exposure.residents as f64, 0);
    vec![
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
            |_| {
                format!(
                    "Alerts that named a wanted person correctly: {}",
                    often(Metric::TrueAlerts)
                )
            },
            Tone::Good,
        ),
        count_card(
            r,
            Metric::FalseAlerts,
            "False alerts",
            |_| {
                format!(
                    "Alerts that named someone who is not wanted: {}",
                    often(Metric::FalseAlerts)
                )
            },
            Tone::Bad,
        ),
        count_card(
            r,
            Metric::WrongfulStops,
            "Wrongful stops",
            |_| {
                format!(
                    "Stops by officers of someone who is not wanted: {}",
                    often(Metric::WrongfulStops)
                )
            },
            Tone::Bad,
        ),
        count_card(
            r,
            Metric::FalseArrests,
            "False arrests",
            |_| {
                format!(
                    "Arrests of someone who is not wanted: {}",
                    often(Metric::FalseArrests)
                )
            },
            Tone::Bad,
        ),
    ]
}

/// The cards of ratios, in reading order: those the run has.
fn ratio_cards(r: &Report) -> Vec<Card> {
    let mut cards = Vec::new();
    let whole = |x: f64| fmt_num(x, 0);
    let one_in = |x: f64| format!("1 in {}", fmt_num(x, 0));
    if let Some(n) = r.ratios.faces_per_true_alert {
        cards.push(Card {
            key: "faces_per_true_alert",
            label: "Faces per true alert",
            value: n,
            text: format!("1 in {}", whole(n)),
            words: format!("one true alert for every {} faces scanned", whole(n)),
            intervals: interval_lines(
                r,
                true,
                r.ratios_ci95.faces_per_true_alert,
                r.ratios_pi95
                    .faces_per_true_alert
                    .map(|_| figure("faces_per_true_alert", n, &one_in(n))),
                &one_in,
            ),
            single: r
                .ratios_pi95
                .faces_per_true_alert
                .map(|(lo, hi)| range_words(lo, hi, &one_in)),
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
            intervals: interval_lines(
                r,
                true,
                r.ratios_ci95.alert_precision,
                r.ratios_pi95
                    .alert_precision
                    .map(|_| figure("alert_precision", p, &fmt_pct(p))),
                &fmt_pct,
            ),
            single: r
                .ratios_pi95
                .alert_precision
                .map(|(lo, hi)| range_words(lo, hi, &fmt_pct)),
            tone: Tone::Plain,
        });
    }
    cards
}

/// The headline section's body.
pub fn section(r: &Report) -> String {
    let typical = typical(r);
    let mut s = String::new();
    if r.replications >= MIN_REPS_FOR_PI95 as u64 {
        let _ = writeln!(
            s,
            "<p class=\"lede\">Each card's large figure is the range one deployment's count falls \
             in {}: {}. The average over all {} runs comes second, with its 95\u{a0}% confidence \
             interval, which says how precisely the runs pin the average down, not how much a \
             deployment varies.</p>",
            esc(&typical),
            esc(&typical_note(r)).replace(" %", "\u{a0}%"),
            r.replications
        );
    }
    s.push_str(&record_box(r));
    if let Some(caveat) = &r.threshold_caveat {
        let _ = writeln!(
            s,
            "<p class=\"caveat\"><strong>Beyond the measured thresholds.</strong> {}.</p>",
            esc(&capitalised(caveat))
        );
    }
    s.push_str("<div class=\"cards\">\n");
    for c in cards(r) {
        let class = match c.tone {
            Tone::Plain => "card",
            Tone::Good => "card good",
            Tone::Bad => "card bad",
        };
        let (big, single) = match &c.single {
            Some(words) => (
                esc(words),
                format!("<p class=\"typical\">{}</p>", esc(&typical)),
            ),
            None => (figure(c.key, c.value, &c.text), String::new()),
        };
        let _ = write!(
            s,
            "<div class=\"{class}\"><div class=\"label\">{}</div><div class=\"big\">{big}</div>{}<p class=\"words\">{}</p>",
            esc(c.label),
            single.replace(" %", "\u{a0}%"),
            esc(&c.words).replace(" %", "\u{a0}%")
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

#[cfg(test)]
mod tests {
    use super::how_often;

    #[test]
    fn rates_are_ones_a_reader_can_picture() {
        let day = 86_400.0;
        assert_eq!(
            how_often(31.6, day),
            "about 32 a day (≈\u{a0}12,000 in a year of such days)"
        );
        assert_eq!(
            how_often(0.1, day),
            "about one every 10 days (≈\u{a0}37 in a year of such days)"
        );
        assert_eq!(
            how_often(0.3, day),
            "about one every 3 days (≈\u{a0}110 in a year of such days)"
        );
        assert_eq!(
            how_often(0.02, day),
            "about one every 7 weeks (≈\u{a0}7.3 in a year of such days)"
        );
        assert_eq!(
            how_often(1.0, day),
            "about one a day (≈\u{a0}365 in a year of such days)"
        );
        assert_eq!(
            how_often(37.0, 365.0 * day),
            "about 37 in 365 days: about one every 10 days"
        );
        assert_eq!(how_often(0.3, 2.0 * 3600.0), "about one every 3 runs of 2h");
        assert_eq!(how_often(0.0, day), "none in the runs simulated");
    }
}
