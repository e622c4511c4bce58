//! The broadcaster: takes the engine's events in virtual-time order,
//! releases each one when it is due, writes it once as a line, and hands the
//! same bytes to every client — never waiting for a client that has fallen
//! behind (see the module above).

use super::client::{Chunk, Client};
use super::{Feed, LiveOptions, LiveSummary, Notice, Speed, unix_now, wait_for_signal};
use crate::events::Event;
use crate::events::Kind;
use crate::events::ndjson::{KindCounts, Ndjson};
use crate::metrics::Counts;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::{AbortHandle, JoinHandle};

/// A chunk of lines is handed to the clients when it reaches either size.
const CHUNK_LINES: usize = 512;
const CHUNK_BYTES: usize = 128 * 1024;
/// Events due within this much of now are sent without sleeping.
const SLACK: Duration = Duration::from_micros(500);
/// `--speed max`: a client whose buffer is full and that has taken nothing
/// for this long, while another client is ready for more, is disconnected.
const STALLED: Duration = Duration::from_millis(250);
/// How often a waiting `--speed max` feed looks for stalled or gone clients.
const TICK: Duration = Duration::from_millis(20);
/// How long clients get to take their last lines after the end.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What the `hello` line says about the run.
pub(super) struct Hello {
    pub scenario: String,
    pub source: String,
    pub seed: u64,
    pub duration_s: f64,
}

/// Why the stream ended.
enum Stop {
    Finished(Box<Counts>),
    Interrupted,
}

pub(super) struct Broadcaster<'a> {
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
    kicked: Vec<AbortHandle>,
    /// Told of clients coming and going.
    notices: &'a mut dyn FnMut(Notice),
}

impl<'a> Broadcaster<'a> {
    pub fn new(
        format: Ndjson,
        options: LiveOptions,
        hello: Hello,
        notices: &'a mut dyn FnMut(Notice),
    ) -> Self {
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
            notices,
        }
    }

    /// Serves until the run ends or a signal comes.
    pub async fn run(
        mut self,
        listener: TcpListener,
        mut feed: mpsc::Receiver<Feed>,
    ) -> LiveSummary {
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
            c.send_line(&hello);
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
    /// waits until every client has room (see [`Self::make_room`]). False if
    /// a signal came.
    async fn flush(&mut self) -> bool {
        if self.chunk.lines == 0 {
            return true;
        }
        if self.options.speed == Speed::Max && !self.make_room().await {
            return false;
        }
        let chunk = Arc::new(std::mem::replace(
            &mut self.chunk,
            Chunk {
                bytes: Vec::with_capacity(CHUNK_BYTES + 4096),
                lines: 0,
            },
        ));
        let cap = self.options.client_buffer;
        let mut kept = Vec::with_capacity(self.clients.len());
        for c in std::mem::take(&mut self.clients) {
            if !c.has_room(chunk.lines, cap) {
                self.overflowed(c, None);
            } else if c.offer(&chunk) {
                kept.push(c);
            } else {
                self.left(c.peer);
            }
        }
        self.clients = kept;
        true
    }

    /// `--speed max`: waits until every client has room for the pending
    /// chunk — the feed goes as fast as the clients take it — and
    /// disconnects a client whose buffer is full and that has taken nothing
    /// for [`STALLED`] while another client is ready for more. So a client
    /// that stops reading holds the feed back for at most [`STALLED`], and is
    /// the one cut: its kernel socket buffers take megabytes before its own
    /// buffer fills, and meanwhile it looks like the fastest reader of all,
    /// so "cut whoever is full while another has room" would cut the reader
    /// instead. With no other client ready, the feed waits (for the only
    /// client, or for one to connect). False if a signal came.
    async fn make_room(&mut self) -> bool {
        loop {
            let lines = self.chunk.lines;
            let cap = self.options.client_buffer;
            let full = self
                .clients
                .iter()
                .filter(|c| !c.has_room(lines, cap))
                .count();
            if full == 0 && !self.clients.is_empty() {
                return true;
            }
            if full > 0 && full < self.clients.len() {
                let before = self.clients.len();
                let mut kept = Vec::with_capacity(before);
                for c in std::mem::take(&mut self.clients) {
                    if !c.has_room(lines, cap) && c.idle_for() >= STALLED {
                        self.overflowed(c, Some(STALLED));
                    } else {
                        kept.push(c);
                    }
                }
                let cut = kept.len() < before;
                self.clients = kept;
                if cut {
                    continue;
                }
            }
            let room = self.room.clone();
            let notified = room.notified();
            tokio::select! {
                biased;
                _ = self.stop.changed() => return false,
                Some(stream) = self.joins.recv() => self.join(stream),
                _ = notified => {}
                // A stalled client wakes no one; nor does one that left
                // without reading.
                _ = tokio::time::sleep(TICK) => self.reap(),
            }
        }
    }

    /// Disconnects a client whose buffer would overflow, saying so (and, at
    /// `--speed max`, for how long it had taken nothing).
    fn overflowed(&mut self, c: Client, stalled: Option<Duration>) {
        (self.notices)(Notice::FellBehind {
            peer: c.peer,
            lines: c.queued(),
            client_buffer: self.options.client_buffer,
            stalled,
        });
        self.summary.overflowed += 1;
        self.kicked.push(c.kick());
    }

    /// Forgets clients whose task has ended (they closed the connection).
    fn reap(&mut self) {
        let mut gone = Vec::new();
        self.clients.retain(|c| {
            let left = c.has_left();
            if left {
                gone.push(c.peer);
            }
            !left
        });
        for peer in gone {
            self.left(peer);
        }
    }

    fn left(&mut self, peer: SocketAddr) {
        (self.notices)(Notice::Left(peer));
    }

    /// Takes in a new connection.
    fn join(&mut self, stream: TcpStream) {
        let Some(client) = Client::spawn(stream, self.room.clone()) else {
            return;
        };
        (self.notices)(Notice::Connected(client.peer));
        self.summary.clients += 1;
        if self.origin.is_some() {
            client.send_line(&self.hello_line());
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
            c.offer(&chunk);
            // Dropping the sender lets the task finish once it has written.
            self.finished_tasks.push(c.close());
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
