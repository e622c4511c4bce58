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
//! is everyone wanted who lives in the city), in one fixed order that
//! interleaves the blocks in proportion to their wanted members
//! ([`first_in_city_order`]): a deployment's list holds `wanted_present` of
//! them. Someone wanted who is not on a deployment's list is searched there
//! as anyone else (non-mated).
//!
//! A deployment may search several lists ([`List`]), each with its own
//! size, threshold and wanted people — consecutive stretches of the same
//! order, so each wanted person is on at most one. A face is searched
//! against every list; an alert counts once, with the first list in the
//! deployment's order that raised it. A non-mated face alerts with
//! 1 − Π(1 − FPIRₗ), and the list is then drawn from the alert's own
//! uniform ([`Deployment::attribute`]), so the hot loop is unchanged.
//!
//! [`schedule`]: super::schedule

use super::calibrate::ResolvedMatcher;
use super::extrapolation;
use super::limits::{MAX_STAFF, MAX_WATCHLIST};
use super::matcher::{LookalikeMean, Matcher};
use super::population::{Block, Group, Population, Searches};
use super::schedule::{NO_DEPLOYMENT, Slot};
use super::watchlist::wanted_given;
use crate::error::{KeyPath, ValidationError, Warning};
use crate::spec::{DeploymentSection, ScenarioFile};
use std::collections::HashMap;

/// What building a schedule works out once for all its deployments: the
/// city's first `n` wanted people for each count `n` (a pass over them),
/// and the groups' search probabilities ([`Searches`]) — a schedule is
/// often hundreds of the same deployment.
pub(super) struct Memo<'a> {
    first: HashMap<u64, Vec<u32>>,
    searches: &'a mut Searches,
}

impl<'a> Memo<'a> {
    /// A memo adding to `searches`.
    pub(super) fn new(searches: &'a mut Searches) -> Self {
        Memo {
            first: HashMap::new(),
            searches,
        }
    }

    /// Per block, its members among the city's first `count` wanted people
    /// ([`first_in_city_order`]).
    pub(super) fn first(&mut self, blocks: &[Block], count: u64) -> Vec<u32> {
        self.first
            .entry(count)
            .or_insert_with(|| first_in_city_order(blocks, count))
            .clone()
    }

    /// The groups with `block_wanted` wanted members per block, searched
    /// by `matcher` ([`Population::groups_in`]).
    pub(super) fn groups(
        &mut self,
        context: &Context,
        block_wanted: &[u32],
        matcher: &Matcher,
    ) -> Vec<Group> {
        let group_wanted = per_group(context, block_wanted);
        context
            .population
            .groups_in(&group_wanted, matcher, context.average_mated, self.searches)
    }
}

/// A validated deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// When and where.
    pub slot: Slot,
    /// Faces over the deployment, if it gives them.
    pub faces: Option<f64>,
    /// The matcher at this deployment's threshold and watchlist size (with
    /// several lists, the first list's).
    pub matcher: Matcher,
    /// The groups, their search probabilities at this deployment (and
    /// their wanted members: those on its list). With several lists, a
    /// non-mated face's: alerting with 1 − Π(1 − FPIRₗ).
    pub groups: Vec<Group>,
    /// Per block, its wanted members on this deployment's list — or on any
    /// of its lists (the block's first).
    pub block_wanted: Vec<u32>,
    /// Wanted people on its list (or lists), all groups.
    pub wanted: u32,
    /// With several lists, each in the deployment's order (empty: one list,
    /// the fields above).
    pub lists: Vec<List>,
    /// Operators reviewing its alerts.
    pub operators: u32,
    /// Officers acting on them.
    pub officers: u32,
}

/// The most watchlists one deployment may search (alerts name theirs in a byte).
pub const MAX_LISTS: usize = 64;

