//! The recognition pipeline in virtual time: camera → detection → transfer →
//! matching queue → decision.
//!
//! No event per face is needed. Each site's detection is one FIFO server
//! (its cameras' combined capacity) fed in capture order, so a face's
//! detection end is the Lindley recursion d = max(capture, d_prev) + s.
//! Detected faces reach their matcher pool after a fixed transfer latency;
//! a pool is a [`Resource`] — c servers and a bounded FIFO queue — fed in
//! arrival order: before each arrival, queued faces start on servers that
//! have become free (a [`TimeQueue`] of the busy servers' free times), then
//! the arrival starts at once, joins the queue, or — the queue being full —
//! is dropped (drop-newest) or pushes out the face that waited longest
//! (drop-oldest). A dropped face is never searched. A face's decision comes
//! when its service ends; alerts are handed to the response chain in
//! decision order (ties in the order decided).
//!
//! Faces are processed an hour at a time and queues carry over from one
//! hour to the next, so the state is bounded by an hour's faces. Putting
//! them in order is most of the work ([`order`]): one sort and a merge,
//! which can use threads the driver lends ([`Lend`]).

mod order;

use super::lend::Lend;
use super::queue::TimeQueue;
use super::resource::{Arrival, Resource};
use super::response::{Alert, Response, search_outcome};
use crate::events::record::UNSAMPLED;
use crate::events::{DropReason, Event, FaceDetail, Recorder};
use crate::metrics::{Latencies, Metric, Outcome, PoolStats};
use crate::model::HOUR_S;
use crate::model::Model;
use crate::model::{Overload, Pipeline, Pool};

/// Seconds in a minute: the resolution of the busiest hour's utilisation.
const MINUTE_S: f64 = 60.0;
use crate::rng::SimRng;
use std::sync::Mutex;

/// Marks a face that raised no alert.
pub const NO_ALERT: u32 = u32::MAX;

/// A captured face on its way through the pipeline.
#[derive(Debug, Clone, Copy)]
pub struct Face {
    /// Capture time, s.
    pub capture_s: f64,
    /// Arrival at the matcher pool, s (set by detection).
    pub ready_s: f64,
    /// Site index.
    pub site: u32,
    /// Index into the hour's alerts, or [`NO_ALERT`].
    pub alert: u32,
    /// Whether the person is wanted (a mated search).
    pub mated: bool,
    /// Sort key, set by the pipeline.
    pub key: u64,
    /// With events: the recorder's tag for a sampled face, or
    /// `UNSAMPLED`.
    pub tag: u32,
}

/// A face waiting in, or served by, a pool.
#[derive(Debug, Clone, Copy)]
struct Job {
    capture_s: f64,
    alert: Option<Alert>,
    mated: bool,
    tag: u32,
}

/// A sampled face's search or drop, to be recorded once the pools have run.
#[derive(Debug, Clone, Copy)]
struct Noted {
    tag: u32,
    t: f64,
    detail: FaceDetail,
}

/// One pool's servers and queue.
struct PoolState<'m> {
    pool: &'m Pool,
    rng: SimRng,
    /// The matchers, and the faces waiting for one.
    servers: Resource<Job>,
    /// When each busy server becomes free. Only busy servers are here, so a
    /// lightly loaded large pool stays cheap.
    busy_until: TimeQueue<()>,
    /// Time up to which the queue-length integral is accounted.
    accounted_s: f64,
    /// Arrivals in the current minute, for the peak offered load.
    minute: u64,
    minute_count: u64,
    /// Server-seconds busy in each minute of the run, for the busiest
    /// hour's utilisation.
    minute_busy_s: Vec<f64>,
    duration_s: f64,
    stats: PoolStats,
}

impl<'m> PoolState<'m> {
    fn new(pool: &'m Pool, rng: SimRng, duration_s: f64) -> Self {
        let minutes = (duration_s / MINUTE_S).ceil().max(1.0) as usize;
        PoolState {
            pool,
            rng,
            servers: Resource::new(pool.servers, pool.queue_capacity),
            busy_until: TimeQueue::new(),
            accounted_s: 0.0,
            minute: 0,
            minute_count: 0,
            minute_busy_s: vec![0.0; minutes],
            duration_s,
            stats: PoolStats::default(),
        }
    }

