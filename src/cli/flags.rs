//! The flags, as clap parses them: every flag is defined here, and its help
//! text is the manual. These are raw values (strings, paths, numbers);
//! [`super::options`] turns them into validated options before anything
//! runs.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Simulate live facial-recognition surveillance of a city: faces scanned,
/// true and false alerts, wrongful stops and false arrests, per group.
#[derive(Parser)]
#[command(
    name = "survsim",
    version,
    about,
    long_about = None,
    after_help = "A SCENARIO is a TOML file or the name of a bundled scenario; \
                  `survsim scenarios` lists them, `survsim default` prints one to start from.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The end of `survsim --help` (and of the manual page): where scenarios
/// come from, and a glossary of the terms the reports use.
pub const AFTER_LONG_HELP: &str = "\
A SCENARIO is a TOML file or the name of a bundled scenario; `survsim scenarios`
lists them, `survsim default` prints one to start from.

Glossary (ISO/IEC 19795-1 and NIST FRVT usage):
  FMR     false match rate: the share of one-to-one comparisons of a face with
          an image of a different person that score at or above the threshold.
  FNMR    false non-match rate: the share of comparisons of a face with an
          image of the same person that score below the threshold.
  FPIR    false positive identification rate: the share of one-to-many
          searches of people not on the watchlist (non-mated searches) that
          return a candidate at or above the threshold. Against a watchlist of
          N entries, FPIR = 1 − (1 − FMR)^N ≈ N × FMR: it grows with the list.
  TPIR    true positive identification rate: the share of searches of people
          on the watchlist (mated searches) that return their own entry, as the
          top candidate, at or above the threshold. FNIR = 1 − TPIR.
  DET     detection error trade-off curve: the two error rates (FNIR against
          FPIR, or FNMR against FMR) traced as the threshold varies. A sweep's
          charts/tradeoff.svg is its operational form: false alerts per day
          against wanted people missed per day.
  1 in N  faces scanned per true alert (faces captured ÷ true alerts), the hit
          ratio; UK trials reported about 1 in 300,000.
  alert precision
          true alerts ÷ all alerts: the share of alerts that name the right
          person (positive predictive value). Low when few faces are wanted,
          however accurate the matcher: the base-rate problem.
";

