//! The `survsim` command line. Thin by design: parse flags, call the library,
//! print. Every flag is defined here and its help text is the manual.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use survsim::error::{Error, InputError};
use survsim::metrics::Metric;
use survsim::replicate::{default_threads, for_each_replication};
use survsim::report::Report;
use survsim::scenario::{Override, Scenario, ScenarioSource};

/// Simulate live facial-recognition surveillance of a city: faces scanned,
/// true and false alerts, wrongful stops and false arrests, per group.
#[derive(Parser)]
#[command(
    name = "survsim",
    version,
    about,
    long_about = None,
    after_help = "A SCENARIO is a TOML file or the name of a bundled scenario; \
                  `survsim scenarios` lists them, `survsim default` prints one to start from."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the built-in default if no file is given) and report.
    Run(RunArgs),
    /// Validate a scenario and print derived quantities without simulating.
    Check(CheckArgs),
    /// Run a grid of what-ifs (`--vary`), replicated on all cores, into a
    /// directory of CSV, JSON and SVG charts; resumable and shardable.
    Sweep(SweepArgs),
    /// Combine the output directories of a sweep's shards (`--shard K/N`).
    Merge(MergeArgs),
    /// Print the built-in default scenario (a starting point for your own).
    Default,
    /// List the bundled scenarios, which any SCENARIO argument accepts by name.
    Scenarios,
    /// Run the bundled published-record scenarios and compare with the record.
    Validate(ValidateArgs),
    /// Find the load (or the matcher count) at which a pipeline target breaks.
    Stress(StressArgs),
    /// Run a scenario paced to the wall clock and serve its events as NDJSON
    /// to any number of TCP clients (see docs/events.md).
    Live(LiveArgs),
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(clap::Args)]
struct ScenarioArgs {
    /// Scenario file (TOML), or a bundled scenario's name (`survsim
    /// scenarios` lists them). Without it, the built-in default scenario.
    scenario: Option<PathBuf>,
    /// Override a scenario value, typed as in the file: `matcher.threshold=0.62`,
    /// `sites[0].footfall_per_hour=900`, `simulation.duration=12h`. Repeatable.
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    set: Vec<String>,
    /// Override the scenario's seed (0 to 2^63 − 1, as in the file, where
    /// TOML integers are signed 64-bit).
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: Option<u64>,
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Independent replications; with more than one, totals are means and a
    /// 95 % interval is reported for each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    reps: u64,
    /// Run only replication R of the seed (0-based), e.g. to rerun an
    /// outlier of `--reps N` on its own or with `--events`: the report is
    /// that of a one-replication run, with replication R's figures.
    #[arg(long, value_name = "R", conflicts_with = "reps")]
    rep: Option<u64>,
    /// Worker threads for replications (default: all cores). Results do not
    /// depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Print no timing line on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Write the latency histograms (capture → decision, alert → review,
    /// capture → stop) to this file in HdrHistogram's interval-log format,
    /// one interval per replication.
    #[arg(long, value_name = "PATH")]
    latency_log: Option<PathBuf>,
    /// Write the run's events as NDJSON — one JSON object per line, in
    /// virtual-time order (docs/events.md) — to this file (written whole or
    /// not at all) or to standard output (`-`; the report then goes only to
    /// `-o`). One replication: refused with --reps above 1.
    #[arg(long, value_name = "PATH|-")]
    events: Option<PathBuf>,
    #[command(flatten)]
    event_filter: EventFilterArgs,
}

#[derive(clap::Args)]
struct EventFilterArgs {
    /// Only these event kinds, comma-separated: capture, search, drop, alert,
    /// review, dispatch, stop, arrest, lost (default: all).
    #[arg(long, value_name = "KIND,...")]
    events_kinds: Option<String>,
    /// The share of faces whose capture, search and drop events are kept
    /// (default 1: every face).
    #[arg(long, value_name = "SHARE")]
    capture_sample: Option<f64>,
}

impl EventFilterArgs {
    fn filter(&self) -> Result<survsim::events::Filter, InputError> {
        survsim::events::Filter::parse(self.events_kinds.as_deref(), self.capture_sample)
    }
}

