//! From flags to validated options, in the manner of ripgrep's `HiArgs`:
//! each command's raw flags ([`super::flags`]) become a value of the types
//! the library takes — a loaded [`Scenario`], parsed overrides, a [`Grid`],
//! [`Target`]s, a thread count within memory — or an error that names the
//! flag at fault. Nothing runs until this has succeeded, and the library
//! never sees a flag string.
//!
//! Checks run in the order a user reads the command: the scenario first,
//! then the flags that depend on it. So of several mistakes the first is
//! reported, always the same one.

use super::flags::{
    CheckArgs, EventFilterArgs, FitArgs, Format, LiveArgs, MergeArgs, RunArgs, RunFormat,
    ScenarioArgs, ServeArgs, Solve, StressArgs, SweepArgs, ValidateArgs,
};
use clap::ValueEnum;
use std::path::PathBuf;
use survsim::drive::event_log::Destination;
use survsim::drive::live::{LiveOptions, Speed};
use survsim::drive::output::check_writable;
use survsim::drive::replicate::{available_memory, default_threads, threads_for};
use survsim::drive::run::{RunMode, RunOptions};
use survsim::drive::serve::{ServeOptions, check_host_name, check_token};
use survsim::drive::sweep::SweepOptions;
use survsim::drive::sweep::merge::MergeOptions;
use survsim::error::{Error, InputError};
use survsim::events::Filter;
use survsim::scenario::{Override, Scenario};
use survsim::stress::Target;
use survsim::sweep::{Grid, Plan, Shard};

/// `--threads`, or all cores.
fn threads(flag: Option<usize>) -> usize {
    flag.unwrap_or_else(default_threads).max(1)
}

/// `--set KEY=VALUE`, each parsed.
fn overrides(sets: &[String]) -> Result<Vec<Override>, InputError> {
    sets.iter().map(|s| s.parse::<Override>()).collect()
}

impl ScenarioArgs {
    /// The scenario, with `--set` and `--seed` applied, validated.
    pub fn load(&self) -> Result<Scenario, Error> {
        // The overrides first: `--set a 0.6` leaves `0.6` as the scenario,
        // and the slip is the missing `=`, not a missing file.
        let mut overrides = overrides(&self.set).map_err(|e| self.spaced_set(e))?;
        let source = survsim::drive::files::scenario_source(self.scenario.as_deref())?;
        if let Some(seed) = self.seed {
            overrides.push(format!("simulation.seed={seed}").parse()?);
        }
        overrides.extend(self.engine_override()?);
        let mut scenario = Scenario::load(source, &overrides)?;
        scenario.parameters_fixed = self.fixed_parameters;
        Ok(scenario)
    }
}

impl ScenarioArgs {
    /// `--set KEY VALUE` (a space for the `=`) leaves VALUE as the scenario
    /// argument: said so, with the fix, instead of "expected key=value".
    fn spaced_set(&self, error: InputError) -> InputError {
        let (Some(value), Some(key)) = (
            self.scenario.as_deref(),
            self.set.iter().find(|s| !s.contains('=')),
        ) else {
            return error;
        };
        InputError {
            message: format!(
                "{}; a space instead of `=`? `{}` was read as the scenario: write --set {}={}",
                error.message,
                value.display(),
                key.trim(),
                value.display()
            ),
            ..error
        }
    }
}

impl EventFilterArgs {
    fn filter(&self) -> Result<Filter, InputError> {
        Filter::parse(self.events_kinds.as_deref(), self.capture_sample)
    }

    fn is_given(&self) -> bool {
        self.events_kinds.is_some() || self.capture_sample.is_some()
    }
}

/// Where `run`'s report goes.
pub enum ReportTo {
    /// Standard output.
    Stdout,
    /// `-o PATH`.
    File(PathBuf),
    /// Nowhere: `--events -` has standard output, and no `-o` is given.
    Nowhere,
}

/// `survsim run`, validated.
pub struct Run {
    pub scenario: Scenario,
    pub options: RunOptions,
    pub format: RunFormat,
    pub report_to: ReportTo,
    /// `--latency-log PATH`.
    pub latency_log: Option<PathBuf>,
    /// `--html PATH`, and the command that reproduces the page.
    pub html: Option<(PathBuf, String)>,
    pub quiet: bool,
}

