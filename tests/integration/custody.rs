//! Arrests execute warrants: custody, one arrest per person, officers busy
//! with arrest processing, scenarios without officers, and independent
//! random streams per (seed, replication).

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::HashMap;
use survsim::drive::replicate::run_replications;
use survsim::engine::run_replication;
use survsim::metrics::Metric;

/// A small town whose wanted people pass the cameras many times an hour, so
/// that without warrant execution they would be arrested again and again.
const TOWN: &str = town!(
    duration = "12h",
    seed = 41,
    residents = 3000,
    r#"
[[sites]]
name = "square"
footfall_per_hour = 6000
[[sites]]
name = "station"
footfall_per_hour = 3000
[watchlist]
size = 5000
wanted_present = 30
[matcher]
threshold = 0.55
[review]
operators = 3
p_confirm_true = 1.0
[intervention]
officers = 6
window = "10m"
approach_time = "1m"
stop_duration = "5m"
p_arrest_correct = 1.0
custody = "2h"
arrest_processing = "15m"
"#
);

/// The same town with a recognition pipeline in front of the matcher.
fn town_with_pipeline() -> String {
    format!("{TOWN}[pipeline]\n[[pipeline.pools]]\nname = \"p\"\nfaces_per_s = 300\n")
}

#[test]
fn each_wanted_person_is_arrested_at_most_once() {
    let piped = town_with_pipeline();
    for (name, text) in [("plain", TOWN), ("pipeline", piped.as_str())] {
        let sc = scenario(text, &[]);
        for o in run_replications(&sc.model, 6, 2) {
            let c = &o.counts;
            assert!(c[Metric::Arrests] > 0, "{name}: the test needs arrests");
            assert_eq!(
                c[Metric::Arrests],
                c[Metric::WantedArrested],
                "{name}: arrests count people"
            );
        }
    }
}

#[test]
fn stops_are_counted_as_events_and_people_stopped_as_people() {
    // Half of correct stops end in arrest (`p_arrest_correct` is per stop):
    // the others leave the warrant open, and the person is stopped again.
    let sc = scenario(TOWN, &["intervention.p_arrest_correct=0.5"]);
    let (mut stops, mut people, mut arrested, mut found) = (0, 0, 0, 0);
    for o in run_replications(&sc.model, 8, 2) {
        let c = &o.counts;
        assert!(c[Metric::WantedStopped] <= c[Metric::CorrectStops]);
        assert!(c[Metric::WantedArrested] <= c[Metric::WantedStopped]);
        assert!(c[Metric::WantedStopped] <= c[Metric::WantedAlerted]);
        // Lost in the crowd is only the five ways of losing someone; an
        // officer who finds the person already arrested is counted apart.
        let lost: u64 = [
            Metric::LostToPipelineDelay,
            Metric::LostAwaitingReview,
            Metric::LostDuringReview,
            Metric::LostAwaitingOfficer,
            Metric::LostBeforeStop,
        ]
        .iter()
        .map(|&m| c[m])
        .sum();
        assert_eq!(c[Metric::LostInCrowd], lost);
        assert_eq!(
            c[Metric::StopAttempts],
            c[Metric::Stops] + c[Metric::LostBeforeStop] + c[Metric::FoundArrested]
        );
        stops += c[Metric::CorrectStops];
        people += c[Metric::WantedStopped];
        arrested += c[Metric::WantedArrested];
        found += c[Metric::FoundArrested];
    }
    assert!(stops > people, "{stops} correct stops of {people} people");
    // Per person, more than half of those stopped are arrested.
    assert!(2 * arrested > people, "{arrested} arrested of {people}");
    // Wanted people alerted again and again: officers do find some of
    // them already arrested.
    assert!(found > 0);
}

