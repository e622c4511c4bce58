//! # survsim — a streaming simulator of live facial-recognition surveillance
//!
//! A scenario describes a city: residents in demographic groups, camera sites
//! and their footfall, a watchlist, a matcher's score distributions and
//! threshold, and the people who review alerts and stop those flagged. The
//! engine runs it in virtual time, reproducibly from a seed, and reports the
//! funnel from faces scanned to false arrests beside its closed-form
//! expectations.
//!
//! The API a library user needs is re-exported here: load a [`Scenario`],
//! run its replications ([`run_replications`] on all cores, or
//! [`run_replication`] for one), and aggregate them into a [`Report`] that
//! renders as the table or JSON the command line prints.
//!
//! ```
//! use survsim::{Metric, Report, Scenario, ScenarioSource};
//! let scenario = Scenario::load(ScenarioSource::builtin_default(), &[]).unwrap();
//! let outcomes = survsim::run_replications(&scenario.model, 4, 2);
//! assert!(outcomes.iter().all(|o| o.counts[Metric::FacesCaptured] > 0));
//! let report = Report::new(&scenario.model, &scenario.source.name, &[], &outcomes);
//! assert_eq!(report.replications, 4);
//! ```
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
//! * [`events`] — the event stream and its NDJSON encoding;
//! * [`sweep`], [`stress`], [`validate`] — grids of what-ifs, pipeline limits,
//!   and the published record;
//! * [`drive`] — the drivers: replications on all cores, event logs, the
//!   live TCP feed, sweeps into directories, atomic output files.
//!
//! Random streams, interval statistics and number formatting are internal.

#![deny(missing_docs)]
// Module docs narrate their internals for maintainers, who read them with
// `cargo doc --document-private-items`; a library user's docs keep the names.
#![allow(rustdoc::private_intra_doc_links)]

pub mod drive;
pub mod engine;
pub mod error;
pub mod events;
pub mod fit;
mod format;
pub mod metrics;
pub mod model;
pub mod report;
mod rng;
pub mod scenario;
pub mod spec;
mod stats;
pub mod stress;
pub mod sweep;
pub mod validate;

pub use drive::replicate::run_replications;
pub use engine::run_replication;
pub use error::{Error, InputError};
pub use metrics::{GroupMetric, Metric, Outcome};
pub use report::Report;
pub use scenario::{Override, Scenario, ScenarioSource};
