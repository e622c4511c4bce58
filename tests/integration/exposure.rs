//! Issue 7: exposure and equity — captures per resident, trackability,
//! lookalikes, avoidance, zones.

use crate::common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{GroupMetric, Metric};

const FLAT: &str = r#"
    [simulation]
    duration = "24h"
    seed = 21
    [population]
    residents = 200000
    [[sites]]
    name = "a"
    footfall_per_hour = 10000
    [[sites]]
    name = "b"
    footfall_per_hour = 6000
    [[sites]]
    name = "c"
    footfall_per_hour = 4000
    [watchlist]
    size = 20000
    wanted_present = 100
    [matcher]
    threshold = 0.57
"#;

#[test]
fn captures_per_resident_are_poisson_without_zones() {
    // 480,000 faces over 200,000 alike residents: each resident's captures
    // are Poisson(2.4); so is each site's share, independently.
    let sc = scenario(FLAT, &[]);
    let reps = 4;
    let outcomes = run_replications(&sc.model, reps, 2);
    let lambda: f64 = 480_000.0 / 200_000.0;
    let n = reps as f64 * 200_000.0;
    let mut pooled = survsim::metrics::Exposure::default();
    for o in &outcomes {
        pooled.add(&o.exposure);
    }
    let mut pk = (-lambda).exp();
    for k in 0..8usize {
        let observed = pooled.captures[k] as f64;
        assert_within_4se(
            &format!("residents captured {k} times"),
            observed,
            n * pk,
            (n * pk * (1.0 - pk)).sqrt(),
        );
        pk *= lambda / (k + 1) as f64;
    }
    // Distinct sites: site j captures a resident with probability
    // 1 − e^(−λ_j), independently across sites.
    let lj = [1.2f64, 0.72, 0.48].map(|l| 1.0 - (-l).exp());
    let all3 = lj.iter().product::<f64>();
    let observed = (pooled.distinct_sites[3] + pooled.distinct_sites[4]) as f64;
    assert_within_4se(
        "trackable",
        observed,
        n * all3,
        (n * all3 * (1.0 - all3)).sqrt(),
    );
    assert_eq!(pooled.distinct_sites[4], 0, "three sites cannot make four");
    // The library's closed form is the same product.
    let expected = sc.model.expected().trackable;
    assert!(
        (expected - 200_000.0 * all3).abs() < 1e-6 * expected,
        "expected trackable {expected} vs {}",
        200_000.0 * all3
    );
}

/// `FLAT` at 384,000 faces a day (1.92 per resident, the issue's example),
/// with each resident's activity Gamma of mean 1 and shape 0.5.
const SPREAD: &str = r#"
    [simulation]
    duration = "24h"
    seed = 23
    [population]
    residents = 200000
    activity_spread = { shape = 0.5 }
    [[sites]]
    name = "a"
    footfall_per_hour = 8000
    [[sites]]
    name = "b"
    footfall_per_hour = 4800
    [[sites]]
    name = "c"
    footfall_per_hour = 3200
    [watchlist]
    size = 20000
    wanted_present = 400
    [matcher]
    threshold = 0.57
"#;

/// E[e^(−a c)] for a Gamma of mean 1 and shape k: (1 + c/k)^(−k).
fn gamma_laplace(k: f64, c: f64) -> f64 {
    (1.0 + c / k).powf(-k)
}

