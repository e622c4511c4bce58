//! Sections 3 to 6: equity, exposure, pipeline and latency, time of day.
//! Each draws the report's figures as they are; none is derived here.

use super::bars::Bar;
use super::columns::{Columns, columns};
use super::page::{about, esc, pct, range, table};
use super::svg::{BLUE, GREEN, RED, Words};
use crate::format::{fmt_num, fmt_pct, human_duration};
use crate::metrics::Metric;
use crate::report::deployments::DEPLOYMENT_COLUMNS;
use crate::report::table::fmt_latency;
use crate::report::{CaptureBin, EquityRow, Report, Stat};
use std::fmt::Write as _;

/// A Stat's 95 % interval, when there are replications to give one.
fn interval(r: &Report, s: &Stat) -> Option<(f64, f64)> {
    (r.replications > 1).then_some((s.lo, s.hi))
}

/// A disparity `(key, ratio, lo, hi)` of a group, by key.
fn disparity(q: &EquityRow, key: &str) -> Option<(f64, f64, f64)> {
    q.disparity
        .iter()
        .find(|d| d.0 == key)
        .map(|&(_, v, lo, hi)| (v, lo, hi))
}

/// `3.47×` and, on a line below, `[3.14 – 3.83]` (HTML), or `-` when
/// undefined: the interval on a line of its own keeps the column narrow
/// enough for a printed page.
fn times(d: Option<(f64, f64, f64)>) -> String {
    match d {
        Some((v, lo, hi)) if v.is_finite() && lo < hi => format!(
            "{}×<br>[{}]",
            esc(&fmt_num(v, 2)),
            esc(&range(lo, hi, |x| fmt_num(x, 2)))
        ),
        Some((v, _, _)) if v.is_finite() => format!("{}×", esc(&fmt_num(v, 2))),
        _ => "-".into(),
    }
}

/// A chart of each group's disparity in one rate against the reference
/// group, sorted from the most burdened, with error bars.
fn disparity_chart(
    r: &Report,
    key: &str,
    id: &str,
    what: &str,
    rate: &dyn Fn(&EquityRow) -> String,
) -> String {
    let mut bars: Vec<Bar> = r
        .equity
        .iter()
        .filter_map(|q| {
            let (v, lo, hi) = disparity(q, key)?;
            v.is_finite().then(|| Bar {
                label: q.name.clone(),
                value: v,
                interval: (lo < hi && hi.is_finite()).then_some((lo, hi)),
                color: if q.name == r.reference_group {
                    BLUE
                } else {
                    RED
                },
                text: format!("{}× ({})", fmt_num(v, 2), rate(q)),
            })
        })
        .collect();
    bars.sort_by(|a, b| b.value.total_cmp(&a.value));
    if bars.is_empty() {
        return format!(
            "<p class=\"note\">No {} in any group: no disparity to show.</p>\n",
            esc(what)
        );
    }
    let title = format!("{what}: each group against {}", r.reference_group);
    let desc = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.text))
        .collect::<Vec<_>>()
        .join("; ");
    let words = Words {
        id,
        title: &title,
        desc: &desc,
        axis: "times the reference group's rate (95 % interval as error bars)",
        legend: &[(BLUE, "reference group"), (RED, "other groups")],
    };
    format!(
        "<figure>\n{}</figure>\n",
        super::bars::bars(&words, &bars, Some((1.0, "1× = reference")))
    )
}

