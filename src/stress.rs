//! `survsim stress`: find the load a recognition pipeline can take.
//!
//! A target is a pipeline figure with a limit — `p99-decision-latency=2s`,
//! `drop-rate=0.001`. The scenario's footfall (every site's, surges
//! included) is scaled by a factor; each probe runs the scaled scenario for
//! the given replications and pools their latencies and drops. From ×1 the
//! factor is doubled (or halved) until the targets break (or hold), then
//! bisected — on a log scale, to 1 % — to the highest load at which every
//! target holds. With `--solve matchers`, the load is fixed and the number of
//! servers per pool is searched instead (doubling, then integer bisection)
//! for the fewest that meet the targets.
//!
//! Latency percentiles are of the faces searched: a dropped face has no
//! decision, so it is not in them. Unless a `drop-rate` target is given, a
//! drop rate of at most [`DEFAULT_DROP_RATE`] (1 %) is therefore always a
//! target too ([`with_default_drop_rate`]), and the output says so. The
//! `utilisation` target, and the table's column, are the busiest pool's in
//! its busiest hour (any 60 consecutive minutes): over a day, a pool that is
//! saturated at the peak can look idle.
//!
//! Replications use the scenario's seeds at every probe (common random
//! numbers), so the curve is reproducible and smooth in the load.
//!
//! The searches here are pure: they are handed a function that runs a probe.
//! [`crate::drive::stress`] runs the probes, on all cores.

use crate::error::{Error, InputError};
use crate::format::{TABLE_WIDTH, fmt_num, num, wrap_text};
use crate::model::MAX_SERVERS;
use crate::model::Model;
use crate::report::Report;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::str::FromStr;

/// A pipeline figure a target constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// 99th percentile of capture → decision latency, seconds.
    P99DecisionLatency,
    /// 99.9th percentile of capture → decision latency, seconds.
    P999DecisionLatency,
    /// Faces dropped ÷ faces captured.
    DropRate,
    /// The busiest pool's utilisation in its busiest hour.
    Utilisation,
}

impl Figure {
    const ALL: [(Figure, &'static str); 4] = [
        (Figure::P99DecisionLatency, "p99-decision-latency"),
        (Figure::P999DecisionLatency, "p99.9-decision-latency"),
        (Figure::DropRate, "drop-rate"),
        (Figure::Utilisation, "utilisation"),
    ];

    /// The name used in `--target`.
    pub fn name(self) -> &'static str {
        Figure::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, n)| n)
    }
}

/// `--target NAME=LIMIT`: the figure must stay at or below the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// What is limited.
    pub figure: Figure,
    /// The limit (seconds for latencies, a fraction otherwise).
    pub limit: f64,
    /// Whether it is [`DEFAULT_DROP_RATE`], applied because no `drop-rate`
    /// target was given, rather than a `--target`.
    pub default: bool,
}

/// The drop rate no load may exceed unless a `drop-rate` target says
/// otherwise: 1 %. Latency percentiles are of the faces searched, so a
/// pipeline that drops most faces can still meet a latency target; this
/// keeps a search from calling such a load one that holds.
pub const DEFAULT_DROP_RATE: f64 = 0.01;

/// The targets with [`DEFAULT_DROP_RATE`] added (last) when none of them
/// limits the drop rate.
pub fn with_default_drop_rate(mut targets: Vec<Target>) -> Vec<Target> {
    if !targets.iter().any(|t| t.figure == Figure::DropRate) {
        targets.push(Target {
            figure: Figure::DropRate,
            limit: DEFAULT_DROP_RATE,
            default: true,
        });
    }
    targets
}

