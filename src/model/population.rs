//! Residents, demographic groups, home zones and the wanted people among them.
//!
//! Residents are numbered 0..R and stored in **blocks**, one per (home zone,
//! group), so a resident's zone and group are implied by their number.
//! Within a block residents are exchangeable, so its wanted people are simply
//! its first `wanted` members — "is this face wanted?" is one comparison —
//! and the members who avoid covered sites (the chilling effect) its last
//! `avoiders`, never drawn at a site. Wanted people are never avoiders.
//!
//! [`Population::build`] validates the residents, groups and zones; the
//! groups' wanted people and search probabilities, and so the blocks, follow
//! once the watchlist and the matcher are known ([`Population::groups`],
//! [`Population::blocks`]).

use super::limits::MAX_SITE_BLOCKS;
use super::matcher::Matcher;
use super::uncertain::{Draws, check_param, check_range};
use crate::error::{KeyPath, ValidationError};
use crate::model::matcher::{GroupSearch, LookalikeMean, ScoreShift};
use crate::spec::{GroupSection, MobilitySection, PopulationSection, ZoneSection};
use std::collections::HashMap;

/// The most residents a scenario may have (4 bytes of state each).
pub const MAX_RESIDENTS: u64 = 1_000_000_000;

/// The most groups a population may have, however they are given.
const MAX_GROUPS: usize = 10_000;

/// A validated demographic group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Name (`"16-24/black"` for a cross product).
    pub name: String,
    /// Share of residents, as given.
    pub share: f64,
    /// Residents in the group, all zones.
    pub residents: u32,
    /// Wanted (watchlisted) residents in the group, all zones.
    pub wanted: u32,
    /// Relative activity.
    pub activity: f64,
    /// False-match multiplier.
    pub fmr_multiplier: f64,
    /// False-non-match multiplier.
    pub fnmr_multiplier: f64,
    /// How far the group's scores sit above the matcher's.
    pub score_shift: ScoreShift,
    /// Share of members who avoid covered sites.
    pub avoidance: f64,
    /// Search probabilities at the model's threshold and watchlist size.
    pub search: GroupSearch,
    /// The same, averaged over the members' lookalike multipliers (equal to
    /// `search`'s without lookalikes): what the expectations use.
    pub averaged: LookalikeMean,
}

/// The residents of one group living in one zone: a contiguous range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Group index.
    pub group: u32,
    /// Zone index.
    pub zone: u32,
    /// First resident number.
    pub first_resident: u32,
    /// Residents in the block.
    pub residents: u32,
    /// Wanted residents: the block's first `wanted` members.
    pub wanted: u32,
    /// Index of the block's first wanted person among all wanted people.
    pub first_wanted: u32,
    /// Members who avoid covered sites: the block's last `avoiders`.
    pub avoiders: u32,
}

impl Block {
    /// Members who can be drawn at a site (all but the avoiders).
    pub fn passers(&self) -> u32 {
        self.residents - self.avoiders
    }
}

impl Group {
    /// A validated group with its share of the residents and of the wanted
    /// people, and its search probabilities under `matcher` (averaged over
    /// lookalikes of spread `lookalike_spread`).
    pub fn new(
        spec: &GroupSpec,
        residents: u64,
        wanted: u64,
        matcher: &Matcher,
        lookalike_spread: f64,
        average_mated: bool,
    ) -> Group {
        let searches = Group::searches(spec, matcher, lookalike_spread, average_mated);
        Group::with_searches(spec, residents, wanted, searches)
    }

    /// What a member of a group of `spec` meets in a search (a quadrature
    /// or two): its probabilities, and their means over lookalikes.
    fn searches(
        spec: &GroupSpec,
        matcher: &Matcher,
        lookalike_spread: f64,
        average_mated: bool,
    ) -> (GroupSearch, LookalikeMean) {
        let multipliers = (spec.fmr_multiplier, spec.fnmr_multiplier);
        let search = matcher.group_search_shifted(
            spec.score_shift,
            spec.fmr_multiplier,
            spec.fnmr_multiplier,
        );
        let matcher = &matcher.shifted(spec.score_shift);
        let averaged = LookalikeMean::new(
            matcher,
            &search,
            multipliers,
            lookalike_spread,
            average_mated,
        );
        (search, averaged)
    }

