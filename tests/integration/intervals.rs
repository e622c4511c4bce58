//! Intervals are honest: ratio intervals surround the pooled ratio and cover
//! the closed form, count intervals never go below zero, and disparities do
//! not collapse to a point when a count is zero.
//!
//! Closed forms come from the model ([`survsim::model::Model::expected`]):
//! the expected ratio of two pooled totals is the ratio of their
//! expectations per replication. Seeds are the scenarios' own, so every run
//! is reproducible; tolerances are stated with each assertion.

use crate::common;

use common::*;
use serde_json::Value;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{Metric, Outcome};
use survsim::report::RatioIntervals;
use survsim::scenario::{DEFAULT_SCENARIO, Scenario, ScenarioSource};

fn pair(v: &Value) -> (f64, f64) {
    let a = v
        .as_array()
        .unwrap_or_else(|| panic!("not an interval: {v}"));
    (a[0].as_f64().unwrap(), a[1].as_f64().unwrap())
}

/// (a) Faces per true alert over 200 replications of the default scenario:
/// the interval contains the pooled estimate and the closed form
/// E[faces] / E[true alerts]. Tolerance: the closed form must lie within 1.5×
/// the interval's half-width on the log scale (≈ 2.9 standard errors), and
/// the interval must be informative (half-width below 25 % on that scale).
#[test]
fn faces_per_true_alert_interval_contains_the_estimate_and_the_closed_form() {
    // Arrests take people off the watchlist, which the closed form of true
    // alerts leaves out (it is then an upper bound): compare without them.
    let (_, v) = json_output(&[
        "run",
        "--reps",
        "200",
        "-q",
        "--set",
        "intervention.p_arrest_correct=0",
    ]);
    assert_eq!(v["expected"]["true_alerts_is_upper_bound"], false);
    let r = v["ratios"]["faces_per_true_alert"].as_f64().unwrap();
    let (lo, hi) = pair(&v["ratios_ci95"]["faces_per_true_alert"]);
    let closed = v["expected"]["faces_captured"].as_f64().unwrap()
        / v["expected"]["true_alerts"].as_f64().unwrap();
    eprintln!("faces per true alert {r:.0} [{lo:.0}, {hi:.0}], closed form {closed:.0}");
    assert!(lo < r && r < hi, "estimate {r} outside [{lo}, {hi}]");
    let half = 0.5 * (hi / lo).ln();
    assert!(half < 0.25, "interval [{lo}, {hi}] is uninformative");
    let centre = (lo * hi).sqrt();
    assert!(
        (closed / centre).ln().abs() <= 1.5 * half,
        "closed form {closed} far outside [{lo}, {hi}]"
    );
    // Every ratio interval surrounds its ratio; proportions stay in [0, 1].
    for key in [
        "faces_per_true_alert",
        "alert_precision",
        "false_alerts_per_1000_faces",
        "wrongful_stop_share",
    ] {
        let r = v["ratios"][key].as_f64().unwrap();
        let (lo, hi) = pair(&v["ratios_ci95"][key]);
        assert!(0.0 <= lo && lo <= r && r <= hi, "{key}: {r} [{lo}, {hi}]");
    }
    for key in ["alert_precision", "wrongful_stop_share"] {
        assert!(pair(&v["ratios_ci95"][key]).1 <= 1.0, "{key}");
    }
}

