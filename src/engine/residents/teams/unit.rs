//! One response unit's run — its alerts a window at a time, its wanted
//! people's faces, its chain — and the workers that share the units out.

use super::chain::{Chain, DrawKey, Draws, Tally};
use super::shared::Shared;
use crate::engine::capture::WantedFace;
use crate::engine::lend::Lend;
use crate::engine::residents::alerts::unpack;
use crate::engine::residents::draw::DistinctSites;
use crate::engine::residents::{ChunkOutcome, Plan, WantedSeen, wanted_face_stream};
use crate::engine::response::{Alert, NOT_WANTED, Warrant};
use crate::engine::wanted_search::search_wanted_face;
use crate::engine::warrants::Warrants;
use crate::metrics::{HOURS_OF_DAY, TimeOfDay};
use crate::model::DAY_S;
use crate::model::NO_DEPLOYMENT;
use crate::rng::{STREAM_RESIDENTS, open01, stream};
use rand::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Items a unit handles before its worker looks for one further behind.
const STINT: u32 = 1 << 16;
/// Stream part: the times of a unit's alerts within their days.
const PART_ALERT_TIMES: u64 = 0x5449_4d45;

/// What every unit reads: the plan, the chunks' alerts, and wanted people.
pub(in crate::engine::residents) struct Source<'a, 'm> {
    pub(in crate::engine::residents) plan: &'a Plan<'m>,
    pub(in crate::engine::residents) chunks: &'a [ChunkOutcome],
    pub(in crate::engine::residents) rep: u64,
    /// Per wanted person: their resident number, group and multiplier.
    pub(in crate::engine::residents) wanted: &'a [(u32, u32, f64)],
    /// When each wanted person is on the list, with the list's turnover.
    pub(in crate::engine::residents) warrants: Option<Warrants>,
}

/// An alert of a person not wanted, spelled out for its window: sixteen
/// bytes, sorted by time.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::engine::residents) struct Pending {
    time_s: f64,
    person: u32,
    site: u16,
    group: u16,
}

// The window's cost per alert ([`super::super::alerts::BYTES_SPELLED`]).
const _: () = assert!(std::mem::size_of::<Pending>() == 16);

impl Pending {
    fn alert(self) -> Alert {
        Alert {
            time_s: self.time_s,
            person: self.person,
            wanted_index: NOT_WANTED,
            group: self.group as u32,
            site: self.site as u32,
            is_true: false,
            face: 0,
            deployment: NO_DEPLOYMENT,
            list: 0,
        }
    }
}

/// A window's alerts and wanted faces, and what sorting them needs, reused
/// window after window.
#[derive(Debug, Default)]
pub(in crate::engine::residents) struct Window {
    alerts: Vec<Pending>,
    scratch: Vec<Pending>,
    offsets: Vec<u32>,
    faces: Vec<UnitFace>,
}

/// The order wanted faces are handled in: time, then site and person for
/// ties (times are never negative, so their bits sort as they do).
fn time_order(time_s: f64, site: u32, person: u32) -> (u64, u32, u32) {
    debug_assert!(time_s >= 0.0);
    (time_s.to_bits(), site, person)
}

impl Window {
    /// Sorts the alerts by time: a bucket sort over the window's span
    /// (`start_s`, `len_s`), about four alerts a bucket, then each bucket
    /// sorted; ties (of probability zero) keep the order they were drawn in.
    fn sort(&mut self, start_s: f64, len_s: f64) {
        let n = self.alerts.len();
        let key = |p: &Pending| p.time_s.to_bits();
        if n < 256 {
            self.alerts.sort_by_key(key);
            return;
        }
        let buckets = n / 4;
        let scale = buckets as f64 / len_s;
        let bucket = |t: f64| (((t - start_s) * scale) as usize).min(buckets - 1);
        self.offsets.clear();
        self.offsets.resize(buckets + 1, 0);
        for p in &self.alerts {
            self.offsets[bucket(p.time_s) + 1] += 1;
        }
        for b in 0..buckets {
            self.offsets[b + 1] += self.offsets[b];
        }
        self.scratch.clear();
        self.scratch.resize(n, Pending::default());
        let mut next = self.offsets.clone();
        for p in &self.alerts {
            let at = &mut next[bucket(p.time_s)];
            self.scratch[*at as usize] = *p;
            *at += 1;
        }
        for b in 0..buckets {
            let (from, to) = (self.offsets[b] as usize, self.offsets[b + 1] as usize);
            self.scratch[from..to].sort_by_key(key);
        }
        std::mem::swap(&mut self.alerts, &mut self.scratch);
    }
}