    fn with_searches(
        spec: &GroupSpec,
        residents: u64,
        wanted: u64,
        (search, averaged): (GroupSearch, LookalikeMean),
    ) -> Group {
        Group {
            name: spec.name.clone(),
            share: spec.share,
            residents: residents as u32,
            wanted: wanted as u32,
            activity: spec.activity,
            fmr_multiplier: spec.fmr_multiplier,
            fnmr_multiplier: spec.fnmr_multiplier,
            score_shift: spec.score_shift,
            avoidance: spec.avoidance,
            averaged,
            search,
        }
    }
}

/// Search probabilities already worked out (a quadrature or two each), by
/// everything they depend on: the matcher's score distributions, threshold
/// and list size, the group's multipliers and score shift, the lookalike
/// spread, and whether mated rates are averaged. The groups of a cross
/// product often share multipliers (age × ethnicity, with multipliers by
/// ethnicity), and a schedule's deployments and lists its threshold and
/// list size: each is worked out once per build of a model.
#[derive(Debug, Default)]
pub struct Searches(HashMap<[u64; 12], (GroupSearch, LookalikeMean)>);

impl Searches {
    fn key(matcher: &Matcher, spec: &GroupSpec, spread: f64, mated: bool) -> [u64; 12] {
        [
            matcher.impostor.mean.to_bits(),
            matcher.impostor.sd.to_bits(),
            matcher.genuine.mean.to_bits(),
            matcher.genuine.sd.to_bits(),
            matcher.threshold.to_bits(),
            matcher.watchlist_size,
            spec.fmr_multiplier.to_bits(),
            spec.fnmr_multiplier.to_bits(),
            spec.score_shift.impostor.to_bits(),
            spec.score_shift.genuine.to_bits(),
            spread.to_bits(),
            u64::from(mated),
        ]
    }
}

/// A group before its search probabilities are known.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSpec {
    /// Name.
    pub name: String,
    /// Share of residents.
    pub share: f64,
    /// Relative activity.
    pub activity: f64,
    /// False-match multiplier.
    pub fmr_multiplier: f64,
    /// False-non-match multiplier.
    pub fnmr_multiplier: f64,
    /// How far the group's scores sit above the matcher's.
    pub score_shift: ScoreShift,
    /// Share who avoid covered sites.
    pub avoidance: f64,
}

/// A scenario's residents, groups and home zones, validated: what is known
/// before the watchlist and the matcher.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// All residents.
    pub residents: u64,
    /// Groups, in file order (or cross-product order).
    pub groups: Vec<GroupSpec>,
    /// Residents per group, apportioned by share.
    pub group_residents: Vec<u64>,
    /// σ of each person's log-normal false-match propensity (0: none).
    pub lookalike_spread: f64,
    /// The shape of each person's Gamma activity of mean 1, if residents
    /// differ in how often they pass cameras (`None`: members of a block
    /// alike).
    pub activity_shape: Option<f64>,
    /// The group disparities are measured against.
    pub reference_group: usize,
    /// Zone names: `city` alone when the scenario names none.
    pub zones: Vec<String>,
    /// Share of residents living in each zone.
    pub zone_shares: Vec<f64>,
    /// Whether the scenario names its zones, so that each site must say
    /// which zone it is in.
    pub zones_named: bool,
    /// Per head, how many times as likely a resident is to pass a site in
    /// their home zone as a resident of another zone.
    pub home_bias: f64,
}

