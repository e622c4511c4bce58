//! One response unit's chain in the residents engine: review → dispatch →
//! stop → arrest, as [`crate::engine::response`] has it, for alerts decided
//! at capture (no pipeline, no schedule, no event log), and built for the
//! hundreds of millions of alerts of a national year:
//!
//! * an alert is handled as it is raised, not scheduled first;
//! * reneging is lazy: lines are in order of capture for operators, and
//!   whoever frees a server passes over the alerts whose window has closed
//!   (counting them lost), and the lines are emptied at the end — the same
//!   counts as an event at each window's close, without one;
//! * an alert's draws (review time, confirmation, approach, stop, arrest,
//!   processing, in that order) come from a stream of its own, made only when
//!   an operator takes it: the unit's n-th alert's, or a wanted person's
//!   face's ([`crate::engine::residents::wanted_face_stream`]), so that what
//!   a wanted person's alert could lead to is known before it is raised.
//!
//! What a wanted person's alert meets — are they already arrested? — is read
//! from the [`Shared`] state, by the unit's caller only when it is safe.

use super::shared::Shared;
use crate::engine::queue::TimeQueue;
use crate::engine::residents::WantedSeen;
use crate::engine::response::{Alert, NOT_WANTED};
use crate::metrics::{GroupMetric, Metric, Outcome, TimeOfDay};
use crate::model::Model;
use crate::rng::{STREAM_RESPONSE, SimRng, stream, unit};
use rand::Rng;
use std::collections::{HashMap, VecDeque};

/// Where an alert's draws come from.
#[derive(Debug, Clone, Copy)]
pub(super) enum DrawKey {
    /// The unit's n-th alert of a person not wanted.
    Ordinal(u64),
    /// A wanted person's face.
    Face(WantedSeen),
}

/// What an alert may need, drawn when an operator takes it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Draws {
    pub(super) review_s: f64,
    pub(super) confirm_u: f64,
    pub(super) approach_s: f64,
    pub(super) stop_s: f64,
    pub(super) arrest_u: f64,
    pub(super) processing_s: f64,
}

impl Draws {
    /// The draws of an alert, in the response chain's order.
    pub(super) fn sample(model: &Model, rng: &mut SimRng) -> Draws {
        Draws {
            review_s: model.review.review_time.sample(rng),
            confirm_u: unit(rng.next_u64()),
            approach_s: model.intervention.approach_time.sample(rng),
            stop_s: model.intervention.stop_duration.sample(rng),
            arrest_u: unit(rng.next_u64()),
            processing_s: model.intervention.arrest_processing.sample(rng),
        }
    }
}

/// An alert in the chain.
#[derive(Debug, Clone, Copy)]
struct Flight {
    alert: Alert,
    deadline_s: f64,
    confirmed_s: f64,
    key: DrawKey,
    draws: Draws,
    /// A potential arrest (wanted person, index) its path resolves.
    potential: Option<(u32, u32)>,
}

/// What happens to an alert at a scheduled time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ReviewDone,
    OfficerArrives,
    StopEnds,
    ProcessingEnds,
}

/// Servers idle and alerts waiting, in the order they came.
#[derive(Debug, Clone, Default)]
struct Line {
    idle: u32,
    waiting: VecDeque<u32>,
}

const OPERATORS: usize = 0;
const OFFICERS: usize = 1;
const ALERTED: u8 = 1;
const STOPPED: u8 = 2;

/// What a unit counted, to be merged over the units.
#[derive(Debug, Clone)]
pub(in crate::engine::residents) struct Tally {
    pub(in crate::engine::residents) outcome: Outcome,
    /// Per wanted person: alerted (bit 0), stopped (bit 1).
    pub(in crate::engine::residents) wanted_flags: Vec<u8>,
    /// Wrongful stops per person stopped.
    pub(in crate::engine::residents) wrongful: HashMap<u32, u32>,
    /// False alerts per wanted person (people not wanted are counted by
    /// the chunks that drew them).
    pub(in crate::engine::residents) false_of_wanted: HashMap<u32, u32>,
}