impl Source<'_, '_> {
    /// The alerts and wanted faces of `unit` in window `window`, each in time
    /// order (the alerts' times drawn within their days); with other units,
    /// the potential arrests of the faces are listed in `shared`.
    fn load(&self, unit: usize, window: u32, into: &mut Window, shared: &Shared) {
        self.load_faces(unit, window, into, shared);
        into.alerts.clear();
        let plan = self.plan;
        let routing = &plan.routing;
        let labels = [
            self.rep,
            STREAM_RESIDENTS,
            u64::MAX - 1,
            unit as u64,
            window as u64,
        ];
        let mut rng = stream(
            plan.model.seed,
            &[&labels[..], &[PART_ALERT_TIMES]].concat(),
        );
        for (c, chunk) in self.chunks.iter().enumerate() {
            let group = plan.model.blocks[plan.chunk_block(c)].group as u16;
            for &word in chunk.alerts.bucket(unit, window) {
                let (person, site, in_window) = unpack(word);
                let day = window * routing.window_days + in_window;
                let u = crate::rng::unit(rng.next_u64());
                into.alerts.push(Pending {
                    time_s: plan.clocks[site as usize].time_in_day(day, u),
                    person,
                    site: site as u16,
                    group,
                });
            }
        }
        let len_s = routing.window_days as f64 * DAY_S;
        into.sort(window as f64 * len_s, len_s);
    }

    /// The wanted faces of `unit` in window `window`, in time order, and
    /// their potential arrests listed (with other units to read them).
    fn load_faces(&self, unit: usize, window: u32, into: &mut Window, shared: &Shared) {
        let routing = &self.plan.routing;
        into.faces.clear();
        for chunk in self.chunks {
            into.faces.extend(
                chunk
                    .wanted
                    .bucket(unit, window)
                    .iter()
                    .map(|&face| UnitFace {
                        face,
                        potential: None,
                    }),
            );
        }
        let person = |f: &UnitFace| self.wanted[f.face.wanted_index as usize].0;
        into.faces
            .sort_by_key(|f| time_order(f.face.time_s, f.face.site, person(f)));
        if routing.units == 1 {
            return;
        }
        // With several units, each is a zone with its own officers.
        let officers = self.plan.model.intervention.teams.sizes[unit];
        for f in &mut into.faces {
            if let Some(earliest_s) = self.potential(&f.face, officers) {
                f.potential = Some(shared.list(f.face.wanted_index, earliest_s, unit as u32));
            }
        }
        let last = window + 1 == routing.windows();
        let end_s = if last {
            f64::INFINITY
        } else {
            (window + 1) as f64 * routing.window_days as f64 * DAY_S
        };
        shared.listed_through(unit, end_s);
    }

    /// The warrant of wanted person `w` at `t_s` were they not arrested:
    /// open, or off the list with its turnover.
    fn unarrested(&self, w: u32, t_s: f64) -> Warrant {
        match &self.warrants {
            Some(warrants) if !warrants.on_list(w, t_s) => Warrant::OffList,
            _ => Warrant::Open,
        }
    }

