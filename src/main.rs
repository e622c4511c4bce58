//! The `survsim` command line. Thin by design: parse the flags into
//! validated options ([`cli`]), call a driver ([`survsim::drive`]), print.
//! The library prints nothing; everything a user sees on standard output or
//! standard error is written here.

mod cli;

use clap::{CommandFactory, Parser};
use cli::flags::{
    CheckArgs, Cli, Command, CompletionsArgs, FitArgs, Format, LiveArgs, ManArgs, MergeArgs,
    RunArgs, RunFormat, ServeArgs, StressArgs, SweepArgs, ValidateArgs,
};
use cli::options::{ReportTo, Search};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use survsim::drive::output::{
    json_text, write_atomically, write_atomically_with, write_error, write_stdout,
};
use survsim::drive::sweep::{Progress, SweepOutput};
use survsim::error::Error;
use survsim::scenario::Scenario;

/// Writes one line to standard error, ignoring failure: a closed or full
/// standard error (`2>/dev/full`) must not turn a result into a panic.
fn note(args: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// `eprintln!` that cannot panic: see [`note`].
macro_rules! note {
    ($($arg:tt)*) => {
        note(format_args!($($arg)*))
    };
}

/// The scenario's warnings (a matcher extrapolated beyond its calibration),
/// one line each on standard error, also with `-q`: they are about the
/// input, not the run, and JSON reports carry them too.
fn warn(scenario: &Scenario) {
    for warning in &scenario.warnings {
        note!("survsim: warning: {warning}");
    }
}

/// A report in the chosen format: JSON is pretty, with a final newline.
fn render(
    format: Format,
    table: impl FnOnce() -> String,
    json: impl FnOnce() -> serde_json::Value,
) -> String {
    match format {
        Format::Table => table(),
        Format::Json => json_text(&json()),
    }
}

/// Standard output, or the file of `-o` (written atomically).
fn emit(text: String, output: Option<&Path>) -> Result<(), Error> {
    match output {
        Some(path) => write_atomically(path, text.as_bytes()),
        None => write_stdout(text.as_bytes()),
    }
}

fn run(args: RunArgs) -> Result<(), Error> {
    let run = args.into_options()?;
    warn(&run.scenario);
    let Some(output) = survsim::drive::run::run(&run.scenario, &run.options)? else {
        // The event log's reader closed the pipe: it has what it wanted.
        return Ok(());
    };
    if !run.quiet {
        // Wall-clock figures go to stderr so the report stays reproducible.
        for line in &output.notes {
            note!("{line}");
        }
    }
    if let (Some(path), Some(log)) = (&run.latency_log, &output.latency_log) {
        write_atomically(path, log)?;
    }
    if let Some((path, command)) = &run.html {
        // What drives the uncertainty, where there is more than one
        // unknown to share it out among (with one, it drives it all).
        let scenario = &run.scenario;
        let sensitivity = if scenario.draws_parameters() && scenario.uncertain.len() > 1 {
            survsim::report::Sensitivity::of(scenario, survsim::report::SENSITIVITY_ROWS)?
        } else {
            None
        };
        let page = survsim::report::run_page_with(
            scenario,
            &output.report,
            sensitivity.as_ref(),
            command,
            output.elapsed_s,
        );
        write_atomically(path, page.as_bytes())?;
        // The page's headline leads with one run's range, which fewer
        // replications cannot give; the page says so, and this says how.
        // (`run`'s default stays 1: forty of a national year take hours.)
        let reps = output.report.replications;
        if !run.quiet && reps < survsim::report::MIN_REPS_FOR_PI95 as u64 {
            let min = survsim::report::MIN_REPS_FOR_PI95;
            note!(
                "survsim: note: the page gives no range of one run, the figure its headline leads with: \
                 that needs {min} replications or more, and this run had {reps}; \
                 add --reps {min} for it"
            );
        }
    }
    let path = match &run.report_to {
        ReportTo::Stdout => Path::new("-"),
        ReportTo::File(path) => path.as_path(),
        ReportTo::Nowhere => return Ok(()),
    };
    let report = &output.report;
    let format = match run.format {
        RunFormat::Table => Format::Table,
        RunFormat::Json => Format::Json,
        RunFormat::Csv => {
            // Streamed: a run of many replications has many rows.
            return write_atomically_with(path, |out| {
                survsim::report::write_long_csv(
                    out,
                    output.first_replication,
                    &run.scenario.model,
                    &output.outcomes,
                )
                .map_err(|e| write_error(path, e.into()))
            });
        }
    };
    let text = render(format, || report.to_table(), || report.to_json());
    write_atomically(path, text.as_bytes())
}

fn live(args: LiveArgs) -> Result<(), Error> {
    use survsim::drive::live::{Notice, serve, summary_line};
    let live = args.into_options()?;
    let quiet = live.quiet;
    // Events record each face: the face engine draws them.
    let scenario = &live.scenario.with_face_engine()?;
    // Replication 0, with its own draw of any uncertain inputs, as `run`.
    let drawn = scenario.replication_model(0)?;
    let summary = serve(
        drawn.as_ref().unwrap_or(&scenario.model),
        &scenario.source.name,
        &live.options,
        &mut |notice| {
            // Always shown: it is how a caller that asked for port 0 learns
            // the port.
            if !quiet || matches!(notice, Notice::Serving { .. }) {
                note!("{notice}");
            }
        },
    )?;
    if !quiet {
        note!("{}", summary_line(&summary));
    }
    Ok(())
}

fn serve(args: ServeArgs) -> Result<(), Error> {
    let options = args.into_options()?;
    // Always shown, also the address: it is how a caller that asked for
    // port 0 learns the port.
    survsim::drive::serve::serve(options, &mut |notice| {
        note!("survsim serve: {notice}");
    })
}

fn check(args: CheckArgs) -> Result<(), Error> {
    let check = args.into_options()?;
    let scenario = &check.scenario;
    warn(scenario);
    // `check` answers in closed form what a run would refuse to simulate.
    if let Err(refusal) = scenario.model.simulation_refusal() {
        note!(
            "survsim: note: `run` would refuse this scenario ({}); the expectations below are \
             closed forms, computed without simulating",
            refusal.message
        );
    } else {
        // The memory check `run` makes, with the same figures, when they
        // are worth a line (a gigabyte or more, or a refusal).
        match survsim::drive::memory::memory_in_words(scenario) {
            Ok(None) => {}
            Ok(Some(need)) => note!("survsim: note: {need}"),
            Err(refusal) => note!(
                "survsim: note: `run` would refuse this scenario ({refusal}); the expectations \
                 below are closed forms, computed without simulating"
            ),
        }
    }
    let sensitivity = if check.sensitivity {
        let rows = survsim::report::SENSITIVITY_ROWS;
        let sensitivity = survsim::report::Sensitivity::of(scenario, rows)?;
        if sensitivity.is_none() {
            note!("survsim: no uncertain inputs, so no sensitivity to report");
        }
        sensitivity
    } else {
        None
    };
    let text = render(
        check.format,
        || {
            let mut table = survsim::report::check_table(scenario);
            if let Some(s) = &sensitivity {
                table += &s.table();
            }
            table
        },
        || {
            let mut json = survsim::report::check_json(scenario);
            if let Some(s) = &sensitivity {
                json["sensitivity"] = s.json();
            }
            json
        },
    );
    emit(text, None)
}

fn stress(args: StressArgs) -> Result<(), Error> {
    use survsim::drive::stress::{find_load_limit, solve_servers};
    let stress = args.into_options()?;
    let (model, targets) = (&stress.scenario.model, &stress.targets);
    let result = match stress.search {
        Search::Load => find_load_limit(model, targets, stress.reps, stress.threads),
        Search::Matchers { load } => {
            solve_servers(model, load, targets, stress.reps, stress.threads)
        }
    };
    let text = render(
        stress.format,
        || survsim::stress::table(&result, targets),
        || survsim::stress::to_json(&result, targets),
    );
    emit(text, None)
}

/// Exit status of `validate` when a check expected to hold fails.
const VALIDATION_FAILED: u8 = 1;

fn validate(args: ValidateArgs) -> Result<(), Error> {
    let validate = args.into_options();
    let validation = survsim::drive::validate::validation(validate.threads)?;
    let all_expected_hold = validation.all_expected_hold;
    let text = render(validate.format, || validation.table, || validation.json);
    emit(text, None)?;
    if !all_expected_hold {
        note!("survsim: a check expected to hold failed (status MISS above)");
        std::process::exit(VALIDATION_FAILED.into());
    }
    Ok(())
}

fn fit(args: FitArgs) -> Result<(), Error> {
    let command = std::iter::once("survsim".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let (options, out, keep, format) = args.into_options()?;
    let output = survsim::drive::fit::run(&options)?;
    let report = survsim::fit::summary::FitReport {
        records: &options.records,
        posterior: &output.posterior,
        left_out: output.left_out.clone(),
    };
    if let Some(path) = &out {
        let text = survsim::fit::profile::text(&output.posterior, &options.records, &command, keep);
        write_atomically(path, text.as_bytes())?;
    }
    let text = render(format, || report.table(), || report.json());
    emit(text, None)
}

/// A progress bar on standard error for a sweep's replications (none with
/// `-q`, and hidden by indicatif itself when standard error is not a
/// terminal).
fn progress_bar(quiet: bool) -> impl FnMut(Progress) {
    let mut bar = ProgressBar::hidden();
    move |progress| match progress {
        Progress::Started { points, reps } if !quiet && points > 0 => {
            bar = ProgressBar::with_draw_target(
                Some(points as u64 * reps),
                ProgressDrawTarget::stderr(),
            );
            let style = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {msg} · elapsed {elapsed} · ETA {eta}",
            )
            .expect("a valid template")
            .progress_chars("█▉▊▋▌▍▎▏ ");
            bar.set_style(style);
            bar.set_message(format!("0/{points} points"));
        }
        Progress::Started { .. } => {}
        Progress::Replication => bar.inc(1),
        Progress::Point { done, of } => bar.set_message(format!("{done}/{of} points")),
        Progress::Finished => bar.finish_and_clear(),
    }
}

/// Prints a sweep's or a merge's notes (unless `-q`) and its summary.
fn print_sweep(output: SweepOutput, quiet: bool) -> Result<(), Error> {
    if !quiet {
        for line in &output.notes {
            note!("{line}");
        }
    }
    emit(output.summary, None)
}

fn sweep(args: SweepArgs) -> Result<(), Error> {
    let sweep = args.into_options()?;
    let mut bar = progress_bar(sweep.quiet);
    let mut progress = |progress: Progress| {
        // Once every point has loaded and the directory is ours, before
        // anything runs; shown even with -q: they are about what the
        // results mean.
        if matches!(progress, Progress::Started { .. }) {
            for line in &sweep.notes {
                note!("survsim: note: {line}");
            }
        }
        bar(progress);
    };
    let output = survsim::drive::sweep::sweep(&sweep.options, &mut progress)?;
    print_sweep(output, sweep.quiet)
}

fn merge(args: MergeArgs) -> Result<(), Error> {
    let merge = args.into_options();
    let output = survsim::drive::sweep::merge::merge(&merge.options)?;
    print_sweep(output, merge.quiet)
}

/// `survsim completions SHELL`: the shell's completion script.
fn completions(args: CompletionsArgs) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut completing(Cli::command()),
        "survsim",
        &mut script,
    );
    write_stdout(&script)
}

