//! `survsim live`: the event stream paced to the wall clock and served to
//! TCP clients as NDJSON.
//!
//! Three parts, each on its own:
//!
//! * the **engine** runs on a thread of its own and hands its events, in
//!   batches, to a bounded channel — it runs ahead of the wall clock only as
//!   far as the channel allows, so memory stays bounded;
//! * the **broadcaster** (a tokio task) takes the events in virtual-time
//!   order and releases each one when the wall clock reaches its virtual
//!   time divided by the speed (`--speed max`: as soon as a client can take
//!   it), writing it once as a line and handing the same bytes to every
//!   client;
//! * each **client** has a task that writes its lines to its socket, and a
//!   buffer bounded by `--client-buffer` lines. The broadcaster never waits
//!   for a client: one whose buffer would overflow is disconnected on the
//!   spot (it has fallen behind by the whole buffer; it can reconnect and
//!   pick up the live stream again), so a slow client never stalls the run
//!   or the other clients.
//!
//! A client that connects gets a `hello` line (the scenario, the speed, the
//! wall-clock time at which virtual time 0 was, or would have been, reached)
//! and then every event from then on. When the run ends — or on SIGINT or
//! SIGTERM — every client gets an `end` line (with the run's totals if it
//! completed) and its connection is closed.
//!
//! `--speed max` has no clock: the stream goes as fast as the fastest
//! connected client reads, and waits while no client is connected.

use super::ndjson::{KindCounts, Ndjson};
use super::{Event, EventSink, Filter, Kind};
use crate::engine::Engine;
use crate::error::{Error, InputError};
use crate::metrics::Counts;
use crate::model::Model;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

/// Events per batch from the engine thread.
const BATCH: usize = 4096;
/// Batches the engine may run ahead by.
const FEED_BATCHES: usize = 16;
/// A chunk of lines is handed to the clients when it reaches either size.
const CHUNK_LINES: usize = 512;
const CHUNK_BYTES: usize = 128 * 1024;
/// Events due within this much of now are sent without sleeping.
const SLACK: Duration = Duration::from_micros(500);
/// How long clients get to take their last lines after the end.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// How long a client disconnected for falling behind gets to take the rest
/// of the line it is being sent (so that it ends on a whole line).
const KICK_GRACE: Duration = Duration::from_secs(10);

/// How fast virtual time runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Virtual seconds per wall-clock second.
    Paced(f64),
    /// As fast as the fastest client reads.
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

    fn to_json(self) -> Value {
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
    /// No per-client messages or summary on standard error.
    pub quiet: bool,
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
    /// Clients disconnected for falling a whole buffer behind.
    pub overflowed: u64,
    /// Emission time minus due time, in microseconds, of each paced event.
    pub drift_us: Option<hdrhistogram::Histogram<u64>>,
}

/// Serves `model`'s events on `options.listen` until the run ends or a
/// signal stops it. `source` (the scenario file, or the built-in default)
/// is named in the `hello` line.
pub fn serve(model: &Model, source: &str, options: &LiveOptions) -> Result<LiveSummary, Error> {
    let io_err = |context: String| move |source| Error::Io { context, source };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io_err("cannot start the network runtime".into()))?;
    let listener = runtime
        .block_on(TcpListener::bind(options.listen))
        .map_err(io_err(format!("cannot listen on {}", options.listen)))?;
    let address = listener
        .local_addr()
        .map_err(io_err(format!("cannot listen on {}", options.listen)))?;
    // Always printed: it is how a caller that asked for port 0 learns the port.
    eprintln!(
        "survsim live: serving {source} on {address} at speed {} (Ctrl-C to stop)",
        match options.speed {
            Speed::Paced(v) => format!("{v}×"),
            Speed::Max => "max".into(),
        }
    );
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
        let broadcaster = Broadcaster::new(Ndjson::new(model), options.clone(), hello);
        Ok(runtime.block_on(broadcaster.run(listener, feed_rx)))
    })
}

