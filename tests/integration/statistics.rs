//! Simulated counts agree with the closed-form expectations.
//!
//! Captures are Poisson and each search outcome thins them independently, so
//! faces, true alerts and false alerts (in total and per group), summed over
//! R replications, are Poisson with mean R × the model's expectation: each
//! test asserts agreement within 4 standard errors (√mean) over fixed seeds.
//! Distinct people scanned is a sum of independent Bernoullis (a resident is
//! scanned with probability 1 − e^(−λ)), tested against its own variance.
//! A wrong thinning, a wrong max-of-N sampler or a wrong schedule would move
//! these counts by many standard errors.

use crate::common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{GroupMetric, Metric, Outcome};
use survsim::scenario::{DEFAULT_SCENARIO, Scenario, ScenarioSource};

fn check_model_counts(name: &str, sc: &Scenario, reps: u64) {
    let model = &sc.model;
    let outcomes = run_replications(model, reps, 2);
    let e = model.expected();
    let r = reps as f64;
    assert_poisson(
        &format!("{name}: faces"),
        total(&outcomes, Metric::FacesCaptured),
        r * e.faces_captured,
    );
    if e.false_alerts * r > 25.0 {
        assert_poisson(
            &format!("{name}: false alerts"),
            total(&outcomes, Metric::FalseAlerts),
            r * e.false_alerts,
        );
    }
    if e.true_alerts * r > 25.0 {
        assert_poisson(
            &format!("{name}: true alerts"),
            total(&outcomes, Metric::TrueAlerts),
            r * e.true_alerts,
        );
    }
    // Distinct people: Var = Σ_g R_g p_g (1 − p_g), p_g = people_scanned_g / R_g.
    let var: f64 = model
        .groups
        .iter()
        .zip(&e.groups)
        .filter(|(g, _)| g.residents > 0)
        .map(|(g, ge)| {
            let p = ge.people_scanned / g.residents as f64;
            g.residents as f64 * p * (1.0 - p)
        })
        .sum();
    assert_within_4se(
        &format!("{name}: people scanned"),
        total(&outcomes, Metric::PeopleScanned),
        r * e.people_scanned,
        (r * var).sqrt(),
    );
    for (gi, (g, ge)) in model.groups.iter().zip(&e.groups).enumerate() {
        assert_poisson(
            &format!("{name}: faces of {}", g.name),
            group_total(&outcomes, gi, GroupMetric::FacesCaptured),
            r * ge.faces_captured,
        );
        if ge.false_alerts * r > 25.0 {
            assert_poisson(
                &format!("{name}: false alerts of {}", g.name),
                group_total(&outcomes, gi, GroupMetric::FalseAlerts),
                r * ge.false_alerts,
            );
        }
    }
}

#[test]
fn default_scenario_matches_its_expectations() {
    let sc = Scenario::load(ScenarioSource::builtin_default(), &[]).unwrap();
    check_model_counts("default", &sc, 40);
}

#[test]
fn a_million_entry_watchlist_samples_the_best_impostor_exactly() {
    // Overlapping score distributions and a 10^6 watchlist: the best of
    // 999,999 impostors often beats the genuine score, so true alerts and
    // misidentifications both depend on the max-of-N sampler being exact.
    let text = r#"
        [simulation]
        duration = "6h"
        seed = 9
        [population]
        residents = 50000
        [[population.groups]]
        name = "a"
        share = 0.5
        [[population.groups]]
        name = "b"
        share = 0.5
        fmr_multiplier = 4.0
        fnmr_multiplier = 2.0
        [[sites]]
        name = "s"
        footfall_per_hour = 20000
        [watchlist]
        size = 1000000
        wanted_present = 10000
        [matcher]
        threshold = 0.62
        impostor = { mean = 0.2, sd = 0.08 }
        genuine = { mean = 0.65, sd = 0.1 }
    "#;
    let sc = scenario(text, &[]);
    let g = &sc.model.groups[1].search;
    assert!(
        g.misidentification > 0.05,
        "the case must exercise misidentification: {}",
        g.misidentification
    );
    check_model_counts("1M watchlist", &sc, 4);
}

#[test]
fn a_threshold_with_fmr_near_1e9_is_computed_without_cancellation() {
    // Impostor N(0, 1) and threshold 6: FMR = Q(6) ≈ 9.87e-10 per comparison.
    let text = r#"
        [simulation]
        duration = "1h"
        seed = 5
        [population]
        residents = 2000000
        [[sites]]
        name = "s"
        footfall_per_hour = 10000000
        [watchlist]
        size = 100000
        wanted_present = 200
        [matcher]
        threshold = 6.0
        score_range = [-10.0, 10.0]
        impostor = { mean = 0.0, sd = 1.0 }
        genuine = { mean = 7.0, sd = 1.0 }
    "#;
    let sc = scenario(text, &[]);
    let g = &sc.model.groups[0].search;
    assert!(
        (g.fmr / 9.865_876_450_377e-10 - 1.0).abs() < 1e-6,
        "fmr {}",
        g.fmr
    );
    check_model_counts("FMR 1e-9", &sc, 2);
}

