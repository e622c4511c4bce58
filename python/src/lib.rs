//! `survsim._survsim`: the survsim library behind the Python package's verbs.
//!
//! Each function here is a driver, as `src/main.rs` and `survsim serve`
//! are: it loads a scenario as the command line does ([`load`]), runs it
//! through the library's own drivers on all cores, and hands back what the
//! command line would print — `run --format json`'s bytes
//! ([`json_text`]), the table, `run --format csv`'s long rows — for the
//! Python package (`python/survsim/`) to wrap. The work runs on a thread of
//! its own with the GIL released, stoppable with Ctrl-C or a timeout
//! ([`supervise`]).
//!
//! These functions take positional arguments prepared by the package; call
//! the package's (`survsim.run`, …), which document them.

mod load;
mod supervise;

use load::{Given, ScenarioArgs};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use supervise::{How, Watch, supervise};
use survsim::drive::output::{json_text, write_atomically};
use survsim::drive::replicate::{
    available_memory, default_threads, for_each_scenario_replication_until, run_one, threads_for,
};
use survsim::drive::run::report_of;
use survsim::drive::sweep::{Progress, SweepOptions, sweep_until};
use survsim::metrics::Outcome;
use survsim::report::Gathered;
use survsim::scenario::Scenario;
use survsim::sweep::{Grid, Plan};

/// `threads=`, or all cores: the command line's `--threads`.
fn threads_or_cores(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(default_threads).max(1)
}

/// The scenario's warnings as the command line prints them (after
/// `survsim: warning: `).
fn warnings(scenario: &Scenario) -> Vec<String> {
    scenario.warnings.iter().map(ToString::to_string).collect()
}

/// Each replication's counts of a run, kept for its long results.
#[pyclass(frozen, module = "survsim._survsim")]
pub struct Replications {
    scenario: Scenario,
    outcomes: Vec<Outcome>,
    first: u64,
}

#[pymethods]
impl Replications {
    /// `survsim run --format csv`'s text: `point,replication,group,metric,value`,
    /// one figure a row, the run as point 0.
    fn long_csv(&self, py: Python<'_>) -> PyResult<String> {
        let bytes = py.detach(|| {
            let mut out = Vec::new();
            survsim::report::write_long_csv(
                &mut out,
                self.first,
                &self.scenario.model,
                &self.outcomes,
            )
            .map(|()| out)
        });
        let bytes = bytes.map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
        String::from_utf8(bytes)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }

    /// The number of replications.
    fn __len__(&self) -> usize {
        self.outcomes.len()
    }
}

/// What a run hands back: `run --format json`'s text, the table, the
/// warnings, and the replications.
type RunAnswer = (String, String, Vec<String>, Replications);

