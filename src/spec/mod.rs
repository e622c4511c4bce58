//! The scenario file as written: serde types that mirror the TOML one to
//! one, and the reading of it.
//!
//! A scenario is a TOML file (see `scenarios/README.md` for every key).
//! Reading it ([`Parsed::new`]) goes in three steps, each with its own kind
//! of error:
//!
//! 1. **parse** the TOML (syntax errors carry line and column);
//! 2. apply `--set key.path=value` **overrides**, typed as the file would
//!    type them;
//! 3. **deserialize** into [`ScenarioFile`] (unknown keys and wrong types are
//!    errors that name the key path, and a table must be a table).
//!
//! Nothing here is validated beyond types, and nothing here knows the
//! runtime model: `model/` validates a [`ScenarioFile`], and `scenario.rs`
//! ties the two together. An error about a key, from step 3 or from
//! validation, is placed in the original text by its key path
//! ([`Parsed::locate`]), so the user sees `file:line:column: key `a.b`:
//! message` wherever possible. Defaults live next to the key they belong to,
//! and are listed in `scenarios/README.md`.

pub mod bundled;
mod comments;
mod deployments;
mod duration;
mod file;
mod locate;
mod matcher;
mod overrides;
mod param;
mod parse;
mod profiles;
mod sites;
mod source;
mod staff;
mod strict;

pub use comments::{Annotated, Entry, annotate};
pub use deployments::{
    CsvSchedule, DeploymentIntervention, DeploymentMatcher, DeploymentReview, DeploymentSection,
    DeploymentWatchlist, ListSection, MAX_DEPLOYMENTS,
};
pub use duration::{DurationDist, DurationText, RandomDuration};
pub use file::{
    ActivitySpreadSection, DimensionSection, EngineChoice, GroupSection, MobilitySection, Mode,
    PopulationSection, RecordSection, ScenarioFile, SimulationSection, WatchlistSection,
    ZoneSection, default_groups,
};
pub(crate) use locate::{find as find_in_text, line_col as line_col_in_text};
pub use matcher::{
    EvidencePoint, MatcherSection, OperatingPoint, POSTERIOR_COLUMNS, PosteriorSection, RatesPer,
    ScoreDistSection, ScoreFamily,
};
pub use overrides::Override;
pub use param::{Param, ParamDist};
pub use parse::Parsed;
pub use profiles::{DEFAULT_PROFILE, PROFILES, load as load_profile};
pub use sites::{Footfall, Overload, PipelineSection, PoolSection, SiteSection, SurgeSection};
pub use source::{
    BundledCompanions, Companion, CompanionError, Companions, DEFAULT_SCENARIO,
    DEFAULT_SCENARIO_NAME, MAX_SCENARIO_BYTES, NoCompanions, PreloadedCompanions, ScenarioSource,
};
pub use staff::{InterventionSection, ReviewSection, Scope};

/// The default of keys whose neutral value is one (multipliers, shares).
fn zero_param() -> Param {
    Param::Value(0.0)
}
fn one_param() -> Param {
    Param::Value(1.0)
}
fn one() -> f64 {
    1.0
}

/// The default of counts that start at one (cameras, servers, operators).
fn one_u32() -> u32 {
    1
}
