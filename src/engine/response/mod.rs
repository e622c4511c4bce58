//! The response to alerts: review → dispatch → stop → arrest, as a
//! discrete-event simulation in virtual time.
//!
//! In SimPy's words: a [`Response`] is the environment (a clock and an event
//! queue, [`TimeQueue`]) with two resources — operators and officers, each a
//! [`Resource`]: servers with a FIFO queue — and every alert is a process
//! that requests an operator, then (if confirmed) an officer, and *reneges*
//! when its subject leaves: `window_s` after capture the person is lost in
//! the crowd.
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
//!    officer sent on another alert of someone already arrested finds them
//!    gone (*found arrested*: no stop, and not lost in the crowd).
//!
//! `p_arrest_correct` is a probability per correct stop. A correct stop
//! that ends without an arrest leaves the warrant open, so the same person
//! may be stopped again on a later alert: with repeated alerts the share of
//! wanted people stopped who are arrested exceeds it. Both are reported:
//! `correct_stops` counts stops, `wanted_stopped` people.
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

mod slots;

use super::queue::TimeQueue;
use super::resource::{Arrival, Resource};
use super::warrants::Warrants;
use crate::events::{AlertDetail, Event, LostReason, Recorder, SearchOutcome, Subject};
use crate::metrics::{GroupMetric, Metric, Outcome, TimeOfDay};
use crate::model::Model;
use crate::model::deployment_index;
use crate::rng::{SimRng, unit};
use rand::Rng;
pub(crate) use slots::debug_assert_identities;
use slots::{InFlight, Kind, Scheduled, Slots, Stage};

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
    /// The deployment it was raised at, or
    /// [`crate::model::NO_DEPLOYMENT`].
    pub deployment: u32,
    /// At a deployment with several watchlists, the one that raised it (in
    /// the deployment's order); 0 otherwise.
    pub list: u8,
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

/// A wanted person's warrant at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warrant {
    /// Not yet arrested: their searches are mated.
    Open,
    /// Arrested and held: off the streets, so never captured.
    InCustody,
    /// Arrested and released: no longer on the watchlist.
    Executed,
    /// Not arrested, and not on the list at that moment: not yet added, or
    /// removed (`watchlist.time_on_list`). Their searches are non-mated.
    OffList,
}

/// The chain's two resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Staff {
    /// Review alerts.
    Operators,
    /// Stop people.
    Officers,
}

impl Staff {
    /// The stage of an alert in this staff's line.
    fn waiting_stage(self) -> Stage {
        match self {
            Staff::Operators => Stage::AwaitingReview,
            Staff::Officers => Stage::AwaitingOfficer,
        }
    }
}

/// The response chain's state for one replication.
pub struct Response<'m> {
    model: &'m Model,
    rng: SimRng,
    now_s: f64,
    events: TimeQueue<Scheduled>,
    slots: Slots,
    /// Operators and officers, by [`Staff`]; each line holds alert slots.
    /// Each staff's crews: the scenario's teams (the city's, or one per
    /// zone), then each deployment's.
    staff: [Vec<Resource<u32>>; 2],
    /// Per wanted person: bit 0 alerted, bit 1 arrested, bit 2 stopped.
    wanted_flags: Vec<u8>,
    /// Per wanted person: when arrested (infinite: not yet).
    arrested_at_s: Vec<f64>,
    /// Per person with any: (false alerts, wrongful stops). Alerts are rare,
    /// so a map costs little and keeps memory off the per-resident record.
    burden: std::collections::HashMap<u32, (u32, u32)>,
    /// When each wanted person is on the list, with the list's turnover.
    warrants: Option<Warrants>,
    /// What has been counted so far.
    pub outcome: Outcome,
    /// Where events are recorded, if they are.
    pub(crate) recorder: Option<Recorder>,
}

const ALERTED: u8 = 1;
const ARRESTED: u8 = 2;
const STOPPED: u8 = 4;

impl<'m> Response<'m> {
    /// An idle response chain: all staff free, nothing queued.
    pub fn new(model: &'m Model, rng: SimRng) -> Self {
        Response {
            model,
            rng,
            now_s: 0.0,
            events: TimeQueue::new(),
            slots: Slots::default(),
            staff: [
                crews(
                    &model.review.teams.sizes,
                    model.deployments.iter().map(|d| d.operators),
                ),
                crews(
                    &model.intervention.teams.sizes,
                    model.deployments.iter().map(|d| d.officers),
                ),
            ],
            wanted_flags: vec![0; model.wanted as usize],
            arrested_at_s: vec![f64::INFINITY; model.wanted as usize],
            burden: Default::default(),
            warrants: None,
            outcome: Outcome {
                groups: vec![Default::default(); model.groups.len()],
                deployments: vec![Default::default(); model.deployments.len()],
                lists: model
                    .deployments
                    .iter()
                    .map(|d| vec![[0; 2]; d.lists.len()])
                    .collect(),
                ..Default::default()
            },
            recorder: None,
        }
    }

