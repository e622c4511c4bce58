//! Deployments: a `[[deployments]]` schedule validated into what each
//! deployment searches with and who answers its alerts.
//!
//! A deployment runs its sites over one stretch of time ([`schedule`]). It
//! may bring its own watchlist size, threshold, wanted people and crew;
//! what it leaves out is the scenario's. Its searches use the scenario's
//! calibrated matcher at its own threshold and watchlist size — the same
//! score distributions, so FPIR and TPIR move as the closed forms say.
//!
//! Its wanted people are the first of the city's (`watchlist.wanted_present`
//! is everyone wanted who lives in the city): a deployment's list holds
//! `wanted_present` of them, spread over groups and blocks as the city's
//! are. Someone wanted who is not on a deployment's list is searched there
//! as anyone else (non-mated).
//!
//! [`schedule`]: super::schedule

use super::calibrate::ResolvedMatcher;
use super::extrapolation;
use super::population::{Block, Group, Population, apportion};
use super::schedule::{NO_DEPLOYMENT, Slot};
use super::{MAX_STAFF, MAX_WATCHLIST, Matcher, Site};
use crate::error::{KeyPath, ValidationError, Warning};
use crate::spec::{DeploymentSection, ScenarioFile};

/// A validated deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// When and where.
    pub slot: Slot,
    /// Faces over the deployment, if it gives them.
    pub faces: Option<f64>,
    /// The matcher at this deployment's threshold and watchlist size.
    pub matcher: Matcher,
    /// The groups, their search probabilities at this deployment (and
    /// their wanted members: those on its list).
    pub groups: Vec<Group>,
    /// Per block, its wanted members on this deployment's list (the
    /// block's first).
    pub block_wanted: Vec<u32>,
    /// Wanted people on its list, all groups.
    pub wanted: u32,
    /// Operators reviewing its alerts.
    pub operators: u32,
    /// Officers acting on them.
    pub officers: u32,
}

/// What deployments are built from: the validated rest of the scenario.
pub struct Context<'a> {
    /// The scenario file.
    pub file: &'a ScenarioFile,
    /// The population.
    pub population: &'a Population,
    /// Its blocks, with the city's wanted people.
    pub blocks: &'a [Block],
    /// The scenario's calibrated matcher.
    pub matcher: &'a ResolvedMatcher,
    /// The city's wanted people per group.
    pub group_wanted: &'a [u64],
    /// Whether group rates are averaged over lookalikes for expectations.
    pub average_mated: bool,
}

