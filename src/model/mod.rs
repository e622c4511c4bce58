//! The validated runtime model of a scenario.
//!
//! [`Model::build`] turns a parsed [`ScenarioFile`] into a [`Model`] whose
//! invariants hold by construction — shares sum to one, probabilities are in
//! range, residents are numbered group by group, each group's search
//! probabilities are precomputed — so the engine never re-checks input.
//! [`Model::expected`] gives the closed-form expectations a run is compared
//! with.

pub mod calibrate;
pub mod dist;
pub mod matcher;
pub mod pipeline;
pub mod population;
pub mod sites;

pub use calibrate::RatesPer;
pub use dist::Duration;
pub use matcher::{GroupSearch, Matcher, MatedOutcome, NormalScores};
pub use population::{Block, Group};
pub use sites::Site;

use crate::error::{KeyPath, ValidationError};
use crate::spec::{self, ScenarioFile};
use calibrate::PointFit;
use population::{MAX_RESIDENTS, apportion, check_shares};

/// The most faces one replication may be expected to capture; a bigger
/// scenario is refused rather than left to run for hours.
pub const MAX_EXPECTED_FACES: f64 = 2e10;
/// The longest simulated duration.
pub const MAX_DURATION_S: f64 = 366.0 * sites::DAY_S;
/// The largest watchlist.
pub const MAX_WATCHLIST: u64 = 10_000_000_000;
/// The most operators or officers.
pub const MAX_STAFF: u32 = 1_000_000;
/// The most camera sites: the engine remembers a resident's sites as 16-bit
/// ids (index + 1, with 0 for an empty slot).
pub const MAX_SITES: usize = u16::MAX as usize - 1;

/// How faces arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Passers at camera sites, at their footfall.
    Footfall,
    /// Every resident searched once, spread over the duration.
    Batch,
}

impl From<spec::Mode> for Mode {
    fn from(mode: spec::Mode) -> Mode {
        match mode {
            spec::Mode::Footfall => Mode::Footfall,
            spec::Mode::Batch => Mode::Batch,
        }
    }
}

/// Human review of alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Operators working in parallel.
    pub operators: u32,
    /// Time to adjudicate one alert.
    pub review_time: Duration,
    /// P(confirm | true alert).
    pub p_confirm_true: f64,
    /// P(confirm | false alert).
    pub p_confirm_false: f64,
}

/// Officers, stops and arrests.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervention {
    /// Officers working in parallel.
    pub officers: u32,
    /// Seconds after capture during which the person can still be found.
    pub window_s: f64,
    /// Time from dispatch to reaching the person.
    pub approach_time: Duration,
    /// Time a stop keeps an officer busy.
    pub stop_duration: Duration,
    /// P(arrest | correct stop).
    pub p_arrest_correct: f64,
    /// P(false arrest | wrongful stop).
    pub p_arrest_wrongful: f64,
    /// Seconds an arrested wanted person is held, off the streets; their
    /// warrant is then executed, and they return as a person not wanted.
    pub custody_s: f64,
    /// Time an arrest keeps the arresting officer busy after the stop.
    pub arrest_processing: Duration,
}

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
    pub blocks: Vec<population::Block>,
    /// Zone names.
    pub zones: Vec<String>,
    /// The group disparities are measured against.
    pub reference_group: usize,
    /// σ of each person's log-normal false-match propensity (0: none).
    pub lookalike_spread: f64,
    /// Wanted people in all groups.
    pub wanted: u32,
    /// How faces arrive.
    pub mode: Mode,
    /// Camera sites (unused in batch mode).
    pub sites: Vec<Site>,
    /// The matcher and watchlist.
    pub matcher: Matcher,
    /// The matcher profile used, if any.
    pub matcher_profile: Option<String>,
    /// The operating points the matcher was calibrated from, with their fit.
    pub calibration: Vec<PointFit>,
    /// What the matcher's rates are per; with `WalkPast` in footfall mode,
    /// wanted passers are drawn at footfall rate (see [`RatesPer`]).
    pub rates_per: RatesPer,
    /// The recognition pipeline, if the scenario describes one.
    pub pipeline: Option<pipeline::Pipeline>,
    /// Human review.
    pub review: Review,
    /// Officers and stops.
    pub intervention: Intervention,
}

