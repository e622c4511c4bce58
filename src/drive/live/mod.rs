//! `survsim live`: the event stream paced to the wall clock and served to
//! TCP clients as NDJSON.
//!
//! Three parts, each on its own:
//!
//! * the **engine** runs on a thread of its own and hands its events, in
//!   batches, to a bounded channel — it runs ahead of the wall clock only as
//!   far as the channel allows, so memory stays bounded (this module);
//! * the **broadcaster** (`broadcast.rs`, a tokio task) takes the events in
//!   virtual-time order and releases each one when the wall clock reaches
//!   its virtual time divided by the speed (`--speed max`: as soon as a
//!   client can take it), writing it once as a line and handing the same
//!   bytes to every client;
//! * each **client** (`client.rs`) has a task that writes its lines to its
//!   socket, and a buffer bounded by `--client-buffer` lines. Paced, the
//!   broadcaster never waits for a client: one whose buffer would overflow
//!   is disconnected on the spot — at the end of the line it is being sent —
//!   having fallen behind by the whole buffer (it can reconnect and pick up
//!   the live stream again). So a slow client never stalls the run or the
//!   other clients.
//!
//! A client that connects gets a `hello` line (the scenario, the speed, the
//! wall-clock time at which virtual time 0 was, or would have been, reached)
//! and then every event from then on. When the run ends — or on SIGINT or
//! SIGTERM — every client gets an `end` line (with the run's totals if it
//! completed) and its connection is closed.
//!
//! `--speed max` has no clock: the stream goes as fast as the connected
//! clients read, and waits while no client is connected. It waits for a
//! client whose buffer is full only while that client keeps reading: one
//! that has taken nothing for a quarter of a second while another client is
//! ready is disconnected (`broadcast.rs`, `make_room`). What a client has
//! taken is measured in the application — chunks its task finished writing
//! — since the kernel's socket buffers take megabytes from a client that
//! reads nothing.

mod broadcast;
mod client;

use crate::engine::Engine;
use crate::error::{Error, InputError};
use crate::events::ndjson::{KindCounts, Ndjson};
use crate::events::{Event, EventSink, Filter};
use crate::metrics::Counts;
use crate::model::Model;
use broadcast::{Broadcaster, Hello};
use serde_json::{Value, json};
use std::fmt;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Events per batch from the engine thread.
const BATCH: usize = 4096;
/// Batches the engine may run ahead by.
const FEED_BATCHES: usize = 16;

/// How fast virtual time runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Virtual seconds per wall-clock second.
    Paced(f64),
    /// As fast as the clients read.
    Max,
}

impl Speed {
    /// `max`, or a positive number (`60`, `60x`, `0.5`).
    pub fn parse(s: &str) -> Result<Speed, InputError> {
        if s == "max" {
            return Ok(Speed::Max);
        }
        match s.trim_end_matches('x').parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(Speed::Paced(v)),
            _ => Err(InputError::whole(
                "--speed",
                format!(
                    "expected `max` or a positive number of virtual seconds per second, got `{s}`"
                ),
            )),
        }
    }

    pub(crate) fn to_json(self) -> Value {
        match self {
            Speed::Paced(v) => json!(v),
            Speed::Max => json!("max"),
        }
    }
}

/// What `survsim live` was asked to do.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// How fast virtual time runs.
    pub speed: Speed,
    /// Which events to serve.
    pub filter: Filter,
    /// Lines a client may fall behind before it is disconnected.
    pub client_buffer: usize,
    /// Start the clock only once this many clients have connected.
    pub wait_clients: usize,
}

/// What a live run has to tell its operator, as it happens. The library
/// prints nothing: [`serve`] hands these to its caller, whose `Display`
/// gives the line to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The feed is up. Always worth showing: it is how a caller that asked
    /// for port 0 learns the port.
    Serving {
        /// The scenario file, or the built-in default.
        source: String,
        /// The address listened on.
        address: SocketAddr,
        /// How fast virtual time runs.
        speed: Speed,
    },
    /// A client connected.
    Connected(SocketAddr),
    /// A client closed its connection.
    Left(SocketAddr),
    /// A client was disconnected for falling a whole buffer behind.
    FellBehind {
        /// The client.
        peer: SocketAddr,
        /// Lines it was behind.
        lines: usize,
        /// `--client-buffer`.
        client_buffer: usize,
        /// At `--speed max`: how long it had taken nothing.
        stalled: Option<Duration>,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Serving {
                source,
                address,
                speed,
            } => write!(
                f,
                "survsim live: serving {source} on {address} at speed {} (Ctrl-C to stop)",
                match speed {
                    Speed::Paced(v) => format!("{v}×"),
                    Speed::Max => "max".into(),
                }
            ),
            Notice::Connected(peer) => write!(f, "survsim live: {peer} connected"),
            Notice::Left(peer) => write!(f, "survsim live: {peer} left"),
            Notice::FellBehind {
                peer,
                lines,
                client_buffer,
                stalled,
            } => {
                write!(
                    f,
                    "survsim live: {peer} disconnected: fell {lines} lines behind \
                     (--client-buffer {client_buffer})"
                )?;
                match stalled {
                    Some(idle) => write!(f, " and took none of it for {} ms", idle.as_millis()),
                    None => Ok(()),
                }
            }
        }
    }
}

