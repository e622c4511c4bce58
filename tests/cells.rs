//! Issue 27: the residents engine's cheaper ways of drawing a block — by
//! sweep (cells moved class of sites by class, with activity spread as a
//! Gamma mixture and lookalikes) — are the same law as drawing every member
//! one by one ([`Ways::OneByOne`], the reference).
//!
//! Each case runs the same model both ways over independent replications
//! and compares their counts within 4 standard errors, and the
//! captures-per-resident and distinct-sites histograms by a two-sample
//! chi-square at p < 10⁻⁴. The test bites: the one-by-one runs of a model
//! with a tenth less activity spread fail the same comparison.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use survsim::Metric;
use survsim::engine::residents::{Plan, Ways};
use survsim::metrics::Outcome;
use survsim::model::Model;

const REPS: u64 = 60;

fn runs(model: &Model, ways: Ways, first: u64) -> (Vec<Outcome>, [usize; 3]) {
    let plan = Plan::with_ways(model, ways);
    (
        (first..first + REPS).map(|r| plan.run(r)).collect(),
        plan.ways(),
    )
}

fn mean_se(runs: &[Outcome], m: Metric) -> (f64, f64) {
    let xs: Vec<f64> = runs.iter().map(|o| o.counts[m] as f64).collect();
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
        let ((a, sa), (b, sb)) = (mean_se(cheap, m), mean_se(reference, m));
        let z = (a - b) / (sa * sa + sb * sb).sqrt().max(1e-9);
        if z.abs() > 4.0 {
            return Some(format!("{m:?}: {a:.1} against {b:.1}, z = {z:.2}"));
        }
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
    for (what, f) in [
        (
            "captures per resident",
            &captures as &dyn Fn(&Outcome) -> Vec<u64>,
        ),
        ("distinct sites", &sites),
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
    assert!(
        ways[1] + ways[2] > 0,
        "{sets:?}: no block drawn by sweep or bulk: {ways:?}"
    );
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