/// Section 3: who bears the errors.
pub fn equity(r: &Report) -> String {
    let mut s = format!(
        "<p class=\"lede\">Rates per group, and each against the reference group, {}. Bars are sorted from the most burdened group.</p>\n",
        esc(&r.reference_group)
    );
    s.push_str(&disparity_chart(
        r,
        "false_alerts_per_100k_captures",
        "eq-fa",
        "False alerts per 100,000 faces",
        &|q| {
            q.false_alerts_per_100k_captures
                .map_or("-".into(), |x| format!("{} per 100k faces", fmt_num(x, 1)))
        },
    ));
    s.push_str(&disparity_chart(
        r,
        "wrongful_stops_per_100k_residents",
        "eq-ws",
        "Wrongful stops per 100,000 residents",
        &|q| {
            format!(
                "{} per 100k residents",
                fmt_num(q.wrongful_stops_per_100k_residents, 2)
            )
        },
    ));
    let rows: Vec<Vec<String>> = r
        .equity
        .iter()
        .map(|q| {
            vec![
                esc(&q.name),
                fmt_num(q.residents as f64, 0),
                fmt_num(q.captures, 0),
                q.false_alerts_per_100k_captures
                    .map_or("-".into(), |x| fmt_num(x, 2)),
                fmt_num(q.wrongful_stops_per_100k_residents, 2),
                fmt_num(q.false_arrests_per_100k_residents, 3),
                times(disparity(q, "false_alerts_per_100k_captures")),
                times(disparity(q, "wrongful_stops_per_100k_residents")),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "group",
            "#residents",
            "#faces per run",
            "#false alerts per 100k faces",
            "#wrongful stops per 100k residents",
            "#false arrests per 100k residents",
            "#false alerts vs reference [95 % CI]",
            "#wrongful stops vs reference [95 % CI]",
        ],
        &rows,
    ));
    s
}

/// A histogram bin's label: `3–4`, `7`, `100+`.
fn bin_label(b: &CaptureBin) -> String {
    match b.to {
        Some(to) if to == b.from => b.from.to_string(),
        Some(to) => format!("{}–{}", b.from, to),
        None => format!("{}+", b.from),
    }
}

/// Section 4: who is watched, and how often.
pub fn exposure(r: &Report) -> String {
    let x = &r.exposure;
    let mut s = String::new();
    let seen: Vec<&CaptureBin> = x.captures_histogram.iter().filter(|b| b.from > 0).collect();
    let never = x
        .captures_histogram
        .first()
        .filter(|b| b.from == 0)
        .map(|b| b.share);
    if !seen.is_empty() {
        let categories: Vec<String> = seen.iter().map(|b| bin_label(b)).collect();
        let series = [Columns {
            name: "residents".into(),
            color: BLUE,
            values: seen.iter().map(|b| (100.0 * b.share, None)).collect(),
        }];
        let desc = seen
            .iter()
            .map(|b| format!("{} captures: {}", bin_label(b), fmt_pct(b.share)))
            .collect::<Vec<_>>()
            .join("; ");
        let words = Words {
            id: "exp-hist",
            title: "Captures per resident",
            desc: &desc,
            axis: "% of residents",
            legend: &[],
        };
        let _ = write!(
            s,
            "<figure>\n{}<figcaption>Residents captured at least once, by how often (over all runs). Never captured, not drawn: {}.</figcaption></figure>\n",
            columns(&words, &categories, "times captured", &series),
            never.map_or("-".into(), fmt_pct)
        );
    }
    let stat_text = |st: &Stat| {
        let mut t = about(st.mean);
        if r.replications > 1 {
            t += &format!(" [{}]", range(st.lo, st.hi, about));
        }
        t
    };
    let rows = vec![
        vec![
            "residents scanned at least once".into(),
            esc(&format!(
                "{} (expected {})",
                fmt_pct(x.share_scanned),
                fmt_pct(x.share_scanned_expected)
            )),
        ],
        vec![
            "scanned ten times or more".into(),
            esc(&fmt_pct(x.share_scanned_10)),
        ],
        vec![
            "captures per resident".into(),
            esc(&format!(
                "mean {}, p50 {}, p90 {}, p99 {}, max {}",
                fmt_num(x.captures_mean, 2),
                x.captures_quantiles[0].1,
                x.captures_quantiles[1].1,
                x.captures_quantiles[2].1,
                x.captures_max
            )),
        ],
        vec![
            "trackable: captured at ≥ 3 sites".into(),
            esc(&format!(
                "{} (expected {}); {} residents per run",
                fmt_pct(x.trackable_share),
                fmt_pct(x.trackable_share_expected),
                stat_text(&x.trackable)
            )),
        ],
        vec![
            "residents with ≥ 2 false alerts".into(),
            esc(&format!(
                "{} per run (if everyone in a group were alike: {})",
                stat_text(&x.people_with_2_false_alerts),
                about(x.people_with_2_false_alerts_if_alike)
            )),
        ],
        vec![
            "residents wrongly stopped ≥ 2 times".into(),
            esc(&format!(
                "{} per run",
                stat_text(&x.people_with_2_wrongful_stops)
            )),
        ],
        vec![
            "residents by sites that captured them (0, 1, 2, 3, 4+)".into(),
            esc(&x.distinct_sites.map(fmt_pct).join(", ")),
        ],
    ];
    s.push_str(&table(&["", ""], &rows));
    s
}

