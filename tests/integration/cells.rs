//! Issue 27: the residents engine's cheaper ways of drawing a block — by
//! sweep (cells moved class of sites by class, with activity spread as a
//! Gamma mixture and lookalikes), and in bulk (totals alone, for regulars
//! who show every site) — are the same law as drawing every member one by
//! one ([`Ways::OneByOne`], the reference).
//!
//! Each case runs the same model both ways over independent replications
//! and compares their counts (and the people with two false alerts or more)
//! within 4 standard errors, and the captures-per-resident, distinct-sites
//! and false-alerts-by-hour histograms by a two-sample chi-square at
//! p < 10⁻⁴. The tests bite: the one-by-one runs of a model with a tenth
//! less activity spread fail the sweep's comparison, and of a model with 5 %
//! more false matches the bulk draw's (z = −12.8 on false alerts).
//!
//! No bundled scenario is drawn in bulk, so [`REGULARS`] forces it. Mutations
//! of the bulk draw (src/engine/residents/bulk.rs), each failing
//! `bulk_draws_of_regulars_are_the_one_by_one_law`: FPIR × 1.05 in
//! `BulkLaw::some_of` (false alerts z = 8.7); one alert per alerting member
//! instead of `at_least_one` (false alerts z = −24.9, people with two or
//! more z = −98); an alert's site drawn uniformly over the sites instead of
//! by the faces left there (false alerts by hour p = 9 × 10⁻⁸), or always the
//! first site (p < 10⁻³⁰⁰); the total's mean × 1.01 in `total_law` (faces
//! z = 136, captures per resident p < 10⁻³⁰⁰).

use statrs::distribution::{ChiSquared, ContinuousCDF};
use survsim::Metric;
use survsim::engine::residents::{Plan, Ways};
use survsim::metrics::GroupMetric;
use survsim::metrics::Outcome;
use survsim::model::Model;

/// Replications of each way for sweeps, and for the bulk draws (of a
/// smaller town, so more of them in the same time).
const REPS: u64 = 60;
const BULK_REPS: u64 = 200;

fn runs(model: &Model, ways: Ways, first: u64) -> (Vec<Outcome>, [usize; 3]) {
    runs_of(model, ways, first, REPS)
}

fn runs_of(model: &Model, ways: Ways, first: u64, reps: u64) -> (Vec<Outcome>, [usize; 3]) {
    let plan = Plan::with_ways(model, ways);
    (
        (first..first + reps).map(|r| plan.run(r)).collect(),
        plan.ways(),
    )
}

