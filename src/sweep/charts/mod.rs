//! SVG charts of a sweep, written by hand so that the bytes are fixed by this
//! file alone (no font metrics, no timestamps) and every line series is one
//! `<g class="series">` holding one `<polyline class="line">`, its shaded
//! 95 % band (`<polygon class="band">`) and a `<title>`.
//!
//! * `charts/<metric>.svg` per headline metric: the metric against the first
//!   varied key, one line per value of the other varied keys (the
//!   pipeline's latency and drop rate only when the scenario has one).
//! * `charts/tradeoff.svg` when `matcher.threshold` is varied: false alerts
//!   per day against wanted people missed per day, one line per value of the
//!   other varied keys, the threshold running along each line — the
//!   operational DET curve.
//!
//! An axis whose positive values span two decades or more is drawn on a log
//! scale (and says so); values ≤ 0 cannot be shown there and are counted in
//! a footnote.

mod scale;
mod svg;

use super::results::Row;
use super::{Headline, Plan};
use crate::format::human_duration;
use svg::render;

/// The key whose sweep gets a trade-off chart.
pub const THRESHOLD_KEY: &str = "matcher.threshold";

/// Every chart of a complete sweep, as `(file name, SVG)`: one per headline
/// metric, then the trade-off chart if the threshold is varied.
pub fn render_all(plan: &Plan, rows: &[Row]) -> Vec<(String, String)> {
    // A pipeline's figures are charted only where there is one.
    let pipeline = rows.iter().any(|r| !r.report.pools.is_empty());
    let mut charts: Vec<(String, String)> = Headline::ALL
        .iter()
        .filter(|h| pipeline || !h.needs_pipeline())
        .map(|&h| (format!("{}.svg", h.key()), metric_chart(plan, rows, h)))
        .collect();
    if let Some(svg) = tradeoff_chart(plan, rows) {
        charts.push(("tradeoff.svg".into(), svg));
    }
    charts
}

/// One plotted point.
#[derive(Debug, Clone)]
struct Pt {
    x: f64,
    y: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct Series {
    /// Legend text.
    label: String,
    /// `key=value, …` of the series.
    id: String,
    points: Vec<Pt>,
}

#[derive(Debug, Clone)]
enum XKind {
    /// The grid's values: the axis spans exactly them.
    Numeric,
    /// Measured values: the axis is chosen like a y axis.
    Data,
    Categories(Vec<String>),
}

#[derive(Debug, Clone)]
struct Chart {
    title: String,
    subtitle: String,
    x_label: String,
    y_label: String,
    x: XKind,
    legend_title: Option<String>,
    series: Vec<Series>,
}

/// The series of a chart whose lines run along axis `along`: one per
/// combination of the values of the other axes, in grid order.
/// One line of a chart: its legend text, its `key=value, …`, and its rows.
type Line = (String, String, Vec<usize>);

fn lines_along(plan: &Plan, along: usize) -> (Option<String>, Vec<Line>) {
    let axes = &plan.grid.axes;
    let others: Vec<usize> = (0..axes.len()).filter(|&a| a != along).collect();
    let combos: usize = others.iter().map(|&a| axes[a].values.len()).product();
    let title = (!others.is_empty()).then(|| {
        others
            .iter()
            .map(|&a| axes[a].title())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let lines = (0..combos)
        .map(|c| {
            let mut rest = c;
            let mut coords = vec![0; axes.len()];
            for &a in others.iter().rev() {
                coords[a] = rest % axes[a].values.len();
                rest /= axes[a].values.len();
            }
            let label = others
                .iter()
                .map(|&a| axes[a].label(coords[a]))
                .collect::<Vec<_>>()
                .join(", ");
            let id = others
                .iter()
                .flat_map(|&a| axes[a].sets(coords[a]))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = (0..axes[along].values.len())
                .map(|i| {
                    coords[along] = i;
                    plan.grid.index(&coords)
                })
                .collect();
            (label, id, rows)
        })
        .collect();
    (title, lines)
}

fn duration_note(rows: &[Row]) -> String {
    let d = rows.first().map_or(0.0, |r| r.report.duration_s);
    if rows.iter().all(|r| r.report.duration_s == d) {
        format!("per replication of {}", human_duration(d))
    } else {
        "per replication".to_string()
    }
}

fn metric_chart(plan: &Plan, rows: &[Row], h: Headline) -> String {
    let first = &plan.grid.axes[0];
    let numeric = first.numeric();
    let (legend_title, lines) = lines_along(plan, 0);
    let series = lines
        .into_iter()
        .map(|(label, id, idx)| Series {
            label,
            id,
            points: idx
                .iter()
                .enumerate()
                .map(|(i, &r)| {
                    let e = rows[r].get(h);
                    Pt {
                        x: numeric.as_ref().map_or(i as f64, |v| v[i]),
                        y: e.mean,
                        lo: e.lo,
                        hi: e.hi,
                        note: None,
                    }
                })
                .collect(),
        })
        .collect();
    let reps = plan.reps;
    let subtitle = if h == Headline::P99DecisionLatency {
        format!(
            "mean of the replications' p99 ({reps} replication{}); shaded: 95 % t interval",
            if reps == 1 { "" } else { "s" }
        )
    } else if h.is_ratio() {
        format!(
            "pooled over {reps} replication{}; shaded: 95 % interval (delta method, ratio of means)",
            if reps == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "mean {} ({reps} replication{}); shaded: 95 % interval (t, or exact Poisson near 0)",
            duration_note(rows),
            if reps == 1 { "" } else { "s" }
        )
    };
    render(&Chart {
        title: format!("{} by {}", capitalise(h.label()), first.title()),
        subtitle,
        x_label: first.title(),
        y_label: h.label().to_string(),
        x: match numeric {
            Some(_) => XKind::Numeric,
            None => XKind::Categories(first.labels()),
        },
        legend_title,
        series,
    })
}

fn tradeoff_chart(plan: &Plan, rows: &[Row]) -> Option<String> {
    let t = plan
        .grid
        .axes
        .iter()
        .position(|a| a.keys.iter().any(|k| k == THRESHOLD_KEY))?;
    let axis = &plan.grid.axes[t];
    let k = axis.keys.iter().position(|k| k == THRESHOLD_KEY)?;
    let thresholds: Vec<&String> = axis.values.iter().map(|v| &v[k]).collect();
    let (legend_title, lines) = lines_along(plan, t);
    let series = lines
        .into_iter()
        .map(|(label, id, idx)| {
            let last = idx.len() - 1;
            Series {
                label,
                id,
                points: idx
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &r)| {
                        let row = &rows[r];
                        let per_day = |h: Headline| row.get(h).mean.map(|m| m / row.days());
                        Some(Pt {
                            x: per_day(Headline::FalseAlerts)?,
                            y: per_day(Headline::WantedMissed),
                            lo: None,
                            hi: None,
                            note: (i == 0 || i == last).then(|| thresholds[i].clone()),
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    Some(render(&Chart {
        title: "Trade-off: false alerts against wanted people missed".into(),
        subtitle: format!(
            "means over {} replications; the threshold ({}) runs along each line, its ends labelled",
            plan.reps, THRESHOLD_KEY
        ),
        x_label: "false alerts per day".into(),
        y_label: "wanted people missed per day".into(),
        x: XKind::Data,
        legend_title,
        series,
    }))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}
