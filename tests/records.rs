//! Scenarios written the way deployment records are (issue 17): faces
//! scanned given as an input, wanted people as a prevalence, detection per
//! pass of a wanted person, and warnings where the matcher is extrapolated.
//!
//! Statistical checks compare with the closed forms over fixed seeds,
//! within 4 standard errors.

mod common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{Metric, Outcome};

/// A town of two groups, one of which partly avoids the cameras, with a
/// site given by the faces it scanned over a 30-hour run (shaped by an
/// hourly profile, cameras running in working hours) under NeoFace's
/// walk-past rates.
const FACES_TOWN: &str = town!(
    duration = "30h",
    seed = 17,
    residents = 50000,
    r#"
[[population.groups]]
name = "a"
share = 0.7
[[population.groups]]
name = "b"
share = 0.3
avoidance = 0.2
[[sites]]
name = "van"
faces = 40000
hourly_profile = [0, 0, 0, 0, 0, 0, 0, 1, 3, 2, 2, 2, 2, 2, 2, 2, 3, 3, 1, 0, 0, 0, 0, 0]
capture_share = 0.5
active = ["07:00-19:00"]
[watchlist]
size = 5000
wanted_present = 20
"#
);

#[test]
fn a_site_given_as_faces_captures_that_many() {
    let sc = scenario(FACES_TOWN, &[]);
    let expected = sc.model.expected();
    // Exactly the faces given, whatever avoidance, walk-past draws of wanted
    // people, the run's length and the active hours.
    assert!(
        (expected.faces_captured / 40_000.0 - 1.0).abs() < 1e-12,
        "{}",
        expected.faces_captured
    );
    let reps = 20;
    let outcomes = run_replications(&sc.model, reps, 2);
    assert_poisson(
        "faces of a site given as faces",
        total(&outcomes, Metric::FacesCaptured),
        reps as f64 * 40_000.0,
    );
    // The hourly profile shapes them: nothing before 07:00, 3× the 07:00
    // hour's rate at 08:00.
    let rate = |hour: usize| -> f64 {
        let segments = &sc.model.sites[0].segments_in_hour[hour];
        segments.iter().map(|s| s.captures_per_s).sum()
    };
    assert_eq!(rate(6), 0.0);
    assert!((rate(8) / rate(7) - 3.0).abs() < 1e-12);
    // `check` shows the same expectation.
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", FACES_TOWN);
    let (_, v) = json_output(&["check", path.to_str().unwrap()]);
    let faces = v["expected"]["faces_captured"].as_f64().unwrap();
    assert!((faces - 40_000.0).abs() < 1e-6, "{faces}");
}

#[test]
fn prevalence_is_rounded_to_whole_people_and_apportioned_as_wanted_present() {
    // 0.000413 wanted per resident × 50,000 residents = 20.65 → 21 people,
    // then split over the groups exactly as wanted_present = 21 would be.
    let prevalence = FACES_TOWN.replace("wanted_present = 20", "wanted_prevalence = 0.000413");
    let present = FACES_TOWN.replace("wanted_present = 20", "wanted_present = 21");
    let by_rate = scenario(&prevalence, &[]).model;
    assert_eq!(by_rate.wanted, 21);
    assert_eq!(by_rate, scenario(&present, &[]).model);
    // Halves round away from zero: 8 residents × 1/16 = 0.5 → 1.
    let tiny = town!(
        duration = "1h",
        seed = 1,
        residents = 8,
        "\n[[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n[watchlist]\nsize = 10\nwanted_prevalence = 0.0625\n"
    );
    assert_eq!(scenario(tiny, &[]).model.wanted, 1);
    // From the command line, too.
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", &prevalence);
    let (_, v) = json_output(&["check", path.to_str().unwrap()]);
    let wanted: Vec<u64> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["wanted"].as_u64().unwrap())
        .collect();
    // 70 % and 30 % of 21, by largest remainder.
    assert_eq!(wanted, [15, 6]);
}

/// The pooled ratio ΣA / ΣC over replications and its delta-method
/// standard error, from the spread of A_r − R·C_r between replications.
fn pooled_ratio(outcomes: &[Outcome], num: Metric, den: Metric) -> (f64, f64) {
    let n = outcomes.len() as f64;
    let (a, c) = (total(outcomes, num), total(outcomes, den));
    let r = a / c;
    let residuals: f64 = outcomes
        .iter()
        .map(|o| (o.counts[num] as f64 - r * o.counts[den] as f64).powi(2))
        .sum();
    let se = (residuals / (n - 1.0) / n).sqrt() / (c / n);
    (r, se)
}

