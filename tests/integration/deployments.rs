//! Deployment schedules (`[[deployments]]`, `deployments_file`): each
//! deployment's counts add up to the run's, match their closed forms, use
//! their own watchlist, threshold, wanted people and crew; a CSV schedule
//! runs as the same schedule in the file would; bad schedules exit 2 at the
//! key (or the CSV cell).

use crate::common;

use common::{assert_poisson, exit_of, json_output, scenario_file, survsim};
use serde_json::Value;

/// A week in a town of two sites, run only by three deployments: one given
/// its faces, one at night (over midnight) with its own list and threshold,
/// one with no officers.
const TOWN: &str = r#"
[simulation]
name = "deployments town"
duration = "7d"
seed = 5

[population]
residents = 200000

[watchlist]
size = 10000
wanted_present = 400

[matcher]
threshold = 0.6

[review]
operators = 2

[intervention]
officers = 6
p_arrest_correct = 0.7

[[sites]]
name = "high-street"
footfall_per_hour = 30000

[[sites]]
name = "station"
footfall_per_hour = 50000

[[deployments]]
name = "Monday, high street"
day = 0
start = "10:00"
end = "16:00"
sites = ["high-street"]
faces = 150000

[[deployments]]
name = "Wednesday night"
day = 2
start = "22:00"
end = "02:00"
sites = ["high-street", "station"]
watchlist = { size = 16000, wanted_present = 100 }
matcher = { threshold = 0.62 }

[[deployments]]
name = "Saturday, station"
day = 5
start = "12:00"
end = "18:00"
sites = ["station"]
review = { operators = 1 }
intervention = { officers = 0 }
"#;

/// The same schedule as a CSV file, in the same order.
const TOWN_CSV: &str = r#"name,day,start,end,sites,faces,watchlist.size,watchlist.wanted_present,matcher.threshold,review.operators,intervention.officers
"Monday, high street",0,10:00,16:00,high-street,150000,,,,,
Wednesday night,2,22:00,02:00,high-street;station,,16000,100,0.62,,
"Saturday, station",5,12:00,18:00,station,,,,,1,0
"#;

fn town(dir: &std::path::Path) -> std::path::PathBuf {
    scenario_file(dir, "town.toml", TOWN)
}

fn run_json(path: &std::path::Path, reps: &str) -> Value {
    json_output(&["run", path.to_str().unwrap(), "--reps", reps]).1
}

fn deployments(v: &Value) -> &Vec<Value> {
    v["deployments"].as_array().expect("deployments[]")
}

#[test]
fn each_deployments_counts_add_up_to_the_runs() {
    let dir = tempfile::tempdir().unwrap();
    let v = run_json(&town(dir.path()), "40");
    let list = deployments(&v);
    assert_eq!(list.len(), 3);
    for key in [
        "faces_captured",
        "alerts",
        "true_alerts",
        "false_alerts",
        "stops",
        "wrongful_stops",
        "arrests",
        "not_actioned",
        "wanted_faces_captured",
    ] {
        let sum: f64 = list
            .iter()
            .map(|d| d["totals"][key].as_f64().unwrap())
            .sum();
        let total = v["totals"][key].as_f64().unwrap();
        assert!(
            (sum - total).abs() <= 1e-9 * total.max(1.0),
            "{key}: deployments sum to {sum}, the run has {total}"
        );
    }
    // Only the schedule runs the sites: its faces are the run's.
    let expected: f64 = list
        .iter()
        .map(|d| d["expected"]["faces_captured"].as_f64().unwrap())
        .sum();
    assert!((expected - v["expected"]["faces_captured"].as_f64().unwrap()).abs() < 1e-6);
}