#[test]
fn activity_spread_makes_captures_negative_binomial() {
    let k: f64 = 0.5;
    let lambda: f64 = 384_000.0 / 200_000.0;
    let sc = scenario(SPREAD, &[]);
    let reps = 4;
    let outcomes = run_replications(&sc.model, reps, 2);
    let n = reps as f64 * 200_000.0;
    let mut pooled = survsim::metrics::Exposure::default();
    for o in &outcomes {
        pooled.add(&o.exposure);
    }
    // Captures per resident: negative binomial of mean λ and shape k,
    // P(0) = (k / (k + λ))^k, P(j + 1) = P(j) (j + k) / (j + 1) · λ / (k + λ).
    let mut pj = (k / (k + lambda)).powf(k);
    for j in 0..10usize {
        assert_within_4se(
            &format!("residents captured {j} times"),
            pooled.captures[j] as f64,
            n * pj,
            (n * pj * (1.0 - pj)).sqrt(),
        );
        pj *= (j as f64 + k) / (j as f64 + 1.0) * lambda / (k + lambda);
    }
    // Scanned at least once: 1 − (1 + λ/k)^(−k) = 54.5 %, not the 85.3 % of
    // everyone alike.
    let scanned = 1.0 - gamma_laplace(k, lambda);
    assert!((scanned - 0.5455).abs() < 1e-4, "{scanned}");
    let expected = sc.model.expected();
    assert!((expected.people_scanned / 200_000.0 - scanned).abs() < 1e-9);
    assert_within_4se(
        "people scanned",
        total(&outcomes, Metric::PeopleScanned),
        n * scanned,
        (n * scanned * (1.0 - scanned)).sqrt(),
    );
    // Trackable (all three sites): by inclusion–exclusion over the sites not
    // seen, each term a Laplace transform — an independent check of the
    // library's quadrature.
    let l = [0.96f64, 0.576, 0.384];
    let all3 = 1.0 - l.iter().map(|&x| gamma_laplace(k, x)).sum::<f64>()
        + gamma_laplace(k, l[0] + l[1])
        + gamma_laplace(k, l[0] + l[2])
        + gamma_laplace(k, l[1] + l[2])
        - gamma_laplace(k, lambda);
    assert!(
        (expected.trackable / 200_000.0 - all3).abs() < 1e-7,
        "quadrature {} vs closed form {all3}",
        expected.trackable / 200_000.0
    );
    let observed = (pooled.distinct_sites[3] + pooled.distinct_sites[4]) as f64;
    assert_within_4se(
        "trackable",
        observed,
        n * all3,
        (n * all3 * (1.0 - all3)).sqrt(),
    );
    // Wanted people with a true alert: 1 − E[e^(−a λ TPIR)] each, exact
    // with arrests too (the first true alert comes before any arrest).
    let wanted = reps as f64 * 400.0;
    let p = expected.wanted_alerted / 400.0;
    let tpir = sc.model.groups[0].averaged.tpir;
    assert!((p - (1.0 - gamma_laplace(k, lambda * tpir))).abs() < 1e-9);
    assert_within_4se(
        "wanted people alerted",
        total(&outcomes, Metric::WantedAlerted),
        wanted * p,
        (wanted * p * (1.0 - p)).sqrt(),
    );
    // False alerts in total are unchanged by spread (activity has mean 1);
    // people with two or more are not: negative binomial too.
    assert_poisson(
        "false alerts",
        total(&outcomes, Metric::FalseAlerts),
        reps as f64 * expected.false_alerts,
    );
    let repeat = expected.groups[0].repeat_false_alert_people;
    assert_poisson(
        "people with ≥ 2 false alerts",
        outcomes
            .iter()
            .map(|o| o.groups[0][GroupMetric::RepeatFalseAlerts] as f64)
            .sum(),
        reps as f64 * repeat,
    );
}

#[test]
fn activity_spread_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    for (set, needle) in [
        (
            "population.activity_spread.shape=0",
            "population.activity_spread.shape",
        ),
        ("population.activity_spread.shape=-1", "Gamma shape"),
        ("population.activity_spread.spread=1", "unknown key"),
    ] {
        let path = scenario_file(dir.path(), "spread.toml", SPREAD);
        let (code, err) = exit_of(&["run", path.to_str().unwrap(), "--set", set]);
        assert_eq!(code, 2, "{set}: {err}");
        assert!(err.contains(needle), "{set}: {err}");
    }
    let batch = SPREAD.replace("seed = 23", "seed = 23\n    mode = \"batch\"");
    let path = scenario_file(dir.path(), "batch.toml", &batch);
    let (code, err) = exit_of(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("activity_spread") && err.contains("batch"),
        "{err}"
    );
}

