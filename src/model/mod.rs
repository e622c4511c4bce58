//! The validated runtime model of a scenario.
//!
//! [`Model::build`] turns a parsed [`ScenarioFile`] into a [`Model`] whose
//! invariants hold by construction — shares sum to one, probabilities are in
//! range, residents are numbered group by group, each group's search
//! probabilities are precomputed — so the engine never re-checks input.
//! It composes one validated constructor per concept, each returning a whole
//! value or the first error, in the order a reader meets them in the file:
//!
//! * [`Population::build`] — residents, groups and home zones
//!   ([`population`]);
//! * [`Watchlist::build`] — the watchlist and the wanted people on it
//!   ([`watchlist`]);
//! * [`ResolvedMatcher::build`] — the matcher, from a profile and operating
//!   points ([`calibrate`], [`matcher`]); with it, the groups' search
//!   probabilities and the blocks residents are numbered in, and warnings
//!   where the matcher is extrapolated beyond its points ([`extrapolation`]);
//! * [`schedule::slots`] — a deployment schedule, if given: when each
//!   deployment runs and where ([`schedule`]);
//! * [`schedule::sites`] — each camera site, whole ([`Site::build`]): when
//!   it runs and who passes it ([`sites`]), its deployments' windows scaled
//!   to their `faces`;
//! * [`Deployment::build_all`] — what each deployment searches with, on
//!   one list or several, and who answers it ([`deployments`], [`lists`]);
//! * [`Pipeline::build`] — detection and matcher pools ([`pipeline`]);
//! * [`Review::build`], [`Intervention::build`] — the people who act on
//!   alerts ([`staff`]).
//!
//! [`Model::expected`] gives the closed-form expectations a run is compared
//! with ([`expected`]); [`Redraw`] gives them for another draw of the
//! uncertain inputs without building the model again whole.

mod calibrate;
mod clock;
mod deployments;
mod dist;
mod expected;
mod extrapolation;
mod group_effects;
mod limits;
mod lists;
mod matcher;
mod pipeline;
mod points;
mod population;
mod redraw;
mod schedule;
mod sites;
mod staff;
mod uncertain;
mod watchlist;

pub use calibrate::{RatesPer, ResolvedMatcher};
pub use clock::{DAY_S, HOUR_S};
pub use deployments::{Deployment, deployment_index};
pub use dist::Duration;
pub use expected::{Expected, ExpectedDeployment, ExpectedGroup};
pub use extrapolation::{beyond_caveat, beyond_measured, measured_thresholds};
use limits::WORK_INPUTS;
pub use limits::{
    EngineKind, MAX_DURATION_S, MAX_EXPECTED_FACES, MAX_EXPECTED_FACES_PER_RESIDENTS,
    MAX_SITE_BLOCKS, MAX_SITES, MAX_STAFF, MAX_WATCHLIST, Mode, residents_can_run,
};
pub use matcher::{
    GroupSearch, LOOKALIKE_CODE_SCALE, Matcher, MatedOutcome, NormalScores, lookalike_code,
    lookalike_from_code,
};
pub use pipeline::{MAX_SERVERS, Overload, Pipeline, Pool};
pub use points::{PointFit, Rate};
pub use population::{Block, Group, Population};
pub use redraw::Redraw;
pub use schedule::{NO_DEPLOYMENT, Stretch};
pub use sites::{City, Segment, Site};
pub use staff::{Intervention, Review, Scope};
pub use uncertain::{Design, Fixed, Inventory, OneAtATime, Replication, Sampled, UncertainInput};
pub use watchlist::{Turnover, Watchlist};

