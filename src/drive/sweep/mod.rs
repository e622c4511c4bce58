//! Running a sweep: every point's replications on all cores, each finished
//! point checkpointed into the output directory as soon as its last
//! replication is in, and the results written once the directory holds
//! every point.
//!
//! What a sweep computes — the plan, the grid, the point-file format, the
//! results and charts — is [`crate::sweep`], which does no I/O. This module
//! is its driver: threads ([`points`]), files ([`dir`]) and the merging of
//! shards ([`merge`]). It prints nothing: progress goes to a callback as
//! [`Progress`] events, and what a user should be told comes back as notes
//! in [`SweepOutput`], for the caller to print (or not, with `-q`).
//!
//! ```no_run
//! use survsim::drive::sweep::{SweepOptions, sweep};
//! use survsim::scenario::ScenarioSource;
//! use survsim::sweep::{Grid, Plan};
//!
//! let plan = Plan {
//!     source: ScenarioSource::builtin_default(),
//!     sets: Vec::new(),
//!     seed: None,
//!     grid: Grid::parse(&["matcher.threshold=0.58:0.64:0.02".to_string()]).unwrap(),
//!     reps: 4,
//!     fixed_parameters: false,
//! };
//! let options = SweepOptions {
//!     plan,
//!     shard: None,
//!     threads: 2,
//!     out: "sweep-out".into(),
//!     force: false,
//!     html: false,
//! };
//! let output = sweep(&options, &mut |_progress| {}).unwrap();
//! print!("{}", output.summary);
//! ```

pub mod dir;
pub mod merge;
pub mod points;

use crate::drive::replicate::{Available, available_memory, threads_for};
use crate::error::{Error, InputError};
use crate::scenario::Scenario;
use crate::sweep::{Plan, Shard, results};
use dir::OutDir;
use std::path::PathBuf;
use std::time::Instant;

/// The file name of a sweep's HTML page in its output directory.
pub const HTML_REPORT: &str = "report.html";

/// What `survsim sweep` was asked to do, validated.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The scenario, the overrides, the grid and the replications.
    pub plan: Plan,
    /// Run only this shard's points.
    pub shard: Option<Shard>,
    /// Worker threads.
    pub threads: usize,
    /// Output directory.
    pub out: PathBuf,
    /// Discard an existing sweep in `out` that differs from this one.
    pub force: bool,
    /// Also write `out/report.html`, the sweep's page, once every point is in.
    pub html: bool,
}

/// How far a sweep has got, as it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The points left to run are known: `points` of them, `reps`
    /// replications each.
    Started {
        /// Points to run.
        points: usize,
        /// Replications per point.
        reps: u64,
    },
    /// One more replication is in.
    Replication,
    /// One more point is in and checkpointed: `done` of `of`.
    Point {
        /// Points checkpointed so far.
        done: usize,
        /// Points to run.
        of: usize,
    },
    /// Running is over (finished or failed); the results come next.
    Finished,
}

/// What a sweep (or a merge) gives back for the caller to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOutput {
    /// The summary table, for standard output.
    pub summary: String,
    /// Lines for the user (timing, where the results are), for standard error.
    pub notes: Vec<String>,
}