/// Section 5, when the run has a pipeline or latencies: matcher pools,
/// drops and latency percentiles. `None` when there is nothing to show.
pub fn pipeline(r: &Report) -> Option<String> {
    if r.pools.is_empty() && r.latency.is_empty() {
        return None;
    }
    let mut s = String::new();
    if !r.pools.is_empty() {
        let rows: Vec<Vec<String>> = r
            .pools
            .iter()
            .map(|p| {
                vec![
                    esc(&p.name),
                    p.servers.to_string(),
                    fmt_num(p.capacity_per_s, 1),
                    fmt_pct(p.utilisation),
                    fmt_pct(p.peak_hour_utilisation),
                    fmt_num(p.mean_queue, 2),
                    fmt_num(p.max_queue as f64, 0),
                    fmt_num(p.dropped, 1),
                    pct(p.drop_rate),
                ]
            })
            .collect();
        s.push_str("<h3>Matcher pools</h3>\n");
        s.push_str(&table(
            &[
                "pool",
                "#servers",
                "#faces/s capacity",
                "#utilisation",
                "#busiest hour",
                "#mean queue",
                "#max queue",
                "#dropped per run",
                "#drop rate",
            ],
            &rows,
        ));
    }
    if let Some(d) = &r.drop_rate {
        let _ = writeln!(
            s,
            "<p>Faces dropped by the pipeline: {}{}.</p>",
            esc(&fmt_pct(d.mean)),
            if r.replications > 1 {
                esc(&format!(" (95 % CI {})", range(d.lo, d.hi, fmt_pct)))
            } else {
                String::new()
            }
        );
    }
    if let Some(p) = &r.decision_p99_ms {
        let _ = writeln!(
            s,
            "<p>99th percentile of capture → decision latency: {}{}.</p>",
            esc(&fmt_latency(p.mean)),
            if r.replications > 1 {
                esc(&format!(" (95 % CI {})", range(p.lo, p.hi, fmt_latency)))
            } else {
                String::new()
            }
        );
    }
    if !r.latency.is_empty() {
        let rows: Vec<Vec<String>> = r
            .latency
            .iter()
            .map(|l| {
                let mut row = vec![
                    esc(&l.name.replace('_', " ")),
                    fmt_num(l.count as f64, 0),
                    fmt_latency(l.mean_ms),
                ];
                row.extend(l.quantiles_ms.iter().map(|(_, v)| fmt_latency(*v)));
                row.push(fmt_latency(l.max_ms));
                row
            })
            .collect();
        s.push_str("<h3>Latency (pooled over runs)</h3>\n");
        s.push_str(&table(
            &[
                "from → to",
                "#count",
                "#mean",
                "#p50",
                "#p90",
                "#p99",
                "#p99.9",
                "#max",
            ],
            &rows,
        ));
    }
    Some(s)
}