#[derive(Subcommand)]
pub enum Command {
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
    /// Fit a matcher's impostor tail, detection rate and the prevalence of
    /// wanted people to published records (the bundled ones, or a file of
    /// your own), print the posterior, and write it as a matcher profile.
    Fit(FitArgs),
    /// Find the load (or the matcher count) at which a pipeline target breaks.
    Stress(StressArgs),
    /// Run a scenario paced to the wall clock and serve its events as NDJSON
    /// to any number of TCP clients (the lines of `run --events`).
    Live(LiveArgs),
    /// Serve a page on which to ask what-ifs in the browser: levers, any
    /// `--set` key, the HTML report updated on each change, a pinned
    /// baseline to compare with, and one-key sweeps.
    Serve(ServeArgs),
    /// Print a shell completion script to standard output, e.g.
    /// `survsim completions bash > ~/.local/share/bash-completion/completions/survsim`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output: `survsim man | man -l -`.
    Man(ManArgs),
}

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// A command's own page (`survsim man sweep`); without it, survsim's page.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(clap::Args)]
pub struct FitArgs {
    /// Records file (TOML): one `[[records]]` table per published figure,
    /// with its `kind` (lab_false_positives, lab_true_positives or
    /// deployment), counts, `matcher` and `source`. Without it, the bundled
    /// records, which `survsim fit` lists.
    pub records: Option<PathBuf>,
    /// The matcher whose records are fitted (records of others inform only
    /// the prevalence).
    #[arg(long, default_value = "neoface-v4")]
    pub matcher: String,
    /// Write the fitted matcher profile (TOML) here: a profile whose
    /// `[posterior]` a scenario takes with `[matcher] profile_file =
    /// "FILE"`.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also fit without each record in turn, and say whether what that fit
    /// predicts for it covers what was published.
    #[arg(long)]
    pub loo: bool,
    /// Seed of the chains.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Chains.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=64))]
    pub chains: u64,
    /// Draws kept per chain, after as many again of warm-up.
    #[arg(long, default_value_t = 20000, value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    pub draws: u64,
    /// Draws written to the profile, spread evenly over the chains.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub keep: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(clap::Args)]
pub struct ScenarioArgs {
    /// Scenario file (TOML), or a bundled scenario's name (`survsim
    /// scenarios` lists them). Without it, the built-in default scenario.
    pub scenario: Option<PathBuf>,
    /// Override a scenario value, typed as in the file: `matcher.threshold=0.62`,
    /// `sites[0].footfall_per_hour=900`, `simulation.duration=12h`. Repeatable.
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub set: Vec<String>,
    /// Override the scenario's seed (0 to 2^63 − 1, as in the file, where
    /// TOML integers are signed 64-bit).
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Hold the scenario's uncertain inputs (distributions, and operating
    /// points with the counts they were measured from) at their nominal
    /// values, instead of drawing them afresh for each replication: the
    /// one-run range then shows Monte Carlo spread only.
    #[arg(long)]
    pub fixed_parameters: bool,
    /// Which engine draws the run (as `simulation.engine`): `auto` takes the
    /// residents engine wherever it can run (footfall mode without a
    /// pipeline), else the face engine. Both draw the same distribution
    /// from different streams; event logs always use the face engine.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
}

/// `--engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    /// The residents engine where it can run, else the face engine.
    Auto,
    /// Face by face, in time order.
    Faces,
    /// Per resident (footfall mode without a pipeline).
    Residents,
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Independent replications [default: 1]. Totals are means over them,
    /// each with its 95 % interval and, from 40, the 95 % range one run
    /// falls in, which the HTML report's headline leads with.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub reps: Option<u64>,
    /// Run only replication R of the seed (0-based), e.g. to rerun an
    /// outlier of `--reps N` on its own or with `--events`: the report is
    /// that of a one-replication run, with replication R's figures.
    #[arg(long, value_name = "R", conflicts_with = "reps")]
    pub rep: Option<u64>,
    /// Worker threads for replications (default: all cores). Results do not
    /// depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RunFormat::Table)]
    pub format: RunFormat,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Print no timing line on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write the report as one self-contained HTML page (inline CSS and
    /// SVG charts, no script, no external file): headline, funnel, equity,
    /// exposure, pipeline, time of day and the scenario's assumptions with
    /// their sources. Written atomically; the usual report is still printed.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Write the latency histograms (capture → decision, alert → review,
    /// capture → stop) to this file in HdrHistogram's interval-log format,
    /// one interval per replication.
    #[arg(long, value_name = "PATH")]
    pub latency_log: Option<PathBuf>,
    /// Write the run's events as NDJSON — one JSON object per line, in
    /// virtual-time order: `t`, `clock`, `kind` (capture, search, drop,
    /// alert, review, dispatch, stop, arrest, lost), `site`, `group`,
    /// `person` and the kind's own keys, then an `end` line with the
    /// report's totals — to this file (written whole or
    /// not at all) or to standard output (`-`; the report then goes only to
    /// `-o`). One replication: refused with --reps above 1.
    #[arg(long, value_name = "PATH|-")]
    pub events: Option<PathBuf>,
    #[command(flatten)]
    pub event_filter: EventFilterArgs,
}

#[derive(clap::Args)]
pub struct EventFilterArgs {
    /// Only these event kinds, comma-separated: capture, search, drop, alert,
    /// review, dispatch, stop, arrest, lost (default: all).
    #[arg(long, value_name = "KIND,...")]
    pub events_kinds: Option<String>,
    /// The share of faces whose capture, search and drop events are kept
    /// (default 1: every face).
    #[arg(long, value_name = "SHARE")]
    pub capture_sample: Option<f64>,
}

#[derive(clap::Args)]
pub struct LiveArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Virtual seconds per wall-clock second (`1`: real time, `60`: an hour a
    /// minute), or `max`: as fast as the slowest client that keeps reading (one that
    /// stops reading is cut).
    #[arg(long, default_value = "1", value_name = "N|max")]
    pub speed: String,
    /// Address to serve the feed on; loopback unless told otherwise (port 0:
    /// any free port, printed on standard error).
    #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR:PORT", value_parser = listen_address)]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub event_filter: EventFilterArgs,
    /// Lines a client may fall behind before it is disconnected.
    #[arg(long, default_value_t = 100_000, value_name = "LINES")]
    pub client_buffer: usize,
    /// Start the clock only once this many clients have connected.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub wait_clients: usize,
    /// No messages about clients, and no summary, on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Scenario file (TOML), or a bundled scenario's name; read once, at
    /// start, with the schedule file it names (the server reads and writes
    /// no other file, whatever a request names). Without it, the
    /// built-in default scenario.
    pub scenario: Option<PathBuf>,
    /// Address to serve on; loopback unless told otherwise (port 0: any
    /// free port, printed on standard error).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT", value_parser = listen_address)]
    pub listen: std::net::SocketAddr,
    /// Worker threads per run, and runs at once (default: all cores); more
    /// requests queue. A client (an IP address) has one run going at a
    /// time, so that another's starts beside it. Results do not depend on
    /// it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// The most faces one request may simulate, expected from the
    /// scenario (faces per replication × replications; a sweep's points
    /// together); larger requests are refused with HTTP 400.
    #[arg(long, default_value_t = 1e9, value_name = "FACES")]
    pub max_faces: f64,
    /// The most points a sweep from the page may have.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_points: usize,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = 65_536, value_name = "BYTES")]
    pub max_body: usize,
    /// Another name requests may address the server by (their `Host`):
    /// `NAME` (any port) or `NAME:PORT`. Repeatable. Without it, only
    /// 127.0.0.1, localhost and [::1] at the port listened on, and the
    /// address as bound; requests addressed otherwise get HTTP 421, which
    /// stops other sites' pages from reaching the server through a name
    /// of theirs (DNS rebinding). Needed for a name or address of this
    /// machine when listening on 0.0.0.0, or behind a proxy.
    #[arg(long = "allow-host", value_name = "NAME[:PORT]")]
    pub allow_hosts: Vec<String>,
    /// Require this token of every request, the page's too: `Authorization:
    /// Bearer TOKEN`, or a cookie set by opening /?token=TOKEN once;
    /// without it, HTTP 401. Letters, digits and -._~+/. Also read from
    /// the environment variable SURVSIM_TOKEN, which `ps` does not show.
    /// Plain HTTP: on an untrusted network, put a TLS proxy in front.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Seconds a client has to send a request's headers, and then again
    /// its body (HTTP 408); also how long a kept-alive connection may sit
    /// idle before it is closed. Answers being written have no limit.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub read_timeout: f64,
    /// Connections open at once; more wait to be accepted until one
    /// closes.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub max_connections: usize,
    /// Runs that may wait for a core, from all clients together; more are
    /// refused with HTTP 503 and Retry-After. Waiting runs start in turns
    /// between clients (IP addresses), not in order of arrival, and a
    /// client's next only once its last has finished.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub max_queue: usize,
    /// Runs (and sweeps) one client, an IP address, may have going or
    /// waiting at once; more are refused with HTTP 429 and Retry-After.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub max_client_runs: usize,
}

#[derive(clap::Args)]
pub struct StressArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A limit that must hold: `p99-decision-latency=2s`,
    /// `p99.9-decision-latency=5s`, `drop-rate=0.001`, `utilisation=0.8`
    /// (the busiest pool's, in its busiest hour). Repeatable. Without a
    /// drop-rate target, `drop-rate=0.01` applies: latency percentiles leave
    /// dropped faces out.
    #[arg(long = "target", value_name = "NAME=LIMIT", required = true)]
    pub targets: Vec<String>,
    /// Search the fewest servers per pool instead of the highest load.
    #[arg(long, value_enum)]
    pub solve: Option<Solve>,
    /// With --solve matchers: the footfall factor to size the pools for.
    #[arg(long, default_value_t = 1.0)]
    pub load: f64,
    /// Replications per probe.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub reps: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Solve {
    /// The number of servers in every matcher pool.
    Matchers,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also say what drives each expected figure: Sobol first-order and
    /// total indices of false alerts, true alerts, wanted people alerted
    /// and each group's share of false alerts to every uncertain input
    /// (closed forms on a 256-row design; a few seconds).
    #[arg(long)]
    pub sensitivity: bool,
}

