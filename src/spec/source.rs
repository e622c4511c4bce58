//! Where scenario text comes from: a file, a bundled scenario, or the
//! built-in default.

use super::bundled;
use crate::error::InputError;
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
        let name = path.display().to_string();
        let text = read_text(path, &name, "scenario file")?;
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

    /// A file the scenario names (a deployment schedule): beside the
    /// scenario file (a relative path), or shipped with a bundled scenario.
    /// Returns the name to report it by and its text.
    pub fn companion(&self, file: &str) -> Result<(String, String), InputError> {
        if let Some(bundled) = self.name.strip_prefix("<bundled scenario ") {
            let bundled = bundled.trim_end_matches('>');
            return bundled::companion(file)
                .map(|text| (format!("<bundled file {file}>"), text.to_string()))
                .ok_or_else(|| {
                    InputError::whole(
                        &self.name,
                        format!("bundled scenario {bundled} names {file}, which is not bundled"),
                    )
                });
        }
        let path = match Path::new(&self.name).parent() {
            Some(dir) if self.name != DEFAULT_SCENARIO_NAME => dir.join(file),
            _ => Path::new(file).to_path_buf(),
        };
        let name = path.display().to_string();
        let text = read_text(&path, &name, &format!("schedule file {file}"))?;
        Ok((name, text))
    }

    /// The file if given, otherwise the built-in default. A name that is not
    /// an existing file but is a bundled scenario's name (`met-essex-2019`)
    /// selects that scenario.
    pub fn from_arg(path: Option<&Path>) -> Result<Self, InputError> {
        match path {
            None => Ok(Self::builtin_default()),
            // A bare word (no directory, no extension) may name a bundled scenario.
            Some(path)
                if !path.exists()
                    && path.components().count() == 1
                    && path.extension().is_none() =>
            {
                let name = path.to_str().unwrap_or_default();
                Self::bundled(name).ok_or_else(|| {
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
            Some(path) => Self::read(path),
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