/// Section 6: faces and alerts by hour of the clock.
pub fn time_of_day(r: &Report) -> String {
    if r.time_of_day.is_empty() {
        return "<p class=\"note\">Not available in batch mode: faces without an alert have no capture time.</p>\n".into();
    }
    let hours: Vec<String> = r
        .time_of_day
        .iter()
        .map(|h| format!("{:02}", h.hour))
        .collect();
    let faces = [Columns {
        name: "faces".into(),
        color: BLUE,
        values: r
            .time_of_day
            .iter()
            .map(|h| (h.faces.mean, interval(r, &h.faces)))
            .collect(),
    }];
    let alerts = [
        Columns {
            name: "true alerts".into(),
            color: GREEN,
            values: r
                .time_of_day
                .iter()
                .map(|h| (h.true_alerts.mean, interval(r, &h.true_alerts)))
                .collect(),
        },
        Columns {
            name: "false alerts".into(),
            color: RED,
            values: r
                .time_of_day
                .iter()
                .map(|h| (h.false_alerts.mean, interval(r, &h.false_alerts)))
                .collect(),
        },
    ];
    let describe = |pick: &dyn Fn(&crate::report::HourReport) -> String| {
        r.time_of_day
            .iter()
            .map(|h| format!("{:02}:00 {}", h.hour, pick(h)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let faces_desc = describe(&|h| about(h.faces.mean));
    let alerts_desc = describe(&|h| {
        format!(
            "{} true, {} false",
            about(h.true_alerts.mean),
            about(h.false_alerts.mean)
        )
    });
    let [faces_title, faces_axis, alerts_title, alerts_axis] = hour_words(r.duration_s);
    let faces_words = Words {
        id: "tod-faces",
        title: &faces_title,
        desc: &faces_desc,
        axis: &faces_axis,
        legend: &[(BLUE, "faces")],
    };
    let alerts_words = Words {
        id: "tod-alerts",
        title: &alerts_title,
        desc: &alerts_desc,
        axis: &alerts_axis,
        legend: &[(GREEN, "true alerts"), (RED, "false alerts")],
    };
    let bars_note = if r.replications > 1 {
        " Error bars: 95 % confidence intervals of the means."
    } else {
        ""
    };
    format!(
        "<figure>\n{}</figure>\n<figure>\n{}<figcaption>Hours of the clock, summed over the run's days; an alert is counted in the hour its face was captured.{}</figcaption></figure>\n",
        columns(&faces_words, &hours, "hour of the day (start)", &faces),
        columns(&alerts_words, &hours, "hour of the day (start)", &alerts),
        bars_note
    )
}

/// The time-of-day charts' titles and axes: "per hour" for a run of a
/// day or less, where each hour of the clock comes once; over several days
/// a bar is that hour of every day summed, and the words say so.
fn hour_words(duration_s: f64) -> [String; 4] {
    if duration_s <= 86_400.0 {
        return [
            "Faces captured per hour",
            "faces per hour (mean per run)",
            "Alerts per hour",
            "alerts per hour (mean per run)",
        ]
        .map(String::from);
    }
    let days = duration_s / 86_400.0;
    let span = if days.fract() == 0.0 {
        format!("{} days", fmt_num(days, 0))
    } else {
        human_duration(duration_s)
    };
    [
        format!("Faces captured by hour of the day, {span} summed"),
        format!("faces in that hour over all {span} (mean per run)"),
        format!("Alerts by hour of the day, {span} summed"),
        format!("alerts in that hour over all {span} (mean per run)"),
    ]
}

/// Section 7 (with a schedule): each deployment's settings and counts, and
/// under it each of its lists', as the table's DEPLOYMENT section.
pub fn deployments(r: &Report) -> Option<String> {
    if r.deployments.is_empty() {
        return None;
    }
    let decimals = if r.replications > 1 { 1 } else { 0 };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for d in &r.deployments {
        let mean = |m: Metric| fmt_num(d.mean(m).unwrap_or(f64::NAN), decimals);
        let mut row = vec![
            esc(&d.name),
            d.day.to_string(),
            esc(&d.hours()),
            esc(&d.sites.join(", ")),
            fmt_num(d.watchlist_size as f64, 0),
            format!("{:.2}", d.threshold),
        ];
        row.extend(DEPLOYMENT_COLUMNS.iter().map(|c| mean(c.metric)));
        rows.push(row);
        for list in &d.lists {
            rows.push(vec![
                esc(&format!("↳ list {}", list.name)),
                String::new(),
                String::new(),
                String::new(),
                fmt_num(list.size as f64, 0),
                format!("{:.2}", list.threshold),
                String::new(),
                fmt_num(list.true_alerts.mean, decimals),
                fmt_num(list.false_alerts.mean, decimals),
                String::new(),
                String::new(),
            ]);
        }
    }
    let mut s = String::from(
        "<p>Each deployment of the schedule, with the counts it contributed (means per run); \
         they add up to the totals above. Under a deployment that searched several lists, \
         each list's alerts (an alert counts once, with the first list that raised it).</p>\n",
    );
    let mut headings: Vec<String> = [
        "deployment",
        "#day",
        "hours",
        "sites",
        "#list",
        "#threshold",
    ]
    .map(String::from)
    .to_vec();
    headings.extend(DEPLOYMENT_COLUMNS.iter().map(|c| format!("#{}", c.heading)));
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    s.push_str(&table(&headings, &rows));
    Some(s)
}
