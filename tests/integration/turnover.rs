//! The list's turnover (`watchlist.new_wanted_per_day`,
//! `watchlist.time_on_list`): both engines draw wanted people added during
//! the run and removed from the list after an exponential time, and their
//! counts agree with the closed forms and with each other within 4
//! standard errors, over fixed seeds. Without officers nobody is arrested,
//! so the closed forms are exact (not bounds). The comparison can fail:
//! the same runs lie far outside the closed form of a list without
//! removals, or without arrivals.

use survsim::engine::Engine;
use survsim::engine::residents::Plan;
use survsim::metrics::{Metric, Outcome};
use survsim::model::Model;
use survsim::scenario::{Scenario, ScenarioSource};

/// The built-in default city with `sets` on top.
fn default_with(sets: &[&str]) -> Model {
    let overrides: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::load(ScenarioSource::builtin_default(), &overrides)
        .unwrap()
        .model
}

const CITY: &[&str] = &[
    "population.residents=500000",
    "simulation.duration=30d",
    "watchlist.wanted_present=50",
    "intervention.officers=0",
];

fn with(extra: &[&str]) -> Model {
    let sets: Vec<&str> = CITY.iter().chain(extra).copied().collect();
    default_with(&sets)
}

/// Mean and standard error of the mean of `metric` over `runs`.
fn mean_se(runs: &[Outcome], metric: Metric) -> (f64, f64) {
    let values: Vec<f64> = runs.iter().map(|o| o.counts[metric] as f64).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The closed forms the turnover changes, by metric.
fn expected(model: &Model) -> Vec<(Metric, f64)> {
    let e = model.expected();
    assert!(!e.true_alerts_is_upper_bound, "no officers: exact");
    vec![
        (Metric::TrueAlerts, e.true_alerts),
        (Metric::WantedFacesCaptured, e.wanted_faces_captured),
        (Metric::WantedAlerted, e.wanted_alerted),
        (Metric::FalseAlerts, e.false_alerts),
        (Metric::FacesCaptured, e.faces_captured),
    ]
}

fn z(runs: &[Outcome], metric: Metric, expected: f64) -> f64 {
    let (mean, se) = mean_se(runs, metric);
    (mean - expected) / se.max(1e-9)
}

const REPS: u64 = 40;

fn face_engine(model: &Model) -> Vec<Outcome> {
    let mut engine = Engine::new(model);
    (0..REPS).map(|r| engine.run(r)).collect()
}

fn residents_engine(model: &Model) -> Vec<Outcome> {
    let plan = Plan::new(model);
    (REPS..2 * REPS).map(|r| plan.run(r)).collect()
}

/// Both engines against the closed form, and against each other.
fn check(model: &Model) -> (Vec<Outcome>, Vec<Outcome>) {
    let (faces, residents) = (face_engine(model), residents_engine(model));
    for (metric, value) in expected(model) {
        for (engine, runs) in [("faces", &faces), ("residents", &residents)] {
            let z = z(runs, metric, value);
            assert!(
                z.abs() <= 4.0,
                "{engine} engine, {metric:?}: expected {value:.2}, z = {z:.2}"
            );
        }
        let ((a, sa), (b, sb)) = (mean_se(&faces, metric), mean_se(&residents, metric));
        let z = (a - b) / (sa * sa + sb * sb).sqrt().max(1e-9);
        assert!(z.abs() <= 4.0, "{metric:?}: faces {a:.2}, residents {b:.2}");
    }
    (faces, residents)
}

#[test]
fn arrivals_and_removals_match_the_closed_form_in_both_engines() {
    let model = with(&[
        "watchlist.new_wanted_per_day=3",
        "watchlist.time_on_list=10d",
    ]);
    assert_eq!(model.wanted, 50 + 90);
    let (faces, residents) = check(&model);
    // The test bites: the same runs, both engines' together (they agree,
    // above), are far from a list whose wanted people are never removed,
    // and from one whose 140 are all there from the start.
    let runs: Vec<Outcome> = faces.into_iter().chain(residents).collect();
    for wrong in [
        with(&["watchlist.new_wanted_per_day=3"]),
        with(&["watchlist.wanted_present=140", "watchlist.time_on_list=10d"]),
    ] {
        let e = wrong.expected();
        for (metric, value) in [
            (Metric::TrueAlerts, e.true_alerts),
            (Metric::WantedAlerted, e.wanted_alerted),
        ] {
            let z = z(&runs, metric, value);
            assert!(z.abs() > 4.0, "{metric:?} should miss: z = {z:.2}");
        }
    }
}

#[test]
fn arrivals_alone_match_the_closed_form_in_both_engines() {
    check(&with(&["watchlist.new_wanted_per_day=3"]));
}

#[test]
fn removals_alone_match_the_closed_form_in_both_engines() {
    check(&with(&["watchlist.time_on_list=5d"]));
}

#[test]
fn without_the_keys_nothing_is_drawn_anew() {
    // Turnover keys of no effect (no arrivals, removal after ~forever)
    // still draw their own stream, and leave every other stream alone:
    // faces and false alerts are those of the scenario without them.
    let plain = with(&[]);
    let keyed = with(&["watchlist.new_wanted_per_day=0"]);
    assert!(plain.turnover.is_none() && keyed.turnover.is_some());
    let mut a = Engine::new(&plain);
    let mut b = Engine::new(&keyed);
    for rep in 0..3 {
        let (x, y) = (a.run(rep), b.run(rep));
        assert_eq!(x.counts, y.counts);
    }
}

/// `check --format json` gives the turnover as the table's note does:
/// wanted people at the start, added during the run, and the mean time on
/// the list (`null` when only arrests remove them); none without the keys.
#[test]
fn check_json_gives_the_turnover() {
    let json = |sets: &[&str]| {
        let overrides: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
        let scenario = Scenario::load(ScenarioSource::builtin_default(), &overrides).unwrap();
        survsim::report::check_json(&scenario)
    };
    let year = json(&[
        "simulation.duration=365d",
        "watchlist.new_wanted_per_day=0.5",
        "watchlist.time_on_list=180d",
    ]);
    let turnover = &year["turnover"];
    assert_eq!(turnover["wanted_at_start"], 10);
    assert_eq!(turnover["wanted_added"], 183); // 0.5 × 365, rounded
    assert_eq!(
        turnover["mean_time_on_list_s"].as_f64(),
        Some(180.0 * 86_400.0)
    );
    assert_eq!(year["expected"]["wanted_present"].as_f64(), Some(193.0));
    let arrivals = json(&["watchlist.new_wanted_per_day=2"]);
    assert_eq!(arrivals["turnover"]["wanted_added"], 2);
    assert!(arrivals["turnover"]["mean_time_on_list_s"].is_null());
    assert!(json(&[]).get("turnover").is_none());
}
