//! The work behind a request, on plain threads: a run's replications or a
//! sweep's points, stopped when the request is cancelled, and what they
//! give back rendered once for every way it is served.
//!
//! A run here is `survsim run`'s: the replications come from
//! [`for_each_scenario_replication_until`] in replication order and the
//! report from [`report_of`], so its JSON is byte for byte what `run
//! --format json` prints. The page's body is [`run_body`], the HTML
//! report's own rendering.

use super::ask::{Ask, check_kept, check_size};
use super::compare::{COMPARED, PerRep};
use crate::drive::replicate::{
    available_memory, available_memory_bytes, for_each_scenario_replication_until, threads_for,
    threads_within_memory,
};
use crate::drive::run::report_of;
use crate::drive::sweep::Progress;
use crate::drive::sweep::points::run_points;
use crate::drive::sweep::{load_scenarios, threads_for_points};
use crate::error::{Error, InputError};
use crate::report::{Gathered, Report};
use crate::report::{run_body, run_command, run_page};
use crate::scenario::{Scenario, ScenarioSource};
use crate::sweep::results::Row;
use crate::sweep::{Grid, Headline, Plan};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// A request's cancellation: set when a newer request from the same page
/// arrives, or when the client goes away (its response is dropped).
#[derive(Debug, Default)]
pub struct Cancel(AtomicBool);