use crate::error::{KeyPath, ValidationError, Warning};
use crate::spec::{self, DurationText, PipelineSection, ScenarioFile};
use expected::check_residents_work;
use uncertain::Draws;

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Base seed.
    pub seed: u64,
    /// Simulated seconds.
    pub duration_s: f64,
    /// All residents.
    pub residents: u32,
    /// Groups, in file order (or cross-product order).
    pub groups: Vec<Group>,
    /// Residents by (zone, group), numbered in this order.
    pub blocks: Vec<Block>,
    /// Zone names.
    pub zones: Vec<String>,
    /// The group disparities are measured against.
    pub reference_group: usize,
    /// σ of each person's log-normal false-match propensity (0: none).
    pub lookalike_spread: f64,
    /// The shape of each person's Gamma activity of mean 1 (`None`: members
    /// of a block alike). Captures per person are then negative binomial.
    pub activity_shape: Option<f64>,
    /// Wanted people in all groups.
    pub wanted: u32,
    /// How faces arrive.
    pub mode: Mode,
    /// Which engine draws its runs.
    pub engine: EngineKind,
    /// Camera sites (unused in batch mode).
    pub sites: Vec<Site>,
    /// The matcher and watchlist.
    pub matcher: Matcher,
    /// The matcher profile used, if any.
    pub matcher_profile: Option<String>,
    /// The scale scores are on, `[min, max]`.
    pub score_range: [f64; 2],
    /// The operating points the matcher was calibrated from, with their fit.
    pub calibration: Vec<PointFit>,
    /// With a fitted profile, how many posterior draws it holds (one per
    /// replication; the calibration is then the posterior mean's rates at
    /// the records' thresholds); 0 otherwise.
    pub posterior_draws: usize,
    /// What the matcher's rates are per; with `WalkPast` in footfall mode,
    /// wanted passers are drawn at footfall rate (see [`RatesPer`]).
    pub rates_per: RatesPer,
    /// Where the scenario takes the matcher beyond its calibration: the
    /// run goes ahead, and the user is told what its figures rest on.
    pub warnings: Vec<Warning>,
    /// The published outcomes the scenario expresses (`[record]`), for the
    /// report to set beside the simulation.
    pub record: Option<Record>,
    /// The recognition pipeline, if the scenario describes one.
    pub pipeline: Option<Pipeline>,
    /// Human review.
    pub review: Review,
    /// Officers and stops.
    pub intervention: Intervention,
    /// The deployment schedule, in file order (empty: none; every site
    /// runs every day by its active windows).
    pub deployments: Vec<Deployment>,
    /// With `watchlist.wanted_prevalence` × residents not a whole number
    /// (3.4): the probability that a replication has the fractional person
    /// (0.4), and the model in which it does. This model leaves them out;
    /// its expectations mix the two ([`Model::expected`]), and each
    /// replication draws whether they are present.
    pub wanted_fraction: Option<(f64, Box<Model>)>,
    /// Wanted people added to and removed from the list during the run
    /// (`watchlist.new_wanted_per_day`, `watchlist.time_on_list`); `None`:
    /// every wanted person is on the list from the start until arrested.
    pub turnover: Option<Turnover>,
}

/// Published outcomes of the deployment a scenario expresses.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The citation.
    pub source: String,
    /// Each published count, with the metric it is a count of.
    pub published: Vec<(crate::metrics::Metric, f64)>,
}

impl Record {
    /// `[record]`, its keys checked against the report's.
    fn build(section: &crate::spec::RecordSection) -> Result<Record, ValidationError> {
        use crate::metrics::Metric;
        let mut published = Vec::new();
        for (key, &value) in &section.published {
            let path = KeyPath::keys(&["record", "published", key]);
            let metric = Metric::ALL.iter().find(|m| m.key() == key).ok_or_else(|| {
                ValidationError::new(
                    path.clone(),
                    format!(
                        "expected a report key{} (e.g. false_alerts, alerts, arrests)",
                        crate::error::did_you_mean(key, Metric::ALL.iter().map(|m| m.key()))
                    ),
                )
            })?;
            if !(value.is_finite() && value >= 0.0) {
                return Err(ValidationError::new(
                    path,
                    format!("expected a count ≥ 0, got {value}"),
                ));
            }
            published.push((*metric, value));
        }
        Ok(Record {
            source: section.source.clone(),
            published,
        })
    }
}

impl Model {
    /// The caveat, in words, on every figure of a threshold beyond those
    /// the matcher was measured at ([`extrapolation::threshold_caveat`]).
    pub fn threshold_caveat(&self) -> Option<String> {
        extrapolation::threshold_caveat(
            self.matcher.threshold,
            &self.calibration,
            self.posterior_draws,
        )
    }

    /// Validates a parsed scenario, concept by concept; the first error found
    /// is returned. Uncertain inputs take their nominal values
    /// ([`uncertain::Fixed`]).
    pub fn build(file: &ScenarioFile) -> Result<Model, ValidationError> {
        Self::build_with(file, &mut uncertain::Fixed)
    }

