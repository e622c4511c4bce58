//! The residents engine draws the same distribution as the face engine. On
//! the bundled scenarios it can run (footfall, no pipeline), every count's
//! mean agrees within 4 standard errors of the difference, over fixed and
//! independent seeds (each engine its own replications); captures per
//! resident agree by a chi-square test; and so do the exposure and
//! per-group figures. Two synthetic cities, one with every feature at once
//! and one drawn by cells, run enough replications that a 5 % bias in any
//! headline count ([`POWERED`]) would fail: the test asserts that power.

use crate::common;

use survsim::engine::Engine;
use survsim::engine::residents::{Plan, can_run};
use survsim::metrics::{GroupMetric, Metric, Outcome};
use survsim::model::Model;
use survsim::scenario::{Scenario, ScenarioSource};

fn bundled(name: &str, sets: &[&str]) -> Model {
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let overrides: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::load(ScenarioSource::from_text(path, text), &overrides)
        .unwrap()
        .model
}

/// Mean and standard error of the mean of `values`.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts the two engines' means of `what` differ by at most 4 standard
/// errors of the difference (or are both exactly constant and equal).
fn agree(what: &str, faces: &[f64], residents: &[f64]) {
    let (a, sa) = mean_se(faces);
    let (b, sb) = mean_se(residents);
    let se = (sa * sa + sb * sb).sqrt();
    if se == 0.0 {
        assert_eq!(a, b, "{what}: constant in both engines, but {a} vs {b}");
        return;
    }
    let z = (a - b) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: faces {a:.3}, residents {b:.3}, z = {z:.2}"
    );
}

/// `reps` replications of each engine, on independent seeds: the face
/// engine's replications 0…reps − 1, the residents engine's the next
/// `reps` (the same replication numbers would share the response chain's
/// stream, and make the two samples correlated). One engine per thread.
fn both(model: &Model, reps: u64) -> (Vec<Outcome>, Vec<Outcome>) {
    assert!(can_run(model));
    let plan = Plan::new(model);
    std::thread::scope(|scope| {
        // The face engine by name: `run_replication` would take the
        // model's choice, which `auto` makes the residents engine.
        let faces = scope.spawn(|| {
            let mut engine = Engine::new(model);
            (0..reps).map(|r| engine.run(r)).collect()
        });
        let residents = (reps..2 * reps).map(|r| plan.run(r)).collect();
        (faces.join().unwrap(), residents)
    })
}

/// The headline counts whose comparison must be able to see a 5 % bias:
/// in a powered check, 4 standard errors of their difference are at most
/// 5 % of their mean (where they happen at all).
const POWERED: &[Metric] = &[
    Metric::FacesCaptured,
    Metric::PeopleScanned,
    Metric::Alerts,
    Metric::TrueAlerts,
    Metric::FalseAlerts,
    Metric::Stops,
    Metric::Arrests,
    Metric::WantedScanned,
    Metric::WantedAlerted,
];

/// Asserts that the comparison of `what` resolves a 5 % bias: 4 standard
/// errors of the difference of the means are at most 5 % of the mean.
fn resolves_five_percent(what: &str, faces: &[f64], residents: &[f64]) {
    let (a, sa) = mean_se(faces);
    let (b, sb) = mean_se(residents);
    let mean = (a + b) / 2.0;
    if mean == 0.0 {
        return;
    }
    let resolution = 4.0 * (sa * sa + sb * sb).sqrt() / mean;
    assert!(
        resolution <= 0.05,
        "{what}: 4 SE of the difference is {:.1} % of the mean; more replications are needed",
        100.0 * resolution
    );
}

fn compare_counts(name: &str, model: &Model, faces: &[Outcome], residents: &[Outcome]) {
    compare_counts_at(name, model, faces, residents, false);
}