    /// Books a server busy over [start, end) to the minutes it spans (none
    /// after the run's end: the drain of the last queue).
    fn book_busy(&mut self, start: f64, end: f64) {
        let mut t = start;
        while t < end && t < self.duration_s {
            let minute = ((t / MINUTE_S) as usize).min(self.minute_busy_s.len() - 1);
            let until = end.min(((minute + 1) as f64 * MINUTE_S).min(self.duration_s));
            if until <= t {
                break;
            }
            self.minute_busy_s[minute] += until - t;
            t = until;
        }
    }

    /// Busy server time ÷ (servers × an hour) in the busiest 60 minutes of
    /// the run (any 60 consecutive minutes; the whole run if it is shorter).
    fn peak_hour_utilisation(&self) -> f64 {
        let per_hour = (HOUR_S / MINUTE_S) as usize;
        let window = per_hour.min(self.minute_busy_s.len());
        let span_s = (window as f64 * MINUTE_S).min(self.duration_s);
        let mut busy: f64 = self.minute_busy_s[..window].iter().sum();
        let mut peak = busy;
        for i in window..self.minute_busy_s.len() {
            busy += self.minute_busy_s[i] - self.minute_busy_s[i - window];
            peak = peak.max(busy);
        }
        peak / (self.pool.servers as f64 * span_s)
    }

    fn account(&mut self, t: f64) {
        // The final drain runs to infinity with an empty queue: nothing to add.
        if t > self.accounted_s && t.is_finite() {
            self.stats.queue_area += self.servers.waiting() as f64 * (t - self.accounted_s);
            self.accounted_s = t;
        }
    }

    /// Starts queued faces on servers as they free up, up to `t`; servers
    /// still free at `t` become idle. (Faces wait only when no server is idle.)
    fn start_waiting_until(&mut self, t: f64, out: &mut Decisions) {
        while let Some((free, ())) = self.busy_until.pop_until(t) {
            // Faces leave a pool's queue only by service or a drop.
            if let Some(job) = self.servers.release(|_| true) {
                self.account(free);
                self.serve(job, free, out);
            }
        }
        self.account(t);
    }

    /// Starts `job` at `start` on a server that has just been taken.
    fn serve(&mut self, job: Job, start: f64, out: &mut Decisions) {
        let service = self.pool.service_time.sample(&mut self.rng);
        let done = start + service;
        self.busy_until.push(done, ());
        self.stats.busy_s += service;
        self.book_busy(start, done);
        self.stats.served += 1;
        out.latency
            .capture_to_decision
            .saturating_record(((done - job.capture_s) * 1e6) as u64);
        if job.tag != UNSAMPLED {
            out.noted.push(Noted {
                tag: job.tag,
                t: done,
                detail: FaceDetail::Search {
                    outcome: search_outcome(job.alert.as_ref()),
                    decision_s: done - job.capture_s,
                },
            });
        }
        if let Some(alert) = job.alert {
            out.decided.push(done, alert);
        }
    }

    fn arrive(&mut self, t: f64, job: Job, out: &mut Decisions) {
        let minute = (t / 60.0) as u64;
        if minute != self.minute {
            self.stats.peak_per_minute = self.stats.peak_per_minute.max(self.minute_count);
            self.minute = minute;
            self.minute_count = 0;
        }
        self.minute_count += 1;
        self.stats.arrivals += 1;
        self.start_waiting_until(t, out);
        match self.servers.arrive(job) {
            Arrival::Starts(job) => self.serve(job, t, out),
            Arrival::Waits => {}
            Arrival::TurnedAway(job) => self.drop_one(t, job, out),
        }
        self.stats.max_queue = self.stats.max_queue.max(self.servers.waiting() as u64);
    }

    /// The queue is full when `job` arrives: it is dropped, or (drop-oldest)
    /// pushes out the face that waited longest.
    fn drop_one(&mut self, t: f64, job: Job, out: &mut Decisions) {
        let (dropped, reason) = match self.pool.overload {
            Overload::DropOldest if self.servers.waiting() > 0 => {
                (self.servers.push_out(job), DropReason::PushedOut)
            }
            _ => (job, DropReason::QueueFull),
        };
        if dropped.tag != UNSAMPLED {
            out.noted.push(Noted {
                tag: dropped.tag,
                t,
                detail: FaceDetail::Drop {
                    reason,
                    since_capture_s: t - dropped.capture_s,
                },
            });
        }
        self.stats.dropped += 1;
        out.dropped += 1;
        if dropped.mated {
            out.wanted_dropped += 1;
        }
    }

    fn finish(&mut self) -> PoolStats {
        self.stats.peak_per_minute = self.stats.peak_per_minute.max(self.minute_count);
        self.stats.peak_hour_utilisation = self.peak_hour_utilisation();
        self.stats
    }
}

