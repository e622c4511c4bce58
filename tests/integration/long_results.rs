//! Tidy results: `results-long.csv` of a sweep and `run --format csv` hold
//! every replication's counts, for every group, one figure a row, and agree
//! with the point files, the wide results and each other.

use crate::common;

use common::{succeeded, survsim};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A small city, so that each replication takes about a millisecond.
const SMALL: &[&str] = &["--set", "population.residents=100000"];

/// Run-wide metrics, group metrics and groups of the default scenario.
/// Run-wide metrics and group metrics, each a row per replication.
const METRICS: usize = survsim::Metric::ALL.len();
const GROUP_METRICS: usize = survsim::GroupMetric::ALL.len();
const GROUPS: [&str; 3] = ["group-a", "group-b", "group-c"];

/// (point, replication, group, metric) → value.
type Long = BTreeMap<(usize, u64, String, String), String>;

fn parse_long(text: &str) -> Long {
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("point,replication,group,metric,value"),
        "the header"
    );
    let mut long = Long::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 5, "{line}");
        let key = (
            f[0].parse().unwrap(),
            f[1].parse().unwrap(),
            f[2].to_string(),
            f[3].to_string(),
        );
        assert!(long.insert(key, f[4].to_string()).is_none(), "{line} twice");
    }
    long
}

fn run_csv(args: &[&str]) -> String {
    let out = survsim()
        .arg("run")
        .args(args)
        .args(["--format", "csv", "-q"])
        .output()
        .unwrap();
    String::from_utf8(succeeded(out)).unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_sweeps_long_results_hold_every_replication_and_group_of_every_point() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let reps = 3u64;
    succeeded(
        survsim()
            .arg("sweep")
            .args(SMALL)
            .args(["--vary", "matcher.threshold=0.58,0.62"])
            .args(["--vary", "watchlist.size=1000,10000,100000"])
            .args(["--reps", "3", "--seed", "9", "-q", "--out"])
            .arg(&out)
            .output()
            .unwrap(),
    );
    let text = std::fs::read_to_string(out.join("results-long.csv")).unwrap();
    let long = parse_long(&text);
    let points = 6;
    assert_eq!(
        long.len(),
        points * reps as usize * (METRICS + GROUPS.len() * GROUP_METRICS)
    );
    // Rows come point by point, replication by replication, totals first.
    let order: Vec<(usize, u64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[1].parse().unwrap())
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("0,0,all,faces_captured,")
    );

    let results = json(&out.join("results.json"));
    for point in 0..points {
        // The same counts as the point file, replication by replication.
        let file = json(&out.join(format!("points/{point}.json")));
        let keys = file["metrics"].as_array().unwrap();
        let group_keys = file["group_metrics"].as_array().unwrap();
        for (r, rep) in file["replications"].as_array().unwrap().iter().enumerate() {
            let at = |group: &str, metric: &Value| {
                long[&(
                    point,
                    r as u64,
                    group.to_string(),
                    metric.as_str().unwrap().to_string(),
                )]
                    .clone()
            };
            for (k, v) in keys.iter().zip(rep["counts"].as_array().unwrap()) {
                assert_eq!(at("all", k), v.to_string(), "point {point} rep {r} {k}");
            }
            for (g, counts) in GROUPS.iter().zip(rep["groups"].as_array().unwrap()) {
                for (k, v) in group_keys.iter().zip(counts.as_array().unwrap()) {
                    assert_eq!(at(g, k), v.to_string(), "point {point} rep {r} {g} {k}");
                }
            }
        }
        // The wide results' means are the long results' averages.
        let sum = |metric: &str| -> f64 {
            (0..reps)
                .map(|r| {
                    long[&(point, r, "all".to_string(), metric.to_string())]
                        .parse::<f64>()
                        .unwrap()
                })
                .sum()
        };
        let mean = results["points"][point]["metrics"]["false_alerts"]["mean"]
            .as_f64()
            .unwrap();
        assert!((sum("false_alerts") / reps as f64 - mean).abs() < 1e-9);
        // And the groups add up to the totals.
        let groups: f64 = (0..reps)
            .flat_map(|r| GROUPS.map(|g| (r, g)))
            .map(|(r, g)| {
                long[&(point, r, g.to_string(), "false_alerts".to_string())]
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        assert_eq!(groups, sum("false_alerts"));
    }

    // A point's rows are `run --reps 3 --format csv` of that point, as point
    // 0 — with uncertain inputs drawn for each replication, as a sweep
    // draws them.
    let point = 4; // threshold 0.62, watchlist 10,000
    let sets = [
        "--set",
        "matcher.threshold=0.62",
        "--set",
        "watchlist.size=10000",
    ];
    let run = run_csv(&[SMALL, &sets, &["--reps", "3", "--seed", "9"]].concat());
    let from_sweep: String = text
        .lines()
        .filter(|l| l.starts_with(&format!("{point},")))
        .map(|l| format!("0{}\n", &l[l.find(',').unwrap()..]))
        .collect();
    assert_eq!(
        run,
        format!("point,replication,group,metric,value\n{from_sweep}")
    );
}

#[test]
fn run_csv_is_the_same_bytes_whatever_the_threads_and_numbers_replications_as_rep_does() {
    let args = [SMALL, &["--reps", "4"]].concat();
    let one = run_csv(&[&args[..], &["--threads", "1"]].concat());
    let two = run_csv(&[&args[..], &["--threads", "2"]].concat());
    let three = run_csv(&[&args[..], &["--threads", "3"]].concat());
    assert_eq!(one, two);
    assert_eq!(one, three);
    let long = parse_long(&one);
    assert_eq!(long.len(), 4 * (METRICS + GROUPS.len() * GROUP_METRICS));
    // `--rep 2` alone is replication 2 of `--reps 4`, numbered 2.
    let rep2 = parse_long(&run_csv(&[SMALL, &["--rep", "2"]].concat()));
    assert_eq!(rep2.len(), METRICS + GROUPS.len() * GROUP_METRICS);
    for (key, value) in &rep2 {
        assert_eq!(key.1, 2);
        assert_eq!(&long[key], value, "{key:?}");
    }
    // -o writes the same bytes to a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.csv");
    run_csv(&[&args[..], &["-o", path.to_str().unwrap()]].concat());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), one);
}

#[test]
fn with_a_pipeline_each_replication_has_its_p99_latency() {
    let text = run_csv(&["neoface-300fps-stadium", "--reps", "2"]);
    let long = parse_long(&text);
    for r in 0..2u64 {
        let key = (
            0,
            r,
            "all".to_string(),
            "p99_decision_latency_ms".to_string(),
        );
        let p99: f64 = long[&key].parse().unwrap();
        // Fixed detection and network latency alone are 70 ms.
        assert!(p99 > 70.0 && p99 < 2_000.0, "{p99}");
    }
    // Without one there is no such row.
    let plain = run_csv(&[SMALL, &["--reps", "2"]].concat());
    assert!(!plain.contains("p99_decision_latency_ms"));
}
