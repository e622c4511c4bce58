//! The response to alerts: review → dispatch → stop → arrest, as a
//! discrete-event simulation in virtual time.
//!
//! In SimPy's words: an [`Response`] is the environment (a clock and an event
//! queue) with two resources — `operators` and `officers`, each a set of
//! servers with a FIFO queue — and every alert is a process that requests an
//! operator, then (if confirmed) an officer, and *reneges* when its subject
//! leaves: `window_s` after capture the person is lost in the crowd.
//!
//! An alert's path:
//!
//! 1. **raised** when its search is decided — at capture, or after the
//!    recognition pipeline's delay ([`super::pipeline`]); decided after the
//!    window closed, it is lost *to pipeline delay*; otherwise it joins the
//!    operators' queue.
//! 2. **review**: an operator takes `review_time`, then rejects it or confirms it
//!    (with probability `p_confirm_true` or `p_confirm_false`). If the window
//!    closed while it waited, it is lost *awaiting review*; if it was
//!    confirmed after the window closed, it is lost *during review*.
//! 3. **dispatch**: a confirmed alert waits for a free officer (lost *awaiting
//!    an officer* if the window closes first), who takes `approach_time` to
//!    reach the person: arriving after the window closed, the officer finds no
//!    one (lost *before the stop*).
//! 4. **stop** for `stop_duration`: correct if the alert was true, wrongful
//!    otherwise; it ends in an arrest with `p_arrest_correct`, or in a false
//!    arrest with `p_arrest_wrongful`.
//! 5. **arrest**: the warrant is executed. The person is held for `custody`
//!    (off the streets: their faces are not captured) and then returns as a
//!    person no longer wanted, whose searches are non-mated
//!    ([`Response::warrant_at`]). The arresting officer is busy for
//!    `arrest_processing` after the stop. A person is arrested once: an
//!    officer sent on another alert of someone already arrested finds no one
//!    (lost *before the stop*).
//!
//! Without officers (`intervention.officers = 0`, a trial that only records
//! alerts) a confirmed alert is *not actioned*.
//!
//! Every random quantity an alert may need is drawn when it is raised, in
//! raising order, so changing staff levels changes what happens to alerts but
//! not the alerts' own draws (common random numbers across what-ifs).
//!
//! With a [`Recorder`] (event logs), each step is also recorded as it is
//! handled: the alert when raised, the operator's decision, the dispatch,
//! the stop, the arrest or false arrest, or the loss and its reason.

use crate::events::{self, AlertDetail, LostReason, Recorder, SearchOutcome, Subject};
use crate::metrics::{GroupMetric, Metric, Outcome};
use crate::model::Model;
use crate::rng::{SimRng, unit};
use rand::Rng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Marks a person who is not on the watchlist.
pub const NOT_WANTED: u32 = u32::MAX;

/// An alert raised by a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alert {
    /// Capture time, seconds from the start of the run.
    pub time_s: f64,
    /// Resident number of the person captured.
    pub person: u32,
    /// Index among wanted people, or [`NOT_WANTED`].
    pub wanted_index: u32,
    /// Group index.
    pub group: u32,
    /// Site index.
    pub site: u32,
    /// Whether the top candidate is the person captured.
    pub is_true: bool,
    /// The face that raised it (numbered only when events are recorded).
    pub face: u64,
}

impl Alert {
    /// Who the alert's events are about: the face that raised it.
    pub fn subject(&self) -> Subject {
        Subject {
            face: self.face,
            person: self.person,
            group: self.group,
            site: self.site,
        }
    }
}

