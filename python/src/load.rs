//! Scenarios and records as the command line reads them.
//!
//! The Python package decides what a string is (TOML text, a path, a
//! bundled name: see `survsim/_args.py`) and hands over a [`ScenarioArgs`];
//! from there the scenario is loaded exactly as `survsim run SCENARIO --set
//! … --seed … --engine … --fixed-parameters` loads it: the same reader of
//! files and bundled names, the same overrides in the same order, and so
//! the same errors.

use pyo3::prelude::*;
use std::path::Path;
use survsim::drive::files::{reading_disk, scenario_source};
use survsim::error::InputError;
use survsim::fit::Records;
use survsim::scenario::{Override, Scenario, ScenarioSource};

/// The name a scenario given as text goes by in reports and errors.
pub const SCENARIO_TEXT: &str = "<scenario text>";

/// The name records given as text go by.
pub const RECORDS_TEXT: &str = "<records text>";

/// Where a scenario (or records) comes from: `("default", None)`,
/// `("text", TOML)` or `("path", PATH_OR_BUNDLED_NAME)`.
#[derive(Debug, Clone, FromPyObject)]
pub struct Given(String, Option<String>);

/// A scenario and what the command line's scenario flags say of it: the
/// source, `--set`s, `--seed`, `--engine` and `--fixed-parameters`.
#[derive(Debug, Clone, FromPyObject)]
pub struct ScenarioArgs(Given, Vec<String>, Option<u64>, Option<String>, bool);

impl Given {
    /// The scenario's text, read as the command line reads its argument.
    pub fn scenario(&self) -> Result<ScenarioSource, InputError> {
        match (self.0.as_str(), &self.1) {
            ("text", Some(text)) => Ok(reading_disk(ScenarioSource::from_text(
                SCENARIO_TEXT,
                text.as_str(),
            ))),
            ("path", Some(path)) => scenario_source(Some(Path::new(path))),
            _ => scenario_source(None),
        }
    }

    /// The records, read as `survsim fit [RECORDS]` reads them.
    pub fn records(&self) -> Result<Records, InputError> {
        match (self.0.as_str(), &self.1) {
            ("text", Some(text)) => Records::parse(RECORDS_TEXT, text),
            ("path", Some(path)) => survsim::drive::files::records(Some(Path::new(path))),
            _ => survsim::drive::files::records(None),
        }
    }
}

impl ScenarioArgs {
    /// The scenario, with the `--set`s, the seed and the engine applied,
    /// validated (`ScenarioArgs::load` of the command line).
    pub fn load(&self) -> Result<Scenario, InputError> {
        let source = self.0.scenario()?;
        let mut overrides = self.overrides()?;
        if let Some(seed) = self.2 {
            overrides.push(format!("simulation.seed={seed}").parse()?);
        }
        overrides.extend(self.engine()?);
        let mut scenario = Scenario::load(source, &overrides)?;
        scenario.parameters_fixed = self.4;
        Ok(scenario)
    }

    /// Where the scenario comes from.
    pub fn given(&self) -> &Given {
        &self.0
    }

    /// The `--set`s, each parsed.
    pub fn overrides(&self) -> Result<Vec<Override>, InputError> {
        self.1.iter().map(|s| s.parse::<Override>()).collect()
    }

    /// `--seed`.
    pub fn seed(&self) -> Option<u64> {
        self.2
    }

    /// `--engine`, as the override of `simulation.engine` it stands for.
    pub fn engine(&self) -> Result<Option<Override>, InputError> {
        self.3
            .as_ref()
            .map(|name| format!("simulation.engine=\"{name}\"").parse())
            .transpose()
    }

    /// `--fixed-parameters`.
    pub fn fixed_parameters(&self) -> bool {
        self.4
    }
}