/// (b) Three replications of a borough: no count interval goes below zero,
/// and each contains its mean; rare counts (true alerts here) get an
/// interval that is not the t interval's negative one.
#[test]
fn count_intervals_of_few_replications_stay_non_negative() {
    let (_, v) = json_output(&["run", "london-borough-day", "--reps", "3", "-q"]);
    let ci = v["ci95"].as_object().unwrap();
    assert!(!ci.is_empty());
    for (key, interval) in ci {
        let (lo, hi) = pair(interval);
        let mean = v["totals"][key].as_f64().unwrap();
        assert!(lo >= 0.0, "ci95.{key} = [{lo}, {hi}] goes below zero");
        assert!(
            lo <= mean && mean <= hi,
            "ci95.{key} = [{lo}, {hi}] misses {mean}"
        );
    }
    let (lo, hi) = pair(&v["ci95"]["true_alerts"]);
    assert!(lo < hi, "true alerts: a degenerate interval");
    for (key, interval) in v["ratios_ci95"].as_object().unwrap() {
        if !interval.is_null() {
            let (lo, hi) = pair(interval);
            assert!(lo >= 0.0 && lo <= hi, "ratios_ci95.{key} = [{lo}, {hi}]");
        }
    }
    for g in v["equity"]["groups"].as_array().unwrap() {
        for (key, d) in g["disparity_vs_reference"].as_object().unwrap() {
            if let Some(lo) = d["ci95"][0].as_f64() {
                assert!(lo >= 0.0, "{}: {key} = {d}", g["name"]);
            }
        }
    }
}

/// (c) A group whose false-match rate is a millionth of the others' has no
/// false alert and no wrongful stop: its disparities are 0, with an interval
/// [0, high] where high > 0, not [0, 0]. The reference group stays exactly 1.
#[test]
fn disparity_with_a_zero_count_is_not_degenerate() {
    let (_, v) = json_output(&[
        "run",
        "--reps",
        "5",
        "-q",
        "--set",
        "population.groups[1].fmr_multiplier=0.000001",
    ]);
    let groups = v["equity"]["groups"].as_array().unwrap();
    let b = groups.iter().find(|g| g["name"] == "group-b").unwrap();
    for key in [
        "false_alerts_per_100k_captures",
        "wrongful_stops_per_100k_residents",
    ] {
        let d = &b["disparity_vs_reference"][key];
        assert_eq!(d["ratio"].as_f64(), Some(0.0), "{key}: {d}");
        let (lo, hi) = pair(&d["ci95"]);
        assert!(lo == 0.0 && hi > 0.0 && hi.is_finite(), "{key}: {d}");
    }
    let a = groups.iter().find(|g| g["name"] == "group-a").unwrap();
    let d = &a["disparity_vs_reference"]["false_alerts_per_100k_captures"];
    assert_eq!(pair(&d["ci95"]), (1.0, 1.0), "the reference group: {d}");
}

/// Coverage: 40 independent experiments of 5 replications each (one run of
/// 200 replications cut into consecutive blocks; the default scenario with
/// 100 wanted people present, so true alerts are not too rare). Each
/// experiment's 95 % intervals for faces per true alert, alert precision and
/// false alerts per 1,000 faces should cover the closed form about 95 % of
/// the time. Tolerance: at least 34 of 40 (85 %; the binomial standard
/// deviation at 95 % is 3.4 %, so this is 3 below), and at most all 40.
#[test]
fn ratio_intervals_cover_the_closed_form() {
    let sc = Scenario::load(
        ScenarioSource::from_text("default", DEFAULT_SCENARIO),
        // Without arrests: the closed form of true alerts holds exactly
        // only when no warrant is executed (custody removes true alerts).
        &[
            "watchlist.wanted_present=100".parse().unwrap(),
            "intervention.p_arrest_correct=0".parse().unwrap(),
        ],
    )
    .unwrap();
    let model = &sc.model;
    let e = model.expected();
    let closed = [
        e.faces_captured / e.true_alerts,
        e.true_alerts / (e.true_alerts + e.false_alerts),
        1000.0 * e.false_alerts / e.faces_captured,
    ];
    let (k, n) = (40usize, 5usize);
    let outcomes: Vec<Outcome> = run_replications(model, (k * n) as u64, 2);
    let mut covered = [0usize; 3];
    for block in outcomes.chunks(n) {
        let iv = RatioIntervals::new(block);
        let got = [
            iv.faces_per_true_alert,
            iv.alert_precision,
            iv.false_alerts_per_1000_faces,
        ];
        for ((c, g), x) in covered.iter_mut().zip(got).zip(closed) {
            let (lo, hi) = g.expect("an interval from 5 replications");
            if lo <= x && x <= hi {
                *c += 1;
            }
        }
    }
    eprintln!(
        "covered of {k}: faces per true alert {}, precision {}, false alerts per 1,000 {}",
        covered[0], covered[1], covered[2]
    );
    for (name, c) in [
        "faces per true alert",
        "alert precision",
        "false alerts per 1,000",
    ]
    .iter()
    .zip(covered)
    {
        assert!(
            c >= 34,
            "{name}: the closed form covered in only {c} of {k}"
        );
    }
    // The pooled totals agree with the closed forms too (Poisson, 4 SE).
    assert_poisson(
        "true alerts",
        total(&outcomes, Metric::TrueAlerts),
        (k * n) as f64 * e.true_alerts,
    );
}