/// One of several watchlists searched at a deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    /// Name.
    pub name: String,
    /// The matcher at its threshold and size.
    pub matcher: Matcher,
    /// The groups' search probabilities against it (their wanted members:
    /// those on it).
    pub groups: Vec<Group>,
    /// Per block, the first member on it (by rank among the block's
    /// wanted members)…
    pub block_first: Vec<u32>,
    /// …and how many are.
    pub block_wanted: Vec<u32>,
    /// Wanted people on it, all groups.
    pub wanted: u32,
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
    /// order); returns them with the warnings about thresholds and
    /// watchlists far from the matcher's calibration. Their sites were
    /// built before them, scaled to their `faces` ([`super::schedule::sites`]).
    pub fn build_all(
        context: &Context,
        slots: Vec<Slot>,
        searches: &mut Searches,
    ) -> Result<(Vec<Deployment>, Vec<Warning>), ValidationError> {
        let mut deployments = Vec::with_capacity(slots.len());
        let mut warnings = Vec::new();
        let mut memo = Memo::new(searches);
        for (i, slot) in slots.into_iter().enumerate() {
            let path = KeyPath::keys(&["deployments"]).index(i);
            let section = &context.file.deployments[i];
            let (deployment, warned) = Deployment::build(context, section, slot, &path, &mut memo)?;
            warnings.extend(warned);
            deployments.push(deployment);
        }
        Ok((deployments, warnings))
    }

    /// This deployment, validated, as it searches with `context`'s matcher
    /// (another draw of the scenario's uncertain inputs): the matcher at
    /// its own threshold and list size, and its groups' search
    /// probabilities under it. Nothing else about a deployment depends on
    /// a draw, nor can a draw make it invalid.
    pub(super) fn redrawn(&self, context: &Context, memo: &mut Memo) -> Deployment {
        let at = |own: &Matcher| Matcher {
            threshold: own.threshold,
            watchlist_size: own.watchlist_size,
            ..context.matcher.matcher.clone()
        };
        let (matcher, groups, lists) = if self.lists.is_empty() {
            let matcher = at(&self.matcher);
            let groups = memo.groups(context, &self.block_wanted, &matcher);
            (matcher, groups, Vec::new())
        } else {
            let lists: Vec<List> = self
                .lists
                .iter()
                .map(|list| {
                    let matcher = at(&list.matcher);
                    List {
                        groups: memo.groups(context, &list.block_wanted, &matcher),
                        matcher,
                        ..list.clone()
                    }
                })
                .collect();
            (
                lists[0].matcher.clone(),
                any_list_alerts(context, &lists),
                lists,
            )
        };
        Deployment {
            slot: self.slot.clone(),
            faces: self.faces,
            matcher,
            groups,
            block_wanted: self.block_wanted.clone(),
            wanted: self.wanted,
            lists,
            operators: self.operators,
            officers: self.officers,
        }
    }

    /// The one builder of a deployment: its lists (one, from its own
    /// `watchlist` and `matcher` keys or the scenario's, or its
    /// `[[deployments.watchlists]]`), then what it is searched with and who
    /// answers it.
    fn build(
        context: &Context,
        section: &DeploymentSection,
        slot: Slot,
        path: &KeyPath,
        memo: &mut Memo,
    ) -> Result<(Deployment, Vec<Warning>), ValidationError> {
        let (lists, warnings) = match &section.watchlists {
            Some(sections) => List::several(context, section, sections, path, memo)?,
            None => List::one(context, section, path, memo)?,
        };
        let (operators, officers) = crew(context, section, path)?;
        let last = lists
            .last()
            .expect("a deployment searches at least one list");
        // Its lists are consecutive stretches of the city's order.
        let block_wanted = (last.block_first.iter().zip(&last.block_wanted))
            .map(|(first, wanted)| first + wanted)
            .collect();
        let wanted = lists.iter().map(|list| list.wanted).sum();
        let matcher = lists[0].matcher.clone();
        // One list is the deployment's own fields, not a list of one.
        let (groups, lists) = match section.watchlists {
            Some(_) => (any_list_alerts(context, &lists), lists),
            None => (
                lists.into_iter().next().expect("one list").groups,
                Vec::new(),
            ),
        };
        Ok((
            Deployment {
                slot,
                faces: section.faces,
                matcher,
                groups,
                block_wanted,
                wanted,
                lists,
                operators,
                officers,
            },
            warnings,
        ))
    }
}

