//! # survsim — a streaming simulator of live facial-recognition surveillance
//!
//! A scenario describes a city: residents in demographic groups, camera sites
//! and their footfall, a watchlist, a matcher's score distributions and
//! threshold, and the people who review alerts and stop those flagged. The
//! engine runs it in virtual time, reproducibly from a seed, and reports the
//! funnel from faces scanned to false arrests beside its closed-form
//! expectations.
//!
//! The modules, in the order a run uses them:
//!
//! * [`spec`] — the scenario file as written: TOML, `--set` overrides, errors
//!   that point at keys;
//! * [`model`] — the validated runtime model, and closed-form expectations;
//! * [`scenario`] — a scenario loaded: its source, overrides and model;
//! * [`engine`] — one replication: a face's journey from capture to arrest;
//! * [`metrics`] — what a replication counts, each metric defined once;
//! * [`report`] — aggregation over replications, rendered as a table or JSON;
//! * [`format`](mod@format) — numbers as people and JSON readers see them;
//! * [`events`] — the event stream and its NDJSON encoding;
//! * [`sweep`], [`stress`], [`validate`] — grids of what-ifs, pipeline limits,
//!   and the published record;
//! * [`drive`] — the drivers: replications on all cores, event logs, the
//!   live TCP feed, sweeps into directories, atomic output files.
//!
//! ```
//! use survsim::scenario::{Scenario, ScenarioSource};
//! let scenario = Scenario::load(ScenarioSource::builtin_default(), &[]).unwrap();
//! let outcome = survsim::engine::run_replication(&scenario.model, 0);
//! assert!(outcome.counts[survsim::metrics::Metric::FacesCaptured] > 0);
//! ```

pub mod drive;
pub mod engine;
pub mod error;
pub mod events;
pub mod format;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod spec;
pub mod stats;
pub mod stress;
pub mod sweep;
pub mod validate;