/// Poisson(μ) cumulative distribution at k.
fn poisson_cdf(mu: f64, k: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    let (mut term, mut sum) = ((-mu).exp(), 0.0);
    for j in 0..=(k.floor() as u64) {
        if j > 0 {
            term *= mu / j as f64;
        }
        sum += term;
    }
    sum
}

/// The one-run range (`pi95`) is the range of a single replication, not of
/// the mean. In the default scenario each replication's false alerts are
/// Poisson with the closed-form mean, so the range's ends are that Poisson's
/// 2.5 % and 97.5 % quantiles, up to sampling error: with n = 400
/// replications an empirical p-quantile q̂ satisfies F(q̂ − 1) ≤ p + 4·SE and
/// F(q̂) ≥ p − 4·SE, SE = √(p(1 − p)/n) ≈ 0.0078.
#[test]
fn one_run_range_is_the_spread_of_single_replications() {
    let sc = scenario(DEFAULT_SCENARIO, &[]);
    let outcomes = run_replications(&sc.model, 400, 2);
    let report = survsim::Report::new(&sc.model, "default", &[], &outcomes);
    let mu = report.expected.false_alerts;
    let stat = report.total(Metric::FalseAlerts);
    let (lo, hi) = stat.pi95.expect("400 replications give a range");
    let se = (0.025f64 * 0.975 / 400.0).sqrt();
    for (p, q) in [(0.025, lo), (0.975, hi)] {
        let (below, at) = (poisson_cdf(mu, q.ceil() - 1.0), poisson_cdf(mu, q.floor()));
        assert!(
            below <= p + 4.0 * se && at >= p - 4.0 * se,
            "{p} quantile {q}: F(q − 1) = {below}, F(q) = {at}"
        );
    }
    // Far wider than the interval of the mean (√400 = 20 times, roughly).
    assert!((hi - lo) > 10.0 * (stat.hi - stat.lo), "{stat:?}");
    // Without a true alert in some replications, faces per true alert is
    // unbounded above in one run.
    let none = outcomes
        .iter()
        .filter(|o| o.counts[Metric::TrueAlerts] == 0)
        .count();
    assert!(none > 20, "{none} replications without a true alert");
    let (lo, hi) = report.ratios_pi95.faces_per_true_alert.unwrap();
    assert!(lo.is_finite() && hi == f64::INFINITY);
}

/// `pi95` appears from 40 replications, for every total and ratio, and a
/// replication without a true alert makes the faces-per-true-alert range
/// open above (`null`).
#[test]
fn pi95_needs_forty_replications() {
    let (_, v) = json_output(&["run", "--reps", "39", "-q"]);
    assert!(v.get("pi95").is_none() && v.get("ratios_pi95").is_none());
    let (_, v) = json_output(&["run", "--reps", "40", "-q"]);
    let totals = v["totals"].as_object().unwrap();
    let pi95 = v["pi95"].as_object().unwrap();
    assert_eq!(
        totals.keys().collect::<Vec<_>>(),
        pi95.keys().collect::<Vec<_>>()
    );
    for (key, range) in pi95 {
        let (lo, hi) = pair(range);
        assert!(lo <= hi, "{key}: {range}");
    }
    let ratios = &v["ratios_pi95"];
    assert!(ratios["faces_per_true_alert"][1].is_null(), "{ratios}");
    let (lo, hi) = pair(&ratios["alert_precision"]);
    assert!((0.0..=1.0).contains(&lo) && lo <= hi && hi <= 1.0);
}
