//! Running `survsim run`: replications on all cores, or one replication
//! with its events logged, gathered as they finish into a report.
//!
//! Replications are aggregated as they come in, in replication order, so
//! memory stays bounded whatever `--reps` (see [`super::replicate`]). The
//! wall-clock time is measured here, and comes back as a note beside the
//! report, never inside it: the report stays reproducible.

use super::event_log::{Destination, Logged, log_run};
use super::replicate::{can_split, for_each_scenario_replication, run_one};
use crate::error::Error;
use crate::events::Filter;
use crate::format::fmt_num;
use crate::metrics::{Metric, Outcome};
use crate::report::{Gathered, LatencyLog, Report};
use crate::scenario::Scenario;
use std::time::Instant;

/// Which replications to run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunMode {
    /// Replications `0..n`, on all cores.
    Replications(u64),
    /// Replication `r` alone.
    One(u64),
    /// Replication `r` alone, its events written to an NDJSON log.
    Logged {
        /// The replication.
        rep: u64,
        /// Where the log goes.
        destination: Destination,
        /// Which events it holds.
        filter: Filter,
    },
}

/// What `survsim run` was asked to do, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Which replications.
    pub mode: RunMode,
    /// Worker threads: as many engines as fit in memory.
    pub threads: usize,
    /// Whether to keep the latency histograms for an HdrHistogram log.
    pub latency_log: bool,
}

/// What a run gives back for the caller to print.
#[derive(Debug)]
pub struct RunOutput {
    /// The report over the replications.
    pub report: Report,
    /// The latency histograms in HdrHistogram's interval-log format, one
    /// interval per replication, if asked for.
    pub latency_log: Option<Vec<u8>>,
    /// Lines for the user (timing, events written), for standard error.
    pub notes: Vec<String>,
    /// Each replication's counts, in order, [compacted](Outcome::compact):
    /// for the long results (`--format csv`).
    pub outcomes: Vec<Outcome>,
    /// The number of the first of them (`--rep R`: R; otherwise 0).
    pub first_replication: u64,
    /// Wall-clock seconds the replications took (for the HTML page's run
    /// time; never in the table or JSON, which stay reproducible).
    pub elapsed_s: f64,
}

/// The report of `scenario`'s replications as gathered: what `run` prints,
/// and what `survsim serve` answers with, so that the two agree byte for
/// byte.
pub fn report_of(scenario: &Scenario, gathered: &Gathered) -> Report {
    let overrides: Vec<String> = scenario.overrides.iter().map(|o| o.raw.clone()).collect();
    Report::from_gathered(&scenario.model, &scenario.source.name, &overrides, gathered)
        .with_parameters(&scenario.uncertain, scenario.draws_parameters())
}

/// Runs `scenario` as `options` say. `None` if the event log's reader
/// closed the pipe: it has what it wanted, and there is nothing to report.
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<Option<RunOutput>, Error> {
    // An event log records each face: the face engine draws it.
    let for_events;
    let scenario = match options.mode {
        RunMode::Logged { .. } => {
            for_events = scenario.with_face_engine()?;
            &for_events
        }
        _ => scenario,
    };
    let model = &scenario.model;
    let started = Instant::now();
    let mut events_written = None;
    let mut gathered = Gathered::default();
    let mut latency_log = LatencyLog::default();
    let mut faces = 0u64;
    let mut gather = |outcome: Outcome| {
        faces += outcome.counts[Metric::FacesCaptured];
        if options.latency_log {
            latency_log.add(&outcome.latency);
        }
        gathered.add(outcome);
    };
    let first_replication = match &options.mode {
        RunMode::Replications(_) => 0,
        RunMode::One(rep) | RunMode::Logged { rep, .. } => *rep,
    };
    let reps = match &options.mode {
        RunMode::Replications(reps) => {
            for_each_scenario_replication(scenario, *reps, options.threads, |_, o| gather(o))?;
            *reps
        }
        RunMode::One(rep) => {
            let drawn = scenario.replication_model(*rep)?;
            gather(run_one(
                drawn.as_ref().unwrap_or(model),
                *rep,
                options.threads,
            ));
            1
        }
        RunMode::Logged {
            rep,
            destination,
            filter,
        } => match log_run(
            scenario.replication_model(*rep)?.as_ref().unwrap_or(model),
            *rep,
            destination,
            filter,
        )? {
            Logged::Complete { outcome, lines } => {
                events_written = Some(lines);
                gather(*outcome);
                1
            }
            Logged::ReaderGone => return Ok(None),
        },
    };
    let elapsed = started.elapsed().as_secs_f64();
    let report = report_of(scenario, &gathered);
    // The residents engine, and a pipeline's sort, share one replication's
    // work over the threads.
    let threads = match options.mode {
        RunMode::Logged { .. } => 1,
        _ if can_split(model) => options.threads,
        _ => options.threads.min(reps as usize),
    };
    let mut notes = vec![format!(
        "simulated {} faces in {:.2} s ({:.1} M faces/s on {} thread{}, {} engine)",
        fmt_num(faces as f64, 0),
        elapsed,
        faces as f64 / elapsed.max(1e-9) / 1e6,
        threads,
        if threads == 1 { "" } else { "s" },
        model.engine.name(),
    )];
    if let Some(lines) = events_written {
        notes.push(format!(
            "wrote {} events ({} events/s)",
            fmt_num(lines as f64, 0),
            fmt_num(lines as f64 / elapsed.max(1e-9), 0)
        ));
    }
    Ok(Some(RunOutput {
        report,
        latency_log: options
            .latency_log
            .then(|| latency_log.finish(model.duration_s)),
        notes,
        outcomes: gathered.into_outcomes(),
        first_replication,
        elapsed_s: elapsed,
    }))
}
