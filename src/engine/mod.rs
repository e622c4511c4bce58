//! The engine: one replication of a scenario in virtual time.
//!
//! # A face's journey
//!
//! Read top to bottom, this module and the ones it names are the whole
//! story.
//!
//! 1. **Arrival and capture** ([`Engine::run`], hour by hour in
//!    `Engine::footfall`). Virtual time advances an hour at a time. A site's
//!    cameras run over parts of each hour, cut into segments at the edges of
//!    surges; over a segment its usable captures form a Poisson process at a
//!    constant rate (footfall, plus any surge, times the capture share). The
//!    passers from each (home zone, group) block are an independent thinning
//!    of it (the rate × the block's share of the site's footfall), so the
//!    engine draws a Poisson count per site, segment and block; that is the
//!    non-homogeneous Poisson process exactly, without an event per face.
//!    (Batch mode, `Engine::batch`, instead searches every resident once, at
//!    a uniform time.)
//! 2. **Who passed** ([`capture`]). A block's share of a site reflects its
//!    members' activity, home-zone bias and avoidance; each face is a member
//!    drawn uniformly from its block, so the same person can be captured many
//!    times, at many sites. Their [`Resident`] record counts captures and
//!    remembers the sites.
//! 3. **Search**. If the person is not wanted, the search is *non-mated*
//!    and alerts with probability FPIR — one 64-bit comparison, at capture.
//!    If they are wanted (one comparison: wanted people are the first members
//!    of their block), the face is set aside and searched in time order
//!    ([`wanted`]), against their warrant as the response chain knows it:
//!    while it is open the search is *mated*, the genuine score against the
//!    best of N − 1 impostors, sampled exactly
//!    ([`crate::model::Matcher::mated_search`]).
//! 4. **Alert**. An alerting face gets its capture time (uniform within its
//!    segment, as Poisson arrivals are given their count) and is handed, in
//!    time order, to the [`response::Response`] chain — directly, or after
//!    the delay of the recognition [`pipeline`]: review → dispatch → stop →
//!    arrest, a discrete-event simulation ([`queue`]) with operators and
//!    officers as FIFO resources ([`resource`]) and reneging when the person
//!    walks out of reach.
//! 5. **Events** (only with [`Engine::run_with_events`]). Each step above
//!    can also be recorded as an event — captures and searches of a sample
//!    of faces (numbered in drawing order), the chain's steps of every alert
//!    — and at each hour's end the hour's events go to the caller's sink in
//!    time order ([`crate::events`]). The hot loop has a copy without them.
//!
//! Per-face work is O(1) in the watchlist size and allocation-free: two or
//! three random words, an update of the resident's record and a comparison.
//! Memory is one 16-byte [`Resident`] record per resident.

mod activity;
mod capture;
pub mod lend;
pub(crate) mod pipeline;
pub(crate) mod queue;
mod resident;
pub mod residents;
pub(crate) mod resource;
pub(crate) mod response;
mod wanted;
mod wanted_search;
pub(crate) mod warrants;

pub use resident::Resident;

use crate::events::{Discard, EventSink, Filter, Recorder};
use crate::metrics::{CAPTURE_BUCKETS, Counts, GroupMetric, HOURS_OF_DAY, Metric, Outcome};
use crate::model::HOUR_S;
use crate::model::deployment_index;
use crate::model::{EngineKind, Mode, Model};
use crate::model::{NO_DEPLOYMENT, Stretch};
use crate::rng::{
    STREAM_ACTIVITY, STREAM_LOOKALIKE, STREAM_POOL, STREAM_RESPONSE, STREAM_SITE_ARRIVALS,
    STREAM_SITE_SEARCH, STREAM_SITE_TIMES, stream,
};
use activity::Activity;
use capture::{
    Collected, Interval, People, SiteStreams, WantedFace, capture_block, defer_wanted,
    poisson_rand_distr, search_face,
};
use lend::{Lend, OneThread};
use pipeline::{Face, PipelineOutcome, PipelineState};
use resident::draw_lookalikes;
use response::{Alert, Response};
use std::ops::ControlFlow;