#[test]
fn each_deployment_matches_its_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    let reps = 40.0;
    let v = run_json(&town(dir.path()), "40");
    let list = deployments(&v);
    // Faces: the given 150,000; 4 h of both sites' footfall; 6 h of the station's.
    let faces = [150_000.0, 4.0 * 80_000.0, 6.0 * 50_000.0];
    for (d, &want) in list.iter().zip(&faces) {
        let name = d["name"].as_str().unwrap();
        let expected = d["expected"]["faces_captured"].as_f64().unwrap();
        assert!((expected - want).abs() < 1e-6 * want, "{name}: {expected}");
        let mean = |key: &str| d["totals"][key].as_f64().unwrap();
        assert_poisson(
            &format!("{name} faces"),
            mean("faces_captured") * reps,
            want * reps,
        );
        let false_alerts = d["expected"]["false_alerts"].as_f64().unwrap();
        assert_poisson(
            &format!("{name} false alerts"),
            mean("false_alerts") * reps,
            false_alerts * reps,
        );
    }
    // The night's threshold is higher and its list longer: a lower FPIR
    // per face than at 0.6 with 10,000 (the closed forms say by how much).
    let per_face = |d: &Value| {
        d["expected"]["false_alerts"].as_f64().unwrap()
            / d["expected"]["faces_captured"].as_f64().unwrap()
    };
    assert!(per_face(&list[1]) < 0.5 * per_face(&list[0]));
    assert_eq!(list[1]["threshold"].as_f64(), Some(0.62));
    assert_eq!(list[1]["watchlist_size"].as_u64(), Some(16_000));
    assert_eq!(list[1]["wanted_on_list"].as_u64(), Some(100));
    assert_eq!(list[0]["wanted_on_list"].as_u64(), Some(400));
}

#[test]
fn a_deployment_without_officers_stops_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let v = run_json(&town(dir.path()), "20");
    let list = deployments(&v);
    let mean = |d: &Value, key: &str| d["totals"][key].as_f64().unwrap();
    let saturday = &list[2];
    assert_eq!(mean(saturday, "stops"), 0.0);
    assert!(mean(saturday, "not_actioned") > 0.0);
    assert_eq!(saturday["officers"].as_u64(), Some(0));
    assert_eq!(saturday["operators"].as_u64(), Some(1));
    assert!(mean(&list[0], "stops") > 0.0);
    assert_eq!(mean(&list[0], "not_actioned"), 0.0);
}

