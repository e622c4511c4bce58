//! One self-contained HTML page per run (`run --html`) or sweep (`sweep
//! --html`): inline CSS and SVG, no script, no external URL or font, so it
//! opens offline, prints on A4 and can be sent as one attachment.
//!
//! A run's page, in order: the headline, the funnel as a Sankey-style
//! picture, equity, exposure, pipeline and latency (when present), time of
//! day, and the assumptions. A sweep's page ([`crate::sweep::html`],
//! built from these parts): its charts, results table and assumptions.
//!
//! Every figure comes from the [`Report`] (or the sweep's rows) as computed
//! once for the table and JSON; this module only lays it out, with the
//! formatting of [`crate::format`]. Each headline figure carries its exact
//! value in a `data-value` attribute, written as the JSON writes it, so a
//! test can hold the page to `run --format json`.
//!
//! The page is reproducible: the same scenario and seed give the same bytes,
//! except the run time, which is the one element `#run-time` (no wall-clock
//! date is written).
//!
//! The parts:
//!
//! * `page` — the document, its style sheet, escaping, figures, tables;
//! * `svg` — what the charts share: two widths, titles, legends, ticks;
//! * `bars`, `columns` — bar and column charts;
//! * `headline`, `funnel` (and `funnel_narrow`, its phone drawing),
//!   `sections` — sections 1 to 6;
//! * `sensitivity` — what drives the uncertainty (`run --html` with two or
//!   more uncertain inputs);
//! * `assumptions` — section 7: the scenario's values and their comments.

#![deny(missing_docs)]

mod assumptions;
mod bars;
mod columns;
mod funnel;
mod funnel_narrow;
mod headline;
mod page;
mod sections;
mod sensitivity;
mod svg;

pub use assumptions::{Provenance, section as assumptions_section, shell_quote};
pub use page::{Page, esc, style_sheet, table};

use super::{Report, Sensitivity};
use crate::format::human_duration;
use crate::scenario::{DEFAULT_SCENARIO_NAME, Scenario};
use std::fmt::Write as _;
use std::path::Path;

/// The scenario argument that names `source_name` on the command line:
/// none for the built-in default, the bare name of a bundled scenario, or
/// the path as given.
fn scenario_word(source_name: &str) -> Option<String> {
    if source_name == DEFAULT_SCENARIO_NAME {
        return None;
    }
    let bundled = source_name
        .strip_prefix("<bundled scenario ")
        .and_then(|rest| rest.strip_suffix('>'));
    Some(shell_quote(bundled.unwrap_or(source_name)))
}

/// The command that reproduces a run's page: the scenario, its `--set`s,
/// the seed, the replications (`--rep R` for one replication of a seed),
/// `--fixed-parameters` if given, and `--html` to `html`.
pub fn run_command(scenario: &Scenario, reps: u64, rep: Option<u64>, html: &Path) -> String {
    let mut words = vec!["survsim".to_string(), "run".to_string()];
    words.extend(scenario_word(&scenario.source.name));
    for o in &scenario.overrides {
        // The seed is written once, as --seed, below.
        if !o.raw.trim_start().starts_with("simulation.seed=") {
            words.push("--set".into());
            words.push(shell_quote(&o.raw));
        }
    }
    words.push("--seed".into());
    words.push(scenario.model.seed.to_string());
    match rep {
        Some(r) => words.push(format!("--rep {r}")),
        None => words.push(format!("--reps {reps}")),
    }
    if scenario.parameters_fixed && !scenario.uncertain.is_empty() {
        words.push("--fixed-parameters".into());
    }
    words.push("--html".into());
    words.push(shell_quote(&html.display().to_string()));
    words.join(" ")
}

/// The facts of a run, for the assumptions: seed, version, replications…
fn facts(r: &Report) -> Vec<(String, String)> {
    let mut facts = vec![
        ("scenario".to_string(), r.source.clone()),
        ("survsim version".into(), env!("CARGO_PKG_VERSION").into()),
        ("seed".into(), r.seed.to_string()),
        (
            "simulated time per run".into(),
            human_duration(r.duration_s),
        ),
        ("replications".into(), r.replications.to_string()),
        ("engine".into(), format!("{} (simulation.engine)", r.engine)),
    ];
    if !r.uncertain_inputs.is_empty() {
        let how = if r.parameters_drawn {
            "drawn afresh for each replication"
        } else {
            "held at their nominal values (--fixed-parameters)"
        };
        for input in &r.uncertain_inputs {
            facts.push((
                format!("uncertain input ({how})"),
                format!("{}: {}", input.key, input.what),
            ));
        }
    }
    facts
}

