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
//! * `routes` — the HTTP routes, the cache, the streamed answers;
//! * `queue` — the run queue in front of the cores, fair between clients;
//! * `gate` — what every request passes (`Host`, `Origin`, the token, the
//!   body's limits) and the headers every answer carries;
//! * `conn` — the connections: how many at once, and their timeouts.
//!
//! What it promises: a result is `survsim run SCENARIO --set … --reps N
//! --format json`'s, byte for byte, for the same overrides and seed; bad
//! input gets the CLI's message with HTTP 400 and nothing runs; runs beyond
//! the cores queue, taking turns between clients, and a full queue is a
//! 503; a newer request from a page, or the client going away, cancels the
//! older run; the server reads no file but the scenario given at start and
//! the schedule it names, read then (and `/proc/meminfo`, as `run` does to
//! size its workers), and writes none: requests are offered only what was
//! read at start ([`ScenarioSource::preloaded`]). It answers only requests
//! addressed to it by a name it knows (DNS rebinding), from its own page
//! or no page, and with a token if given one; it prints nothing, but tells
//! the caller what to say ([`Notice`]), a warning when it listens beyond
//! loopback among it.

#![deny(missing_docs)]

mod ask;
mod compare;
mod conn;
mod gate;
mod page;
mod queue;
mod routes;
mod work;

pub use ask::{DEFAULT_REPS, MAX_QUERY_BYTES};
pub use gate::{check_host_name, check_token};

use crate::error::Error;
use crate::scenario::{Scenario, ScenarioSource};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

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
    /// More names `Host` may give (`NAME` or `NAME:PORT`), checked by
    /// [`check_host_name`].
    pub allow_hosts: Vec<String>,
    /// The token every request must carry, if any ([`check_token`]).
    pub token: Option<String>,
    /// How long a request's head, and then its body, may take to come;
    /// also how long a kept-alive connection may sit idle.
    pub read_timeout: Duration,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// Runs that may wait for a core, from all clients; more get 503.
    pub max_queue: usize,
    /// Runs one client (an IP address) may have going or waiting; more
    /// get 429.
    pub max_client_runs: usize,
}

/// What the server has to say; the caller prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Listening. Always worth showing: it is how a caller that asked for
    /// port 0 learns the port.
    Listening(SocketAddr),
    /// Listening beyond loopback: reachable from other machines.
    Exposed {
        /// The address bound.
        address: SocketAddr,
        /// Whether a token is required.
        token: bool,
        /// The hosts requests may be addressed to.
        hosts: Vec<String>,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Listening(address) => write!(f, "listening on http://{address}/"),
            Notice::Exposed {
                address,
                token: false,
                hosts,
            } => write!(
                f,
                "warning: listening on {address}, beyond this machine, with no authentication: \
                 anyone who can reach it can run simulations and read the scenario. Require a \
                 token with --token, or SURVSIM_TOKEN to keep it out of `ps`. Requests must be \
                 addressed to {}; add the names clients use with --allow-host",
                hosts.join(", ")
            ),
            Notice::Exposed { address, hosts, .. } => write!(
                f,
                "warning: listening on {address}, beyond this machine, over plain HTTP: the \
                 token and the results cross the network unencrypted. Requests must be \
                 addressed to {}; add the names clients use with --allow-host",
                hosts.join(", ")
            ),
        }
    }
}

/// Serves until the process is stopped. `notice` hears the address once
/// the socket is bound (port 0 picks a free one), then a warning if it is
/// not a loopback address.
pub fn serve(options: ServeOptions, notice: &mut dyn FnMut(Notice)) -> Result<(), Error> {
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
                context: if source.kind() == std::io::ErrorKind::AddrInUse {
                    format!(
                        "cannot listen on {}: the port is taken (another server?); \
                         --listen :0 takes any free port",
                        options.listen
                    )
                } else {
                    format!("cannot listen on {}", options.listen)
                },
                source,
            })?;
        let address = listener.local_addr().map_err(|source| Error::Io {
            context: "cannot read the listening address".into(),
            source,
        })?;
        let gate = gate::Gate::new(
            address,
            &options.allow_hosts,
            options.token.clone(),
            options.read_timeout,
            options.body_limit,
        );
        notice(Notice::Listening(address));
        if !address.ip().is_loopback() {
            notice(Notice::Exposed {
                address,
                token: options.token.is_some(),
                hosts: gate.hosts(),
            });
        }
        let setup = work::Setup {
            source,
            threads: options.threads,
            max_faces: options.max_faces,
            max_points: options.max_points,
        };
        let queue = queue::Queue::new(options.threads, options.max_queue, options.max_client_runs);
        let server = Arc::new(routes::Server::new(setup, options.scenario_arg, queue));
        let app = routes::router(server, gate);
        let limits = conn::Limits {
            max_connections: options.max_connections,
            read_timeout: options.read_timeout,
        };
        conn::serve_connections(listener, app, limits).await;
        Ok(())
    })
}
