//! The files the command line reads: the scenario it is given, and the
//! files that scenario names (a CSV schedule), beside it on disk.
//!
//! The library's parsing reads nothing itself: [`scenario_source`] reads
//! the scenario file, and [`DiskCompanions`] is the reader of the files it
//! names. A server never hands this reader to a request (see
//! [`ScenarioSource::preloaded`]).

use crate::error::InputError;
use crate::scenario::{MAX_SCENARIO_BYTES, ScenarioSource, bundled};
use crate::spec::{Companion, CompanionError, Companions};
use std::path::Path;
use std::sync::Arc;

/// Reads the files a scenario names from disk: a relative name is beside
/// the scenario file (the working directory for the built-in default).
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskCompanions;

impl Companions for DiskCompanions {
    fn read(&self, scenario: &str, file: &str) -> Result<Companion, CompanionError> {
        // A name in angle brackets (the built-in default) is not a path.
        let path = match Path::new(scenario).parent() {
            Some(dir) if !scenario.starts_with('<') => dir.join(file),
            _ => Path::new(file).to_path_buf(),
        };
        let name = path.display().to_string();
        let text = read_text(&path, &name, &format!("schedule file {file}"))
            .map_err(CompanionError::Unreadable)?;
        Ok(Companion { name, text })
    }
}

/// `source` with its files read from disk, unless it is bundled (its files
/// are bundled too): a scenario recorded in a sweep's manifest, reloaded.
pub fn reading_disk(source: ScenarioSource) -> ScenarioSource {
    if source.is_bundled() {
        let name = source.name.clone();
        let bundled = name
            .strip_prefix("<bundled scenario ")
            .and_then(|rest| rest.strip_suffix('>'))
            .and_then(ScenarioSource::bundled);
        return bundled.unwrap_or(source);
    }
    source.with_companions(Arc::new(DiskCompanions))
}

/// The scenario the command line names: the file if given, otherwise the
/// built-in default. A name that is not an existing file but is a bundled
/// scenario's name (`met-essex-2019`) selects that scenario. Files it
/// names are read from disk, except a bundled scenario's, which are
/// bundled too.
pub fn scenario_source(path: Option<&Path>) -> Result<ScenarioSource, InputError> {
    match path {
        None => Ok(reading_disk(ScenarioSource::builtin_default())),
        // A bare word (no directory, no extension) may name a bundled scenario.
        Some(path)
            if !path.exists() && path.components().count() == 1 && path.extension().is_none() =>
        {
            let name = path.to_str().unwrap_or_default();
            ScenarioSource::bundled(name).ok_or_else(|| {
                InputError::whole(
                    path.display().to_string(),
                    format!(
                        "no such file, nor a bundled scenario{} (bundled: {})",
                        crate::error::did_you_mean(name, bundled::names().iter().copied()),
                        bundled::names().join(", ")
                    ),
                )
            })
        }
        // `london-borough-day.toml`, not here: the bundled scenario of
        // that name, as a user who copied the name from the list meant.
        Some(path)
            if !path.exists()
                && path.components().count() == 1
                && path.extension().is_some_and(|e| e == "toml")
                && path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .and_then(ScenarioSource::bundled)
                    .is_some() =>
        {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            Ok(ScenarioSource::bundled(stem).expect("checked above"))
        }
        Some(path) => read_scenario(path).map(reading_disk),
    }
}

/// Reads a scenario file; a missing, unreadable or empty file is an input
/// error.
pub fn read_scenario(path: &Path) -> Result<ScenarioSource, InputError> {
    let name = path.display().to_string();
    let text = read_text(path, &name, "scenario file")?;
    if text.trim().is_empty() {
        return Err(InputError::whole(
            &name,
            "the scenario file is empty: write at least a [[sites]] table, or run \
             `survsim default` for a complete example",
        ));
    }
    Ok(ScenarioSource::from_text(name, text))
}

/// A records file for `survsim fit` (the bundled records without a path).
pub fn records(path: Option<&Path>) -> Result<crate::fit::Records, InputError> {
    match path {
        None => Ok(crate::fit::Records::bundled()),
        Some(path) => {
            let name = path.display().to_string();
            let text = read_text(path, &name, "records file")?;
            crate::fit::Records::parse(&name, &text)
        }
    }
}

/// The text of the file at `path` (reported as `name`, and described as
/// `what`). At most one byte past [`MAX_SCENARIO_BYTES`] is read: `/dev/zero`
/// or a runaway pipe is refused then, not when memory runs out (FIFOs and
/// devices are read like files: `<(…)` is a fair input).
fn read_text(path: &Path, name: &str, what: &str) -> Result<String, InputError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|error| InputError::whole(name, format!("cannot read the {what}: {error}")))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(InputError::whole(
            name,
            format!(
                "expected a {what} of at most {} MB; this one is larger",
                MAX_SCENARIO_BYTES >> 20
            ),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| InputError::whole(name, format!("the {what} is not valid UTF-8 text")))
}