#[test]
fn a_deployment_without_wanted_people_on_its_list_has_no_true_alert() {
    let dir = tempfile::tempdir().unwrap();
    let text = TOWN.replace(
        "watchlist = { size = 16000, wanted_present = 100 }",
        "watchlist = { size = 16000, wanted_present = 0 }",
    );
    let path = scenario_file(dir.path(), "none.toml", &text);
    let v = run_json(&path, "20");
    let list = deployments(&v);
    assert_eq!(list[1]["totals"]["true_alerts"].as_f64(), Some(0.0));
    assert_eq!(list[1]["expected"]["true_alerts"].as_f64(), Some(0.0));
    assert!(list[0]["totals"]["true_alerts"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_csv_schedule_runs_as_the_same_schedule_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let inline = run_json(&town(dir.path()), "4");
    let header = TOWN.split("[[deployments]]").next().unwrap();
    let with_csv = format!("deployments_file = \"town.csv\"\n{header}");
    scenario_file(dir.path(), "town.csv", TOWN_CSV);
    let from_csv = run_json(&scenario_file(dir.path(), "csv.toml", &with_csv), "4");
    for key in ["totals", "ci95", "expected", "deployments", "groups"] {
        assert_eq!(inline[key], from_csv[key], "{key} differs");
    }
}

#[test]
fn a_date_is_a_day_counted_from_the_start_date() {
    let dir = tempfile::tempdir().unwrap();
    let by_day = run_json(&town(dir.path()), "2");
    let text = TOWN
        .replace("seed = 5", "seed = 5\nstart_date = \"2024-02-27\"")
        .replace("day = 2\n", "date = \"2024-02-29\"\n")
        .replace("day = 5\n", "date = \"2024-03-03\"\n");
    let by_date = run_json(&scenario_file(dir.path(), "dates.toml", &text), "2");
    assert_eq!(by_day["totals"], by_date["totals"]);
    assert_eq!(by_date["deployments"][2]["day"].as_u64(), Some(5));
}

#[test]
fn a_threshold_far_from_calibration_is_warned_about_at_its_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let text = TOWN.replace("threshold = 0.62 }", "threshold = 0.7 }");
    let path = scenario_file(dir.path(), "far.toml", &text);
    let out = survsim()
        .args(["run", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("key `deployments[1].matcher.threshold`")
            && stderr.contains("extrapolated"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"deployments[1].matcher.threshold"),
        "{keys:?}"
    );
}

/// Writes `text` as a scenario and returns `run`'s exit code and stderr.
fn refused(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "bad.toml", text);
    exit_of(&["run", path.to_str().unwrap()])
}

#[test]
fn bad_schedules_exit_2_naming_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("day = 5\n", "day = 9\n", "deployments[2].day"),
        (
            "sites = [\"station\"]",
            "sites = [\"statoin\"]",
            "deployments[2].sites[0]",
        ),
        (
            "start = \"10:00\"",
            "start = \"10h\"",
            "deployments[0].start",
        ),
        (
            "day = 0\n",
            "date = \"2024-01-01\"\n",
            "deployments[0].date",
        ),
        (
            "wanted_present = 100 }",
            "wanted_present = 500 }",
            "deployments[1].watchlist.wanted_present",
        ),
        (
            "name = \"high-street\"\nfootfall_per_hour = 30000",
            "name = \"high-street\"\nfootfall_per_hour = 30000\nactive = [\"08:00-20:00\"]",
            "sites[0].active",
        ),
        (
            "name = \"high-street\"\nfootfall_per_hour = 30000",
            "name = \"high-street\"\nfaces = 1000",
            "deployments[0].faces",
        ),
        (
            "seed = 5",
            "seed = 5\nengine = \"residents\"",
            "simulation.engine",
        ),
    ];
    for (from, to, key) in cases {
        let text = TOWN.replacen(from, to, 1);
        assert_ne!(text, TOWN, "{from} not found");
        let (code, stderr) = refused(&text);
        assert_eq!(code, 2, "{key}: {stderr}");
        assert!(
            stderr.contains(&format!("key `{key}")) && stderr.contains("bad.toml:"),
            "{key}: {stderr}"
        );
    }
    // Overlapping deployments at one site.
    let overlap = TOWN.replace("day = 2\n", "day = 0\n").replace(
        "start = \"22:00\"\nend = \"02:00\"",
        "start = \"15:00\"\nend = \"17:00\"",
    );
    let (code, stderr) = refused(&overlap);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("overlap at site \"high-street\""),
        "{stderr}"
    );
}

