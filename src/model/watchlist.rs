//! The watchlist every face is searched against, and the wanted people on
//! it who live in the city.

use super::limits::MAX_WATCHLIST;
use super::population::{Population, apportion, check_shares};
use super::uncertain::Draws;
use crate::error::{KeyPath, ValidationError};
use crate::spec::WatchlistSection;

/// A validated watchlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Watchlist {
    /// Entries every face is searched against.
    pub size: u64,
    /// Wanted residents in each group of the population, in its order.
    pub group_wanted: Vec<u64>,
    /// With `wanted_prevalence`, the fraction of a person that the whole
    /// people in `group_wanted` leave out (0.4 of 3.4), present in a
    /// replication with that probability; 0 otherwise.
    pub wanted_fraction: f64,
    /// Whether this model's draw made the fractional person present.
    pub extra_present: bool,
}

impl Watchlist {
    /// Validates `[watchlist]` against the population its wanted people live in.
    pub fn build(
        section: &WatchlistSection,
        population: &Population,
        draws: &mut dyn Draws,
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
        let (mean, key) = wanted_present(section, population.residents, &path)?;
        // A prevalence carries its fraction: 3.4 people are 3, and a fourth
        // in 40 % of replications, so the mean is 3.4 exactly.
        let whole = mean.floor();
        let wanted_fraction = mean - whole;
        let extra = wanted_fraction > 0.0 && draws.extra_wanted(&path.key(key), wanted_fraction);
        let wanted = whole as u64 + extra as u64;
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
            wanted_fraction,
            extra_present: extra,
        })
    }

    /// Wanted people in all groups.
    pub fn wanted(&self) -> u64 {
        self.group_wanted.iter().sum()
    }
}

/// The wanted people who live in the city, on average, and the key that
/// gave them: `wanted_present`, or `wanted_prevalence` × residents (not
/// rounded: see [`Watchlist::wanted_fraction`]), at most the watchlist's
/// size and the residents.
fn wanted_present(
    section: &WatchlistSection,
    residents: u64,
    path: &KeyPath,
) -> Result<(f64, &'static str), ValidationError> {
    let most = section.size.min(residents);
    let mean = match (section.wanted_present, section.wanted_prevalence) {
        (None, Some(rate)) if rate.is_finite() && (0.0..=1.0).contains(&rate) => Some((
            rate * residents as f64,
            "wanted_prevalence",
            format!(" ({rate} × {residents} residents)"),
        )),
        // Anything else as a deployment's list reads it (errors included).
        (present, prevalence) => wanted_given(present, prevalence, residents, path)?
            .map(|(wanted, key, how)| (wanted as f64, key, how)),
    };
    let (wanted, key, how) = mean.unwrap_or((0.0, "wanted_present", String::new()));
    if wanted > most as f64 {
        return Err(ValidationError::new(
            path.key(key),
            format!(
                "expected at most the watchlist size and the residents ({most}), got {}{how}",
                crate::format::fmt_num(wanted, if wanted.fract() == 0.0 { 0 } else { 2 })
            ),
        ));
    }
    Ok((wanted, key))
}

/// `wanted_present`, or `wanted_prevalence` × `residents` rounded to the
/// nearest whole person (halves away from zero), under `path` (a
/// deployment's list or one of its lists, which hold some of the city's
/// wanted people — whole people; the city's own count carries its
/// fraction, see [`Watchlist::wanted_fraction`]): the count,
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