#[derive(clap::Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A varied key: an inclusive range `matcher.threshold=0.55:0.70:0.01` or
    /// a list `watchlist.size=1000,10000,100000`; any key `--set` takes.
    /// Keys varied together: `watchlist.size,watchlist.wanted_present=1000,2;10000,20`.
    /// Repeat for a grid (the Cartesian product, the first --vary outermost).
    #[arg(long, value_name = "KEY.PATH=START:STOP:STEP|A,B,...", required = true)]
    pub vary: Vec<String>,
    /// Replications per point (the same seeds at every point, as `run --reps`).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub reps: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory: manifest, finished points, results.csv,
    /// results.json, charts/. Rerunning the same command resumes.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Run only shard K of N (the points whose index is K-1 modulo N).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Discard a different sweep found in --out instead of stopping.
    #[arg(long)]
    pub force: bool,
    /// Also write DIR/report.html: the sweep's charts, results table and
    /// assumptions as one self-contained HTML page (once every point is in).
    #[arg(long)]
    pub html: bool,
    /// No progress bar or timing lines on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Directory to write the merged sweep to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The shards' output directories.
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
    /// Discard a different sweep found in --out instead of stopping.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No summary line on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// A readable table.
    Table,
    /// JSON with a stable schema: keys are only ever added.
    Json,
    /// Every replication's counts in long format, one per row: point (0),
    /// replication, group (`all` for totals), metric, value.
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// JSON with a stable schema: keys are only ever added.
    Json,
}

