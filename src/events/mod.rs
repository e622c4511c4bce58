//! Event streams: what happens in a run, one event at a time, in virtual-time
//! order.
//!
//! A report says how many people were stopped; an event stream says who, where
//! and when. `survsim run --events PATH` writes one JSON object per line
//! (NDJSON) for jq, DuckDB or pandas; `survsim live` paces the same stream to
//! wall-clock time and serves it over TCP, as a dashboard feed or a load
//! generator for a real recognition pipeline. The schema, with an example
//! line of each kind, is in `docs/events.md`.
//!
//! # How events leave the engine
//!
//! The engine stays pure: it never does I/O. It records [`Event`]s in a
//! [`Recorder`] — only the kinds a [`Filter`] asks for, and only a sample of
//! the per-face kinds if asked — and, at the end of each simulated hour,
//! sorts them by virtual time and hands those before the hour's end to an
//! [`EventSink`]. Everything recorded during an hour's pass lies in that hour
//! or later (a face still queued in the recognition pipeline is decided in a
//! later hour, and its event waits for that hour's hand-over), so the stream
//! comes out in time order while memory stays bounded by about an hour's
//! events, whatever the length of the run. What the sink does — serialise to
//! a file on a writer thread ([`crate::drive::event_log`]), pace to the wall
//! clock and broadcast to TCP clients ([`crate::drive::live`]) — is the
//! caller's business, and a sink can stop the run (a closed pipe, Ctrl-C).
//!
//! ```
//! use std::ops::ControlFlow;
//! use survsim::events::{Event, EventSink, Filter, Kind};
//! use survsim::scenario::{Scenario, ScenarioSource};
//!
//! struct Count(usize);
//! impl EventSink for Count {
//!     fn accept(&mut self, events: &[Event]) -> ControlFlow<()> {
//!         self.0 += events.iter().filter(|e| e.kind == Kind::Alert).count();
//!         ControlFlow::Continue(())
//!     }
//! }
//! let scenario = Scenario::load(ScenarioSource::builtin_default(), &[]).unwrap();
//! let mut alerts = Count(0);
//! let mut engine = survsim::engine::Engine::new(&scenario.model);
//! let outcome = engine.run_with_events(0, &Filter::only(&[Kind::Alert]), &mut alerts);
//! let outcome = outcome.expect("the sink never stops the run");
//! assert_eq!(alerts.0 as u64, outcome.counts[survsim::metrics::Metric::Alerts]);
//! ```
//!
//! # Determinism
//!
//! Recording events draws no number from the simulation's streams: the
//! capture sample and the capture times of faces that need one are keyed
//! hashes of the face's number ([`crate::rng::STREAM_EVENTS`]). So a run
//! with events reports exactly what it reports without; the same scenario
//! and seed give a byte-identical event log, whatever the thread count; and
//! a sampled log's lines are lines of the full log (a smaller sample's, of a
//! larger one's).

mod event;
pub mod ndjson;
pub(crate) mod record;

pub use event::{AlertDetail, Detail, DropReason, Event, FaceDetail, SearchOutcome, Subject};
pub use record::Recorder;

use crate::error::InputError;
use std::ops::ControlFlow;

/// What happened. The per-face kinds (`Capture`, `Search`, `Drop`) are the
/// bulk — two or three a face — and can be sampled; the others follow an
/// alert through the response chain and are never sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// A usable face captured at a site.
    Capture,
    /// A face searched against the watchlist, with the outcome.
    Search,
    /// A face dropped by an overloaded recognition pipeline (never searched).
    Drop,
    /// An alert raised (when the search is decided), true or false.
    Alert,
    /// An operator's decision on an alert: confirmed or rejected.
    Review,
    /// An officer sent to a confirmed alert.
    Dispatch,
    /// The person stopped: correctly or wrongfully.
    Stop,
    /// A stop ending in an arrest, or a false arrest.
    Arrest,
    /// The person walked out of reach before a stop, and why.
    Lost,
}

impl Kind {
    /// Every kind, in the order of a face's journey.
    pub const ALL: [Kind; 9] = [
        Kind::Capture,
        Kind::Search,
        Kind::Drop,
        Kind::Alert,
        Kind::Review,
        Kind::Dispatch,
        Kind::Stop,
        Kind::Arrest,
        Kind::Lost,
    ];

