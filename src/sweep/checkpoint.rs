//! The output directory of a sweep, and checkpoints of finished points.
//!
//! ```text
//! DIR/manifest.json      the plan: survsim version, command, scenario text,
//!                        --set, --seed, grid, replications (written first)
//! DIR/points/<i>.json    point i's replications, raw counts (one per point,
//!                        written as soon as the point finishes)
//! DIR/results.csv        } derived from the point files once DIR holds
//! DIR/results.json       } every point
//! DIR/charts/*.svg       }
//! ```
//!
//! Every file is written atomically (a temporary file renamed into place), so
//! killing a sweep at any moment loses no finished point and leaves no
//! partial file; the temporary file of a write cut short is removed by the
//! next run in the directory. A point file names the sweep it belongs to by
//! a hash of the manifest and repeats its overrides, so a point from another
//! sweep is never taken for one of this sweep's. One process at a time may
//! work in a directory: it holds an advisory lock on the directory (on
//! platforms where a directory can be opened as a file).

use super::Plan;
use crate::error::{Error, InputError};
use crate::metrics::{Counts, GroupCounts, GroupMetric, Metric, Outcome, Table};
use crate::model::Model;
use crate::output::write_atomically;
use serde_json::{Value, json};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Prefix of the temporary files of [`write_atomically`].
const TEMP_PREFIX: &str = ".survsim-";

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

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

/// Reads `DIR/manifest.json`: `None` if there is none.
pub fn read_manifest(dir: &Path) -> Result<Option<Value>, Error> {
    let path = dir.join("manifest.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            InputError::whole(
                path.display().to_string(),
                format!("not a sweep manifest: {e}"),
            )
            .into()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(format!("cannot read {}", path.display()))(e)),
    }
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
    ]
    .into_iter()
    .find(|(k, _)| old.get(*k) != new.get(*k))
    .map_or("it differs", |(_, w)| w);
    match old["command"].as_str() {
        Some(c) => format!("{what}: it was made by `{c}`"),
        None => what.to_string(),
    }
}

/// A sweep's output directory, locked for this process.
pub struct OutDir {
    /// The directory.
    pub path: PathBuf,
    /// Hash of the manifest, written into every point file.
    pub sweep_id: String,
    _lock: Option<File>,
}

impl OutDir {
    /// Creates or reopens `path` for the sweep with `manifest`: locks it,
    /// removes temporary files left by a killed run, and checks that a
    /// sweep already there is the same one. A different one is an input
    /// error unless `force`, which removes its points, results and charts.
    pub fn open(path: &Path, manifest: &Value, force: bool) -> Result<OutDir, Error> {
        std::fs::create_dir_all(path.join("points"))
            .map_err(io(format!("cannot create {}", path.display())))?;
        let lock = lock(path)?;
        for sub in [".", "points", "charts"] {
            remove_files(&path.join(sub), |name| name.starts_with(TEMP_PREFIX))?;
        }
        let old = match read_manifest(path) {
            Ok(m) => m,
            Err(_) if force => None,
            Err(e) => return Err(e),
        };
        let has_points = !point_files(path)?.is_empty();
        let same = old.as_ref() == Some(manifest);
        if !same {
            if !force && (old.is_some() || has_points) {
                let why = old.as_ref().map_or_else(
                    || "it holds point files but no manifest.json".to_string(),
                    |o| difference(o, manifest),
                );
                return Err(InputError::whole(
                    format!("--out {}", path.display()),
                    format!(
                        "the directory holds a different sweep ({why}); \
                         use --force to discard it, or another --out"
                    ),
                )
                .into());
            }
            // Old points go before the new manifest is written, so that a
            // crash in between cannot pair them with it.
            remove_files(&path.join("points"), is_point_file)?;
            remove_files(&path.join("charts"), |n| n.ends_with(".svg"))?;
            remove_files(path, |n| n == "results.csv" || n == "results.json")?;
            write_atomically(&path.join("manifest.json"), &to_json_bytes(manifest))?;
        }
        Ok(OutDir {
            path: path.to_path_buf(),
            sweep_id: sweep_id(manifest),
            _lock: lock,
        })
    }

    /// `DIR/points/<index>.json`.
    pub fn point_path(&self, index: usize) -> PathBuf {
        self.path.join("points").join(format!("{index}.json"))
    }

    /// Writes a finished point atomically.
    pub fn write_point(&self, index: usize, bytes: &[u8]) -> Result<(), Error> {
        write_atomically(&self.point_path(index), bytes)
    }