impl Population {
    /// Validates `[population]`, `[[zones]]` and `[mobility]`. Every one of
    /// the `sites` keeps a share per (zone, group), so their number bounds
    /// how many groups and zones there may be. Uncertain multipliers take
    /// their values from `draws`.
    pub fn build(
        population: &PopulationSection,
        zones: &[ZoneSection],
        mobility: &MobilitySection,
        sites: usize,
        draws: &mut dyn Draws,
    ) -> Result<Population, ValidationError> {
        let path = KeyPath::keys(&["population"]);
        let residents = population.residents;
        if !(1..=MAX_RESIDENTS).contains(&residents) {
            return Err(ValidationError::new(
                path.key("residents"),
                format!("expected from 1 to {MAX_RESIDENTS} residents, got {residents}"),
            ));
        }
        let groups = group_specs(population, draws)?;
        let shares: Vec<f64> = groups.iter().map(|group| group.share).collect();
        let group_residents = apportion(residents, &shares);
        if !groups
            .iter()
            .zip(&group_residents)
            .any(|(group, &members)| group.activity * members as f64 > 0.0)
        {
            return Err(ValidationError::new(
                path.key("groups"),
                "no resident can pass a camera: every group with residents has activity 0",
            ));
        }
        let spread = population.lookalike_spread;
        if !(spread.is_finite() && (0.0..=3.0).contains(&spread)) {
            return Err(ValidationError::new(
                path.key("lookalike_spread"),
                format!("expected a spread from 0 to 3, got {spread}"),
            ));
        }
        let activity_shape = match &population.activity_spread {
            None => None,
            Some(spread) if spread.shape.is_finite() && (1e-3..=1e6).contains(&spread.shape) => {
                Some(spread.shape)
            }
            Some(spread) => {
                return Err(ValidationError::new(
                    path.key("activity_spread").key("shape"),
                    format!(
                        "expected a Gamma shape from 0.001 to 1e6 (smaller is more uneven), got {}",
                        spread.shape
                    ),
                ));
            }
        };
        let reference_group = match &population.reference_group {
            None => 0,
            Some(name) => groups
                .iter()
                .position(|group| &group.name == name)
                .ok_or_else(|| {
                    ValidationError::new(
                        path.key("reference_group"),
                        format!("\"{name}\" is not one of the groups"),
                    )
                })?,
        };
        let (zone_names, zone_shares) = home_zones(zones)?;
        // Each site keeps a share per (zone, group) block: refuse a product
        // too large to hold before anything is allocated for it.
        let site_blocks = (groups.len() as u64)
            .saturating_mul(zone_names.len() as u64)
            .saturating_mul(sites as u64);
        if site_blocks > MAX_SITE_BLOCKS {
            return Err(ValidationError::new(
                KeyPath::keys(&["sites"]),
                format!(
                    "{} groups × {} zones × {sites} sites make {site_blocks} (site, block) shares \
                     to hold; at most {MAX_SITE_BLOCKS}",
                    groups.len(),
                    zone_names.len(),
                ),
            ));
        }
        let home_bias = mobility.home_bias;
        if !(home_bias.is_finite() && home_bias > 0.0 && home_bias <= 1e6) {
            return Err(ValidationError::new(
                KeyPath::keys(&["mobility", "home_bias"]),
                format!("expected a number above 0, got {home_bias}"),
            ));
        }
        Ok(Population {
            residents,
            groups,
            group_residents,
            lookalike_spread: spread,
            activity_shape,
            reference_group,
            zones: zone_names,
            zone_shares,
            zones_named: !zones.is_empty(),
            home_bias,
        })
    }

    /// The groups, each with its wanted people (`group_wanted`, in group
    /// order) and its search probabilities under `matcher`.
    ///
    /// With `average_mated`, a group's expected mated rates are averaged over
    /// its members' lookalike multipliers; otherwise they are the group's own
    /// (see [`crate::model::uncertain::Draws::averages_mated_rates`]).
    pub fn groups(
        &self,
        group_wanted: &[u64],
        matcher: &Matcher,
        average_mated: bool,
    ) -> Vec<Group> {
        let mut searches = Searches::default();
        self.groups_in(group_wanted, matcher, average_mated, &mut searches)
    }