/// The command as completions see it: every SCENARIO argument offers the
/// bundled scenarios' names, and `--set` the keys the bundled scenarios and
/// profiles write (`matcher.threshold=`). Only the script is built from
/// it; parsing takes any file and any key.
fn completing(command: clap::Command) -> clap::Command {
    use clap::builder::PossibleValuesParser;
    let names = survsim::scenario::bundled::names();
    // clap keeps possible values as `&'static str`; the script is built
    // once and the process ends.
    let keys: Vec<&'static str> = survsim::Override::known_keys()
        .map(|k| &*Box::leak(format!("{k}=").into_boxed_str()))
        .collect();
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    subcommands.iter().fold(command, |command, name| {
        command.mut_subcommand(name, |sub| {
            let has = |id: &str| sub.get_arguments().any(|a| a.get_id() == id);
            let (scenario, set) = (has("scenario"), has("set"));
            let sub = if scenario {
                sub.mut_arg("scenario", |a| {
                    a.value_parser(PossibleValuesParser::new(names.clone()))
                })
            } else {
                sub
            };
            if set {
                sub.mut_arg("set", |a| {
                    a.value_parser(PossibleValuesParser::new(keys.clone()))
                })
            } else {
                sub
            }
        })
    })
}

/// `survsim man [COMMAND]`: the manual page, in roff.
fn man(args: ManArgs) -> Result<(), Error> {
    let mut cli = Cli::command();
    // Building names the subcommands as their pages are titled
    // (`survsim-run`) and as they are typed (`survsim run`).
    cli.build();
    let version = env!("CARGO_PKG_VERSION");
    let command = match &args.command {
        None => cli,
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = cli
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|&n| n != "help")
                .collect();
            survsim::error::InputError::whole(
                format!("survsim man {name}"),
                format!(
                    "no such command{}; expected one of {}",
                    survsim::error::did_you_mean(name, names.iter().copied()),
                    names.join(", ")
                ),
            )
        })?,
    };
    write_stdout(&cli::manual::page(command, format!("survsim {version}")))
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
            survsim::drive::output::remove_pending_temporaries();
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
        Command::Fit(args) => fit(args),
        Command::Stress(args) => stress(args),
        Command::Live(args) => live(args),
        Command::Serve(args) => serve(args),
        Command::Completions(args) => completions(args),
        Command::Man(args) => man(args),
        Command::Scenarios => {
            let list = survsim::scenario::bundled::descriptions();
            let width = list.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            let text: String = list
                .iter()
                .map(|(name, description)| format!("{name:<width$}  {description}\n"))
                .collect();
            write_stdout(text.as_bytes())
        }
        Command::Default => write_stdout(survsim::scenario::DEFAULT_SCENARIO.as_bytes()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note!("survsim: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
