//! SVG charts of a sweep, written by hand so that the bytes are fixed by this
//! module alone (no font metrics, no timestamps). Every series is one
//! `<g class="series">`: along a numeric axis a `<polyline class="line">`
//! with its shaded 95 % band (`<polygon class="band">`); on a categorical
//! axis (`--vary matcher.profile=…`) points with interval bars, side by
//! side, and no line.
//!
//! * `charts/<metric>.svg` per headline metric: the metric against the first
//!   varied key, one series per value of the other varied keys (the
//!   pipeline's latency and drop rate only when the scenario has one).
//! * `charts/tradeoff.svg` when `matcher.threshold` is varied: false alerts
//!   per day against wanted people missed per day, with both intervals, one
//!   line per value of the other varied keys, the threshold running along
//!   each line and labelled at both ends — the operational DET curve.
//!
//! Axis and legend labels come from a label map ([`labels`]). Series whose
//! every figure is equal are drawn once, their legend entry joining their
//! values with "=". Each chart is captioned with the scenario, replications
//! and seed. An axis whose positive values span two decades or more is drawn
//! on a log scale (and says so); values ≤ 0 cannot be shown there and are
//! counted in a footnote. Long text is wrapped, never cut, and stays inside
//! the picture ([`text`]).
//!
//! The charts take their numbers from the sweep's [`Row`]s; only the
//! trade-off chart converts counts per replication to counts per day.

mod labels;
mod marks;
mod plot;
mod scale;
mod svg;
mod text;
mod tradeoff;

use super::results::Row;
use super::{Headline, Plan};
use labels::{axis_label, axis_name, axis_value, capitalise, lower_first, metric_label, period};
use plot::Size;
use svg::{render, render_at};

/// The key whose sweep gets a trade-off chart.
pub const THRESHOLD_KEY: &str = "matcher.threshold";

/// Every chart of a complete sweep, as `(file name, SVG)`: one per headline
/// metric, then the trade-off chart if the threshold is varied.
pub fn render_all(plan: &Plan, rows: &[Row]) -> Vec<(String, String)> {
    charts(plan, rows)
        .into_iter()
        .map(|(file, chart)| (file, render(&chart)))
        .collect()
}

/// Every chart of a complete sweep as a page shows it, `(file name,
/// HTML)`: the file's drawing and a narrow one for phones, each an inline
/// `<svg class="chart wide">` or `<svg class="chart narrow">` (the report's
/// style sheet shows one). The wide one is the file's drawing with its
/// smallest text a size larger, so that it stays above 9 px on A4.
pub fn render_all_inline(plan: &Plan, rows: &[Row]) -> Vec<(String, String)> {
    charts(plan, rows)
        .into_iter()
        .map(|(file, chart)| {
            let html = [(Size::Page, "wide"), (Size::Narrow, "narrow")]
                .iter()
                .map(|&(size, class)| {
                    let svg = render_at(&chart, size);
                    let body = svg
                        .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
                        .unwrap_or(&svg)
                        .trim_start();
                    body.replacen("<svg ", &format!("<svg class=\"chart {class}\" "), 1)
                })
                .collect();
            (file, html)
        })
        .collect()
}

/// Every chart of a complete sweep, unrendered: one per headline metric,
/// then the trade-off chart if the threshold is varied.
fn charts(plan: &Plan, rows: &[Row]) -> Vec<(String, Chart)> {
    // A pipeline's figures are charted only where there is one.
    let pipeline = rows.iter().any(|r| !r.report.pools.is_empty());
    let mut charts: Vec<(String, Chart)> = Headline::ALL
        .iter()
        .filter(|h| pipeline || !h.needs_pipeline())
        .map(|&h| (format!("{}.svg", h.key()), metric_chart(plan, rows, h)))
        .collect();
    if let Some(chart) = tradeoff::chart(plan, rows) {
        charts.push(("tradeoff.svg".into(), chart));
    }
    charts
}

/// One plotted point: x and y with their 95 % confidence intervals, y's
/// 95 % prediction interval (one replication's range; its upper bound may
/// be +∞), and a note (the threshold, along a trade-off line).
#[derive(Debug, Clone, PartialEq)]
struct Pt {
    x: f64,
    x_lo: Option<f64>,
    x_hi: Option<f64>,
    y: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    pi95: Option<(f64, f64)>,
    note: Option<String>,
}