    /// The search of wanted face `face` given `warrant`: whether it was
    /// mated, and its alert.
    fn search(&self, face: &WantedSeen, warrant: Warrant) -> (bool, Option<Alert>) {
        let (person, group, lookalike) = self.wanted[face.wanted_index as usize];
        let mut rng = wanted_face_stream(self.plan.model.seed, self.rep, face);
        let (u_genuine, u_impostor) = (open01(rng.next_u64()), open01(rng.next_u64()));
        let face = WantedFace {
            time_s: face.time_s,
            person,
            wanted_index: face.wanted_index,
            group,
            site: face.site,
            deployment: NO_DEPLOYMENT,
            u_genuine,
            u_impostor,
            face: 0,
            sampled: false,
        };
        search_wanted_face(self.plan.model, &face, warrant, lookalike)
    }

    /// The earliest time wanted face `face` could lead to an arrest, if it
    /// could: its search true while the warrant is open, confirmed, reached
    /// in time by an officer of unit crew `officers`, and the stop ending in
    /// an arrest — its own draws say.
    fn potential(&self, face: &WantedSeen, officers: u32) -> Option<f64> {
        let warrant = self.unarrested(face.wanted_index, face.time_s);
        let (_, Some(alert)) = self.search(face, warrant) else {
            return None;
        };
        let model = self.plan.model;
        let mut rng = wanted_face_stream(model.seed, self.rep, face);
        rng.next_u64();
        rng.next_u64();
        let d = Draws::sample(model, &mut rng);
        let reached = d.review_s + d.approach_s <= model.intervention.window_s;
        (alert.is_true
            && d.confirm_u < model.review.p_confirm_true
            && officers > 0
            && reached
            && d.arrest_u < model.intervention.p_arrest_correct)
            .then_some(face.time_s + d.review_s + d.approach_s + d.stop_s)
    }
}

/// A wanted face and its potential arrest's index among its person's.
#[derive(Debug, Clone, Copy)]
struct UnitFace {
    face: WantedSeen,
    potential: Option<u32>,
}

/// What a unit counted of wanted people's faces.
#[derive(Debug, Clone)]
pub(in crate::engine::residents) struct Seen {
    pub(in crate::engine::residents) faces_by_hour: [u64; HOURS_OF_DAY],
    pub(in crate::engine::residents) wanted_faces_open: u64,
    pub(in crate::engine::residents) wanted_faces_by_group: Vec<u64>,
    /// Per wanted person: faces searched (not in custody) and their sites.
    pub(in crate::engine::residents) wanted_seen: Vec<(u64, DistinctSites)>,
}

/// One unit: its chain and where it is in its inputs.
pub(in crate::engine::residents) struct UnitState<'m> {
    unit: u32,
    chain: Chain<'m>,
    window: Window,
    next_alert: usize,
    next_window: u32,
    next_face: usize,
    done: bool,
    pub(in crate::engine::residents) seen: Seen,
}

/// How a stint ended.
enum Stint {
    /// Nothing is left.
    Done,
    /// Its share of work is done; more is left.
    Yield,
    /// It must wait for another unit, having moved (handled items, or
    /// taken its next window) or not.
    Blocked { moved: bool },
}

