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

/// A point file's text, made piece by piece so that a point of any number
/// of replications is written as its replications come in, without being
/// held: [`PointText::head`], then [`PointText::replication`] for each
/// replication in order, then [`PointText::TAIL`]. The pieces make one JSON
/// object, on one line: the sweep id, the index, its overrides, the metric
/// keys (listed once), and the raw counts of every replication in
/// replication order; with a pipeline, each replication's p99 capture →
/// decision latency in µs too (`null` if it searched no face).
pub struct PointText {
    pipeline: bool,
    written: u64,
}

impl PointText {
    /// What ends a point file.
    pub const TAIL: &'static str = "]}\n";

    /// The text before the replications, and the writer of the rest.
    pub fn head(sweep_id: &str, index: usize, plan: &Plan, model: &Model) -> (String, PointText) {
        let head = json!({
            "sweep": sweep_id,
            "index": index,
            "set": plan.grid.sets(index),
            "metrics": Metric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
            "group_metrics": GroupMetric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string(&head).expect("JSON values serialize");
        // The same bytes as the whole object serialized at once.
        text.pop();
        text.push_str(",\"replications\":[");
        let writer = PointText {
            pipeline: model.pipeline.is_some(),
            written: 0,
        };
        (text, writer)
    }

    /// The next replication's text (after a comma, but for the first).
    pub fn replication(&mut self, o: &Outcome) -> String {
        let mut rep = json!({
            "counts": o.counts.0.to_vec(),
            "groups": o.groups.iter().map(|g| g.0.to_vec()).collect::<Vec<_>>(),
        });
        if self.pipeline {
            rep["decision_p99_us"] = json!(o.decision_p99_us);
        }
        let text = serde_json::to_string(&rep).expect("JSON values serialize");
        self.written += 1;
        if self.written == 1 {
            text
        } else {
            format!(",{text}")
        }
    }
}

/// Decodes a point file as it is read, checking that it is point `index`
/// of the sweep, and hands each replication's outcome to `each`, in
/// replication order; the error says why the file is not that point. Only
/// one replication is held at a time. On an error, `each` may already have
/// had some replications: the caller discards them.
pub fn decode_point(
    reader: impl std::io::Read,
    sweep_id: &str,
    index: usize,
    plan: &Plan,
    model: &Model,
    each: &mut dyn FnMut(Outcome),
) -> Result<(), String> {
    let mut decoder = PointDecoder {
        sweep_id,
        index,
        plan,
        model,
        each,
        header: serde_json::Map::new(),
        failure: None,
        replications: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    serde::Deserializer::deserialize_map(&mut de, &mut decoder)
        .and_then(|()| de.end())
        .map_err(|e| format!("it is not valid JSON: {e}"))?;
    match decoder.failure {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

/// The keys of a point file before its replications.
const HEADER_KEYS: [&str; 5] = ["sweep", "index", "set", "metrics", "group_metrics"];

/// A point file being decoded: its header as read so far, and the first
/// reason it is not the point it should be (after which the rest is only
/// read through, so that a broken file still says it is broken JSON).
struct PointDecoder<'a, 'f> {
    sweep_id: &'a str,
    index: usize,
    plan: &'a Plan,
    model: &'a Model,
    each: &'f mut dyn FnMut(Outcome),
    header: serde_json::Map<String, Value>,
    failure: Option<String>,
    replications: u64,
}

impl PointDecoder<'_, '_> {
    /// Checks the header read so far: the sweep, the index and overrides,
    /// the metric keys.
    fn check_header(&self) -> Result<(), String> {
        let v = &self.header;
        if v.get("sweep").and_then(Value::as_str) != Some(self.sweep_id) {
            return Err("it was made by a different sweep".into());
        }
        if v.get("index").and_then(Value::as_u64) != Some(self.index as u64)
            || v.get("set") != Some(&json!(self.plan.grid.sets(self.index)))
        {
            return Err("its index or overrides do not match its name".into());
        }
        let keys = |ks: &[&str]| json!(ks);
        let metric_keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
        let group_keys: Vec<&str> = GroupMetric::ALL.iter().map(|m| m.key()).collect();
        if v.get("metrics") != Some(&keys(&metric_keys))
            || v.get("group_metrics") != Some(&keys(&group_keys))
        {
            return Err("it counts different metrics".into());
        }
        Ok(())
    }

    /// Takes the next replication, unless the file has already failed.
    fn take(&mut self, rep: &Value) {
        if self.failure.is_some() {
            return;
        }
        self.replications += 1;
        if self.replications > self.plan.reps {
            self.failure = Some("it has a different number of replications".into());
            return;
        }
        match outcome_of(rep, self.model) {
            Some(o) => (self.each)(o),
            None => self.failure = Some("its counts are malformed".into()),
        }
    }
}

impl<'de> serde::de::Visitor<'de> for &mut PointDecoder<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sweep's point file (a JSON object)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut replications_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "replications" && !replications_seen && self.failure.is_none() {
                replications_seen = true;
                // The header comes first in the files a sweep writes: it is
                // checked before any replication is handed over.
                self.failure = self.check_header().err();
                map.next_value_seed(Replications(&mut *self))?;
            } else if HEADER_KEYS.contains(&key.as_str()) && !self.header.contains_key(&key) {
                let value = map.next_value::<Value>()?;
                self.header.insert(key, value);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if self.failure.is_none() && !replications_seen {
            self.failure = self.check_header().err();
        }
        if self.failure.is_none() && self.replications != self.plan.reps {
            self.failure = Some("it has a different number of replications".into());
        }
        Ok(())
    }
}

/// A point file's `replications`, read one at a time.
struct Replications<'d, 'a, 'f>(&'d mut PointDecoder<'a, 'f>);

impl<'de> serde::de::DeserializeSeed<'de> for Replications<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Replications<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of replications")
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(rep) = seq.next_element::<Value>()? {
            self.0.take(&rep);
        }
        Ok(())
    }