#[test]
fn lookalikes_concentrate_false_alerts_without_changing_their_total() {
    let alike = scenario(FLAT, &[]);
    let spread = scenario(FLAT, &["population.lookalike_spread=1.5"]);
    let reps = 6;
    let e = spread.model.expected();
    let a = run_replications(&alike.model, reps, 2);
    let b = run_replications(&spread.model, reps, 2);
    let r = reps as f64;
    // Total false alerts stay at the closed form (the multiplier has mean 1;
    // FPIR is tiny, so the expectation is linear in it).
    assert_poisson(
        "false alerts with lookalikes",
        total(&b, Metric::FalseAlerts),
        r * e.false_alerts,
    );
    assert_poisson(
        "false alerts without",
        total(&a, Metric::FalseAlerts),
        r * e.false_alerts,
    );
    // Repeat false alerts: without lookalikes they match the independent
    // expectation; with them, they are far more common.
    let repeats = |o: &[survsim::metrics::Outcome]| -> f64 {
        o.iter()
            .flat_map(|o| o.groups.iter())
            .map(|g| g[GroupMetric::RepeatFalseAlerts] as f64)
            .sum()
    };
    let independent: f64 = r * e
        .groups
        .iter()
        .map(|g| g.repeat_false_alert_people)
        .sum::<f64>();
    assert!(
        independent > 5.0,
        "the case must produce repeats: {independent}"
    );
    assert_within_4se(
        "repeats, alike",
        repeats(&a),
        independent,
        independent.sqrt(),
    );
    assert!(
        repeats(&b) > 2.0 * independent,
        "lookalikes: {} repeats vs {independent} if alike",
        repeats(&b)
    );
}

#[test]
fn full_avoidance_removes_a_group_from_covered_sites() {
    let text = FLAT.replace(
        "residents = 200000",
        "residents = 200000\n[[population.groups]]\nname = \"stay-away\"\nshare = 0.3\navoidance = 1.0\n\
         [[population.groups]]\nname = \"others\"\nshare = 0.7",
    );
    let sc = scenario(&text, &["watchlist.group_mix={ others = 1.0 }"]);
    let e = sc.model.expected();
    assert!(e.groups[0].avoided_visits > 100_000.0);
    for o in run_replications(&sc.model, 2, 2) {
        assert_eq!(o.groups[0][GroupMetric::FacesCaptured], 0);
        assert_eq!(o.groups[0][GroupMetric::PeopleScanned], 0);
        assert!(o.groups[1][GroupMetric::FacesCaptured] > 0);
    }
    // Half avoidance halves the group's expected share of the footfall.
    let half = scenario(
        &text.replace("avoidance = 1.0", "avoidance = 0.5"),
        &["watchlist.group_mix={ others = 1.0 }"],
    );
    let h = half.model.expected();
    let share =
        h.groups[0].faces_captured / (h.groups[0].faces_captured + h.groups[0].avoided_visits);
    assert!((share - 0.5).abs() < 1e-3, "{share}");
}