impl Pt {
    /// A point without an interval on x.
    fn at(x: f64, y: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> Pt {
        Pt {
            x,
            x_lo: None,
            x_hi: None,
            y,
            lo,
            hi,
            pi95: None,
            note: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Series {
    /// Legend text.
    label: String,
    /// `key=value, …` of the series; `; ` between the series drawn as one.
    id: String,
    /// How many series of the grid this one draws (more than one when
    /// their figures are identical).
    members: usize,
    points: Vec<Pt>,
}

#[derive(Debug, Clone)]
enum XKind {
    /// The grid's values: the axis spans exactly them.
    Numeric,
    /// Measured values: the axis is chosen like a y axis.
    Data,
    /// Values that are not numbers: points side by side, no line.
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
    /// Footnotes on the figures (the renderer adds the log scales').
    notes: Vec<String>,
    /// The scenario, replications and seed.
    caption: String,
    /// Whether the first and last shown point of each line carry their note.
    label_ends: bool,
    /// Spans of x beyond the thresholds the matcher was measured at (a
    /// threshold axis only), shaded and labelled "extrapolated": `(from,
    /// to)` in x's units, an infinite end running to the plot's edge.
    extrapolated: Vec<(f64, f64)>,
}

/// One series of a chart whose lines run along axis `along`: its legend
/// text, its `key=value, …`, and its rows.
type Line = (String, String, Vec<usize>);

/// The legend's title, and one [`Line`] per combination of the values of
/// the axes other than `along`, in grid order.
fn lines_along(plan: &Plan, along: usize) -> (Option<String>, Vec<Line>) {
    let axes = &plan.grid.axes;
    let others: Vec<usize> = (0..axes.len()).filter(|&a| a != along).collect();
    let combos: usize = others.iter().map(|&a| axes[a].values.len()).product();
    let title = (!others.is_empty()).then(|| {
        others
            .iter()
            .map(|&a| axis_label(&axes[a]))
            .collect::<Vec<_>>()
            .join(" · ")
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
                .map(|&a| axis_value(&axes[a], coords[a]))
                .collect::<Vec<_>>()
                .join(" · ");
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

/// Series whose points are all equal drawn as one: the first of them, its
/// legend joining their labels with "=" and saying "identical". Two lines
/// that coincide would otherwise hide each other and the legend would list
/// lines the reader cannot see.
fn merge_identical(series: Vec<Series>) -> (Vec<Series>, bool) {
    let mut merged: Vec<Series> = Vec::new();
    let mut any = false;
    for s in series {
        match merged.iter_mut().find(|m| m.points == s.points) {
            Some(m) => {
                m.label = format!("{} = {}", m.label, s.label);
                m.id = format!("{}; {}", m.id, s.id);
                m.members += s.members;
                any = true;
            }
            None => merged.push(s),
        }
    }
    for m in merged.iter_mut().filter(|m| m.members > 1) {
        m.label.push_str(" (identical)");
    }
    (merged, any)
}

/// The footnote of a chart where some series were drawn once for several.
const IDENTICAL_NOTE: &str =
    "Series with identical figures at every point are drawn once; the legend joins them with “=”.";

/// The caption: scenario (and the `--set`s common to the points),
/// replications per point and seed.
fn caption(plan: &Plan, rows: &[Row]) -> String {
    let name = rows.first().map_or("", |r| r.report.name.as_str());
    let mut scenario = format!("Scenario {name} ({})", plan.source.name);
    for s in &plan.sets {
        scenario.push_str(&format!(", --set {}", s.raw));
    }
    let seeds: Vec<u64> = rows.iter().map(|r| r.report.seed).collect();
    let seed = match seeds.first() {
        Some(s) if seeds.iter().all(|x| x == s) => format!("seed {s}"),
        Some(_) => "seeds vary by point".to_string(),
        None => "no seed".to_string(),
    };
    format!(
        "{scenario}; {} replication{} a point; {seed}; survsim {}.",
        plan.reps,
        if plan.reps == 1 { "" } else { "s" },
        env!("CARGO_PKG_VERSION")
    )
}

/// What a metric chart's figure is and how its interval is computed, as
/// [`crate::report`] computes it; `shown_as` says how the interval is drawn.
fn method_words(h: Headline, reps: u64, shown_as: &str) -> String {
    let (what, interval) = match h {
        Headline::P99DecisionLatency => (
            "mean of the replications' p99s",
            "95 % Student's t interval",
        ),
        Headline::FacesPerTrueAlert => (
            "ratio of totals pooled over replications",
            "95 % delta-method interval on the log scale",
        ),
        Headline::AlertPrecision | Headline::DropRate => (
            "ratio of totals pooled over replications",
            "95 % Korn–Graubard interval (delta-method effective sample size)",
        ),
        Headline::FalseAlertDisparity => (
            "ratio of pooled rates",
            "95 % interval by the delta method on the log scale, Poisson where a count is 0 or the replications agree",
        ),
        _ => (
            "mean per replication",
            "95 % Student's t interval, exact Poisson near 0",
        ),
    };
    let reps_words = format!("{reps} replication{}", if reps == 1 { "" } else { "s" });
    if reps == 1 {
        format!("{what} ({reps_words}: no interval)")
    } else {
        format!("{what} ({reps_words}); {shown_as}: {interval}")
    }
}

/// The subtitle's words on the prediction interval, drawn where a point has
/// one (`shown_as`: how it is drawn); what it covers depends on whether the
/// replications drew the scenario's uncertain inputs.
fn prediction_words(rows: &[Row], shown_as: &str) -> String {
    let inputs = rows.iter().any(|r| !r.report.uncertain_inputs.is_empty());
    let drawn = rows.iter().any(|r| r.report.parameters_drawn);
    let covers = match (inputs, drawn) {
        (_, true) => "each replication drawing the uncertain inputs afresh",
        (true, false) => "uncertain inputs held fixed: Monte Carlo spread only",
        (false, false) => "no uncertain inputs: Monte Carlo spread only",
    };
    format!(
        "; {shown_as}: one replication's 95 % range (2.5–97.5 % quantiles, {covers}), \
         where a single deployment's outcome should fall"
    )
}

fn metric_chart(plan: &Plan, rows: &[Row], h: Headline) -> Chart {
    let first = &plan.grid.axes[0];
    let numeric = first.numeric();
    let (legend_title, lines) = lines_along(plan, 0);
    let series = lines
        .into_iter()
        .map(|(label, id, idx)| Series {
            label,
            id,
            members: 1,
            points: idx
                .iter()
                .enumerate()
                .map(|(i, &r)| {
                    let e = rows[r].get(h);
                    let x = numeric.as_ref().map_or(i as f64, |v| v[i]);
                    Pt {
                        pi95: e.pi95,
                        ..Pt::at(x, e.mean, e.lo, e.hi)
                    }
                })
                .collect(),
        })
        .collect();
    let (series, identical) = merge_identical(series);
    let predicted = series
        .iter()
        .flat_map(|s| &s.points)
        .any(|p| p.pi95.is_some());
    let durations: Vec<f64> = rows.iter().map(|r| r.report.duration_s).collect();
    let y_label = metric_label(h, &period(&durations));
    let x_label = axis_label(first);
    let (ci_drawn, pi_drawn) = match (numeric.is_some(), predicted) {
        (true, false) => ("shaded", ""),
        (true, true) => ("darker shading", "lighter shading"),
        (false, false) => ("bars", ""),
        (false, true) => ("bars with ends", "wide pale bars"),
    };
    let xs: Vec<f64> = numeric.clone().unwrap_or_default();
    let (extrapolated, beyond_note) = extrapolated_spans(first, &xs, rows);
    let mut subtitle = method_words(h, plan.reps, ci_drawn);
    if predicted {
        subtitle.push_str(&prediction_words(rows, pi_drawn));
    }
    Chart {
        title: format!("{} by {}", y_label, lower_first(&axis_name(first))),
        subtitle: capitalise(&subtitle),
        x_label,
        y_label,
        x: match numeric {
            Some(_) => XKind::Numeric,
            None => XKind::Categories(
                (0..first.values.len())
                    .map(|i| axis_value(first, i))
                    .collect(),
            ),
        },
        legend_title,
        series,
        notes: identical
            .then(|| IDENTICAL_NOTE.to_string())
            .into_iter()
            .chain(beyond_note)
            .collect(),
        caption: caption(plan, rows),
        label_ends: false,
        extrapolated,
    }
}

/// The spans of a threshold axis beyond the thresholds measured, where a
/// point lies ([`crate::model::beyond_measured`]), and the
/// footnote that says what the figures there rest on.
fn extrapolated_spans(
    first: &super::grid::Axis,
    xs: &[f64],
    rows: &[Row],
) -> (Vec<(f64, f64)>, Option<String>) {
    if first.key() != "matcher.threshold" {
        return (Vec::new(), None);
    }
    let Some(row) = rows.iter().find(|r| r.report.threshold_caveat.is_some()) else {
        return (Vec::new(), None);
    };
    let measured = &row.report.measured_thresholds;
    let (Some(&low), Some(&high)) = (measured.first(), measured.last()) else {
        return (Vec::new(), None);
    };
    let mut spans = Vec::new();
    if xs.iter().any(|&x| x < low) {
        spans.push((f64::NEG_INFINITY, low));
    }
    if xs.iter().any(|&x| x > high) {
        spans.push((high, f64::INFINITY));
    }
    let caveat = row
        .report
        .threshold_caveat
        .as_deref()
        .and_then(|c| c.split_once(", ").map(|(_, rest)| rest.to_string()));
    let note = caveat.map(|c| format!("Shaded (extrapolated): {c}."));
    (spans, note)
}
