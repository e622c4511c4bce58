//! The scenario file as written: serde types that mirror the TOML one to one.
//!
//! Nothing here is validated beyond types; [`crate::model`] turns a
//! [`ScenarioFile`] into a checked runtime model. Defaults live here, next to
//! the key they belong to, and are listed in `scenarios/README.md`.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

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

/// `[pipeline]`: camera → detection → network → matching queue → decision.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSection {
    /// Faces one camera can detect per second (default 100, an assumption);
    /// a site's detection capacity is this times its cameras.
    #[serde(default = "default_detection_fps")]
    pub detection_faces_per_s: f64,
    /// Time from capture to a detected face (default `"50ms"`, an assumption).
    #[serde(default = "default_detection_latency")]
    pub detection_latency: DurationText,
    /// Transfer time from camera to matcher (default `"20ms"`, an assumption).
    #[serde(default = "default_network_latency")]
    pub network_latency: DurationText,
    /// Matcher pools; default one pool of one server serving every site.
    #[serde(default = "default_pools")]
    pub pools: Vec<PoolSection>,
}

fn default_detection_fps() -> f64 {
    100.0
}
fn default_detection_latency() -> DurationText {
    DurationText::parse("50ms").expect("valid literal")
}
fn default_network_latency() -> DurationText {
    DurationText::parse("20ms").expect("valid literal")
}
fn default_pools() -> Vec<PoolSection> {
    vec![PoolSection {
        name: "matchers".into(),
        servers: 1,
        faces_per_s: default_faces_per_s(),
        service_time: None,
        queue_capacity: default_queue_capacity(),
        overload: Overload::DropNewest,
        sites: None,
    }]
}

/// `[[pipeline.pools]]`: matching servers behind one bounded FIFO queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSection {
    /// Pool name, unique.
    pub name: String,
    /// Matching servers (default 1).
    #[serde(default = "one_u32")]
    pub servers: u32,
    /// Faces one server matches per second (default 300: NEC NeoFace, "up to
    /// 300 faces per second", as cited by the Candriam report); used unless
    /// `service_time` is given.
    #[serde(default = "default_faces_per_s")]
    pub faces_per_s: f64,
    /// Time to match one face, as a distribution (overrides `faces_per_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<DurationDist>,
    /// Faces that may wait for a server (default 1,000).
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: u64,
    /// What a full queue does with a new face (default `"drop-newest"`).
    #[serde(default)]
    pub overload: Overload,
    /// Names of the sites this pool serves (default: all sites not named by
    /// another pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<String>>,
}

fn default_faces_per_s() -> f64 {
    300.0
}
fn default_queue_capacity() -> u64 {
    1_000
}

/// Overload policy of a full matching queue.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Overload {
    /// The arriving face is dropped.
    #[default]
    DropNewest,
    /// The face that has waited longest is dropped to make room.
    DropOldest,
}

/// A time-bounded surge on top of a site's footfall, every day:
/// `{ at = "21:45", duration = "30m", people = 20000 }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeSection {
    /// Clock time the surge starts, `"HH:MM"`.
    pub at: String,
    /// How long it lasts.
    pub duration: DurationText,
    /// Extra people passing during it (spread evenly).
    pub people: f64,
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
        fmr_multiplier: 1.0,
        fnmr_multiplier: 1.0,
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
    #[serde(default = "one")]
    pub activity: f64,
    /// Multiplier on the per-comparison false-match rate (default 1).
    #[serde(default = "one")]
    pub fmr_multiplier: f64,
    /// Multiplier on the false-non-match rate (default 1).
    #[serde(default = "one")]
    pub fnmr_multiplier: f64,
    /// Share of members who avoid the covered sites altogether (default 0):
    /// the chilling effect.
    #[serde(default)]
    pub avoidance: f64,
}

fn one() -> f64 {
    1.0
}
fn one_u32() -> u32 {
    1
}

/// `[[sites]]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSection {
    /// Site name, unique.
    pub name: String,
    /// Cameras at the site (default 1). Footfall is per site, not per camera.
    #[serde(default = "one_u32")]
    pub cameras: u32,
    /// People passing the site per hour: one rate, or 24 hourly rates from 00:00.
    pub footfall_per_hour: Footfall,
    /// Share of passers whose face is captured at usable quality (default 1).
    #[serde(default = "one")]
    pub capture_share: f64,
    /// Daily windows when the cameras run, e.g. `["10:00-16:00"]` (default all day).
    #[serde(default = "default_active")]
    pub active: Vec<String>,
    /// Surges on top of the hourly footfall, e.g. a stadium's egress.
    #[serde(default)]
    pub surges: Vec<SurgeSection>,
    /// The zone the site is in (required when `[[zones]]` are given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

