//! A sweep's results: one row per point, aggregated by [`Report::new`] (so
//! every figure has the definition it has in `survsim run`), written as CSV
//! and JSON, charted, and summarised for standard output.
//!
//! Everything here is computed from the manifest's plan and the point files
//! alone — never from in-memory state of the run that produced them — so a
//! sweep written in one go, resumed, or merged from shards is byte for byte
//! the same.

use super::{Axis, Estimate, Headline, Plan};
use crate::format::{fmt_num, num};
use crate::report::{MIN_REPS_FOR_PI95, Report};
use crate::scenario::{Override, Scenario};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// One point's results.
#[derive(Debug, Clone)]
pub struct Row {
    /// Point index.
    pub index: usize,
    /// The point's report.
    pub report: Report,
    /// Headline estimates, in [`Headline::ALL`] order.
    pub estimates: Vec<Estimate>,
}

impl Row {
    /// Aggregates a point's replications; the report says whether they
    /// drew the scenario's uncertain inputs.
    pub fn new(
        plan: &Plan,
        index: usize,
        scenario: &Scenario,
        outcomes: &[crate::metrics::Outcome],
    ) -> Row {
        let overrides: Vec<String> = plan.overrides(index).into_iter().map(|o| o.raw).collect();
        let report = Report::new(&scenario.model, &plan.source.name, &overrides, outcomes)
            .with_parameters(&scenario.uncertain, scenario.draws_parameters());
        let estimates = Headline::ALL
            .iter()
            .map(|h| h.estimate(&report, outcomes))
            .collect();
        Row {
            index,
            report,
            estimates,
        }
    }

    /// A headline estimate.
    pub fn get(&self, h: Headline) -> Estimate {
        self.estimates[Headline::ALL
            .iter()
            .position(|&x| x == h)
            .expect("a headline")]
    }

    /// Simulated days per replication.
    pub fn days(&self) -> f64 {
        self.report.duration_s / crate::model::DAY_S
    }
}

fn cell(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map_or(String::new(), |v| v.to_string())
}

/// `results.csv`: the varied keys' values, then `<metric>_mean`, `_lo`, `_hi`
/// (the 95 % confidence interval) for each headline metric, then
/// `<metric>_pi95_lo`, `_pi95_hi` (one replication's 95 % range) for each;
/// an empty cell where a figure is undefined (and a `pi95` upper bound
/// that is unbounded). The prediction columns come after all the others, so
/// that the columns of sweeps written before them keep their places.
pub fn csv(plan: &Plan, rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = plan.grid.keys().into_iter().map(String::from).collect();
    for h in Headline::ALL {
        for part in ["mean", "lo", "hi"] {
            header.push(format!("{}_{part}", h.key()));
        }
    }
    for h in Headline::ALL {
        for part in ["pi95_lo", "pi95_hi"] {
            header.push(format!("{}_{part}", h.key()));
        }
    }
    w.write_record(&header).expect("writing to memory");
    for row in rows {
        let mut record: Vec<String> = plan
            .grid
            .values(row.index)
            .into_iter()
            .map(|(_, v)| v.to_string())
            .collect();
        for e in &row.estimates {
            record.extend([cell(e.mean), cell(e.lo), cell(e.hi)]);
        }
        for e in &row.estimates {
            record.extend([cell(e.pi95.map(|p| p.0)), cell(e.pi95.map(|p| p.1))]);
        }
        w.write_record(&record).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

/// A grid value as JSON, typed as `--set` types it.
fn typed(key: &str, value: &str) -> Value {
    match format!("{key}={value}")
        .parse::<Override>()
        .map(|o| o.value)
    {
        Ok(toml::Value::Integer(i)) => json!(i),
        Ok(toml::Value::Float(f)) => num(f),
        Ok(toml::Value::Boolean(b)) => json!(b),
        Ok(toml::Value::String(s)) => json!(s),
        _ => json!(value),
    }
}

/// How `pi95_lo` and `pi95_hi` are computed, for `results.json`.
fn prediction_method() -> String {
    format!(
        "pi95_lo, pi95_hi: the 2.5 % and 97.5 % quantiles of the per-replication values \
         (type 7), the range of one replication's outcome, each replication with its own draw \
         of the uncertain inputs unless they are fixed; null with fewer than {MIN_REPS_FOR_PI95} \
         replications; an upper bound of null is unbounded (a replication without a true alert \
         has infinitely many faces per true alert)"
    )
}

/// Adds to `scenario` what `run --format json` says of uncertain inputs:
/// `parameters` (`"drawn"` for each replication, or `"fixed"` with
/// `--fixed-parameters`) and `uncertain_inputs` (`key`, `what`), over every
/// point (a grid may make an input uncertain at some points only); nothing
/// when no point has any.
fn add_parameters(scenario: &mut Value, plan: &Plan, rows: &[Row]) {
    let mut inputs: Vec<Value> = Vec::new();
    for input in rows.iter().flat_map(|r| &r.report.uncertain_inputs) {
        if !inputs.iter().any(|i| i["key"] == input.key.as_str()) {
            inputs.push(json!({ "key": input.key, "what": input.what }));
        }
    }
    if inputs.is_empty() {
        return;
    }
    let drawn = if plan.fixed_parameters {
        "fixed"
    } else {
        "drawn"
    };
    scenario["parameters"] = json!(drawn);
    scenario["uncertain_inputs"] = json!(inputs);
}

/// `results.json`: the plan (scenario text, grid, replications, command)
/// and every point's overrides and headline estimates.
pub fn json(plan: &Plan, rows: &[Row]) -> Value {
    let seeds: Vec<u64> = rows.iter().map(|r| r.report.seed).collect();
    let seed = seeds
        .first()
        .filter(|s| seeds.iter().all(|x| x == *s))
        .map_or(Value::Null, |s| json!(s));
    let points: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut values = Map::new();
            for (key, value) in plan.grid.values(row.index) {
                values.insert(key.to_string(), typed(key, value));
            }
            let mut metrics = Map::new();
            for (h, e) in Headline::ALL.iter().zip(&row.estimates) {
                metrics.insert(
                    h.key().into(),
                    json!({
                        "mean": opt(e.mean),
                        "lo": opt(e.lo),
                        "hi": opt(e.hi),
                        "pi95_lo": opt(e.pi95.map(|p| p.0)),
                        "pi95_hi": opt(e.pi95.map(|p| p.1)),
                    }),
                );
            }
            let mut point = json!({
                "index": row.index,
                "set": plan.grid.sets(row.index),
                "values": values,
                "seed": row.report.seed,
                "duration_s": num(row.report.duration_s),
                "metrics": metrics,
            });
            if let Some(caveat) = &row.report.threshold_caveat {
                point["threshold_caveat"] = json!(caveat);
            }
            point
        })
        .collect();
    let mut scenario = json!({
        "name": rows.first().map(|r| r.report.name.clone()),
        "source": plan.source.name,
        "text": plan.source.text,
    });
    add_parameters(&mut scenario, plan, rows);
    json!({
        "survsim": env!("CARGO_PKG_VERSION"),
        "command": plan.command(),
        "scenario": scenario,
        "set": plan.sets.iter().map(|s| &s.raw).collect::<Vec<_>>(),
        "seed": seed,
        "reps": plan.reps,
        "grid": plan.grid.axes.iter().map(Axis::to_json).collect::<Vec<_>>(),
        "prediction_interval": prediction_method(),
        "metrics": Headline::ALL.iter().map(|h| json!({
            "key": h.key(),
            "label": h.label(),
            "estimate": h.method(),
        })).collect::<Vec<_>>(),
        "points": points,
    })
}