/// `survsim run`: replications `0..reps`, or replication `rep` alone.
#[pyfunction]
#[pyo3(signature = (scenario, reps, rep, threads, timeout, progress))]
fn run(
    py: Python<'_>,
    scenario: ScenarioArgs,
    reps: u64,
    rep: Option<u64>,
    threads: Option<usize>,
    timeout: Option<f64>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<RunAnswer> {
    let how = How {
        what: "run",
        timeout,
        progress,
        stoppable: true,
    };
    supervise(py, how, move |watch: &Watch| {
        let scenario = scenario.load()?;
        // Each worker holds its own engine: as many as memory allows.
        let threads = threads_for(&scenario, threads_or_cores(threads), available_memory())?;
        let mut gathered = Gathered::default();
        match rep {
            None => {
                watch.set_total(reps);
                let stop = || watch.stopped();
                let all = for_each_scenario_replication_until(
                    &scenario,
                    reps,
                    threads,
                    &stop,
                    |_, o| {
                        gathered.add(o);
                        watch.step();
                    },
                )?;
                if !all {
                    return Ok(None);
                }
            }
            Some(rep) => {
                watch.set_total(1);
                let drawn = scenario.replication_model(rep)?;
                gathered.add(run_one(
                    drawn.as_ref().unwrap_or(&scenario.model),
                    rep,
                    threads,
                ));
                watch.step();
            }
        }
        let report = report_of(&scenario, &gathered);
        let warnings = warnings(&scenario);
        Ok(Some((
            json_text(&report.to_json()),
            report.to_table(),
            warnings,
            Replications {
                scenario,
                outcomes: gathered.into_outcomes(),
                first: rep.unwrap_or(0),
            },
        )))
    })
}

/// `survsim check [--sensitivity]`: `check --format json`'s text, the
/// table, the warnings. With `sensitivity`, the Sobol indices of what
/// drives the uncertainty are added to both, as the command line adds them
/// (none without uncertain inputs).
#[pyfunction]
#[pyo3(signature = (scenario, sensitivity))]
fn check(
    py: Python<'_>,
    scenario: ScenarioArgs,
    sensitivity: bool,
) -> PyResult<(String, String, Vec<String>)> {
    let how = How {
        what: "check",
        timeout: None,
        progress: None,
        stoppable: false,
    };
    supervise(py, how, move |_: &Watch| {
        let scenario = scenario.load()?;
        let indices = if sensitivity {
            survsim::report::Sensitivity::of(&scenario, survsim::report::SENSITIVITY_ROWS)?
        } else {
            None
        };
        let mut json = survsim::report::check_json(&scenario);
        let mut table = survsim::report::check_table(&scenario);
        if let Some(indices) = &indices {
            json["sensitivity"] = indices.json();
            table += &indices.table();
        }
        Ok(Some((json_text(&json), table, warnings(&scenario))))
    })
}

/// `survsim sweep … --out OUT`: the summary, the notes on standard error
/// (timing, where the results are) and the notes on the grid.
#[pyfunction]
#[pyo3(signature = (scenario, vary, reps, threads, out, force, html, timeout, progress))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: ScenarioArgs,
    vary: Vec<String>,
    reps: u64,
    threads: Option<usize>,
    out: std::path::PathBuf,
    force: bool,
    html: bool,
    timeout: Option<f64>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<(String, Vec<String>, Vec<String>)> {
    let how = How {
        what: "sweep",
        timeout,
        progress,
        stoppable: true,
    };
    supervise(py, how, move |watch: &Watch| {
        // As `SweepArgs::into_options`: the scenario, its `--set`s and
        // engine, then the grid; the seed is the plan's.
        let source = scenario.given().scenario()?;
        let mut sets = scenario.overrides()?;
        sets.extend(scenario.engine()?);
        let grid = Grid::parse(&vary)?;
        let notes = grid.notes();
        let options = SweepOptions {
            plan: Plan {
                source,
                sets,
                seed: scenario.seed(),
                grid,
                reps,
                fixed_parameters: scenario.fixed_parameters(),
            },
            shard: None,
            threads: threads_or_cores(threads),
            out,
            force,
            html,
        };
        let mut progress = |p: Progress| match p {
            Progress::Started { points, reps } => watch.set_total(points as u64 * reps),
            Progress::Replication => watch.step(),
            Progress::Point { .. } | Progress::Finished => {}
        };
        let output = sweep_until(&options, &|| watch.stopped(), &mut progress)?;
        Ok(output.map(|o| (o.summary, o.notes, notes)))
    })
}

/// `survsim validate`: its JSON text, its table, and whether every check
/// expected to hold did.
#[pyfunction]
#[pyo3(signature = (threads, timeout))]
fn validate(
    py: Python<'_>,
    threads: Option<usize>,
    timeout: Option<f64>,
) -> PyResult<(String, String, bool)> {
    let how = How {
        what: "validate",
        timeout,
        progress: None,
        stoppable: false,
    };
    supervise(py, how, move |_: &Watch| {
        let v = survsim::drive::validate::validation(threads_or_cores(threads))?;
        Ok(Some((json_text(&v.json), v.table, v.all_expected_hold)))
    })
}

/// `survsim fit`: its JSON text, its table, and the matcher profile it
/// would write with `--out` (written to `out` if given). `command` is
/// recorded in the profile as what wrote it.
#[pyfunction]
#[pyo3(signature = (records, matcher, loo, seed, chains, draws, keep, threads, out, command, timeout))]
#[allow(clippy::too_many_arguments)]
fn fit(
    py: Python<'_>,
    records: Given,
    matcher: String,
    loo: bool,
    seed: u64,
    chains: usize,
    draws: usize,
    keep: usize,
    threads: Option<usize>,
    out: Option<std::path::PathBuf>,
    command: String,
    timeout: Option<f64>,
) -> PyResult<(String, String, String)> {
    let how = How {
        what: "fit",
        timeout,
        progress: None,
        stoppable: false,
    };
    supervise(py, how, move |watch: &Watch| {
        let options = survsim::drive::fit::FitOptions {
            records: records.records()?,
            matcher,
            settings: survsim::fit::Settings {
                chains,
                warmup: draws,
                draws,
                seed,
            },
            leave_one_out: loo,
            threads: threads_or_cores(threads),
        };
        let output = survsim::drive::fit::run(&options)?;
        let report = survsim::fit::summary::FitReport {
            records: &options.records,
            posterior: &output.posterior,
            left_out: output.left_out.clone(),
        };
        let profile =
            survsim::fit::profile::text(&output.posterior, &options.records, &command, keep);
        if let Some(path) = &out {
            // Not after the call has raised (Ctrl-C, a timeout).
            if watch.stopped() {
                return Ok(None);
            }
            write_atomically(path, profile.as_bytes())?;
        }
        Ok(Some((json_text(&report.json()), report.table(), profile)))
    })
}

/// The bundled scenarios, each with its one-line description
/// (`survsim scenarios`).
#[pyfunction]
fn scenarios(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    for (name, description) in survsim::scenario::bundled::descriptions() {
        dict.set_item(name, description)?;
    }
    Ok(dict)
}

/// The built-in default scenario's TOML text (`survsim default`).
#[pyfunction]
fn default_scenario() -> &'static str {
    survsim::scenario::DEFAULT_SCENARIO
}

/// The extension module.
#[pymodule]
fn _survsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Replications>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(default_scenario, m)?)?;
    Ok(())
}