#[derive(clap::Args)]
struct LiveArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Virtual seconds per wall-clock second (`1`: real time, `60`: an hour a
    /// minute), or `max`: as fast as the slowest client that keeps reading (one that
    /// stops reading is cut).
    #[arg(long, default_value = "1", value_name = "N|max")]
    speed: String,
    /// Address to serve the feed on; loopback unless told otherwise (port 0:
    /// any free port, printed on standard error).
    #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR:PORT")]
    listen: std::net::SocketAddr,
    #[command(flatten)]
    event_filter: EventFilterArgs,
    /// Lines a client may fall behind before it is disconnected.
    #[arg(long, default_value_t = 100_000, value_name = "LINES")]
    client_buffer: usize,
    /// Start the clock only once this many clients have connected.
    #[arg(long, default_value_t = 0, value_name = "N")]
    wait_clients: usize,
    /// No messages about clients, and no summary, on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct StressArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// A limit that must hold: `p99-decision-latency=2s`,
    /// `p99.9-decision-latency=5s`, `drop-rate=0.001`, `utilisation=0.8`.
    /// Repeatable.
    #[arg(long = "target", value_name = "NAME=LIMIT", required = true)]
    targets: Vec<String>,
    /// Search the fewest servers per pool instead of the highest load.
    #[arg(long, value_enum)]
    solve: Option<Solve>,
    /// With --solve matchers: the footfall factor to size the pools for.
    #[arg(long, default_value_t = 1.0)]
    load: f64,
    /// Replications per probe.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    reps: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Solve {
    /// The number of servers in every matcher pool.
    Matchers,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args)]
struct SweepArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// A varied key: an inclusive range `matcher.threshold=0.55:0.70:0.01` or
    /// a list `watchlist.size=1000,10000,100000`; any key `--set` takes.
    /// Repeat for a grid (the Cartesian product, the first --vary outermost).
    #[arg(long, value_name = "KEY.PATH=START:STOP:STEP|A,B,...", required = true)]
    vary: Vec<String>,
    /// Replications per point (the same seeds at every point, as `run --reps`).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    reps: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output directory: manifest, finished points, results.csv,
    /// results.json, charts/. Rerunning the same command resumes.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Run only shard K of N (the points whose index is K-1 modulo N).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Discard a different sweep found in --out instead of stopping.
    #[arg(long)]
    force: bool,
    /// No progress bar or timing lines on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// Directory to write the merged sweep to.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The shards' output directories.
    #[arg(required = true, value_name = "SHARD_DIR")]
    shards: Vec<PathBuf>,
    /// Discard a different sweep found in --out instead of stopping.
    #[arg(long)]
    force: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No summary line on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// A readable table.
    Table,
    /// JSON with a stable schema (see README).
    Json,
}

fn load(args: &ScenarioArgs) -> Result<Scenario, Error> {
    let source = ScenarioSource::from_arg(args.scenario.as_deref())?;
    let mut overrides = args
        .set
        .iter()
        .map(|s| s.parse::<Override>())
        .collect::<Result<Vec<_>, InputError>>()?;
    if let Some(seed) = args.seed {
        overrides.push(format!("simulation.seed={seed}").parse()?);
    }
    Ok(Scenario::load(source, &overrides)?)
}

fn emit(text: String, output: Option<&PathBuf>) -> Result<(), Error> {
    match output {
        Some(path) => survsim::output::write_atomically(path, text.as_bytes()),
        None => survsim::output::write_stdout(text.as_bytes()),
    }
}