fn mean_se(runs: &[Outcome], f: impl Fn(&Outcome) -> u64) -> (f64, f64) {
    let xs: Vec<f64> = runs.iter().map(|o| f(o) as f64).collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The two-sample chi-square p-value of two histograms (bins merged from
/// the left until each holds at least 20 of both together).
fn chi_square_p(a: &[u64], b: &[u64]) -> f64 {
    let (ta, tb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
    let (mut bins, mut acc) = (Vec::new(), (0.0, 0.0));
    for (&x, &y) in a.iter().zip(b) {
        acc = (acc.0 + x as f64, acc.1 + y as f64);
        if acc.0 + acc.1 >= 20.0 {
            bins.push(acc);
            acc = (0.0, 0.0);
        }
    }
    if let Some(last) = bins.last_mut() {
        *last = (last.0 + acc.0, last.1 + acc.1);
    }
    let stat: f64 = bins
        .iter()
        .map(|&(x, y)| (x * (tb / ta).sqrt() - y * (ta / tb).sqrt()).powi(2) / (x + y))
        .sum();
    let df = (bins.len() as f64 - 1.0).max(1.0);
    1.0 - ChiSquared::new(df).unwrap().cdf(stat)
}

/// Whether `cheap` and `reference` look like draws of one law; the first
/// difference found, if not.
fn differs(cheap: &[Outcome], reference: &[Outcome]) -> Option<String> {
    for m in [
        Metric::FacesCaptured,
        Metric::PeopleScanned,
        Metric::FalseAlerts,
        Metric::TrueAlerts,
    ] {
        let count = |o: &Outcome| o.counts[m];
        let ((a, sa), (b, sb)) = (mean_se(cheap, count), mean_se(reference, count));
        let z = (a - b) / (sa * sa + sb * sb).sqrt().max(1e-9);
        if z.abs() > 4.0 {
            return Some(format!("{m:?}: {a:.1} against {b:.1}, z = {z:.2}"));
        }
    }
    // Members with two false alerts or more: how alerts fall on members.
    let repeat = |o: &Outcome| {
        o.groups
            .iter()
            .map(|g| g[GroupMetric::RepeatFalseAlerts])
            .sum()
    };
    let ((a, sa), (b, sb)) = (mean_se(cheap, repeat), mean_se(reference, repeat));
    let z = (a - b) / (sa * sa + sb * sb).sqrt().max(1e-9);
    if z.abs() > 4.0 {
        return Some(format!(
            "people with ≥ 2 false alerts: {a:.1} against {b:.1}, z = {z:.2}"
        ));
    }
    let sum = |runs: &[Outcome], f: &dyn Fn(&Outcome) -> Vec<u64>| {
        let mut total = f(&runs[0]);
        for o in &runs[1..] {
            for (t, x) in total.iter_mut().zip(f(o)) {
                *t += x;
            }
        }
        total
    };
    let captures = |o: &Outcome| o.exposure.captures.clone();
    let sites = |o: &Outcome| o.exposure.distinct_sites.to_vec();
    // Where alerts fall: sites of different hourly shapes put them in
    // different hours.
    let hours = |o: &Outcome| o.time_of_day.false_alerts.to_vec();
    for (what, f) in [
        (
            "captures per resident",
            &captures as &dyn Fn(&Outcome) -> Vec<u64>,
        ),
        ("distinct sites", &sites),
        ("false alerts by hour", &hours),
    ] {
        let p = chi_square_p(&sum(cheap, f), &sum(reference, f));
        if p < 1e-4 {
            return Some(format!("{what}: chi-square p = {p:.2e}"));
        }
    }
    None
}

fn model(sets: &[&str]) -> Model {
    let overrides: Vec<survsim::Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    let source = survsim::ScenarioSource::bundled("default").unwrap();
    let scenario = survsim::Scenario::load(source, &overrides).unwrap();
    scenario.model
}

fn same_law(sets: &[&str]) {
    let m = model(sets);
    let (cheap, ways) = runs(&m, Ways::Cheapest, 0);
    assert!(ways[1] > 0, "{sets:?}: no block drawn by sweep: {ways:?}");
    let (reference, ways) = runs(&m, Ways::OneByOne, 1_000);
    assert_eq!(ways[1] + ways[2], 0);
    if let Some(difference) = differs(&cheap, &reference) {
        panic!("{sets:?}: sweep or bulk against one by one: {difference}");
    }
}

#[test]
fn sweeps_of_sites_of_several_shapes_are_the_one_by_one_law() {
    // The default city's six sites have three hourly shapes.
    same_law(&["simulation.duration=7d"]);
}

#[test]
fn sweeps_with_activity_spread_are_the_one_by_one_law() {
    same_law(&[
        "simulation.duration=7d",
        "population.activity_spread={ shape = 0.5 }",
    ]);
}

#[test]
fn sweeps_with_lookalikes_are_the_one_by_one_law() {
    same_law(&["simulation.duration=7d", "population.lookalike_spread=1.5"]);
}

#[test]
fn the_comparison_bites() {
    // A tenth less activity spread (shape 0.5 against 0.55), drawn one by
    // one, is told from the sweep of shape 0.5.
    let sets = [
        "simulation.duration=7d",
        "population.activity_spread={ shape = 0.5 }",
    ];
    let (cheap, _) = runs(&model(&sets), Ways::Cheapest, 0);
    let other = [sets[0], "population.activity_spread={ shape = 0.55 }"];
    let (reference, _) = runs(&model(&other), Ways::OneByOne, 1_000);
    assert!(
        differs(&cheap, &reference).is_some(),
        "a tenth more activity spread went unnoticed"
    );
}

/// A small town of regulars: 3,000 residents of one group pass five sites of
/// four hourly shapes (one on working hours only) about 700 times each over
/// 20 days, so every member shows all five sites but for a chance far below
/// 10⁻³⁰ and the cheapest way is the bulk draw (totals alone). About 500
/// false alerts a replication, one member in seven with one or more.
const REGULARS: &str = r#"
[simulation]
name = "regulars"
duration = "20d"
seed = 27

[population]
residents = 3_000

[[population.groups]]
name = "everyone"
share = 1.0
fmr_multiplier = 3.0

[[sites]]
name = "station"
footfall_per_hour = [100, 50, 50, 50, 100, 400, 1200, 2400, 2600, 1600, 900, 800,
                     900, 800, 800, 1000, 1600, 2400, 1500, 800, 500, 300, 200, 100]
capture_share = 1.0

[[sites]]
name = "station-east"
footfall_per_hour = [90, 45, 45, 45, 90, 360, 1080, 2160, 2340, 1440, 810, 720,
                     810, 720, 720, 900, 1440, 2160, 1350, 720, 450, 270, 180, 90]
capture_share = 1.0

[[sites]]
name = "high-street"
footfall_per_hour = [20, 10, 10, 10, 10, 50, 200, 600, 1200, 1800, 2000, 2200,
                     2400, 2400, 2200, 2000, 1800, 1400, 1000, 600, 300, 150, 60, 30]
capture_share = 1.0

[[sites]]
name = "square"
footfall_per_hour = 3_300
capture_share = 1.0
active = ["10:00-16:00"]

[[sites]]
name = "night-strip"
footfall_per_hour = [2400, 1800, 1200, 600, 200, 50, 20, 20, 20, 50, 100, 200,
                     300, 400, 500, 600, 800, 1000, 1400, 1800, 2200, 2400, 2600, 2600]
capture_share = 1.0

[watchlist]
size = 5_000
wanted_present = 2

[matcher]
profile = "neoface-v4-npl2023"
threshold = 0.6

[review]
operators = 2
review_time = { dist = "lognormal", median = "30s", sigma = 0.5 }
p_confirm_true = 0.95
p_confirm_false = 0.62

[intervention]
officers = 6
window = "5m"
approach_time = { dist = "exponential", mean = "1m" }
stop_duration = { dist = "uniform", min = "5m", max = "20m" }
p_arrest_correct = 0.7
p_arrest_wrongful = 0.02
"#;

fn regulars(sets: &[&str]) -> Model {
    let overrides: Vec<survsim::Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    let source = survsim::ScenarioSource::from_text("regulars.toml", REGULARS);
    survsim::Scenario::load(source, &overrides).unwrap().model
}

/// The bulk draw of [`REGULARS`] with `sets` against one by one.
fn same_law_in_bulk(sets: &[&str]) {
    let m = regulars(sets);
    let (bulk, ways) = runs_of(&m, Ways::Cheapest, 0, BULK_REPS);
    assert_eq!(ways, [0, 0, 1], "{sets:?}: the block is not drawn in bulk");
    let (reference, ways) = runs_of(&m, Ways::OneByOne, 1_000, BULK_REPS);
    assert_eq!(ways, [1, 0, 0]);
    if let Some(difference) = differs(&bulk, &reference) {
        panic!("{sets:?}: bulk against one by one: {difference}");
    }
}

#[test]
fn bulk_draws_of_regulars_are_the_one_by_one_law() {
    same_law_in_bulk(&[]);
}

#[test]
fn bulk_draws_with_lookalikes_are_the_one_by_one_law() {
    same_law_in_bulk(&["population.lookalike_spread=1.5"]);
}

#[test]
fn bulk_draws_with_activity_spread_are_the_one_by_one_law() {
    // Shape 200: the most spread at which every member still shows all
    // five sites (a negative binomial total of mean 700).
    same_law_in_bulk(&["population.activity_spread={ shape = 200 }"]);
}

#[test]
fn the_comparison_of_bulk_draws_bites() {
    // Five per cent more false matches, drawn one by one, is told from the
    // bulk draw.
    let (bulk, _) = runs_of(&regulars(&[]), Ways::Cheapest, 0, BULK_REPS);
    let other = regulars(&["population.groups[0].fmr_multiplier=3.15"]);
    let (reference, _) = runs_of(&other, Ways::OneByOne, 1_000, BULK_REPS);
    assert!(
        differs(&bulk, &reference).is_some(),
        "five per cent more false matches went unnoticed"
    );
}

#[test]
fn the_peer_benchmarks_are_drawn_by_cells() {
    // benches/peer-compare.sh times these against the SimPy peer as the
    // cells' speed: they must not fall back to one by one unnoticed.
    for name in ["peer-10m", "peer-shapes"] {
        let path = format!("{}/benches/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let source = survsim::ScenarioSource::from_text(path, text);
        let model = survsim::Scenario::load(source, &[]).unwrap().model;
        // The wanted people's own block is drawn one by one, the rest by
        // sweep.
        let wanted_only = model.blocks.iter().filter(|b| b.wanted == b.residents);
        let ways = Plan::new(&model).ways();
        assert_eq!(ways, [wanted_only.count(), 2, 0], "{name}");
    }
}