    /// [`Population::groups`], taking search probabilities already worked
    /// out from `searches` and adding those it works out.
    pub fn groups_in(
        &self,
        group_wanted: &[u64],
        matcher: &Matcher,
        average_mated: bool,
        searches: &mut Searches,
    ) -> Vec<Group> {
        self.groups
            .iter()
            .zip(&self.group_residents)
            .zip(group_wanted)
            .map(|((spec, &residents), &wanted)| {
                let mated = wanted > 0 && average_mated;
                let key = Searches::key(matcher, spec, self.lookalike_spread, mated);
                let found = searches
                    .0
                    .entry(key)
                    .or_insert_with(|| Group::searches(spec, matcher, self.lookalike_spread, mated))
                    .clone();
                Group::with_searches(spec, residents, wanted, found)
            })
            .collect()
    }

    /// Lays residents out in (zone, group) blocks: residents per zone within
    /// each group by largest remainder; wanted people (`group_wanted`, in
    /// group order) per zone in proportion to residents; avoiders per block
    /// by the group's avoidance. With `separate_wanted`, the wanted members
    /// of each (zone, group) get a block of their own (placed first, so
    /// residents keep their numbers), which lets a site capture them at
    /// another rate than the rest (see [`crate::model::RatesPer`]).
    pub fn blocks(&self, group_wanted: &[u64], separate_wanted: bool) -> Vec<Block> {
        let zones = self.zone_shares.len();
        // [group][zone]
        let mut zone_residents: Vec<Vec<u64>> = Vec::new();
        let mut zone_wanted: Vec<Vec<u64>> = Vec::new();
        for (&residents, &wanted) in self.group_residents.iter().zip(group_wanted) {
            let by_zone = apportion(residents, &self.zone_shares);
            let wanted_by_zone = if residents == 0 {
                vec![0; zones]
            } else {
                let weights: Vec<f64> = by_zone.iter().map(|&count| count as f64).collect();
                apportion(wanted, &weights)
            };
            zone_residents.push(by_zone);
            zone_wanted.push(wanted_by_zone);
        }
        let mut blocks = Vec::new();
        let (mut first, mut first_wanted) = (0u64, 0u64);
        for zone in 0..zones {
            for (group, spec) in self.groups.iter().enumerate() {
                let residents = zone_residents[group][zone];
                let wanted = zone_wanted[group][zone].min(residents);
                let avoiders =
                    ((residents as f64 * spec.avoidance).round() as u64).min(residents - wanted);
                let block = |first: u64, residents: u64, wanted: u64, avoiders: u64| Block {
                    group: group as u32,
                    zone: zone as u32,
                    first_resident: first as u32,
                    residents: residents as u32,
                    wanted: wanted as u32,
                    first_wanted: first_wanted as u32,
                    avoiders: avoiders as u32,
                };
                if separate_wanted && wanted > 0 && wanted < residents {
                    blocks.push(block(first, wanted, wanted, 0));
                    let rest = Block {
                        first_wanted: (first_wanted + wanted) as u32,
                        ..block(first + wanted, residents - wanted, 0, avoiders)
                    };
                    blocks.push(rest);
                } else {
                    blocks.push(block(first, residents, wanted, avoiders));
                }
                first += residents;
                first_wanted += wanted;
            }
        }
        blocks
    }
}