    /// [`Model::build`], with uncertain inputs given values by `draws`: one
    /// replication's draw ([`uncertain::Sampled`]), or one input at a time.
    pub fn build_with(
        file: &ScenarioFile,
        draws: &mut dyn Draws,
    ) -> Result<Model, ValidationError> {
        let simulation = &file.simulation;
        let mode = Mode::from(simulation.mode);
        let duration_s = check_duration(&simulation.duration)?;
        let population = Population::build(
            &file.population,
            &file.zones,
            &file.mobility,
            file.sites.len(),
            draws,
        )?;
        refuse_in_batch(
            mode == Mode::Batch && population.activity_shape.is_some(),
            &["population", "activity_spread"],
            "batch mode searches every resident exactly once, so activity does not apply: \
             drop activity_spread or use mode = \"footfall\"",
        )?;
        let (slots, plans) = schedule::slots(file, duration_s)?;
        refuse_in_batch(
            mode == Mode::Batch && !slots.is_empty(),
            &["deployments"],
            "deployments run camera sites; batch mode has none: drop the schedule or use \
             mode = \"footfall\"",
        )?;
        let watchlist = Watchlist::build(&file.watchlist, &population, duration_s, draws)?;
        let matcher = ResolvedMatcher::build(&file.matcher, watchlist.size, draws)?;
        let mut population = population;
        group_effects::apply(&mut population, &matcher, &file.watchlist, draws)?;
        let mut warnings = extrapolation::warnings(&matcher);
        // The scenario's groups' searches, which deployments at its
        // threshold and list size share.
        let mut searches = population::Searches::default();
        let groups = population.groups_in(
            &watchlist.group_wanted,
            &matcher.matcher,
            draws.averages_mated_rates(),
            &mut searches,
        );
        let walk_past = walk_past(file, mode, &matcher);
        let blocks = population.blocks(&watchlist.group_wanted, walk_past);
        let city = City {
            population: &population,
            blocks: &blocks,
            walk_past,
        };
        let sites = schedule::sites(file, mode, &city, duration_s, (&slots, &plans))?;
        let context = deployments::Context {
            file,
            population: &population,
            blocks: &blocks,
            matcher: &matcher,
            group_wanted: &watchlist.group_wanted,
            average_mated: draws.averages_mated_rates(),
        };
        let (deployments, warned) = Deployment::build_all(&context, slots, &mut searches)?;
        warnings.extend(warned);
        check_turnover(&file.watchlist, mode, &deployments)?;
        let pipeline = build_pipeline(file.pipeline.as_ref(), mode, &sites)?;
        if pipeline.is_some() {
            warnings.extend(pipeline::arrest_lag_warning(&sites, &blocks));
        }
        let engine = choose_engine(
            simulation.engine,
            mode,
            pipeline.is_some(),
            !deployments.is_empty(),
        )?;
        let review = Review::build(&file.review, &population.zones)?;
        let intervention = Intervention::build(&file.intervention, &population.zones)?;
        staff::check_scopes_without_schedule(&review, &intervention, !deployments.is_empty())?;
        let model = Model {
            name: simulation.name.clone(),
            description: simulation.description.clone(),
            seed: simulation.seed,
            duration_s,
            residents: population.residents as u32,
            groups,
            blocks,
            zones: population.zones,
            reference_group: population.reference_group,
            lookalike_spread: population.lookalike_spread,
            activity_shape: population.activity_shape,
            wanted: watchlist.wanted() as u32,
            mode,
            engine,
            sites,
            matcher: matcher.matcher,
            matcher_profile: matcher.profile,
            score_range: matcher.score_range,
            calibration: matcher.fits,
            posterior_draws: matcher.posterior_draws,
            rates_per: matcher.rates_per,
            warnings,
            record: file.record.as_ref().map(Record::build).transpose()?,
            pipeline,
            review,
            intervention,
            deployments,
            wanted_fraction: None,
            turnover: watchlist.turnover,
        };
        // A model whose expectations are read (a nominal one) keeps the
        // model with the fractional wanted person, to mix them in.
        let mut model = model;
        if watchlist.wanted_fraction > 0.0
            && !watchlist.extra_present
            && draws.averages_mated_rates()
        {
            let with = Self::build_with(file, &mut uncertain::WithExtraWanted)?;
            model.wanted_fraction = Some((watchlist.wanted_fraction, Box::new(with)));
        }
        Ok(model)
    }

