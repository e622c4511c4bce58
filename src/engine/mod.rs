//! The engine: one replication of a scenario in virtual time.
//!
//! # A face's journey
//!
//! Read top to bottom, this module and [`response`] are the whole story.
//!
//! 1. **Arrival and capture** ([`Engine::run`]). Virtual time advances an
//!    hour at a time. In each hour, each site's usable captures form a
//!    Poisson process at that hour's rate, over the parts of the hour its
//!    cameras are active. The passers of each group are an independent
//!    thinning of it (rate × the group's share of footfall), so the engine
//!    draws a Poisson count per site, active interval and group; that is the
//!    non-homogeneous Poisson process exactly, without an event per face.
//! 2. **Who passed** ([`capture_block`]). Each site's passers come from
//!    (home zone, group) blocks of residents in proportion to the site's
//!    block shares (activity, home-zone bias, avoidance); each face is a
//!    member drawn uniformly from its block, so the same person can be
//!    captured many times, at many sites. Their [`Resident`] record counts
//!    captures and remembers the sites.
//! 3. **Search**. If the person is wanted (one comparison: wanted people are
//!    the first members of their group), the search is *mated*: genuine
//!    score against the best of N − 1 impostors, sampled exactly
//!    ([`crate::model::Matcher::mated_search`]). Otherwise it is *non-mated*
//!    and alerts with probability FPIR — one 64-bit comparison.
//! 4. **Alert**. An alerting face gets its capture time (uniform within its
//!    interval, as Poisson arrivals are given their count) and is handed, in
//!    time order, to the [`response::Response`] chain: review → dispatch →
//!    stop → arrest, a discrete-event simulation with operators and officers
//!    as FIFO resources and reneging when the person walks out of reach.
//! 5. **Events** (only with [`Engine::run_with_events`]). Each step above
//!    can also be recorded as an event — captures and searches of a sample
//!    of faces (numbered in drawing order), the chain's steps of every alert
//!    — and at each hour's end the hour's events go to the caller's sink in
//!    time order ([`crate::events`]). The hot loop has a copy without them.
//!
//! Per-face work is O(1) in the watchlist size and allocation-free: two or
//! three random words, an update of the resident's record and a comparison.
//! Memory is one 16-byte [`Resident`] record per resident.

pub mod pipeline;
pub mod response;

use crate::events::record::{HeldFace, UNSAMPLED};
use crate::events::{self, Discard, Event, EventSink, Filter, Kind, Recorder};
use crate::metrics::{CAPTURE_BUCKETS, GroupMetric, Metric, Outcome};
use crate::model::sites::HOUR_S;
use crate::model::{Block, MatedOutcome, Mode, Model};
use crate::rng::{
    STREAM_LOOKALIKE, STREAM_POOL, STREAM_RESPONSE, STREAM_SITE_ARRIVALS, STREAM_SITE_SEARCH,
    STREAM_SITE_TIMES, SimRng, below, bernoulli_threshold, open01, stream, unit,
};
use pipeline::{Face, NO_ALERT, PipelineOutcome, PipelineState};
use rand::Rng;
use rand_distr::{Distribution, Poisson};
use response::{Alert, NOT_WANTED, Response, Warrant};
use std::ops::ControlFlow;

/// Bytes one [`Engine`] holds for `model`: a 16-byte record per resident
/// and, with a pipeline, the busiest hour's faces (its mean plus six
/// standard deviations of Poisson noise), plus a megabyte for the rest.
/// Alerts are few and not counted.
pub fn memory_bytes(model: &Model) -> u64 {
    let records = model.residents as u64 * std::mem::size_of::<Resident>() as u64;
    let hour_faces = match model.pipeline {
        Some(_) => (0..24)
            .map(|h| {
                model
                    .sites
                    .iter()
                    .flat_map(|s| &s.segments_in_hour[h])
                    .map(|seg| seg.captures_per_s * (seg.end_s - seg.start_s))
                    .sum::<f64>()
            })
            .fold(0.0, f64::max),
        None => 0.0,
    };
    let faces = hour_faces + 6.0 * hour_faces.sqrt();
    records + (faces * std::mem::size_of::<Face>() as f64) as u64 + (1 << 20)
}

