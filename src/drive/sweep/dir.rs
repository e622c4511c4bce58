//! A sweep's output directory: the manifest, checkpoints of finished points,
//! and the results derived from them.
//!
//! ```text
//! DIR/manifest.json      the plan: survsim version, command, scenario text,
//!                        --set, --seed, grid, replications (written first)
//! DIR/points/<i>.json    point i's replications, raw counts (one per point,
//!                        written as soon as the point finishes)
//! DIR/results-long.csv   } derived from the point files once DIR holds
//! DIR/results.csv        } every point
//! DIR/results.json       }
//! DIR/charts/*.svg       }
//! ```
//!
//! Every file is written atomically (a temporary file renamed into place), so
//! killing a sweep at any moment loses no finished point and leaves no
//! partial file; the temporary file of a write cut short is removed by the
//! next run in the directory. A point file is checked to belong to the
//! sweep before it is counted ([`crate::sweep::checkpoint`] has its format).
//! One process at a time may
//! work in a directory: it holds an advisory lock on the directory (on
//! platforms where a directory can be opened as a file).

use crate::drive::output::{AtomicFile, write_atomically, write_atomically_with, write_error};
use crate::error::{Error, InputError};
use crate::metrics::Outcome;
use crate::model::Model;
use crate::report::{Gathered, write_long_header, write_long_rows};
use crate::scenario::Scenario;
use crate::sweep::checkpoint::{PointText, decode_point, difference, sweep_id, to_json_bytes};
use crate::sweep::results::{self, Row};
use crate::sweep::{Plan, charts};
use serde_json::Value;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Prefix of the temporary files of [`write_atomically`].
const TEMP_PREFIX: &str = ".survsim-";

/// The long results: every replication of every point, one figure a row.
pub const LONG_CSV: &str = "results-long.csv";

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
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
            remove_files(path, |n| {
                ["results.csv", "results.json", LONG_CSV].contains(&n)
            })?;
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

    /// Starts writing point `index`, whose replications are then added
    /// one by one in order ([`PointFile::add`]); it is put in place only
    /// once [`PointFile::finish`]ed, so a point cut short leaves no file.
    pub fn start_point(
        &self,
        index: usize,
        plan: &Plan,
        model: &Model,
    ) -> Result<PointFile, Error> {
        let path = self.point_path(index);
        let mut file = AtomicFile::create(&path)?;
        let (head, text) = PointText::head(&self.sweep_id, index, plan, model);
        file.write_all(head.as_bytes())
            .map_err(|e| write_error(&path, e))?;
        Ok(PointFile { path, file, text })
    }

    /// Copies another directory's point file `from` here as point `index`,
    /// atomically, without holding it.
    pub fn copy_point(&self, index: usize, from: &Path) -> Result<(), Error> {
        let mut source = File::open(from).map_err(io(format!("cannot read {}", from.display())))?;
        let path = self.point_path(index);
        write_atomically_with(&path, |out| {
            std::io::copy(&mut source, out)
                .map(drop)
                .map_err(|e| write_error(&path, e))
        })
    }

    /// Which points the directory holds, each checked to belong to `plan`.
    pub fn scan_points(&self, plan: &Plan, scenarios: &[Scenario]) -> Result<Vec<bool>, Error> {
        let mut present = vec![false; plan.points()];
        for (index, path) in point_files(&self.path)? {
            if index >= plan.points() {
                return Err(foreign(&path, "its index is outside the grid"));
            }
            let model = &scenarios[index].model;
            read_point(&path, &self.sweep_id, index, plan, model, &mut |_| {})?;
            present[index] = true;
        }
        Ok(present)
    }

    /// Reads point `index` back, handing its replications to `each` in
    /// order.
    pub fn read_point(
        &self,
        index: usize,
        plan: &Plan,
        model: &Model,
        each: &mut dyn FnMut(Outcome),
    ) -> Result<(), Error> {
        let path = self.point_path(index);
        read_point(&path, &self.sweep_id, index, plan, model, each)
    }
}

