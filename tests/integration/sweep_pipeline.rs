//! A sweep of a pipeline: its p99 capture → decision latency and its drop
//! rate are headline metrics, equal to what `survsim run` says of each
//! replication.

use crate::common;

use common::{json_output, succeeded, survsim};
use serde_json::Value;

/// The stadium with a matcher ten times slower than NeoFace's 300 faces/s,
/// so that the egress peak overflows its queue.
const SLOW: &[&str] = &[
    "neoface-300fps-stadium",
    "--set",
    "pipeline.pools.neoface.faces_per_s=30",
];

#[test]
fn p99_latency_and_drop_rate_are_sweep_metrics_equal_to_the_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    succeeded(
        survsim()
            .arg("sweep")
            .args(SLOW)
            .args(["--vary", "pipeline.pools.neoface.servers=1,3"])
            .args(["--reps", "3", "-q", "--out"])
            .arg(&out)
            .output()
            .unwrap(),
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let keys: Vec<&str> = v["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert!(keys.ends_with(&["p99_decision_latency_ms", "drop_rate"]));
    for chart in ["p99_decision_latency_ms.svg", "drop_rate.svg"] {
        assert!(out.join("charts").join(chart).is_file(), "{chart}");
    }
    let f = |x: &Value| x.as_f64().unwrap();
    for (point, servers) in v["points"].as_array().unwrap().iter().zip([1, 3]) {
        // Each replication on its own: `run --rep r`.
        let mut p99s = Vec::new();
        let (mut dropped, mut faces) = (0.0, 0.0);
        for rep in 0..3 {
            let rep = rep.to_string();
            let servers = format!("pipeline.pools.neoface.servers={servers}");
            let args = [SLOW, &["--set", &servers, "--rep", &rep, "-q"]].concat();
            let (_, run) = json_output(&[&["run"], &args[..]].concat());
            p99s.push(f(&run["latency"]["capture_to_decision_ms"]["p99"]));
            dropped += f(&run["totals"]["faces_dropped"]);
            faces += f(&run["totals"]["faces_captured"]);
        }
        let m = &point["metrics"];
        let p99 = p99s.iter().sum::<f64>() / 3.0;
        assert!(
            (f(&m["p99_decision_latency_ms"]["mean"]) - p99).abs() < 1e-9,
            "{servers} servers: {m} against {p99s:?}"
        );
        let (lo, hi) = (
            f(&m["p99_decision_latency_ms"]["lo"]),
            f(&m["p99_decision_latency_ms"]["hi"]),
        );
        assert!(0.0 <= lo && lo <= p99 && p99 <= hi, "{m}");
        let rate = f(&m["drop_rate"]["mean"]);
        assert!(
            (rate - dropped / faces).abs() < 1e-12,
            "{rate} against {dropped}/{faces}"
        );
        assert!(f(&m["drop_rate"]["lo"]) <= rate && rate <= f(&m["drop_rate"]["hi"]));
    }
    // One slow server drops faces and waits; three drop fewer and wait less.
    let metric = |i: usize, k: &str| f(&v["points"][i]["metrics"][k]["mean"]);
    assert!(metric(0, "drop_rate") > 0.01, "{}", metric(0, "drop_rate"));
    assert!(metric(1, "drop_rate") < metric(0, "drop_rate"));
    assert!(metric(1, "p99_decision_latency_ms") < metric(0, "p99_decision_latency_ms"));
}