/// Runs replication `rep` of `model` and returns what it counted.
pub fn run_replication(model: &Model, rep: u64) -> Outcome {
    Engine::new(model).run(rep)
}

/// One replication's working memory, reusable across replications.
pub struct Engine<'m> {
    model: &'m Model,
    /// Every resident's exposure in the current replication.
    residents: Vec<Resident>,
    /// Alerts raised in the current hour, before sorting.
    hour_alerts: Vec<Alert>,
    /// With a pipeline: every face captured in the current hour.
    hour_faces: Vec<Face>,
    /// Faces of wanted people captured in the current hour, not yet searched.
    hour_wanted: Vec<WantedFace>,
    /// Faces captured, per group.
    faces_by_group: Vec<u64>,
}

impl<'m> Engine<'m> {
    /// Allocates the per-resident state for `model`.
    pub fn new(model: &'m Model) -> Self {
        Engine {
            model,
            residents: vec![Resident::default(); model.residents as usize],
            hour_alerts: Vec::new(),
            hour_faces: Vec::new(),
            hour_wanted: Vec::new(),
            faces_by_group: vec![0; model.groups.len()],
        }
    }

    /// Runs replication `rep`: the same `rep` and model give the same outcome.
    pub fn run(&mut self, rep: u64) -> Outcome {
        self.run_recording(rep, None, &mut Discard)
            .expect("without a recorder nothing stops the run")
    }

    /// Runs replication `rep` and hands the events `filter` selects to
    /// `sink`, in virtual-time order, an hour at a time (see
    /// [`crate::events`]). The outcome is exactly [`Engine::run`]'s; there
    /// is none if the sink stopped the run.
    pub fn run_with_events(
        &mut self,
        rep: u64,
        filter: &Filter,
        sink: &mut dyn EventSink,
    ) -> Option<Outcome> {
        let recorder = Recorder::new(filter, self.model.seed, rep);
        self.run_recording(rep, Some(recorder), sink)
    }

    fn run_recording(
        &mut self,
        rep: u64,
        recorder: Option<Recorder>,
        sink: &mut dyn EventSink,
    ) -> Option<Outcome> {
        let model = self.model;
        self.residents.fill(Resident::default());
        if model.lookalike_spread > 0.0 {
            draw_lookalikes(
                &mut self.residents,
                model.lookalike_spread,
                &mut stream(model.seed, &[rep, STREAM_LOOKALIKE]),
            );
        }
        // Batch mode draws from site 0's streams, so there is always one.
        let mut site_rngs: Vec<SiteStreams> = (0..model.sites.len().max(1) as u64)
            .map(|s| SiteStreams {
                arrivals: stream(model.seed, &[rep, STREAM_SITE_ARRIVALS, s]),
                search: stream(model.seed, &[rep, STREAM_SITE_SEARCH, s]),
                times: stream(model.seed, &[rep, STREAM_SITE_TIMES, s]),
            })
            .collect();
        let mut response = Response::new(model, stream(model.seed, &[rep, STREAM_RESPONSE]));
        response.recorder = recorder;
        self.faces_by_group.fill(0);

        let mut pipeline = model.pipeline.as_ref().map(|p| {
            PipelineState::new(model, p, |pool| {
                stream(model.seed, &[rep, STREAM_POOL, pool])
            })
        });
        let flow = match model.mode {
            Mode::Footfall => self.footfall(&mut site_rngs, &mut response, pipeline.as_mut(), sink),
            Mode::Batch => self.batch(&mut site_rngs[0], &mut response),
        };
        if flow.is_break() {
            return None;
        }
        let mut pipeline_outcome = PipelineOutcome::default();
        if let Some(p) = pipeline {
            p.finish(&mut response, &mut pipeline_outcome);
        }
        response.run_until(f64::INFINITY);
        if let Some(mut recorder) = response.recorder.take() {
            recorder.flush(f64::INFINITY, sink).continue_value()?;
        }

        let (mut outcome, _) = response.finish();
        pipeline_outcome.merge_into(&mut outcome);
        let faces_by_group = &self.faces_by_group;
        let faces: u64 = faces_by_group.iter().sum();
        outcome.counts[Metric::FacesCaptured] = faces;
        outcome.counts[Metric::Searches] = faces - outcome.counts[Metric::FacesDropped];
        outcome.counts[Metric::WantedPresent] = model.wanted as u64;
        for (gi, &faces) in faces_by_group.iter().enumerate() {
            outcome.groups[gi][GroupMetric::FacesCaptured] = faces;
        }
        // Who was seen: per block, and the exposure of every resident.
        for block in &model.blocks {
            let first = block.first_resident as usize;
            let members = &self.residents[first..first + block.residents as usize];
            let g = &mut outcome.groups[block.group as usize];
            for (i, r) in members.iter().enumerate() {
                let sites = r.distinct_sites();
                outcome.exposure.captures[(r.captures as usize).min(CAPTURE_BUCKETS - 1)] += 1;
                outcome.exposure.max_captures =
                    outcome.exposure.max_captures.max(r.captures as u64);
                outcome.exposure.distinct_sites[sites.min(4)] += 1;
                if r.captures == 0 {
                    continue;
                }
                g[GroupMetric::PeopleScanned] += 1;
                g[GroupMetric::ScannedTenTimes] += (r.captures >= 10) as u64;
                g[GroupMetric::Trackable] += (sites >= 3) as u64;
                outcome.counts[Metric::PeopleScanned] += 1;
                outcome.counts[Metric::WantedScanned] += ((i as u32) < block.wanted) as u64;
            }
        }
        Some(outcome)
    }