/// A point file being written, replication by replication.
pub struct PointFile {
    path: PathBuf,
    file: AtomicFile,
    text: PointText,
}

impl PointFile {
    /// Adds the next replication.
    pub fn add(&mut self, outcome: &Outcome) -> Result<(), Error> {
        let text = self.text.replication(outcome);
        self.file
            .write_all(text.as_bytes())
            .map_err(|e| write_error(&self.path, e))
    }

    /// Ends the file and puts it in place.
    pub fn finish(mut self) -> Result<(), Error> {
        self.file
            .write_all(PointText::TAIL.as_bytes())
            .map_err(|e| write_error(&self.path, e))?;
        self.file.commit()
    }
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

/// Reads a point file as it comes, checking that it is point `index` of
/// the sweep, and hands its replications to `each` in order (one is held
/// at a time; on an error, the caller discards what `each` had).
pub fn read_point(
    path: &Path,
    sweep_id: &str,
    index: usize,
    plan: &Plan,
    model: &Model,
    each: &mut dyn FnMut(Outcome),
) -> Result<(), Error> {
    let file = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    decode_point(reader, sweep_id, index, plan, model, each).map_err(|why| foreign(path, &why))
}

/// Point `index` read back into its row: its replications gathered as
/// `survsim run` gathers them ([`Gathered`]), then aggregated. With
/// `long`, each replication's counts are also written there as it is read.
fn read_row<W: std::io::Write>(
    dir: &OutDir,
    plan: &Plan,
    index: usize,
    scenario: &Scenario,
    mut long: Option<&mut csv::Writer<W>>,
) -> Result<Row, Error> {
    let model = &scenario.model;
    let mut gathered = Gathered::default();
    let mut rep = 0;
    let mut failed = None;
    dir.read_point(index, plan, model, &mut |outcome| {
        if let Some(w) = long.as_deref_mut()
            && failed.is_none()
        {
            failed = write_long_rows(w, index, rep, model, std::slice::from_ref(&outcome)).err();
        }
        rep += 1;
        gathered.add(outcome);
    })?;
    if let Some(e) = failed {
        return Err(write_error(&dir.path.join(LONG_CSV), e.into()));
    }
    Ok(Row::new(plan, index, scenario, &gathered.into_outcomes()))
}

/// Reads the points the directory holds (`present`) into rows, and — when
/// it holds every point — writes `results-long.csv` (streamed, replication
/// by replication, as the points are read), the charts, `results.csv` and
/// `results.json`. Returns the rows, in index order. One point's counts
/// are held at a time.
pub fn finish(
    dir: &OutDir,
    plan: &Plan,
    scenarios: &[Scenario],
    present: &[bool],
) -> Result<Vec<Row>, Error> {
    let mut rows = Vec::new();
    if present.iter().any(|p| !p) {
        for (index, _) in present.iter().enumerate().filter(|(_, p)| **p) {
            let none: Option<&mut csv::Writer<std::io::Sink>> = None;
            rows.push(read_row(dir, plan, index, &scenarios[index], none)?);
        }
        return Ok(rows);
    }
    let long = dir.path.join(LONG_CSV);
    write_atomically_with(&long, |out| {
        let mut w = csv::Writer::from_writer(out);
        let failed = |e: csv::Error| write_error(&long, e.into());
        write_long_header(&mut w).map_err(failed)?;
        for (index, scenario) in scenarios.iter().enumerate() {
            rows.push(read_row(dir, plan, index, scenario, Some(&mut w))?);
        }
        w.flush().map_err(|e| write_error(&long, e))
    })?;
    let charts_dir = dir.path.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(io(format!("cannot create {}", charts_dir.display())))?;
    for (name, svg) in charts::render_all(plan, &rows) {
        write_atomically(&charts_dir.join(name), svg.as_bytes())?;
    }
    write_atomically(&dir.path.join("results.csv"), &results::csv(plan, &rows))?;
    write_atomically(
        &dir.path.join("results.json"),
        &to_json_bytes(&results::json(plan, &rows)),
    )?;
    Ok(rows)
}
