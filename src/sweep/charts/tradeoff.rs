//! The trade-off chart: false alerts per day against wanted people missed
//! per day as the matcher's threshold varies, one line per value of the
//! other varied keys — the operational form of a DET curve.

use super::labels::{axis_name, lower_first};
use super::merge_identical;
use super::{Chart, IDENTICAL_NOTE, Pt, Series, THRESHOLD_KEY, XKind, caption, lines_along};
use crate::format::{fmt_num, round_for_people};
use crate::metrics::Metric;
use crate::sweep::results::Row;
use crate::sweep::{Headline, Plan};

/// Fewest wanted people present at which a chart says lines step: with
/// this few, wanted people missed takes few values.
const FEW_WANTED: f64 = 30.0;

/// The chart, if `matcher.threshold` is varied.
pub(super) fn chart(plan: &Plan, rows: &[Row]) -> Option<Chart> {
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
        .map(|(label, id, idx)| Series {
            label,
            id,
            members: 1,
            points: idx
                .iter()
                .enumerate()
                .filter_map(|(i, &r)| point(&rows[r], thresholds[i]))
                .collect(),
        })
        .collect();
    let (series, identical) = merge_identical(series);
    let mut notes: Vec<String> = few_wanted_note(plan, rows).into_iter().collect();
    if identical {
        notes.push(IDENTICAL_NOTE.into());
    }
    let reps = plan.reps;
    Some(Chart {
        title: "Trade-off: false alerts against wanted people missed".into(),
        subtitle: format!(
            "Means over {reps} replication{}; the {} runs along each line, labelled at both ends; bars: 95 % confidence intervals of the means",
            if reps == 1 { "" } else { "s" },
            lower_first(&axis_name(axis)),
        ),
        x_label: "False alerts per day".into(),
        y_label: "Wanted people missed per day".into(),
        x: XKind::Data,
        legend_title,
        series,
        notes,
        caption: caption(plan, rows),
        label_ends: true,
        extrapolated: Vec::new(),
    })
}

/// One threshold's point: both figures per day, with their intervals.
fn point(row: &Row, threshold: &str) -> Option<Pt> {
    let days = row.days();
    let per_day = |v: Option<f64>| v.map(|v| v / days);
    let (fa, missed) = (
        row.get(Headline::FalseAlerts),
        row.get(Headline::WantedMissed),
    );
    Some(Pt {
        x: per_day(fa.mean)?,
        x_lo: per_day(fa.lo),
        x_hi: per_day(fa.hi),
        y: per_day(missed.mean),
        lo: per_day(missed.lo),
        hi: per_day(missed.hi),
        // One replication's range has no single point on this plane: each
        // axis' is marginal, so only the means' intervals are drawn.
        pi95: None,
        note: Some(threshold.to_string()),
    })
}

/// When few wanted people are present, wanted people missed moves in steps
/// of one person over all replications, and the lines step: say so.
fn few_wanted_note(plan: &Plan, rows: &[Row]) -> Option<String> {
    let fewest = rows
        .iter()
        .map(|r| r.report.total(Metric::WantedPresent).mean)
        .fold(f64::INFINITY, f64::min);
    let days = rows.first()?.days();
    (fewest <= FEW_WANTED).then(|| {
        format!(
            "Few wanted people (as few as {} present): wanted people missed moves in steps of {} per day, so lines step.",
            round_for_people(fewest),
            fmt_num(1.0 / (plan.reps as f64 * days), 3),
        )
    })
}