/// The summary table for standard output: each point's values and a few
/// headline means.
pub fn summary(plan: &Plan, scenarios: &[Scenario], rows: &[Row]) -> String {
    let mut out = String::new();
    let name = scenarios.first().map_or("", |s| s.model.name.as_str());
    let _ = writeln!(
        out,
        "survsim {} sweep — {} ({} point{} × {} replication{}{})",
        env!("CARGO_PKG_VERSION"),
        name,
        plan.points(),
        if plan.points() == 1 { "" } else { "s" },
        plan.reps,
        if plan.reps == 1 { "" } else { "s" },
        if rows.len() < plan.points() {
            format!("; {} of them done", rows.len())
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "scenario: {}", plan.source.name);
    for s in &plan.sets {
        let _ = writeln!(out, "  --set {}", s.raw);
    }
    // As `run`'s table says it, from the first point that has any.
    if let Some(r) = rows.iter().find(|r| !r.report.uncertain_inputs.is_empty()) {
        let _ = writeln!(
            out,
            "uncertain inputs, {}:",
            if plan.fixed_parameters {
                "held at their nominal values (--fixed-parameters)"
            } else {
                "drawn afresh for each replication"
            }
        );
        for input in &r.report.uncertain_inputs {
            let _ = writeln!(out, "  {}: {}", input.key, input.what);
        }
    }
    let cols: [(Headline, &str); 6] = [
        (Headline::FalseAlerts, "false al."),
        (Headline::TrueAlerts, "true al."),
        (Headline::WrongfulStops, "wr. stops"),
        (Headline::FalseArrests, "f. arrests"),
        (Headline::FacesPerTrueAlert, "faces/true al."),
        (Headline::AlertPrecision, "precision"),
    ];
    let truncate = |s: &str| -> String {
        if s.chars().count() <= 24 {
            s.to_string()
        } else {
            s.chars().take(23).chain(['…']).collect()
        }
    };
    // A column per varied key (linked keys one by one).
    let keys = plan.grid.keys();
    let widths: Vec<usize> = keys
        .iter()
        .enumerate()
        .map(|(k, key)| {
            rows.iter()
                .map(|row| plan.grid.values(row.index)[k].1)
                .chain([*key])
                .map(|v| truncate(v).chars().count())
                .max()
                .unwrap_or(1)
        })
        .collect();
    let index_width = (plan.points().saturating_sub(1)).to_string().len().max(1);
    let mut head = format!("\n{:>index_width$}", "#");
    for (key, w) in keys.iter().zip(&widths) {
        let _ = write!(head, "  {:<w$}", truncate(key));
    }
    for (_, label) in cols {
        let _ = write!(head, "{label:>15}");
    }
    let _ = writeln!(out, "{}", head.trim_end());
    for row in rows {
        let mut line = format!("{:>index_width$}", row.index);
        for ((_, value), w) in plan.grid.values(row.index).into_iter().zip(&widths) {
            let _ = write!(line, "  {:<w$}", truncate(value));
        }
        for (h, _) in cols {
            let v = row.get(h).mean;
            let text = match h {
                Headline::FacesPerTrueAlert => v.map_or("-".into(), |x| fmt_num(x, 0)),
                Headline::AlertPrecision => v.map_or("-".into(), |x| format!("{:.1} %", 100.0 * x)),
                _ => v.map_or("-".into(), |x| fmt_num(x, 1)),
            };
            let _ = write!(line, "{text:>15}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}
