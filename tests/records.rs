//! Scenarios written the way deployment records are (issue 17): faces
//! scanned given as an input, wanted people as a prevalence, detection per
//! pass of a wanted person, and warnings where the matcher is extrapolated.
//!
//! Statistical checks compare with the closed forms over fixed seeds,
//! within 4 standard errors.

mod common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::Metric;

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