/// What a search that raised `alert` (or none) concluded.
pub(super) fn search_outcome(alert: Option<&Alert>) -> SearchOutcome {
    match alert {
        None => SearchOutcome::NoAlert,
        Some(a) if a.is_true => SearchOutcome::TrueAlert,
        Some(_) => SearchOutcome::FalseAlert,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    AwaitingReview,
    InReview,
    AwaitingOfficer,
    OfficerEnRoute,
    Stopped,
    Done,
}

/// An alert in flight, with the draws it may need.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    alert: Alert,
    deadline_s: f64,
    stage: Stage,
    /// Queue entries and scheduled events that still refer to this slot.
    refs: u8,
    /// When the alert reached the operators (its decision time).
    raised_s: f64,
    /// When an operator confirmed it.
    confirmed_s: f64,
    review_s: f64,
    confirm_u: f64,
    approach_s: f64,
    stop_s: f64,
    arrest_u: f64,
    /// The officer's time after an arrest.
    processing_s: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Raised,
    WindowCloses,
    ReviewDone,
    OfficerArrives,
    StopEnds,
    /// The arresting officer is back on the street.
    ProcessingEnds,
}

/// A wanted person's warrant at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warrant {
    /// Not yet arrested: their searches are mated.
    Open,
    /// Arrested and held: off the streets, so never captured.
    InCustody,
    /// Arrested and released: no longer on the watchlist.
    Executed,
}

/// A scheduled event: ordered by time, then by scheduling order (FIFO ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    /// `f64::to_bits` of a non-negative time: orders like the time itself.
    time_bits: u64,
    seq: u64,
    slot: u32,
    kind: Kind,
}

/// The response chain's state for one replication.
pub struct Response<'m> {
    model: &'m Model,
    rng: SimRng,
    now_s: f64,
    seq: u64,
    events: BinaryHeap<Reverse<Event>>,
    slots: Vec<InFlight>,
    free_slots: Vec<u32>,
    operators_free: u32,
    officers_free: u32,
    review_queue: VecDeque<u32>,
    dispatch_queue: VecDeque<u32>,
    /// Per wanted person: bit 0 alerted, bit 1 arrested.
    wanted_flags: Vec<u8>,
    /// Per wanted person: when arrested (infinite: not yet).
    arrested_at_s: Vec<f64>,
    /// Per person with any: (false alerts, wrongful stops). Alerts are rare,
    /// so a map costs little and keeps memory off the per-resident record.
    burden: std::collections::HashMap<u32, (u32, u32)>,
    /// What has been counted so far.
    pub outcome: Outcome,
    /// Where events are recorded, if they are.
    pub(crate) recorder: Option<Recorder>,
}

const ALERTED: u8 = 1;
const ARRESTED: u8 = 2;

impl<'m> Response<'m> {
    /// An idle response chain: all staff free, nothing queued.
    pub fn new(model: &'m Model, rng: SimRng) -> Self {
        Response {
            model,
            rng,
            now_s: 0.0,
            seq: 0,
            events: BinaryHeap::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            operators_free: model.review.operators,
            officers_free: model.intervention.officers,
            review_queue: VecDeque::new(),
            dispatch_queue: VecDeque::new(),
            wanted_flags: vec![0; model.wanted as usize],
            arrested_at_s: vec![f64::INFINITY; model.wanted as usize],
            burden: Default::default(),
            outcome: Outcome {
                groups: vec![Default::default(); model.groups.len()],
                ..Default::default()
            },
            recorder: None,
        }
    }

    /// Accepts an alert decided at `decided_s` (its capture time without a
    /// pipeline). Alerts must be raised in order of decision, and not before
    /// the time the chain has already run to.
    pub fn raise(&mut self, alert: Alert, decided_s: f64) {
        debug_assert!(decided_s >= self.now_s);
        let m = self.model;
        let rng = &mut self.rng;
        let flight = InFlight {
            alert,
            deadline_s: alert.time_s + m.intervention.window_s,
            stage: Stage::AwaitingReview,
            refs: 0,
            raised_s: decided_s,
            confirmed_s: 0.0,
            review_s: m.review.review_time.sample(rng),
            confirm_u: unit(rng.next_u64()),
            approach_s: m.intervention.approach_time.sample(rng),
            stop_s: m.intervention.stop_duration.sample(rng),
            arrest_u: unit(rng.next_u64()),
            processing_s: m.intervention.arrest_processing.sample(rng),
        };
        let slot = match self.free_slots.pop() {
            Some(s) => {
                self.slots[s as usize] = flight;
                s
            }
            None => {
                self.slots.push(flight);
                (self.slots.len() - 1) as u32
            }
        };
        self.schedule(decided_s, slot, Kind::Raised);
        self.schedule(flight.deadline_s.max(decided_s), slot, Kind::WindowCloses);
    }