/// From the engine thread to the broadcaster.
enum Feed {
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

/// Lines handed to clients as one piece.
struct Chunk {
    bytes: Vec<u8>,
    lines: usize,
}

/// A connected client, as the broadcaster sees it.
struct Client {
    peer: SocketAddr,
    tx: mpsc::UnboundedSender<Arc<Chunk>>,
    /// Lines handed over and not yet written to the socket.
    queued: Arc<AtomicUsize>,
    /// Tells the task to stop at the end of the line it is writing.
    kick: Arc<Kick>,
    task: JoinHandle<()>,
}

struct Hello {
    scenario: String,
    source: String,
    seed: u64,
    duration_s: f64,
}

/// Why the stream ended.
enum Stop {
    Finished(Box<Counts>),
    Interrupted,
}

struct Broadcaster {
    format: Ndjson,
    options: LiveOptions,
    hello: Hello,
    clients: Vec<Client>,
    counts: KindCounts,
    chunk: Chunk,
    /// Wall-clock instant (and Unix time) of virtual time 0, once started.
    origin: Option<(Instant, f64)>,
    last_t: f64,
    summary: LiveSummary,
    /// Signalled by client tasks as they write: there may be room.
    room: Arc<Notify>,
    joins: mpsc::UnboundedReceiver<TcpStream>,
    joins_tx: Option<mpsc::UnboundedSender<TcpStream>>,
    stop: watch::Receiver<bool>,
    stop_tx: Option<watch::Sender<bool>>,
    finished_tasks: Vec<JoinHandle<()>>,
    /// Tasks of clients disconnected for falling behind, finishing a line.
    kicked: Vec<tokio::task::AbortHandle>,
}

impl Broadcaster {
    fn new(format: Ndjson, options: LiveOptions, hello: Hello) -> Self {
        let (joins_tx, joins) = mpsc::unbounded_channel();
        let (stop_tx, stop) = watch::channel(false);
        let drift = matches!(options.speed, Speed::Paced(_)).then(|| {
            hdrhistogram::Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("bounds")
        });
        Broadcaster {
            format,
            options,
            hello,
            clients: Vec::new(),
            counts: KindCounts::default(),
            chunk: Chunk {
                bytes: Vec::with_capacity(CHUNK_BYTES + 4096),
                lines: 0,
            },
            origin: None,
            last_t: 0.0,
            summary: LiveSummary {
                drift_us: drift,
                ..Default::default()
            },
            room: Arc::new(Notify::new()),
            joins,
            joins_tx: Some(joins_tx),
            stop,
            stop_tx: Some(stop_tx),
            finished_tasks: Vec::new(),
            kicked: Vec::new(),
        }
    }

