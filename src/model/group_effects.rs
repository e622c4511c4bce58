//! What a matcher does to each group beyond its own multipliers: a fitted
//! profile's impostor shift for the groups it was fitted by, and homophily
//! against the list's composition.
//!
//! A scenario's group takes a fitted group's shift when its name, or the
//! name of one of its levels (`25+/black` has the levels `25+` and
//! `black`), is that group's. With homophily H > 1, false matches within a
//! group are H times as likely as across: a group that is a share w of the
//! list has (w·H + 1 − w)/(H/G + 1 − 1/G) times the false matches it would
//! have against a list balanced over the G groups (the reference set the
//! matcher was measured with), applied to its false-match multiplier. The
//! G groups are the fitted profile's (else those of the dimension, or the
//! groups, the composition names). The list's
//! composition is `watchlist.composition`, by group or level name; the
//! groups it leaves out share the rest in proportion to the population,
//! and without it the list is like the population. A group with no such
//! name is untouched.

use super::calibrate::ResolvedMatcher;
use super::population::Population;
use super::uncertain::{Draws, check_param};
use crate::error::{KeyPath, ValidationError};
use crate::spec::WatchlistSection;

/// The names a group answers to: its own, and its levels'.
fn names(group: &str) -> impl Iterator<Item = &str> {
    std::iter::once(group).chain(group.split('/'))
}

/// Applies `matcher`'s group effects to `population`'s groups.
pub(super) fn apply(
    population: &mut Population,
    matcher: &ResolvedMatcher,
    watchlist: &WatchlistSection,
    draws: &mut dyn Draws,
) -> Result<(), ValidationError> {
    for spec in &mut population.groups {
        let shift: f64 = matcher
            .groups
            .iter()
            .filter(|(name, _)| names(&spec.name).any(|n| n == name))
            .map(|(_, shift)| shift)
            .sum();
        spec.score_shift.impostor += shift;
    }
    let composition = composition(population, watchlist, draws)?.unwrap_or_default();
    let h = matcher.homophily;
    // The groups homophily is counted over: the fit's, or the list's.
    let over: Vec<&str> = if matcher.groups.is_empty() {
        levels_with(
            population,
            composition.first().map(|(name, _)| name.as_str()),
        )
    } else {
        matcher
            .groups
            .iter()
            .map(|(name, _)| name.as_str())
            .collect()
    };
    if h == 1.0 || over.is_empty() {
        return Ok(());
    }
    let g = over.len() as f64;
    let balanced = h / g + 1.0 - 1.0 / g;
    // The population's share of residents with a name.
    let residents = |name: &str| -> f64 {
        population
            .groups
            .iter()
            .filter(|spec| names(&spec.name).any(|n| n == name))
            .map(|spec| spec.share)
            .sum()
    };
    let given = |name: &str| composition.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    let given_total: f64 = composition.iter().map(|(_, s)| s).sum();
    let rest_residents: f64 = over
        .iter()
        .filter(|n| given(n).is_none())
        .map(|n| residents(n))
        .sum();
    let share_of = |name: &str| -> f64 {
        match given(name) {
            Some(share) => share,
            None if rest_residents > 0.0 => (1.0 - given_total) * residents(name) / rest_residents,
            None => 0.0,
        }
    };
    let list_shares: Vec<Option<f64>> = population
        .groups
        .iter()
        .map(|spec| names(&spec.name).find(|n| over.contains(n)).map(share_of))
        .collect();
    for (spec, share) in population.groups.iter_mut().zip(list_shares) {
        if let Some(w) = share {
            spec.fmr_multiplier *= (w * h + 1.0 - w) / balanced;
        }
    }
    Ok(())
}

/// The names at the place in the groups' names where `name` is (the
/// groups' own names, or one dimension's levels): what a list's
/// composition by `name` is a composition over.
fn levels_with<'p>(population: &'p Population, name: Option<&str>) -> Vec<&'p str> {
    let Some(name) = name else {
        return Vec::new();
    };
    let place = population
        .groups
        .iter()
        .find_map(|spec| spec.name.split('/').position(|level| level == name));
    let mut levels: Vec<&str> = population
        .groups
        .iter()
        .filter_map(|spec| match place {
            Some(k) => spec.name.split('/').nth(k),
            None => Some(spec.name.as_str()),
        })
        .collect();
    levels.sort_unstable();
    levels.dedup();
    levels
}

/// `watchlist.composition`, checked and drawn: each name a group's or a
/// level's, shares in [0, 1] summing to at most 1.
fn composition(
    population: &Population,
    watchlist: &WatchlistSection,
    draws: &mut dyn Draws,
) -> Result<Option<Vec<(String, f64)>>, ValidationError> {
    let Some(given) = &watchlist.composition else {
        return Ok(None);
    };
    let path = KeyPath::keys(&["watchlist", "composition"]);
    let mut out = Vec::with_capacity(given.len());
    for (name, param) in given {
        let at = path.key(name);
        if !population
            .groups
            .iter()
            .any(|spec| names(&spec.name).any(|n| n == name))
        {
            return Err(ValidationError::new(
                at,
                format!("\"{name}\" is neither a group nor a level of one"),
            ));
        }
        check_param(&at, param, 0.0, 1.0)?;
        out.push((name.clone(), draws.value(&at, param)));
    }
    let sum: f64 = out.iter().map(|(_, s)| s).sum();
    if sum > 1.0 + 1e-9 {
        return Err(ValidationError::new(
            path,
            format!("expected shares of the list that sum to at most 1, got {sum}"),
        ));
    }
    Ok(Some(out))
}
