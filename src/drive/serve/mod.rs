//! `survsim serve`: policy what-ifs in the browser. A local web server
//! (tokio and axum) serves one page with controls for the main levers and
//! any `KEY.PATH=VALUE` override; each change reruns the scenario and the
//! page shows the same report as `run --html`, a pinned baseline beside a
//! what-if, and a one-key sweep's chart.
//!
//! The parts:
//!
//! * `ask` — a request's parameters, loaded as `run --set … --reps N`
//!   loads its flags, and the size limit;
//! * `work` — the run or sweep behind a request, cancellable, on plain
//!   threads;
//! * `compare` — a baseline against a what-if, paired replication by
//!   replication;
//! * `page` — the page: the report's style sheet, the controls, a small
//!   inline script;
//! * `routes` — the HTTP routes, the queue in front of the cores, the
//!   cache, the streamed answers.
//!
//! What it promises: a result is `survsim run SCENARIO --set … --reps N
//! --format json`'s, byte for byte, for the same overrides and seed; bad
//! input gets the CLI's message with HTTP 400 and nothing runs; runs beyond
//! the cores queue; a newer request from a page, or the client going away,
//! cancels the older run; the server reads no file but the scenario given
//! at start and the schedule it names, read then (and `/proc/meminfo`, as
//! `run` does to size its workers), and writes none: requests are offered
//! only what was read at start ([`ScenarioSource::preloaded`]).

#![deny(missing_docs)]

mod ask;
mod compare;
mod page;
mod routes;
mod work;

pub use ask::{DEFAULT_REPS, MAX_QUERY_BYTES};

use crate::error::Error;
use crate::scenario::{Scenario, ScenarioSource};
use std::net::SocketAddr;
use std::sync::Arc;

/// What `survsim serve` was asked to do, validated.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The scenario given at start, read once.
    pub source: ScenarioSource,
    /// The scenario argument as typed, for the commands the page shows.
    pub scenario_arg: Option<String>,
    /// Where to listen (loopback unless told otherwise).
    pub listen: SocketAddr,
    /// Worker threads per run, and runs at once: the cores.
    pub threads: usize,
    /// The most expected faces one request may simulate (replications ×
    /// faces per replication; a sweep's points together).
    pub max_faces: f64,
    /// The most points a sweep from the page may have.
    pub max_points: usize,
    /// The largest request body, in bytes.
    pub body_limit: usize,
}

/// Serves until the process is stopped. `listening` hears the address
/// once the socket is bound (port 0 picks a free one).
pub fn serve(options: ServeOptions, listening: &mut dyn FnMut(SocketAddr)) -> Result<(), Error> {
    // The files the scenario names are read now, once: requests are
    // offered those and no other file. The scenario itself must load: a bad
    // file fails at start, not in the browser.
    let source = options.source.preloaded()?;
    Scenario::load(source.clone(), &[])?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.clamp(1, 4))
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            context: "cannot start the server's runtime".into(),
            source,
        })?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| Error::Io {
                context: format!("cannot listen on {}", options.listen),
                source,
            })?;
        let address = listener.local_addr().map_err(|source| Error::Io {
            context: "cannot read the listening address".into(),
            source,
        })?;
        listening(address);
        let setup = work::Setup {
            source,
            threads: options.threads,
            max_faces: options.max_faces,
            max_points: options.max_points,
        };
        let server = Arc::new(routes::Server::new(
            setup,
            options.scenario_arg,
            options.threads,
        ));
        let app = routes::router(server, options.body_limit);
        axum::serve(listener, app)
            .await
            .map_err(|source| Error::Io {
                context: "the server stopped".into(),
                source,
            })
    })
}
