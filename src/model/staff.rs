//! The people who act on alerts: operators who review them, and officers
//! who stop and arrest the people flagged.

use super::dist::Duration;
use super::limits::MAX_STAFF;
use crate::error::{KeyPath, ValidationError};
use crate::spec::{DurationDist, InterventionSection, ReviewSection};

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

impl Review {
    /// Validates `[review]`.
    pub fn build(section: &ReviewSection) -> Result<Review, ValidationError> {
        let path = KeyPath::keys(&["review"]);
        let probability = |value: f64, key: &str| check_probability(value, path.key(key));
        Ok(Review {
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

impl Intervention {
    /// Validates `[intervention]`.
    pub fn build(section: &InterventionSection) -> Result<Intervention, ValidationError> {
        let path = KeyPath::keys(&["intervention"]);
        let duration = |value: &DurationDist, key: &str| Duration::build(value, &path.key(key));
        let probability = |value: f64, key: &str| check_probability(value, path.key(key));
        Ok(Intervention {
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