fn run(args: RunArgs) -> Result<(), Error> {
    let scenario = load(&args.scenario)?;
    // Fail before simulating, not after, if a result cannot be written.
    for path in [&args.output, &args.latency_log].into_iter().flatten() {
        survsim::output::check_writable(path)?;
    }
    // Each worker holds its own engine: as many as memory allows (F5).
    let threads = survsim::replicate::threads_within_memory(
        &scenario.model,
        args.threads.unwrap_or_else(default_threads).max(1),
        survsim::replicate::available_memory_bytes(),
    )?;
    let started = Instant::now();
    let mut events_written = None;
    // Replications are aggregated as they finish, in bounded memory (F4).
    let mut gathered = survsim::report::Gathered::default();
    let mut latency_log = survsim::report::LatencyLog::default();
    let mut faces = 0u64;
    let mut gather = |outcome: survsim::metrics::Outcome| {
        faces += outcome.counts[Metric::FacesCaptured];
        if args.latency_log.is_some() {
            latency_log.add(&outcome.latency);
        }
        gathered.add(outcome);
    };
    match &args.events {
        None => {
            let f = &args.event_filter;
            if f.events_kinds.is_some() || f.capture_sample.is_some() {
                return Err(InputError::whole(
                    "--events-kinds/--capture-sample",
                    "these choose what --events writes, and --events is not given",
                )
                .into());
            }
            match args.rep {
                Some(rep) => gather(survsim::engine::run_replication(&scenario.model, rep)),
                None => for_each_replication(&scenario.model, args.reps, threads, |_, o| gather(o)),
            }
        }
        Some(path) => match run_logged(&args, &scenario, path)? {
            Some((outcome, lines)) => {
                events_written = Some(lines);
                gather(outcome);
            }
            // The reader closed the pipe: it has what it wanted.
            None => return Ok(()),
        },
    }
    let elapsed = started.elapsed().as_secs_f64();
    let overrides: Vec<String> = scenario.overrides.iter().map(|o| o.raw.clone()).collect();
    let report = Report::from_gathered(
        &scenario.model,
        &scenario.source.name,
        &overrides,
        &gathered,
    );
    if !args.quiet {
        // Wall-clock figures go to stderr so the report stays reproducible.
        survsim::note!(
            "simulated {} faces in {:.2} s ({:.1} M faces/s on {} thread{})",
            survsim::format::fmt_num(faces as f64, 0),
            elapsed,
            faces as f64 / elapsed.max(1e-9) / 1e6,
            threads.min(args.reps as usize),
            if threads.min(args.reps as usize) == 1 {
                ""
            } else {
                "s"
            },
        );
        if let Some(lines) = events_written {
            survsim::note!(
                "wrote {} events ({} events/s)",
                survsim::format::fmt_num(lines as f64, 0),
                survsim::format::fmt_num(lines as f64 / elapsed.max(1e-9), 0)
            );
        }
    }
    let text = match args.format {
        Format::Table => report.to_table(),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize");
            s.push('\n');
            s
        }
    };
    if let Some(path) = &args.latency_log {
        survsim::output::write_atomically(path, &latency_log.finish(scenario.model.duration_s))?;
    }
    if args.output.is_none() && args.events.as_deref() == Some(std::path::Path::new("-")) {
        // Standard output carries the events; the report goes only to -o.
        return Ok(());
    }
    emit(text, args.output.as_ref())
}

/// `run --events`: replication 0 with its events logged; `None` if the
/// reader closed the pipe.
fn run_logged(
    args: &RunArgs,
    scenario: &Scenario,
    path: &std::path::Path,
) -> Result<Option<(survsim::metrics::Outcome, u64)>, Error> {
    use survsim::events::writer::{Destination, Logged, log_run};
    if args.reps > 1 {
        return Err(InputError::whole(
            "--events",
            "an event log is of one replication: drop --reps (use --rep R or --seed for another)",
        )
        .into());
    }
    let filter = args.event_filter.filter()?;
    let rep = args.rep.unwrap_or(0);
    match log_run(&scenario.model, rep, &Destination::from_arg(path), &filter)? {
        Logged::Complete { outcome, lines } => Ok(Some((*outcome, lines))),
        Logged::ReaderGone => Ok(None),
    }
}

fn live(args: LiveArgs) -> Result<(), Error> {
    use survsim::events::live::{LiveOptions, Speed, serve};
    let scenario = load(&args.scenario)?;
    let options = LiveOptions {
        listen: args.listen,
        speed: Speed::parse(&args.speed)?,
        filter: args.event_filter.filter()?,
        client_buffer: args.client_buffer.max(1),
        wait_clients: args.wait_clients,
        quiet: args.quiet,
    };
    let summary = serve(&scenario.model, &scenario.source.name, &options)?;
    if !args.quiet {
        survsim::note!("{}", survsim::events::live::summary_line(&summary));
    }
    Ok(())
}

