//! The checkpoint format of a sweep: the manifest's identity, and the
//! point files that hold finished points.
//!
//! A point file names the sweep it belongs to by a hash of the manifest
//! ([`sweep_id`]) and repeats its overrides, so a point from another sweep
//! is never taken for one of this sweep's. It holds the raw counts of every
//! replication, in replication order, with the metric keys listed once, and
//! with a pipeline each replication's p99 capture → decision latency:
//! enough to rebuild the point's headline figures and its long results, and
//! nothing that depends on the thread, process or machine that ran it. Where these files live, and how
//! they are written, is [`crate::drive::sweep`]'s business.

use super::Plan;
use crate::metrics::{
    Counts, Exposure, GroupCounts, GroupMetric, Latencies, Metric, Outcome, Table,
};
use crate::model::Model;
use serde_json::{Value, json};

/// A 64-bit FNV-1a hash, as 16 hex digits: names a sweep in its point files.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Pretty JSON with a final newline: the form of every JSON file written.
pub fn to_json_bytes(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialize");
    s.push('\n');
    s.into_bytes()
}

/// The sweep id of a manifest.
pub fn sweep_id(manifest: &Value) -> String {
    fnv1a(serde_json::to_string(manifest).expect("JSON").as_bytes())
}

/// Says how two manifests differ, in the words of the flags.
pub fn difference(old: &Value, new: &Value) -> String {
    let what = [
        ("survsim", "it was made by another survsim version"),
        ("scenario", "its scenario differs"),
        ("set", "its --set overrides differ"),
        ("seed", "its --seed differs"),
        ("grid", "its --vary grid differs"),
        ("reps", "its --reps differs"),
        (
            "fixed_parameters",
            "its --fixed-parameters differs (uncertain inputs drawn or held fixed)",
        ),
    ]
    .into_iter()
    .find(|(k, _)| old.get(*k) != new.get(*k))
    .map_or("it differs", |(_, w)| w);
    match old["command"].as_str() {
        Some(c) => format!("{what}: it was made by `{c}`"),
        None => what.to_string(),
    }
}

/// A point file: the sweep id, the index, its overrides, and the raw counts
/// of every replication in replication order (metric keys listed once);
/// with a pipeline, each replication's p99 capture → decision latency in
/// µs too (`null` if it searched no face).
pub fn encode_point(
    sweep_id: &str,
    index: usize,
    plan: &Plan,
    model: &Model,
    outcomes: &[Outcome],
) -> Vec<u8> {
    let reps: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut rep = json!({
                "counts": o.counts.0.to_vec(),
                "groups": o.groups.iter().map(|g| g.0.to_vec()).collect::<Vec<_>>(),
            });
            if model.pipeline.is_some() {
                rep["decision_p99_us"] = json!(o.decision_p99_us);
            }
            rep
        })
        .collect();
    let v = json!({
        "sweep": sweep_id,
        "index": index,
        "set": plan.grid.sets(index),
        "metrics": Metric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
        "group_metrics": GroupMetric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
        "replications": reps,
    });
    let mut s = serde_json::to_string(&v).expect("JSON values serialize");
    s.push('\n');
    s.into_bytes()
}

/// Decodes a point file's bytes and checks that they are point `index` of
/// the sweep; the error says why they are not.
pub fn decode_point(
    bytes: &[u8],
    sweep_id: &str,
    index: usize,
    plan: &Plan,
    model: &Model,
) -> Result<Vec<Outcome>, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("it is not valid JSON: {e}"))?;
    if v["sweep"].as_str() != Some(sweep_id) {
        return Err("it was made by a different sweep".into());
    }
    if v["index"].as_u64() != Some(index as u64) || v["set"] != json!(plan.grid.sets(index)) {
        return Err("its index or overrides do not match its name".into());
    }
    let keys = |ks: &[&str]| json!(ks);
    let metric_keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
    let group_keys: Vec<&str> = GroupMetric::ALL.iter().map(|m| m.key()).collect();
    if v["metrics"] != keys(&metric_keys) || v["group_metrics"] != keys(&group_keys) {
        return Err("it counts different metrics".into());
    }
    let reps = v["replications"].as_array().map_or(&[][..], |a| a);
    if reps.len() as u64 != plan.reps {
        return Err("it has a different number of replications".into());
    }
    let table =
        |x: &Value| -> Option<Vec<u64>> { x.as_array()?.iter().map(Value::as_u64).collect() };
    reps.iter()
        .map(|r| {
            let counts: Vec<u64> = table(&r["counts"]).filter(|c| c.len() == Metric::COUNT)?;
            let groups = r["groups"]
                .as_array()?
                .iter()
                .map(|g| {
                    let g = table(g).filter(|g| g.len() == GroupMetric::COUNT)?;
                    Some(GroupCounts::from_slice(&g))
                })
                .collect::<Option<Vec<_>>>()
                .filter(|g| g.len() == model.groups.len())?;
            // With a pipeline the p99 must be there (or `null`).
            let decision_p99_us = match (&model.pipeline, r.get("decision_p99_us")) {
                (None, None) | (Some(_), Some(Value::Null)) => None,
                (Some(_), Some(v)) => Some(v.as_u64()?),
                _ => return None,
            };
            // Points keep counts and the p99 only; pool statistics, time of
            // day, deployments and latency histograms are not part of a sweep's results. Empty
            // histograms allocate nothing (a default one is 0.25 MB, which
            // a point of 1,000 replications would pay 770 MB for).
            Some(Outcome {
                counts: Counts::from_slice(&counts),
                groups,
                decision_p99_us,
                pools: Vec::new(),
                latency: Latencies::empty(),
                exposure: Exposure::empty(),
                time_of_day: Default::default(),
                deployments: Vec::new(),
                lists: Vec::new(),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| "its counts are malformed".into())
}

trait FromSlice {
    fn from_slice(v: &[u64]) -> Self;
}

impl<const N: usize> FromSlice for Table<N> {
    fn from_slice(v: &[u64]) -> Self {
        let mut t = Table::<N>::default();
        t.0.copy_from_slice(v);
        t
    }
}
