//! Running `survsim validate`: each bundled scenario of the published record
//! (with its checks' overrides) replicated on all cores, once however many
//! checks read it, and every check judged by [`crate::validate::judge`].
//!
//! A prediction draws the scenario's uncertain inputs afresh for each
//! replication, so that its one-run range covers what is not known of them;
//! a consistency check holds them at their nominal values, the published
//! figures it reproduces.

use super::replicate::for_each_scenario_replication;
use crate::error::Error;
use crate::metrics::{Exposure, Latencies, Outcome};
use crate::model::Model;
use crate::scenario::{Override, Scenario, ScenarioSource};
use crate::validate::{Basis, CHECKS, CheckResult, judge};
use std::collections::BTreeMap;

/// The bundled records fitted as `survsim fit --loo` fits them: the
/// posterior, and per record what a fit without it predicts for it.
pub fn record_fit(threads: usize) -> Result<super::fit::FitOutput, Error> {
    super::fit::run(&super::fit::FitOptions {
        records: crate::fit::Records::bundled(),
        matcher: "neoface-v4".into(),
        settings: crate::fit::Settings::default(),
        leave_one_out: true,
        threads,
    })
}

/// What `survsim validate` reports: every check, then each bundled record
/// against a fit of the others.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The table (`--format table`).
    pub table: String,
    /// The JSON report (`--format json`): the checks, and `record_fit`.
    pub json: serde_json::Value,
    /// Whether every check expected to hold did (else `validate` exits 1).
    pub all_expected_hold: bool,
}

/// Runs every check and the leave-one-out fit of the bundled records on
/// `threads` threads, and renders them as `survsim validate` prints them.
pub fn validation(threads: usize) -> Result<Validation, Error> {
    let results = run(threads)?;
    let fit = record_fit(threads)?;
    let records = crate::fit::Records::bundled();
    let loo = crate::fit::summary::FitReport {
        records: &records,
        posterior: &fit.posterior,
        left_out: fit.left_out,
    };
    let mut json = crate::validate::to_json(&results);
    json["record_fit"] = loo.json();
    Ok(Validation {
        table: crate::validate::table(&results) + &loo.loo_table(),
        json,
        all_expected_hold: crate::validate::all_expected_hold(&results),
    })
}

/// Runs every check, each scenario and override set once, on `threads` threads.
pub fn run(threads: usize) -> Result<Vec<CheckResult>, Error> {
    // Each (scenario, overrides, replications) is simulated once.
    type RunKey<'a> = (&'a str, Vec<&'a str>, u64, bool);
    let mut runs: BTreeMap<RunKey, (Model, Vec<Outcome>)> = BTreeMap::new();
    let mut results = Vec::with_capacity(CHECKS.len());
    for check in CHECKS {
        let fixed = check.basis == Basis::Consistency;
        let key = (check.scenario, check.sets.to_vec(), check.reps, fixed);
        if !runs.contains_key(&key) {
            let source = ScenarioSource::bundled(check.scenario)
                .unwrap_or_else(|| panic!("check names unbundled scenario {}", check.scenario));
            let overrides: Vec<Override> = check
                .sets
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()?;
            let mut scenario = Scenario::load(source, &overrides)?;
            scenario.parameters_fixed = fixed;
            // Checks read counts only: each replication's histograms (0.75
            // MB) are dropped as it finishes. (Keeping them made 2,000
            // replications of one scenario cost 1.5 GB.)
            let mut outcomes = Vec::with_capacity(check.reps as usize);
            for_each_scenario_replication(&scenario, check.reps, threads, |_, mut o| {
                o.latency = Latencies::empty();
                o.exposure = Exposure::empty();
                outcomes.push(o);
            })?;
            runs.insert(key.clone(), (scenario.model, outcomes));
        }
        let (model, outcomes) = &runs[&key];
        results.push(judge(check, model, outcomes));
    }
    Ok(results)
}