#[test]
fn a_bad_csv_cell_is_named_by_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = TOWN.split("[[deployments]]").next().unwrap();
    let path = scenario_file(
        dir.path(),
        "csv.toml",
        &format!("deployments_file = \"town.csv\"\n{header}"),
    );
    let exit = |csv: &str| {
        scenario_file(dir.path(), "town.csv", csv);
        exit_of(&["run", path.to_str().unwrap()])
    };
    // Not a number: the CSV reader says so.
    let (code, stderr) = exit(&TOWN_CSV.replace("150000", "lots"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("town.csv:2:6"), "{stderr}");
    // A number where the model wants another: validation, at the cell.
    let (code, stderr) = exit(&TOWN_CSV.replace(",0.62,", ",7,"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("town.csv") && stderr.contains(":3:9") && stderr.contains("threshold"),
        "{stderr}"
    );
    // An unknown column.
    let (code, stderr) = exit(&TOWN_CSV.replace("faces,", "face,"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("town.csv") && stderr.contains("face"),
        "{stderr}"
    );
    // A missing file.
    std::fs::remove_file(dir.path().join("town.csv")).unwrap();
    let (code, stderr) = exit_of(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("town.csv"), "{stderr}");
}

#[test]
fn the_bundled_met_year_runs_deployment_by_deployment() {
    let (_, v) = json_output(&["run", "met-2024-25-deployments", "--reps", "2"]);
    let list = deployments(&v);
    assert_eq!(list.len(), 203);
    // Its faces are the record's, by construction: 3,147,436 in all.
    let expected: f64 = list
        .iter()
        .map(|d| d["expected"]["faces_captured"].as_f64().unwrap())
        .sum();
    assert!((expected - 3_147_436.0).abs() < 1e-3, "{expected}");
    assert_eq!(v["scenario"]["engine"].as_str(), Some("faces"));
    let out = survsim()
        .args(["run", "met-2024-25-deployments", "--reps", "1"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("DEPLOYMENT") && table.contains("deployment 203"));
}

/// One deployment searching three lists of different sizes and thresholds,
/// each with its own wanted people, with no one arrested (so the closed
/// forms are exact, not bounds).
const THREE_LISTS: &str = r#"
[simulation]
name = "three lists at one event"
duration = "1d"
seed = 9

[population]
residents = 500000

[watchlist]
size = 10000
wanted_present = 300

[matcher]
threshold = 0.6

[intervention]
officers = 0

[[sites]]
name = "stadium"
footfall_per_hour = 100000

[[deployments]]
name = "match day"
day = 0
start = "12:00"
end = "20:00"
sites = ["stadium"]
watchlists = [
  { name = "wanted", size = 9000, wanted_present = 200 },
  { name = "banned", size = 500, threshold = 0.58, wanted_present = 50 },
  { name = "missing", size = 3000, threshold = 0.64, wanted_present = 20 },
]
"#;

#[test]
fn several_lists_each_raise_their_alerts_once_per_face() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "lists.toml", THREE_LISTS);
    let reps = 100.0;
    let v = run_json(&path, "100");
    let deployment = &deployments(&v)[0];
    let lists = deployment["watchlists"].as_array().unwrap();
    assert_eq!(lists.len(), 3);
    let (mut true_sum, mut false_sum) = (0.0, 0.0);
    for list in lists {
        let name = list["name"].as_str().unwrap();
        for key in ["true_alerts", "false_alerts"] {
            let mean = list["totals"][key].as_f64().unwrap();
            let expected = list["expected"][key].as_f64().unwrap();
            if expected * reps > 25.0 {
                assert_poisson(&format!("{name} {key}"), mean * reps, expected * reps);
            }
        }
        true_sum += list["totals"]["true_alerts"].as_f64().unwrap();
        false_sum += list["totals"]["false_alerts"].as_f64().unwrap();
    }
    // Each alert is counted once, with the list that raised it.
    let total = |key: &str| deployment["totals"][key].as_f64().unwrap();
    assert!((true_sum - total("true_alerts")).abs() < 1e-9);
    assert!((false_sum - total("false_alerts")).abs() < 1e-9);
    assert_eq!(deployment["wanted_on_list"].as_u64(), Some(270));
    assert_eq!(lists[1]["threshold"].as_f64(), Some(0.58));
    assert_eq!(lists[2]["wanted_on_list"].as_u64(), Some(20));
    // Wanted people alerted at least once: exact without arrests.
    let alerted = v["totals"]["wanted_alerted"].as_f64().unwrap();
    let expected = v["expected"]["wanted_alerted"].as_f64().unwrap();
    assert_poisson("wanted people alerted", alerted * reps, expected * reps);
    let table = String::from_utf8(
        survsim()
            .args(["run", path.to_str().unwrap(), "--reps", "2"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(table.contains("  list banned"), "{table}");
    // The HTML page has the same table.
    let page = dir.path().join("lists.html");
    let out = survsim()
        .args([
            "run",
            path.to_str().unwrap(),
            "--reps",
            "2",
            "-o",
            "/dev/null",
        ])
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("7 · Deployments, one by one") && html.contains("↳ list banned"));
}

#[test]
fn a_list_far_from_calibration_is_warned_about_at_its_own_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "lists.toml", THREE_LISTS);
    let out = survsim()
        .args(["check", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The third list's 0.64 is 0.04 from NPL's 0.6; the others are within.
    assert!(
        stderr.contains("lists.toml:33:48:")
            && stderr.contains("key `deployments[0].watchlists[2].threshold`")
            && !stderr.contains("watchlists[1]"),
        "{stderr}"
    );
}

#[test]
fn bad_lists_exit_2_naming_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "sites = [\"stadium\"]",
            "sites = [\"stadium\"]\nmatcher = { threshold = 0.62 }",
            "deployments[0].watchlists",
        ),
        (
            "wanted_present = 50 }",
            "wanted_present = 150 }",
            "deployments[0].watchlists[1].wanted_present",
        ),
        (
            "name = \"missing\"",
            "name = \"banned\"",
            "deployments[0].watchlists[2].name",
        ),
        (
            "threshold = 0.58",
            "threshold = 1.58",
            "deployments[0].watchlists[1].threshold",
        ),
    ];
    for (from, to, key) in cases {
        let text = THREE_LISTS.replacen(from, to, 1);
        assert_ne!(text, THREE_LISTS, "{from} not found");
        let (code, stderr) = refused(&text);
        assert_eq!(code, 2, "{key}: {stderr}");
        assert!(stderr.contains(&format!("key `{key}")), "{key}: {stderr}");
    }
}