/// [`compare_counts`]; `powered`: the [`POWERED`] counts must resolve a 5 %
/// bias.
fn compare_counts_at(
    name: &str,
    model: &Model,
    faces: &[Outcome],
    residents: &[Outcome],
    powered: bool,
) {
    let of = |os: &[Outcome], f: &dyn Fn(&Outcome) -> u64| -> Vec<f64> {
        os.iter().map(|o| f(o) as f64).collect()
    };
    for &m in Metric::ALL {
        let f = |o: &Outcome| o.counts[m];
        agree(
            &format!("{name}: {m:?}"),
            &of(faces, &f),
            &of(residents, &f),
        );
        if powered && POWERED.contains(&m) {
            resolves_five_percent(
                &format!("{name}: {m:?}"),
                &of(faces, &f),
                &of(residents, &f),
            );
        }
    }
    for g in 0..model.groups.len() {
        for &m in GroupMetric::ALL {
            let f = |o: &Outcome| o.groups[g][m];
            agree(
                &format!("{name}: group {g} {m:?}"),
                &of(faces, &f),
                &of(residents, &f),
            );
        }
    }
    for s in 0..5 {
        let f = |o: &Outcome| o.exposure.distinct_sites[s];
        agree(
            &format!("{name}: seen at {s} sites"),
            &of(faces, &f),
            &of(residents, &f),
        );
    }
    for h in 0..24 {
        let f = |o: &Outcome| o.time_of_day.faces[h];
        agree(
            &format!("{name}: faces at {h:02}h"),
            &of(faces, &f),
            &of(residents, &f),
        );
        let f = |o: &Outcome| o.time_of_day.false_alerts[h];
        agree(
            &format!("{name}: false alerts at {h:02}h"),
            &of(faces, &f),
            &of(residents, &f),
        );
    }
}

