//! The engine's side of an event stream: a buffer of the events recorded
//! since the last hand-over, sorted by virtual time when handed over.

use super::{Event, EventSink, Filter, Kind, Subject};
use crate::rng::{STREAM_EVENTS, derive_seed, unit};
use std::ops::ControlFlow;

/// Marks a face whose per-face events are not recorded.
pub const UNSAMPLED: u32 = u32::MAX;

/// What the recorder remembers of a sampled face while the recognition
/// pipeline holds it, to write its search or drop event later.
#[derive(Debug, Clone, Copy)]
pub struct HeldFace {
    /// The face, its person, group and site.
    pub subject: Subject,
    /// On the watchlist.
    pub wanted: bool,
}

/// Events recorded during a run, waiting to be handed over in time order.
pub struct Recorder {
    filter: Filter,
    /// Whether any per-face kind is recorded.
    per_face: bool,
    /// Sample faces with `bits < sample_bits`, unless `sample_all`.
    sample_all: bool,
    sample_bits: u64,
    /// Keys of the per-face hashes that choose the sample and the capture
    /// times the simulation does not draw. A hash of the face number rather
    /// than a stream, so that a face gets the same time whatever the sample,
    /// and a smaller sample is a subset of a larger one.
    sample_key: u64,
    time_key: u64,
    /// The next face's number.
    next_face: u64,
    buf: Vec<Event>,
    /// Sampled faces inside the pipeline, by tag; free tags.
    held: Vec<HeldFace>,
    free: Vec<u32>,
    /// Events handed over so far.
    handed: u64,
}

impl Recorder {
    /// An empty recorder for replication `rep` of a run seeded `seed`.
    pub fn new(filter: &Filter, seed: u64, rep: u64) -> Self {
        let p = filter.capture_sample;
        Recorder {
            filter: *filter,
            per_face: Kind::ALL.iter().any(|&k| k.per_face() && filter.wants(k)) && p > 0.0,
            sample_all: p >= 1.0,
            sample_bits: crate::rng::bernoulli_threshold(p),
            sample_key: derive_seed(seed, &[rep, STREAM_EVENTS, 0]),
            time_key: derive_seed(seed, &[rep, STREAM_EVENTS, 1]),
            next_face: 0,
            buf: Vec::new(),
            held: Vec::new(),
            free: Vec::new(),
            handed: 0,
        }
    }

    /// Whether `kind` is recorded.
    #[inline]
    pub fn wants(&self, kind: Kind) -> bool {
        self.filter.wants(kind)
    }

    /// Numbers the next face, and says whether its per-face events are
    /// recorded.
    #[inline]
    pub fn next_face(&mut self) -> (u64, bool) {
        let face = self.next_face;
        self.next_face += 1;
        let sampled = self.per_face
            && (self.sample_all || derive_seed(self.sample_key, &[face]) < self.sample_bits);
        (face, sampled)
    }

    /// A uniform number in [0, 1) that belongs to `face`, for a capture time
    /// the simulation itself does not need.
    #[inline]
    pub fn face_uniform(&self, face: u64) -> f64 {
        unit(derive_seed(self.time_key, &[face]))
    }

    /// Records an event.
    #[inline]
    pub fn push(&mut self, event: Event) {
        self.buf.push(event);
    }

    /// Remembers a sampled face entering the pipeline; returns its tag.
    pub fn hold(&mut self, face: HeldFace) -> u32 {
        match self.free.pop() {
            Some(tag) => {
                self.held[tag as usize] = face;
                tag
            }
            None => {
                self.held.push(face);
                (self.held.len() - 1) as u32
            }
        }
    }

    /// Forgets the face held under `tag` and returns it.
    pub fn release(&mut self, tag: u32) -> HeldFace {
        self.free.push(tag);
        self.held[tag as usize]
    }

    /// Sorts what was recorded by time (ties in recording order) and hands
    /// the sink every event before `until_s`; later ones wait for a later
    /// call. The sink may stop the run.
    pub fn flush(&mut self, until_s: f64, sink: &mut dyn EventSink) -> ControlFlow<()> {
        // Times are non-negative, so their bits order like the times; the
        // sort is stable, so simultaneous events keep their causal order.
        self.buf.sort_by_key(|e| e.t.to_bits());
        let ready = self.buf.partition_point(|e| e.t < until_s);
        if ready == 0 {
            return ControlFlow::Continue(());
        }
        self.handed += ready as u64;
        let flow = sink.accept(&self.buf[..ready]);
        self.buf.drain(..ready);
        flow
    }

    /// Events handed over so far.
    pub fn handed(&self) -> u64 {
        self.handed
    }
}