#[test]
fn bundled_scenarios_count_each_arrest_once_and_keep_both_keys() {
    for name in ["london-borough-day", "met-essex-2019", "default"] {
        let args: Vec<&str> = if name == "default" {
            vec!["run", "--reps", "4", "-q"]
        } else {
            vec![
                "run",
                name,
                "--reps",
                "4",
                "-q",
                "--set",
                "simulation.duration=\"3d\"",
            ]
        };
        let (_, v) = json_output(&args);
        let totals = &v["totals"];
        assert!(totals["wanted_arrested"].is_number(), "{name}");
        assert_eq!(totals["arrests"], totals["wanted_arrested"], "{name}");
    }
}

fn events(text: &str, sets: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", text);
    let out = survsim()
        .args(["run", path.to_str().unwrap(), "--events", "-", "-q"])
        .args(sets.iter().flat_map(|s| ["--set", s]))
        .output()
        .unwrap();
    ndjson(&succeeded(out))
}

#[test]
fn an_arrested_person_is_held_then_searched_as_not_wanted() {
    let custody_s = 2.0 * 3600.0;
    let log = events(TOWN, &[]);
    let mut arrested: HashMap<String, f64> = HashMap::new();
    for e in &log {
        if e["kind"] == "arrest" && e["outcome"] == "arrest" {
            let person = e["person"].as_str().unwrap().to_string();
            let before = arrested.insert(person, e["t"].as_f64().unwrap());
            assert!(before.is_none(), "arrested twice: {e}");
        }
    }
    assert!(arrested.len() >= 5, "the test needs arrests");
    let (mut held, mut released) = (0, 0);
    for e in &log {
        let Some(&t_arrest) = e["person"].as_str().and_then(|p| arrested.get(p)) else {
            continue;
        };
        let t = e["t"].as_f64().unwrap();
        match e["kind"].as_str().unwrap() {
            "capture" if t >= t_arrest && t < t_arrest + custody_s => {
                panic!("captured while in custody: {e}")
            }
            "capture" if t >= t_arrest + custody_s => {
                assert_eq!(e["wanted"], false, "warrant executed: {e}");
                released += 1;
            }
            "alert" if e["captured_t"].as_f64().unwrap() >= t_arrest => {
                assert_eq!(e["true_alert"], false, "no true alert after arrest: {e}");
            }
            "capture" => held += 1,
            _ => {}
        }
    }
    assert!(
        held > 0 && released > 0,
        "{held} captures before, {released} after"
    );
}

#[test]
fn an_arrest_keeps_the_officer_busy() {
    // One officer, and an arrest that takes longer than the run: after the
    // first arrest no one else can be stopped.
    let sets = [
        "intervention.officers=1",
        "intervention.arrest_processing=\"100h\"",
    ];
    let long = run_replications(&scenario(TOWN, &sets).model, 4, 2);
    let quick = run_replications(
        &scenario(
            TOWN,
            &[
                "intervention.officers=1",
                "intervention.arrest_processing=\"0s\"",
            ],
        )
        .model,
        4,
        2,
    );
    for (l, q) in long.iter().zip(&quick) {
        assert_eq!(l.counts[Metric::Arrests], 1);
        assert!(q.counts[Metric::Arrests] > 1);
        // Everything confirmed after the arrest waits in vain.
        assert!(l.counts[Metric::LostAwaitingOfficer] > q.counts[Metric::LostAwaitingOfficer]);
    }
}

#[test]
fn people_alerted_match_the_closed_form_with_arrests() {
    // A person's first true alert precedes any arrest, so the share of
    // wanted people alerted is 1 − exp(−captures × TPIR) even with custody.
    let sc = scenario(TOWN, &["intervention.custody=\"6h\""]);
    let reps = 200;
    let outcomes = run_replications(&sc.model, reps, 2);
    let expected = sc.model.expected();
    assert!(expected.true_alerts_is_upper_bound);
    let alerted: Vec<f64> = outcomes
        .iter()
        .map(|o| o.counts[Metric::WantedAlerted] as f64)
        .collect();
    let mean = alerted.iter().sum::<f64>() / reps as f64;
    // Bernoulli per wanted person: Var = Σ p(1 − p), from the closed form.
    let p = expected.wanted_alerted / sc.model.wanted as f64;
    let se = (sc.model.wanted as f64 * p * (1.0 - p) / reps as f64).sqrt();
    assert_within_4se("wanted people alerted", mean, expected.wanted_alerted, se);
    // And the no-arrest closed form of true alerts is an upper bound.
    let true_alerts = total(&outcomes, Metric::TrueAlerts) / reps as f64;
    assert!(true_alerts < expected.true_alerts);
}