/// The home zones' names and shares: `[[zones]]`, or one zone, `city`.
fn home_zones(zones: &[ZoneSection]) -> Result<(Vec<String>, Vec<f64>), ValidationError> {
    if zones.is_empty() {
        return Ok((vec!["city".to_string()], vec![1.0]));
    }
    let path = KeyPath::keys(&["zones"]);
    check_shares(
        zones
            .iter()
            .enumerate()
            .map(|(i, zone)| (path.index(i).key("share"), zone.share)),
        &path,
    )?;
    for (i, zone) in zones.iter().enumerate() {
        if zones[..i].iter().any(|earlier| earlier.name == zone.name) {
            return Err(ValidationError::new(
                path.index(i).key("name"),
                format!("zone name \"{}\" is used twice", zone.name),
            ));
        }
    }
    Ok((
        zones.iter().map(|zone| zone.name.clone()).collect(),
        zones.iter().map(|zone| zone.share).collect(),
    ))
}

/// Checks the levels of a group list (`population.groups`, or one
/// dimension's `levels`) — at least one, shares that sum to 1, unique names,
/// multipliers in range — and resolves them, each uncertain multiplier
/// taking its value from `draws` once.
fn resolve_levels(
    levels: &[GroupSection],
    path: &KeyPath,
    draws: &mut dyn Draws,
) -> Result<Vec<GroupSpec>, ValidationError> {
    if levels.is_empty() {
        return Err(ValidationError::new(
            path.clone(),
            "expected at least one group",
        ));
    }
    check_shares(
        levels
            .iter()
            .enumerate()
            .map(|(i, level)| (path.index(i).key("share"), level.share)),
        path,
    )?;
    let mut specs = Vec::with_capacity(levels.len());
    for (i, level) in levels.iter().enumerate() {
        let at = path.index(i);
        if levels[..i].iter().any(|earlier| earlier.name == level.name) {
            return Err(ValidationError::new(
                at.key("name"),
                format!("the name \"{}\" is used twice", level.name),
            ));
        }
        for (key, value, min, max) in [
            ("activity", level.activity, 0.0, 1e6),
            ("avoidance", level.avoidance, 0.0, 1.0),
        ] {
            check_range(&at.key(key), value, min, max)?;
        }
        for (key, param) in [
            ("fmr_multiplier", &level.fmr_multiplier),
            ("fnmr_multiplier", &level.fnmr_multiplier),
        ] {
            check_param(&at.key(key), param, f64::MIN_POSITIVE, 1e6)?;
        }
        // A shift beyond any score scale is a typo, not a group.
        for (key, param) in [
            ("impostor_shift", &level.impostor_shift),
            ("genuine_shift", &level.genuine_shift),
        ] {
            check_param(&at.key(key), param, -1e6, 1e6)?;
        }
        specs.push(GroupSpec {
            name: level.name.clone(),
            share: level.share,
            activity: level.activity,
            fmr_multiplier: draws.value(&at.key("fmr_multiplier"), &level.fmr_multiplier),
            fnmr_multiplier: draws.value(&at.key("fnmr_multiplier"), &level.fnmr_multiplier),
            score_shift: ScoreShift {
                impostor: draws.value(&at.key("impostor_shift"), &level.impostor_shift),
                genuine: draws.value(&at.key("genuine_shift"), &level.genuine_shift),
            },
            avoidance: level.avoidance,
        });
    }
    Ok(specs)
}