/// Runs a sweep (or one shard of it) into `opts.out`, skipping the points
/// already there, and writes the results once the directory holds every
/// point. `progress` hears of every replication and point as it comes in.
pub fn sweep(
    opts: &SweepOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<SweepOutput, Error> {
    let output = sweep_until(opts, &|| false, progress)?;
    Ok(output.expect("a sweep that is never stopped runs every point"))
}

/// [`sweep`] that starts no replication once `stop()` is true (the Python
/// package's Ctrl-C and timeout): `None` if it stopped before every point
/// of `opts.out` was in. The points finished by then are checkpointed, and
/// the same sweep resumes from them.
pub fn sweep_until(
    opts: &SweepOptions,
    stop: &(dyn Fn() -> bool + Sync),
    progress: &mut dyn FnMut(Progress),
) -> Result<Option<SweepOutput>, Error> {
    let started = Instant::now();
    let plan = &opts.plan;
    let threads = opts.threads.max(1);
    let scenarios = load_scenarios(plan, threads)?;
    let shard = opts.shard;
    let mine: Vec<usize> = (0..plan.points())
        .filter(|&i| shard.is_none_or(|s| s.contains(i)))
        .collect();
    // Each worker holds an engine: refused before anything is written if
    // one does not fit, and no more workers than fit at the largest point.
    let threads = threads_for_points(plan, &scenarios, &mine, threads, available_memory())?;
    let dir = OutDir::open(&opts.out, &plan.manifest(), opts.force)?;
    let mut present = dir.scan_points(plan, &scenarios)?;
    let todo: Vec<usize> = (0..plan.points())
        .filter(|&i| !present[i] && shard.is_none_or(|s| s.contains(i)))
        .collect();
    let skipped = (0..plan.points())
        .filter(|&i| present[i] && shard.is_none_or(|s| s.contains(i)))
        .count();

    progress(Progress::Started {
        points: todo.len(),
        reps: plan.reps,
    });
    // Each point's replications go to its file as they come in, in order:
    // one point is being written at a time, and none is held.
    let mut writing: Option<dir::PointFile> = None;
    let ran = points::stream_points(
        &scenarios,
        &todo,
        plan.reps,
        threads,
        stop,
        progress,
        |index, rep, outcome| {
            let file = match &mut writing {
                Some(file) => file,
                None => writing.insert(dir.start_point(index, plan, &scenarios[index].model)?),
            };
            file.add(&outcome)?;
            if rep + 1 == plan.reps {
                writing.take().expect("a point being written").finish()?;
                present[index] = true;
            }
            Ok(())
        },
    );
    // A point cut short by an error leaves no file.
    drop(writing);
    progress(Progress::Finished);
    ran?;
    if todo.iter().any(|&i| !present[i]) {
        // Stopped: what is done stays checkpointed for a rerun.
        return Ok(None);
    }

    let rows = dir::finish(&dir, plan, &scenarios, &present)?;
    let secs = started.elapsed().as_secs_f64();
    let mut line = format!(
        "swept {} point{} × {} replication{} in {:.2} s ({:.1} points/s on {} thread{})",
        todo.len(),
        if todo.len() == 1 { "" } else { "s" },
        plan.reps,
        if plan.reps == 1 { "" } else { "s" },
        secs,
        todo.len() as f64 / secs.max(1e-9),
        threads,
        if threads == 1 { "" } else { "s" },
    );
    if skipped > 0 {
        line += &format!("; {skipped} already done");
    }
    let complete = rows.len() == plan.points();
    if opts.html && complete {
        let profile = scenarios
            .first()
            .and_then(|s| s.model.matcher_profile.as_deref());
        let page = crate::sweep::html::sweep_page(plan, &rows, profile, secs);
        crate::drive::output::write_atomically(&opts.out.join(HTML_REPORT), page.as_bytes())?;
    }
    let whereabouts = if complete {
        format!("results in {}", opts.out.display())
    } else {
        format!(
            "{} holds {} of {} points; run the other shards, then `survsim merge`",
            opts.out.display(),
            rows.len(),
            plan.points()
        )
    };
    Ok(Some(SweepOutput {
        summary: results::summary(plan, &scenarios, &rows),
        notes: crate::sweep::notes::threshold_note(&scenarios)
            .map(|note| format!("note: {note}"))
            .into_iter()
            .chain([line, whereabouts])
            .collect(),
    }))
}

/// Worker threads for the points `todo`: at most `threads`, and no more
/// than there are engines that fit in `available` memory at any of them
/// ([`threads_for`]). An error, placed at the key that asks for the memory,
/// if not one engine of a point fits (the point is loaded again to place
/// it: [`load_scenarios`] lets the text go).
pub fn threads_for_points(
    plan: &Plan,
    scenarios: &[Scenario],
    todo: &[usize],
    threads: usize,
    available: Option<Available>,
) -> Result<usize, InputError> {
    let mut fit = threads.max(1);
    for &i in todo {
        fit = match threads_for(&scenarios[i], fit, available) {
            Ok(n) => n,
            Err(_) => threads_for(&plan.load(i)?, fit, available)?,
        };
    }
    Ok(fit)
}

/// Loads and validates every point's scenario, on up to `threads` threads.
/// The first invalid point (by index) is the error.
///
/// Each keeps its parsed file, from which its replications draw their
/// uncertain inputs, but not its text: the plan holds that once, and a grid
/// of 100,000 points would otherwise hold it 100,000 times.
pub fn load_scenarios(plan: &Plan, threads: usize) -> Result<Vec<Scenario>, InputError> {
    let n = plan.points();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, n) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let loaded = plan.load(i).map(|mut scenario| {
                        scenario.source.text = String::new();
                        scenario
                    });
                    let _ = tx.send((i, loaded));
                }
            });
        }
    });
    drop(tx);
    let mut loaded: Vec<(usize, Result<Scenario, InputError>)> = rx.iter().collect();
    loaded.sort_by_key(|(i, _)| *i);
    loaded.into_iter().map(|(_, m)| m).collect()
}