#[test]
fn a_trial_without_officers_records_alerts_but_acts_on_none() {
    let sc = scenario(TOWN, &["intervention.officers=0"]);
    for o in run_replications(&sc.model, 3, 2) {
        let c = &o.counts;
        assert!(c[Metric::AlertsConfirmed] > 0);
        assert_eq!(c[Metric::NotActioned], c[Metric::AlertsConfirmed]);
        assert_eq!(c[Metric::StopAttempts], 0);
        assert_eq!(c[Metric::Arrests], 0);
        assert_eq!(c[Metric::LostAwaitingOfficer], 0);
    }
    // The CLI accepts it too.
    let (_, v) = json_output(&["run", "--set", "intervention.officers=0", "-q"]);
    assert_eq!(v["totals"]["stops"], 0);
    assert_eq!(v["totals"]["not_actioned"], v["totals"]["alerts_confirmed"]);
}

#[test]
fn seed_and_replication_streams_are_distinct() {
    let key = |seed: &str, rep: &str| {
        let (_, v) = json_output(&["run", "--seed", seed, "--rep", rep, "-q"]);
        v["totals"].clone()
    };
    assert_ne!(key("0", "7"), key("7", "0"));
    assert_ne!(key("1", "1"), key("2", "2"));
}

#[test]
fn one_replication_reruns_alone() {
    // `--rep R` reports replication R of `--reps N` exactly — with the
    // same draw of the scenario's uncertain inputs (the default profile's
    // counted false positives).
    let sc = scenario(TOWN, &[]);
    assert!(sc.draws_parameters());
    let mut all = Vec::new();
    survsim::drive::replicate::for_each_scenario_replication(&sc, 4, 2, |_, o| all.push(o))
        .unwrap();
    let third = sc.replication_model(3).unwrap().unwrap();
    assert_eq!(all[3], run_replication(&third, 3));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("town.toml");
    std::fs::write(&path, TOWN).unwrap();
    let (_, v) = json_output(&["run", path.to_str().unwrap(), "--rep", "3", "-q"]);
    for &m in Metric::ALL {
        assert_eq!(
            v["totals"][m.key()].as_u64(),
            Some(all[3].counts[m]),
            "{}",
            m.key()
        );
    }
    // And `--rep 0` is exactly the one-replication run.
    let (plain, _) = json_output(&["run", path.to_str().unwrap(), "-q"]);
    let (rep0, _) = json_output(&["run", path.to_str().unwrap(), "--rep", "0", "-q"]);
    assert_eq!(plain, rep0);
}

#[test]
fn a_pipeline_warns_where_arrests_lag_behind_captures() {
    // With a pipeline an arrest takes effect from the next hour: the town's
    // wanted people pass about 3 times an hour, so many are seen again.
    let lags = |sc: &survsim::Scenario| {
        sc.warnings
            .iter()
            .any(|w| w.key_path.as_deref() == Some("pipeline") && w.message.contains("whole hour"))
    };
    assert!(lags(&scenario(&town_with_pipeline(), &[])));
    // Without a pipeline arrests take effect at once; at a stadium's pace
    // the lag does not matter.
    assert!(!lags(&scenario(TOWN, &[])));
    let stadium = survsim::ScenarioSource::bundled("neoface-300fps-stadium").unwrap();
    assert!(!lags(&survsim::Scenario::load(stadium, &[]).unwrap()));
}