/// The most (site, zone, group) combinations a scenario may have: each
/// takes 16 bytes in the sites' block shares (10⁷: 160 MB).
pub const MAX_SITE_BLOCKS: u64 = 10_000_000;

/// Closed-form expectations for one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Usable faces captured.
    pub faces_captured: f64,
    /// Distinct residents captured at least once.
    pub people_scanned: f64,
    /// Alerts on the right identity, were no one ever arrested. Arrests
    /// execute warrants (custody, then non-mated searches), which only
    /// removes true alerts, so with arrests possible this is an upper bound
    /// ([`Expected::true_alerts_is_upper_bound`]).
    pub true_alerts: f64,
    /// Whether arrests can happen, making `true_alerts` an upper bound.
    pub true_alerts_is_upper_bound: bool,
    /// Wanted people with at least one true alert: exact with arrests too,
    /// since a person's first true alert comes before their arrest.
    pub wanted_alerted: f64,
    /// Alerts on a wrong identity (non-mated, and misidentified mated
    /// searches), were no one ever arrested.
    pub false_alerts: f64,
    /// Per group, in model order.
    pub groups: Vec<ExpectedGroup>,
}

/// Closed-form expectations for one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedGroup {
    /// Faces of this group's members.
    pub faces_captured: f64,
    /// Distinct members captured at least once.
    pub people_scanned: f64,
    /// True alerts (an upper bound with arrests, as [`Expected::true_alerts`]).
    pub true_alerts: f64,
    /// Wanted members with at least one true alert.
    pub wanted_alerted: f64,
    /// False alerts.
    pub false_alerts: f64,
    /// Visits to covered sites that avoiders did not make.
    pub avoided_visits: f64,
    /// Members with two or more false alerts, without lookalikes.
    pub repeat_false_alert_people: f64,
}

fn check_probability(p: f64, path: KeyPath) -> Result<f64, ValidationError> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(ValidationError::new(
            path,
            format!("expected a probability in [0, 1], got {p}"),
        ))
    }
}

fn check_count(n: u32, min: u32, path: KeyPath) -> Result<u32, ValidationError> {
    if (min..=MAX_STAFF).contains(&n) {
        Ok(n)
    } else {
        Err(ValidationError::new(
            path,
            format!("expected a count from {min} to {MAX_STAFF}, got {n}"),
        ))
    }
}