    /// This chain with replication `rep`'s windows of its wanted people on
    /// the list, if the model has turnover ([`Warrants::draw`]).
    pub fn with_warrants(mut self, rep: u64) -> Self {
        self.warrants = Warrants::draw(self.model, rep);
        self
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
        let slot = self.slots.insert(flight);
        self.schedule(decided_s, slot, Kind::Raised);
        self.schedule(flight.deadline_s.max(decided_s), slot, Kind::WindowCloses);
    }

    /// Wanted person `wanted_index`'s warrant at `t_s`, as far as the chain
    /// has run: arrests at or after the time it has run to are not known yet.
    pub fn warrant_at(&self, wanted_index: u32, t_s: f64) -> Warrant {
        let arrested = self.arrested_at_s[wanted_index as usize];
        if t_s < arrested {
            match &self.warrants {
                Some(warrants) if !warrants.on_list(wanted_index, t_s) => Warrant::OffList,
                _ => Warrant::Open,
            }
        } else if t_s < arrested + self.model.intervention.custody_s {
            Warrant::InCustody
        } else {
            Warrant::Executed
        }
    }

    /// Processes every event before `until_s`.
    pub fn run_until(&mut self, until_s: f64) {
        while let Some((t, Scheduled { slot, kind })) = self.events.pop_before(until_s) {
            self.now_s = t;
            self.handle(slot, kind);
            self.slots.release(slot);
        }
    }

    /// Runs the chain until every alert is resolved and returns the counts.
    pub fn finish(mut self) -> (Outcome, Vec<u8>) {
        self.run_until(f64::INFINITY);
        debug_assert!(self.events.is_empty());
        debug_assert!(self.staff.iter().flatten().all(|line| line.waiting() == 0));
        let wanted = &self.wanted_flags;
        let c = &mut self.outcome.counts;
        c[Metric::WantedAlerted] = wanted.iter().filter(|&&f| f & ALERTED != 0).count() as u64;
        c[Metric::WantedArrested] = wanted.iter().filter(|&&f| f & ARRESTED != 0).count() as u64;
        c[Metric::WantedStopped] = wanted.iter().filter(|&&f| f & STOPPED != 0).count() as u64;
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
        self.slots.hold(slot);
        self.events.push(time_s, Scheduled { slot, kind });
    }

    /// Counts `m` for the alert in `slot`: in the totals, and in its
    /// deployment's.
    fn count(&mut self, slot: u32, m: Metric) {
        self.outcome.counts[m] += 1;
        if let Some(d) = deployment_index(self.slots[slot].alert.deployment) {
            self.outcome.deployments[d][m] += 1;
        }
    }

    /// The crew of `staff` answering the alert in `slot`: its deployment's,
    /// or the scenario's team for its site.
    fn crew(&self, slot: u32, staff: Staff) -> usize {
        let alert = &self.slots[slot].alert;
        let teams = match staff {
            Staff::Operators => &self.model.review.teams,
            Staff::Officers => &self.model.intervention.teams,
        };
        match deployment_index(alert.deployment) {
            Some(d) => teams.sizes.len() + d,
            None => teams.of_zone(
                self.model
                    .sites
                    .get(alert.site as usize)
                    .map_or(0, |s| s.zone),
            ),
        }
    }

    /// Officers in the crew answering the alert in `slot`.
    fn officers_for(&self, slot: u32) -> u32 {
        match deployment_index(self.slots[slot].alert.deployment) {
            Some(d) => self.model.deployments[d].officers,
            None => self.model.intervention.teams.sizes[self.crew(slot, Staff::Officers)],
        }
    }

    fn count_group(&mut self, slot: u32, m: GroupMetric) {
        let g = self.slots[slot].alert.group as usize;
        self.outcome.groups[g][m] += 1;
    }