impl RunArgs {
    pub fn into_options(self) -> Result<Run, Error> {
        let scenario = self.scenario.load()?;
        // Fail before simulating, not after, if a result cannot be written.
        for path in [&self.output, &self.latency_log, &self.html]
            .into_iter()
            .flatten()
        {
            check_writable(path)?;
        }
        // Each worker holds its own engine: as many as memory allows (F5).
        let threads = threads_for(&scenario, threads(self.threads), available_memory())?;
        // One replication unless asked: a run is quick to try, and its
        // page says that a single run's range needs 40 (`serve`, whose
        // page is the report, runs 40 by default).
        let reps = self.reps.unwrap_or(1);
        let mode = match &self.events {
            None if self.event_filter.is_given() => {
                return Err(InputError::whole(
                    "--events-kinds/--capture-sample",
                    "these choose what --events writes, and --events is not given",
                )
                .into());
            }
            None => match self.rep {
                Some(rep) => RunMode::One(rep),
                None => RunMode::Replications(reps),
            },
            Some(_) if reps > 1 => {
                return Err(InputError::whole(
                    "--events",
                    "an event log is of one replication: drop --reps (use --rep R or --seed for another)",
                )
                .into());
            }
            Some(path) => RunMode::Logged {
                rep: self.rep.unwrap_or(0),
                destination: Destination::from_arg(path),
                filter: self.event_filter.filter()?,
            },
        };
        let report_to = match (self.output, &self.events) {
            (Some(path), _) => ReportTo::File(path),
            // Standard output carries the events; the report goes only to -o.
            (None, Some(events)) if events.as_os_str() == "-" => ReportTo::Nowhere,
            // Quiet with a page to write: the page is the report.
            (None, None) if self.quiet && self.html.is_some() => ReportTo::Nowhere,
            (None, _) => ReportTo::Stdout,
        };
        let html = self.html.map(|path| {
            let command = survsim::report::run_command(&scenario, reps, self.rep, &path);
            (path, command)
        });
        Ok(Run {
            html,
            scenario,
            options: RunOptions {
                mode,
                threads,
                latency_log: self.latency_log.is_some(),
            },
            format: self.format,
            report_to,
            latency_log: self.latency_log,
            quiet: self.quiet,
        })
    }
}

/// `survsim live`, validated.
pub struct Live {
    pub scenario: Scenario,
    pub options: LiveOptions,
    pub quiet: bool,
}

impl LiveArgs {
    pub fn into_options(self) -> Result<Live, Error> {
        let scenario = self.scenario.load()?;
        let options = LiveOptions {
            listen: self.listen,
            speed: Speed::parse(&self.speed)?,
            filter: self.event_filter.filter()?,
            client_buffer: self.client_buffer.max(1),
            wait_clients: self.wait_clients,
        };
        Ok(Live {
            scenario,
            options,
            quiet: self.quiet,
        })
    }
}

/// What `survsim stress` searches for.
pub enum Search {
    /// The highest footfall factor meeting the targets.
    Load,
    /// The fewest servers per pool meeting them at a footfall factor.
    Matchers { load: f64 },
}

/// `survsim stress`, validated.
pub struct Stress {
    pub scenario: Scenario,
    pub targets: Vec<Target>,
    pub search: Search,
    pub reps: u64,
    pub threads: usize,
    pub format: Format,
}

impl StressArgs {
    pub fn into_options(self) -> Result<Stress, Error> {
        let scenario = self.scenario.load()?;
        survsim::stress::check_model(&scenario.model, &scenario.source.name)?;
        let targets = self
            .targets
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<Target>, InputError>>()?;
        // Latency percentiles leave dropped faces out: without a drop-rate
        // target a load dropping most faces would "hold".
        let targets = survsim::stress::with_default_drop_rate(targets);
        if !(self.load.is_finite() && self.load > 0.0) {
            return Err(InputError::whole("--load", "expected a footfall factor above 0").into());
        }
        let search = match self.solve {
            None => Search::Load,
            Some(Solve::Matchers) => Search::Matchers { load: self.load },
        };
        // The fixed load (or the search's first, ×1) must be one `run` would
        // accept (F6).
        let first_load = match search {
            Search::Load => 1.0,
            Search::Matchers { load } => load,
        };
        survsim::drive::stress::check_load(&scenario.model, first_load)?;
        Ok(Stress {
            scenario,
            targets,
            search,
            reps: self.reps,
            threads: threads(self.threads),
            format: self.format,
        })
    }
}

/// `survsim check`, validated.
pub struct Check {
    pub scenario: Scenario,
    pub format: Format,
    pub sensitivity: bool,
}

impl CheckArgs {
    pub fn into_options(self) -> Result<Check, Error> {
        Ok(Check {
            scenario: self.scenario.load()?,
            format: self.format,
            sensitivity: self.sensitivity,
        })
    }
}

/// `survsim validate`, validated.
pub struct Validate {
    pub threads: usize,
    pub format: Format,
}

