//! Scenarios written the way deployment records are (issue 17): faces
//! scanned given as an input, wanted people as a prevalence, detection per
//! pass of a wanted person, and warnings where the matcher is extrapolated.
//!
//! Statistical checks compare with the closed forms over fixed seeds,
//! within 4 standard errors.

use crate::common;

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
fn prevalence_carries_its_fraction_and_is_apportioned_as_wanted_present() {
    // 0.0004 wanted per resident × 50,000 residents = 20 people, split over
    // the groups exactly as wanted_present = 20 would be.
    let whole = FACES_TOWN.replace("wanted_present = 20", "wanted_prevalence = 0.0004");
    assert_eq!(scenario(&whole, &[]).model, scenario(FACES_TOWN, &[]).model);
    // 0.000413 × 50,000 = 20.65: 20 people, and a 21st in 65 % of
    // replications; the nominal model holds the 20 and the model with the
    // 21st, whose expectations it mixes in.
    let prevalence = FACES_TOWN.replace("wanted_present = 20", "wanted_prevalence = 0.000413");
    let present = FACES_TOWN.replace("wanted_present = 20", "wanted_present = 21");
    let by_rate = scenario(&prevalence, &[]).model;
    assert_eq!(by_rate.wanted, 20);
    let (probability, with) = by_rate.wanted_fraction.as_ref().expect("a fraction");
    assert!((probability - 0.65).abs() < 1e-9);
    assert_eq!(with.wanted, 21);
    let (twenty, twenty_one) = (
        scenario(FACES_TOWN, &[]).model.expected(),
        scenario(&present, &[]).model.expected(),
    );
    let mixed = by_rate.expected();
    let between = 0.35 * twenty.true_alerts + 0.65 * twenty_one.true_alerts;
    assert!((mixed.true_alerts - between).abs() < 1e-9 * between);
    // Less than one person is not none: 8 residents × 1/32 = 0.25.
    let tiny = town!(
        duration = "1h",
        seed = 1,
        residents = 8,
        "\n[[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n[watchlist]\nsize = 10\nwanted_prevalence = 0.03125\n"
    );
    let tiny = scenario(tiny, &[]);
    assert_eq!(tiny.model.wanted, 0);
    assert!(tiny.model.expected().wanted_faces_captured > 0.0);
    let present: f64 = (0..400)
        .map(|rep| match tiny.replication_model(rep).unwrap() {
            Some(model) => model.wanted as f64,
            None => panic!("every replication draws its fractional person"),
        })
        .sum::<f64>()
        / 400.0;
    // Bernoulli(0.25) over 400 replications: SE 0.0217.
    assert_within_4se(
        "wanted people present",
        present,
        0.25,
        (0.25f64 * 0.75 / 400.0).sqrt(),
    );
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
    // 70 % and 30 % of the nominal 20, by largest remainder.
    assert_eq!(wanted, [14, 6]);
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

/// Runs the binary with `args`, asserts success, and returns (stdout, stderr).
fn output_of(args: &[&str]) -> (String, String) {
    let out = survsim().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8(succeeded(out)).unwrap();
    (stdout, stderr)
}

/// The JSON `warnings` of a run or check, as (key, message) pairs.
fn warnings(v: &serde_json::Value) -> Vec<(String, String)> {
    v["warnings"]
        .as_array()
        .expect("warnings[] is always present")
        .iter()
        .map(|w| {
            (
                w["key"].as_str().unwrap().to_string(),
                w["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_threshold_far_from_calibration_is_warned_about_with_what_is_assumed() {
    let far = ["--set", "matcher.threshold=0.7"];
    let (_, stderr) = output_of(&[&["check"][..], &far].concat());
    for part in [
        "survsim: warning: <built-in default scenario> (with --set matcher.threshold=0.7): \
         key `matcher.threshold`: the threshold 0.7 is 0.1 from the nearest calibrated \
         operating point (0.6; extrapolation_margin 0.02)",
        "normal impostor tail",
        "sd 0.0725 assumed",
    ] {
        assert!(stderr.contains(part), "{part:?} not in:\n{stderr}");
    }
    // `run` warns too, also with -q, and both carry it in JSON.
    for command in [vec!["check"], vec!["run", "-q"]] {
        let args = [command, far.to_vec()].concat();
        let (_, v) = json_output(&args);
        let w = warnings(&v);
        assert_eq!(w.len(), 1, "{args:?}: {w:?}");
        assert_eq!(w[0].0, "matcher.threshold");
        let (_, stderr) = output_of(&args);
        assert!(stderr.contains("survsim: warning:"), "{args:?}: {stderr}");
    }
    // Within the margin, or with a wider one, nothing is said.
    for args in [
        vec!["check", "--set", "matcher.threshold=0.62"],
        vec![
            "check",
            "--set",
            "matcher.threshold=0.7",
            "--set",
            "matcher.extrapolation_margin=0.1",
        ],
    ] {
        let (_, v) = json_output(&args);
        assert_eq!(warnings(&v), [], "{args:?}");
        let (_, stderr) = output_of(&args);
        assert!(!stderr.contains("warning"), "{args:?}: {stderr}");
    }
    // The margin scales with the score range: Rekognition's is 0–100.
    let (_, v) = json_output(&[
        "check",
        "aclu-rekognition-2018",
        "--set",
        "matcher.threshold=81.5",
    ]);
    assert_eq!(warnings(&v), []);
    let (_, v) = json_output(&[
        "check",
        "aclu-rekognition-2018",
        "--set",
        "matcher.threshold=85",
    ]);
    assert_eq!(warnings(&v)[0].0, "matcher.threshold");
    // A margin must be a distance.
    let (code, stderr) = exit_of(&["check", "--set", "matcher.extrapolation_margin=-1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("key `matcher.extrapolation_margin`"),
        "{stderr}"
    );
}

#[test]
fn a_watchlist_ten_times_outside_the_calibrated_sizes_is_warned_about() {
    // NeoFace V4 is calibrated at 1,000 and 10,000 images.
    for (size, warned) in [
        ("100000", false),
        ("100001", true),
        ("100", false),
        ("99", true),
    ] {
        let (_, v) = json_output(&["check", "--set", &format!("watchlist.size={size}")]);
        let w = warnings(&v);
        assert_eq!(!w.is_empty(), warned, "size {size}: {w:?}");
        if warned {
            assert_eq!(w[0].0, "watchlist.size");
            assert!(w[0].1.contains("1 − (1 − FMR)^N"), "{}", w[0].1);
            assert!(w[0].1.contains("sd 0.0725"), "{}", w[0].1);
        }
    }
    // Cardiff's 500,000 custody images against neoface-early's 3,000: the
    // bundled scenario says so, at the key's line in the file.
    let (_, stderr) = output_of(&["check", "swp-champions-league-2017"]);
    assert!(
        stderr.contains(
            "swp-champions-league-2017>:38:8: key `watchlist.size`: a watchlist of \
                         500,000 entries is 167× the largest calibrated watchlist (3,000)"
        ),
        "{stderr}"
    );
}

#[test]
fn the_default_scenario_has_no_warnings_and_says_so_in_json() {
    for args in [vec!["check"], vec!["run", "-q"]] {
        let (_, v) = json_output(&args);
        assert_eq!(v["warnings"], serde_json::json!([]), "{args:?}");
        let (_, stderr) = output_of(&args);
        assert!(!stderr.contains("warning"), "{stderr}");
    }
}

#[test]
fn an_operating_point_with_an_assumed_threshold_is_marked_by_check() {
    // neoface-early's "≈ 1 in 1,000" came without a threshold.
    let (table, _) = output_of(&["check", "uk-1-in-300000"]);
    assert!(table.contains("  fpir            0.6*"), "{table}");
    assert!(table.contains("* threshold assumed"), "{table}");
    let (_, v) = json_output(&["check", "uk-1-in-300000"]);
    assert_eq!(v["matcher"]["calibration"][0]["threshold_assumed"], true);
    let (_, v) = json_output(&["check"]);
    assert_eq!(v["matcher"]["calibration"][0]["threshold_assumed"], false);
    // A scenario's own point may say so; a threshold far from it is then
    // far from an assumption, and the warning says that too.
    let own = "[{ threshold = 0.6, watchlist = 3000, fpir = 1e-3, threshold_assumed = true }]";
    let (_, stderr) = output_of(&[
        "check",
        "uk-1-in-300000",
        "--set",
        &format!("matcher.operating_points={own}"),
        "--set",
        "matcher.threshold=0.65",
    ]);
    assert!(
        stderr.contains("(0.6, itself an assumed threshold;"),
        "{stderr}"
    );
}

#[test]
fn a_matcher_without_operating_points_has_nothing_to_be_extrapolated_from() {
    // bench-city gives its score distributions outright.
    for size in ["1000", "10000000"] {
        let (_, v) = json_output(&[
            "check",
            "bench-city",
            "--set",
            &format!("watchlist.size={size}"),
        ]);
        assert_eq!(v["warnings"], serde_json::json!([]), "size {size}");
    }
}

#[test]
fn a_fractional_wanted_person_comes_and_goes_by_replication() {
    // 20.65 people: replications have 20 or 21, 21 in 65 % of them, and
    // wanted people's faces match the closed form that mixes the two.
    // No officers: no arrest cuts a wanted person's faces short.
    let prevalence = FACES_TOWN.replace("wanted_present = 20", "wanted_prevalence = 0.000413");
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", &prevalence);
    let (_, v) = json_output(&[
        "run",
        path.to_str().unwrap(),
        "--reps",
        "300",
        "--set",
        "intervention.officers=0",
        "--fixed-parameters",
    ]);
    let mean = |key: &str| v["totals"][key].as_f64().unwrap();
    let half_width = |key: &str| {
        let ci = v["ci95"][key].as_array().unwrap();
        (ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0
    };
    // Bernoulli(0.65) over 300 replications.
    let se = (0.65f64 * 0.35 / 300.0).sqrt();
    assert_within_4se("wanted people present", mean("wanted_present"), 20.65, se);
    for key in ["wanted_faces_captured", "true_alerts", "wanted_alerted"] {
        let expected = v["expected"][key].as_f64().unwrap();
        // The 95 % interval's half-width is 1.97 SE.
        let se = half_width(key) / 1.97;
        assert_within_4se(key, mean(key), expected, se);
    }
}