fn default_active() -> Vec<String> {
    vec!["00:00-24:00".to_string()]
}

/// `[watchlist]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatchlistSection {
    /// Entries every face is searched against (N).
    pub size: u64,
    /// Watchlisted people who live in the city and pass its cameras (default 0).
    #[serde(default)]
    pub wanted_present: u64,
    /// Group mix of the wanted people, `{ group = share }`; default: the population's.
    #[serde(default)]
    pub group_mix: Option<BTreeMap<String, f64>>,
}

/// `[matcher]`: a named profile, explicit score distributions, operating
/// points to calibrate them from, or a mix: explicit keys override the
/// profile's, and parameters left open are solved from the operating points.
/// With none of these keys, the default profile is used.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MatcherSection {
    /// A bundled profile, e.g. `"neoface-v4-npl2023"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// What the rates of the operating points (and so the calibrated
    /// matcher's mated outcomes) are per: a person walking past a camera, or
    /// a face searched. Every profile states it; a scenario may override it
    /// (default without a profile: `"searched_face"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates_per: Option<RatesPer>,
    /// Alert when the best candidate's score is at or above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The scale scores are reported on, `[min, max]` (default `[0, 1]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_range: Option<[f64; 2]>,
    /// Score of a comparison between different people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impostor: Option<ScoreDistSection>,
    /// Score of a comparison between two images of the same person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genuine: Option<ScoreDistSection>,
    /// Published operating points to calibrate the open parameters from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_points: Option<Vec<OperatingPoint>>,
}

/// What a matcher's identification rates are per.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RatesPer {
    /// Per face searched: capture failures are not in the rates (a
    /// laboratory test on images, a batch search).
    #[default]
    SearchedFace,
    /// Per watchlisted person walking past a camera: failures to capture
    /// and detect the face are already in the TPIR (NPL's live tests).
    WalkPast,
}

impl RatesPer {
    /// As written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            RatesPer::SearchedFace => "searched_face",
            RatesPer::WalkPast => "walk_past",
        }
    }
}

/// A similarity-score distribution, e.g. `{ dist = "normal", mean = 0.2, sd = 0.07 }`;
/// a parameter left out is solved from the operating points.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoreDistSection {
    /// Family (default and only one so far: `normal`).
    #[serde(default)]
    pub dist: ScoreFamily,
    /// Mean score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

/// Score distribution families.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScoreFamily {
    /// Normal (Gaussian) scores.
    #[default]
    Normal,
}

/// A published operating point: `{ threshold = 0.6, watchlist = 10000, fpir = 1.7e-4 }`
/// constrains the impostor distribution, `{ threshold = 0.6, tpir = 0.89 }`
/// the genuine one.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OperatingPoint {
    /// Threshold the figure was measured at.
    pub threshold: f64,
    /// Watchlist size it was measured with (required with `fpir`; default the
    /// scenario's with `tpir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<u64>,
    /// False-positive identification rate of a non-mated search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpir: Option<f64>,
    /// True-positive identification rate of a mated search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpir: Option<f64>,
    /// Where the figure comes from (free text, shown by `survsim check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

// Review and intervention defaults. Where no published figure exists the value
// is an assumption, marked as such; scenarios should set their own.

/// `[review]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSection {
    /// Operators adjudicating alerts in parallel (default 1).
    #[serde(default = "one_u32")]
    pub operators: u32,
    /// Time to adjudicate one alert (default `"30s"`, an assumption).
    #[serde(default = "default_review_time")]
    pub review_time: DurationDist,
    /// Probability an operator confirms a true alert (default 0.95, an assumption).
    #[serde(default = "default_p_confirm_true")]
    pub p_confirm_true: f64,
    /// Probability an operator confirms a false alert (default 0.62: Fussey &
    /// Murray 2019, Met trials, 26 of 42 alerts were acted on, most of them false).
    #[serde(default = "default_p_confirm_false")]
    pub p_confirm_false: f64,
}

impl Default for ReviewSection {
    fn default() -> Self {
        ReviewSection {
            operators: 1,
            review_time: default_review_time(),
            p_confirm_true: default_p_confirm_true(),
            p_confirm_false: default_p_confirm_false(),
        }
    }
}

fn default_review_time() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("30s").expect("valid literal"))
}
fn default_p_confirm_true() -> f64 {
    0.95
}
fn default_p_confirm_false() -> f64 {
    0.62
}

