//! Drivers: everything that runs the engine against the outside world —
//! threads, files, sockets, the wall clock.
//!
//! The engine is pure: given a model and a replication number it computes
//! an [`Outcome`](crate::metrics::Outcome), and at most hands its events to
//! an [`EventSink`](crate::events::EventSink). It never spawns a thread,
//! opens a file or reads the clock: where a replication can use several
//! threads (the residents engine's response units, the face engine's
//! pipeline), [`replicate`] lends them through
//! [`Lend`](crate::engine::lend::Lend). So are the modules that define what a
//! command computes: [`crate::report`], [`crate::sweep`]'s plan, results and
//! charts, [`crate::stress`]'s searches, [`crate::validate`]'s checks. A
//! driver is the layer above them that makes those computations happen
//! somewhere:
//!
//! ```text
//!   main.rs (the binary)   flags → validated options; prints
//!        │
//!   drive/                 threads, files, sockets, the clock
//!        │
//!   engine/  events/  report  sweep  stress  validate      pure
//!        │
//!   model/  scenario/  metrics  stats  rng  error          pure
//! ```
//!
//! Arrows run down only: the engine and the pure modules never import a
//! driver. A driver never prints either: it hands progress to a callback
//! ([`sweep::Progress`], [`live::Notice`]) and returns what the user should
//! be told as values (the `notes` of [`run::RunOutput`] and
//! [`sweep::SweepOutput`]), and the binary decides whether and where to show
//! them (`-q`).
//!
//! The drivers:
//!
//! * [`replicate`] — independent replications on all cores, delivered in
//!   replication order whatever the thread count, as many workers as
//!   memory allows; fewer replications than threads share the threads out
//!   within each (the threads lent to the engine);
//! * [`memory`] — how much memory the process may still take (the least of
//!   `MemAvailable`, `ulimit -v` and its cgroups' limits);
//! * [`run`] — `survsim run`: replications gathered into a report;
//! * [`event_log`] — `run --events`: the engine on one thread, an NDJSON
//!   writer on another, a bounded channel between them;
//! * [`live`] — `survsim live`: the event stream paced to the wall clock and
//!   broadcast to TCP clients;
//! * [`sweep`] — `survsim sweep` and `merge`: grid points on all cores,
//!   checkpointed into an output directory;
//! * [`serve`] — `survsim serve`: what-ifs in the browser, over HTTP;
//! * [`stress`], [`validate`] — the probes of a stress search, and the
//!   scenarios of the published record, replicated;
//! * [`fit`] — `survsim fit`: a fit's chains on the cores;
//! * [`files`] — the scenario file and the files it names, read from disk;
//! * [`output`] — writing results: atomically to files, quietly to closed
//!   pipes.
//!
//! A driver is the place to add a new way of running the engine (a server,
//! a notebook kernel): the engine and the models need not change.
//!
//! ```
//! use survsim::drive::replicate::run_replications;
//! use survsim::scenario::{Scenario, ScenarioSource};
//!
//! let scenario = Scenario::load(ScenarioSource::builtin_default(), &[]).unwrap();
//! // The same outcomes, in the same order, on one thread or on four.
//! let one = run_replications(&scenario.model, 2, 1);
//! let four = run_replications(&scenario.model, 2, 4);
//! assert_eq!(one[1].counts, four[1].counts);
//! ```

pub mod event_log;
pub mod files;
pub mod fit;
pub mod live;
pub mod memory;
pub mod output;
pub mod replicate;
pub mod run;
pub mod serve;
pub mod stress;
pub mod sweep;
pub mod validate;