    /// Which points the directory holds, each checked to belong to `plan`.
    pub fn scan_points(&self, plan: &Plan, models: &[Model]) -> Result<Vec<bool>, Error> {
        let mut present = vec![false; plan.points()];
        for (index, path) in point_files(&self.path)? {
            if index >= plan.points() {
                return Err(foreign(&path, "its index is outside the grid"));
            }
            read_point(&path, &self.sweep_id, index, plan, &models[index])?;
            present[index] = true;
        }
        Ok(present)
    }

    /// Reads point `index` back.
    pub fn read_point(
        &self,
        index: usize,
        plan: &Plan,
        model: &Model,
    ) -> Result<Vec<Outcome>, Error> {
        read_point(&self.point_path(index), &self.sweep_id, index, plan, model)
    }
}

/// The sweep id of a manifest.
pub fn sweep_id(manifest: &Value) -> String {
    fnv1a(serde_json::to_string(manifest).expect("JSON").as_bytes())
}

fn lock(path: &Path) -> Result<Option<File>, Error> {
    // A directory can be opened and locked like a file on Unix; elsewhere
    // the sweep runs without the lock.
    let Ok(file) = File::open(path) else {
        return Ok(None);
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(InputError::whole(
            format!("--out {}", path.display()),
            "another survsim process is working in this directory; wait for it, or choose another --out",
        )
        .into()),
        Err(std::fs::TryLockError::Error(_)) => Ok(None),
    }
}

fn is_point_file(name: &str) -> bool {
    name.strip_suffix(".json")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The point files in `DIR/points`, by index.
pub fn point_files(dir: &Path) -> Result<Vec<(usize, PathBuf)>, Error> {
    let points = dir.join("points");
    let entries = match std::fs::read_dir(&points) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(format!("cannot read {}", points.display()))(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(format!("cannot read {}", points.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_point_file(&name) {
            let index = name
                .trim_end_matches(".json")
                .parse::<usize>()
                .unwrap_or(usize::MAX);
            files.push((index, entry.path()));
        }
    }
    files.sort();
    Ok(files)
}

fn remove_files(dir: &Path, pick: impl Fn(&str) -> bool) -> Result<(), Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(format!("cannot read {}", dir.display()))(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io(format!("cannot read {}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if pick(&name) && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path())
                .map_err(io(format!("cannot remove {}", entry.path().display())))?;
        }
    }
    Ok(())
}

fn foreign(path: &Path, why: &str) -> Error {
    InputError::whole(
        path.display().to_string(),
        format!(
            "not a point of this sweep ({why}); delete it, or rerun with --force to start over"
        ),
    )
    .into()
}

/// A point file: the sweep id, the index, its overrides, and the raw counts
/// of every replication in replication order (metric keys listed once).
pub fn encode_point(sweep_id: &str, index: usize, plan: &Plan, outcomes: &[Outcome]) -> Vec<u8> {
    let reps: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            json!({
                "counts": o.counts.0.to_vec(),
                "groups": o.groups.iter().map(|g| g.0.to_vec()).collect::<Vec<_>>(),
            })
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

/// Reads a point file and checks that it is point `index` of the sweep.
pub fn read_point(
    path: &Path,
    sweep_id: &str,
    index: usize,
    plan: &Plan,
    model: &Model,
) -> Result<Vec<Outcome>, Error> {
    let bytes = std::fs::read(path).map_err(io(format!("cannot read {}", path.display())))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| foreign(path, &format!("it is not valid JSON: {e}")))?;
    if v["sweep"].as_str() != Some(sweep_id) {
        return Err(foreign(path, "it was made by a different sweep"));
    }
    if v["index"].as_u64() != Some(index as u64) || v["set"] != json!(plan.grid.sets(index)) {
        return Err(foreign(
            path,
            "its index or overrides do not match its name",
        ));
    }
    let keys = |ks: &[&str]| json!(ks);
    let metric_keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
    let group_keys: Vec<&str> = GroupMetric::ALL.iter().map(|m| m.key()).collect();
    if v["metrics"] != keys(&metric_keys) || v["group_metrics"] != keys(&group_keys) {
        return Err(foreign(path, "it counts different metrics"));
    }
    let reps = v["replications"].as_array().map_or(&[][..], |a| a);
    if reps.len() as u64 != plan.reps {
        return Err(foreign(path, "it has a different number of replications"));
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
            // Points keep counts only; pool statistics and latency
            // histograms are not part of a sweep's results.
            Some(Outcome {
                counts: Counts::from_slice(&counts),
                groups,
                ..Default::default()
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| foreign(path, "its counts are malformed"))
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
