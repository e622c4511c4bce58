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

use crate::error::{InputError, KeyPath, ValidationError};
use crate::model::EngineKind;
use crate::model::{Design, Fixed, Inventory, OneAtATime, Replication, Sampled, UncertainInput};
use crate::model::{Expected, Model, Redraw};
use crate::rng::{STREAM_PARAMETERS, STREAM_WANTED, stream};
use crate::spec::EngineChoice;
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
    /// The validated runtime model, every uncertain input at its nominal
    /// value: what a report's expectations are computed from.
    pub model: Model,
    /// The uncertain inputs (distributions, and operating points with the
    /// counts they were measured from), in the order the model reads them.
    pub uncertain: Vec<UncertainInput>,
    /// Whether uncertain inputs are held at their nominal values
    /// (`--fixed-parameters`) instead of drawn for each replication.
    pub parameters_fixed: bool,
    /// The model's warnings ([`Model::warnings`]) placed in the text as
    /// errors are — the file, line and column of the key, or the `--set`
    /// that wrote it — for the binary to print. They stop nothing.
    pub warnings: Vec<InputError>,
}

/// A warning when an override changes `population.residents` in footfall
/// mode: footfall is set per site, so the city's size changes who passes
/// the cameras, not how many faces they capture — a what-if that seems to
/// ask "a bigger city" answers "the same crowd, drawn from more people".
fn residents_without_footfall(model: &Model, overrides: &[Override]) -> Option<ValidationError> {
    let residents = ["population", "residents"];
    let given = overrides.iter().any(|o| o.path == residents);
    (given && model.mode == crate::model::Mode::Footfall && !model.sites.is_empty()).then(|| {
        ValidationError::new(
            KeyPath::keys(&residents),
            format!(
                "footfall is set per site (sites[].footfall_per_hour), so {} residents pass \
                 the cameras as often as before: faces captured do not change, only how many \
                 people they spread over; scale the sites' footfall_per_hour too to model a \
                 bigger city",
                crate::format::fmt_num(f64::from(model.residents), 0)
            ),
        )
    })
}

impl Scenario {
    /// Parses, overrides, deserializes and validates.
    pub fn load(source: ScenarioSource, overrides: &[Override]) -> Result<Scenario, InputError> {
        let parsed = Parsed::new(&source, overrides)?;
        // Nominal values, listing the uncertain inputs on the way.
        let mut inventory = Inventory::default();
        let model = Model::build_with(&parsed.file, &mut inventory)
            .map_err(|error| parsed.locate(error))?;
        let mut warnings: Vec<InputError> = model
            .warnings
            .iter()
            .map(|warning| {
                parsed.locate(ValidationError::new(
                    warning.path.clone(),
                    warning.message.clone(),
                ))
            })
            .collect();
        if let Some(warning) = residents_without_footfall(&model, overrides) {
            warnings.push(parsed.locate(warning));
        }
        let file = parsed.file;
        Ok(Scenario {
            source,
            overrides: overrides.to_vec(),
            file,
            model,
            uncertain: inventory.inputs,
            parameters_fixed: false,
            warnings,
        })
    }

    /// Whether each replication draws its own values of the uncertain
    /// inputs: there are some, and they are not fixed.
    pub fn draws_parameters(&self) -> bool {
        !self.uncertain.is_empty() && !self.parameters_fixed
    }

    /// Whether each replication builds its own model: it draws its
    /// uncertain inputs ([`Scenario::draws_parameters`]), or whether a
    /// prevalence's fractional wanted person is present
    /// ([`Model::wanted_fraction`]).
    pub fn draws_per_replication(&self) -> bool {
        self.draws_parameters() || self.model.wanted_fraction.is_some()
    }

    /// Replication `rep`'s model: with [`Scenario::draws_per_replication`],
    /// built from its own draw of the uncertain inputs (from the stream
    /// `(seed, rep, parameters)`, so the same replication always draws the
    /// same values, whatever else runs) and of its fractional wanted person
    /// (`(seed, rep, wanted)`); otherwise `None`, the nominal
    /// [`Scenario::model`].
    pub fn replication_model(&self, rep: u64) -> Result<Option<Model>, InputError> {
        if self.draws_parameters() {
            let model = self.drawn_model(rep)?;
            // A draw may ask for more work than the nominal model did.
            model
                .simulation_refusal()
                .map_err(|error| self.drawn_error(rep, error))?;
            return Ok(Some(model));
        }
        if self.model.wanted_fraction.is_none() {
            return Ok(None);
        }
        let mut wanted = stream(self.model.seed, &[rep, STREAM_WANTED]);
        let mut draws = Replication {
            params: &mut Fixed,
            wanted: &mut wanted,
        };
        Model::build_with(&self.file, &mut draws)
            .map(Some)
            .map_err(|error| self.drawn_error(rep, error))
    }

    /// The model of replication `rep`'s draw of every uncertain input (and
    /// of its fractional wanted person), whether or not the scenario's
    /// parameters are fixed.
    pub fn drawn_model(&self, rep: u64) -> Result<Model, InputError> {
        let mut rng = stream(self.model.seed, &[rep, STREAM_PARAMETERS]);
        let mut wanted = stream(self.model.seed, &[rep, STREAM_WANTED]);
        let mut draws = Replication {
            params: &mut Sampled { rng: &mut rng },
            wanted: &mut wanted,
        };
        Model::build_with(&self.file, &mut draws).map_err(|error| self.drawn_error(rep, error))
    }