fn check(args: CheckArgs) -> Result<(), Error> {
    let scenario = load(&args.scenario)?;
    let text = match args.format {
        Format::Table => survsim::report::check_table(&scenario),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&survsim::report::check_json(&scenario))
                .expect("JSON values serialize");
            s.push('\n');
            s
        }
    };
    emit(text, None)
}

fn stress(args: StressArgs) -> Result<(), Error> {
    let scenario = load(&args.scenario)?;
    survsim::stress::check_model(&scenario.model, &scenario.source.name)?;
    let targets = args
        .targets
        .iter()
        .map(|t| t.parse())
        .collect::<Result<Vec<survsim::stress::Target>, InputError>>()?;
    if !(args.load.is_finite() && args.load > 0.0) {
        return Err(InputError::whole("--load", "expected a footfall factor above 0").into());
    }
    // The fixed load (or the search's first, ×1) must be one `run` would
    // accept (F6).
    let first_load = if args.solve.is_some() { args.load } else { 1.0 };
    survsim::stress::check_load(&scenario.model, first_load)?;
    let threads = args.threads.unwrap_or_else(default_threads).max(1);
    let result = match args.solve {
        None => survsim::stress::find_load_limit(&scenario.model, &targets, args.reps, threads),
        Some(Solve::Matchers) => {
            survsim::stress::solve_servers(&scenario.model, args.load, &targets, args.reps, threads)
        }
    };
    let text = match args.format {
        Format::Table => survsim::stress::table(&result, &targets),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&survsim::stress::to_json(&result, &targets))
                .expect("JSON values serialize");
            s.push('\n');
            s
        }
    };
    emit(text, None)
}

/// Exit status of `validate` when a check expected to hold fails.
const VALIDATION_FAILED: u8 = 1;

fn validate(args: ValidateArgs) -> Result<(), Error> {
    let results = survsim::validate::run(args.threads.unwrap_or_else(default_threads).max(1))?;
    let text = match args.format {
        Format::Table => survsim::validate::table(&results),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&survsim::validate::to_json(&results))
                .expect("JSON values serialize");
            s.push('\n');
            s
        }
    };
    emit(text, None)?;
    if !survsim::validate::all_expected_hold(&results) {
        survsim::note!("survsim: a check expected to hold failed (status MISS above)");
        std::process::exit(VALIDATION_FAILED.into());
    }
    Ok(())
}

fn sweep(args: SweepArgs) -> Result<(), Error> {
    let summary = survsim::sweep::sweep(&survsim::sweep::SweepOptions {
        scenario: args.scenario.scenario,
        sets: args.scenario.set,
        seed: args.scenario.seed,
        vary: args.vary,
        reps: args.reps,
        threads: args.threads.unwrap_or_else(default_threads),
        out: args.out,
        shard: args.shard,
        force: args.force,
        quiet: args.quiet,
    })?;
    emit(summary, None)
}

fn merge(args: MergeArgs) -> Result<(), Error> {
    let summary = survsim::sweep::merge::merge(&survsim::sweep::merge::MergeOptions {
        out: args.out,
        shards: args.shards,
        force: args.force,
        threads: args.threads.unwrap_or_else(default_threads).max(1),
        quiet: args.quiet,
    })?;
    emit(summary, None)
}

/// On SIGINT or SIGTERM, removes the temporary files being written and
/// exits as the signal would (128 + its number): an interrupted run leaves
/// no partial file. Not for `live`, which ends its feed on these signals.
fn remove_temporaries_on_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            survsim::output::remove_pending_temporaries();
            std::process::exit(128 + signal);
        }
    });
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Live(_)) {
        remove_temporaries_on_signal();
    }
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Sweep(args) => sweep(args),
        Command::Merge(args) => merge(args),
        Command::Validate(args) => validate(args),
        Command::Stress(args) => stress(args),
        Command::Live(args) => live(args),
        Command::Scenarios => {
            let list = survsim::scenario::bundled::descriptions();
            let width = list.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            let text: String = list
                .iter()
                .map(|(name, description)| format!("{name:<width$}  {description}\n"))
                .collect();
            survsim::output::write_stdout(text.as_bytes())
        }
        Command::Default => {
            survsim::output::write_stdout(survsim::scenario::DEFAULT_SCENARIO.as_bytes())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            survsim::note!("survsim: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