impl Model {
    /// Validates a parsed scenario.
    pub fn build(f: &ScenarioFile) -> Result<Model, ValidationError> {
        let k = KeyPath::keys;
        let mode = Mode::from(f.simulation.mode);

        let duration_s = f.simulation.duration.seconds;
        if !(duration_s > 0.0 && duration_s <= MAX_DURATION_S) {
            return Err(ValidationError::new(
                k(&["simulation", "duration"]),
                format!(
                    "expected a duration above zero and at most 366 days, got \"{}\"",
                    f.simulation.duration.text
                ),
            ));
        }

        // Population and groups.
        let residents = f.population.residents;
        if !(1..=MAX_RESIDENTS).contains(&residents) {
            return Err(ValidationError::new(
                k(&["population", "residents"]),
                format!("expected from 1 to {MAX_RESIDENTS} residents, got {residents}"),
            ));
        }
        let gpath = k(&["population", "groups"]);
        let specs = population::group_specs(&f.population)?;
        let shares: Vec<f64> = specs.iter().map(|g| g.share).collect();
        let group_residents = apportion(residents, &shares);
        if !specs
            .iter()
            .zip(&group_residents)
            .any(|(g, &r)| g.activity * r as f64 > 0.0)
        {
            return Err(ValidationError::new(
                gpath,
                "no resident can pass a camera: every group with residents has activity 0",
            ));
        }
        let spread = f.population.lookalike_spread;
        if !(spread.is_finite() && (0.0..=3.0).contains(&spread)) {
            return Err(ValidationError::new(
                k(&["population", "lookalike_spread"]),
                format!("expected a spread from 0 to 3, got {spread}"),
            ));
        }
        let reference_group = match &f.population.reference_group {
            None => 0,
            Some(name) => specs.iter().position(|g| &g.name == name).ok_or_else(|| {
                ValidationError::new(
                    k(&["population", "reference_group"]),
                    format!("\"{name}\" is not one of the groups"),
                )
            })?,
        };

        // Zones.
        let zpath = k(&["zones"]);
        let zone_names: Vec<String> = if f.zones.is_empty() {
            vec!["city".to_string()]
        } else {
            check_shares(
                f.zones
                    .iter()
                    .enumerate()
                    .map(|(i, z)| (zpath.index(i).key("share"), z.share)),
                &zpath,
            )?;
            for (i, z) in f.zones.iter().enumerate() {
                if f.zones[..i].iter().any(|y| y.name == z.name) {
                    return Err(ValidationError::new(
                        zpath.index(i).key("name"),
                        format!("zone name \"{}\" is used twice", z.name),
                    ));
                }
            }
            f.zones.iter().map(|z| z.name.clone()).collect()
        };
        // Each site keeps a share per (zone, group) block: refuse a product
        // too large to hold before anything is allocated for it.
        let site_blocks = (specs.len() as u64)
            .saturating_mul(zone_names.len() as u64)
            .saturating_mul(f.sites.len() as u64);
        if site_blocks > MAX_SITE_BLOCKS {
            return Err(ValidationError::new(
                k(&["sites"]),
                format!(
                    "{} groups × {} zones × {} sites make {site_blocks} (site, block) shares \
                     to hold; at most {MAX_SITE_BLOCKS}",
                    specs.len(),
                    zone_names.len(),
                    f.sites.len()
                ),
            ));
        }
        let zone_shares: Vec<f64> = if f.zones.is_empty() {
            vec![1.0]
        } else {
            f.zones.iter().map(|z| z.share).collect()
        };
        let home_bias = f.mobility.home_bias;
        if !(home_bias.is_finite() && home_bias > 0.0 && home_bias <= 1e6) {
            return Err(ValidationError::new(
                k(&["mobility", "home_bias"]),
                format!("expected a number above 0, got {home_bias}"),
            ));
        }

        // Watchlist and wanted people.
        let wl = &f.watchlist;
        let wpath = k(&["watchlist"]);
        if !(1..=MAX_WATCHLIST).contains(&wl.size) {
            return Err(ValidationError::new(
                wpath.key("size"),
                format!(
                    "expected from 1 to {MAX_WATCHLIST} entries, got {}",
                    wl.size
                ),
            ));
        }
        if wl.wanted_present > wl.size.min(residents) {
            return Err(ValidationError::new(
                wpath.key("wanted_present"),
                format!(
                    "expected at most the watchlist size and the residents ({}), got {}",
                    wl.size.min(residents),
                    wl.wanted_present
                ),
            ));
        }
        let mix: Vec<f64> = match &wl.group_mix {
            None => shares.clone(),
            Some(m) => {
                let mpath = wpath.key("group_mix");
                if let Some(unknown) = m
                    .keys()
                    .find(|name| !specs.iter().any(|g| &&g.name == name))
                {
                    return Err(ValidationError::new(
                        mpath.key(unknown),
                        format!("\"{unknown}\" is not a group of the population"),
                    ));
                }
                check_shares(m.iter().map(|(n, &s)| (mpath.key(n), s)), &mpath)?;
                specs
                    .iter()
                    .map(|g| m.get(&g.name).copied().unwrap_or(0.0))
                    .collect()
            }
        };
        let group_wanted = apportion(wl.wanted_present, &mix);
        for (i, (&w, &r)) in group_wanted.iter().zip(&group_residents).enumerate() {
            if w > r {
                return Err(ValidationError::new(
                    wpath.key("group_mix"),
                    format!(
                        "{w} wanted people fall in group \"{}\", which has only {r} residents",
                        specs[i].name
                    ),
                ));
            }
        }

        // Matcher: profile, overrides, calibration.
        let resolved = calibrate::resolve(&f.matcher, wl.size)?;
        let matcher = resolved.matcher;

        let groups: Vec<Group> = specs
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let search = matcher.group_search(g.fmr_multiplier, g.fnmr_multiplier);
                Group {
                    name: g.name.clone(),
                    share: g.share,
                    residents: group_residents[i] as u32,
                    wanted: group_wanted[i] as u32,
                    activity: g.activity,
                    fmr_multiplier: g.fmr_multiplier,
                    fnmr_multiplier: g.fnmr_multiplier,
                    avoidance: g.avoidance,
                    averaged: matcher::LookalikeMean::new(
                        &matcher,
                        &search,
                        (g.fmr_multiplier, g.fnmr_multiplier),
                        spread,
                        group_wanted[i] > 0,
                    ),
                    search,
                }
            })
            .collect();
        let avoidance: Vec<f64> = specs.iter().map(|g| g.avoidance).collect();
        // With walk-past rates, wanted people are captured at footfall rate
        // (their TPIR already includes failures to capture): they need
        // blocks of their own so that sites can draw them at that rate —
        // unless every site captures every passer, when nothing changes (and
        // the random streams stay as they were).
        let rates_per = resolved.rates_per;
        let walk_past = rates_per == RatesPer::WalkPast
            && mode == Mode::Footfall
            && f.sites.iter().any(|s| s.capture_share < 1.0);
        let blocks = population::blocks(
            &group_residents,
            &group_wanted,
            &avoidance,
            &zone_shares,
            walk_past,
        );
        let wanted_total: u64 = group_wanted.iter().sum();

        // Sites.
        if f.sites.is_empty() && mode == Mode::Footfall {
            return Err(ValidationError::new(
                k(&["sites"]),
                "expected at least one site (or simulation.mode = \"batch\")",
            ));
        }
        if f.sites.len() > MAX_SITES {
            return Err(ValidationError::new(
                k(&["sites"]),
                format!("expected at most {MAX_SITES} sites, got {}", f.sites.len()),
            ));
        }
        let mut sites = Vec::with_capacity(f.sites.len());
        for (i, s) in f.sites.iter().enumerate() {
            let path = k(&["sites"]).index(i);
            if f.sites[..i].iter().any(|t| t.name == s.name) {
                return Err(ValidationError::new(
                    path.key("name"),
                    format!("site name \"{}\" is used twice", s.name),
                ));
            }
            let mut site = Site::build(s, &path)?;
            site.zone = match (&s.zone, f.zones.is_empty()) {
                (None, true) => 0,
                (None, false) => {
                    return Err(ValidationError::new(
                        path.key("zone"),
                        "expected the zone the site is in (the scenario has [[zones]])",
                    ));
                }
                (Some(z), _) => zone_names.iter().position(|n| n == z).ok_or_else(|| {
                    ValidationError::new(
                        path.key("zone"),
                        format!(
                            "no zone is named \"{z}\" (zones: {})",
                            zone_names.join(", ")
                        ),
                    )
                })? as u32,
            };
            // Who passes: each block in proportion to its members' activity,
            // locals `home_bias` times as likely per head; avoiders' share of
            // the footfall is removed (displaced away from covered sites).
            let weight = |b: &population::Block, members: u32| {
                let bias = if b.zone == site.zone { home_bias } else { 1.0 };
                members as f64 * specs[b.group as usize].activity * bias
            };
            let full: f64 = blocks.iter().map(|b| weight(b, b.residents)).sum();
            // A site's rate is footfall × capture_share. With walk-past
            // rates a wanted passer's walk past is itself the trial (its
            // TPIR already includes failing to capture the face), so their
            // block's share is divided by the capture share: wanted people
            // are drawn at footfall rate, everyone else at the capture rate.
            let capture = site.capture_share;
            let walk_past_share = |b: &population::Block| {
                if walk_past && b.wanted > 0 && capture > 0.0 {
                    1.0 / capture
                } else {
                    1.0
                }
            };
            site.block_shares = blocks
                .iter()
                .enumerate()
                .filter(|(_, b)| b.passers() > 0)
                .map(|(i, b)| (i as u32, weight(b, b.passers()) / full * walk_past_share(b)))
                .filter(|&(_, share)| share > 0.0)
                .collect();
            site.avoided_share_by_group = vec![0.0; groups.len()];
            for b in &blocks {
                site.avoided_share_by_group[b.group as usize] += weight(b, b.avoiders) / full;
            }
            sites.push(site);
        }
        let expected_faces: f64 = match mode {
            Mode::Footfall => sites.iter().map(|s| s.expected_captures(duration_s)).sum(),
            Mode::Batch => residents as f64,
        };
        if expected_faces > MAX_EXPECTED_FACES {
            return Err(ValidationError::new(
                k(&["sites"]),
                format!(
                    "the sites would capture {expected_faces:.3e} faces in one run, more than \
                     the limit of {MAX_EXPECTED_FACES:.0e}; lower footfall or duration"
                ),
            ));
        }

        let pipeline = match (&f.pipeline, mode) {
            (None, _) => None,
            (Some(p), Mode::Footfall) => Some(pipeline::Pipeline::build(p, &f.sites)?),
            (Some(_), Mode::Batch) => {
                return Err(ValidationError::new(
                    k(&["pipeline"]),
                    "a pipeline needs faces arriving over time: it cannot be used in batch mode",
                ));
            }
        };

        // Review and intervention.
        let r = &f.review;
        let rpath = k(&["review"]);
        let review = Review {
            operators: check_count(r.operators, 1, rpath.key("operators"))?,
            review_time: Duration::build(&r.review_time, &rpath.key("review_time"))?,
            p_confirm_true: check_probability(r.p_confirm_true, rpath.key("p_confirm_true"))?,
            p_confirm_false: check_probability(r.p_confirm_false, rpath.key("p_confirm_false"))?,
        };
        let iv = &f.intervention;
        let ipath = k(&["intervention"]);
        let intervention = Intervention {
            // No officers: a trial that only records alerts. Confirmed
            // alerts are then counted as not actioned.
            officers: check_count(iv.officers, 0, ipath.key("officers"))?,
            window_s: iv.window.seconds,
            approach_time: Duration::build(&iv.approach_time, &ipath.key("approach_time"))?,
            stop_duration: Duration::build(&iv.stop_duration, &ipath.key("stop_duration"))?,
            p_arrest_correct: check_probability(
                iv.p_arrest_correct,
                ipath.key("p_arrest_correct"),
            )?,
            p_arrest_wrongful: check_probability(
                iv.p_arrest_wrongful,
                ipath.key("p_arrest_wrongful"),
            )?,
            custody_s: iv.custody.seconds,
            arrest_processing: Duration::build(
                &iv.arrest_processing,
                &ipath.key("arrest_processing"),
            )?,
        };

        Ok(Model {
            name: f.simulation.name.clone(),
            description: f.simulation.description.clone(),
            seed: f.simulation.seed,
            duration_s,
            residents: residents as u32,
            groups,
            blocks,
            zones: zone_names,
            reference_group,
            lookalike_spread: spread,
            wanted: wanted_total as u32,
            mode,
            sites,
            matcher,
            matcher_profile: resolved.profile,
            calibration: resolved.fits,
            rates_per,
            pipeline,
            review,
            intervention,
        })
    }

    /// The group of resident `person`.
    pub fn group_of(&self, person: u32) -> usize {
        let b = self
            .blocks
            .partition_point(|b| b.first_resident + b.residents <= person);
        self.blocks[b].group as usize
    }

    /// This model with every site's footfall (and surges) multiplied by
    /// `factor`: the load axis of `survsim stress`.
    pub fn with_footfall_scaled(&self, factor: f64) -> Model {
        let mut m = self.clone();
        for site in &mut m.sites {
            for seg in site.segments_in_hour.iter_mut().flatten() {
                seg.captures_per_s *= factor;
            }
        }
        m
    }

    /// This model with every matcher pool given `servers` servers.
    pub fn with_pool_servers(&self, servers: u32) -> Model {
        let mut m = self.clone();
        if let Some(p) = &mut m.pipeline {
            for pool in &mut p.pools {
                pool.servers = servers;
            }
        }
        m
    }

    /// Closed-form expectations for one replication. With footfall, captures
    /// are Poisson, and each search's outcome is an independent thinning of
    /// them, so every count below is Poisson with this mean: its standard
    /// error is √mean. In batch mode every resident is searched once, so the
    /// face counts are exact and the alert counts binomial.
    pub fn expected(&self) -> Expected {
        // Expected faces per block: each site's captures split by its block
        // shares (footfall), or every resident once (batch).
        let mut block_faces = vec![0.0; self.blocks.len()];
        let mut avoided = vec![0.0; self.groups.len()];
        match self.mode {
            Mode::Footfall => {
                for site in &self.sites {
                    let e = site.expected_captures(self.duration_s);
                    for &(b, share) in &site.block_shares {
                        block_faces[b as usize] += e * share;
                    }
                    for (g, a) in avoided.iter_mut().enumerate() {
                        *a += e * site.avoided_share_by_group[g];
                    }
                }
            }
            Mode::Batch => {
                for (f, b) in block_faces.iter_mut().zip(&self.blocks) {
                    *f = b.residents as f64;
                }
            }
        }
        let mut groups: Vec<ExpectedGroup> = self
            .groups
            .iter()
            .zip(&avoided)
            .map(|(_, &a)| ExpectedGroup {
                avoided_visits: a,
                ..Default::default()
            })
            .collect();
        for (b, &faces) in self.blocks.iter().zip(&block_faces) {
            let g = &self.groups[b.group as usize];
            let e = &mut groups[b.group as usize];
            let passers = match self.mode {
                Mode::Footfall => b.passers(),
                Mode::Batch => b.residents,
            } as f64;
            e.faces_captured += faces;
            if passers == 0.0 {
                continue;
            }
            // Each passer's captures are Poisson(faces / passers); in batch
            // mode every resident is searched exactly once.
            let per_person = faces / passers;
            let mated = faces * b.wanted as f64 / passers;
            let non_mated = faces - mated;
            e.people_scanned += match self.mode {
                Mode::Footfall => passers * -(-per_person).exp_m1(),
                Mode::Batch => passers,
            };
            // Rates averaged over lookalike multipliers (see LookalikeMean):
            // a person's captures and their multiplier are independent.
            let rates = &g.averaged;
            e.true_alerts += mated * rates.tpir;
            // A wanted passer's mated searches before any arrest are
            // Poisson(per_person), each a true alert with TPIR (exact
            // without lookalikes; with them, TPIR is their average).
            e.wanted_alerted += b.wanted as f64
                * match self.mode {
                    Mode::Footfall => -(-per_person * rates.tpir).exp_m1(),
                    Mode::Batch => rates.tpir,
                };
            e.false_alerts += non_mated * rates.fpir + mated * rates.misidentification;
            // Residents with two or more false alerts, were everyone in the
            // group alike (no lookalikes): Poisson(per_person × FPIR) each.
            let mu = per_person * g.search.fpir;
            e.repeat_false_alert_people +=
                (passers - b.wanted as f64) * (1.0 - (-mu).exp() * (1.0 + mu));
        }
        Expected {
            faces_captured: groups.iter().map(|g| g.faces_captured).sum(),
            people_scanned: groups.iter().map(|g| g.people_scanned).sum(),
            true_alerts: groups.iter().map(|g| g.true_alerts).sum(),
            true_alerts_is_upper_bound: self.wanted > 0
                && self.intervention.officers > 0
                && self.intervention.p_arrest_correct > 0.0
                && self.review.p_confirm_true > 0.0,
            wanted_alerted: groups.iter().map(|g| g.wanted_alerted).sum(),
            false_alerts: groups.iter().map(|g| g.false_alerts).sum(),
            groups,
        }
    }
}