#[test]
fn windows_profiles_and_activity_shape_who_is_seen() {
    let text = r#"
        [simulation]
        duration = "36h"
        seed = 77
        [population]
        residents = 30000
        [[population.groups]]
        name = "homebody"
        share = 0.6
        activity = 0.2
        [[population.groups]]
        name = "commuter"
        share = 0.4
        activity = 3.0
        fmr_multiplier = 20.0
        [[sites]]
        name = "night"
        footfall_per_hour = 1500
        active = ["22:00-02:30"]
        capture_share = 0.5
        [[sites]]
        name = "day"
        footfall_per_hour = [0, 0, 0, 0, 0, 0, 100, 800, 1600, 900, 500, 500,
                             700, 600, 500, 600, 1200, 1700, 900, 400, 200, 100, 50, 0]
        [watchlist]
        size = 200000
        wanted_present = 300
        [matcher]
        threshold = 0.55
    "#;
    check_model_counts("windows", &scenario(text, &[]), 30);
}

#[test]
fn the_default_scenario_file_is_the_built_in_one() {
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/default.toml"
    ))
    .unwrap();
    assert_eq!(on_disk, DEFAULT_SCENARIO);
}

/// Mean and standard error of the mean.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Wanted people keep their activity spread. In london-borough-day they
/// sit in walk-past blocks of one to four members; a person's captures
/// must still be Poisson(a λ) with their own Gamma activity a, so that the
/// share alerted is the closed form's 1 − (1 + λ·TPIR/k)^(−k), not the
/// larger 1 − e^(−λ·TPIR) of someone of average activity. (A block's count
/// drawn at its mean and shared among its members by activity gives a
/// block of one the whole mean: 12.5 alerted against 10.25 over a day,
/// 31.2 against 24.3 over a week.) Both engines, independent seeds, within
/// 4 standard errors of the replications' own spread.
#[test]
fn wanted_people_alerted_keep_their_activity_spread() {
    use survsim::engine::Engine;
    use survsim::engine::residents::Plan;
    for (duration, reps) in [("24h", 150u64), ("7d", 30)] {
        let set = format!("simulation.duration=\"{duration}\"")
            .parse()
            .unwrap();
        let source = ScenarioSource::bundled("london-borough-day").unwrap();
        let sc = Scenario::load(source, &[set]).unwrap();
        let model = &sc.model;
        assert!(model.activity_shape.is_some());
        let expected = model.expected().wanted_alerted;
        let mut engine = Engine::new(model);
        let plan = Plan::new(model);
        let alerted = |o: Outcome| o.counts[Metric::WantedAlerted] as f64;
        let faces: Vec<f64> = (0..reps).map(|r| alerted(engine.run(r))).collect();
        let residents: Vec<f64> = (0..reps).map(|r| alerted(plan.run(reps + r))).collect();
        for (engine, values) in [("faces", faces), ("residents", residents)] {
            let (mean, se) = mean_se(&values);
            assert_within_4se(
                &format!("{duration}, {engine} engine: wanted people alerted"),
                mean,
                expected,
                se,
            );
        }
    }
}

/// One run's false alerts spread more than Poisson when people differ:
/// with uneven activity (Gamma, shape 0.5) and lookalikes (σ = 1) each
/// person's count is a Poisson mixture, and the closed form's variance
/// (`false_alerts_variance`: the mean, plus each person's Var(a·m·FPIR(L)))
/// must match the replications' own, where Poisson's would be 4 times too
/// small. Tolerance: 4 standard errors of the sample variance, estimated
/// from the sample's fourth moment.
#[test]
fn false_alerts_spread_as_the_closed_form_says() {
    let text = r#"
        [simulation]
        duration = "24h"
        seed = 31
        [population]
        residents = 20000
        lookalike_spread = 1.0
        activity_spread = { shape = 0.5 }
        [[sites]]
        name = "square"
        footfall_per_hour = 16000
        [watchlist]
        size = 10000
        wanted_present = 0
        [matcher]
        threshold = 0.53
        [intervention]
        officers = 0
    "#;
    let sc = scenario(text, &[]);
    let expected = sc.model.expected();
    let reps = 600;
    let counts: Vec<f64> = run_replications(&sc.model, reps, 2)
        .iter()
        .map(|o| o.counts[Metric::FalseAlerts] as f64)
        .collect();
    let n = reps as f64;
    let mean = counts.iter().sum::<f64>() / n;
    let variance = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let fourth = counts.iter().map(|c| (c - mean).powi(4)).sum::<f64>() / n;
    let se = ((fourth - variance * variance * (n - 3.0) / (n - 1.0)) / n).sqrt();
    assert!(
        expected.false_alerts_variance > 2.0 * expected.false_alerts,
        "the test needs overdispersion: {} vs {}",
        expected.false_alerts_variance,
        expected.false_alerts
    );
    assert_within_4se(
        "variance of false alerts",
        variance,
        expected.false_alerts_variance,
        se,
    );
}