/// `--listen`: an address and port, or as people write one to a browser:
/// a bare port (`8080`, `:8080`) or `localhost:8080`, both on loopback.
pub fn listen_address(text: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::{Ipv4Addr, SocketAddr};
    let text = text.trim();
    let port = |p: &str| p.parse::<u16>().ok();
    if let Some(p) = port(text).or_else(|| text.strip_prefix(':').and_then(port)) {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
    }
    if let Some(p) = text.strip_prefix("localhost:").and_then(port) {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
    }
    text.parse().map_err(|_| {
        format!(
            "expected ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080), a port \
             (8080, :8080) or localhost:PORT; got `{text}`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::listen_address;

    #[test]
    fn listen_takes_a_port_and_localhost() {
        let at = |s: &str| listen_address(s).map(|a| a.to_string());
        assert_eq!(at("8080").unwrap(), "127.0.0.1:8080");
        assert_eq!(at(":8080").unwrap(), "127.0.0.1:8080");
        assert_eq!(at("localhost:0").unwrap(), "127.0.0.1:0");
        assert_eq!(at("0.0.0.0:80").unwrap(), "0.0.0.0:80");
        assert_eq!(at("[::1]:9").unwrap(), "[::1]:9");
        assert!(at("localhost").unwrap_err().contains("expected ADDR:PORT"));
    }
}
