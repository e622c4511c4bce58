//! Residents, demographic groups, home zones and the wanted people among them.
//!
//! Residents are numbered 0..R and stored in **blocks**, one per (home zone,
//! group), so a resident's zone and group are implied by their number.
//! Within a block residents are exchangeable, so its wanted people are simply
//! its first `wanted` members — "is this face wanted?" is one comparison —
//! and the members who avoid covered sites (the chilling effect) its last
//! `avoiders`, never drawn at a site. Wanted people are never avoiders.

use crate::error::{KeyPath, ValidationError};
use crate::model::matcher::{GroupSearch, LookalikeMean};
use crate::spec::{GroupSection, PopulationSection};

/// The most residents a scenario may have (4 bytes of state each).
pub const MAX_RESIDENTS: u64 = 1_000_000_000;

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
    /// Share who avoid covered sites.
    pub avoidance: f64,
}

/// Groups from `population.groups`, or the cross product of
/// `population.dimensions`: names joined by "/", shares, activities and
/// multipliers multiplied, avoidance combined as 1 − Π(1 − a).
pub fn group_specs(p: &PopulationSection) -> Result<Vec<GroupSpec>, ValidationError> {
    let path = KeyPath::keys(&["population"]);
    let check_levels = |levels: &[GroupSection], lpath: &KeyPath| -> Result<(), ValidationError> {
        if levels.is_empty() {
            return Err(ValidationError::new(
                lpath.clone(),
                "expected at least one group",
            ));
        }
        check_shares(
            levels
                .iter()
                .enumerate()
                .map(|(i, g)| (lpath.index(i).key("share"), g.share)),
            lpath,
        )?;
        for (i, g) in levels.iter().enumerate() {
            if levels[..i].iter().any(|h| h.name == g.name) {
                return Err(ValidationError::new(
                    lpath.index(i).key("name"),
                    format!("the name \"{}\" is used twice", g.name),
                ));
            }
            for (key, v, min, max) in [
                ("activity", g.activity, 0.0, 1e6),
                ("fmr_multiplier", g.fmr_multiplier, f64::MIN_POSITIVE, 1e6),
                ("fnmr_multiplier", g.fnmr_multiplier, f64::MIN_POSITIVE, 1e6),
                ("avoidance", g.avoidance, 0.0, 1.0),
            ] {
                if !v.is_finite() || v < min || v > max {
                    let bound = if min > 0.0 { "above 0" } else { "≥ 0" };
                    return Err(ValidationError::new(
                        lpath.index(i).key(key),
                        format!("expected a number {bound} and at most {max}, got {v}"),
                    ));
                }
            }
        }
        Ok(())
    };
    let spec = |g: &GroupSection| GroupSpec {
        name: g.name.clone(),
        share: g.share,
        activity: g.activity,
        fmr_multiplier: g.fmr_multiplier,
        fnmr_multiplier: g.fnmr_multiplier,
        avoidance: g.avoidance,
    };
    match (&p.groups, &p.dimensions) {
        (Some(_), Some(_)) => Err(ValidationError::new(
            path.key("dimensions"),
            "give groups either as `groups` or as `dimensions`, not both",
        )),
        (None, None) => Ok(crate::spec::default_groups().iter().map(spec).collect()),
        (Some(groups), None) => {
            check_levels(groups, &path.key("groups"))?;
            Ok(groups.iter().map(spec).collect())
        }
        (None, Some(dims)) => {
            if dims.is_empty() {
                return Err(ValidationError::new(
                    path.key("dimensions"),
                    "expected at least one dimension",
                ));
            }
            // Refuse an oversized product before building it.
            let size = dims
                .iter()
                .try_fold(1usize, |n, d| n.checked_mul(d.levels.len()))
                .unwrap_or(usize::MAX);
            if size > 10_000 {
                return Err(ValidationError::new(
                    path.key("dimensions"),
                    format!("the cross product has {size} groups; at most 10,000"),
                ));
            }
            let mut product = vec![GroupSpec {
                name: String::new(),
                share: 1.0,
                activity: 1.0,
                fmr_multiplier: 1.0,
                fnmr_multiplier: 1.0,
                avoidance: 0.0,
            }];
            for (d, dim) in dims.iter().enumerate() {
                check_levels(&dim.levels, &path.key("dimensions").index(d).key("levels"))?;
                product = product
                    .iter()
                    .flat_map(|a| {
                        dim.levels.iter().map(move |b| GroupSpec {
                            name: if a.name.is_empty() {
                                b.name.clone()
                            } else {
                                format!("{}/{}", a.name, b.name)
                            },
                            share: a.share * b.share,
                            activity: a.activity * b.activity,
                            fmr_multiplier: a.fmr_multiplier * b.fmr_multiplier,
                            fnmr_multiplier: a.fnmr_multiplier * b.fnmr_multiplier,
                            avoidance: 1.0 - (1.0 - a.avoidance) * (1.0 - b.avoidance),
                        })
                    })
                    .collect();
            }
            if product.len() > 10_000 {
                return Err(ValidationError::new(
                    path.key("dimensions"),
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

/// Lays residents out in (zone, group) blocks: residents per group by
/// largest remainder, then per zone within each group; wanted people per
/// group by the watchlist's mix, then per zone in proportion to residents;
/// avoiders per block by the group's avoidance. With `separate_wanted`, the
/// wanted members of each (zone, group) get a block of their own (placed
/// first, so residents keep their numbers), which lets a site capture them
/// at another rate than the rest (see [`crate::model::RatesPer`]).
pub fn blocks(
    group_residents: &[u64],
    group_wanted: &[u64],
    avoidance: &[f64],
    zone_shares: &[f64],
    separate_wanted: bool,
) -> Vec<Block> {
    let zones = zone_shares.len();
    let mut per_zone: Vec<Vec<u64>> = Vec::new(); // [group][zone]
    let mut wanted: Vec<Vec<u64>> = Vec::new();
    for (g, &r) in group_residents.iter().enumerate() {
        let rz = apportion(r, zone_shares);
        let wz = if r == 0 {
            vec![0; zones]
        } else {
            let weights: Vec<f64> = rz.iter().map(|&x| x as f64).collect();
            apportion(group_wanted[g], &weights)
        };
        per_zone.push(rz);
        wanted.push(wz);
    }
    let mut out = Vec::new();
    let (mut first, mut first_wanted) = (0u64, 0u64);
    for z in 0..zones {
        for g in 0..group_residents.len() {
            let (r, w) = (per_zone[g][z], wanted[g][z].min(per_zone[g][z]));
            let avoiders = ((r as f64 * avoidance[g]).round() as u64).min(r - w);
            if separate_wanted && w > 0 && w < r {
                out.push(Block {
                    group: g as u32,
                    zone: z as u32,
                    first_resident: first as u32,
                    residents: w as u32,
                    wanted: w as u32,
                    first_wanted: first_wanted as u32,
                    avoiders: 0,
                });
                out.push(Block {
                    group: g as u32,
                    zone: z as u32,
                    first_resident: (first + w) as u32,
                    residents: (r - w) as u32,
                    wanted: 0,
                    first_wanted: (first_wanted + w) as u32,
                    avoiders: avoiders as u32,
                });
                first += r;
                first_wanted += w;
                continue;
            }
            out.push(Block {
                group: g as u32,
                zone: z as u32,
                first_resident: first as u32,
                residents: r as u32,
                wanted: w as u32,
                first_wanted: first_wanted as u32,
                avoiders: avoiders as u32,
            });
            first += r;
            first_wanted += w;
        }
    }
    out
}

/// Splits `total` into integer parts proportional to `shares` (largest
/// remainder, ties to the earlier part), so the parts sum exactly to `total`.
pub fn apportion(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|s| {
            if sum > 0.0 {
                total as f64 * s / sum
            } else {
                0.0
            }
        })
        .collect();
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let assigned: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
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
    for (path, s) in shares {
        if !s.is_finite() || !(0.0..=1.0).contains(&s) {
            return Err(ValidationError::new(
                path,
                format!("expected a share in [0, 1], got {s}"),
            ));
        }
        sum += s;
    }
    if (sum - 1.0).abs() > 1e-6 {
        return Err(ValidationError::new(
            whole.clone(),
            // Rounded: float noise (0.8999999999999999) helps no one.
            format!(
                "shares must sum to 1, but they sum to {}",
                crate::report::round_for_people(sum)
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