impl FromStr for Target {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        let bad = |m: String| InputError::whole(format!("--target {s}"), m);
        let names: Vec<&str> = Figure::ALL.iter().map(|(_, n)| *n).collect();
        let (name, value) = s.split_once('=').ok_or_else(|| {
            bad(format!(
                "expected NAME=LIMIT with NAME one of {}",
                names.join(", ")
            ))
        })?;
        let figure = Figure::ALL
            .iter()
            .find(|(_, n)| *n == name.trim())
            .map(|(f, _)| *f)
            .ok_or_else(|| {
                bad(format!(
                    "unknown target{}; expected one of {}",
                    crate::error::did_you_mean(name.trim(), names.iter().copied()),
                    names.join(", ")
                ))
            })?;
        let limit = match figure {
            Figure::P99DecisionLatency | Figure::P999DecisionLatency => {
                crate::spec::DurationText::parse(value)
                    .map_err(bad)?
                    .seconds
            }
            // A share can never exceed 1, so a limit of 1 can never break
            // and the search would double the load without end.
            _ => value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| (0.0..1.0).contains(v))
                .ok_or_else(|| {
                    bad("expected a fraction from 0 up to (not including) 1: \
                         a share of 1 is never exceeded, so no load would break it"
                        .into())
                })?,
        };
        Ok(Target {
            figure,
            limit,
            default: false,
        })
    }
}

/// What one probe measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Footfall factor.
    pub load: f64,
    /// Servers per pool (the scenario's, unless solving for matchers).
    pub servers: Option<u32>,
    /// Highest arrival rate at any pool over one minute, faces/s.
    pub peak_offered_per_s: f64,
    /// p99 of capture → decision, s.
    pub p99_latency_s: f64,
    /// p99.9 of capture → decision, s.
    pub p999_latency_s: f64,
    /// Faces dropped ÷ captured.
    pub drop_rate: f64,
    /// The busiest pool's utilisation over the whole run.
    pub utilisation: f64,
    /// The busiest pool's utilisation in its busiest hour (any 60
    /// consecutive minutes): what the `utilisation` target limits.
    pub peak_hour_utilisation: f64,
    /// The first target (in `--target` order) this probe breaks.
    pub broken: Option<Figure>,
}

impl Probe {
    /// Measures a probe from its report: the load (or the servers per
    /// pool) it ran at, and the first target it breaks.
    pub fn measure(load: f64, servers: Option<u32>, report: &Report, targets: &[Target]) -> Probe {
        let latency = report.latency("capture_to_decision");
        let q = |x: f64| latency.and_then(|l| l.quantile_ms(x)).unwrap_or(0.0) / 1e3;
        let mut p = Probe {
            load,
            servers,
            peak_offered_per_s: report
                .pools
                .iter()
                .map(|p| p.peak_offered_per_s)
                .fold(0.0, f64::max),
            p99_latency_s: q(0.99),
            p999_latency_s: q(0.999),
            drop_rate: report.drop_rate.map_or(0.0, |d| d.mean),
            utilisation: report
                .pools
                .iter()
                .map(|p| p.utilisation)
                .fold(0.0, f64::max),
            peak_hour_utilisation: report
                .pools
                .iter()
                .map(|p| p.peak_hour_utilisation)
                .fold(0.0, f64::max),
            broken: None,
        };
        p.broken = targets
            .iter()
            .find(|t| p.value(t.figure) > t.limit)
            .map(|t| t.figure);
        p
    }

    fn value(&self, f: Figure) -> f64 {
        match f {
            Figure::P99DecisionLatency => self.p99_latency_s,
            Figure::P999DecisionLatency => self.p999_latency_s,
            Figure::DropRate => self.drop_rate,
            Figure::Utilisation => self.peak_hour_utilisation,
        }
    }
}

/// How a search ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StressResult {
    /// Every probe, in the order run.
    pub probes: Vec<Probe>,
    /// The highest load (or fewest servers) at which every target holds.
    pub best: Option<Probe>,
    /// The first target broken just beyond it.
    pub first_broken: Option<Figure>,
    /// Why the search stopped early, if it did.
    pub note: Option<String>,
}

/// From a first probe, steps away (`step`, told whether the last probe held)
/// until one probe holds and another breaks, then narrows the two with
/// `between` until it returns `None`. Returns the closest probe that held,
/// the closest that broke, and a note if `step` gave up first.
fn bracket<X: Copy>(
    first: X,
    at: impl Fn(&Probe) -> X,
    step: impl Fn(X, bool) -> Result<X, String>,
    between: impl Fn(X, X) -> Option<X>,
    run: &mut dyn FnMut(X) -> Probe,
) -> (Option<Probe>, Option<Probe>, Option<String>) {
    let (mut held, mut broke): (Option<Probe>, Option<Probe>) = (None, None);
    let mut x = first;
    let note = loop {
        let p = run(x);
        let holds = p.broken.is_none();
        if holds {
            held = Some(p)
        } else {
            broke = Some(p)
        }
        if held.is_some() && broke.is_some() {
            break None;
        }
        match step(x, holds) {
            Ok(next) => x = next,
            Err(why) => break Some(why),
        }
    };
    if note.is_none() {
        while let (Some(h), Some(b)) = (&held, &broke) {
            let Some(mid) = between(at(h), at(b)) else {
                break;
            };
            let p = run(mid);
            if p.broken.is_none() {
                held = Some(p)
            } else {
                broke = Some(p)
            }
        }
    }
    (held, broke, note)
}