/// Pearson's chi-square of homogeneity between the two engines' pooled
/// captures-per-resident histograms (cells with fewer than 5 expected
/// merged into the tail), against its 99.9th percentile.
fn compare_captures_per_resident(name: &str, faces: &[Outcome], residents: &[Outcome]) {
    let pool = |os: &[Outcome]| {
        let mut h = vec![0f64; os[0].exposure.captures.len()];
        for o in os {
            for (a, &b) in h.iter_mut().zip(&o.exposure.captures) {
                *a += b as f64;
            }
        }
        h
    };
    let (a, b) = (pool(faces), pool(residents));
    let (na, nb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    assert_eq!(na, nb, "{name}: both histograms count every resident");
    let mut cells: Vec<(f64, f64)> = Vec::new();
    let mut tail = (0.0, 0.0);
    for (&x, &y) in a.iter().zip(&b) {
        tail = (tail.0 + x, tail.1 + y);
        if (tail.0 + tail.1) / 2.0 >= 5.0 {
            cells.push(tail);
            tail = (0.0, 0.0);
        }
    }
    if let Some(last) = cells.last_mut() {
        *last = (last.0 + tail.0, last.1 + tail.1);
    }
    let chi2: f64 = cells
        .iter()
        .map(|&(x, y)| {
            let e = (x + y) / 2.0;
            (x - e).powi(2) / e + (y - e).powi(2) / e
        })
        .sum();
    let df = (cells.len() - 1) as f64;
    // Wilson–Hilferty: the 99.9th percentile of chi-square(df).
    let z = 3.09;
    let limit = df * (1.0 - 2.0 / (9.0 * df) + z * (2.0 / (9.0 * df)).sqrt()).powi(3);
    assert!(
        chi2 <= limit,
        "{name}: chi-square {chi2:.1} on {df} df > {limit:.1}"
    );
}

fn check(name: &str, sets: &[&str], reps: u64) {
    let model = bundled(name, sets);
    let (faces, residents) = both(&model, reps);
    compare_counts(name, &model, &faces, &residents);
    compare_captures_per_resident(name, &faces, &residents);
}

#[test]
fn default_scenario() {
    check("default", &[], 200);
}

#[test]
fn london_borough_day() {
    // 100, not 40: "seen at 4 or more sites" is a skewed count of a few
    // hundred, and 40 replications put a z of −4.4 on it (at 600 it is 0.1).
    check("london-borough-day", &[], 100);
}

#[test]
fn uk_1_in_300000() {
    check("uk-1-in-300000", &[], 40);
}

#[test]
fn met_essex_and_swp_records() {
    check("met-essex-2019", &[], 40);
    check("swp-champions-league-2017", &[], 40);
}

/// What the bundled scenarios do not all exercise at once: uneven activity,
/// lookalikes, avoidance, a surge, a partial second day ending within an
/// hour, walk-past rates
/// with a capture share below 1, and many wanted people re-captured while
/// in custody and after release (a short custody).
const EVERYTHING: &str = r#"
    [simulation]
    duration = "30h20m"
    seed = 99
    [population]
    residents = 40000
    lookalike_spread = 1.0
    activity_spread = { shape = 0.5 }
    [[population.groups]]
    name = "a"
    share = 0.6
    [[population.groups]]
    name = "b"
    share = 0.4
    fmr_multiplier = 5.0
    avoidance = 0.1
    [[sites]]
    name = "station"
    footfall_per_hour = 3000
    capture_share = 0.7
    surges = [{ at = "18:00", duration = "30m", people = 8000 }]
    [[sites]]
    name = "market"
    footfall_per_hour = 1200
    active = ["09:00-17:00"]
    [[sites]]
    name = "night"
    footfall_per_hour = 600
    active = ["21:00-03:00"]
    [watchlist]
    size = 5000
    wanted_present = 150
    [matcher]
    profile = "neoface-v4-npl2023"
    threshold = 0.56
    [review]
    operators = 3
    [intervention]
    officers = 4
    custody = "2h"
    arrest_processing = "20m"
    p_arrest_correct = 0.9
"#;

#[test]
fn everything_at_once() {
    let model = common::scenario(EVERYTHING, &[]).model;
    let (faces, residents) = both(&model, 200);
    compare_counts_at("everything", &model, &faces, &residents, true);
    compare_captures_per_resident("everything", &faces, &residents);
}

/// Members alike at sites of one hourly shape, as in the SimPy peer's
/// city: the residents engine draws them by cells of (captures, distinct
/// sites), not one by one. Twelve sites of different footfall and capture
/// share but the same shape (a day's profile, so the hours are not flat),
/// two zones (so blocks pass sites unevenly), a group with ten times the
/// false matches and a threshold low enough for people with two false
/// alerts, wanted people, and a run of a day and a half.
const CELLS: &str = r#"
    [simulation]
    duration = "36h"
    seed = 12
    [population]
    residents = 30000
    [[population.groups]]
    name = "a"
    share = 0.7
    [[population.groups]]
    name = "b"
    share = 0.3
    fmr_multiplier = 10.0
    [[zones]]
    name = "north"
    share = 0.5
    [[zones]]
    name = "south"
    share = 0.5
    [watchlist]
    size = 10000
    wanted_present = 120
    [matcher]
    profile = "neoface-v4-npl2023"
    threshold = 0.55
    [intervention]
    officers = 6
    custody = "3h"
"#;

#[test]
fn members_alike_drawn_by_cells() {
    let shape = "[1, 1, 1, 1, 1, 2, 4, 8, 8, 6, 5, 6, 7, 6, 5, 6, 8, 9, 7, 5, 4, 3, 2, 1]";
    let mut text = CELLS.to_string();
    for s in 0..12 {
        let scale = 10 + 7 * s;
        let footfall: Vec<String> = shape
            .trim_matches(|c| c == '[' || c == ']')
            .split(", ")
            .map(|w| (w.parse::<u32>().unwrap() * scale).to_string())
            .collect();
        text += &format!(
            "    [[sites]]\n    name = \"s{s}\"\n    zone = \"{}\"\n    capture_share = {}\n    footfall_per_hour = [{}]\n",
            if s % 3 == 0 { "north" } else { "south" },
            0.5 + 0.04 * s as f64,
            footfall.join(", ")
        );
    }
    let model = common::scenario(&text, &[]).model;
    let (faces, residents) = both(&model, 200);
    compare_counts_at("cells", &model, &faces, &residents, true);
    compare_captures_per_resident("cells", &faces, &residents);
    // Enough happens for the comparison to bite: people seen at three or
    // more sites, and people with two false alerts.
    let mean = |os: &[Outcome], f: &dyn Fn(&Outcome) -> u64| {
        os.iter().map(|o| f(o) as f64).sum::<f64>() / os.len() as f64
    };
    assert!(mean(&residents, &|o| o.exposure.distinct_sites[3]) > 100.0);
    assert!(mean(&residents, &|o| o.groups[1][GroupMetric::RepeatFalseAlerts]) > 2.0);
}

// ------------------------------------------------------------- the binary

use assert_cmd::cargo::cargo_bin_cmd;

fn survsim(args: &[&str]) -> std::process::Output {
    cargo_bin_cmd!("survsim").args(args).output().unwrap()
}

#[test]
fn one_replication_is_the_same_on_any_number_of_threads() {
    // The default city has a million residents: 16 chunks of one block
    // and more, shared out over the threads.
    let one = survsim(&["run", "--format", "json", "--threads", "1"]);
    let two = survsim(&["run", "--format", "json", "--threads", "2"]);
    let five = survsim(&["run", "--format", "json", "--threads", "5"]);
    assert!(one.status.success());
    let report: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(report["scenario"]["engine"], "residents");
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, five.stdout);
    // With activity spread (a block's total summed over its chunks first:
    // the default's groups are blocks of 120,000 to 700,000) and lookalikes.
    let args = [
        "run",
        "--format",
        "json",
        "-q",
        "--set",
        "population.activity_spread.shape=0.5",
        "--set",
        "population.lookalike_spread=1",
    ];
    let one = survsim(&[&args[..], &["--threads", "1"]].concat());
    let two = survsim(&[&args[..], &["--threads", "2"]].concat());
    assert!(one.status.success());
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn the_residents_engine_is_refused_where_it_cannot_run() {
    let out = survsim(&["run", "neoface-300fps-stadium", "--engine", "residents"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("simulation.engine") && stderr.contains("pipeline"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.ndjson");
    let out = survsim(&[
        "run",
        "--engine",
        "residents",
        "--events",
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("simulation.engine") && stderr.contains("face engine"),
        "{stderr}"
    );
    assert!(!log.exists(), "nothing is written");
}

#[test]
fn a_year_over_the_face_limit_runs_per_resident() {
    // 5.3e10 faces: above the face engine's limit of 2e10, which refuses it
    // (a small watchlist keeps the alerts to a quarter of a million).
    let sets = [
        "--set",
        "simulation.duration=365d",
        "--set",
        "population.residents=2000000",
        "--set",
        "sites[0].footfall_per_hour=10000000",
        "--set",
        "watchlist.size=100",
    ];
    // The face engine refuses to run it, but `check` still answers.
    let faces = survsim(&[&["run", "--engine", "faces"], &sets[..]].concat());
    assert_eq!(faces.status.code(), Some(2));
    let check = survsim(&[&["check", "--engine", "faces"], &sets[..]].concat());
    assert!(check.status.success());
    let out = survsim(&[&["run", "--format", "json", "-q"], &sets[..]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let simulated = report["totals"]["faces_captured"].as_f64().unwrap();
    let expected = report["expected"]["faces_captured"].as_f64().unwrap();
    assert!(expected > 2e10, "{expected}");
    // One Poisson count: within 4 standard deviations.
    assert!(
        (simulated - expected).abs() < 4.0 * expected.sqrt(),
        "{simulated} vs {expected}"
    );
}

/// Regulars: each member passes the few sites many times over a week, so
/// the residents engine draws each member's faces per site (its tables for
/// long runs) rather than in total — with lookalikes and arrests.
const REGULARS: &str = r#"
    [simulation]
    duration = "7d"
    seed = 41
    [population]
    residents = 20000
    lookalike_spread = 0.8
    [[population.groups]]
    name = "a"
    share = 0.7
    [[population.groups]]
    name = "b"
    share = 0.3
    fmr_multiplier = 4.0
    [[sites]]
    name = "station"
    footfall_per_hour = 2500
    [[sites]]
    name = "square"
    footfall_per_hour = 600
    active = ["08:00-20:00"]
    [watchlist]
    size = 2000
    wanted_present = 20
    [matcher]
    threshold = 0.55
    [intervention]
    officers = 3
    custody = "1d"
    p_arrest_correct = 0.9
"#;

#[test]
fn regulars_over_a_week() {
    let model = common::scenario(REGULARS, &[]).model;
    let (faces, residents) = both(&model, 60);
    compare_counts("regulars", &model, &faces, &residents);
    compare_captures_per_resident("regulars", &faces, &residents);
}

#[test]
fn blocks_whose_activities_all_draw_zero_agree() {
    // Shape 0.001: about half of all Gamma draws underflow to exactly 0, so
    // a one-member block often has no activity at all. Both engines then
    // give its member no faces: their captures are Poisson(a λ) with a = 0.
    let tiny = r#"
        [simulation]
        duration = "6h"
        seed = 3
        [population]
        residents = 3
        activity_spread = { shape = 0.001 }
        [[population.groups]]
        name = "a"
        share = 0.34
        [[population.groups]]
        name = "b"
        share = 0.33
        [[population.groups]]
        name = "c"
        share = 0.33
        [[sites]]
        name = "s"
        footfall_per_hour = 10
        [watchlist]
        size = 100
        wanted_present = 0
    "#;
    let model = common::scenario(tiny, &[]).model;
    let (faces, residents) = both(&model, 200);
    compare_counts("one-member blocks", &model, &faces, &residents);
}

// ------------------------------------------------------------ zone teams

/// London-borough-day with a team of operators and one of officers per
/// zone, short-handed so that queues form, and enough wanted people passing
/// other zones' sites that the units share fates: a person arrested by one
/// zone's officers is in custody for every other zone.
const ZONE_TEAMS: &[&str] = &[
    "review.scope=\"zone\"",
    "review.operators=1",
    "review.zone_operators.town-centre=2",
    "intervention.scope=\"zone\"",
    "intervention.officers=2",
    "watchlist.wanted_present=300",
    "matcher.threshold=0.58",
];

#[test]
fn zone_teams_agree_with_the_face_engine() {
    let model = bundled("london-borough-day", ZONE_TEAMS);
    assert_eq!(
        survsim::engine::residents::teams::independent_units(&model),
        4
    );
    let (faces, residents) = both(&model, 100);
    compare_counts("zone teams", &model, &faces, &residents);
    // Enough happens for it to matter: arrests, and alerts lost to queues.
    let mean = |os: &[Outcome], m: Metric| {
        os.iter().map(|o| o.counts[m] as f64).sum::<f64>() / os.len() as f64
    };
    assert!(mean(&residents, Metric::Arrests) > 5.0);
    assert!(mean(&residents, Metric::WantedArrested) > 5.0);
}

/// Threads the test lends the response units: scoped, as the driver's.
struct Threads(usize);

impl survsim::engine::lend::Lend for Threads {
    fn workers(&self) -> usize {
        self.0
    }

    fn run(&self, workers: usize, work: &(dyn Fn(usize) + Sync)) {
        std::thread::scope(|scope| {
            for w in 1..workers {
                scope.spawn(move || work(w));
            }
            work(0);
        });
    }
}

#[test]
fn zone_teams_give_one_outcome_on_any_number_of_workers() {
    let model = bundled("london-borough-day", ZONE_TEAMS);
    let plan = Plan::new(&model);
    for rep in 0..6 {
        let chunks = || (0..plan.chunks()).map(|c| plan.run_chunk(rep, c)).collect();
        let one = format!("{:?}", plan.finish(rep, chunks()));
        for workers in [2, 3, 8] {
            let many = format!("{:?}", plan.finish_on(rep, chunks(), &Threads(workers)));
            assert!(
                one == many,
                "replication {rep} on {workers} workers differs"
            );
        }
    }
}

#[test]
fn zone_teams_report_the_same_on_any_number_of_threads() {
    let mut args = vec!["run", "london-borough-day", "--format", "json", "-q"];
    for set in ZONE_TEAMS {
        args.extend(["--set", set]);
    }
    let one = survsim(&[&args[..], &["--threads", "1"]].concat());
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    for threads in ["2", "5"] {
        let many = survsim(&[&args[..], &["--threads", threads]].concat());
        assert_eq!(one.stdout, many.stdout, "--threads {threads}");
    }
}