    async fn run(mut self, listener: TcpListener, mut feed: mpsc::Receiver<Feed>) -> LiveSummary {
        let joins_tx = self.joins_tx.take().expect("once");
        let acceptor = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if joins_tx.send(stream).is_err() {
                    break;
                }
            }
        });
        let stop_tx = self.stop_tx.take().expect("once");
        let signals = tokio::spawn(async move {
            wait_for_signal().await;
            let _ = stop_tx.send(true);
        });

        let stop = self.stream(&mut feed).await;
        // Stopping the feed stops the engine at its next hand-over.
        drop(feed);
        acceptor.abort();
        signals.abort();
        self.end(stop).await;
        self.summary.events = self.counts;
        self.summary
    }

    /// Streams events until the run ends or a signal comes.
    async fn stream(&mut self, feed: &mut mpsc::Receiver<Feed>) -> Stop {
        while self.clients.len() < self.options.wait_clients {
            tokio::select! {
                biased;
                _ = self.stop.changed() => return Stop::Interrupted,
                Some(stream) = self.joins.recv() => self.join(stream),
            }
        }
        self.origin = Some((Instant::now(), unix_now()));
        let hello = self.hello_line();
        for c in &self.clients {
            send(c, &hello);
        }
        loop {
            let msg = match feed.try_recv() {
                Ok(msg) => msg,
                Err(_) => {
                    // The engine is behind: send what is due before waiting.
                    if !self.flush().await {
                        return Stop::Interrupted;
                    }
                    tokio::select! {
                        biased;
                        _ = self.stop.changed() => return Stop::Interrupted,
                        Some(stream) = self.joins.recv() => { self.join(stream); continue; }
                        msg = feed.recv() => match msg {
                            Some(msg) => msg,
                            None => return Stop::Interrupted,
                        },
                    }
                }
            };
            match msg {
                Feed::Events(batch) => {
                    for e in &batch {
                        if !self.emit(e).await {
                            return Stop::Interrupted;
                        }
                    }
                }
                Feed::Done(Some(totals)) => {
                    if !self.flush().await {
                        return Stop::Interrupted;
                    }
                    let end_t = self.last_t.max(self.hello.duration_s);
                    // Paced: the run ends when the wall clock reaches its end.
                    if !self.sleep_until(end_t).await {
                        return Stop::Interrupted;
                    }
                    return Stop::Finished(totals);
                }
                Feed::Done(None) => return Stop::Interrupted,
            }
        }
    }

    /// Emits one event when it is due. False if a signal came meanwhile.
    async fn emit(&mut self, e: &Event) -> bool {
        if !self.sleep_until(e.t).await {
            return false;
        }
        let due = self.due(e.t);
        if let (Some(drift), Some(due)) = (&mut self.summary.drift_us, due) {
            let late = Instant::now().saturating_duration_since(due);
            drift.saturating_record(late.as_micros() as u64);
        }
        self.chunk.lines += self
            .format
            .write(e, &mut self.chunk.bytes, &mut self.counts) as usize;
        self.last_t = e.t;
        if self.chunk.lines >= CHUNK_LINES || self.chunk.bytes.len() >= CHUNK_BYTES {
            return self.flush().await;
        }
        true
    }

    /// The wall-clock instant at which virtual time `t` is due (paced).
    fn due(&self, t: f64) -> Option<Instant> {
        match (self.options.speed, self.origin) {
            (Speed::Paced(speed), Some((origin, _))) => {
                Some(origin + Duration::from_secs_f64((t / speed).min(1e12)))
            }
            _ => None,
        }
    }

    /// Waits (paced) until virtual time `t` is due, taking in new clients
    /// meanwhile. False if a signal came.
    async fn sleep_until(&mut self, t: f64) -> bool {
        let Some(due) = self.due(t) else {
            return true;
        };
        if due <= Instant::now() + SLACK {
            return true;
        }
        if !self.flush().await {
            return false;
        }
        let sleep = tokio::time::sleep_until(due.into());
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                biased;
                _ = self.stop.changed() => return false,
                _ = &mut sleep => return true,
                Some(stream) = self.joins.recv() => self.join(stream),
            }
        }
    }

    /// Hands the pending lines to every client. With `--speed max`, first
    /// waits until some client has room. False if a signal came.
    async fn flush(&mut self) -> bool {
        if self.chunk.lines == 0 {
            return true;
        }
        if self.options.speed == Speed::Max {
            loop {
                let lines = self.chunk.lines;
                let cap = self.options.client_buffer;
                let has_room = |c: &Client| {
                    let q = c.queued.load(Ordering::Acquire);
                    q == 0 || q + lines <= cap
                };
                if self.clients.iter().any(has_room) {
                    break;
                }
                let room = self.room.clone();
                let notified = room.notified();
                tokio::select! {
                    biased;
                    _ = self.stop.changed() => return false,
                    Some(stream) = self.joins.recv() => self.join(stream),
                    _ = notified => {}
                    // A client that left without reading wakes no one.
                    _ = tokio::time::sleep(Duration::from_millis(20)) => self.reap(),
                }
            }
        }
        let chunk = Arc::new(std::mem::replace(
            &mut self.chunk,
            Chunk {
                bytes: Vec::with_capacity(CHUNK_BYTES + 4096),
                lines: 0,
            },
        ));
        let cap = self.options.client_buffer;
        let quiet = self.options.quiet;
        let mut overflowed = 0;
        let mut gone = Vec::new();
        let mut kicked = Vec::new();
        self.clients.retain(|c| {
            let q = c.queued.load(Ordering::Acquire);
            if q > 0 && q + chunk.lines > cap {
                if !quiet {
                    eprintln!(
                        "survsim live: {} disconnected: fell {q} lines behind (--client-buffer {cap})",
                        c.peer
                    );
                }
                c.kick.set.store(true, Ordering::Release);
                c.kick.notify.notify_one();
                let task = c.task.abort_handle();
                tokio::spawn(async move {
                    tokio::time::sleep(KICK_GRACE).await;
                    task.abort();
                });
                kicked.push(c.task.abort_handle());
                overflowed += 1;
                return false;
            }
            c.queued.fetch_add(chunk.lines, Ordering::AcqRel);
            if c.tx.send(chunk.clone()).is_err() {
                gone.push(c.peer);
                return false;
            }
            true
        });
        self.summary.overflowed += overflowed;
        self.kicked.extend(kicked);
        for peer in gone {
            self.left(peer);
        }
        true
    }

    /// Forgets clients whose task has ended (they closed the connection).
    fn reap(&mut self) {
        let mut gone = Vec::new();
        self.clients.retain(|c| {
            let alive = !c.task.is_finished();
            if !alive {
                gone.push(c.peer);
            }
            alive
        });
        for peer in gone {
            self.left(peer);
        }
    }

    fn left(&self, peer: SocketAddr) {
        if !self.options.quiet {
            eprintln!("survsim live: {peer} left");
        }
    }

    /// Takes in a new connection.
    fn join(&mut self, stream: TcpStream) {
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let _ = stream.set_nodelay(true);
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let kick = Arc::new(Kick {
            set: AtomicBool::new(false),
            notify: Notify::new(),
        });
        let task = tokio::spawn(write_to_client(
            stream,
            rx,
            queued.clone(),
            self.room.clone(),
            kick.clone(),
        ));
        let client = Client {
            peer,
            tx,
            queued,
            kick,
            task,
        };
        if !self.options.quiet {
            eprintln!("survsim live: {peer} connected");
        }
        self.summary.clients += 1;
        if self.origin.is_some() {
            send(&client, &self.hello_line());
        }
        self.clients.push(client);
    }

    fn hello_line(&self) -> Vec<u8> {
        let t = self.last_t;
        let mut v = json!({
            "t": t,
            "kind": "hello",
            "survsim": env!("CARGO_PKG_VERSION"),
            "scenario": self.hello.scenario,
            "source": self.hello.source,
            "seed": self.hello.seed,
            "duration_s": self.hello.duration_s,
            "speed": self.options.speed.to_json(),
            "started_unix_s": match (self.options.speed, self.origin) {
                (Speed::Paced(_), Some((_, unix))) => json!(unix),
                _ => Value::Null,
            },
            "client_buffer": self.options.client_buffer,
            "kinds": Kind::ALL
                .iter()
                .filter(|k| self.options.filter.wants(**k))
                .map(|k| k.name())
                .collect::<Vec<_>>(),
            "capture_sample": self.options.filter.capture_sample,
        });
        // Same time format as the events.
        v["t"] = json!((t * 1e6).round() / 1e6);
        let mut line = serde_json::to_vec(&v).expect("JSON values serialize");
        line.push(b'\n');
        line
    }

    /// Sends the `end` line and closes every connection, giving clients a
    /// few seconds to take what is buffered.
    async fn end(&mut self, stop: Stop) {
        let (t, reason, totals) = match &stop {
            Stop::Finished(totals) => (
                self.last_t.max(self.hello.duration_s),
                "finished",
                Some(&**totals),
            ),
            Stop::Interrupted => {
                let now = match (self.options.speed, self.origin) {
                    (Speed::Paced(speed), Some((origin, _))) => {
                        origin.elapsed().as_secs_f64() * speed
                    }
                    _ => self.last_t,
                };
                (now.max(self.last_t), "interrupted", None)
            }
        };
        self.summary.complete = totals.is_some();
        // What is pending goes out first, whatever the buffers.
        let mut line = std::mem::take(&mut self.chunk.bytes);
        let lines = std::mem::take(&mut self.chunk.lines) + 1;
        line.extend_from_slice(&self.format.end_line(t, reason, &self.counts, totals));
        let chunk = Arc::new(Chunk { bytes: line, lines });
        for c in self.clients.drain(..) {
            let _ = c.tx.send(chunk.clone());
            // Dropping the sender lets the task finish once it has written.
            self.finished_tasks.push(c.task);
        }
        let deadline = tokio::time::Instant::now() + CLOSE_GRACE;
        for task in self.finished_tasks.drain(..) {
            let abort = task.abort_handle();
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                abort.abort();
            }
        }
        // Clients kicked out for falling behind may still be finishing a line.
        while self.kicked.iter().any(|t| !t.is_finished()) && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Queues a single line for one client, outside the buffer accounting.
