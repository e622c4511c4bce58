//! The top of the scenario file, [`ScenarioFile`], and the sections about
//! the city: `[simulation]`, `[population]`, `[[zones]]`, `[mobility]` and
//! `[watchlist]`.

use super::{
    DeploymentSection, DurationText, InterventionSection, MatcherSection, Param, PipelineSection,
    ReviewSection, SiteSection,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One scenario: a city under live facial recognition.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name, duration and seed.
    #[serde(default)]
    pub simulation: SimulationSection,
    /// Residents and their demographic groups.
    pub population: PopulationSection,
    /// Camera sites (not used in batch mode).
    #[serde(default)]
    pub sites: Vec<SiteSection>,
    /// The watchlist searched against, and the wanted people in the city.
    pub watchlist: WatchlistSection,
    /// Score model and threshold of the face matcher.
    #[serde(default)]
    pub matcher: MatcherSection,
    /// Human review of alerts.
    #[serde(default)]
    pub review: ReviewSection,
    /// Officers, stops and arrests.
    #[serde(default)]
    pub intervention: InterventionSection,
    /// Home zones of residents; sites name their zone (default: one zone).
    #[serde(default)]
    pub zones: Vec<ZoneSection>,
    /// How residents move between zones.
    #[serde(default)]
    pub mobility: MobilitySection,
    /// The recognition pipeline: detection, transfer, matcher pools. Without
    /// it, every face is searched and decided at its capture time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineSection>,
    /// When and where the cameras run, deployment by deployment (default:
    /// every site by its own `active` windows, every day).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentSection>,
    /// The same schedule as a CSV file, beside the scenario file: one row
    /// per deployment, one column per key (read into `deployments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployments_file: Option<String>,
    /// What was published about the deployment the scenario expresses,
    /// for the report to set beside the simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordSection>,
}

/// `[record]`: the published outcomes of the deployment a scenario
/// expresses, with their citation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSection {
    /// The citation, as a reader would follow it.
    pub source: String,
    /// Published counts over the scenario's duration, by report key
    /// (`false_alerts = 10`).
    pub published: BTreeMap<String, f64>,
}

/// `[simulation]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSection {
    /// Short name shown in reports.
    #[serde(default = "default_name")]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Simulated time, e.g. `"24h"`; starts at 00:00 of day one.
    #[serde(default = "default_duration")]
    pub duration: DurationText,
    /// Base seed of every random stream.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// How faces arrive: `"footfall"` at camera sites (default), or
    /// `"batch"`: every resident is searched exactly once, spread over the
    /// duration — a one-shot batch search or a laboratory test.
    #[serde(default)]
    pub mode: Mode,
    /// Which engine draws the run: `"auto"` (default), `"faces"` (face by
    /// face) or `"residents"` (per resident; footfall without a pipeline).
    #[serde(default)]
    pub engine: EngineChoice,
    /// The date of day 0, `"YYYY-MM-DD"`: lets deployments give a `date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
}

/// Which engine draws a run. Both draw the same distribution; the residents
/// engine's cost does not grow with the faces, but it needs footfall mode
/// without a pipeline, and cannot log captures.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// The residents engine where it can run, else the face engine.
    #[default]
    Auto,
    /// Face by face.
    Faces,
    /// Per resident.
    Residents,
}

/// How faces arrive.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Passers at camera sites, from footfall.
    #[default]
    Footfall,
    /// Every resident searched once.
    Batch,
}

impl Default for SimulationSection {
    fn default() -> Self {
        SimulationSection {
            name: default_name(),
            description: String::new(),
            duration: default_duration(),
            seed: default_seed(),
            mode: Mode::Footfall,
            engine: EngineChoice::Auto,
            start_date: None,
        }
    }
}

fn default_name() -> String {
    "unnamed".to_string()
}
fn default_duration() -> DurationText {
    DurationText::parse("24h").expect("valid literal")
}
fn default_seed() -> u64 {
    1
}

/// `[population]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSection {
    /// Number of residents: everyone who can pass a camera.
    pub residents: u64,
    /// Demographic groups as a list; default: one group, `everyone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupSection>>,
    /// Demographic groups as the cross product of dimensions (e.g. age band
    /// × ethnicity), instead of `groups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<DimensionSection>>,
    /// The group disparities are measured against (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_group: Option<String>,
    /// Spread (σ of the logarithm) of each person's false-match propensity,
    /// a log-normal multiplier with mean 1 on their FMR: Doddington's
    /// lookalikes (default 0: everyone alike within a group).
    #[serde(default)]
    pub lookalike_spread: f64,
    /// How unevenly residents pass cameras (default: none, every member of
    /// a block alike): see [`ActivitySpreadSection`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_spread: Option<ActivitySpreadSection>,
}