impl List {
    /// The one list of a deployment without `watchlists`: its own
    /// `watchlist` and `matcher` keys, or the scenario's.
    fn one(
        context: &Context,
        section: &DeploymentSection,
        path: &KeyPath,
        memo: &mut Memo,
    ) -> Result<(Vec<List>, Vec<Warning>), ValidationError> {
        let watchlist = section.watchlist.clone().unwrap_or_default();
        let size = watchlist.size.unwrap_or(context.file.watchlist.size);
        let (matcher, warnings) = matcher_for(
            context,
            (size, path.key("watchlist").key("size")),
            (
                section.matcher.as_ref().and_then(|m| m.threshold),
                path.key("matcher").key("threshold"),
            ),
        )?;
        let city_wanted: u64 = context.group_wanted.iter().sum();
        let wanted = wanted_on_list(section, context, city_wanted, size, path)?;
        let block_wanted = memo.first(context.blocks, wanted);
        let groups = memo.groups(context, &block_wanted, &matcher);
        let list = List {
            name: String::new(),
            matcher,
            groups,
            block_first: vec![0; context.blocks.len()],
            block_wanted,
            wanted: wanted as u32,
        };
        Ok((vec![list], warnings))
    }
}

/// Each group's members among `block_wanted` (per block).
fn per_group(context: &Context, block_wanted: &[u32]) -> Vec<u64> {
    let mut group_wanted = vec![0u64; context.group_wanted.len()];
    for (block, &wanted) in context.blocks.iter().zip(block_wanted) {
        group_wanted[block.group as usize] += wanted as u64;
    }
    group_wanted
}

/// A deployment's operators and officers: its own, or the scenario's.
fn crew(
    context: &Context,
    section: &DeploymentSection,
    path: &KeyPath,
) -> Result<(u32, u32), ValidationError> {
    let file = context.file;
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
    Ok((operators, officers))
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
    let residents = context.population.residents;
    let given = wanted_given(
        watchlist.wanted_present,
        watchlist.wanted_prevalence,
        residents,
        &path,
    )?;
    let Some((wanted, key, how)) = given else {
        return Ok(city_wanted.min(size));
    };
    if wanted > city_wanted.min(size) {
        return Err(ValidationError::new(
            path.key(key),
            format!(
                "expected at most the city's wanted people (watchlist.wanted_present, \
                 {city_wanted}) and the list's size ({size}), got {wanted}{how}: a \
                 deployment's list holds some of the city's wanted people"
            ),
        ));
    }
    Ok(wanted)
}

/// The scenario's calibrated matcher for a list of `size` entries at
/// `threshold` (default the scenario's), each checked at its key: the same
/// score distributions, so FPIR and TPIR follow from the closed forms. With
/// it, the warnings where they are extrapolated, placed at those keys.
pub(super) fn matcher_for(
    context: &Context,
    (size, size_path): (u64, KeyPath),
    (threshold, threshold_path): (Option<f64>, KeyPath),
) -> Result<(Matcher, Vec<Warning>), ValidationError> {
    if !(1..=MAX_WATCHLIST).contains(&size) {
        return Err(ValidationError::new(
            size_path,
            format!("expected from 1 to {MAX_WATCHLIST} entries, got {size}"),
        ));
    }
    let base = &context.matcher.matcher;
    let threshold = threshold.unwrap_or(base.threshold);
    let [low, high] = context.matcher.score_range;
    if !(threshold.is_finite() && (low..=high).contains(&threshold)) {
        return Err(ValidationError::new(
            threshold_path,
            format!("expected a threshold within the score range [{low}, {high}], got {threshold}"),
        ));
    }
    let matcher = Matcher {
        threshold,
        watchlist_size: size,
        ..base.clone()
    };
    let warnings = calibration_warnings(context.matcher, &matcher, &size_path, &threshold_path);
    Ok((matcher, warnings))
}