/// One unit's response chain.
pub(super) struct Chain<'m> {
    model: &'m Model,
    unit: u32,
    rep: u64,
    now_s: f64,
    events: TimeQueue<(u32, Kind)>,
    flights: Vec<Flight>,
    free_slots: Vec<u32>,
    /// Lines by staff, then by crew (the scenario's teams).
    lines: [Vec<Line>; 2],
    ordinal: u64,
    pub(super) tally: Tally,
}

impl<'m> Chain<'m> {
    /// An idle chain for unit `unit` of replication `rep`.
    pub(super) fn new(model: &'m Model, unit: u32, rep: u64) -> Self {
        let lines = |sizes: &[u32]| {
            sizes
                .iter()
                .map(|&idle| Line {
                    idle,
                    waiting: VecDeque::new(),
                })
                .collect()
        };
        Chain {
            model,
            unit,
            rep,
            now_s: 0.0,
            events: TimeQueue::new(),
            flights: Vec::new(),
            free_slots: Vec::new(),
            lines: [
                lines(&model.review.teams.sizes),
                lines(&model.intervention.teams.sizes),
            ],
            ordinal: 0,
            tally: Tally {
                outcome: Outcome {
                    groups: vec![Default::default(); model.groups.len()],
                    ..Default::default()
                },
                wanted_flags: vec![0; model.wanted as usize],
                wrongful: HashMap::new(),
                false_of_wanted: HashMap::new(),
            },
        }
    }

    /// The next scheduled event's time, and the wanted person it reads the
    /// fate of, if it does (an officer reaching them, a true alert's stop
    /// ending).
    pub(super) fn next_event(&self) -> Option<(f64, Option<u32>)> {
        let (t, &(slot, kind)) = self.events.peek()?;
        let alert = &self.flights[slot as usize].alert;
        let reads = alert.wanted_index != NOT_WANTED
            && (kind == Kind::OfficerArrives || (kind == Kind::StopEnds && alert.is_true));
        Some((t, reads.then_some(alert.wanted_index)))
    }

    /// Handles the next scheduled event.
    pub(super) fn handle_next(&mut self, shared: &Shared) {
        let (t, (slot, kind)) = self.events.pop().expect("an event is scheduled");
        self.now_s = t;
        match kind {
            Kind::ReviewDone => self.review_done(slot, shared),
            Kind::OfficerArrives => self.officer_arrives(slot, shared),
            Kind::StopEnds => self.stop_ends(slot, shared),
            Kind::ProcessingEnds => self.processing_ends(slot, shared),
        }
    }