impl Cancel {
    /// Cancels the work.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the work was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Cancels on drop: held by whatever lives exactly as long as the client
/// waits (a response body, a handler's future).
pub struct CancelOnDrop(pub Arc<Cancel>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The scenario given at start (read once: nothing else is read).
    pub source: ScenarioSource,
    /// Worker threads per run (the cores).
    pub threads: usize,
    /// The size limit: expected faces per request.
    pub max_faces: f64,
    /// Most points a sweep may have.
    pub max_points: usize,
}

/// A finished run, rendered for every way it is served.
#[derive(Debug)]
pub struct Finished {
    /// The scenario as loaded (for the downloadable page).
    pub scenario: Scenario,
    /// The report.
    pub report: Report,
    /// `run --format json`'s bytes: pretty JSON and a final newline.
    pub json: String,
    /// The report's body ([`run_body`]), for the page to insert.
    pub body: String,
    /// The command that reproduces the page.
    pub command: String,
    /// Each replication's compared counts, for a paired comparison.
    pub per_rep: Vec<PerRep>,
    /// Wall-clock seconds the replications took.
    pub elapsed_s: f64,
}

impl Finished {
    /// The self-contained HTML report, as `run --html` writes it.
    pub fn page(&self) -> String {
        run_page(&self.scenario, &self.report, &self.command, self.elapsed_s)
    }
}

/// Loads and checks a run before anything is queued: bad input and runs
/// above the size limit are refused here, with the CLI's messages.
pub fn prepare(setup: &Setup, ask: &Ask) -> Result<Scenario, InputError> {
    let scenario = ask.load(&setup.source)?;
    check_size(&scenario, ask.reps, setup.max_faces)?;
    // The memory check reads /proc, as `run` does.
    threads_for(&scenario, 1, available_memory())?;
    Ok(scenario)
}

/// Runs `scenario`'s replications as `survsim run --reps` does; `None` if
/// cancelled first. `progress(done)` hears of each replication.
pub fn run(
    setup: &Setup,
    scenario: Scenario,
    reps: u64,
    cancel: &Cancel,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<Finished>, InputError> {
    let threads = threads_within_memory(&scenario.model, setup.threads, available_memory_bytes())?;
    let started = Instant::now();
    let mut gathered = Gathered::default();
    let mut per_rep = Vec::with_capacity(reps.min(1 << 16) as usize);
    let stop = || cancel.is_cancelled();
    let done = for_each_scenario_replication_until(&scenario, reps, threads, &stop, |r, o| {
        per_rep.push(COMPARED.map(|m| o.counts[m] as f64));
        gathered.add(o);
        progress(r + 1);
    })?;
    if !done {
        return Ok(None);
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    let report = report_of(&scenario, &gathered);
    let json = crate::drive::output::json_text(&report.to_json());
    let command = run_command(&scenario, reps, None, Path::new("report.html"));
    let body = run_body(&scenario, &report, &command, elapsed_s);
    Ok(Some(Finished {
        scenario,
        report,
        json,
        body,
        command,
        per_rep,
        elapsed_s,
    }))
}

/// A sweep asked for: the run's overrides, one varied key and a metric.
#[derive(Debug)]
pub struct SweepAsk {
    /// The plan (the scenario, the run's `--set`s and seed, the grid).
    pub plan: Plan,
    /// The metric charted.
    pub metric: Headline,
    /// Each point's scenario, loaded and checked.
    pub scenarios: Vec<crate::scenario::Scenario>,
}

/// Loads and checks a sweep before anything is queued.
pub fn prepare_sweep(
    setup: &Setup,
    ask: &Ask,
    vary: &str,
    metric: &str,
) -> Result<SweepAsk, InputError> {
    let metric = Headline::ALL
        .iter()
        .copied()
        .find(|h| h.key() == metric)
        .ok_or_else(|| {
            InputError::whole(
                "metric",
                format!(
                    "unknown metric `{metric}`{}, expected one of {}",
                    crate::error::did_you_mean(metric, Headline::ALL.iter().map(|h| h.key())),
                    Headline::ALL
                        .iter()
                        .map(|h| h.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    let grid = Grid::parse(&[vary.to_string()])?;
    if grid.len() > setup.max_points {
        return Err(InputError::whole(
            format!("--vary {vary}"),
            format!(
                "expected at most {} points in the browser, got {}; use `survsim sweep` for more",
                setup.max_points,
                grid.len()
            ),
        ));
    }
    // The run's checks first: its own overrides must load.
    ask.load(&setup.source)?;
    let plan = Plan {
        source: setup.source.clone(),
        sets: ask
            .overrides()?
            .into_iter()
            .filter(|o| !is_seed(o))
            .collect(),
        seed: ask.seed,
        grid,
        reps: ask.reps,
        // As `survsim sweep`: uncertain inputs drawn for each replication.
        fixed_parameters: false,
    };
    let scenarios = load_scenarios(&plan, setup.threads)?;
    crate::sweep::metric_available(metric, &scenarios)?;
    // One engine, and one point's counts at a time, must fit in memory.
    let all: Vec<usize> = (0..plan.points()).collect();
    threads_for_points(&plan, &scenarios, &all, 1, available_memory())?;
    for scenario in &scenarios {
        check_kept(scenario, ask.reps)?;
    }
    let faces: f64 = scenarios
        .iter()
        .map(|s| s.model.expected().faces_captured)
        .sum();
    if faces * ask.reps as f64 > setup.max_faces {
        return Err(InputError::whole(
            "--max-faces",
            format!(
                "this sweep would capture about {} faces, above this server's limit of {} \
                 (survsim serve --max-faces); ask for fewer points or replications",
                crate::format::fmt_num(faces * ask.reps as f64, 0),
                crate::format::fmt_num(setup.max_faces, 0)
            ),
        ));
    }
    Ok(SweepAsk {
        plan,
        metric,
        scenarios,
    })
}

/// Whether an override is the seed's (the plan carries the seed apart).
fn is_seed(o: &crate::scenario::Override) -> bool {
    o.raw.trim_start().starts_with("simulation.seed=")
}

/// Runs a sweep's points on all cores and charts its metric with the
/// sweep's own chart ([`crate::sweep::charts`]); `None` if cancelled.
/// `progress(done, of)` hears of each replication.
pub fn sweep(
    setup: &Setup,
    sweep: &SweepAsk,
    cancel: &Cancel,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Option<String>, Error> {
    let plan = &sweep.plan;
    let todo: Vec<usize> = (0..plan.points()).collect();
    let of = todo.len() as u64 * plan.reps;
    let mut done = 0u64;
    let mut rows: Vec<Row> = Vec::with_capacity(todo.len());
    let result = run_points(
        &sweep.scenarios,
        &todo,
        plan.reps,
        setup.threads,
        &mut |p| {
            if p == Progress::Replication {
                done += 1;
                progress(done, of);
            }
        },
        |i, outcomes| {
            if cancel.is_cancelled() {
                // Stops the workers after their current replication.
                return Err(InputError::whole("sweep", "cancelled").into());
            }
            rows.push(Row::new(plan, i, &sweep.scenarios[i], &outcomes));
            Ok(())
        },
    );
    if cancel.is_cancelled() {
        return Ok(None);
    }
    result?;
    rows.sort_by_key(|r| r.index);
    let name = format!("{}.svg", sweep.metric.key());
    let chart = crate::sweep::charts::render_all_inline(plan, &rows)
        .into_iter()
        .find(|(file, _)| *file == name)
        .map(|(_, svg)| svg)
        .ok_or_else(|| {
            InputError::whole(
                "metric",
                format!(
                    "`{}` has no chart for this scenario (it needs a pipeline)",
                    sweep.metric.key()
                ),
            )
        })?;
    Ok(Some(chart))
}
