//! A pinned baseline against a what-if: each headline figure of both, with
//! its 95 % interval, and their difference with its own.
//!
//! Both runs use the same seed, so replication `r` of each sees the same
//! faces (common random numbers, as a sweep's points do): the difference
//! of a count is estimated from the paired per-replication differences,
//! whose interval (Student's t over replications, [`mean_ci95`]) is far
//! narrower than two independent intervals would suggest. Pairing needs
//! the same number of replications; otherwise the difference is shown
//! without an interval. Ratios (precision, faces per true alert) are shown
//! side by side with their own intervals, their difference without one.

use crate::format::{fmt_num, fmt_pct};
use crate::metrics::Metric;
use crate::report::Report;
use crate::report::{esc, table};
use crate::stats::mean_ci95;
use std::fmt::Write as _;

/// The counts compared, in the table's order.
pub const COMPARED: [Metric; 8] = [
    Metric::FacesCaptured,
    Metric::PeopleScanned,
    Metric::TrueAlerts,
    Metric::FalseAlerts,
    Metric::Stops,
    Metric::WrongfulStops,
    Metric::Arrests,
    Metric::FalseArrests,
];

/// One replication's compared counts, in [`COMPARED`] order.
pub type PerRep = [f64; COMPARED.len()];

/// A count as people read it: whole from 10 up, else one decimal.
fn num(x: f64) -> String {
    if x.abs() >= 10.0 {
        fmt_num(x, 0)
    } else {
        fmt_num(x, 2)
    }
}

/// A signed difference.
fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

/// A value and its interval in one cell, with the exact value in
/// `data-value` (as the JSON writes it) for machines.
fn cell(
    key: &str,
    side: &str,
    mean: Option<f64>,
    ci: Option<(f64, f64)>,
    f: &dyn Fn(f64) -> String,
) -> String {
    let Some(mean) = mean.filter(|m| m.is_finite()) else {
        return "-".into();
    };
    let exact = serde_json::to_string(&crate::format::Num(mean)).expect("a number serializes");
    let mut s = format!(
        "<span class=\"cmp\" data-key=\"{}\" data-side=\"{}\" data-value=\"{}\">{}</span>",
        esc(key),
        esc(side),
        esc(&exact),
        esc(&f(mean))
    );
    if let Some((lo, hi)) = ci.filter(|(lo, hi)| lo.is_finite() && hi.is_finite()) {
        let _ = write!(
            s,
            "<br><small class=\"muted\">{} – {}</small>",
            esc(&f(lo)),
            esc(&f(hi))
        );
    }
    s
}

/// The comparison of `base` (pinned) and `what_if`, each a report with its
/// replications' compared counts, as an HTML fragment (a heading, the two
/// runs' overrides, and a table).
pub fn section(base: (&Report, &[PerRep]), what_if: (&Report, &[PerRep])) -> String {
    let ((b, base_reps), (w, what_if_reps)) = (base, what_if);
    let paired = base_reps.len() == what_if_reps.len() && b.replications > 1;
    let mut rows = Vec::new();
    for (i, m) in COMPARED.iter().enumerate() {
        let (sb, sw) = (b.total(*m), w.total(*m));
        let diff = if paired {
            let d: Vec<f64> = base_reps
                .iter()
                .zip(what_if_reps)
                .map(|(x, y)| y[i] - x[i])
                .collect();
            let (mean, lo, hi) = mean_ci95(&d);
            cell(m.key(), "diff", Some(mean), Some((lo, hi)), &signed)
        } else {
            cell(m.key(), "diff", Some(sw.mean - sb.mean), None, &signed)
        };
        rows.push(vec![
            esc(&m.key().replace('_', " ")),
            cell(m.key(), "base", Some(sb.mean), ci(b, sb.lo, sb.hi), &num),
            cell(m.key(), "what-if", Some(sw.mean), ci(w, sw.lo, sw.hi), &num),
            diff,
        ]);
    }
    rows.push(ratio_row(
        "alert precision",
        "alert_precision",
        b,
        w,
        |r| (r.ratios.alert_precision, r.ratios_ci95.alert_precision),
        &fmt_pct,
    ));
    rows.push(ratio_row(
        "faces per true alert",
        "faces_per_true_alert",
        b,
        w,
        |r| {
            (
                r.ratios.faces_per_true_alert,
                r.ratios_ci95.faces_per_true_alert,
            )
        },
        &num,
    ));
    let mut s = String::from("<h2>Baseline vs what-if</h2>\n");
    let _ = writeln!(
        s,
        "<p class=\"note\">Baseline: {}<br>What-if: {}</p>",
        overrides(b),
        overrides(w)
    );
    s.push_str(&table(&["", "#baseline", "#what-if", "#difference"], &rows));
    s.push_str(if paired {
        "<p class=\"note\">Means per run with their 95 % intervals. Both runs use the same seed, \
         so replication by replication they see the same faces: a difference's interval is \
         Student's t over the paired differences. Ratios are pooled over replications, their \
         difference shown without an interval.</p>\n"
    } else {
        "<p class=\"note\">The runs differ in replications, so differences are not paired \
         and are shown without an interval.</p>\n"
    });
    s
}

/// An interval, where a report has one (two replications or more).
fn ci(r: &Report, lo: f64, hi: f64) -> Option<(f64, f64)> {
    (r.replications > 1).then_some((lo, hi))
}

/// A pooled ratio of both runs, side by side.
fn ratio_row(
    label: &str,
    key: &str,
    b: &Report,
    w: &Report,
    get: impl Fn(&Report) -> (Option<f64>, Option<(f64, f64)>),
    f: &dyn Fn(f64) -> String,
) -> Vec<String> {
    let ((bm, bci), (wm, wci)) = (get(b), get(w));
    let diff = match (bm, wm) {
        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
            let d = y - x;
            if key == "alert_precision" {
                // Percentage points, not a percentage of a percentage.
                format!("{:+.1} pp", 100.0 * d)
            } else {
                signed(d)
            }
        }
        _ => "-".into(),
    };
    vec![
        esc(label),
        cell(key, "base", bm, bci, f),
        cell(key, "what-if", wm, wci, f),
        esc(&diff),
    ]
}

/// A run's overrides, as `--set`s (or "the scenario as given").
fn overrides(r: &Report) -> String {
    if r.overrides.is_empty() {
        return "the scenario as given".into();
    }
    r.overrides
        .iter()
        .map(|o| format!("<code>{}</code>", esc(o)))
        .collect::<Vec<_>>()
        .join(" ")
}