impl<'m> UnitState<'m> {
    /// Handles the unit's items in order — its alerts, then wanted faces,
    /// then its chain's events, at equal times — until it is done, must
    /// wait, or has handled [`STINT`] items.
    fn stint(&mut self, source: &Source<'_, 'm>, shared: &Shared) -> Stint {
        let unit = self.unit;
        let first_window = self.next_window;
        for handled in 0..STINT {
            let (t_alert, t_face) = self.next_items(source, shared);
            let moved = handled > 0 || self.next_window != first_window;
            let (t_event, reads) = self.chain.next_event().unwrap_or((f64::INFINITY, None));
            let now = t_alert.min(t_face).min(t_event);
            if handled % 1024 == 0 {
                shared.publish(unit as usize, now);
            }
            if t_alert <= t_face && t_alert <= t_event && t_alert.is_finite() {
                let alert = self.window.alerts[self.next_alert].alert();
                self.next_alert += 1;
                self.seen.faces_by_hour[TimeOfDay::hour_of(alert.time_s)] += 1;
                let ordinal = self.chain.next_ordinal();
                self.chain.raise(alert, DrawKey::Ordinal(ordinal), None);
            } else if t_face <= t_event && t_face.is_finite() {
                let face = self.window.faces[self.next_face];
                if !shared.safe(face.face.wanted_index, t_face, unit) {
                    shared.publish(unit as usize, now);
                    return Stint::Blocked { moved };
                }
                self.next_face += 1;
                self.search(source, shared, face);
            } else if t_event.is_finite() {
                if let Some(w) = reads
                    && !shared.safe(w, t_event, unit)
                {
                    shared.publish(unit as usize, now);
                    return Stint::Blocked { moved };
                }
                self.chain.handle_next(shared);
            } else {
                self.chain.finish(shared);
                shared.publish(unit as usize, f64::INFINITY);
                self.done = true;
                return Stint::Done;
            }
        }
        let (t_alert, t_face) = self.next_items(source, shared);
        let t_event = self.chain.next_event().map_or(f64::INFINITY, |e| e.0);
        shared.publish(unit as usize, t_alert.min(t_face).min(t_event));
        Stint::Yield
    }

    /// The times of the unit's next alert and next wanted face, loading its
    /// next window of them once both of the last are handled (the windows
    /// follow each other in time, so nothing is taken out of order).
    fn next_items(&mut self, source: &Source<'_, 'm>, shared: &Shared) -> (f64, f64) {
        while self.next_alert == self.window.alerts.len()
            && self.next_face == self.window.faces.len()
            && self.next_window < source.plan.routing.windows()
        {
            let unit = self.unit as usize;
            source.load(unit, self.next_window, &mut self.window, shared);
            self.next_window += 1;
            self.next_alert = 0;
            self.next_face = 0;
        }
        let t_alert = self
            .window
            .alerts
            .get(self.next_alert)
            .map_or(f64::INFINITY, |a| a.time_s);
        let t_face = self
            .window
            .faces
            .get(self.next_face)
            .map_or(f64::INFINITY, |f| f.face.time_s);
        (t_alert, t_face)
    }

    /// Searches a wanted person's face against their warrant (in custody, it
    /// was never there) and raises its alert.
    fn search(&mut self, source: &Source<'_, 'm>, shared: &Shared, face: UnitFace) {
        let (w, t) = (face.face.wanted_index, face.face.time_s);
        let resolve = |shared: &Shared| {
            if let Some(index) = face.potential {
                shared.resolve(w, index);
            }
        };
        let warrant = match shared.warrant(w, t, self.unit) {
            Warrant::Open => source.unarrested(w, t),
            warrant => warrant,
        };
        if warrant == Warrant::InCustody {
            resolve(shared);
            return;
        }
        let (still_wanted, alert) = source.search(&face.face, warrant);
        let group = source.wanted[w as usize].1;
        let seen = &mut self.seen;
        seen.wanted_faces_open += still_wanted as u64;
        seen.wanted_faces_by_group[group as usize] += 1;
        seen.faces_by_hour[TimeOfDay::hour_of(t)] += 1;
        seen.wanted_seen[w as usize].0 += 1;
        seen.wanted_seen[w as usize].1.add(face.face.site);
        match alert {
            Some(a) if a.is_true => {
                let potential = face.potential.map(|index| (w, index));
                self.chain.raise(a, DrawKey::Face(face.face), potential);
            }
            Some(a) => {
                resolve(shared);
                self.chain.raise(a, DrawKey::Face(face.face), None);
            }
            None => resolve(shared),
        }
    }

