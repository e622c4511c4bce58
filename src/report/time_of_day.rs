//! Faces and alerts by hour of the clock, over replications.

use super::Stat;
use crate::metrics::{HOURS_OF_DAY, Outcome};
use crate::model::{Mode, Model};

/// One hour of the clock (e.g. 08:00–09:00), summed over the run's days:
/// means over replications, with their 95 % intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct HourReport {
    /// The hour's start on the clock, 0–23.
    pub hour: u8,
    /// Faces captured in that hour.
    pub faces: Stat,
    /// True alerts on faces captured in that hour.
    pub true_alerts: Stat,
    /// False alerts on faces captured in that hour.
    pub false_alerts: Stat,
}

/// The 24 hours of the clock; none in batch mode, where faces without an
/// alert have no capture time.
pub(super) fn time_of_day(model: &Model, outcomes: &[Outcome]) -> Vec<HourReport> {
    if model.mode == Mode::Batch || outcomes.is_empty() {
        return Vec::new();
    }
    (0..HOURS_OF_DAY)
        .map(|h| HourReport {
            hour: h as u8,
            faces: Stat::of(outcomes.iter().map(|o| o.time_of_day.faces[h])),
            true_alerts: Stat::of(outcomes.iter().map(|o| o.time_of_day.true_alerts[h])),
            false_alerts: Stat::of(outcomes.iter().map(|o| o.time_of_day.false_alerts[h])),
        })
        .collect()
}