    /// Wanted person `wanted_index`'s warrant at `t_s`, as far as the chain
    /// has run: arrests at or after the time it has run to are not known yet.
    pub fn warrant_at(&self, wanted_index: u32, t_s: f64) -> Warrant {
        let arrested = self.arrested_at_s[wanted_index as usize];
        if t_s < arrested {
            Warrant::Open
        } else if t_s < arrested + self.model.intervention.custody_s {
            Warrant::InCustody
        } else {
            Warrant::Executed
        }
    }

    /// Processes every event before `until_s`.
    pub fn run_until(&mut self, until_s: f64) {
        while let Some(&Reverse(ev)) = self.events.peek() {
            let t = f64::from_bits(ev.time_bits);
            if t >= until_s {
                break;
            }
            self.events.pop();
            self.now_s = t;
            self.handle(ev.slot, ev.kind);
            self.release(ev.slot);
        }
    }

    /// Runs the chain until every alert is resolved and returns the counts.
    pub fn finish(mut self) -> (Outcome, Vec<u8>) {
        self.run_until(f64::INFINITY);
        debug_assert!(self.review_queue.is_empty() && self.dispatch_queue.is_empty());
        let wanted = &self.wanted_flags;
        let c = &mut self.outcome.counts;
        c[Metric::WantedAlerted] = wanted.iter().filter(|&&f| f & ALERTED != 0).count() as u64;
        c[Metric::WantedArrested] = wanted.iter().filter(|&&f| f & ARRESTED != 0).count() as u64;
        debug_assert_identities(c);
        // Repeat victims, per group (the map's order does not matter: counts).
        for (person, &(false_alerts, wrongful_stops)) in &self.burden {
            let g = self.model.group_of(*person);
            let groups = &mut self.outcome.groups[g];
            groups[GroupMetric::RepeatFalseAlerts] += (false_alerts >= 2) as u64;
            groups[GroupMetric::RepeatWrongfulStops] += (wrongful_stops >= 2) as u64;
        }
        (self.outcome, self.wanted_flags)
    }

    fn schedule(&mut self, time_s: f64, slot: u32, kind: Kind) {
        self.slots[slot as usize].refs += 1;
        self.seq += 1;
        self.events.push(Reverse(Event {
            time_bits: time_s.to_bits(),
            seq: self.seq,
            slot,
            kind,
        }));
    }

    fn release(&mut self, slot: u32) {
        let f = &mut self.slots[slot as usize];
        f.refs -= 1;
        if f.refs == 0 {
            debug_assert_eq!(f.stage, Stage::Done);
            self.free_slots.push(slot);
        }
    }

    fn count(&mut self, m: Metric) {
        self.outcome.counts[m] += 1;
    }

    fn count_group(&mut self, slot: u32, m: GroupMetric) {
        let g = self.slots[slot as usize].alert.group as usize;
        self.outcome.groups[g][m] += 1;
    }

    fn lose(&mut self, slot: u32, reason: LostReason) {
        self.count(match reason {
            LostReason::PipelineDelay => Metric::LostToPipelineDelay,
            LostReason::AwaitingReview => Metric::LostAwaitingReview,
            LostReason::DuringReview => Metric::LostDuringReview,
            LostReason::AwaitingOfficer => Metric::LostAwaitingOfficer,
            LostReason::BeforeStop => Metric::LostBeforeStop,
        });
        self.count(Metric::LostInCrowd);
        self.slots[slot as usize].stage = Stage::Done;
        let since_capture_s = self.now_s - self.slots[slot as usize].alert.time_s;
        self.note(
            slot,
            AlertDetail::Lost {
                reason,
                since_capture_s,
            },
        );
    }

