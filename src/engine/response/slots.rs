//! Alerts in flight: their stage, the draws they may need, and the slots
//! that hold them while a line or a scheduled event refers to them.

use super::Alert;
use crate::metrics::Metric;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    AwaitingReview,
    InReview,
    AwaitingOfficer,
    OfficerEnRoute,
    Stopped,
    Done,
}

/// An alert in flight, with the draws it may need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InFlight {
    pub(crate) alert: Alert,
    pub(crate) deadline_s: f64,
    pub(crate) stage: Stage,
    /// Lines and scheduled events that still refer to this slot.
    pub(crate) refs: u8,
    /// When the alert reached the operators (its decision time).
    pub(crate) raised_s: f64,
    /// When an operator confirmed it.
    pub(crate) confirmed_s: f64,
    pub(crate) review_s: f64,
    pub(crate) confirm_u: f64,
    pub(crate) approach_s: f64,
    pub(crate) stop_s: f64,
    pub(crate) arrest_u: f64,
    /// The officer's time after an arrest.
    pub(crate) processing_s: f64,
}

/// What happens to an alert at a scheduled time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Raised,
    WindowCloses,
    ReviewDone,
    OfficerArrives,
    StopEnds,
    /// The arresting officer is back on the street.
    ProcessingEnds,
}

/// A scheduled event: what happens to the alert in `slot`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scheduled {
    pub(crate) slot: u32,
    pub(crate) kind: Kind,
}

/// Alerts in flight, by slot. A slot is reused once no line or scheduled
/// event refers to it, so memory follows what is in flight.
#[derive(Default)]
pub(crate) struct Slots {
    pub(crate) flights: Vec<InFlight>,
    pub(crate) free: Vec<u32>,
}

impl Slots {
    pub(crate) fn insert(&mut self, flight: InFlight) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.flights[slot as usize] = flight;
                slot
            }
            None => {
                self.flights.push(flight);
                (self.flights.len() - 1) as u32
            }
        }
    }

    /// Something (a line, a scheduled event) refers to `slot`.
    pub(crate) fn hold(&mut self, slot: u32) {
        self.flights[slot as usize].refs += 1;
    }

    /// One reference to `slot` is gone; with none left, it is free.
    pub(crate) fn release(&mut self, slot: u32) {
        let flight = &mut self.flights[slot as usize];
        flight.refs -= 1;
        if flight.refs == 0 {
            debug_assert_eq!(flight.stage, Stage::Done);
            self.free.push(slot);
        }
    }

    /// Whether the alert in `slot` still waits in the line of `stage`. One
    /// that left (lost when its window closed) leaves the line now, which
    /// lets go of its slot.
    pub(crate) fn still_waiting(&mut self, slot: u32, stage: Stage) -> bool {
        let waiting = self.flights[slot as usize].stage == stage;
        if !waiting {
            self.release(slot);
        }
        waiting
    }
}

impl std::ops::Index<u32> for Slots {
    type Output = InFlight;
    fn index(&self, slot: u32) -> &InFlight {
        &self.flights[slot as usize]
    }
}

impl std::ops::IndexMut<u32> for Slots {
    fn index_mut(&mut self, slot: u32) -> &mut InFlight {
        &mut self.flights[slot as usize]
    }
}

/// The funnel's documented identities (README, "JSON"): every alert ends in
/// exactly one place. Checked on every replication in debug builds.
pub(crate) fn debug_assert_identities(c: &crate::metrics::Counts) {
    debug_assert_eq!(
        c[Metric::Alerts],
        c[Metric::TrueAlerts] + c[Metric::FalseAlerts]
    );
    debug_assert_eq!(
        c[Metric::Alerts],
        c[Metric::AlertsRejected]
            + c[Metric::AlertsConfirmed]
            + c[Metric::LostAwaitingReview]
            + c[Metric::LostToPipelineDelay]
    );
    debug_assert_eq!(
        c[Metric::AlertsConfirmed],
        c[Metric::StopAttempts]
            + c[Metric::LostDuringReview]
            + c[Metric::LostAwaitingOfficer]
            + c[Metric::NotActioned]
    );
    debug_assert_eq!(
        c[Metric::StopAttempts],
        c[Metric::Stops] + c[Metric::LostBeforeStop] + c[Metric::FoundArrested]
    );
    debug_assert_eq!(
        c[Metric::Stops],
        c[Metric::CorrectStops] + c[Metric::WrongfulStops]
    );
    debug_assert_eq!(c[Metric::Arrests], c[Metric::WantedArrested]);
}