    /// The groups as searched at deployment `deployment` (or, with
    /// [`schedule::NO_DEPLOYMENT`], the scenario's).
    #[inline]
    pub fn groups_at(&self, deployment: u32) -> &[Group] {
        match deployments::deployment_index(deployment) {
            Some(d) => &self.deployments[d].groups,
            None => &self.groups,
        }
    }

    /// The matcher as set at deployment `deployment` (or the scenario's).
    #[inline]
    pub fn matcher_at(&self, deployment: u32) -> &Matcher {
        match deployments::deployment_index(deployment) {
            Some(d) => &self.deployments[d].matcher,
            None => &self.matcher,
        }
    }

    /// Deployment `deployment`, if it searches several lists.
    pub fn several_lists(&self, deployment: u32) -> Option<&Deployment> {
        deployments::deployment_index(deployment)
            .map(|d| &self.deployments[d])
            .filter(|d| !d.lists.is_empty())
    }

    /// Block `block` as seen at deployment `deployment`: its wanted members
    /// are those on the deployment's list.
    #[inline]
    pub fn block_at(&self, block: usize, deployment: u32) -> Block {
        let mut seen = self.blocks[block];
        if let Some(d) = deployments::deployment_index(deployment) {
            seen.wanted = self.deployments[d].block_wanted[block];
        }
        seen
    }

    /// The group of resident `person`.
    pub fn group_of(&self, person: u32) -> usize {
        let block = self
            .blocks
            .partition_point(|block| block.first_resident + block.residents <= person);
        self.blocks[block].group as usize
    }

    /// Wanted people present on average: the whole people, and the
    /// fractional one's probability ([`Model::wanted_fraction`]).
    pub fn wanted_mean(&self) -> f64 {
        self.wanted as f64 + self.wanted_fraction.as_ref().map_or(0.0, |(p, _)| *p)
    }

    /// This model with every site's footfall (and surges) multiplied by
    /// `factor`: the load axis of `survsim stress`.
    pub fn with_footfall_scaled(&self, factor: f64) -> Model {
        let mut model = self.clone();
        for site in &mut model.sites {
            for segment in site.segments_in_hour.iter_mut().flatten() {
                segment.captures_per_s *= factor;
            }
        }
        if let Some((_, with)) = &mut model.wanted_fraction {
            **with = with.with_footfall_scaled(factor);
        }
        model
    }

    /// This model with every matcher pool given `servers` servers.
    pub fn with_pool_servers(&self, servers: u32) -> Model {
        let mut model = self.clone();
        if let Some(pipeline) = &mut model.pipeline {
            for pool in &mut pipeline.pools {
                pool.servers = servers;
            }
        }
        model
    }
}

/// An error at `key` saying `why`, if `refused` (what batch mode, having
/// no sites, cannot do).
fn refuse_in_batch(refused: bool, key: &[&str], why: &str) -> Result<(), ValidationError> {
    match refused {
        true => Err(ValidationError::new(KeyPath::keys(key), why)),
        false => Ok(()),
    }
}

/// Whether wanted people need blocks of their own. With walk-past rates,
/// they are captured at footfall rate (their TPIR already includes failures
/// to capture), so sites must draw them at that rate — unless every site
/// captures every passer, when nothing changes (and the random streams stay
/// as they were).
fn walk_past(file: &ScenarioFile, mode: Mode, matcher: &ResolvedMatcher) -> bool {
    matcher.rates_per == RatesPer::WalkPast
        && mode == Mode::Footfall
        && file.sites.iter().any(|site| site.capture_share < 1.0)
}

/// `simulation.duration` in seconds: above zero and at most 366 days.
fn check_duration(duration: &DurationText) -> Result<f64, ValidationError> {
    let seconds = duration.seconds;
    if seconds > 0.0 && seconds <= MAX_DURATION_S {
        Ok(seconds)
    } else {
        Err(ValidationError::new(
            KeyPath::keys(&["simulation", "duration"]),
            format!(
                "expected a duration above zero and at most 366 days, got \"{}\"",
                duration.text
            ),
        ))
    }
}

