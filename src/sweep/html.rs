//! A sweep's HTML page (`sweep --html`, `DIR/report.html`): its charts,
//! drawn by [`super::charts`] and inlined as they are, its results table,
//! and the assumptions, laid out with [`crate::report::html`]'s page.
//!
//! It lives here, above the report, because it reads a sweep's plan and
//! rows: the report's page module knows nothing of sweeps.

use super::results::Row;
use super::{Estimate, Headline, Plan, charts};
use crate::format::{fmt_num, fmt_pct, human_duration};
use crate::report::{Page, Provenance, assumptions_section, esc, table};
use std::fmt::Write as _;

/// A headline estimate as the table shows it: ratios and shares in their
/// own units, counts with one decimal; the 95 % interval below, and one
/// replication's 95 % range below that where there is one.
fn cell(h: Headline, e: Estimate) -> String {
    let f = |x: f64| -> String {
        if !x.is_finite() {
            return "∞".into();
        }
        match h {
            Headline::AlertPrecision | Headline::DropRate => fmt_pct(x),
            Headline::FacesPerTrueAlert => fmt_num(x, 0),
            Headline::FalseAlertDisparity => format!("{}×", fmt_num(x, 2)),
            _ => fmt_num(x, 1),
        }
    };
    let range = e.pi95.map_or(String::new(), |(lo, hi)| {
        format!(
            "<br><span class=\"muted\">one run [{}, {}]</span>",
            esc(&f(lo)),
            esc(&f(hi))
        )
    });
    match (e.mean, e.lo, e.hi) {
        (None, ..) => "-".into(),
        (Some(m), Some(lo), Some(hi)) => format!(
            "{}<br><span class=\"muted\">[{}, {}]</span>{range}",
            esc(&f(m)),
            esc(&f(lo)),
            esc(&f(hi))
        ),
        (Some(m), ..) => format!("{}{range}", esc(&f(m))),
    }
}

/// The results table: the varied keys' values, then every headline.
fn results_table(plan: &Plan, rows: &[Row]) -> String {
    let pipeline = rows.iter().any(|r| !r.report.pools.is_empty());
    let shown: Vec<Headline> = Headline::ALL
        .iter()
        .copied()
        .filter(|h| pipeline || !h.needs_pipeline())
        .collect();
    let mut head: Vec<String> = vec!["#".into()];
    head.extend(plan.grid.keys().iter().map(|k| k.to_string()));
    head.extend(shown.iter().map(|h| format!("#{}", h.label())));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.index.to_string()];
            cells.extend(
                plan.grid
                    .values(row.index)
                    .iter()
                    .map(|(_, v)| format!("<code>{}</code>", esc(v))),
            );
            cells.extend(shown.iter().map(|&h| cell(h, row.get(h))));
            cells
        })
        .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    format!(
        "{}<p class=\"note\">Means per run (ratios pooled over runs); in brackets, 95 % confidence intervals; \
         from 40 runs, “one run”: the range in which 95 % of single runs fall{}.</p>\n",
        table(&head, &body),
        if rows.iter().any(|r| r.report.parameters_drawn) {
            ", each run drawing the scenario's uncertain inputs afresh"
        } else if rows.iter().any(|r| !r.report.uncertain_inputs.is_empty()) {
            ", the scenario's uncertain inputs held fixed"
        } else {
            ""
        }
    )
}

/// A sweep's page, from its plan and every point's row. `profile` is the
/// matcher profile of its scenario; `run_time_s` the wall-clock time the
/// sweep took.
pub fn sweep_page(plan: &Plan, rows: &[Row], profile: Option<&str>, run_time_s: f64) -> String {
    let name = rows.first().map_or("", |r| r.report.name.as_str());
    let mut page = Page::new(&format!("survsim sweep — {name}"));
    let mut head = format!("<h1>Sweep: {}</h1>\n", esc(name));
    let _ = writeln!(
        head,
        "<p class=\"muted\">survsim {} · {} point{} × {} replication{} · {}</p>",
        env!("CARGO_PKG_VERSION"),
        plan.points(),
        if plan.points() == 1 { "" } else { "s" },
        plan.reps,
        if plan.reps == 1 { "" } else { "s" },
        esc(&plan.source.name)
    );
    page.push(&head);
    let mut charts_html = String::new();
    for (file, body) in charts::render_all_inline(plan, rows) {
        let _ = writeln!(
            charts_html,
            "<figure class=\"sweep-chart\">\n{body}<figcaption>charts/{}</figcaption></figure>",
            esc(&file)
        );
    }
    page.section("charts", "1 · Charts", &charts_html);
    page.section("results", "2 · Results", &results_table(plan, rows));
    let mut facts = vec![
        (
            "survsim version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("points".into(), plan.points().to_string()),
        ("replications per point".into(), plan.reps.to_string()),
    ];
    if let Some(first) = rows.first() {
        facts.push(("seed".into(), first.report.seed.to_string()));
        facts.push((
            "simulated time per run".into(),
            human_duration(first.report.duration_s),
        ));
    }
    let provenance = Provenance {
        source: &plan.source,
        overrides: &plan.sets,
        varied: plan
            .grid
            .axes
            .iter()
            .map(|a| (a.key(), a.spec.clone()))
            .collect(),
        profile,
        facts,
        command: format!("{} --out DIR --html", plan.command()),
        run_time_s,
    };
    page.section(
        "assumptions",
        "3 · Assumptions and how to reproduce",
        &assumptions_section(&provenance),
    );
    page.finish()
}