    /// The model of replication `rep` with only the uncertain input `key`
    /// drawn, the others nominal: what one input contributes.
    pub fn one_input_model(&self, key: &str, rep: u64) -> Result<Model, InputError> {
        let mut rng = stream(self.model.seed, &[rep, STREAM_PARAMETERS]);
        Model::build_with(&self.file, &mut OneAtATime { key, rng: &mut rng })
            .map_err(|error| self.drawn_error(rep, error))
    }

    /// The expectations of replications' draws, each without building
    /// the drawn model whole ([`Redraw`]): what `check`'s variance shares
    /// read from hundreds of draws.
    pub fn drawn_expectations(&self) -> DrawnExpectations<'_> {
        DrawnExpectations {
            scenario: self,
            redraw: Redraw::new(&self.model),
        }
    }

    /// This scenario drawn by the face engine, which event logs need (they
    /// record each face): `engine = "auto"` becomes `"faces"`, and the
    /// face engine's limit on faces applies. An error, at the key, if the
    /// scenario asked for the residents engine.
    pub fn with_face_engine(&self) -> Result<Scenario, InputError> {
        if self.model.engine == EngineKind::Faces {
            return Ok(self.clone());
        }
        if self.file.simulation.engine == EngineChoice::Residents {
            return Err(self.locate(ValidationError::new(
                KeyPath::keys(&["simulation", "engine"]),
                "events record each face, which only the face engine draws: \
                 use engine = \"auto\" or \"faces\" to log events",
            )));
        }
        let mut overrides = self.overrides.clone();
        overrides.push("simulation.engine=faces".parse()?);
        let mut scenario = Scenario::load(self.source.clone(), &overrides)?;
        scenario.overrides.pop();
        scenario.parameters_fixed = self.parameters_fixed;
        Ok(scenario)
    }

    /// An error about a key of this scenario, placed as loading places
    /// its errors: the file, line and column of the key, or the `--set`
    /// that wrote it. The text is parsed again (errors are rare, and a
    /// scenario need not keep its parse), so it must still be there: a
    /// sweep's points let theirs go, and are loaded again to place one.
    pub fn locate(&self, error: ValidationError) -> InputError {
        match Parsed::new(&self.source, &self.overrides) {
            Ok(parsed) => parsed.locate(error),
            Err(unparsed) => unparsed,
        }
    }

    /// An error met building a drawn model: the drawn values, not the file,
    /// are at fault, so it names the replication rather than a line.
    fn drawn_error(&self, rep: u64, error: ValidationError) -> InputError {
        InputError {
            source_name: format!(
                "{} (replication {rep}'s draw of its uncertain inputs; \
                 --fixed-parameters holds them at their nominal values)",
                self.source.name
            ),
            key_path: Some(error.path.to_string()),
            line_col: None,
            message: error.message,
        }
    }
}

/// A scenario's expectations under its replications' draws of the
/// uncertain inputs ([`Scenario::drawn_expectations`]).
#[derive(Debug)]
pub struct DrawnExpectations<'a> {
    scenario: &'a Scenario,
    redraw: Redraw,
}

impl DrawnExpectations<'_> {
    /// The expectations of [`Scenario::drawn_model`] for `rep`.
    pub fn drawn(&self, rep: u64) -> Result<Expected, InputError> {
        let mut rng = stream(self.scenario.model.seed, &[rep, STREAM_PARAMETERS]);
        let draws = &mut Sampled { rng: &mut rng };
        self.redraw
            .expected(&self.scenario.file, draws)
            .map_err(|error| self.scenario.drawn_error(rep, error))
    }

    /// The expectations of [`Scenario::one_input_model`] for `key` and `rep`.
    pub fn one_input(&self, key: &str, rep: u64) -> Result<Expected, InputError> {
        let mut rng = stream(self.scenario.model.seed, &[rep, STREAM_PARAMETERS]);
        let draws = &mut OneAtATime { key, rng: &mut rng };
        self.redraw
            .expected(&self.scenario.file, draws)
            .map_err(|error| self.scenario.drawn_error(rep, error))
    }

    /// The expectations with each uncertain input `keys[i]` at probability
    /// `uniforms[i]` of its distribution ([`Design`]): one point of a
    /// sensitivity analysis's design, `point` naming it in an error.
    pub fn designed(
        &self,
        keys: &[String],
        uniforms: &[f64],
        point: usize,
    ) -> Result<Expected, InputError> {
        let draws = &mut Design { keys, uniforms };
        self.redraw
            .expected(&self.scenario.file, draws)
            .map_err(|error| {
                let mut error = self.scenario.drawn_error(0, error);
                error.source_name = format!(
                    "{} (point {point} of the sensitivity analysis's design)",
                    self.scenario.source.name
                );
                error
            })
    }

    /// The expected false alerts, and one run's variance of them, of
    /// [`DrawnExpectations::drawn`] (`only` `None`) or
    /// [`DrawnExpectations::one_input`] (`only` the input's key), without
    /// the rest: what the variance shares read.
    pub fn false_alert_moments(
        &self,
        only: Option<&str>,
        rep: u64,
    ) -> Result<(f64, f64), InputError> {
        let mut rng = stream(self.scenario.model.seed, &[rep, STREAM_PARAMETERS]);
        let file = &self.scenario.file;
        match only {
            None => self
                .redraw
                .false_alert_moments(file, &mut Sampled { rng: &mut rng }),
            Some(key) => {
                let draws = &mut OneAtATime { key, rng: &mut rng };
                self.redraw.false_alert_moments(file, draws)
            }
        }
        .map_err(|error| self.scenario.drawn_error(rep, error))
    }
}