    // Anything else holds no replication (the count then does not match).
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(())
    }
}

/// One replication of a point file as an outcome; `None` if malformed.
fn outcome_of(r: &Value, model: &Model) -> Option<Outcome> {
    let table =
        |x: &Value| -> Option<Vec<u64>> { x.as_array()?.iter().map(Value::as_u64).collect() };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, ScenarioSource};
    use crate::sweep::Grid;

    fn plan(reps: u64) -> Plan {
        Plan {
            source: ScenarioSource::builtin_default(),
            sets: Vec::new(),
            seed: None,
            grid: Grid::parse(&["matcher.threshold=0.6,0.62".to_string()]).unwrap(),
            reps,
            fixed_parameters: false,
        }
    }

    fn outcomes(model: &Model, reps: u64) -> Vec<Outcome> {
        (0..reps)
            .map(|r| {
                let mut o = crate::engine::run_replication(model, r);
                o.compact();
                o
            })
            .collect()
    }

    #[test]
    fn a_point_written_piece_by_piece_is_the_whole_object_serialized() {
        let plan = plan(3);
        let scenario = Scenario::load(plan.source.clone(), &plan.overrides(1)).unwrap();
        let model = &scenario.model;
        let outcomes = outcomes(model, 3);
        // The format as one JSON value, as point files were first written.
        let whole = json!({
            "sweep": "0123456789abcdef",
            "index": 1,
            "set": plan.grid.sets(1),
            "metrics": Metric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
            "group_metrics": GroupMetric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
            "replications": outcomes.iter().map(|o| json!({
                "counts": o.counts.0.to_vec(),
                "groups": o.groups.iter().map(|g| g.0.to_vec()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        let text = encode_with(&plan, model, &outcomes);
        assert_eq!(text, serde_json::to_string(&whole).unwrap() + "\n");

        // Read back one replication at a time, the same counts.
        let mut back = Vec::new();
        let read = |bytes: &[u8], back: &mut Vec<Outcome>| {
            decode_point(bytes, "0123456789abcdef", 1, &plan, model, &mut |o| {
                back.push(o)
            })
        };
        read(text.as_bytes(), &mut back).unwrap();
        assert_eq!(back.len(), 3);
        for (a, b) in back.iter().zip(&outcomes) {
            assert_eq!((&a.counts, &a.groups), (&b.counts, &b.groups));
        }
        // What is not this point says why, whatever it hands over first.
        let cases = [
            (
                text.replace("0123456789abcdef", "fedcba9876543210"),
                "different sweep",
            ),
            (
                text.replacen("\"index\":1", "\"index\":0", 1),
                "index or overrides",
            ),
            (
                text.replacen("{\"counts\":[", "{\"counts\":[1,", 1),
                "malformed",
            ),
            (text[..text.len() - 20].to_string(), "not valid JSON"),
        ];
        for (bytes, why) in cases {
            let err = read(bytes.as_bytes(), &mut Vec::new()).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
        let fewer = encode_with(&plan, model, &outcomes[..2]);
        let err = read(fewer.as_bytes(), &mut Vec::new()).unwrap_err();
        assert!(err.contains("number of replications"), "{err}");
    }

    fn encode_with(plan: &Plan, model: &Model, outcomes: &[Outcome]) -> String {
        let (mut text, mut writer) = PointText::head("0123456789abcdef", 1, plan, model);
        for o in outcomes {
            text.push_str(&writer.replication(o));
        }
        text + PointText::TAIL
    }
}