/// A run's page. `command` reproduces it ([`run_command`]); `run_time_s`
/// is the wall-clock time it took.
pub fn run_page(scenario: &Scenario, report: &Report, command: &str, run_time_s: f64) -> String {
    run_page_with(scenario, report, None, command, run_time_s)
}

/// [`run_page`] with a section on what drives the uncertainty, from
/// `sensitivity` (the driver computes it: a few seconds of closed forms).
pub fn run_page_with(
    scenario: &Scenario,
    report: &Report,
    sensitivity: Option<&Sensitivity>,
    command: &str,
    run_time_s: f64,
) -> String {
    let mut page = Page::new(&format!("survsim report — {}", report.name));
    page.push(&body(scenario, report, sensitivity, command, run_time_s));
    page.finish()
}

/// The body of a run's page — its title block and sections, without the
/// document around them — for a page that holds it among other things
/// (`survsim serve` inserts it into its own). [`run_page`] is this inside
/// a [`Page`].
pub fn run_body(scenario: &Scenario, report: &Report, command: &str, run_time_s: f64) -> String {
    body(scenario, report, None, command, run_time_s)
}

fn body(
    scenario: &Scenario,
    report: &Report,
    sensitivity: Option<&Sensitivity>,
    command: &str,
    run_time_s: f64,
) -> String {
    let r = report;
    let mut page = Page::fragment();
    page.push(&header(r, &scenario.file.simulation.description));
    page.section("headline", "1 · Headline", &headline::section(r));
    page.section(
        "funnel",
        "2 · From face to arrest",
        &funnel::section(r, &funnel_narrow::chart(r)),
    );
    page.section(
        "equity",
        "3 · Equity: who bears the errors",
        &sections::equity(r),
    );
    page.section(
        "exposure",
        "4 · Exposure: who is watched",
        &sections::exposure(r),
    );
    if let Some(body) = sections::pipeline(r) {
        page.section("pipeline", "5 · Pipeline and latency", &body);
    }
    page.section("time-of-day", "6 · Time of day", &sections::time_of_day(r));
    let mut next = 7;
    if let Some(body) = sections::deployments(r) {
        page.section(
            "deployments",
            &format!("{next} · Deployments, one by one"),
            &body,
        );
        next += 1;
    }
    if let Some(s) = sensitivity {
        page.section(
            "sensitivity",
            &format!("{next} · What drives the uncertainty"),
            &sensitivity::section(s),
        );
        next += 1;
    }
    let assumptions_title = format!("{next} · Assumptions and how to reproduce");
    let provenance = Provenance {
        source: &scenario.source,
        overrides: &scenario.overrides,
        varied: Vec::new(),
        profile: scenario.model.matcher_profile.as_deref(),
        facts: facts(r),
        command: command.to_string(),
        run_time_s,
    };
    page.section(
        "assumptions",
        &assumptions_title,
        &assumptions::section(&provenance),
    );
    page.into_fragment()
}

/// The page's title block, and the scenario's warnings.
fn header(r: &Report, description: &str) -> String {
    let mut s = format!("<h1>{}</h1>\n", esc(&r.name));
    if !description.is_empty() {
        let _ = writeln!(s, "<p class=\"lede\">{}</p>", esc(description));
    }
    let _ = writeln!(
        s,
        "<p class=\"muted\">survsim {} · seed {} · {} simulated · {} replication{} · {}</p>",
        env!("CARGO_PKG_VERSION"),
        r.seed,
        esc(&human_duration(r.duration_s)),
        r.replications,
        if r.replications == 1 { "" } else { "s" },
        esc(&r.source)
    );
    for w in &r.warnings {
        let _ = writeln!(
            s,
            "<p class=\"warning\">Warning, <code>{}</code>: {}</p>",
            esc(&w.path.to_string()),
            esc(&w.message)
        );
    }
    s
}