/// What a live run did.
#[derive(Debug, Clone, Default)]
pub struct LiveSummary {
    /// Whether the run completed (rather than being interrupted).
    pub complete: bool,
    /// Lines served, per kind (the same for every client connected throughout).
    pub events: KindCounts,
    /// Clients that connected.
    pub clients: u64,
    /// Clients disconnected for falling a whole buffer behind (at `--speed
    /// max`: and taking nothing for a while).
    pub overflowed: u64,
    /// Emission time minus due time, in microseconds, of each paced event.
    pub drift_us: Option<hdrhistogram::Histogram<u64>>,
}

/// Serves `model`'s events on `options.listen` until the run ends or a
/// signal stops it. `source` (the scenario file, or the built-in default)
/// is named in the `hello` line. `notices` hears of the feed starting and of
/// clients coming and going.
pub fn serve(
    model: &Model,
    source: &str,
    options: &LiveOptions,
    notices: &mut dyn FnMut(Notice),
) -> Result<LiveSummary, Error> {
    let io_err = |context: String| move |source| Error::Io { context, source };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io_err("cannot start the network runtime".into()))?;
    let listener = runtime
        .block_on(TcpListener::bind(options.listen))
        .map_err(|source| {
            let taken = source.kind() == std::io::ErrorKind::AddrInUse;
            io_err(format!(
                "cannot listen on {}{}",
                options.listen,
                if taken {
                    ": the port is taken (another server?); --listen :0 takes any free port"
                } else {
                    ""
                }
            ))(source)
        })?;
    let address = listener
        .local_addr()
        .map_err(io_err(format!("cannot listen on {}", options.listen)))?;
    notices(Notice::Serving {
        source: source.to_string(),
        address,
        speed: options.speed,
    });
    let (feed_tx, feed_rx) = mpsc::channel::<Feed>(FEED_BATCHES);
    let filter = options.filter;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut sink = FeedSink { tx: feed_tx };
            let outcome = Engine::new(model).run_with_events(0, &filter, &mut sink);
            let _ = sink
                .tx
                .blocking_send(Feed::Done(outcome.map(|o| Box::new(o.counts))));
        });
        let hello = Hello {
            scenario: model.name.clone(),
            source: source.to_string(),
            seed: model.seed,
            duration_s: model.duration_s,
        };
        let broadcaster = Broadcaster::new(Ndjson::new(model), options.clone(), hello, notices);
        Ok(runtime.block_on(broadcaster.run(listener, feed_rx)))
    })
}

/// From the engine thread to the broadcaster.
pub(super) enum Feed {
    Events(Vec<Event>),
    /// The run ended: with its totals, or cut short.
    Done(Option<Box<Counts>>),
}

struct FeedSink {
    tx: mpsc::Sender<Feed>,
}

impl EventSink for FeedSink {
    fn accept(&mut self, events: &[Event]) -> ControlFlow<()> {
        for chunk in events.chunks(BATCH) {
            if self.tx.blocking_send(Feed::Events(chunk.to_vec())).is_err() {
                // The broadcaster has stopped (a signal).
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One line for the operator: what was served, and how closely paced.
pub fn summary_line(s: &LiveSummary) -> String {
    let mut line = format!(
        "survsim live: {} — {} events served to {} client{}, {} disconnected for falling behind",
        if s.complete {
            "finished"
        } else {
            "interrupted"
        },
        s.events.total(),
        s.clients,
        if s.clients == 1 { "" } else { "s" },
        s.overflowed
    );
    if let Some(h) = s.drift_us.as_ref().filter(|h| !h.is_empty()) {
        line += &format!(
            "; pacing: events sent {:.2} ms (p50), {:.2} ms (p99), {:.2} ms (max) after due",
            h.value_at_quantile(0.5) as f64 / 1e3,
            h.value_at_quantile(0.99) as f64 / 1e3,
            h.max() as f64 / 1e3
        );
    }
    line
}
