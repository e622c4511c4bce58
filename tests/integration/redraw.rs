//! `check`'s variance shares read hundreds of draws of a scenario's
//! uncertain inputs through `Scenario::drawn_expectations`, which keeps the
//! sites, blocks and schedule of the nominal model and rebuilds only what a
//! draw changes. Its expectations must be those of the drawn model built
//! whole, bit for bit — for every bundled scenario, and for scenarios with
//! zones, cross-product groups, lookalikes, uncertain multipliers, a
//! schedule of alike and unlike deployments, deployments giving their faces,
//! and several lists at one deployment.

use crate::common;

use common::scenario;
use survsim::scenario::{Scenario, ScenarioSource, bundled};

/// Replications compared per scenario.
const REPS: u64 = 3;

/// Asserts that every draw the variance shares read equals the drawn model's.
fn assert_redraws_match(name: &str, scenario: &Scenario) {
    assert!(!scenario.uncertain.is_empty(), "{name}: no uncertain input");
    let drawn = scenario.drawn_expectations();
    for rep in 0..REPS {
        let whole = scenario.drawn_model(rep).unwrap().expected();
        assert_eq!(drawn.drawn(rep).unwrap(), whole, "{name}: rep. {rep}");
        let moments = drawn.false_alert_moments(None, rep).unwrap();
        let want = (whole.false_alerts, whole.false_alerts_variance);
        assert_eq!(moments, want, "{name}: rep. {rep}");
        // Drawn alone, an only input takes the joint draw's values (which
        // the variance shares rely on, to draw it once).
        if let [only] = &scenario.uncertain[..] {
            assert_eq!(drawn.one_input(&only.key, rep).unwrap(), whole, "{name}");
        }
        for input in &scenario.uncertain {
            let whole = scenario.one_input_model(&input.key, rep).unwrap();
            let whole = whole.expected();
            let alone = drawn.one_input(&input.key, rep).unwrap();
            assert_eq!(alone, whole, "{name}: {} alone, rep. {rep}", input.key);
            let moments = drawn.false_alert_moments(Some(&input.key), rep).unwrap();
            let want = (whole.false_alerts, whole.false_alerts_variance);
            assert_eq!(moments, want, "{name}: {}", input.key);
        }
    }
}

#[test]
fn every_bundled_scenario_redraws_as_built_whole() {
    let mut compared = 0;
    for name in bundled::names() {
        let source = ScenarioSource::bundled(name).unwrap();
        let scenario = Scenario::load(source, &[]).unwrap();
        if !scenario.uncertain.is_empty() {
            assert_redraws_match(name, &scenario);
            compared += 1;
        }
    }
    assert!(
        compared >= 5,
        "only {compared} bundled scenarios draw inputs"
    );
}

/// A borough of zones and age × ethnicity groups, lookalikes and activity
/// spread, uncertain multipliers, and a schedule: two alike deployments
/// giving their faces, one with its own list and threshold, and one
/// searching three lists.
const BOROUGH: &str = r#"
[simulation]
duration = "2d"
seed = 5
[population]
residents = 200_000
lookalike_spread = 0.6
activity_spread = { shape = 0.5 }
[[population.dimensions]]
name = "age"
levels = [
    { name = "young", share = 0.3, activity = 1.4 },
    { name = "old", share = 0.7 },
]
[[population.dimensions]]
name = "look"
levels = [
    { name = "a", share = 0.6 },
    { name = "b", share = 0.4, fmr_multiplier = { dist = "uniform", low = 2.0, high = 8.0 } },
]
[[zones]]
name = "centre"
share = 0.4
[[zones]]
name = "edge"
share = 0.6
[[sites]]
name = "station"
zone = "centre"
footfall_per_hour = 4000
[[sites]]
name = "market"
zone = "edge"
footfall_per_hour = 1500
[[sites]]
name = "park"
zone = "edge"
footfall_per_hour = 800
capture_share = 0.5
[watchlist]
size = 8000
wanted_present = 60
[matcher]
profile = "neoface-v4-npl2023"
threshold = 0.6
[[deployments]]
day = 0
start = "10:00"
end = "14:00"
sites = ["market", "park"]
faces = 5000
[[deployments]]
day = 1
start = "10:00"
end = "14:00"
sites = ["park", "market"]
faces = 5000
[[deployments]]
day = 0
start = "22:00"
end = "02:00"
sites = ["market"]
watchlist = { size = 2000, wanted_present = 20 }
matcher = { threshold = 0.64 }
[[deployments]]
day = 0
start = "16:00"
end = "20:00"
sites = ["market", "park"]
watchlists = [
  { name = "wanted", size = 5000, wanted_present = 30 },
  { name = "banned", size = 300, threshold = 0.58, wanted_present = 10 },
  { name = "missing", size = 900, threshold = 0.62 },
]
"#;

#[test]
fn a_borough_with_a_schedule_and_lists_redraws_as_built_whole() {
    assert_redraws_match("borough", &scenario(BOROUGH, &[]));
    // The residents engine (no schedule) checks its work on the drawn
    // expectations too.
    let no_schedule = BOROUGH.split("[[deployments]]").next().unwrap();
    assert_redraws_match("borough without deployments", &scenario(no_schedule, &[]));
}