impl FitArgs {
    /// The fit's options, where to write its profile and how many draws,
    /// and the format.
    pub fn into_options(
        self,
    ) -> Result<
        (
            survsim::drive::fit::FitOptions,
            Option<PathBuf>,
            usize,
            Format,
        ),
        Error,
    > {
        let records = survsim::drive::files::records(self.records.as_deref())?;
        let options = survsim::drive::fit::FitOptions {
            records,
            matcher: self.matcher,
            settings: survsim::fit::Settings {
                chains: self.chains as usize,
                warmup: self.draws as usize,
                draws: self.draws as usize,
                seed: self.seed,
            },
            leave_one_out: self.loo,
            threads: threads(self.threads),
        };
        Ok((options, self.out, self.keep as usize, self.format))
    }
}

impl ValidateArgs {
    pub fn into_options(self) -> Validate {
        Validate {
            threads: threads(self.threads),
            format: self.format,
        }
    }
}

/// `survsim sweep`, validated.
pub struct Sweep {
    pub options: SweepOptions,
    pub quiet: bool,
    /// What the user should know about the grid before it runs.
    pub notes: Vec<String>,
}

impl ScenarioArgs {
    /// `--engine`, as the override of `simulation.engine` it stands for.
    fn engine_override(&self) -> Result<Option<Override>, InputError> {
        self.engine
            .map(|engine| {
                let name = engine
                    .to_possible_value()
                    .expect("every engine has a name")
                    .get_name()
                    .to_string();
                format!("simulation.engine=\"{name}\"").parse()
            })
            .transpose()
    }
}

impl SweepArgs {
    pub fn into_options(self) -> Result<Sweep, Error> {
        let source = survsim::drive::files::scenario_source(self.scenario.scenario.as_deref())?;
        let mut sets = overrides(&self.scenario.set)?;
        sets.extend(self.scenario.engine_override()?);
        let grid = Grid::parse(&self.vary)?;
        let notes = grid.notes();
        let shard = self.shard.as_deref().map(Shard::parse).transpose()?;
        let plan = Plan {
            source,
            sets,
            seed: self.scenario.seed,
            grid,
            reps: self.reps,
            fixed_parameters: self.scenario.fixed_parameters,
        };
        Ok(Sweep {
            options: SweepOptions {
                plan,
                shard,
                threads: threads(self.threads),
                out: self.out,
                force: self.force,
                html: self.html,
            },
            quiet: self.quiet,
            notes,
        })
    }
}

/// `survsim merge`, validated.
pub struct Merge {
    pub options: MergeOptions,
    pub quiet: bool,
}

impl MergeArgs {
    pub fn into_options(self) -> Merge {
        Merge {
            options: MergeOptions {
                out: self.out,
                shards: self.shards,
                force: self.force,
                threads: threads(self.threads),
            },
            quiet: self.quiet,
        }
    }
}

impl ServeArgs {
    /// The scenario read once, and the server's limits checked.
    pub fn into_options(self) -> Result<ServeOptions, Error> {
        let source = survsim::drive::files::scenario_source(self.scenario.as_deref())?;
        if !(self.max_faces.is_finite() && self.max_faces > 0.0) {
            return Err(
                InputError::whole("--max-faces", "expected a number of faces above 0").into(),
            );
        }
        for (flag, n) in [
            ("--max-points", self.max_points),
            ("--max-body", self.max_body),
            ("--max-connections", self.max_connections),
            ("--max-queue", self.max_queue),
            ("--max-client-runs", self.max_client_runs),
        ] {
            if n == 0 {
                return Err(InputError::whole(flag, "expected a whole number above 0").into());
            }
        }
        if !(self.read_timeout.is_finite()
            && self.read_timeout > 0.0
            && self.read_timeout <= 3600.0)
        {
            return Err(InputError::whole(
                "--read-timeout",
                format!(
                    "expected a number of seconds above 0, at most 3600, got {}",
                    self.read_timeout
                ),
            )
            .into());
        }
        for name in &self.allow_hosts {
            check_host_name(name)
                .map_err(|e| InputError::whole(format!("--allow-host {name}"), e))?;
        }
        // The flag, else the environment (which `ps` does not show).
        let token = match self.token {
            Some(t) => Some((t, "--token")),
            None => std::env::var("SURVSIM_TOKEN")
                .ok()
                .map(|t| (t, "SURVSIM_TOKEN")),
        };
        if let Some((t, from)) = &token {
            check_token(t).map_err(|e| InputError::whole(*from, e))?;
        }
        Ok(ServeOptions {
            source,
            scenario_arg: self.scenario.map(|p| p.display().to_string()),
            listen: self.listen,
            threads: threads(self.threads),
            max_faces: self.max_faces,
            max_points: self.max_points,
            body_limit: self.max_body,
            allow_hosts: self.allow_hosts,
            token: token.map(|(t, _)| t),
            read_timeout: std::time::Duration::from_secs_f64(self.read_timeout),
            max_connections: self.max_connections,
            max_queue: self.max_queue,
            max_client_runs: self.max_client_runs,
        })
    }
}