/// The largest footfall factor the load search tries: each doubling
/// doubles a probe's cost, and a target that still holds at a thousand
/// times the scenario's footfall answers the question (the search takes at
/// most 11 doublings).
pub const MAX_LOAD_FACTOR: f64 = 1024.0;

/// The highest footfall factor at which every target holds: doubling or
/// halving from ×1, then bisecting on a log scale to 1 %. `probe` runs the
/// scenario at a factor; `unrunnable` says why a factor cannot be run, if
/// it cannot (the search stops short of it).
pub fn search_load(
    probe: &mut dyn FnMut(f64) -> Probe,
    unrunnable: &dyn Fn(f64) -> Option<String>,
) -> StressResult {
    let mut probes = Vec::new();
    let mut run = |load: f64| {
        let p = probe(load);
        probes.push(p.clone());
        p
    };
    let (best, beyond, note) = bracket(
        1.0,
        |p| p.load,
        |load, holds| {
            let next = if holds { load * 2.0 } else { load / 2.0 };
            let beyond = holds.then(|| unrunnable(next)).flatten();
            if let Some(why) = beyond {
                Err(format!(
                    "the targets still hold at ×{load}; the search stops there, since {why}"
                ))
            } else if holds && next > MAX_LOAD_FACTOR {
                Err(format!(
                    "the targets still hold at ×{load}: the limit lies beyond {MAX_LOAD_FACTOR} \
                     times the footfall (scale the scenario's footfall to search further)"
                ))
            } else if next < 1e-6 {
                Err("the targets break even at a millionth of the footfall".into())
            } else {
                Ok(next)
            }
        },
        |held, broke| (broke / held > 1.01).then(|| (held * broke).sqrt()),
        &mut run,
    );
    StressResult {
        first_broken: beyond.and_then(|b| b.broken),
        best,
        probes,
        note,
    }
}

/// The fewest servers per pool meeting every target: doubling from one,
/// then integer bisection. `probe` runs the scenario with a number of
/// servers per pool.
pub fn search_servers(probe: &mut dyn FnMut(u32) -> Probe) -> StressResult {
    let mut probes = Vec::new();
    let mut run = |n: u32| {
        let p = probe(n);
        probes.push(p.clone());
        p
    };
    let (best, fewer, note) = bracket(
        1u32,
        |p| p.servers.unwrap_or(1),
        |n, holds| match (holds, n) {
            // One server is enough: nothing fewer to try.
            (true, _) => Err(String::new()),
            (false, MAX_SERVERS) => Err(format!(
                "{MAX_SERVERS} servers per pool do not meet the targets"
            )),
            (false, n) => Ok((n * 2).min(MAX_SERVERS)),
        },
        |held, broke| (held - broke > 1).then(|| broke + (held - broke) / 2),
        &mut run,
    );
    StressResult {
        first_broken: fewer.and_then(|p| p.broken),
        best,
        probes,
        note: note.filter(|n| !n.is_empty()),
    }
}

/// Checks that a model can be stressed.
pub fn check_model(model: &Model, source: &str) -> Result<(), Error> {
    if model.pipeline.is_none() {
        return Err(InputError::whole(
            source,
            "`survsim stress` needs a [pipeline] section (matcher pools to stress)",
        )
        .into());
    }
    Ok(())
}

fn sorted(probes: &[Probe]) -> Vec<&Probe> {
    let mut v: Vec<&Probe> = probes.iter().collect();
    v.sort_by(|a, b| a.servers.cmp(&b.servers).then(a.load.total_cmp(&b.load)));
    v
}