fn send(client: &Client, line: &[u8]) {
    let _ = client.tx.send(Arc::new(Chunk {
        bytes: line.to_vec(),
        lines: 0,
    }));
}

/// Asks a client's task to stop.
struct Kick {
    set: AtomicBool,
    notify: Notify,
}

/// A client's task: writes what it is handed, in order, to its socket, until
/// the sender is dropped or it is kicked out — then at the end of a line.
async fn write_to_client(
    mut stream: TcpStream,
    mut rx: mpsc::UnboundedReceiver<Arc<Chunk>>,
    queued: Arc<AtomicUsize>,
    room: Arc<Notify>,
    kick: Arc<Kick>,
) {
    'chunks: loop {
        let chunk = tokio::select! {
            biased;
            _ = kick.notify.notified() => break,
            chunk = rx.recv() => match chunk {
                Some(chunk) => chunk,
                None => break,
            },
        };
        let bytes = &chunk.bytes;
        let mut at = 0;
        while at < bytes.len() {
            let mut end = bytes.len();
            if kick.set.load(Ordering::Acquire) {
                if at == 0 || bytes[at - 1] == b'\n' {
                    break 'chunks;
                }
                end = bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(end, |i| at + i + 1);
            }
            match stream.write(&bytes[at..end]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => at += n,
            }
        }
        queued.fetch_sub(chunk.lines, Ordering::AcqRel);
        room.notify_one();
    }
    let _ = stream.shutdown().await;
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

/// One line for standard error: what was served, and how closely paced.
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