    fn lose(&mut self, slot: u32, reason: LostReason) {
        self.count(
            slot,
            match reason {
                LostReason::PipelineDelay => Metric::LostToPipelineDelay,
                LostReason::AwaitingReview => Metric::LostAwaitingReview,
                LostReason::DuringReview => Metric::LostDuringReview,
                LostReason::AwaitingOfficer => Metric::LostAwaitingOfficer,
                LostReason::BeforeStop => Metric::LostBeforeStop,
                LostReason::AlreadyArrested => Metric::FoundArrested,
            },
        );
        if reason != LostReason::AlreadyArrested {
            self.count(slot, Metric::LostInCrowd);
        }
        self.slots[slot].stage = Stage::Done;
        let since_capture_s = self.now_s - self.slots[slot].alert.time_s;
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
            let alert = self.slots[slot].alert;
            recorder.push(Event::of_alert(
                self.now_s,
                alert.subject(),
                alert.is_true,
                detail,
            ));
        }
    }

    /// An alert asks `staff` for a server: served at once, or waiting in
    /// line (which then holds its slot).
    fn request(&mut self, staff: Staff, slot: u32) {
        self.slots[slot].stage = staff.waiting_stage();
        let crew = self.crew(slot, staff);
        match self.staff[staff as usize][crew].arrive(slot) {
            Arrival::Starts(slot) => self.start(staff, slot),
            Arrival::Waits => self.slots.hold(slot),
            Arrival::TurnedAway(_) => unreachable!("the chain's lines are unbounded"),
        }
    }

    /// A member of `staff` is free: they take the alert that has waited
    /// longest, passing over those whose window closed while they waited.
    /// `done` is the alert they were on, whose crew they are of.
    fn free(&mut self, staff: Staff, done: u32) {
        let stage = staff.waiting_stage();
        let crew = self.crew(done, staff);
        let slots = &mut self.slots;
        let next =
            self.staff[staff as usize][crew].release(|&slot| slots.still_waiting(slot, stage));
        if let Some(slot) = next {
            self.start(staff, slot);
            self.slots.release(slot);
        }
    }

    /// A member of `staff` takes the alert in `slot`.
    fn start(&mut self, staff: Staff, slot: u32) {
        match staff {
            Staff::Operators => self.begin_review(slot),
            Staff::Officers => self.send_officer(slot),
        }
    }

    fn handle(&mut self, slot: u32, kind: Kind) {
        match kind {
            Kind::Raised => self.raised(slot),
            Kind::WindowCloses => match self.slots[slot].stage {
                Stage::AwaitingReview => self.lose(slot, LostReason::AwaitingReview),
                Stage::AwaitingOfficer => self.lose(slot, LostReason::AwaitingOfficer),
                _ => {}
            },
            Kind::ReviewDone => self.review_done(slot),
            Kind::OfficerArrives => self.officer_arrives(slot),
            Kind::StopEnds => self.stop_ends(slot),
            Kind::ProcessingEnds => self.free(Staff::Officers, slot),
        }
    }

    /// The alert reaches the operators: counted, and queued for review
    /// unless the person has already gone.
    fn raised(&mut self, slot: u32) {
        let f = self.slots[slot];
        self.count(slot, Metric::Alerts);
        let hour = TimeOfDay::hour_of(f.alert.time_s);
        if let Some(d) = deployment_index(f.alert.deployment)
            && let Some(list) = self.outcome.lists[d].get_mut(f.alert.list as usize)
        {
            list[!f.alert.is_true as usize] += 1;
        }
        if f.alert.is_true {
            self.outcome.time_of_day.true_alerts[hour] += 1;
            self.count(slot, Metric::TrueAlerts);
            self.count_group(slot, GroupMetric::TrueAlerts);
            self.wanted_flags[f.alert.wanted_index as usize] |= ALERTED;
        } else {
            self.count(slot, Metric::FalseAlerts);
            self.outcome.time_of_day.false_alerts[hour] += 1;
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
        self.request(Staff::Operators, slot);
    }

    fn begin_review(&mut self, slot: u32) {
        self.slots[slot].stage = Stage::InReview;
        let done = self.now_s + self.slots[slot].review_s;
        self.schedule(done, slot, Kind::ReviewDone);
    }

    /// The operator decides: rejected, or confirmed and handed to the
    /// officers (if there are any and the person is still in reach). The
    /// operator then takes the next alert.
    fn review_done(&mut self, slot: u32) {
        let f = self.slots[slot];
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
        self.count(
            slot,
            if confirmed {
                Metric::AlertsConfirmed
            } else {
                Metric::AlertsRejected
            },
        );
        let review = AlertDetail::Review {
            confirmed,
            operator_wait_s: waited - f.review_s,
            latency_s: waited,
        };
        self.note(slot, review);
        if !confirmed {
            self.slots[slot].stage = Stage::Done;
        } else if self.officers_for(slot) == 0 {
            // A trial that only records alerts: no one is sent.
            self.count(slot, Metric::NotActioned);
            self.slots[slot].stage = Stage::Done;
        } else if self.now_s > f.deadline_s {
            self.lose(slot, LostReason::DuringReview);
        } else {
            self.slots[slot].confirmed_s = self.now_s;
            self.request(Staff::Officers, slot);
        }
        self.free(Staff::Operators, slot);
    }

    /// An officer sets off to a confirmed alert.
    fn send_officer(&mut self, slot: u32) {
        self.count(slot, Metric::StopAttempts);
        self.slots[slot].stage = Stage::OfficerEnRoute;
        let f = self.slots[slot];
        let dispatch = AlertDetail::Dispatch {
            wait_s: self.now_s - f.confirmed_s,
            approach_s: f.approach_s,
        };
        self.note(slot, dispatch);
        self.schedule(self.now_s + f.approach_s, slot, Kind::OfficerArrives);
    }

    /// The officer arrives: the person is stopped, unless they have gone
    /// (or were arrested on another alert meanwhile).
    fn officer_arrives(&mut self, slot: u32) {
        let f = self.slots[slot];
        let arrested_already = f.alert.wanted_index != NOT_WANTED
            && self.wanted_flags[f.alert.wanted_index as usize] & ARRESTED != 0;
        if self.now_s > f.deadline_s || arrested_already {
            // Already arrested first: in custody they are not in the crowd.
            let reason = match arrested_already {
                true => LostReason::AlreadyArrested,
                false => LostReason::BeforeStop,
            };
            self.lose(slot, reason);
            self.free(Staff::Officers, slot);
            return;
        }
        self.count(slot, Metric::Stops);
        let since_capture_s = self.now_s - f.alert.time_s;
        self.outcome
            .latency
            .capture_to_stop
            .saturating_record((since_capture_s * 1e6) as u64);
        if f.alert.is_true {
            self.count(slot, Metric::CorrectStops);
            self.wanted_flags[f.alert.wanted_index as usize] |= STOPPED;
        } else {
            self.count(slot, Metric::WrongfulStops);
            self.count_group(slot, GroupMetric::WrongfulStops);
            self.burden.entry(f.alert.person).or_default().1 += 1;
        }
        self.slots[slot].stage = Stage::Stopped;
        let stop = AlertDetail::Stop {
            since_capture_s,
            duration_s: f.stop_s,
        };
        self.note(slot, stop);
        self.schedule(self.now_s + f.stop_s, slot, Kind::StopEnds);
    }

    /// The stop ends, in an arrest, a false arrest, or neither; the officer
    /// is free at once, or after processing an arrest.
    fn stop_ends(&mut self, slot: u32) {
        let f = self.slots[slot];
        let intervention = &self.model.intervention;
        let arrest = AlertDetail::Arrest {
            since_capture_s: self.now_s - f.alert.time_s,
        };
        let mut processing = false;
        if f.alert.is_true {
            let w = f.alert.wanted_index as usize;
            // Another officer may have arrested them during this stop.
            if f.arrest_u < intervention.p_arrest_correct && self.wanted_flags[w] & ARRESTED == 0 {
                self.count(slot, Metric::Arrests);
                self.wanted_flags[w] |= ARRESTED;
                self.arrested_at_s[w] = self.now_s;
                self.note(slot, arrest);
                processing = true;
            }
        } else if f.arrest_u < intervention.p_arrest_wrongful {
            self.count(slot, Metric::FalseArrests);
            self.count_group(slot, GroupMetric::FalseArrests);
            self.note(slot, arrest);
        }
        self.slots[slot].stage = Stage::Done;
        if processing {
            self.schedule(self.now_s + f.processing_s, slot, Kind::ProcessingEnds);
        } else {
            self.free(Staff::Officers, slot);
        }
    }
}

/// Lines of `teams` (the scenario's) and then of each deployment's crew.
fn crews(teams: &[u32], deployments: impl Iterator<Item = u32>) -> Vec<Resource<u32>> {
    teams
        .iter()
        .copied()
        .chain(deployments)
        .map(|servers| Resource::new(servers, u64::MAX))
        .collect()
}
