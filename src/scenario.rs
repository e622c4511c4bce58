//! A scenario: the file as the user wrote it, with its overrides, and the
//! model validated from it.
//!
//! Loading sits above its two halves: [`crate::spec`] reads the TOML and the
//! `--set` overrides into a typed [`ScenarioFile`], and [`crate::model`]
//! validates that into a runtime [`Model`]. [`Scenario::load`] runs one then
//! the other, and places the model's errors at the key in the text the user
//! wrote. The reading half is re-exported here, so that loading a scenario
//! needs this one module.

pub use crate::spec::{
    DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, MAX_SCENARIO_BYTES, Override, ScenarioFile,
    ScenarioSource, bundled,
};

use crate::error::{InputError, ValidationError};
use crate::model::Model;
use crate::spec::Parsed;

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
    /// The model's warnings ([`Model::warnings`]) placed in the text as
    /// errors are — the file, line and column of the key, or the `--set`
    /// that wrote it — for the binary to print. They stop nothing.
    pub warnings: Vec<InputError>,
}

impl Scenario {
    /// Parses, overrides, deserializes and validates.
    pub fn load(source: ScenarioSource, overrides: &[Override]) -> Result<Scenario, InputError> {
        let parsed = Parsed::new(&source, overrides)?;
        let model = Model::build(&parsed.file).map_err(|error| parsed.locate(error))?;
        let warnings = model
            .warnings
            .iter()
            .map(|warning| {
                parsed.locate(ValidationError::new(
                    warning.path.clone(),
                    warning.message.clone(),
                ))
            })
            .collect();
        let file = parsed.file;
        Ok(Scenario {
            source,
            overrides: overrides.to_vec(),
            file,
            model,
            warnings,
        })
    }
}