/// Groups from `population.groups`, or the cross product of
/// `population.dimensions`: names joined by "/", shares, activities and
/// multipliers multiplied, avoidance combined as 1 − Π(1 − a).
fn group_specs(
    population: &PopulationSection,
    draws: &mut dyn Draws,
) -> Result<Vec<GroupSpec>, ValidationError> {
    let path = KeyPath::keys(&["population"]);
    match (&population.groups, &population.dimensions) {
        (Some(_), Some(_)) => Err(ValidationError::new(
            path.key("dimensions"),
            "give groups either as `groups` or as `dimensions`, not both",
        )),
        (None, None) => resolve_levels(&crate::spec::default_groups(), &path.key("groups"), draws),
        (Some(groups), None) => resolve_levels(groups, &path.key("groups"), draws),
        (None, Some(dimensions)) => {
            let path = path.key("dimensions");
            if dimensions.is_empty() {
                return Err(ValidationError::new(
                    path,
                    "expected at least one dimension",
                ));
            }
            // Refuse an oversized product before building it.
            let size = dimensions
                .iter()
                .try_fold(1usize, |product, dimension| {
                    product.checked_mul(dimension.levels.len())
                })
                .unwrap_or(usize::MAX);
            if size > MAX_GROUPS {
                return Err(ValidationError::new(
                    path,
                    format!("the cross product has {size} groups; at most 10,000"),
                ));
            }
            let mut product = vec![GroupSpec {
                name: String::new(),
                share: 1.0,
                activity: 1.0,
                fmr_multiplier: 1.0,
                fnmr_multiplier: 1.0,
                score_shift: ScoreShift::default(),
                avoidance: 0.0,
            }];
            for (i, dimension) in dimensions.iter().enumerate() {
                let levels =
                    resolve_levels(&dimension.levels, &path.index(i).key("levels"), draws)?;
                product = product
                    .iter()
                    .flat_map(|partial| levels.iter().map(move |level| partial.and(level)))
                    .collect();
            }
            if product.len() > MAX_GROUPS {
                return Err(ValidationError::new(
                    path,
                    format!(
                        "the cross product has {} groups; at most 10,000",
                        product.len()
                    ),
                ));
            }
            Ok(product)
        }
    }
}

impl GroupSpec {
    /// This group crossed with a level of the next dimension.
    fn and(&self, level: &GroupSpec) -> GroupSpec {
        GroupSpec {
            name: if self.name.is_empty() {
                level.name.clone()
            } else {
                format!("{}/{}", self.name, level.name)
            },
            share: self.share * level.share,
            activity: self.activity * level.activity,
            fmr_multiplier: self.fmr_multiplier * level.fmr_multiplier,
            fnmr_multiplier: self.fnmr_multiplier * level.fnmr_multiplier,
            score_shift: ScoreShift {
                impostor: self.score_shift.impostor + level.score_shift.impostor,
                genuine: self.score_shift.genuine + level.score_shift.genuine,
            },
            avoidance: 1.0 - (1.0 - self.avoidance) * (1.0 - level.avoidance),
        }
    }
}

/// Splits `total` into integer parts proportional to `shares` (largest
/// remainder, ties to the earlier part), so the parts sum exactly to `total`.
pub fn apportion(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|share| {
            if sum > 0.0 {
                total as f64 * share / sum
            } else {
                0.0
            }
        })
        .collect();
    let mut parts: Vec<u64> = exact.iter().map(|part| part.floor() as u64).collect();
    let assigned: u64 = parts.iter().sum();
    let remainder = |i: usize| exact[i] - exact[i].floor();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b)));
    for &i in order.iter().take(total.saturating_sub(assigned) as usize) {
        parts[i] += 1;
    }
    parts
}

/// Checks that `shares` are each in [0, 1] and sum to 1 (within 1e-6).
pub fn check_shares(
    shares: impl Iterator<Item = (KeyPath, f64)>,
    whole: &KeyPath,
) -> Result<(), ValidationError> {
    let mut sum = 0.0;
    for (path, share) in shares {
        if !share.is_finite() || !(0.0..=1.0).contains(&share) {
            return Err(ValidationError::new(
                path,
                format!("expected a share in [0, 1], got {share}"),
            ));
        }
        sum += share;
    }
    if (sum - 1.0).abs() > 1e-6 {
        return Err(ValidationError::new(
            whole.clone(),
            // Rounded: float noise (0.8999999999999999) helps no one.
            format!(
                "shares must sum to 1, but they sum to {}",
                crate::format::round_for_people(sum)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_exactly() {
        assert_eq!(apportion(10, &[0.5, 0.25, 0.25]), vec![5, 3, 2]);
        assert_eq!(apportion(7, &[1.0 / 3.0; 3]).iter().sum::<u64>(), 7);
        assert_eq!(apportion(0, &[0.5, 0.5]), vec![0, 0]);
    }
}