/// The curve walked and the result, as a table.
pub fn table(result: &StressResult, targets: &[Target]) -> String {
    let mut out = String::new();
    let t: Vec<String> = targets
        .iter()
        .map(|t| {
            let default = if t.default { " (by default)" } else { "" };
            format!("{} ≤ {}{default}", t.figure.name(), fmt_limit(t))
        })
        .collect();
    let line = |out: &mut String, text: &str| {
        let _ = writeln!(out, "{}", wrap_text(text, TABLE_WIDTH, "", "  "));
    };
    line(&mut out, &format!("targets: {}", t.join(", ")));
    if targets.iter().any(|t| t.default) {
        line(
            &mut out,
            &format!(
                "(latency percentiles leave dropped faces out, so a drop rate above {} always \
                 breaks; give --target drop-rate=X to change it)",
                DEFAULT_DROP_RATE
            ),
        );
    }
    // Within 100 columns with the longest result, "breaks
    // p99.9-decision-latency".
    let _ = writeln!(
        out,
        "\n{:>8}{:>8}{:>11}{:>10}{:>11}{:>10}{:>7}  result",
        "load ×", "servers", "peak in/s", "p99 (ms)", "p99.9 (ms)", "drop rate", "util.*"
    );
    for p in sorted(&result.probes) {
        let _ = writeln!(
            out,
            "{:>8.4}{:>8}{:>11}{:>10}{:>11}{:>10.2e}{:>6.1}%  {}",
            p.load,
            p.servers.map_or("-".into(), |n| n.to_string()),
            fmt_num(p.peak_offered_per_s, 1),
            fmt_num(p.p99_latency_s * 1e3, 1),
            fmt_num(p.p999_latency_s * 1e3, 1),
            p.drop_rate,
            100.0 * p.peak_hour_utilisation,
            p.broken
                .map_or("holds".to_string(), |f| format!("breaks {}", f.name()))
        );
    }
    match (&result.best, result.probes.first().and_then(|p| p.servers)) {
        (Some(b), Some(_)) => {
            let _ = writeln!(
                out,
                "\nfewest servers per pool meeting every target at load ×{}: {}",
                b.load,
                b.servers.unwrap_or(0)
            );
        }
        (Some(b), None) => {
            out.push('\n');
            line(
                &mut out,
                &format!(
                    "highest load meeting every target: ×{:.4} of the scenario's footfall \
                     (peak {} faces/s at a pool)",
                    b.load,
                    fmt_num(b.peak_offered_per_s, 1)
                ),
            );
        }
        (None, _) => {
            let _ = writeln!(out, "\nno probed load meets every target");
        }
    }
    if let Some(f) = result.first_broken {
        let _ = writeln!(out, "first target to break beyond it: {}", f.name());
    }
    if let Some(n) = &result.note {
        line(&mut out, &format!("note: {n}"));
    }
    let _ = writeln!(
        out,
        "* utilisation of the busiest pool in its busiest hour (any 60 consecutive minutes)"
    );
    out
}

fn fmt_limit(t: &Target) -> String {
    match t.figure {
        Figure::P99DecisionLatency | Figure::P999DecisionLatency => format!("{} s", t.limit),
        _ => format!("{}", t.limit),
    }
}

fn probe_json(p: &Probe) -> Value {
    json!({
        "load": num(p.load),
        "servers": p.servers,
        "peak_offered_faces_per_s": num(p.peak_offered_per_s),
        "p99_decision_latency_ms": num(p.p99_latency_s * 1e3),
        "p99_9_decision_latency_ms": num(p.p999_latency_s * 1e3),
        "drop_rate": num(p.drop_rate),
        "utilisation": num(p.utilisation),
        "peak_hour_utilisation": num(p.peak_hour_utilisation),
        "holds": p.broken.is_none(),
        "broken": p.broken.map(|f| f.name()),
    })
}

/// The result as JSON.
pub fn to_json(result: &StressResult, targets: &[Target]) -> Value {
    json!({
        "survsim": env!("CARGO_PKG_VERSION"),
        "targets": targets.iter().map(|t| json!({
            "name": t.figure.name(),
            "limit": num(t.limit),
            "default": t.default,
        })).collect::<Vec<_>>(),
        "best": result.best.as_ref().map(probe_json),
        "first_broken": result.first_broken.map(|f| f.name()),
        "note": result.note,
        "curve": sorted(&result.probes).into_iter().map(probe_json).collect::<Vec<_>>(),
    })
}