    /// Raises `alert` at its capture time (which no event handled yet
    /// precedes), with the draws `key` names; `potential` is the potential
    /// arrest a true alert stands for.
    pub(super) fn raise(&mut self, alert: Alert, key: DrawKey, potential: Option<(u32, u32)>) {
        self.now_s = alert.time_s;
        let hour = TimeOfDay::hour_of(alert.time_s);
        let o = &mut self.tally.outcome;
        o.counts[Metric::Alerts] += 1;
        if alert.is_true {
            o.counts[Metric::TrueAlerts] += 1;
            o.time_of_day.true_alerts[hour] += 1;
            o.groups[alert.group as usize][GroupMetric::TrueAlerts] += 1;
            self.tally.wanted_flags[alert.wanted_index as usize] |= ALERTED;
        } else {
            o.counts[Metric::FalseAlerts] += 1;
            o.time_of_day.false_alerts[hour] += 1;
            o.groups[alert.group as usize][GroupMetric::FalseAlerts] += 1;
            if let DrawKey::Face(_) = key {
                *self.tally.false_of_wanted.entry(alert.person).or_default() += 1;
            }
        }
        let flight = Flight {
            alert,
            deadline_s: alert.time_s + self.model.intervention.window_s,
            confirmed_s: 0.0,
            key,
            draws: Draws::default(),
            potential,
        };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.flights[slot as usize] = flight;
                slot
            }
            None => {
                self.flights.push(flight);
                (self.flights.len() - 1) as u32
            }
        };
        self.request(OPERATORS, slot);
    }

    /// The next alert's ordinal, for its draws.
    pub(super) fn next_ordinal(&mut self) -> u64 {
        self.ordinal += 1;
        self.ordinal - 1
    }

    /// Empties the lines at the end of the run: whoever still waits was lost.
    pub(super) fn finish(&mut self, shared: &Shared) {
        debug_assert!(self.events.is_empty());
        for staff in [OPERATORS, OFFICERS] {
            for crew in 0..self.lines[staff].len() {
                while let Some(slot) = self.lines[staff][crew].waiting.pop_front() {
                    let lost = [Metric::LostAwaitingReview, Metric::LostAwaitingOfficer][staff];
                    self.lose(slot, lost, shared);
                }
            }
        }
    }

    /// The crew of `staff` answering the alert in `slot`.
    fn crew(&self, staff: usize, slot: u32) -> usize {
        let site = self.flights[slot as usize].alert.site as usize;
        let zone = self.model.sites[site].zone;
        match staff {
            OPERATORS => self.model.review.teams.of_zone(zone),
            _ => self.model.intervention.teams.of_zone(zone),
        }
    }

    fn count(&mut self, m: Metric) {
        self.tally.outcome.counts[m] += 1;
    }

    /// The alert in `slot` is done: its slot is free, and its potential
    /// arrest resolved.
    fn done(&mut self, slot: u32, shared: &Shared) {
        if let Some((w, index)) = self.flights[slot as usize].potential {
            shared.resolve(w, index);
        }
        self.free_slots.push(slot);
    }

    /// The alert in `slot` was lost in the crowd (`m` says where).
    fn lose(&mut self, slot: u32, m: Metric, shared: &Shared) {
        self.count(m);
        self.count(Metric::LostInCrowd);
        self.done(slot, shared);
    }

    /// An alert asks `staff` for a server: served now, or waiting in line.
    fn request(&mut self, staff: usize, slot: u32) {
        let crew = self.crew(staff, slot);
        let line = &mut self.lines[staff][crew];
        if line.idle > 0 {
            line.idle -= 1;
            self.start(staff, slot);
        } else {
            line.waiting.push_back(slot);
        }
    }

    /// A server of `staff` takes the alert in `slot`: an operator draws what
    /// the alert will need and reviews it; an officer sets off.
    fn start(&mut self, staff: usize, slot: u32) {
        if staff == OFFICERS {
            self.send_officer(slot);
            return;
        }
        let model = self.model;
        let flight = &mut self.flights[slot as usize];
        flight.draws = match flight.key {
            DrawKey::Ordinal(n) => {
                let labels = [self.rep, STREAM_RESPONSE, self.unit as u64, n];
                Draws::sample(model, &mut stream(model.seed, &labels))
            }
            DrawKey::Face(face) => {
                let mut rng =
                    crate::engine::residents::wanted_face_stream(model.seed, self.rep, &face);
                // The search's two uniforms come first.
                rng.next_u64();
                rng.next_u64();
                Draws::sample(model, &mut rng)
            }
        };
        let done = self.now_s + flight.draws.review_s;
        self.events.push(done, (slot, Kind::ReviewDone));
    }

    /// The operator decides: rejected, or confirmed and handed to the
    /// officers (if there are any and the person is still in reach); the
    /// operator then takes the next alert.
    fn review_done(&mut self, slot: u32, shared: &Shared) {
        let f = self.flights[slot as usize];
        let waited = self.now_s - f.alert.time_s;
        self.tally
            .outcome
            .latency
            .alert_to_review
            .saturating_record((waited * 1e6) as u64);
        let review = &self.model.review;
        let p = if f.alert.is_true {
            review.p_confirm_true
        } else {
            review.p_confirm_false
        };
        // The operator is free either way; the next alert is taken after
        // this one has gone on, as in the response chain.
        let crew = self.crew(OPERATORS, slot);
        if f.draws.confirm_u >= p {
            self.count(Metric::AlertsRejected);
            self.done(slot, shared);
        } else {
            self.count(Metric::AlertsConfirmed);
            let officers = self.model.intervention.teams.sizes[self.crew(OFFICERS, slot)];
            if officers == 0 {
                self.count(Metric::NotActioned);
                self.done(slot, shared);
            } else if self.now_s > f.deadline_s {
                self.lose(slot, Metric::LostDuringReview, shared);
            } else {
                self.flights[slot as usize].confirmed_s = self.now_s;
                self.request(OFFICERS, slot);
            }
        }
        self.free_crew(OPERATORS, crew, shared);
    }

    /// A server of `staff` in `crew` is free and takes the next alert still
    /// in reach, passing over (and counting) those whose window closed while
    /// they waited.
    fn free_crew(&mut self, staff: usize, crew: usize, shared: &Shared) {
        while let Some(next) = self.lines[staff][crew].waiting.pop_front() {
            if self.flights[next as usize].deadline_s < self.now_s {
                let lost = [Metric::LostAwaitingReview, Metric::LostAwaitingOfficer][staff];
                self.lose(next, lost, shared);
                continue;
            }
            self.start(staff, next);
            return;
        }
        self.lines[staff][crew].idle += 1;
    }

    /// An officer sets off to a confirmed alert.
    fn send_officer(&mut self, slot: u32) {
        self.count(Metric::StopAttempts);
        let arrives = self.now_s + self.flights[slot as usize].draws.approach_s;
        self.events.push(arrives, (slot, Kind::OfficerArrives));
    }

    /// The officer arrives: the person is stopped, unless they have gone
    /// (or were arrested on another alert meanwhile).
    fn officer_arrives(&mut self, slot: u32, shared: &Shared) {
        let f = self.flights[slot as usize];
        let w = f.alert.wanted_index;
        let arrested = w != NOT_WANTED && shared.arrested_before(w, self.now_s, self.unit);
        if self.now_s > f.deadline_s || arrested {
            let crew = self.crew(OFFICERS, slot);
            // Already arrested: in custody, not in the crowd.
            if arrested {
                self.count(Metric::FoundArrested);
                self.done(slot, shared);
            } else {
                self.lose(slot, Metric::LostBeforeStop, shared);
            }
            self.free_crew(OFFICERS, crew, shared);
            return;
        }
        self.count(Metric::Stops);
        let since_capture_s = self.now_s - f.alert.time_s;
        self.tally
            .outcome
            .latency
            .capture_to_stop
            .saturating_record((since_capture_s * 1e6) as u64);
        if f.alert.is_true {
            self.count(Metric::CorrectStops);
            self.tally.wanted_flags[w as usize] |= STOPPED;
        } else {
            self.count(Metric::WrongfulStops);
            self.tally.outcome.groups[f.alert.group as usize][GroupMetric::WrongfulStops] += 1;
            *self.tally.wrongful.entry(f.alert.person).or_default() += 1;
        }
        self.events
            .push(self.now_s + f.draws.stop_s, (slot, Kind::StopEnds));
    }

    /// The stop ends, in an arrest, a false arrest, or neither; the officer
    /// is free at once, or after processing an arrest.
    fn stop_ends(&mut self, slot: u32, shared: &Shared) {
        let f = self.flights[slot as usize];
        let intervention = &self.model.intervention;
        let mut processing = false;
        if f.alert.is_true {
            let w = f.alert.wanted_index;
            // Another officer may have arrested them during this stop.
            if f.draws.arrest_u < intervention.p_arrest_correct
                && !shared.arrested_before(w, self.now_s, self.unit)
            {
                self.count(Metric::Arrests);
                shared.arrest(w, self.now_s, self.unit);
                processing = true;
            }
        } else if f.draws.arrest_u < intervention.p_arrest_wrongful {
            self.count(Metric::FalseArrests);
            self.tally.outcome.groups[f.alert.group as usize][GroupMetric::FalseArrests] += 1;
        }
        let crew = self.crew(OFFICERS, slot);
        if processing {
            // The slot stays taken until the officer is back.
            if let Some((w, index)) = self.flights[slot as usize].potential.take() {
                shared.resolve(w, index);
            }
            let back = self.now_s + f.draws.processing_s;
            self.events.push(back, (slot, Kind::ProcessingEnds));
        } else {
            self.done(slot, shared);
            self.free_crew(OFFICERS, crew, shared);
        }
    }

    /// The arresting officer is back: free, and the alert done.
    fn processing_ends(&mut self, slot: u32, shared: &Shared) {
        let crew = self.crew(OFFICERS, slot);
        self.done(slot, shared);
        self.free_crew(OFFICERS, crew, shared);
    }
}
