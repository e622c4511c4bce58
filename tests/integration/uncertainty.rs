//! Issue 11: uncertain inputs are drawn for each replication, and the
//! one-run range (`pi95`) and `check`'s variance shares say what they add.
//!
//! The scenario below has one uncertain input: an operating point counted
//! as `X` false positives in `n` searches, at the scenario's own threshold
//! and watchlist, so a replication's FPIR is its posterior draw
//! λ ~ Gamma(X, n) exactly, and its false alerts are Poisson(F·λ): over
//! replications, negative binomial with mean μ₀ = F·X/n and shape X.

use crate::common;

use common::*;
use survsim::Metric;
use survsim::drive::replicate::for_each_scenario_replication;
use survsim::report::VarianceShares;

/// False positives behind the operating point.
const X: f64 = 10.0;

const TOWN: &str = r#"
    [simulation]
    duration = "24h"
    seed = 11
    [population]
    residents = 100000
    [[sites]]
    name = "a"
    footfall_per_hour = 9000
    capture_share = 1.0
    [watchlist]
    size = 10000
    wanted_present = 0
    [matcher]
    rates_per = "searched_face"
    threshold = 0.6
    impostor = { sd = 0.07 }
    genuine = { mean = 0.8, sd = 0.1 }
    operating_points = [
        { threshold = 0.6, watchlist = 10_000, fpir = 2e-4, false_positives = 10, searches = 50_000 },
    ]
"#;

/// Negative binomial (mean μ, shape k) cumulative distribution at j.
fn nb_cdf(mu: f64, k: f64, j: f64) -> f64 {
    if j < 0.0 {
        return 0.0;
    }
    let p = k / (k + mu);
    let mut term = p.powf(k);
    let mut sum = 0.0;
    for i in 0..=(j.floor() as u64) {
        if i > 0 {
            term *= (i as f64 - 1.0 + k) / i as f64 * (1.0 - p);
        }
        sum += term;
    }
    sum
}

#[test]
fn drawn_evidence_makes_one_run_negative_binomial() {
    let sc = scenario(TOWN, &[]);
    assert_eq!(sc.uncertain.len(), 1, "{:?}", sc.uncertain);
    assert!(sc.draws_parameters());
    let mu = sc.model.expected().false_alerts;
    assert!((mu - 216_000.0 * 2e-4).abs() < 1e-6 * mu, "μ₀ = {mu}");
    let reps = 400;
    let mut outcomes = Vec::new();
    for_each_scenario_replication(&sc, reps, 2, |_, o| outcomes.push(o)).unwrap();
    let report = survsim::Report::new(&sc.model, "town", &[], &outcomes);
    let stat = report.total(Metric::FalseAlerts);
    // The mean is μ₀ (the posterior's mean is the published rate), within
    // 4 SE of the negative binomial's variance μ₀ + μ₀²/X.
    let se = ((mu + mu * mu / X) / reps as f64).sqrt();
    assert_within_4se("mean false alerts", stat.mean, mu, se);
    // The range's ends are the negative binomial's 2.5 % and 97.5 %
    // quantiles, up to sampling error (as in tests/integration/intervals.rs).
    let (lo, hi) = stat.pi95.unwrap();
    let q_se = (0.025f64 * 0.975 / reps as f64).sqrt();
    for (p, q) in [(0.025, lo), (0.975, hi)] {
        let (below, at) = (nb_cdf(mu, X, q.ceil() - 1.0), nb_cdf(mu, X, q.floor()));
        assert!(
            below <= p + 4.0 * q_se && at >= p - 4.0 * q_se,
            "{p} quantile {q}: F(q − 1) = {below}, F(q) = {at}"
        );
    }
    // Far wider than Poisson's: the Poisson 97.5 % point is ≈ μ₀ + 2√μ₀.
    assert!(hi > mu + 3.0 * mu.sqrt(), "{lo}–{hi} around {mu}");
}

#[test]
fn check_shares_the_variance_as_the_closed_form() {
    let sc = scenario(TOWN, &[]);
    let mu = sc.model.expected().false_alerts;
    let shares = VarianceShares::of(&sc).unwrap().unwrap();
    // Var(μ(θ)) = μ₀²/X; Monte Carlo adds μ₀.
    let input = mu * mu / X;
    let share = input / (input + mu);
    // The estimate's relative error: the sample variance of a Gamma(X) over
    // DRAWS draws has relative SE √((2 + 6/X)/DRAWS); the share's is (1 − s)
    // times that.
    let draws = survsim::report::UNCERTAINTY_DRAWS as f64;
    let se = share * (1.0 - share) * ((2.0 + 6.0 / X) / draws).sqrt();
    assert_eq!(shares.inputs.len(), 1);
    assert_within_4se("input's share", shares.inputs[0].1, share, se);
    assert!((shares.inputs[0].1 + shares.monte_carlo - 1.0).abs() < 1e-9);
    assert!(shares.remainder.abs() < 1e-9, "one input: no interaction");
    // The table says so.
    let table = survsim::report::check_table(&sc);
    assert!(table.contains("UNCERTAIN INPUTS") && table.contains("10 false positives"));
}