/// Per block, how many of its wanted members are among the city's first
/// `count` wanted people, in the city's order: member i of a block with w
/// wanted members comes at (i + ½)/w, ties by block. So every block gives
/// its first members, in proportion to its wanted members, and a longer
/// stretch of the order holds every member a shorter one does.
pub fn first_in_city_order(blocks: &[Block], count: u64) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut taken = vec![0u32; blocks.len()];
    // (key numerator/denominator as an exact fraction, block): the next
    // member of each block, smallest key first.
    let mut next: BinaryHeap<Reverse<(Fraction, usize)>> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.wanted > 0)
        .map(|(i, b)| Reverse((Fraction(1, 2 * b.wanted as u64), i)))
        .collect();
    for _ in 0..count {
        let Some(Reverse((_, b))) = next.pop() else {
            break;
        };
        taken[b] += 1;
        if taken[b] < blocks[b].wanted {
            let w = blocks[b].wanted as u64;
            next.push(Reverse((Fraction(2 * taken[b] as u64 + 1, 2 * w), b)));
        }
    }
    taken
}

/// A fraction n/d, ordered (and equal) by value.
#[derive(Debug, Clone, Copy, Eq)]
struct Fraction(u64, u64);

impl PartialEq for Fraction {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0 as u128 * other.1 as u128).cmp(&(other.0 as u128 * self.1 as u128))
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The extrapolation warnings of a deployment whose threshold or
/// watchlist size differs from the scenario's, placed at its keys.
fn calibration_warnings(
    resolved: &ResolvedMatcher,
    matcher: &Matcher,
    size_path: &KeyPath,
    threshold_path: &KeyPath,
) -> Vec<Warning> {
    let base = &resolved.matcher;
    if matcher.threshold == base.threshold && matcher.watchlist_size == base.watchlist_size {
        return Vec::new();
    }
    let here = ResolvedMatcher {
        matcher: matcher.clone(),
        ..resolved.clone()
    };
    let mut warnings = extrapolation::warnings(&here);
    for warning in &mut warnings {
        // The scenario's key, moved to the deployment's (or its list's).
        let key = warning.path.to_string();
        warning.path = match key.as_str() {
            "watchlist.size" => size_path.clone(),
            _ => threshold_path.clone(),
        };
        warning.message = format!("at this deployment, {}", warning.message);
    }
    warnings
}

/// The deployment a stretch or alert belongs to, if any.
pub fn deployment_index(deployment: u32) -> Option<usize> {
    (deployment != NO_DEPLOYMENT).then_some(deployment as usize)
}

/// The groups as a non-mated face meets several lists: it alerts if any
/// list does, with 1 − Π(1 − FPIRₗ) (and, with lookalikes, 1 − Π(1 −
/// FPIRₗ)^L = 1 − (1 − FPIR)^L, so one combined FPIR serves every
/// propensity).
fn any_list_alerts(context: &Context, lists: &[List]) -> Vec<Group> {
    let mut groups = lists[0].groups.clone();
    for (g, group) in groups.iter_mut().enumerate() {
        let pass: f64 = lists
            .iter()
            .map(|l| 1.0 - l.groups[g].search.fpir)
            .product();
        group.search.fpir = 1.0 - pass;
        group.search.false_alert_bits = crate::rng::bernoulli_threshold(group.search.fpir);
        group.averaged = LookalikeMean::new(
            &lists[0].matcher,
            &group.search,
            (group.fmr_multiplier, group.fnmr_multiplier),
            context.population.lookalike_spread,
            false,
        );
    }
    groups
}
