//! Issue 12: a pipeline replication lends spare threads to its hourly sort
//! of the faces; the reports stay byte-identical for any `--threads`, one
//! replication or several, latency figures and the latency log included.

use crate::common;

use common::*;

/// Three sites into two pools (one serving two sites), busy enough that an
/// hour holds more faces than the sort splits (2^15) and the pools drop
/// faces; a surge makes one hour far busier than the others.
const TWO_POOLS: &str = r#"
[simulation]
name = "two-pools"
duration = "3h"
seed = 12
[population]
residents = 200000
[[sites]]
name = "station"
cameras = 4
footfall_per_hour = 60000
surges = [{ at = "01:10", duration = "20m", people = 30000 }]
[[sites]]
name = "market"
cameras = 2
footfall_per_hour = 25000
[[sites]]
name = "arena"
footfall_per_hour = 8000
[watchlist]
size = 5000
wanted_present = 40
[pipeline]
detection_faces_per_s = 15
[[pipeline.pools]]
name = "central"
sites = ["station", "market"]
servers = 2
faces_per_s = 12
queue_capacity = 300
overload = "drop-oldest"
[[pipeline.pools]]
name = "arena"
servers = 1
faces_per_s = 3
queue_capacity = 20
"#;

/// `run ARGS --format json` on `threads` threads: the report's bytes.
fn report(args: &[&str], threads: &str) -> (Vec<u8>, serde_json::Value) {
    json_output(&[args, &["-q", "--threads", threads]].concat())
}

fn assert_same_on_one_and_two_threads(args: &[&str]) -> serde_json::Value {
    let (one, parsed) = report(args, "1");
    let (two, _) = report(args, "2");
    let (three, _) = report(args, "3");
    assert!(one == two, "{args:?}: --threads 1 and 2 differ");
    assert!(one == three, "{args:?}: --threads 1 and 3 differ");
    parsed
}

#[test]
fn the_stadium_is_the_same_on_any_number_of_threads() {
    // The surge hour holds ≈ 64,000 faces: the sort is split.
    for reps in ["1", "3"] {
        let report =
            assert_same_on_one_and_two_threads(&["run", "neoface-300fps-stadium", "--reps", reps]);
        assert!(report["pipeline"].is_object(), "{report}");
        assert!(!report["latency"].is_null(), "{report}");
    }
}

#[test]
fn two_pools_are_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "two-pools.toml", TWO_POOLS);
    let path = path.to_str().unwrap();
    for reps in ["1", "2", "4"] {
        let report = assert_same_on_one_and_two_threads(&["run", path, "--reps", reps]);
        let pools = report["pipeline"]["pools"].as_array().expect("pools");
        assert_eq!(pools.len(), 2, "{report}");
        assert!(
            pools[0]["faces_dropped"].as_f64() > Some(0.0),
            "the central pool overflows: {report}"
        );
    }
    // One replication chosen by number (run_one), and its latency log.
    let log = |threads: &str| {
        let file = dir.path().join(format!("latency-{threads}.hlog"));
        let args = [
            "run",
            path,
            "--rep",
            "2",
            "--latency-log",
            file.to_str().unwrap(),
        ];
        let (stdout, _) = report(&args, threads);
        (stdout, std::fs::read(&file).unwrap())
    };
    assert!(log("1") == log("2"), "--rep 2 differs with threads");
}
