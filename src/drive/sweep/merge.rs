//! `survsim merge --out DIR SHARD_DIR...`: gathers the point files of a
//! sweep's shards into one directory and writes the results a single run
//! would have written, byte for byte.
//!
//! The shards must have the same manifest (the same sweep); every point must
//! be in exactly one of them. Nothing is written unless both hold.

use super::dir::{OutDir, finish, point_files, read_manifest, read_point};
use super::{SweepOutput, load_scenarios};
use crate::error::{Error, InputError};
use crate::sweep::checkpoint::{difference, sweep_id};
use crate::sweep::{Plan, results};
use std::path::{Path, PathBuf};

/// What `survsim merge` was asked to do.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// Directory to merge into.
    pub out: PathBuf,
    /// Shard output directories.
    pub shards: Vec<PathBuf>,
    /// Replace a different sweep in `out`.
    pub force: bool,
    /// Threads for loading the points' scenarios.
    pub threads: usize,
}

fn bad(what: &Path, message: impl Into<String>) -> Error {
    InputError::whole(what.display().to_string(), message).into()
}

/// Compact list of indices: `3, 7-9, 12`.
fn ranges(v: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if j == i {
            v[i].to_string()
        } else {
            format!("{}-{}", v[i], v[j])
        });
        i = j + 1;
    }
    if parts.len() > 20 {
        let n = parts.len() - 20;
        parts.truncate(20);
        parts.push(format!("… ({n} more ranges)"));
    }
    parts.join(", ")
}

/// Per point, the shard that has it (by index in `opts.shards`) and its file.
type PointFiles = (Vec<Option<usize>>, Vec<Option<PathBuf>>);

/// Each point's shard (by index in `opts.shards`) and file: every point of
/// `plan` exactly once, or an error naming what is missing or doubled.
fn points_once(opts: &MergeOptions, plan: &Plan) -> Result<PointFiles, Error> {
    let mut owner: Vec<Option<usize>> = vec![None; plan.points()];
    let mut files: Vec<Option<PathBuf>> = vec![None; plan.points()];
    for (s, dir) in opts.shards.iter().enumerate() {
        for (index, path) in point_files(dir)? {
            if index >= plan.points() {
                return Err(bad(
                    &path,
                    "not a point of this sweep (its index is outside the grid)",
                ));
            }
            if let Some(other) = owner[index] {
                return Err(bad(
                    dir,
                    format!(
                        "point {index} is in two shards, {} and {}: merge each point once",
                        opts.shards[other].display(),
                        dir.display()
                    ),
                ));
            }
            owner[index] = Some(s);
            files[index] = Some(path);
        }
    }
    let missing: Vec<usize> = (0..plan.points()).filter(|&i| owner[i].is_none()).collect();
    if !missing.is_empty() {
        return Err(InputError::whole(
            "merge",
            format!(
                "{} of {} points are in none of the shards given: {}; run the missing shards first",
                missing.len(),
                plan.points(),
                ranges(&missing)
            ),
        )
        .into());
    }
    Ok((owner, files))
}

/// Merges the shards; returns the summary table, and a note saying what was
/// merged.
pub fn merge(opts: &MergeOptions) -> Result<SweepOutput, Error> {
    if opts.shards.is_empty() {
        return Err(InputError::whole("merge", "give at least one shard directory").into());
    }
    let out_canon = std::fs::canonicalize(&opts.out).ok();
    let mut manifest = None;
    let mut canon: Vec<PathBuf> = Vec::new();
    for dir in &opts.shards {
        let c = std::fs::canonicalize(dir)
            .map_err(|e| bad(dir, format!("cannot open the shard directory: {e}")))?;
        if canon.contains(&c) {
            return Err(bad(dir, "this shard directory is given twice"));
        }
        canon.push(c);
        let m = read_manifest(dir)?
            .ok_or_else(|| bad(dir, "not a sweep directory: it has no manifest.json"))?;
        match &manifest {
            None => manifest = Some(m),
            Some(first) if *first != m => {
                return Err(bad(
                    dir,
                    format!(
                        "this shard is of a different sweep than {} ({})",
                        opts.shards[0].display(),
                        difference(&m, first)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let manifest = manifest.expect("at least one shard");
    let mut plan = Plan::from_manifest(&manifest).ok_or_else(|| {
        bad(
            &opts.shards[0].join("manifest.json"),
            format!(
                "not a manifest this survsim ({}) can read; merge with the version that made it",
                env!("CARGO_PKG_VERSION")
            ),
        )
    })?;

    plan.source = crate::drive::files::reading_disk(plan.source);

    let (owner, files) = points_once(opts, &plan)?;

    let scenarios = load_scenarios(&plan, opts.threads)?;
    let id = sweep_id(&manifest);
    // Every point is checked before anything is written; each is read as
    // it comes, then copied the same way, so no shard is held in memory.
    let files: Vec<PathBuf> = files.into_iter().flatten().collect();
    for (index, path) in files.iter().enumerate() {
        read_point(
            path,
            &id,
            index,
            &plan,
            &scenarios[index].model,
            &mut |_| {},
        )?;
    }

    let dir = OutDir::open(&opts.out, &manifest, opts.force)?;
    for (index, path) in files.iter().enumerate() {
        // A shard that is the output directory already holds its points.
        let own = out_canon.is_some() && out_canon.as_ref() == canon.get(owner[index].unwrap_or(0));
        if !own {
            dir.copy_point(index, path)?;
        }
    }
    let present = vec![true; plan.points()];
    let rows = finish(&dir, &plan, &scenarios, &present)?;
    let note = format!(
        "merged {} points from {} shard director{} into {}",
        plan.points(),
        opts.shards.len(),
        if opts.shards.len() == 1 { "y" } else { "ies" },
        opts.out.display()
    );
    Ok(SweepOutput {
        summary: results::summary(&plan, &scenarios, &rows),
        notes: vec![note],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_are_compact() {
        assert_eq!(super::ranges(&[1, 3, 4, 5, 9]), "1, 3-5, 9");
        assert_eq!(super::ranges(&[0]), "0");
    }
}