/// Schedules of random keys and cells, some of them valid.
fn any_csv() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let keys = prop::sample::select(vec![
        "name",
        "day",
        "date",
        "start",
        "end",
        "sites",
        "faces",
        "watchlist.size",
        "watchlist.wanted_present",
        "matcher.threshold",
        "review.operators",
        "intervention.officers",
        "watchlist",
        "bogus",
        "matcher.threshold.deep",
        "",
    ]);
    let cells = prop::sample::select(vec![
        "0",
        "1",
        "6",
        "7",
        "-1",
        "4294967296",
        "1e400",
        "nan",
        "0.6",
        "2.5",
        "10:00",
        "16:00",
        "23:59",
        "24:00",
        "25:00",
        "high-street",
        "station",
        "high-street;station",
        "nowhere",
        "2024-02-29",
        "",
        "\"a, b\"",
        "\"",
        "x",
        "150000",
        "16000",
    ]);
    // Half the schedules start each row with a valid deployment (a day of
    // its own at one site) and are not ragged, so that some run: a
    // schedule without rows is refused.
    (
        any::<bool>(),
        prop::collection::vec(keys, 1..8),
        prop::collection::vec(prop::collection::vec(cells, 0..9), 0..4),
    )
        .prop_map(|(core, header, rows)| {
            let mut text = header.join(",") + "\n";
            if core {
                text = format!("day,start,end,sites,{text}");
            }
            for (day, row) in rows.iter().enumerate() {
                let mut row = row.clone();
                if core {
                    // Not ragged: as many cells as the header has keys.
                    row.resize(header.len(), "");
                    text += &format!("{day},10:00,16:00,high-street,");
                }
                text += &(row.join(",") + "\n");
            }
            text
        })
}

/// Property: any CSV schedule — a header of real, nested and bogus keys,
/// rows of plausible and nonsense cells, ragged or quoted — either runs or is
/// refused with an error that names the CSV file and a line; nothing panics.
#[test]
fn any_csv_schedule_runs_or_is_refused_at_a_line_of_the_csv() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use survsim::scenario::{Scenario, ScenarioSource};
    let dir = tempfile::tempdir().unwrap();
    let header = TOWN.split("[[deployments]]").next().unwrap();
    let scenario = format!("deployments_file = \"any.csv\"\n{header}")
        .replace("residents = 200000", "residents = 2000")
        .replace("30000", "30")
        .replace("50000", "50");
    let scenario_path = scenario_file(dir.path(), "any.toml", &scenario);
    let csv = any_csv();
    let config = Config {
        cases: 128,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[17; 32]));
    let ran = std::cell::Cell::new(0);
    let refused = std::cell::Cell::new(0);
    runner
        .run(&csv, |text| {
            std::fs::write(dir.path().join("any.csv"), &text).unwrap();
            // Files named are read from disk, as the command line does.
            let source = survsim::drive::files::reading_disk(ScenarioSource::from_text(
                scenario_path.display().to_string(),
                scenario.clone(),
            ));
            match Scenario::load(source, &[]) {
                Ok(loaded) => {
                    survsim::engine::run_replication(&loaded.model, 0);
                    ran.set(ran.get() + 1);
                }
                Err(e) => {
                    prop_assert!(
                        e.source_name.contains("any.csv")
                            && (e.line_col.is_some() || e.key_path.is_some()),
                        "an error that does not place itself in the CSV: {e}\n{text}"
                    );
                    refused.set(refused.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{} schedules ran, {} were refused",
        ran.get(),
        refused.get()
    );
    assert!(ran.get() > 0 && refused.get() > 0);
}
