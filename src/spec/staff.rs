//! `[review]` and `[intervention]`: the people who act on alerts.
//!
//! Where no published figure exists a default is an assumption, marked as
//! such; scenarios should set their own.

use super::{DurationDist, DurationText};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which alerts one team of operators or officers answers.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One team answers the alerts of every site (the default).
    #[default]
    City,
    /// Each zone has its own team, answering the alerts of the zone's sites.
    Zone,
}

impl Scope {
    /// Whether this is the default, one team for the city (not written out).
    pub fn is_city(&self) -> bool {
        *self == Scope::City
    }
}

/// `[review]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSection {
    /// Operators adjudicating alerts in parallel (default 1).
    #[serde(default = "super::one_u32")]
    pub operators: u32,
    /// Time to adjudicate one alert (default `"30s"`, an assumption).
    #[serde(default = "default_review_time")]
    pub review_time: DurationDist,
    /// Probability an operator confirms a true alert (default 0.95, an assumption).
    #[serde(default = "default_p_confirm_true")]
    pub p_confirm_true: f64,
    /// Probability an operator confirms a false alert (default 0.62: Fussey &
    /// Murray 2019, Met trials, 26 of 42 alerts were acted on, most of them false).
    #[serde(default = "default_p_confirm_false")]
    pub p_confirm_false: f64,
    /// Who the operators answer: `"city"` (one team, default) or `"zone"`
    /// (a team of `operators` per zone, for its sites' alerts).
    #[serde(default, skip_serializing_if = "Scope::is_city")]
    pub scope: Scope,
    /// With `scope = "zone"`: the operators of the zones whose team is not
    /// `operators` strong, by zone name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub zone_operators: BTreeMap<String, u32>,
}

impl Default for ReviewSection {
    fn default() -> Self {
        ReviewSection {
            operators: 1,
            review_time: default_review_time(),
            p_confirm_true: default_p_confirm_true(),
            p_confirm_false: default_p_confirm_false(),
            scope: Scope::City,
            zone_operators: BTreeMap::new(),
        }
    }
}

fn default_review_time() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("30s").expect("valid literal"))
}
fn default_p_confirm_true() -> f64 {
    0.95
}
fn default_p_confirm_false() -> f64 {
    0.62
}

/// `[intervention]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InterventionSection {
    /// Officers available to stop flagged people (default 2).
    #[serde(default = "default_officers")]
    pub officers: u32,
    /// How long a flagged person stays reachable after capture (default `"5m"`, an assumption).
    #[serde(default = "default_window")]
    pub window: DurationText,
    /// Time for a dispatched officer to reach the person (default `"1m"`, an assumption).
    #[serde(default = "default_approach_time")]
    pub approach_time: DurationDist,
    /// Time a stop keeps the officer busy (default `"10m"`, an assumption).
    #[serde(default = "default_stop_duration")]
    pub stop_duration: DurationDist,
    /// Probability a correct stop ends in arrest (default 0.5, an assumption).
    #[serde(default = "default_p_arrest_correct")]
    pub p_arrest_correct: f64,
    /// Probability a wrongful stop ends in a false arrest (default 0.01, an assumption).
    #[serde(default = "default_p_arrest_wrongful")]
    pub p_arrest_wrongful: f64,
    /// How long an arrested wanted person is held, off the streets (default
    /// `"12h"`, an assumption). Their warrant is executed: afterwards they
    /// are no longer on the watchlist.
    #[serde(default = "default_custody")]
    pub custody: DurationText,
    /// Time an arrest keeps the arresting officer off the street after the
    /// stop (default `"3h"`, an assumption), a duration distribution.
    #[serde(default = "default_arrest_processing")]
    pub arrest_processing: DurationDist,
    /// Who the officers answer: `"city"` (one team, default) or `"zone"`
    /// (a team of `officers` per zone, for its sites' confirmed alerts).
    #[serde(default, skip_serializing_if = "Scope::is_city")]
    pub scope: Scope,
    /// With `scope = "zone"`: the officers of the zones whose team is not
    /// `officers` strong, by zone name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub zone_officers: BTreeMap<String, u32>,
}

impl Default for InterventionSection {
    fn default() -> Self {
        InterventionSection {
            officers: default_officers(),
            window: default_window(),
            approach_time: default_approach_time(),
            stop_duration: default_stop_duration(),
            p_arrest_correct: default_p_arrest_correct(),
            p_arrest_wrongful: default_p_arrest_wrongful(),
            custody: default_custody(),
            arrest_processing: default_arrest_processing(),
            scope: Scope::City,
            zone_officers: BTreeMap::new(),
        }
    }
}

fn default_custody() -> DurationText {
    DurationText::parse("12h").expect("valid literal")
}
fn default_arrest_processing() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("3h").expect("valid literal"))
}

fn default_officers() -> u32 {
    2
}
fn default_window() -> DurationText {
    DurationText::parse("5m").expect("valid literal")
}
fn default_approach_time() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("1m").expect("valid literal"))
}
fn default_stop_duration() -> DurationDist {
    DurationDist::Fixed(DurationText::parse("10m").expect("valid literal"))
}
fn default_p_arrest_correct() -> f64 {
    0.5
}
fn default_p_arrest_wrongful() -> f64 {
    0.01
}
