//! Where scenario text comes from: a file, a bundled scenario, or the
//! built-in default — and where the files a scenario names (its CSV
//! schedule, `deployments_file`) come from.
//!
//! The library reads no file of its own accord. A scenario's text is given
//! to it, and so are its companion files: through the [`Companions`] its
//! [`ScenarioSource`] carries. The command line supplies one that reads
//! the disk beside the scenario file (`drive::files`); `survsim serve`
//! supplies only what was read when it started ([`ScenarioSource::preloaded`]),
//! so that no request can make it open a file.

use super::bundled;
use crate::error::InputError;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The built-in default scenario, also shipped as `scenarios/default.toml`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// Name under which the built-in default scenario is reported.
pub const DEFAULT_SCENARIO_NAME: &str = "<built-in default scenario>";

/// The largest scenario or schedule file read, in bytes (16 MiB): real
/// scenarios are a few kilobytes, and a bound keeps `/dev/zero` from
/// exhausting memory.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// A companion file, read: the name to report it by, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companion {
    /// The name errors give it (a path, or `<bundled file …>`).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Why a companion file was not given.
#[derive(Debug)]
pub enum CompanionError {
    /// This reader does not offer the file: the error belongs at the key
    /// that names it. The text says why, in the user's words.
    NotOffered(String),
    /// The file was looked for and could not be read (an error that names
    /// the file).
    Unreadable(InputError),
}

/// Where the files a scenario names come from, supplied by the caller.
pub trait Companions: Send + Sync + fmt::Debug {
    /// The file `file` as named by the scenario called `scenario` (its
    /// source's name).
    fn read(&self, scenario: &str, file: &str) -> Result<Companion, CompanionError>;
}

/// Offers no file: a scenario given as text names none it can use.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCompanions;

impl Companions for NoCompanions {
    fn read(&self, _scenario: &str, file: &str) -> Result<Companion, CompanionError> {
        Err(CompanionError::NotOffered(format!(
            "this scenario was given as text, so {file:?} cannot be read: give the schedule as \
             [[deployments]] tables instead"
        )))
    }
}

/// The files shipped with the bundled scenarios ([`bundled::COMPANIONS`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct BundledCompanions;

impl Companions for BundledCompanions {
    fn read(&self, scenario: &str, file: &str) -> Result<Companion, CompanionError> {
        bundled::companion(file)
            .map(|text| Companion {
                name: format!("<bundled file {file}>"),
                text: text.to_string(),
            })
            .ok_or_else(|| {
                CompanionError::NotOffered(format!(
                    "{scenario} is bundled, and {file:?} is not one of the files bundled with it ({})",
                    bundled::COMPANIONS
                        .iter()
                        .map(|(name, _)| *name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// Only the files read before, by the names the scenario gave them: what
/// `survsim serve` offers its requests, so that a request naming any other
/// file is refused without opening it.
#[derive(Debug, Clone, Default)]
pub struct PreloadedCompanions {
    files: BTreeMap<String, Companion>,
}

impl Companions for PreloadedCompanions {
    fn read(&self, _scenario: &str, file: &str) -> Result<Companion, CompanionError> {
        self.files.get(file).cloned().ok_or_else(|| {
            let offered = if self.files.is_empty() {
                "none".to_string()
            } else {
                self.files
                    .keys()
                    .map(|name| format!("{name:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            CompanionError::NotOffered(format!(
                "the server reads no file a request names; it offers only the files its scenario \
                 named when it started ({offered})"
            ))
        })
    }
}

/// Scenario text, where it came from, and where its companion files come
/// from.
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    /// File path as given, or [`DEFAULT_SCENARIO_NAME`].
    pub name: String,
    /// The TOML text.
    pub text: String,
    /// Where the files it names are read from.
    pub companions: Arc<dyn Companions>,
}

impl ScenarioSource {
    /// Scenario text called `name`, naming no file it can read.
    pub fn from_text(name: impl Into<String>, text: impl Into<String>) -> Self {
        ScenarioSource {
            name: name.into(),
            text: text.into(),
            companions: Arc::new(NoCompanions),
        }
    }

    /// The built-in default scenario.
    pub fn builtin_default() -> Self {
        Self::from_text(DEFAULT_SCENARIO_NAME, DEFAULT_SCENARIO)
    }

    /// A bundled scenario by name (see [`bundled`]), with the files bundled
    /// with it.
    pub fn bundled(name: &str) -> Option<Self> {
        bundled::get(name).map(|text| ScenarioSource {
            name: format!("<bundled scenario {name}>"),
            text: text.to_string(),
            companions: Arc::new(BundledCompanions),
        })
    }

    /// Whether this is a bundled scenario (whose files are bundled too).
    pub fn is_bundled(&self) -> bool {
        self.name.starts_with("<bundled scenario ")
    }

    /// The same scenario, its files read through `companions`.
    pub fn with_companions(self, companions: Arc<dyn Companions>) -> Self {
        ScenarioSource { companions, ..self }
    }

    /// A file the scenario names, read through its [`Companions`].
    pub fn companion(&self, file: &str) -> Result<Companion, CompanionError> {
        self.companions.read(&self.name, file)
    }

    /// The same scenario, offering only the files its own text names (its
    /// `deployments_file` and `matcher.profile_file`, read now) and no
    /// other: what a server hands its requests, so that none can make it
    /// open a file. An error if one cannot be read now.
    pub fn preloaded(&self) -> Result<Self, InputError> {
        let mut files = BTreeMap::new();
        let table = toml::from_str::<toml::Table>(&self.text).unwrap_or_default();
        let named = [
            table.get("deployments_file"),
            table
                .get("matcher")
                .and_then(|m| m.as_table())
                .and_then(|m| m.get("profile_file")),
        ];
        for file in named.into_iter().flatten().filter_map(|v| v.as_str()) {
            let file = file.to_string();
            let companion = self.companion(&file).map_err(|error| match error {
                CompanionError::Unreadable(error) => error,
                CompanionError::NotOffered(why) => InputError::whole(&self.name, why),
            })?;
            files.insert(file, companion);
        }
        Ok(self
            .clone()
            .with_companions(Arc::new(PreloadedCompanions { files })))
    }
}