impl Deployment {
    /// Validates every deployment of `slots` (the schedule's, in file
    /// order) and scales its sites' windows to its `faces`; returns them
    /// with the warnings about thresholds and watchlists far from the
    /// matcher's calibration.
    pub fn build_all(
        context: &Context,
        slots: Vec<Slot>,
        sites: &mut [Site],
    ) -> Result<(Vec<Deployment>, Vec<Warning>), ValidationError> {
        let mut deployments = Vec::with_capacity(slots.len());
        let mut warnings = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            let path = KeyPath::keys(&["deployments"]).index(i);
            let section = &context.file.deployments[i];
            let (deployment, warned) = Deployment::build(context, section, slot, &path)?;
            if let Some(faces) = deployment.faces {
                scale_to_faces(context.file, sites, i as u32, faces, &path)?;
            }
            warnings.extend(warned);
            deployments.push(deployment);
        }
        Ok((deployments, warnings))
    }

    fn build(
        context: &Context,
        section: &DeploymentSection,
        slot: Slot,
        path: &KeyPath,
    ) -> Result<(Deployment, Vec<Warning>), ValidationError> {
        let file = context.file;
        let watchlist = section.watchlist.clone().unwrap_or_default();
        let size = watchlist.size.unwrap_or(file.watchlist.size);
        if !(1..=MAX_WATCHLIST).contains(&size) {
            return Err(ValidationError::new(
                path.key("watchlist").key("size"),
                format!("expected from 1 to {MAX_WATCHLIST} entries, got {size}"),
            ));
        }
        let base = &context.matcher.matcher;
        let threshold = section
            .matcher
            .as_ref()
            .and_then(|m| m.threshold)
            .unwrap_or(base.threshold);
        let [low, high] = context.matcher.score_range;
        if !(threshold.is_finite() && (low..=high).contains(&threshold)) {
            return Err(ValidationError::new(
                path.key("matcher").key("threshold"),
                format!(
                    "expected a threshold within the score range [{low}, {high}], got {threshold}"
                ),
            ));
        }
        let matcher = Matcher {
            threshold,
            watchlist_size: size,
            ..base.clone()
        };
        let city_wanted: u64 = context.group_wanted.iter().sum();
        let wanted = wanted_on_list(section, context, city_wanted, size, path)?;
        let group_wanted: Vec<u64> = apportion(wanted, &as_shares(context.group_wanted));
        let block_wanted = block_wanted(context.blocks, &group_wanted);
        let groups = context
            .population
            .groups(&group_wanted, &matcher, context.average_mated);
        let staff = |count: Option<u32>, default: u32, key: &[&str]| {
            let count = count.unwrap_or(default);
            if count > MAX_STAFF {
                let mut at = path.clone();
                for k in key {
                    at = at.key(k);
                }
                return Err(ValidationError::new(
                    at,
                    format!("expected at most {MAX_STAFF}, got {count}"),
                ));
            }
            Ok(count)
        };
        let operators = staff(
            section.review.as_ref().and_then(|r| r.operators),
            file.review.operators,
            &["review", "operators"],
        )?;
        let officers = staff(
            section.intervention.as_ref().and_then(|i| i.officers),
            file.intervention.officers,
            &["intervention", "officers"],
        )?;
        if let Some(faces) = section.faces
            && !(faces.is_finite() && faces >= 0.0)
        {
            return Err(ValidationError::new(
                path.key("faces"),
                format!("expected a number of faces ≥ 0, got {faces}"),
            ));
        }
        let warnings = calibration_warnings(context.matcher, &matcher, base, path);
        Ok((
            Deployment {
                slot,
                faces: section.faces,
                matcher,
                groups,
                block_wanted,
                wanted: wanted as u32,
                operators,
                officers,
            },
            warnings,
        ))
    }
}

/// Wanted people on a deployment's list: its `wanted_present` or
/// `wanted_prevalence` × residents, at most the city's and the list's
/// size; by default all the city's (at most the list's size).
fn wanted_on_list(
    section: &DeploymentSection,
    context: &Context,
    city_wanted: u64,
    size: u64,
    path: &KeyPath,
) -> Result<u64, ValidationError> {
    let watchlist = section.watchlist.clone().unwrap_or_default();
    let path = path.key("watchlist");
    let (wanted, key) = match (watchlist.wanted_present, watchlist.wanted_prevalence) {
        (Some(_), Some(_)) => {
            return Err(ValidationError::new(
                path.key("wanted_prevalence"),
                "give either wanted_present or wanted_prevalence, not both",
            ));
        }
        (Some(wanted), None) => (wanted, "wanted_present"),
        (None, Some(rate)) => {
            if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) {
                return Err(ValidationError::new(
                    path.key("wanted_prevalence"),
                    format!("expected wanted people per resident in [0, 1], got {rate}"),
                ));
            }
            let residents = context.population.residents as f64;
            ((rate * residents).round() as u64, "wanted_prevalence")
        }
        (None, None) => return Ok(city_wanted.min(size)),
    };
    if wanted > city_wanted.min(size) {
        return Err(ValidationError::new(
            path.key(key),
            format!(
                "expected at most the city's wanted people (watchlist.wanted_present, \
                 {city_wanted}) and the list's size ({size}), got {wanted}: a deployment's \
                 list holds some of the city's wanted people"
            ),
        ));
    }
    Ok(wanted)
}