/// Bytes one [`Engine`] holds for `model`: a 16-byte record per resident
/// (32 more with activity spread, for its alias table and building it) and, with a pipeline, the busiest hour's faces (its mean plus six
/// standard deviations of Poisson noise), plus a megabyte for the rest.
/// Alerts are few and not counted.
pub fn memory_bytes(model: &Model) -> u64 {
    if model.engine == EngineKind::Residents {
        return residents::memory_bytes(model);
    }
    let per_resident = std::mem::size_of::<Resident>() as u64
        + model
            .activity_shape
            .map_or(0, |_| Activity::BYTES_PER_RESIDENT);
    let records = model.residents as u64 * per_resident;
    let hour_faces = match model.pipeline {
        Some(_) => (0..24)
            .map(|h| model.sites.iter().map(|s| pipeline_hour_faces(s, h)).sum())
            .fold(0.0, f64::max),
        None => 0.0,
    };
    let faces = hour_faces + 6.0 * hour_faces.sqrt();
    records + (faces * std::mem::size_of::<Face>() as f64) as u64 + (1 << 20)
}

/// The faces `site` sends a pipeline in hour `hour` of the clock, as
/// [`memory_bytes`] counts them: a scheduled site at its segments' rates
/// times its busiest deployment's scale.
pub fn pipeline_hour_faces(site: &crate::model::Site, hour: usize) -> f64 {
    let scale = site
        .schedule
        .iter()
        .map(|w| w.scale)
        .fold(if site.schedule.is_empty() { 1.0 } else { 0.0 }, f64::max);
    site.segments_in_hour[hour]
        .iter()
        .map(|seg| seg.captures_per_s * (seg.end_s - seg.start_s))
        .sum::<f64>()
        * scale
}

/// Runs replication `rep` of `model`, with the engine the model chose, and
/// returns what it counted.
pub fn run_replication(model: &Model, rep: u64) -> Outcome {
    Replicator::new(model).run(rep)
}