    /// Records a step of the alert in `slot` at the current time, if events
    /// are recorded.
    #[inline]
    fn note(&mut self, slot: u32, detail: AlertDetail) {
        let Some(recorder) = &mut self.recorder else {
            return;
        };
        if recorder.wants(detail.kind()) {
            let alert = self.slots[slot as usize].alert;
            recorder.push(events::Event::of_alert(
                self.now_s,
                alert.subject(),
                alert.is_true,
                detail,
            ));
        }
    }

    fn handle(&mut self, slot: u32, kind: Kind) {
        let f = self.slots[slot as usize];
        match kind {
            Kind::Raised => {
                self.count(Metric::Alerts);
                if f.alert.is_true {
                    self.count(Metric::TrueAlerts);
                    self.count_group(slot, GroupMetric::TrueAlerts);
                    self.wanted_flags[f.alert.wanted_index as usize] |= ALERTED;
                } else {
                    self.count(Metric::FalseAlerts);
                    self.count_group(slot, GroupMetric::FalseAlerts);
                    self.burden.entry(f.alert.person).or_default().0 += 1;
                }
                let raised = AlertDetail::Raised {
                    captured_t: f.alert.time_s,
                    window_ends_t: f.deadline_s,
                };
                self.note(slot, raised);
                if self.now_s > f.deadline_s {
                    // The pipeline decided it after the person had gone.
                    self.lose(slot, LostReason::PipelineDelay);
                    return;
                }
                self.slots[slot as usize].refs += 1;
                self.review_queue.push_back(slot);
                self.start_reviews();
            }
            Kind::WindowCloses => match f.stage {
                Stage::AwaitingReview => self.lose(slot, LostReason::AwaitingReview),
                Stage::AwaitingOfficer => self.lose(slot, LostReason::AwaitingOfficer),
                _ => {}
            },
            Kind::ReviewDone => {
                self.operators_free += 1;
                let waited = self.now_s - f.raised_s;
                self.outcome
                    .latency
                    .alert_to_review
                    .saturating_record((waited * 1e6) as u64);
                let p = if f.alert.is_true {
                    self.model.review.p_confirm_true
                } else {
                    self.model.review.p_confirm_false
                };
                let confirmed = f.confirm_u < p;
                let review = AlertDetail::Review {
                    confirmed,
                    operator_wait_s: waited - f.review_s,
                    latency_s: waited,
                };
                if !confirmed {
                    self.count(Metric::AlertsRejected);
                    self.slots[slot as usize].stage = Stage::Done;
                    self.note(slot, review);
                } else {
                    self.count(Metric::AlertsConfirmed);
                    self.note(slot, review);
                    if self.model.intervention.officers == 0 {
                        // A trial that only records alerts: no one is sent.
                        self.count(Metric::NotActioned);
                        self.slots[slot as usize].stage = Stage::Done;
                    } else if self.now_s > f.deadline_s {
                        self.lose(slot, LostReason::DuringReview);
                    } else {
                        self.slots[slot as usize].confirmed_s = self.now_s;
                        self.slots[slot as usize].stage = Stage::AwaitingOfficer;
                        self.slots[slot as usize].refs += 1;
                        self.dispatch_queue.push_back(slot);
                        self.dispatch();
                    }
                }
                self.start_reviews();
            }
            Kind::OfficerArrives => {
                let arrested_already = f.alert.wanted_index != NOT_WANTED
                    && self.wanted_flags[f.alert.wanted_index as usize] & ARRESTED != 0;
                if self.now_s > f.deadline_s || arrested_already {
                    self.lose(slot, LostReason::BeforeStop);
                    self.officers_free += 1;
                    self.dispatch();
                } else {
                    self.count(Metric::Stops);
                    let since_capture = self.now_s - f.alert.time_s;
                    self.outcome
                        .latency
                        .capture_to_stop
                        .saturating_record((since_capture * 1e6) as u64);
                    if f.alert.is_true {
                        self.count(Metric::CorrectStops);
                    } else {
                        self.count(Metric::WrongfulStops);
                        self.count_group(slot, GroupMetric::WrongfulStops);
                        self.burden.entry(f.alert.person).or_default().1 += 1;
                    }
                    self.slots[slot as usize].stage = Stage::Stopped;
                    let stop = AlertDetail::Stop {
                        since_capture_s: since_capture,
                        duration_s: f.stop_s,
                    };
                    self.note(slot, stop);
                    self.schedule(self.now_s + f.stop_s, slot, Kind::StopEnds);
                }
            }
            Kind::StopEnds => {
                let iv = &self.model.intervention;
                let arrest = AlertDetail::Arrest {
                    since_capture_s: self.now_s - f.alert.time_s,
                };
                let mut processing = false;
                if f.alert.is_true {
                    let w = f.alert.wanted_index as usize;
                    // Another officer may have arrested them during this stop.
                    if f.arrest_u < iv.p_arrest_correct && self.wanted_flags[w] & ARRESTED == 0 {
                        self.count(Metric::Arrests);
                        self.wanted_flags[w] |= ARRESTED;
                        self.arrested_at_s[w] = self.now_s;
                        self.note(slot, arrest);
                        processing = true;
                    }
                } else if f.arrest_u < iv.p_arrest_wrongful {
                    self.count(Metric::FalseArrests);
                    self.count_group(slot, GroupMetric::FalseArrests);
                    self.note(slot, arrest);
                }
                self.slots[slot as usize].stage = Stage::Done;
                if processing {
                    self.schedule(self.now_s + f.processing_s, slot, Kind::ProcessingEnds);
                } else {
                    self.officers_free += 1;
                    self.dispatch();
                }
            }
            Kind::ProcessingEnds => {
                self.officers_free += 1;
                self.dispatch();
            }
        }
    }

