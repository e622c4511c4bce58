//! Tidy results: every replication's raw figures in long format, one row
//! per (point, replication, group, metric), for pandas, R or a database.
//!
//! ```text
//! point,replication,group,metric,value
//! 0,0,all,faces_captured,143021
//! …
//! 0,0,group-a,false_alerts,7
//! ```
//!
//! `group` is `all` for the run-wide counts ([`Metric`]) and a group's name
//! for its own ([`GroupMetric`]). With a pipeline, `all` also has
//! `p99_decision_latency_ms`, the replication's 99th percentile of capture →
//! decision latency (empty if it searched no face). Replications are
//! numbered as `--rep` numbers them, from 0. A sweep writes one file for all
//! its points (`results-long.csv`); `survsim run --format csv` writes the
//! same columns for one scenario, as point 0. Every value is a count, so
//! ratios and means are left to the reader, computed from the same numbers
//! the reports use.

use crate::metrics::{GroupMetric, Metric, Outcome};
use crate::model::Model;

/// The columns.
pub const LONG_HEADER: [&str; 5] = ["point", "replication", "group", "metric", "value"];

/// The `group` of run-wide figures.
pub const ALL_GROUPS: &str = "all";

/// The metric name of a replication's p99 capture → decision latency.
pub const DECISION_P99_KEY: &str = "p99_decision_latency_ms";

/// Writes the header row.
pub fn write_long_header<W: std::io::Write>(w: &mut csv::Writer<W>) -> csv::Result<()> {
    w.write_record(LONG_HEADER)
}

/// Writes the rows of `outcomes`, the replications `first`, `first + 1`, …
/// of point `point` of `model`, in replication order: run-wide figures,
/// then each group's, in model order.
pub fn write_long_rows<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    point: usize,
    first: u64,
    model: &Model,
    outcomes: &[Outcome],
) -> csv::Result<()> {
    let point = point.to_string();
    let mut number = itoa::Buffer::new();
    for (r, o) in (first..).zip(outcomes) {
        let rep = r.to_string();
        for &m in Metric::ALL {
            let value = number.format(o.counts[m]);
            w.write_record([&point, &rep, ALL_GROUPS, m.key(), value])?;
        }
        if model.pipeline.is_some() {
            let p99 = o
                .decision_p99_us
                .map_or(String::new(), |us| (us as f64 / 1e3).to_string());
            w.write_record([&point, &rep, ALL_GROUPS, DECISION_P99_KEY, &p99])?;
        }
        for (group, counts) in model.groups.iter().zip(&o.groups) {
            for &m in GroupMetric::ALL {
                let value = number.format(counts[m]);
                w.write_record([&point, &rep, &group.name, m.key(), value])?;
            }
        }
    }
    Ok(())
}

/// One scenario's replications in long format, header included, as point
/// 0 (`survsim run --format csv`): `first` is the first replication's
/// number.
pub fn write_long_csv(
    out: impl std::io::Write,
    first: u64,
    model: &Model,
    outcomes: &[Outcome],
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    write_long_header(&mut w)?;
    write_long_rows(&mut w, 0, first, model, outcomes)?;
    w.flush()?;
    Ok(())
}