/// Decisions made, waiting to be handed to the response chain in order.
#[derive(Default)]
struct Decisions {
    /// Alerts by decision time (ties in the order decided).
    decided: TimeQueue<Alert>,
    latency: Latencies,
    dropped: u64,
    wanted_dropped: u64,
    /// Sampled faces' searches and drops, with events.
    noted: Vec<Noted>,
}

impl Decisions {
    /// Records the sampled faces' searches and drops noted so far.
    fn record(&mut self, recorder: Option<&mut Recorder>) {
        let Some(recorder) = recorder else {
            return;
        };
        for noted in self.noted.drain(..) {
            let face = recorder.release(noted.tag);
            if recorder.wants(noted.detail.kind()) {
                let event = Event::of_face(noted.t, face.subject, face.wanted, noted.detail);
                recorder.push(event);
            }
        }
    }
}

/// The pipeline's state over one replication.
pub struct PipelineState<'m> {
    pipeline: &'m Pipeline,
    detection_free_s: Vec<f64>,
    /// Each pool's sites.
    pool_sites: Vec<Vec<usize>>,
    /// Where each site's faces lie in the hour's faces, once sorted.
    site_runs: Vec<(usize, usize)>,
    pools: Vec<PoolState<'m>>,
    decisions: Decisions,
}

impl<'m> PipelineState<'m> {
    /// Empty queues; `rng_for_pool(i)` gives pool i's service-time stream.
    pub fn new(
        model: &'m Model,
        pipeline: &'m Pipeline,
        rng_for_pool: impl Fn(u64) -> SimRng,
    ) -> Self {
        let mut pool_sites = vec![Vec::new(); pipeline.pools.len()];
        for (site, &pool) in pipeline.site_pool.iter().enumerate() {
            pool_sites[pool].push(site);
        }
        PipelineState {
            pipeline,
            detection_free_s: vec![0.0; model.sites.len()],
            pool_sites,
            site_runs: vec![(0, 0); model.sites.len()],
            pools: pipeline
                .pools
                .iter()
                .enumerate()
                .map(|(i, p)| PoolState::new(p, rng_for_pool(i as u64), model.duration_s))
                .collect(),
            decisions: Decisions::default(),
        }
    }