#[test]
fn detection_per_pass_matches_the_tpir_averaged_over_wanted_faces() {
    // No arrests: every wanted face is searched while wanted. Two groups of
    // different TPIR, lookalikes (a person's TPIR depends on their draw)
    // and walk-past rates at half capture.
    let text = FACES_TOWN
        .replace("avoidance = 0.2", "avoidance = 0.2\nfnmr_multiplier = 3.0")
        .replace("wanted_present = 20", "wanted_present = 200")
        + "[intervention]\nofficers = 0\n";
    let sc = scenario(&text, &["population.lookalike_spread=1.5"]);
    let e = sc.model.expected();
    assert!(!e.true_alerts_is_upper_bound && e.detection_per_pass_is_exact);
    let reps = 100;
    let outcomes = run_replications(&sc.model, reps, 2);
    let r = reps as f64;
    assert_poisson(
        "wanted faces captured",
        total(&outcomes, Metric::WantedFacesCaptured),
        r * e.wanted_faces_captured,
    );
    let (rate, se) = pooled_ratio(
        &outcomes,
        Metric::WantedFacesAlerted,
        Metric::WantedFacesCaptured,
    );
    let closed = e.true_alerts / e.wanted_faces_captured;
    assert_within_4se("detection per pass", rate, closed, se);
    // The groups' TPIRs differ enough for the average to be a real test.
    let tpir: Vec<f64> = sc.model.groups.iter().map(|g| g.search.tpir).collect();
    assert!(tpir[0] - tpir[1] > 0.15, "{tpir:?}");
    for o in &outcomes {
        assert_eq!(
            o.counts[Metric::WantedFacesAlerted],
            o.counts[Metric::TrueAlerts]
        );
    }
}

/// A town whose wanted people pass the cameras many times an hour and are
/// arrested on most true alerts: one group, so one TPIR.
const ARREST_TOWN: &str = town!(
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
threshold = 0.62
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

#[test]
fn detection_per_pass_stays_exact_with_arrests_when_everyone_has_one_tpir() {
    // Arrests cut off a person's later passes (custody, then no longer
    // wanted), but whether a pass is searched as wanted depends only on
    // earlier ones, so each counted pass still alerts with the TPIR.
    let sc = scenario(ARREST_TOWN, &[]);
    let e = sc.model.expected();
    assert!(e.true_alerts_is_upper_bound && e.detection_per_pass_is_exact);
    let reps = 200;
    let outcomes = run_replications(&sc.model, reps, 2);
    let captured = total(&outcomes, Metric::WantedFacesCaptured) / reps as f64;
    assert!(
        captured < 0.8 * e.wanted_faces_captured,
        "arrests should remove many passes: {captured} of ≤ {}",
        e.wanted_faces_captured
    );
    let (rate, se) = pooled_ratio(
        &outcomes,
        Metric::WantedFacesAlerted,
        Metric::WantedFacesCaptured,
    );
    let tpir = sc.model.groups[0].search.tpir;
    assert!((e.true_alerts / e.wanted_faces_captured - tpir).abs() < 1e-12);
    assert_within_4se("detection per pass with arrests", rate, tpir, se);
    // With TPIRs that differ between groups, the table says "≈".
    assert!(
        !survsim::scenario::Scenario::load(
            survsim::scenario::ScenarioSource::builtin_default(),
            &[]
        )
        .unwrap()
        .model
        .expected()
        .detection_per_pass_is_exact
    );
}

#[test]
fn detection_per_pass_is_in_the_table_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", ARREST_TOWN);
    let path = path.to_str().unwrap();
    let (_, v) = json_output(&["run", path, "--reps", "3", "-q"]);
    let totals = &v["totals"];
    assert_eq!(totals["wanted_faces_alerted"], totals["true_alerts"]);
    let (alerted, captured) = (
        totals["wanted_faces_alerted"].as_f64().unwrap(),
        totals["wanted_faces_captured"].as_f64().unwrap(),
    );
    let ratio = v["ratios"]["detection_per_pass"].as_f64().unwrap();
    assert!((ratio - alerted / captured).abs() < 1e-12);
    let [lo, hi] = [0, 1].map(|i| v["ratios_ci95"]["detection_per_pass"][i].as_f64().unwrap());
    assert!(lo <= ratio && ratio <= hi && hi <= 1.0);
    assert!(v["ci95"]["wanted_faces_captured"].is_array());
    let expected = &v["expected"];
    assert!(expected["wanted_faces_captured"].as_f64().unwrap() > captured);
    assert_eq!(expected["detection_per_pass_is_exact"], true);
    assert!(expected["detection_per_pass"].as_f64().unwrap() > 0.5);
    let table = String::from_utf8(succeeded(
        survsim().args(["run", path, "-q"]).output().unwrap(),
    ))
    .unwrap();
    assert!(table.contains("faces of wanted people captured"), "{table}");
    assert!(
        table.contains("detected per pass of a wanted person"),
        "{table}"
    );
}
