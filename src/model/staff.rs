//! The people who act on alerts: operators who review them, and officers
//! who stop and arrest the people flagged.

use super::dist::Duration;
use super::limits::MAX_STAFF;
use crate::error::{KeyPath, ValidationError};
pub use crate::spec::Scope;
use crate::spec::{DurationDist, InterventionSection, ReviewSection};
use std::collections::BTreeMap;

/// Teams of operators or officers: one for the city, or one per zone, each
/// with its own number of people.
#[derive(Debug, Clone, PartialEq)]
pub struct Teams {
    /// Who a team answers.
    pub scope: Scope,
    /// People in each team: one entry for the city, or one per zone.
    pub sizes: Vec<u32>,
}

impl Teams {
    /// Teams of `scope`, each `size` strong unless `by_zone` names its zone;
    /// `min` is the fewest people a team may have. Errors name `path`'s
    /// `key` and `zone_key`.
    fn build(
        scope: Scope,
        size: u32,
        by_zone: &BTreeMap<String, u32>,
        zones: &[String],
        (path, key, zone_key): (&KeyPath, &str, &str),
        min: u32,
    ) -> Result<Teams, ValidationError> {
        check_count(size, min, path.key(key))?;
        if scope == Scope::City {
            if let Some(zone) = by_zone.keys().next() {
                return Err(ValidationError::new(
                    path.key(zone_key).key(zone),
                    format!("{zone_key} needs scope = \"zone\" (one team per zone)"),
                ));
            }
            return Ok(Teams {
                scope,
                sizes: vec![size],
            });
        }
        for (zone, &count) in by_zone {
            if !zones.contains(zone) {
                return Err(ValidationError::new(
                    path.key(zone_key).key(zone),
                    format!("no zone is named {zone:?}; the zones are {zones:?}"),
                ));
            }
            check_count(count, min, path.key(zone_key).key(zone))?;
        }
        let sizes = zones
            .iter()
            .map(|zone| by_zone.get(zone).copied().unwrap_or(size))
            .collect();
        Ok(Teams { scope, sizes })
    }

    /// The team answering a site of zone `zone`.
    #[inline]
    pub fn of_zone(&self, zone: u32) -> usize {
        match self.scope {
            Scope::City => 0,
            Scope::Zone => zone as usize,
        }
    }

    /// People in all teams together.
    pub fn total(&self) -> u64 {
        self.sizes.iter().map(|&n| n as u64).sum()
    }
}

/// Human review of alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Operators working in parallel in each team: the city's one, or each
    /// zone's unless `zone_operators` says otherwise ([`Review::teams`]).
    pub operators: u32,
    /// Time to adjudicate one alert.
    pub review_time: Duration,
    /// P(confirm | true alert).
    pub p_confirm_true: f64,
    /// P(confirm | false alert).
    pub p_confirm_false: f64,
    /// The teams of operators: the city's, or one per zone.
    pub teams: Teams,
}

impl Review {
    /// Validates `[review]`, whose zone teams name `zones`.
    pub fn build(section: &ReviewSection, zones: &[String]) -> Result<Review, ValidationError> {
        let path = KeyPath::keys(&["review"]);
        let probability = |value: f64, key: &str| check_probability(value, path.key(key));
        let teams = Teams::build(
            section.scope,
            section.operators,
            &section.zone_operators,
            zones,
            (&path, "operators", "zone_operators"),
            1,
        )?;
        Ok(Review {
            teams,
            operators: check_count(section.operators, 1, path.key("operators"))?,
            review_time: Duration::build(&section.review_time, &path.key("review_time"))?,
            p_confirm_true: probability(section.p_confirm_true, "p_confirm_true")?,
            p_confirm_false: probability(section.p_confirm_false, "p_confirm_false")?,
        })
    }
}

/// Officers, stops and arrests.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervention {
    /// Officers working in parallel in each team: the city's one, or each
    /// zone's unless `zone_officers` says otherwise ([`Intervention::teams`]).
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
    /// The teams of officers: the city's, or one per zone.
    pub teams: Teams,
}

impl Intervention {
    /// Validates `[intervention]`, whose zone teams name `zones`.
    pub fn build(
        section: &InterventionSection,
        zones: &[String],
    ) -> Result<Intervention, ValidationError> {
        let path = KeyPath::keys(&["intervention"]);
        let duration = |value: &DurationDist, key: &str| Duration::build(value, &path.key(key));
        let probability = |value: f64, key: &str| check_probability(value, path.key(key));
        let teams = Teams::build(
            section.scope,
            section.officers,
            &section.zone_officers,
            zones,
            (&path, "officers", "zone_officers"),
            0,
        )?;
        Ok(Intervention {
            teams,
            // No officers: a trial that only records alerts. Confirmed
            // alerts are then counted as not actioned.
            officers: check_count(section.officers, 0, path.key("officers"))?,
            window_s: section.window.seconds,
            approach_time: duration(&section.approach_time, "approach_time")?,
            stop_duration: duration(&section.stop_duration, "stop_duration")?,
            p_arrest_correct: probability(section.p_arrest_correct, "p_arrest_correct")?,
            p_arrest_wrongful: probability(section.p_arrest_wrongful, "p_arrest_wrongful")?,
            custody_s: section.custody.seconds,
            arrest_processing: duration(&section.arrest_processing, "arrest_processing")?,
        })
    }
}

/// Refuses zone teams together with a deployment schedule: a deployment
/// brings its own crew, and the two would not say who answers its alerts.
pub(super) fn check_scopes_without_schedule(
    review: &Review,
    intervention: &Intervention,
    schedule: bool,
) -> Result<(), ValidationError> {
    let zoned = [
        (review.teams.scope, "review"),
        (intervention.teams.scope, "intervention"),
    ];
    match zoned.iter().find(|(scope, _)| *scope == Scope::Zone) {
        Some((_, section)) if schedule => Err(ValidationError::new(
            KeyPath::keys(&[section, "scope"]),
            "scope = \"zone\" cannot be used with [[deployments]]: each deployment has its own \
             crew; use scope = \"city\" or drop the schedule",
        )),
        _ => Ok(()),
    }
}

fn check_probability(probability: f64, path: KeyPath) -> Result<f64, ValidationError> {
    if probability.is_finite() && (0.0..=1.0).contains(&probability) {
        Ok(probability)
    } else {
        Err(ValidationError::new(
            path,
            format!("expected a probability in [0, 1], got {probability}"),
        ))
    }
}

fn check_count(count: u32, min: u32, path: KeyPath) -> Result<u32, ValidationError> {
    if (min..=MAX_STAFF).contains(&count) {
        Ok(count)
    } else {
        Err(ValidationError::new(
            path,
            format!("expected a count from {min} to {MAX_STAFF}, got {count}"),
        ))
    }
}