/// `population.activity_spread = { shape = 0.5 }`: each resident's activity
/// is a Gamma draw of mean 1 and this shape (variance 1 / shape), which
/// multiplies their chance of being the one who passes a camera, so that
/// captures per resident are negative binomial rather than Poisson:
/// commuters and rare visitors.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActivitySpreadSection {
    /// The Gamma's shape k > 0: smaller is more uneven (k → ∞ is everyone
    /// alike).
    pub shape: f64,
}

/// `[[population.dimensions]]`: one dimension of a cross product of groups.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionSection {
    /// Dimension name, e.g. `"age"`.
    pub name: String,
    /// Its levels; shares sum to 1; multipliers and activity multiply across
    /// dimensions, avoidance combines as 1 − Π(1 − a).
    pub levels: Vec<GroupSection>,
}

/// The single group of a population that names none.
pub fn default_groups() -> Vec<GroupSection> {
    vec![GroupSection {
        name: "everyone".to_string(),
        share: 1.0,
        activity: 1.0,
        fmr_multiplier: Param::Value(1.0),
        fnmr_multiplier: Param::Value(1.0),
        impostor_shift: Param::Value(0.0),
        genuine_shift: Param::Value(0.0),
        avoidance: 0.0,
    }]
}

/// `[[population.groups]]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSection {
    /// Group name, unique.
    pub name: String,
    /// Share of residents in this group; shares sum to 1.
    pub share: f64,
    /// Relative rate at which a member passes cameras (default 1).
    #[serde(default = "super::one")]
    pub activity: f64,
    /// Multiplier on the per-comparison false-match rate (default 1); may be
    /// uncertain, e.g. `{ dist = "loguniform", low = 10, high = 100 }`.
    #[serde(default = "super::one_param")]
    pub fmr_multiplier: Param,
    /// Multiplier on the false-non-match rate (default 1); may be uncertain.
    #[serde(default = "super::one_param")]
    pub fnmr_multiplier: Param,
    /// Added to the group's impostor scores, in score units (default 0): a
    /// shifted tail, whose FMR ratio to other groups grows with the
    /// threshold, unlike a multiplier's; may be uncertain.
    #[serde(default = "super::zero_param")]
    pub impostor_shift: Param,
    /// Added to the group's genuine scores, in score units (default 0); may
    /// be uncertain.
    #[serde(default = "super::zero_param")]
    pub genuine_shift: Param,
    /// Share of members who avoid the covered sites altogether (default 0):
    /// the chilling effect.
    #[serde(default)]
    pub avoidance: f64,
}

/// `[[zones]]`: where residents live.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSection {
    /// Zone name, unique.
    pub name: String,
    /// Share of residents living here; shares sum to 1.
    pub share: f64,
}

/// `[mobility]`: who passes a site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MobilitySection {
    /// Per head, how many times as likely a resident is to pass a site in
    /// their home zone as a resident of another zone (default 4, an
    /// assumption).
    #[serde(default = "default_home_bias")]
    pub home_bias: f64,
}

impl Default for MobilitySection {
    fn default() -> Self {
        MobilitySection {
            home_bias: default_home_bias(),
        }
    }
}

fn default_home_bias() -> f64 {
    4.0
}

/// `[watchlist]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatchlistSection {
    /// Entries every face is searched against (N).
    pub size: u64,
    /// Watchlisted people who live in the city and pass its cameras (default
    /// 0). At most one of this and `wanted_prevalence` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_present: Option<u64>,
    /// Instead of `wanted_present`: wanted people per resident, rounded to
    /// the nearest whole number of people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_prevalence: Option<f64>,
    /// Wanted people who live in the city added to the list per day of
    /// the run (default 0: the list's wanted people are those present at
    /// the start). Over the run, rate × days rounded to whole people, each
    /// added at a uniform time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_wanted_per_day: Option<f64>,
    /// Mean time a wanted person stays on the list before it is withdrawn
    /// or lapses without an arrest, as `"180d"` (exponential; default:
    /// never removed). Those present at the start have the same law for
    /// the time they have left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_on_list: Option<DurationText>,
    /// Group mix of the wanted people, `{ group = share }`; default: the population's.
    #[serde(default)]
    pub group_mix: Option<BTreeMap<String, f64>>,
    /// The list's composition, `{ group = share }`, by group or by level of
    /// a dimension (shares may be uncertain): with `matcher.homophily`, a
    /// group that is a larger share of the list has more false matches.
    /// Default: the population's shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition: Option<BTreeMap<String, Param>>,
}