    /// Footfall mode: hour by hour, each site's Poisson captures are drawn,
    /// searched, and their alerts handed to the response chain in time order
    /// — directly, or through the recognition pipeline.
    fn footfall(
        &mut self,
        site_rngs: &mut [SiteStreams],
        response: &mut Response<'m>,
        mut pipeline: Option<&mut PipelineState<'m>>,
        sink: &mut dyn EventSink,
    ) -> ControlFlow<()> {
        let model = self.model;
        let hours = (model.duration_s / HOUR_S).ceil() as u64;
        // One copy of the hot loop per combination, chosen once: without a
        // pipeline or events it does nothing for them.
        let capture = match (pipeline.is_some(), response.recorder.is_some()) {
            (false, false) => capture_block::<false, false>,
            (false, true) => capture_block::<false, true>,
            (true, false) => capture_block::<true, false>,
            (true, true) => capture_block::<true, true>,
        };
        for hour in 0..hours {
            let hour_start = hour as f64 * HOUR_S;
            let hour_end = (hour_start + HOUR_S).min(model.duration_s);
            let hour_of_day = (hour % 24) as usize;
            self.hour_alerts.clear();
            self.hour_faces.clear();
            self.hour_wanted.clear();
            for (site_index, site) in model.sites.iter().enumerate() {
                let rngs = &mut site_rngs[site_index];
                for segment in &site.segments_in_hour[hour_of_day] {
                    let t0 = hour_start + segment.start_s;
                    let t1 = (hour_start + segment.end_s).min(hour_end);
                    if t1 <= t0 || segment.captures_per_s <= 0.0 {
                        continue;
                    }
                    let interval = Interval {
                        site: site_index as u32,
                        start_s: t0,
                        len_s: t1 - t0,
                    };
                    for &(block_index, share) in &site.block_shares {
                        let block = &model.blocks[block_index as usize];
                        let n = poisson(
                            &mut rngs.arrivals,
                            segment.captures_per_s * interval.len_s * share,
                        );
                        self.faces_by_group[block.group as usize] += n;
                        let out = &mut Collected {
                            alerts: &mut self.hour_alerts,
                            faces: &mut self.hour_faces,
                            wanted: &mut self.hour_wanted,
                            recorder: response.recorder.as_mut(),
                        };
                        capture(model, block, n, interval, rngs, &mut self.residents, out);
                    }
                }
            }
            match pipeline.as_deref_mut() {
                Some(p) => {
                    self.search_wanted_at_hour_start::<true>(response);
                    p.process_hour(&mut self.hour_faces, &self.hour_alerts, hour_end, response)
                }
                None => self.raise_in_time_order(response),
            }
            response.run_until(hour_end);
            // Everything before the hour's end has happened: hand it over.
            if let Some(recorder) = response.recorder.as_mut() {
                recorder.flush(hour_end, sink)?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Batch mode: every resident is searched exactly once (a one-shot batch
    /// search, or a laboratory test), at a uniform time over the duration.
    fn batch(&mut self, rngs: &mut SiteStreams, response: &mut Response<'m>) -> ControlFlow<()> {
        let model = self.model;
        let interval = Interval {
            site: 0,
            start_s: 0.0,
            len_s: model.duration_s,
        };
        self.hour_alerts.clear();
        self.hour_wanted.clear();
        let search_one = match response.recorder.is_some() {
            false => search_face::<false, false>,
            true => search_face::<false, true>,
        };
        let out = &mut Collected {
            alerts: &mut self.hour_alerts,
            faces: &mut self.hour_faces,
            wanted: &mut self.hour_wanted,
            recorder: response.recorder.as_mut(),
        };
        for block in &model.blocks {
            let first = block.first_resident as usize;
            let members = &mut self.residents[first..first + block.residents as usize];
            for member in 0..block.residents {
                if member < block.wanted {
                    // Counted on their record when searched, as in footfall.
                    defer_wanted::<true>(block, member, interval, rngs, out);
                    continue;
                }
                let resident = &mut members[member as usize];
                resident.captures += 1;
                let lookalike = resident.lookalike();
                search_one(model, block, member, lookalike, interval, rngs, out);
            }
            self.faces_by_group[block.group as usize] += block.residents as u64;
        }
        self.raise_in_time_order(response);
        response.run_until(model.duration_s);
        // A batch is one pass: its events are handed over at the end.
        ControlFlow::Continue(())
    }

    /// Sorts the collected alerts and wanted people's faces by time (ties
    /// broken by site and person, so the order is reproducible) and handles
    /// them in that order, running the chain up to each one first: an alert
    /// is raised, and a wanted person's face is searched against their
    /// warrant as it stands at that moment — so an arrest earlier in the
    /// hour already counts.
    fn raise_in_time_order(&mut self, response: &mut Response<'m>) {
        // Time, then site and person: a reproducible order for ties.
        let order = |t: f64, site: u32, person: u32, u: (f64, u32, u32)| {
            t.total_cmp(&u.0)
                .then(site.cmp(&u.1))
                .then(person.cmp(&u.2))
        };
        self.hour_alerts
            .sort_by(|x, y| order(x.time_s, x.site, x.person, (y.time_s, y.site, y.person)));
        self.hour_wanted
            .sort_by(|x, y| order(x.time_s, x.site, x.person, (y.time_s, y.site, y.person)));
        let alerts = std::mem::take(&mut self.hour_alerts);
        let wanted = std::mem::take(&mut self.hour_wanted);
        let mut next_wanted = wanted.iter().peekable();
        // Advancing the chain to each alert before raising it keeps the event
        // queue to what is in flight, not a whole hour's alerts.
        for &alert in &alerts {
            while let Some(face) = next_wanted.next_if(|w| w.time_s < alert.time_s) {
                self.search_wanted_now(face, response);
            }
            response.run_until(alert.time_s);
            response.raise(alert, alert.time_s);
        }
        for face in next_wanted {
            self.search_wanted_now(face, response);
        }
        self.hour_alerts = alerts;
        self.hour_wanted = wanted;
    }

    /// Without a pipeline: searches a wanted person's face at its capture
    /// time, with the chain run up to it, and raises its alert at once.
    fn search_wanted_now(&mut self, face: &WantedFace, response: &mut Response<'m>) {
        response.run_until(face.time_s);
        let warrant = response.warrant_at(face.wanted_index, face.time_s);
        let mut alerts = Vec::new();
        let recorder = response.recorder.as_mut();
        if let Some(alert) = self.search_wanted::<false>(face, warrant, &mut alerts, recorder) {
            response.raise(alert, alert.time_s);
        }
    }

    /// With a pipeline, searches are decided only after the pipeline's delay,
    /// so the hour's wanted faces are searched against their warrants as the
    /// chain knows them at the hour's start: an arrest takes effect on the
    /// captures of the next hour (and a person arrested twice is arrested
    /// once, see [`response`]). Their faces then join the hour's faces.
    fn search_wanted_at_hour_start<const PIPELINE: bool>(&mut self, response: &mut Response<'m>) {
        let wanted = std::mem::take(&mut self.hour_wanted);
        for face in &wanted {
            let warrant = response.warrant_at(face.wanted_index, face.time_s);
            let mut alerts = std::mem::take(&mut self.hour_alerts);
            let recorder = response.recorder.as_mut();
            self.search_wanted::<PIPELINE>(face, warrant, &mut alerts, recorder);
            self.hour_alerts = alerts;
        }
        self.hour_wanted = wanted;
    }

    /// Searches a wanted person's face given their warrant: in custody, the
    /// face was never there (it is taken off the count); with the warrant
    /// executed, the search is non-mated; otherwise mated. Counts the
    /// capture on their record, records its events, and returns the alert it
    /// raised (also pushed onto `alerts`, and with `PIPELINE` the face onto
    /// the hour's faces).
    fn search_wanted<const PIPELINE: bool>(
        &mut self,
        face: &WantedFace,
        warrant: Warrant,
        alerts: &mut Vec<Alert>,
        recorder: Option<&mut Recorder>,
    ) -> Option<Alert> {
        let model = self.model;
        if warrant == Warrant::InCustody {
            self.faces_by_group[face.group as usize] -= 1;
            return None;
        }
        let resident = &mut self.residents[face.person as usize];
        match model.mode {
            Mode::Footfall => resident.seen_at(face.site as u16 + 1),
            Mode::Batch => resident.captures += 1,
        }
        let lookalike = resident.lookalike();
        let group = &model.groups[face.group as usize];
        let still_wanted = warrant == Warrant::Open;
        let (alerted, is_true) = if still_wanted {
            match model.matcher.mated_search(
                &group.search,
                lookalike,
                face.u_genuine,
                face.u_impostor,
            ) {
                MatedOutcome::NoAlert => (false, false),
                MatedOutcome::TrueAlert => (true, true),
                MatedOutcome::Misidentified => (true, false),
            }
        } else {
            // No longer on the watchlist: a non-mated search, alerting with
            // their FPIR (the impostor draw decides it, as in a mated search).
            (face.u_impostor <= group.search.fpir_for(lookalike), false)
        };
        let alert = alerted.then_some(Alert {
            time_s: face.time_s,
            person: face.person,
            wanted_index: if still_wanted {
                face.wanted_index
            } else {
                NOT_WANTED
            },
            group: face.group,
            site: face.site,
            is_true,
            face: face.face,
        });
        if let Some(a) = alert {
            alerts.push(a);
        }
        let mut tag = UNSAMPLED;
        if let Some(recorder) = recorder.filter(|_| face.sampled) {
            tag = record_face(
                recorder,
                &FaceSeen {
                    face: face.face,
                    person: face.person,
                    group: face.group,
                    wanted: still_wanted,
                    site: face.site,
                    capture_s: face.time_s,
                    alert,
                    pipeline: PIPELINE,
                },
            );
        }
        if PIPELINE {
            self.hour_faces.push(Face {
                capture_s: face.time_s,
                ready_s: 0.0,
                site: face.site,
                alert: if alert.is_some() {
                    (alerts.len() - 1) as u32
                } else {
                    NO_ALERT
                },
                mated: still_wanted,
                key: 0,
                tag,
            });
        }
        alert
    }
}

/// A wanted person's face, captured but not yet searched: whether its search
/// is mated depends on whether their warrant is still open at capture,
/// which the response chain decides. Its random draws are made at capture,
/// from the site's search stream, like every other face's.
#[derive(Debug, Clone, Copy)]
struct WantedFace {
    time_s: f64,
    person: u32,
    wanted_index: u32,
    group: u32,
    site: u32,
    u_genuine: f64,
    u_impostor: f64,
    /// The face's number (events only), and whether its events are sampled.
    face: u64,
    sampled: bool,
}

/// A site's random streams: who passes (counts and residents), and what
/// their searches yield. A non-mated search uses exactly one word of
/// `search` and a mated one exactly three, whatever the outcome, so the
/// faces and the searches' uniforms are the same under any matcher.
struct SiteStreams {
    arrivals: SimRng,
    search: SimRng,
    /// Capture times of faces without an alert (pipeline only).
    times: SimRng,
}

/// Where captured faces are recorded: per-resident counts, the hour's
/// alerts, (with a pipeline) the hour's faces, wanted people's faces to be
/// searched later, and (with events) events.
struct Collected<'a> {
    alerts: &'a mut Vec<Alert>,
    faces: &'a mut Vec<Face>,
    wanted: &'a mut Vec<WantedFace>,
    recorder: Option<&'a mut Recorder>,
}

/// An active stretch of one site's cameras within one hour.
#[derive(Debug, Clone, Copy)]
struct Interval {
    site: u32,
    start_s: f64,
    len_s: f64,
}

/// Residents drawn ahead of their search, for prefetching. Measured on
/// bench-city (16-byte records, 10 M residents): 8 → 24 M faces/s, 16 → 35 M,
/// 64 → 30 M, 128 → 26 M; further ahead, prefetched lines are evicted before
/// use. Results do not depend on it (draws and searches use separate streams).
const BATCH: usize = 16;

/// Asks the CPU to start loading `value`'s cache line.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint and never faults; the pointer comes
    // from a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            value as *const T as *const i8,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A Poisson draw; zero for a non-positive mean.
fn poisson(rng: &mut SimRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64)
}

/// Captures `n` faces of `block`'s members during `interval`, searches each
/// one, and collects the alerts — with `PIPELINE`, every face with its capture time,
/// and with `EVENTS`, the sampled faces' events. This is the hot loop of the
/// simulator.
#[inline]
fn capture_block<const PIPELINE: bool, const EVENTS: bool>(
    model: &Model,
    block: &Block,
    n: u64,
    interval: Interval,
    rngs: &mut SiteStreams,
    residents: &mut [Resident],
    out: &mut Collected,
) {
    if n == 0 || block.passers() == 0 {
        return;
    }
    let first = block.first_resident as usize;
    let members = &mut residents[first..first + block.residents as usize];
    // Avoiders are the block's last members: draw among the others.
    let size = block.passers() as u64;
    let site = interval.site as u16 + 1;
    // Residents are drawn a batch ahead and their records prefetched, so the
    // cache misses of a batch overlap instead of queueing one by one: a
    // city's records do not fit in cache, and this doubles speed.
    let mut picked = [0u32; BATCH];
    let mut left = n;
    while left > 0 {
        let batch = &mut picked[..left.min(BATCH as u64) as usize];
        left -= batch.len() as u64;
        for slot in batch.iter_mut() {
            *slot = below(rngs.arrivals.next_u64(), size) as u32;
            prefetch(&members[*slot as usize]);
        }
        for &member in batch.iter() {
            if member < block.wanted {
                defer_wanted::<EVENTS>(block, member, interval, rngs, out);
                continue;
            }
            let resident = &mut members[member as usize];
            resident.seen_at(site);
            let lookalike = resident.lookalike();
            search_face::<PIPELINE, EVENTS>(model, block, member, lookalike, interval, rngs, out);
        }
    }
}

/// The next face's number and whether its events are sampled (events only).
#[inline(always)]
fn next_face<const EVENTS: bool>(out: &mut Collected) -> (u64, bool) {
    match out.recorder.as_deref_mut() {
        Some(recorder) if EVENTS => recorder.next_face(),
        _ => (0, false),
    }
}

/// Draws what a wanted person's search will need — three words of the search
/// stream, as every mated search always used — and sets the face aside to be
/// searched in time order ([`Engine::search_wanted`]).
#[inline(never)]
fn defer_wanted<const EVENTS: bool>(
    block: &Block,
    member: u32,
    interval: Interval,
    rngs: &mut SiteStreams,
    out: &mut Collected,
) {
    let (face, sampled) = next_face::<EVENTS>(out);
    let rng = &mut rngs.search;
    let (u_genuine, u_impostor) = (open01(rng.next_u64()), open01(rng.next_u64()));
    let when = unit(rng.next_u64());
    out.wanted.push(WantedFace {
        time_s: interval.start_s + interval.len_s * when,
        person: block.first_resident + member,
        wanted_index: block.first_wanted + member,
        group: block.group,
        site: interval.site,
        u_genuine,
        u_impostor,
        face,
        sampled,
    });
}

/// Searches one face of a person not wanted — member `member` of `block`,
/// already counted on their record — and collects what it leaves: its alert, with `PIPELINE` its
/// place in the pipeline, with `EVENTS` its events. Shared by footfall's hot
/// loop and batch mode.
#[inline(always)]
fn search_face<const PIPELINE: bool, const EVENTS: bool>(
    model: &Model,
    block: &Block,
    member: u32,
    lookalike: f64,
    interval: Interval,
    rngs: &mut SiteStreams,
    out: &mut Collected,
) {
    let (face, sampled) = next_face::<EVENTS>(out);
    let alerted = search(
        model,
        block,
        member,
        lookalike,
        interval,
        &mut rngs.search,
        out.alerts,
    );
    if EVENTS && alerted {
        out.alerts.last_mut().expect("alerted").face = face;
    }
    let alert = alerted.then(|| out.alerts.len() - 1);
    // With a pipeline every face needs its capture time; without one
    // only alerts (and recorded events) do.
    let capture_s = match alert {
        Some(i) => out.alerts[i].time_s,
        None if PIPELINE => interval.start_s + interval.len_s * unit(rngs.times.next_u64()),
        None => f64::NAN,
    };
    let mut tag = UNSAMPLED;
    if EVENTS && sampled {
        let recorder = out.recorder.as_deref_mut().expect("EVENTS has a recorder");
        let capture_s = if capture_s.is_nan() {
            interval.start_s + interval.len_s * recorder.face_uniform(face)
        } else {
            capture_s
        };
        tag = record_face(
            recorder,
            &FaceSeen {
                face,
                person: block.first_resident + member,
                group: block.group,
                wanted: false,
                site: interval.site,
                capture_s,
                alert: alert.map(|i| out.alerts[i]),
                pipeline: PIPELINE,
            },
        );
    }
    if PIPELINE {
        out.faces.push(Face {
            capture_s,
            ready_s: 0.0,
            site: interval.site,
            alert: alert.map_or(NO_ALERT, |i| i as u32),
            mated: false,
            key: 0,
            tag,
        });
    }
}

/// A captured face, as [`record_face`] needs it.
struct FaceSeen {
    face: u64,
    person: u32,
    group: u32,
    /// Whether the search is mated (the person is wanted at capture).
    wanted: bool,
    site: u32,
    /// The capture time.
    capture_s: f64,
    /// The alert it raised, if any.
    alert: Option<Alert>,
    /// Whether the face goes through a recognition pipeline (its search is
    /// then decided later), or is searched at capture.
    pipeline: bool,
}

/// Records a sampled face's capture — and, searched at capture, its search
/// in the same record. With a pipeline, returns the tag under which the
/// recorder holds the face for its search or drop event (or `UNSAMPLED`).
#[inline]
fn record_face(recorder: &mut Recorder, seen: &FaceSeen) -> u32 {
    let wanted = seen.wanted;
    let mut detail = if wanted { events::WANTED } else { 0 };
    if recorder.wants(Kind::Capture) {
        detail |= events::CAPTURE_LINE;
    }
    if !seen.pipeline && recorder.wants(Kind::Search) {
        detail |= events::SEARCH_LINE;
        if let Some(a) = seen.alert {
            detail |= events::ALERTED | if a.is_true { events::ALERT_TRUE } else { 0 };
        }
    }
    let person = seen.person;
    if detail & (events::CAPTURE_LINE | events::SEARCH_LINE) != 0 {
        recorder.push(Event {
            t: seen.capture_s,
            face: seen.face,
            a: 0.0,
            b: 0.0,
            person,
            site: seen.site,
            group: seen.group,
            kind: Kind::Capture,
            detail,
        });
    }
    if seen.pipeline && (recorder.wants(Kind::Search) || recorder.wants(Kind::Drop)) {
        recorder.hold(HeldFace {
            face: seen.face,
            person,
            group: seen.group,
            site: seen.site,
            wanted,
        })
    } else {
        UNSAMPLED
    }
}

/// Searches the face of member `member` of `block`, not wanted, whose
/// false-match propensity is `lookalike` (1 for most), against the
/// watchlist, and collects an alert if it raises one (returning whether it
/// did). A non-mated search uses exactly one word of `rng`, whatever the
/// outcome.
#[inline(always)]
fn search(
    model: &Model,
    block: &Block,
    member: u32,
    lookalike: f64,
    interval: Interval,
    rng: &mut SimRng,
    alerts: &mut Vec<Alert>,
) -> bool {
    let group = &model.groups[block.group as usize];
    // Bernoulli(FPIR) on 64 bits; given an alert, bits / threshold is
    // uniform on [0, 1) and independent of everything else, so it also
    // places the alert in time.
    let bits = rng.next_u64();
    let threshold = if lookalike == 1.0 {
        group.search.false_alert_bits
    } else {
        // FPIR = 1 − F(T)^(m·L·N) for a person with propensity L.
        bernoulli_threshold(group.search.fpir_for(lookalike))
    };
    let alerted = bits < threshold;
    if alerted {
        let when = bits as f64 / threshold as f64;
        alerts.push(Alert {
            time_s: interval.start_s + interval.len_s * when,
            person: block.first_resident + member,
            wanted_index: NOT_WANTED,
            group: block.group,
            site: interval.site,
            is_true: false,
            face: 0,
        });
    }
    alerted
}

/// One resident's exposure in a replication, 16 bytes: captures, the first
/// five distinct sites that captured them, and their false-match propensity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct Resident {
    /// Captures.
    pub captures: u32,
    /// Distinct sites seen at, as site index + 1 (0: empty slot).
    sites: [u16; SITE_SLOTS],
    /// ln of the lookalike multiplier × 4096 (0: multiplier 1).
    log_lookalike: i16,
}

/// Distinct sites remembered per resident; trackability needs three.
const SITE_SLOTS: usize = 5;

impl Resident {
    /// Records a capture at `site` (index + 1).
    #[inline(always)]
    fn seen_at(&mut self, site: u16) {
        self.captures = self.captures.saturating_add(1);
        for slot in &mut self.sites {
            if *slot == site {
                return;
            }
            if *slot == 0 {
                *slot = site;
                return;
            }
        }
    }

    /// Distinct sites that captured the resident (at most five).
    pub fn distinct_sites(&self) -> usize {
        self.sites.iter().take_while(|&&s| s != 0).count()
    }

    /// The resident's false-match propensity multiplier.
    #[inline(always)]
    fn lookalike(&self) -> f64 {
        crate::model::matcher::lookalike_from_code(self.log_lookalike)
    }
}

/// Gives every resident a log-normal propensity with mean 1 and log-scale
/// σ = `spread`: ln L ~ N(−σ²/2, σ²), stored to 1/4096 in the log (see
/// [`crate::model::matcher::lookalike_code`], which the expectation uses too).
fn draw_lookalikes(residents: &mut [Resident], spread: f64, rng: &mut SimRng) {
    for r in residents.iter_mut() {
        let (a, b) = (rng.next_u64(), rng.next_u64());
        let z = (-2.0 * open01(a).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(b)).cos();
        r.log_lookalike = crate::model::matcher::lookalike_code(spread, z);
    }
}