/// The engine for `choice`: the residents engine needs footfall mode
/// without a pipeline (a pipeline queues faces one by one; batch mode
/// searches each resident once, which the face engine already does per
/// resident), and `auto` takes it wherever it can run.
fn choose_engine(
    choice: spec::EngineChoice,
    mode: Mode,
    pipeline: bool,
    schedule: bool,
) -> Result<EngineKind, ValidationError> {
    let residents_can_run = residents_can_run(mode, pipeline, schedule);
    match choice {
        spec::EngineChoice::Faces => Ok(EngineKind::Faces),
        spec::EngineChoice::Auto if residents_can_run => Ok(EngineKind::Residents),
        spec::EngineChoice::Auto => Ok(EngineKind::Faces),
        spec::EngineChoice::Residents if residents_can_run => Ok(EngineKind::Residents),
        spec::EngineChoice::Residents => Err(ValidationError::new(
            KeyPath::keys(&["simulation", "engine"]),
            format!(
                "the residents engine needs footfall mode without a pipeline or a deployment \
                 schedule, and this scenario has {}: use engine = \"faces\" or \"auto\"",
                if pipeline {
                    "a [pipeline]"
                } else if schedule {
                    "[[deployments]]"
                } else {
                    "mode = \"batch\""
                }
            ),
        )),
    }
}

impl Model {
    /// Why this model cannot be simulated, if it cannot: its engine's limit
    /// on faces, or on the alerts and wanted people's faces it handles one
    /// by one. Checked before a run (not when the model is built), so that
    /// `check` still answers such a scenario in closed form.
    pub fn simulation_refusal(&self) -> Result<(), ValidationError> {
        match self.engine {
            EngineKind::Faces => check_expected_faces(
                self.mode,
                &self.sites,
                self.duration_s,
                u64::from(self.residents),
            ),
            EngineKind::Residents => check_residents_work(&self.expected()),
        }
    }
}

/// Refuses a list's turnover where its warrants have no time to run in
/// (batch mode), or where a deployment searches several lists (whose
/// expectations assume each list's wanted people are on it throughout).
fn check_turnover(
    section: &spec::WatchlistSection,
    mode: Mode,
    deployments: &[Deployment],
) -> Result<(), ValidationError> {
    let key = match (&section.new_wanted_per_day, &section.time_on_list) {
        (Some(_), _) => "new_wanted_per_day",
        (None, Some(_)) => "time_on_list",
        (None, None) => return Ok(()),
    };
    let path = KeyPath::keys(&["watchlist", key]);
    if mode == Mode::Batch {
        return Err(ValidationError::new(
            path,
            "batch mode searches every resident once, outside time: a list that changes over \
             the run needs mode = \"footfall\"",
        ));
    }
    if let Some(deployment) = deployments.iter().find(|d| !d.lists.is_empty()) {
        return Err(ValidationError::new(
            path,
            format!(
                "deployment \"{}\" searches several lists, which survsim cannot yet combine \
                 with wanted people added to or removed from the list: drop its lists or this key",
                deployment.slot.name
            ),
        ));
    }
    Ok(())
}

/// Refuses a scenario whose sites would capture more than
/// [`MAX_EXPECTED_FACES`] in one run (in batch mode, each resident once).
fn check_expected_faces(
    mode: Mode,
    sites: &[Site],
    duration_s: f64,
    residents: u64,
) -> Result<(), ValidationError> {
    let expected_faces: f64 = match mode {
        Mode::Footfall => sites
            .iter()
            .map(|site| site.expected_captures(duration_s))
            .sum(),
        Mode::Batch => residents as f64,
    };
    if expected_faces > MAX_EXPECTED_FACES {
        return Err(ValidationError::new(
            KeyPath::keys(&["sites"]),
            format!(
                "the sites would capture {expected_faces:.3e} faces in one run, more than \
                 the limit of {MAX_EXPECTED_FACES:.0e}; {WORK_INPUTS}"
            ),
        ));
    }
    Ok(())
}

/// The pipeline, if the scenario describes one: it needs faces arriving
/// over time, so not in batch mode.
fn build_pipeline(
    section: Option<&PipelineSection>,
    mode: Mode,
    sites: &[Site],
) -> Result<Option<Pipeline>, ValidationError> {
    match (section, mode) {
        (None, _) => Ok(None),
        (Some(section), Mode::Footfall) => Pipeline::build(section, sites).map(Some),
        (Some(_), Mode::Batch) => Err(ValidationError::new(
            KeyPath::keys(&["pipeline"]),
            "a pipeline needs faces arriving over time: it cannot be used in batch mode",
        )),
    }
}
