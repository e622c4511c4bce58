//! Scenario files: reading, `--set` overrides, and errors that point at the key.
//!
//! A scenario is a TOML file (see `scenarios/README.md` for every key). Loading
//! goes in three steps, each with its own kind of error:
//!
//! 1. **parse** the TOML (syntax errors carry line and column);
//! 2. apply `--set key.path=value` **overrides**, typed as the file would type them;
//! 3. **deserialize** into [`ScenarioFile`] (unknown keys and wrong types are
//!    errors that name the key path), then [`crate::model::Model::build`]
//!    **validates** it into a runtime model.
//!
//! Errors from steps 3 are located in the original text by key path, so the
//! user sees `file:line:column: key `a.b`: message` wherever possible.

pub mod bundled;
pub mod file;
mod locate;
mod overrides;
mod strict;

pub use file::ScenarioFile;
pub use overrides::Override;

use crate::error::{InputError, KeyPath, PathSegment, ValidationError};
use crate::model::Model;
use std::path::Path;

/// The built-in default scenario, also shipped as `scenarios/default.toml`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// Name under which the built-in default scenario is reported.
pub const DEFAULT_SCENARIO_NAME: &str = "<built-in default scenario>";

/// The largest scenario file read, in bytes (16 MiB): real scenarios are a
/// few kilobytes, and a bound keeps `/dev/zero` from exhausting memory.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Scenario text and where it came from.
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    /// File path as given, or [`DEFAULT_SCENARIO_NAME`].
    pub name: String,
    /// The TOML text.
    pub text: String,
}

impl ScenarioSource {
    /// The built-in default scenario.
    pub fn builtin_default() -> Self {
        ScenarioSource {
            name: DEFAULT_SCENARIO_NAME.to_string(),
            text: DEFAULT_SCENARIO.to_string(),
        }
    }

    /// Reads a scenario file; a missing or unreadable file is an input error.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        use std::io::Read;
        let name = path.display().to_string();
        let cannot = |e: std::io::Error| {
            InputError::whole(&name, format!("cannot read the scenario file: {e}"))
        };
        // Read at most one byte past the limit: `/dev/zero` or a runaway
        // pipe is refused after MAX_SCENARIO_BYTES, not when memory runs out.
        // (FIFOs and devices are read like files: `<(…)` is a fair input.)
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
            .map_err(cannot)?;
        if bytes.len() as u64 > MAX_SCENARIO_BYTES {
            return Err(InputError::whole(
                &name,
                format!(
                    "expected a scenario file of at most {} MB; this one is larger",
                    MAX_SCENARIO_BYTES >> 20
                ),
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| InputError::whole(&name, "the scenario file is not valid UTF-8 text"))?;
        if text.trim().is_empty() {
            return Err(InputError::whole(
                &name,
                "the scenario file is empty: write at least a [[sites]] table, or run \
                 `survsim default` for a complete example",
            ));
        }
        Ok(ScenarioSource { name, text })
    }

    /// A bundled scenario by name (see [`bundled`]).
    pub fn bundled(name: &str) -> Option<Self> {
        bundled::get(name).map(|text| ScenarioSource {
            name: format!("<bundled scenario {name}>"),
            text: text.to_string(),
        })
    }

    /// The file if given, otherwise the built-in default. A name that is not
    /// an existing file but is a bundled scenario's name (`met-essex-2019`)
    /// selects that scenario.
    pub fn from_arg(path: Option<&Path>) -> Result<Self, InputError> {
        match path {
            None => Ok(Self::builtin_default()),
            // A bare word (no directory, no extension) may name a bundled scenario.
            Some(p) if !p.exists() && p.components().count() == 1 && p.extension().is_none() => {
                let name = p.to_str().unwrap_or_default();
                Self::bundled(name).ok_or_else(|| {
                    InputError::whole(
                        p.display().to_string(),
                        format!(
                            "no such file, nor a bundled scenario (bundled: {})",
                            bundled::names().join(", ")
                        ),
                    )
                })
            }
            Some(p) => Self::read(p),
        }
    }
}

/// A scenario as the user wrote it (after overrides), and its validated model.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from.
    pub source: ScenarioSource,
    /// The overrides applied, as given.
    pub overrides: Vec<Override>,
    /// The parsed file.
    pub file: ScenarioFile,
    /// The validated runtime model.
    pub model: Model,
}