    /// Hands queued alerts to free operators; alerts whose window closed while
    /// queued were already counted as lost and are skipped.
    fn start_reviews(&mut self) {
        while self.operators_free > 0 {
            let Some(slot) = self.review_queue.pop_front() else {
                break;
            };
            let live = self.slots[slot as usize].stage == Stage::AwaitingReview;
            if live {
                self.operators_free -= 1;
                self.slots[slot as usize].stage = Stage::InReview;
                let done = self.now_s + self.slots[slot as usize].review_s;
                self.schedule(done, slot, Kind::ReviewDone);
            }
            self.release(slot);
        }
    }

    /// Sends free officers to confirmed alerts, first come first served.
    fn dispatch(&mut self) {
        while self.officers_free > 0 {
            let Some(slot) = self.dispatch_queue.pop_front() else {
                break;
            };
            let live = self.slots[slot as usize].stage == Stage::AwaitingOfficer;
            if live {
                self.officers_free -= 1;
                self.count(Metric::StopAttempts);
                self.slots[slot as usize].stage = Stage::OfficerEnRoute;
                let f = self.slots[slot as usize];
                let dispatch = AlertDetail::Dispatch {
                    wait_s: self.now_s - f.confirmed_s,
                    approach_s: f.approach_s,
                };
                self.note(slot, dispatch);
                let arrives = self.now_s + self.slots[slot as usize].approach_s;
                self.schedule(arrives, slot, Kind::OfficerArrives);
            }
            self.release(slot);
        }
    }
}

/// The funnel's documented identities (README, "JSON"): every alert ends in
/// exactly one place. Checked on every replication in debug builds.
fn debug_assert_identities(c: &crate::metrics::Counts) {
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
        c[Metric::Stops] + c[Metric::LostBeforeStop]
    );
    debug_assert_eq!(
        c[Metric::Stops],
        c[Metric::CorrectStops] + c[Metric::WrongfulStops]
    );
    debug_assert_eq!(c[Metric::Arrests], c[Metric::WantedArrested]);
}