#[test]
fn zones_keep_footfall_and_concentrate_exposure_on_locals() {
    let text = r#"
        [simulation]
        seed = 4
        [population]
        residents = 100000
        [[zones]]
        name = "a"
        share = 0.5
        [[zones]]
        name = "b"
        share = 0.5
        [mobility]
        home_bias = 9.0
        [[sites]]
        name = "a1"
        zone = "a"
        footfall_per_hour = 3000
        [[sites]]
        name = "a2"
        zone = "a"
        footfall_per_hour = 3000
        [[sites]]
        name = "a3"
        zone = "a"
        footfall_per_hour = 3000
        [watchlist]
        size = 10000
        wanted_present = 50
        [matcher]
        threshold = 0.56
    "#;
    let sc = scenario(text, &[]);
    let outcomes = run_replications(&sc.model, 3, 2);
    let e = sc.model.expected();
    let r = 3.0;
    assert_poisson(
        "faces with zones",
        total(&outcomes, Metric::FacesCaptured),
        r * e.faces_captured,
    );
    assert_poisson(
        "false alerts with zones",
        total(&outcomes, Metric::FalseAlerts),
        r * e.false_alerts,
    );
    // Zone a's residents are 9× as likely per head to pass: 90 % of faces.
    let locals: u64 = outcomes
        .iter()
        .map(|o| o.exposure.distinct_sites[3] + o.exposure.distinct_sites[4])
        .sum();
    assert!(locals > 0);
    let people = &sc.model.blocks;
    assert_eq!(people.len(), 2);
}

#[test]
fn cross_product_groups_multiply_and_report_equity() {
    let (_, v) = json_output(&["run", "london-borough-day", "--reps", "3", "-q"]);
    let groups = v["equity"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 8);
    assert_eq!(v["equity"]["reference_group"], "25+/white");
    let black = groups.iter().find(|g| g["name"] == "25+/black").unwrap();
    let ratio = black["disparity_vs_reference"]["false_alerts_per_100k_captures"]["ratio"]
        .as_f64()
        .unwrap();
    assert!(ratio > 3.0, "10× FMR shows as a disparity: {ratio}");
    let young = groups.iter().find(|g| g["name"] == "16-24/black").unwrap();
    assert!(young["avoided_visits"].as_f64().unwrap() > 0.0);
    assert!(
        young["face_share"].as_f64().unwrap()
            < young["face_share_without_avoidance"].as_f64().unwrap()
    );
    for key in [
        "share_scanned",
        "trackable_share",
        "people_with_2_false_alerts",
    ] {
        assert!(v["exposure"][key].is_number(), "exposure.{key}");
    }
}

#[test]
#[ignore = "memory: 10 million residents; run with --ignored (see README, Speed)"]
fn ten_million_residents_fit() {
    let sc = scenario(
        "[population]\nresidents = 10000000\n[[sites]]\nname = \"s\"\nfootfall_per_hour = 100000\n[watchlist]\nsize = 10000\n",
        &[],
    );
    let o = run_replications(&sc.model, 1, 1);
    assert!(o[0].counts[Metric::FacesCaptured] > 0);
}

/// Each group's share of false alerts, wrongful stops and false arrests:
/// shares of a count add up to one over the groups, the pooled share lies
/// in its interval of the mean, and one run's range (from 40 replications)
/// is wider than the mean's and holds it.
#[test]
fn equity_shares_come_with_both_intervals() {
    let (_, v) = json_output(&["run", "london-borough-day", "--reps", "40"]);
    let groups = v["equity"]["groups"].as_array().unwrap();
    for key in ["false_alerts", "wrongful_stops"] {
        let shares: Vec<&serde_json::Value> = groups.iter().map(|g| &g["shares"][key]).collect();
        let sum: f64 = shares.iter().map(|s| s["share"].as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{key}: shares add up to {sum}");
        for s in shares {
            let share = s["share"].as_f64().unwrap();
            let ci: Vec<f64> = s["ci95"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let pi: Vec<f64> = s["pi95"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            assert!(ci[0] <= share && share <= ci[1], "{key}: {s}");
            assert!(
                pi[0] <= ci[0] && ci[1] <= pi[1],
                "{key}: one run's range holds the mean's: {s}"
            );
        }
    }
    // Under 40 replications there is no one-run range.
    let (_, v) = json_output(&["run", "london-borough-day", "--reps", "5"]);
    assert!(v["equity"]["groups"][0]["shares"]["false_alerts"]["pi95"].is_null());
}