    /// The name used in the stream and by `--events-kinds`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Capture => "capture",
            Kind::Search => "search",
            Kind::Drop => "drop",
            Kind::Alert => "alert",
            Kind::Review => "review",
            Kind::Dispatch => "dispatch",
            Kind::Stop => "stop",
            Kind::Arrest => "arrest",
            Kind::Lost => "lost",
        }
    }

    /// Whether the kind is one event per face (and so subject to sampling).
    pub fn per_face(self) -> bool {
        matches!(self, Kind::Capture | Kind::Search | Kind::Drop)
    }

    fn bit(self) -> u16 {
        1 << self as u8
    }
}

/// Why an alert's subject was lost in the crowd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LostReason {
    /// The pipeline decided the search after the person had gone.
    PipelineDelay,
    /// Waiting for an operator.
    AwaitingReview,
    /// Confirmed only after the person had gone.
    DuringReview,
    /// Waiting for a free officer.
    AwaitingOfficer,
    /// The officer arrived after the person had gone.
    BeforeStop,
    /// The officer found the person already arrested on another alert:
    /// not lost in the crowd, and counted apart (`found_arrested`).
    AlreadyArrested,
}

impl LostReason {
    /// Every reason, in the order of the chain.
    pub const ALL: [LostReason; 6] = [
        LostReason::PipelineDelay,
        LostReason::AwaitingReview,
        LostReason::DuringReview,
        LostReason::AwaitingOfficer,
        LostReason::BeforeStop,
        LostReason::AlreadyArrested,
    ];

    /// The name used in the stream.
    pub fn name(self) -> &'static str {
        match self {
            LostReason::PipelineDelay => "pipeline_delay",
            LostReason::AwaitingReview => "awaiting_review",
            LostReason::DuringReview => "during_review",
            LostReason::AwaitingOfficer => "awaiting_officer",
            LostReason::BeforeStop => "before_stop",
            LostReason::AlreadyArrested => "already_arrested",
        }
    }
}

/// Which events to record: a set of kinds, and the share of faces whose
/// per-face events (capture, search, drop) are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Filter {
    kinds: u16,
    /// Share of faces sampled, in [0, 1].
    pub capture_sample: f64,
}

impl Default for Filter {
    /// Every kind, every face.
    fn default() -> Self {
        Filter {
            kinds: Kind::ALL.iter().fold(0, |k, kind| k | kind.bit()),
            capture_sample: 1.0,
        }
    }
}

impl Filter {
    /// Only the given kinds, every face.
    pub fn only(kinds: &[Kind]) -> Self {
        Filter {
            kinds: kinds.iter().fold(0, |k, kind| k | kind.bit()),
            capture_sample: 1.0,
        }
    }

    /// Whether `kind` is recorded.
    pub fn wants(&self, kind: Kind) -> bool {
        self.kinds & kind.bit() != 0
    }

    /// Parses `--events-kinds` (`alert,stop,arrest`, or `all`) and
    /// `--capture-sample`.
    pub fn parse(kinds: Option<&str>, capture_sample: Option<f64>) -> Result<Self, InputError> {
        let mut filter = Filter::default();
        if let Some(list) = kinds {
            filter.kinds = 0;
            for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                if word == "all" {
                    filter.kinds = Filter::default().kinds;
                    continue;
                }
                let kind = Kind::ALL.iter().find(|k| k.name() == word).ok_or_else(|| {
                    InputError::whole(
                        "--events-kinds",
                        format!(
                            "unknown event kind `{word}`{}, expected `all` or some of {}",
                            crate::error::did_you_mean(word, Kind::ALL.map(|k| k.name())),
                            Kind::ALL.map(|k| format!("`{}`", k.name())).join(", ")
                        ),
                    )
                })?;
                filter.kinds |= kind.bit();
            }
            if filter.kinds == 0 {
                return Err(InputError::whole(
                    "--events-kinds",
                    "no event kind given, expected e.g. `alert,stop,arrest`",
                ));
            }
        }
        if let Some(p) = capture_sample {
            if !(0.0..=1.0).contains(&p) {
                return Err(InputError::whole(
                    "--capture-sample",
                    format!("expected a share of faces in [0, 1], got {p}"),
                ));
            }
            filter.capture_sample = p;
        }
        Ok(filter)
    }
}

/// Where the engine hands its events: an hour's worth at a time (or less),
/// in virtual-time order.
pub trait EventSink {
    /// Takes events in time order, continuing from the previous call.
    /// Returning `Break` stops the run (the engine then returns no outcome).
    fn accept(&mut self, events: &[Event]) -> ControlFlow<()>;
}

/// A sink that discards everything.
pub struct Discard;

impl EventSink for Discard {
    fn accept(&mut self, _: &[Event]) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl EventSink for Vec<Event> {
    fn accept(&mut self, events: &[Event]) -> ControlFlow<()> {
        self.extend_from_slice(events);
        ControlFlow::Continue(())
    }
}