/// Counts as shares of their total (all zero for a total of zero).
fn as_shares(counts: &[u64]) -> Vec<f64> {
    counts.iter().map(|&c| c as f64).collect()
}

/// Each block's wanted members on a list holding `group_wanted` per group:
/// a group's spread over its blocks as its wanted people are, each block's
/// first members. Largest remainders never exceed a block's own count.
fn block_wanted(blocks: &[Block], group_wanted: &[u64]) -> Vec<u32> {
    let mut on_list = vec![0u32; blocks.len()];
    for (group, &wanted) in group_wanted.iter().enumerate() {
        let members: Vec<usize> = (0..blocks.len())
            .filter(|&b| blocks[b].group as usize == group && blocks[b].wanted > 0)
            .collect();
        let shares: Vec<u64> = members.iter().map(|&b| blocks[b].wanted as u64).collect();
        for (&b, count) in members.iter().zip(apportion(wanted, &as_shares(&shares))) {
            on_list[b] = count.min(blocks[b].wanted as u64) as u32;
        }
    }
    on_list
}

/// Scales the windows of deployment `deployment` at its sites so that its
/// passers' faces total `faces` in expectation.
fn scale_to_faces(
    file: &ScenarioFile,
    sites: &mut [Site],
    deployment: u32,
    faces: f64,
    path: &KeyPath,
) -> Result<(), ValidationError> {
    let mut relative = 0.0;
    for (index, site) in sites.iter().enumerate() {
        let Some(window) = site.schedule.iter().find(|w| w.deployment == deployment) else {
            continue;
        };
        if file.sites[index].faces.is_some() {
            return Err(ValidationError::new(
                path.key("faces"),
                format!(
                    "site \"{}\" gives its own faces over the run; give faces either per \
                     site or per deployment, not both",
                    site.name
                ),
            ));
        }
        let passing: f64 = site.block_shares.iter().map(|&(_, share)| share).sum();
        site.captures_between(window.start_s, window.end_s, |d, f| {
            if d == deployment {
                relative += f * passing;
            }
        });
    }
    if faces > 0.0 && relative <= 0.0 {
        return Err(ValidationError::new(
            path.key("faces"),
            format!(
                "{faces} faces cannot be captured: its sites capture no one in its hours \
                 (their hourly_profile or footfall is zero then, or no one passes them)"
            ),
        ));
    }
    let scale = if relative > 0.0 {
        faces / relative
    } else {
        0.0
    };
    for site in sites.iter_mut() {
        for window in site.schedule.iter_mut() {
            if window.deployment == deployment {
                window.scale = scale;
            }
        }
    }
    Ok(())
}

/// The extrapolation warnings of a deployment whose threshold or
/// watchlist size differs from the scenario's, placed at its keys.
fn calibration_warnings(
    resolved: &ResolvedMatcher,
    matcher: &Matcher,
    base: &Matcher,
    path: &KeyPath,
) -> Vec<Warning> {
    if matcher.threshold == base.threshold && matcher.watchlist_size == base.watchlist_size {
        return Vec::new();
    }
    let here = ResolvedMatcher {
        matcher: matcher.clone(),
        ..resolved.clone()
    };
    let mut warnings = extrapolation::warnings(&here);
    for warning in &mut warnings {
        // The scenario's key, moved to the deployment's.
        let key = warning.path.to_string();
        warning.path = match key.as_str() {
            "matcher.threshold" => path.key("matcher").key("threshold"),
            "watchlist.size" => path.key("watchlist").key("size"),
            _ => path.clone(),
        };
        warning.message = format!("deployment: {}", warning.message);
    }
    warnings
}

/// The deployment a stretch or alert belongs to, if any.
pub fn deployment_index(deployment: u32) -> Option<usize> {
    (deployment != NO_DEPLOYMENT).then_some(deployment as usize)
}