/// A worker's engine for one model, reusable across replications: the face
/// engine's per-resident memory, or the residents engine's plan, as
/// [`Model::engine`] says.
pub enum Replicator<'m> {
    /// Face by face (boxed: its buffers are the larger variant).
    Faces(Box<Engine<'m>>),
    /// Per resident.
    Residents(residents::Plan<'m>),
}

impl<'m> Replicator<'m> {
    /// The engine `model` chose, ready to run.
    pub fn new(model: &'m Model) -> Self {
        match model.engine {
            EngineKind::Faces => Replicator::Faces(Box::new(Engine::new(model))),
            EngineKind::Residents => Replicator::Residents(residents::Plan::new(model)),
        }
    }

    /// Runs replication `rep`: the same `rep` and model give the same outcome.
    pub fn run(&mut self, rep: u64) -> Outcome {
        match self {
            Replicator::Faces(engine) => engine.run(rep),
            Replicator::Residents(plan) => plan.run(rep),
        }
    }
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
    /// Faces captured, per hour of the clock (footfall mode).
    faces_by_hour: [u64; HOURS_OF_DAY],
    /// Faces of wanted people captured while their warrant was open.
    wanted_faces: u64,
    /// With a deployment schedule, per deployment: its faces captured, and
    /// those of wanted people on its list captured while wanted.
    faces_by_deployment: Vec<Counts>,
    /// A site's stretches in the current hour.
    stretches: Vec<Stretch>,
    /// With activity spread: who, within a block, passes.
    activity: Activity,
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
            faces_by_hour: [0; HOURS_OF_DAY],
            wanted_faces: 0,
            faces_by_deployment: vec![Counts::default(); model.deployments.len()],
            stretches: Vec::new(),
            activity: Activity::default(),
        }
    }

    /// Runs replication `rep`: the same `rep` and model give the same outcome.
    pub fn run(&mut self, rep: u64) -> Outcome {
        self.run_lent(rep, &OneThread)
    }

    /// [`Engine::run`] on the workers `lend` lends (with a pipeline, its
    /// hourly sort and merge; otherwise one worker): the same outcome,
    /// byte for byte.
    pub fn run_lent(&mut self, rep: u64, lend: &dyn Lend) -> Outcome {
        self.run_recording(rep, None, &mut Discard, lend)
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
        self.run_recording(rep, Some(recorder), sink, &OneThread)
    }

    fn run_recording(
        &mut self,
        rep: u64,
        recorder: Option<Recorder>,
        sink: &mut dyn EventSink,
        lend: &dyn Lend,
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
        if let Some(shape) = model.activity_shape {
            self.activity.draw(
                model,
                shape,
                &mut stream(model.seed, &[rep, STREAM_ACTIVITY]),
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
        let mut response =
            Response::new(model, stream(model.seed, &[rep, STREAM_RESPONSE])).with_warrants(rep);
        response.recorder = recorder;
        self.faces_by_group.fill(0);
        self.faces_by_hour = [0; HOURS_OF_DAY];
        self.wanted_faces = 0;
        self.faces_by_deployment.fill(Counts::default());

        let mut pipeline = model.pipeline.as_ref().map(|p| {
            PipelineState::new(model, p, |pool| {
                stream(model.seed, &[rep, STREAM_POOL, pool])
            })
        });
        let flow = match model.mode {
            Mode::Footfall => {
                self.footfall(&mut site_rngs, &mut response, pipeline.as_mut(), sink, lend)
            }
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
        outcome.counts[Metric::WantedFacesCaptured] = self.wanted_faces;
        outcome.counts[Metric::WantedFacesAlerted] = outcome.counts[Metric::TrueAlerts];
        outcome.time_of_day.faces = self.faces_by_hour;
        for (gi, &faces) in faces_by_group.iter().enumerate() {
            outcome.groups[gi][GroupMetric::FacesCaptured] = faces;
        }
        for (counts, faces) in outcome
            .deployments
            .iter_mut()
            .zip(&self.faces_by_deployment)
        {
            *counts += faces;
            counts[Metric::WantedFacesAlerted] = counts[Metric::TrueAlerts];
        }
        self.count_who_was_seen(&mut outcome);
        Some(outcome)
    }

    /// Who was seen: per block, and the exposure of every resident.
    fn count_who_was_seen(&self, outcome: &mut Outcome) {
        let model = self.model;
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
        lend: &dyn Lend,
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
                let mut stretches = std::mem::take(&mut self.stretches);
                site.stretches(hour, &mut stretches);
                for stretch in &stretches {
                    let t0 = stretch.start_s;
                    let t1 = stretch.end_s.min(hour_end);
                    if t1 <= t0 || stretch.captures_per_s <= 0.0 {
                        continue;
                    }
                    let interval = Interval {
                        site: site_index as u32,
                        start_s: t0,
                        len_s: t1 - t0,
                        deployment: stretch.deployment,
                    };
                    for &(block_index, share) in &site.block_shares {
                        // Its wanted members are those on the deployment's list.
                        let block = &model.block_at(block_index as usize, stretch.deployment);
                        // With activity spread, the block's rate is its
                        // members' realised activity's (see `activity`).
                        let activity_scale = match model.activity_shape {
                            Some(_) => self.activity.scale(block_index as usize),
                            None => 1.0,
                        };
                        let n = poisson_rand_distr(
                            &mut rngs.arrivals,
                            stretch.captures_per_s * interval.len_s * share * activity_scale,
                        );
                        self.faces_by_group[block.group as usize] += n;
                        self.faces_by_hour[hour_of_day] += n;
                        if let Some(d) = deployment_index(stretch.deployment) {
                            self.faces_by_deployment[d][Metric::FacesCaptured] += n;
                        }
                        let out = &mut Collected {
                            alerts: &mut self.hour_alerts,
                            faces: &mut self.hour_faces,
                            wanted: &mut self.hour_wanted,
                            recorder: response.recorder.as_mut(),
                        };
                        let activity = model.activity_shape.map(|_| &self.activity);
                        capture(
                            model,
                            block,
                            n,
                            interval,
                            rngs,
                            People {
                                residents: &mut self.residents,
                                activity,
                            },
                            out,
                        );
                    }
                }
                self.stretches = stretches;
            }
            match pipeline.as_deref_mut() {
                Some(p) => {
                    self.search_wanted_at_hour_start::<true>(response);
                    p.process_hour(
                        &mut self.hour_faces,
                        &self.hour_alerts,
                        hour_end,
                        response,
                        lend,
                    )
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
            deployment: NO_DEPLOYMENT,
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
}