/// `[intervention]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InterventionSection {
    /// Officers available to stop flagged people (default 2).
    #[serde(default = "default_officers")]
    pub officers: u32,
    /// How long a flagged person stays reachable after capture (default `"5m"`, an assumption).
    #[serde(default = "default_window")]
    pub window: DurationText,
    /// Time for a dispatched officer to reach the person (default `"1m"`, an assumption).
    #[serde(default = "default_approach_time")]
    pub approach_time: DurationDist,
    /// Time a stop keeps the officer busy (default `"10m"`, an assumption).
    #[serde(default = "default_stop_duration")]
    pub stop_duration: DurationDist,
    /// Probability a correct stop ends in arrest (default 0.5, an assumption).
    #[serde(default = "default_p_arrest_correct")]
    pub p_arrest_correct: f64,
    /// Probability a wrongful stop ends in a false arrest (default 0.01, an assumption).
    #[serde(default = "default_p_arrest_wrongful")]
    pub p_arrest_wrongful: f64,
    /// How long an arrested wanted person is held, off the streets (default
    /// `"12h"`, an assumption). Their warrant is executed: afterwards they
    /// are no longer on the watchlist.
    #[serde(default = "default_custody")]
    pub custody: DurationText,
    /// Time an arrest keeps the arresting officer off the street after the
    /// stop (default `"3h"`, an assumption), a duration distribution.
    #[serde(default = "default_arrest_processing")]
    pub arrest_processing: DurationDist,
}

impl Default for InterventionSection {
    fn default() -> Self {
        InterventionSection {
            officers: default_officers(),
            window: default_window(),
            approach_time: default_approach_time(),
            stop_duration: default_stop_duration(),
            p_arrest_correct: default_p_arrest_correct(),
            p_arrest_wrongful: default_p_arrest_wrongful(),
            custody: default_custody(),
            arrest_processing: default_arrest_processing(),
        }
    }
}

fn default_custody() -> DurationText {
    DurationText::parse("12h").expect("valid literal")
}
fn default_arrest_processing() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("3h").expect("valid literal"))
}

fn default_officers() -> u32 {
    2
}
fn default_window() -> DurationText {
    DurationText::parse("5m").expect("valid literal")
}
fn default_approach_time() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("1m").expect("valid literal"))
}
fn default_stop_duration() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("10m").expect("valid literal"))
}
fn default_p_arrest_correct() -> f64 {
    0.5
}
fn default_p_arrest_wrongful() -> f64 {
    0.01
}

/// A human-readable duration such as `"24h"`, `"90m"`, `"1h 30m"`, `"45s"`.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationText {
    /// As written.
    pub text: String,
    /// In seconds.
    pub seconds: f64,
}

impl DurationText {
    /// Parses a humantime duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text.trim())
            .map(|d| DurationText {
                text: text.to_string(),
                seconds: d.as_secs_f64(),
            })
            .map_err(|e| {
                format!("`{text}` is not a duration ({e}); write e.g. \"24h\", \"90m\" or \"45s\"")
            })
    }
}

impl Serialize for DurationText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"24h\", \"90m\" or \"45s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationText, E> {
                DurationText::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A random duration: a fixed `"30s"`, or a table
/// `{ dist = "exponential", mean = "30s" }`,
/// `{ dist = "uniform", min = "10s", max = "1m" }`,
/// `{ dist = "lognormal", median = "30s", sigma = 0.5 }`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum DurationDist {
    /// Always the same.
    Fixed(DurationText),
    /// One of the distribution tables.
    Random(RandomDuration),
}

/// The table forms of [`DurationDist`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RandomDuration {
    /// Exponential with the given mean.
    Exponential {
        /// Mean.
        mean: DurationText,
    },
    /// Uniform between min and max.
    Uniform {
        /// Lower bound.
        min: DurationText,
        /// Upper bound.
        max: DurationText,
    },
    /// Log-normal with the given median and log-scale sigma.
    Lognormal {
        /// Median.
        median: DurationText,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
}

impl<'de> Deserialize<'de> for DurationDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DurationDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration such as \"30s\" or a table such as { dist = \"exponential\", mean = \"30s\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationDist, E> {
                DurationText::parse(v)
                    .map(DurationDist::Fixed)
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DurationDist, A::Error> {
                RandomDuration::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(DurationDist::Random)
            }
        }
        d.deserialize_any(V)
    }
}

/// Footfall: one hourly rate, or 24 rates for the hours of the day.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Footfall {
    /// The same rate every hour.
    Flat(f64),
    /// One rate per hour of the day, from 00:00.
    Hourly(Vec<f64>),
}

impl<'de> Deserialize<'de> for Footfall {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Footfall;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number of people per hour, or an array of 24 hourly numbers")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Footfall, E> {
                Ok(Footfall::Flat(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Footfall, E> {
                Ok(Footfall::Flat(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Footfall, E> {
                Ok(Footfall::Flat(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Footfall, A::Error> {
                let mut rates = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    rates.push(v);
                }
                Ok(Footfall::Hourly(rates))
            }
        }
        d.deserialize_any(V)
    }
}
