//! `survsim stress` finds limits that can be computed by hand.
//!
//! A pool with no waiting room (queue_capacity = 0) is Erlang's loss system
//! M/G/c/c: the share of faces dropped is B(c, λ/μ), whatever the service
//! distribution. So the load at which `drop-rate=0.01` breaks, and the
//! fewest servers that meet it, are known in closed form.

use crate::common;

use common::{json_output, survsim};
use serde_json::Value;

fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// One site with Poisson arrivals at `rate_per_s` into `servers` servers of
/// 300 faces/s with no queue.
fn loss_system(dir: &std::path::Path, rate_per_s: f64, servers: u32) -> std::path::PathBuf {
    let path = dir.join("loss.toml");
    std::fs::write(
        &path,
        format!(
            "[simulation]\nduration = \"1h\"\nseed = 8\n[population]\nresidents = 100000\n\
             [[sites]]\nname = \"s\"\nfootfall_per_hour = {}\n[watchlist]\nsize = 1000\n\
             [pipeline]\ndetection_faces_per_s = 1e12\ndetection_latency = \"0s\"\nnetwork_latency = \"0s\"\n\
             [[pipeline.pools]]\nname = \"p\"\nservers = {servers}\nfaces_per_s = 300\nqueue_capacity = 0\n",
            rate_per_s * 3600.0
        ),
    )
    .unwrap();
    path
}

fn stress_json(args: &[&str]) -> Value {
    json_output(&[&["stress"], args].concat()).1
}

#[test]
fn finds_the_erlang_b_load_limit() {
    // 4 servers at 300/s: B(4, a) = 1 % at a = 0.8694, i.e. 260.8 faces/s,
    // which is ×2.608 of a 100 faces/s scenario.
    let dir = tempfile::tempdir().unwrap();
    let path = loss_system(dir.path(), 100.0, 4);
    let v = stress_json(&[path.to_str().unwrap(), "--target", "drop-rate=0.01"]);
    let mut lo = 0.1;
    let mut hi = 10.0;
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if erlang_b(4, mid) < 0.01 {
            lo = mid
        } else {
            hi = mid
        }
    }
    let want = lo * 300.0 / 100.0;
    let got = v["best"]["load"].as_f64().unwrap();
    assert!(
        (got / want - 1.0).abs() < 0.03,
        "limit ×{got}, Erlang B gives ×{want}"
    );
    assert_eq!(v["first_broken"], "drop-rate");
    assert!(v["curve"].as_array().unwrap().len() >= 5);
}

#[test]
fn solves_the_fewest_matchers_erlang_b_allows() {
    // 1,000 faces/s at 300/s per server: a = 3.33; B(8, a) = 1.36 %,
    // B(9, a) = 0.50 %, so 9 servers are the fewest with drops ≤ 1 %.
    let dir = tempfile::tempdir().unwrap();
    let path = loss_system(dir.path(), 1000.0, 1);
    let v = stress_json(&[
        path.to_str().unwrap(),
        "--target",
        "drop-rate=0.01",
        "--solve",
        "matchers",
    ]);
    let want = (1..)
        .find(|&c| erlang_b(c, 1000.0 / 300.0) <= 0.01)
        .unwrap();
    assert_eq!(v["best"]["servers"].as_u64().unwrap(), want as u64);
}

#[test]
fn a_scenario_without_a_pipeline_cannot_be_stressed() {
    survsim()
        .args(["stress", "--target", "drop-rate=0.01"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("[pipeline]"));
    survsim()
        .args(["stress", "neoface-300fps-stadium", "--target", "speed=3"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("p99-decision-latency"));
}

/// The bundled stadium's egress at twenty times its footfall, against one
/// to a few matchers: the case (a latency target alone).
const STADIUM_AT_20: [&str; 7] = [
    "neoface-300fps-stadium",
    "--solve",
    "matchers",
    "--load",
    "20",
    "--target",
    "p99-decision-latency=2s",
];

/// `stress` of [`STADIUM_AT_20`], with `extra` flags, as JSON.
fn stadium_at_20(extra: &[&str]) -> Value {
    stress_json(&[&STADIUM_AT_20[..], extra].concat())
}

#[test]
fn a_latency_target_alone_does_not_hold_while_faces_are_dropped() {
    // p99 leaves dropped faces out: two servers meet 2 s while dropping 7 %
    // of faces. The default drop-rate target (1 %) makes that a break.
    let v = stadium_at_20(&[]);
    assert_eq!(
        v["targets"],
        serde_json::json!([
            { "name": "p99-decision-latency", "limit": 2, "default": false },
            { "name": "drop-rate", "limit": 0.01, "default": true },
        ])
    );
    let curve = v["curve"].as_array().unwrap();
    let two = curve.iter().find(|p| p["servers"] == 2).unwrap();
    assert!(
        two["p99_decision_latency_ms"].as_f64().unwrap() < 2_000.0,
        "{two}"
    );
    assert!(two["drop_rate"].as_f64().unwrap() > 0.05, "{two}");
    assert_eq!(two["broken"], "drop-rate");
    assert_eq!(v["best"]["servers"], 3);
    assert!(v["best"]["drop_rate"].as_f64().unwrap() <= 0.01);
    // The table says which rule applied.
    let table = survsim()
        .arg("stress")
        .args(STADIUM_AT_20)
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.starts_with(
            "targets: p99-decision-latency ≤ 2 s, drop-rate ≤ 0.01 (by default)\n\
             (latency percentiles leave dropped faces out"
        ),
        "{text}"
    );
    // A drop-rate target of one's own replaces the default.
    let v = stadium_at_20(&["--target", "drop-rate=0.1"]);
    assert_eq!(v["targets"].as_array().unwrap().len(), 2);
    assert_eq!(v["targets"][1]["default"], false);
    assert_eq!(v["best"]["servers"], 2);
}

#[test]
fn utilisation_is_the_busiest_hours() {
    // 100 faces/s for one hour of four, into one 300 faces/s server:
    // utilisation 1/3 in that hour, 1/12 over the run.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.toml");
    std::fs::write(
        &path,
        "[simulation]\nduration = \"4h\"\nseed = 8\n[population]\nresidents = 100000\n\
         [[sites]]\nname = \"s\"\nfootfall_per_hour = 360000\nactive = [\"01:30-02:30\"]\n\
         [watchlist]\nsize = 1000\n\
         [pipeline]\ndetection_faces_per_s = 1e12\ndetection_latency = \"0s\"\nnetwork_latency = \"0s\"\n\
         [[pipeline.pools]]\nname = \"p\"\nservers = 1\nfaces_per_s = 300\n",
    )
    .unwrap();
    let v = stress_json(&[
        path.to_str().unwrap(),
        "--solve",
        "matchers",
        "--target",
        "utilisation=0.5",
    ]);
    let one = &v["curve"][0];
    assert_eq!(one["servers"], 1);
    let (peak, day) = (
        one["peak_hour_utilisation"].as_f64().unwrap(),
        one["utilisation"].as_f64().unwrap(),
    );
    assert!((peak - 1.0 / 3.0).abs() < 0.01, "peak hour {peak}");
    assert!((day - 1.0 / 12.0).abs() < 0.005, "whole run {day}");
    assert!(one["holds"].as_bool().unwrap());
    // A limit below the peak hour's utilisation breaks, though the run's
    // average is far below it.
    let v = stress_json(&[
        path.to_str().unwrap(),
        "--solve",
        "matchers",
        "--target",
        "utilisation=0.2",
    ]);
    assert_eq!(v["curve"][0]["broken"], "utilisation");
    assert_eq!(v["best"]["servers"], 2);
}