    /// Runs an hour's faces through detection and the pools, then hands the
    /// response chain every alert decided before `hour_end`. The sort and
    /// merge use the workers `lend` lends; the result does not depend on
    /// how many.
    pub fn process_hour(
        &mut self,
        faces: &mut [Face],
        hour_alerts: &[Alert],
        hour_end: f64,
        response: &mut Response<'m>,
        lend: &dyn Lend,
    ) {
        // Sorting is most of the pipeline's cost, so faces are sorted on one
        // integer key, the site in the top 16 bits and the time since the
        // hour began, in nanoseconds, below (2^48 ns ≈ 78 h), ties broken by
        // the exact fields (see `order`).
        let hour_start = hour_end - crate::model::HOUR_S;
        for face in faces.iter_mut() {
            face.key =
                ((face.site as u64) << 48) | ((face.capture_s - hour_start).max(0.0) * 1e9) as u64;
        }
        order::sort_for_detection(faces, lend, lend.workers());
        // Detection: each site's faces in capture order through its FIFO.
        let transfer = self.pipeline.transfer_s;
        self.site_runs.fill((0, 0));
        for (i, face) in faces.iter_mut().enumerate() {
            let s = face.site as usize;
            if self.site_runs[s].1 == 0 {
                self.site_runs[s].0 = i;
            }
            self.site_runs[s].1 = i + 1;
            let start = face.capture_s.max(self.detection_free_s[s]);
            self.detection_free_s[s] = start + self.pipeline.detection_service_s[s];
            face.ready_s = self.detection_free_s[s] + transfer;
        }
        // Matching: each pool's faces in arrival order, merged from its
        // sites' runs (a FIFO's departures are in order).
        let arrive = |pool: &mut PoolState<'m>, face: &Face, out: &mut Decisions| {
            let job = Job {
                capture_s: face.capture_s,
                alert: (face.alert != NO_ALERT).then(|| hour_alerts[face.alert as usize]),
                mated: face.mated,
                tag: face.tag,
            };
            pool.arrive(face.ready_s, job, out);
        };
        if lend.workers() > 1 && faces.len() >= order::PARALLEL_MIN {
            self.match_beside_merge(faces, arrive, lend);
        } else {
            for (pool, sites) in self.pools.iter_mut().zip(&self.pool_sites) {
                let runs = sites.iter().map(|&s| self.site_runs[s]);
                order::merge_by_arrival(faces, runs, |i| {
                    arrive(pool, &faces[i], &mut self.decisions)
                });
            }
        }
        for pool in &mut self.pools {
            pool.start_waiting_until(hour_end, &mut self.decisions);
        }
        self.decisions.record(response.recorder.as_mut());
        self.release_until(hour_end, response);
    }

    /// The matching of [`PipelineState::process_hour`] on two lent
    /// workers: one merges the faces into arrival order, a chunk at a time,
    /// while the other runs them through the pools, in the same order as on
    /// one thread.
    fn match_beside_merge(
        &mut self,
        faces: &[Face],
        arrive: impl Fn(&mut PoolState<'m>, &Face, &mut Decisions) + Sync,
        lend: &dyn Lend,
    ) {
        /// Faces per chunk: enough to make a hand-over rare, few enough
        /// to stay in cache.
        const CHUNK: usize = 4096;
        let (pool_sites, site_runs) = (&self.pool_sites, &self.site_runs);
        let (tx, rx) = crossbeam_channel::bounded::<(usize, Vec<usize>)>(4);
        // Each worker takes its end of the channel (dropping it when done
        // or unwinding, which releases the other) and the matcher the
        // pools: locks taken once, never contended.
        let tx = Mutex::new(Some(tx));
        let rx = Mutex::new(Some(rx));
        let matching = Mutex::new((&mut self.pools, &mut self.decisions));
        lend.run(2, &|worker| {
            if worker == 1 {
                let Some(tx) = tx.lock().unwrap_or_else(|p| p.into_inner()).take() else {
                    return;
                };
                for (p, sites) in pool_sites.iter().enumerate() {
                    let runs = sites.iter().map(|&s| site_runs[s]);
                    let mut chunk = Vec::with_capacity(CHUNK);
                    order::merge_by_arrival(faces, runs, |i| {
                        chunk.push(i);
                        if chunk.len() == CHUNK {
                            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                            // The receiver goes only if the queueing panics.
                            let _ = tx.send((p, full));
                        }
                    });
                    let _ = tx.send((p, chunk));
                }
                return;
            }
            let Some(rx) = rx.lock().unwrap_or_else(|p| p.into_inner()).take() else {
                return;
            };
            let mut matching = matching.lock().unwrap_or_else(|p| p.into_inner());
            let (pools, decisions) = &mut *matching;
            for (p, chunk) in rx {
                for i in chunk {
                    arrive(&mut pools[p], &faces[i], decisions);
                }
            }
        });
    }

    fn release_until(&mut self, t: f64, response: &mut Response<'m>) {
        while let Some((decided, alert)) = self.decisions.decided.pop_before(t) {
            response.run_until(decided);
            response.raise(alert, decided);
        }
    }

    /// Drains the queues and hands over the remaining decisions.
    pub fn finish(mut self, response: &mut Response<'m>, outcome_extra: &mut PipelineOutcome) {
        for pool in &mut self.pools {
            pool.start_waiting_until(f64::INFINITY, &mut self.decisions);
        }
        self.decisions.record(response.recorder.as_mut());
        self.release_until(f64::INFINITY, response);
        outcome_extra.pools = self.pools.iter_mut().map(|p| p.finish()).collect();
        outcome_extra.dropped = self.decisions.dropped;
        outcome_extra.wanted_dropped = self.decisions.wanted_dropped;
        outcome_extra.capture_to_decision = Some(self.decisions.latency.capture_to_decision);
    }
}

/// What the pipeline adds to a replication's outcome.
#[derive(Default)]
pub struct PipelineOutcome {
    /// Per pool.
    pub pools: Vec<PoolStats>,
    /// Faces dropped (not searched).
    pub dropped: u64,
    /// ... of wanted people.
    pub wanted_dropped: u64,
    /// Capture → decision latencies.
    pub capture_to_decision: Option<hdrhistogram::Histogram<u64>>,
}

impl PipelineOutcome {
    /// Adds these figures to `outcome`.
    pub fn merge_into(self, outcome: &mut Outcome) {
        outcome.counts[Metric::FacesDropped] = self.dropped;
        outcome.counts[Metric::WantedFacesDropped] = self.wanted_dropped;
        outcome.pools = self.pools;
        if let Some(h) = self.capture_to_decision {
            outcome.decision_p99_us = (!h.is_empty()).then(|| h.value_at_quantile(0.99));
            outcome.latency.capture_to_decision = h;
        }
    }
}