impl Scenario {
    /// Parses, overrides, deserializes and validates.
    pub fn load(source: ScenarioSource, overrides: &[Override]) -> Result<Scenario, InputError> {
        let (file, set_paths) = parse_file(&source, overrides)?;
        let set_paths: Vec<(&str, KeyPath)> = overrides
            .iter()
            .map(|o| o.raw.as_str())
            .zip(set_paths)
            .collect();
        let model = Model::build(&file).map_err(|e| locate_error(&source, &set_paths, e))?;
        Ok(Scenario {
            source,
            overrides: overrides.to_vec(),
            file,
            model,
        })
    }
}

/// Steps 1–3: TOML text plus overrides into a [`ScenarioFile`]; also returns
/// the key path each override owns (see [`Override::apply`]).
pub fn parse_file(
    source: &ScenarioSource,
    overrides: &[Override],
) -> Result<(ScenarioFile, Vec<KeyPath>), InputError> {
    let mut table: toml::Table = toml::from_str(&source.text).map_err(|e| InputError {
        source_name: source.name.clone(),
        key_path: None,
        line_col: e.span().map(|s| locate::line_col(&source.text, s.start)),
        message: format!("invalid TOML: {}", e.message().trim()),
    })?;
    let mut set_paths = Vec::with_capacity(overrides.len());
    for o in overrides {
        let resolved = o.apply(&mut table).map_err(|mut e| {
            e.source_name = format!("{} (with {})", source.name, e.source_name);
            e
        })?;
        set_paths.push((o.raw.as_str(), resolved));
    }
    let file = serde_path_to_error::deserialize(strict::Strict(toml::Value::Table(table)))
        .map_err(|e| {
            let mut path = KeyPath(
                e.path()
                    .iter()
                    .filter_map(|seg| match seg {
                        serde_path_to_error::Segment::Seq { index } => {
                            Some(PathSegment::Index(*index))
                        }
                        serde_path_to_error::Segment::Map { key } => {
                            Some(PathSegment::Key(key.clone()))
                        }
                        _ => None,
                    })
                    .collect(),
            );
            let message = e.inner().message().trim().to_string();
            // An unknown key may be reported by its parent; point at the key itself.
            let unknown = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next())
                .map(|k| PathSegment::Key(k.to_string()));
            if let Some(seg) = &unknown
                && path.0.last() != Some(seg)
            {
                path.0.push(seg.clone());
            }
            // A missing key is reported by its parent, which at the top of the
            // file has no name: name the key that is missing.
            if path.0.is_empty()
                && let Some(missing) = message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
            {
                path.0.push(PathSegment::Key(missing.to_string()));
            }
            let message = humane_serde_message(&message);
            let mut err = locate_error(
                source,
                &set_paths,
                ValidationError::new(path.clone(), message),
            );
            // An unknown key is at fault itself, not its value: point at the key.
            if unknown.is_some() && err.line_col.is_some() {
                err.line_col = locate::find_key(&source.text, &path).or(err.line_col);
            }
            err
        })?;
    Ok((file, set_paths.into_iter().map(|(_, p)| p).collect()))
}

/// Attaches the source name, and line and column where the key is in the text
/// (or names the `--set` that introduced it).
fn locate_error(
    source: &ScenarioSource,
    set_paths: &[(&str, KeyPath)],
    e: ValidationError,
) -> InputError {
    let key = e.path.to_string();
    let covers =
        |set: &KeyPath| e.path.0.len() >= set.0.len() && e.path.0[..set.0.len()] == set.0[..];
    if let Some((raw, _)) = set_paths.iter().rev().find(|(_, set)| covers(set)) {
        return InputError {
            source_name: format!("{} (with --set {raw})", source.name),
            key_path: Some(key),
            line_col: None,
            message: e.message,
        };
    }
    InputError {
        source_name: source.name.clone(),
        line_col: locate::find(&source.text, &e.path),
        key_path: (!e.path.0.is_empty()).then_some(key),
        message: e.message,
    }
}

/// serde's messages in the user's words: keys rather than fields, and kinds of
/// number rather than Rust types.
fn humane_serde_message(message: &str) -> String {
    let mut m = message.replacen("unknown field", "unknown key", 1);
    for (rust, plain) in [
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected u32", "expected a whole number ≥ 0"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a string", "expected a string in quotes"),
    ] {
        m = m.replace(rust, plain);
    }
    m
}
