//! The watchlist every face is searched against, and the wanted people on
//! it who live in the city.

use super::MAX_WATCHLIST;
use super::population::{Population, apportion, check_shares};
use crate::error::{KeyPath, ValidationError};
use crate::spec::WatchlistSection;

/// A validated watchlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Watchlist {
    /// Entries every face is searched against.
    pub size: u64,
    /// Wanted residents in each group of the population, in its order.
    pub group_wanted: Vec<u64>,
}

impl Watchlist {
    /// Validates `[watchlist]` against the population its wanted people live in.
    pub fn build(
        section: &WatchlistSection,
        population: &Population,
    ) -> Result<Watchlist, ValidationError> {
        let path = KeyPath::keys(&["watchlist"]);
        if !(1..=MAX_WATCHLIST).contains(&section.size) {
            return Err(ValidationError::new(
                path.key("size"),
                format!(
                    "expected from 1 to {MAX_WATCHLIST} entries, got {}",
                    section.size
                ),
            ));
        }
        let wanted = wanted_present(section, population.residents, &path)?;
        let mix = group_mix(section, population, &path.key("group_mix"))?;
        let group_wanted = apportion(wanted, &mix);
        let groups = &population.groups;
        for (group, (&wanted, &residents)) in groups
            .iter()
            .zip(group_wanted.iter().zip(&population.group_residents))
        {
            if wanted > residents {
                return Err(ValidationError::new(
                    path.key("group_mix"),
                    format!(
                        "{wanted} wanted people fall in group \"{}\", which has only {residents} \
                         residents",
                        group.name
                    ),
                ));
            }
        }
        Ok(Watchlist {
            size: section.size,
            group_wanted,
        })
    }

    /// Wanted people in all groups.
    pub fn wanted(&self) -> u64 {
        self.group_wanted.iter().sum()
    }
}

/// The wanted people who live in the city: `wanted_present`, or
/// `wanted_prevalence` × residents rounded to the nearest whole person
/// (halves away from zero), at most the watchlist's size and the residents.
fn wanted_present(
    section: &WatchlistSection,
    residents: u64,
    path: &KeyPath,
) -> Result<u64, ValidationError> {
    let most = section.size.min(residents);
    let given = wanted_given(
        section.wanted_present,
        section.wanted_prevalence,
        residents,
        path,
    )?;
    let (wanted, key, how) = given.unwrap_or((0, "wanted_present", String::new()));
    if wanted > most {
        return Err(ValidationError::new(
            path.key(key),
            format!(
                "expected at most the watchlist size and the residents ({most}), got {wanted}{how}"
            ),
        ));
    }
    Ok(wanted)
}

/// `wanted_present`, or `wanted_prevalence` × `residents` rounded to the
/// nearest whole person (halves away from zero), under `path` (the
/// scenario's watchlist, a deployment's or one of its lists): the count,
/// the key that gave it and how it was worked out. `None` if neither is
/// given; an error if both are, or the rate is not in [0, 1].
pub(super) fn wanted_given(
    present: Option<u64>,
    prevalence: Option<f64>,
    residents: u64,
    path: &KeyPath,
) -> Result<Option<(u64, &'static str, String)>, ValidationError> {
    match (present, prevalence) {
        (Some(_), Some(_)) => Err(ValidationError::new(
            path.key("wanted_prevalence"),
            "give either wanted_present (a number of people) or wanted_prevalence \
             (wanted people per resident), not both",
        )),
        (Some(wanted), None) => Ok(Some((wanted, "wanted_present", String::new()))),
        (None, Some(rate)) if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) => {
            Err(ValidationError::new(
                path.key("wanted_prevalence"),
                format!("expected wanted people per resident in [0, 1], got {rate}"),
            ))
        }
        (None, Some(rate)) => Ok(Some((
            (rate * residents as f64).round() as u64,
            "wanted_prevalence",
            format!(" ({rate} × {residents} residents)"),
        ))),
        (None, None) => Ok(None),
    }
}

/// The share of the wanted people in each group: `group_mix`, found at
/// `path`, or the population's own shares.
fn group_mix(
    section: &WatchlistSection,
    population: &Population,
    path: &KeyPath,
) -> Result<Vec<f64>, ValidationError> {
    let groups = &population.groups;
    let Some(mix) = &section.group_mix else {
        return Ok(groups.iter().map(|group| group.share).collect());
    };
    if let Some(unknown) = mix
        .keys()
        .find(|name| !groups.iter().any(|group| &&group.name == name))
    {
        return Err(ValidationError::new(
            path.key(unknown),
            format!("\"{unknown}\" is not a group of the population"),
        ));
    }
    check_shares(
        mix.iter().map(|(name, &share)| (path.key(name), share)),
        path,
    )?;
    Ok(groups
        .iter()
        .map(|group| mix.get(&group.name).copied().unwrap_or(0.0))
        .collect())
}