    /// What the unit counted.
    pub(in crate::engine::residents) fn tally(&self) -> &Tally {
        &self.chain.tally
    }
}

/// Runs replication `rep`'s response units over the chunks' alerts and
/// wanted faces, on the workers `lend` lends; returns each unit's state when
/// done, and the arrests.
pub(in crate::engine::residents) fn run_units<'m>(
    source: &Source<'_, 'm>,
    lend: &dyn Lend,
) -> (Vec<UnitState<'m>>, Vec<Option<f64>>) {
    let plan = source.plan;
    let model = plan.model;
    let units = plan.routing.units;
    let shared = Shared::new(units, model.intervention.custody_s, model.wanted as usize);
    let states: Vec<Mutex<UnitState<'m>>> = (0..units)
        .map(|u| {
            Mutex::new(UnitState {
                unit: u as u32,
                chain: Chain::new(model, u as u32, source.rep),
                window: Window::default(),
                next_alert: 0,
                next_window: 0,
                next_face: 0,
                done: false,
                seen: Seen {
                    faces_by_hour: [0; HOURS_OF_DAY],
                    wanted_faces_open: 0,
                    wanted_faces_by_group: vec![0; model.groups.len()],
                    wanted_seen: vec![(0, DistinctSites::default()); model.wanted as usize],
                },
            })
        })
        .collect();
    let left = AtomicUsize::new(units);
    let workers = lend.workers().clamp(1, units);
    let progress = Progress::default();
    lend.run(workers, &|_| {
        work(&states, &shared, source, &left, &progress, workers)
    });
    let arrests = (0..model.wanted).map(|w| shared.arrested_at(w)).collect();
    let states = states
        .into_iter()
        .map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    (states, arrests)
}

/// Wakes idle workers when a unit moves: a worker that found nothing it
/// could do waits for another's progress instead of spinning.
#[derive(Default)]
struct Progress {
    /// Stints that moved a unit, so far.
    epoch: Mutex<u64>,
    moved: Condvar,
}

impl Progress {
    fn epoch(&self) -> u64 {
        *self.epoch.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A unit moved: the waiting workers look again.
    fn moved(&self) {
        *self.epoch.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.moved.notify_all();
    }

    /// Waits until a unit moves after `seen`, or every unit is done.
    fn wait(&self, seen: u64, left: &AtomicUsize) {
        let mut epoch = self.epoch.lock().unwrap_or_else(|p| p.into_inner());
        while *epoch == seen && left.load(Ordering::Acquire) > 0 {
            epoch = self.moved.wait(epoch).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A worker: takes the free unit furthest behind, runs a stint of it, and
/// again, until every unit is done; with nothing it can do (the units it
/// could take must wait for those others are running), it waits for
/// another worker to move one.
fn work<'m>(
    states: &[Mutex<UnitState<'m>>],
    shared: &Shared,
    source: &Source<'_, 'm>,
    left: &AtomicUsize,
    progress: &Progress,
    workers: usize,
) {
    let mut order: Vec<(u64, usize)> = Vec::with_capacity(states.len());
    while left.load(Ordering::Acquire) > 0 {
        let seen = progress.epoch();
        order.clear();
        order.extend((0..states.len()).map(|u| (shared.clock(u).to_bits(), u)));
        order.sort_unstable();
        let mut moved = false;
        for &(_, u) in &order {
            let Ok(mut state) = states[u].try_lock() else {
                continue;
            };
            if state.done {
                continue;
            }
            moved = match state.stint(source, shared) {
                Stint::Done => {
                    left.fetch_sub(1, Ordering::AcqRel);
                    true
                }
                Stint::Yield => true,
                Stint::Blocked { moved } => moved,
            };
            if moved {
                break;
            }
        }
        if moved {
            progress.moved();
        } else if workers > 1 {
            // The unit furthest behind can always move, so another worker
            // holds it and will say when it has.
            progress.wait(seen, left);
        }
    }
}