#[test]
fn fixed_parameters_and_reproducibility() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", TOWN);
    let path = path.to_str().unwrap();
    let (one, v) = json_output(&["run", path, "--reps", "40", "-q", "--threads", "1"]);
    let (two, _) = json_output(&["run", path, "--reps", "40", "-q", "--threads", "2"]);
    assert_eq!(one, two, "drawn runs are byte-identical across threads");
    assert_eq!(v["scenario"]["parameters"], "drawn");
    assert_eq!(
        v["scenario"]["uncertain_inputs"][0]["key"],
        "matcher.operating_points[0]"
    );
    let (_, fixed) = json_output(&["run", path, "--reps", "40", "-q", "--fixed-parameters"]);
    assert_eq!(fixed["scenario"]["parameters"], "fixed");
    // Held at the published rate, the spread is Poisson's: narrower.
    let width = |v: &serde_json::Value| {
        let r = v["pi95"]["false_alerts"].as_array().unwrap().clone();
        r[1].as_f64().unwrap() - r[0].as_f64().unwrap()
    };
    assert!(
        width(&fixed) < width(&v),
        "{} vs {}",
        width(&fixed),
        width(&v)
    );
    // A replication run alone draws what it drew among the forty.
    let (_, alone) = json_output(&["run", path, "--rep", "7", "-q"]);
    let sc = scenario(TOWN, &[]);
    let mut seventh = None;
    for_each_scenario_replication(&sc, 8, 1, |r, o| {
        if r == 7 {
            seventh = Some(o.counts[Metric::FalseAlerts]);
        }
    })
    .unwrap();
    assert_eq!(
        alone["totals"]["false_alerts"].as_u64(),
        seventh,
        "replication 7 alone"
    );
}

#[test]
fn bad_uncertain_inputs_are_errors_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "searches = 50_000",
            "searches = 500_000",
            "matcher.operating_points[0].false_positives",
        ),
        (
            ", searches = 50_000",
            "",
            "matcher.operating_points[0].searches",
        ),
        (
            "impostor = { sd = 0.07 }",
            "impostor = { sd = { dist = \"uniform\", low = 0.08, high = 0.06 } }",
            "matcher.impostor.sd",
        ),
        (
            "impostor = { sd = 0.07 }",
            "impostor = { sd = { dist = \"normal\", mean = 0.07, sd = 0.01 } }",
            "matcher.impostor.sd",
        ),
        (
            "impostor = { sd = 0.07 }",
            "impostor = { sd = { dist = \"gamma\", low = 1, high = 2 } }",
            "matcher.impostor.sd",
        ),
    ];
    for (from, to, key) in cases {
        let text = TOWN.replace(from, to);
        assert_ne!(text, TOWN, "{from}");
        let path = scenario_file(dir.path(), "bad.toml", &text);
        let (code, err) = exit_of(&["run", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{to}: {err}");
        assert!(err.contains(key), "{to}: expected {key} in {err}");
    }
    // A group's multiplier must be a bounded distribution above 0.
    let (code, err) = exit_of(&[
        "run",
        "--set",
        "population.groups=[{ name = \"a\", share = 1.0, fmr_multiplier = { dist = \"loguniform\", low = 0, high = 100 } }]",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("population.groups[0].fmr_multiplier"), "{err}");
}

/// A group whose impostor scores sit δ higher has FMR 1 − F(T − δ): its
/// ratio to the others grows with the threshold, unlike a multiplier's, and
/// the simulation's false alerts follow the closed form.
#[test]
fn a_shifted_impostor_tail_is_a_threshold_dependent_multiplier() {
    let text = TOWN.replace(
        "residents = 100000",
        "residents = 100000\n    groups = [{ name = \"a\", share = 0.5 }, \
         { name = \"b\", share = 0.5, impostor_shift = 0.02 }]",
    );
    let sc = scenario(&text, &[]);
    let m = &sc.model;
    let (a, b) = (&m.groups[0], &m.groups[1]);
    // Closed form: FMR = Q((T − μ − δ)/σ), FPIR = 1 − (1 − FMR)^N.
    let q = |x: f64| 0.5 * statrs::function::erf::erfc(x / std::f64::consts::SQRT_2);
    let (mu, sd, t) = (
        m.matcher.impostor.mean,
        m.matcher.impostor.sd,
        m.matcher.threshold,
    );
    let fmr_b = q((t - mu - 0.02) / sd);
    assert!(
        (b.search.fmr - fmr_b).abs() < 1e-6 * fmr_b,
        "{} vs {fmr_b}",
        b.search.fmr
    );
    let fpir_b = 1.0 - (1.0 - fmr_b).powf(10_000.0);
    assert!((b.search.fpir - fpir_b).abs() < 1e-6 * fpir_b);
    // The ratio grows with the threshold.
    let ratio = |t: f64| {
        m.matcher.group_fmr_at(t, b.score_shift, 1.0)
            / m.matcher.group_fmr_at(t, a.score_shift, 1.0)
    };
    assert!(ratio(0.58) < ratio(0.6) && ratio(0.6) < ratio(0.62));
    // Simulated false alerts per group: Poisson around the closed form.
    let mut sc = sc;
    sc.parameters_fixed = true;
    let mut outcomes = Vec::new();
    for_each_scenario_replication(&sc, 10, 2, |_, o| outcomes.push(o)).unwrap();
    let expected = sc.model.expected();
    for (g, e) in expected.groups.iter().enumerate() {
        assert_poisson(
            &format!("group {g} false alerts"),
            group_total(&outcomes, g, survsim::GroupMetric::FalseAlerts),
            10.0 * e.false_alerts,
        );
    }
    // `check` shows the curve.
    let table = survsim::report::check_table(&sc);
    assert!(table.contains("FMR × REFERENCE AT"), "{table}");
}
