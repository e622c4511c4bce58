//! One connected client: a task that writes the lines it is handed to the
//! socket, in order, and a count of the lines handed over but not yet
//! written — the client's buffer, which the broadcaster keeps bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc};
use tokio::task::{AbortHandle, JoinHandle};

/// How long a client disconnected for falling behind gets to take the rest
/// of the line it is being sent, so that its feed ends on a whole line.
const KICK_GRACE: Duration = Duration::from_secs(10);

/// Lines handed to clients as one piece, shared by all of them.
pub(super) struct Chunk {
    pub bytes: Vec<u8>,
    /// Lines counted against the clients' buffers (0 for `hello` and `end`).
    pub lines: usize,
}

/// A connected client, as the broadcaster sees it.
pub(super) struct Client {
    pub peer: SocketAddr,
    tx: mpsc::UnboundedSender<Arc<Chunk>>,
    /// Lines handed over and not yet written to the socket.
    queued: Arc<AtomicUsize>,
    /// When the client last took something: microseconds after `born` at
    /// which its task last finished writing a chunk, or picked one up idle.
    progress: Arc<Progress>,
    kick: Arc<Kick>,
    task: JoinHandle<()>,
}

/// When a client last took something, as its task saw it.
struct Progress {
    born: Instant,
    /// Microseconds after `born`.
    at_us: AtomicU64,
}

impl Progress {
    fn mark(&self) {
        let us = self.born.elapsed().as_micros().min(u64::MAX as u128) as u64;
        self.at_us.store(us, Ordering::Release);
    }

    fn since(&self) -> Duration {
        let at = Duration::from_micros(self.at_us.load(Ordering::Acquire));
        self.born.elapsed().saturating_sub(at)
    }
}

/// Asks a client's task to stop at the end of the line it is writing.
struct Kick {
    set: AtomicBool,
    notify: Notify,
}

impl Client {
    /// Starts writing to a new connection. `room` is signalled whenever
    /// the client has written a chunk (its buffer has room again).
    pub fn spawn(stream: TcpStream, room: Arc<Notify>) -> Option<Client> {
        let peer = stream.peer_addr().ok()?;
        let _ = stream.set_nodelay(true);
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let progress = Arc::new(Progress {
            born: Instant::now(),
            at_us: AtomicU64::new(0),
        });
        let kick = Arc::new(Kick {
            set: AtomicBool::new(false),
            notify: Notify::new(),
        });
        let task = tokio::spawn(write(
            stream,
            rx,
            queued.clone(),
            progress.clone(),
            room,
            kick.clone(),
        ));
        Some(Client {
            peer,
            tx,
            queued,
            progress,
            kick,
            task,
        })
    }

    /// Whether `lines` more fit in a buffer of `cap` lines. An empty buffer
    /// takes any chunk.
    pub fn has_room(&self, lines: usize, cap: usize) -> bool {
        let queued = self.queued();
        queued == 0 || queued + lines <= cap
    }

    /// Lines handed over and not yet written.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// How long since the client last took anything: since its task last
    /// finished writing a chunk to the socket, or picked one up with nothing
    /// before it. A client that is reading keeps this short; one that reads
    /// nothing lets it grow once the kernel's socket buffers are full.
    pub fn idle_for(&self) -> Duration {
        self.progress.since()
    }

    /// Hands a chunk over. False if the client has gone.
    pub fn offer(&self, chunk: &Arc<Chunk>) -> bool {
        self.queued.fetch_add(chunk.lines, Ordering::AcqRel);
        self.tx.send(chunk.clone()).is_ok()
    }

    /// Hands over one line outside the buffer's count (`hello`, `end`).
    pub fn send_line(&self, line: &[u8]) {
        let _ = self.tx.send(Arc::new(Chunk {
            bytes: line.to_vec(),
            lines: 0,
        }));
    }

    /// Whether the task has ended (the client closed the connection).
    pub fn has_left(&self) -> bool {
        self.task.is_finished()
    }

    /// Disconnects the client at the end of the line being written, or after
    /// [`KICK_GRACE`] if it reads nothing more. Returns the task's handle.
    pub fn kick(self) -> AbortHandle {
        self.kick.set.store(true, Ordering::Release);
        self.kick.notify.notify_one();
        let task = self.task.abort_handle();
        let abort = task.clone();
        tokio::spawn(async move {
            tokio::time::sleep(KICK_GRACE).await;
            abort.abort();
        });
        task
    }

    /// Lets the task finish writing what it has, then close.
    pub fn close(self) -> JoinHandle<()> {
        self.task
    }
}

/// The client's task: writes what it is handed, in order, until the sender
/// is dropped or it is kicked out — then at the end of a line.
async fn write(
    mut stream: TcpStream,
    mut rx: mpsc::UnboundedReceiver<Arc<Chunk>>,
    queued: Arc<AtomicUsize>,
    progress: Arc<Progress>,
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
        // Picked up idle, this starts the wait; otherwise the last chunk's
        // end just did.
        progress.mark();
        let bytes = &chunk.bytes;
        let mut at = 0;
        while at < bytes.len() {
            let mut end = bytes.len();
            if kick.set.load(Ordering::Acquire) {
                // A socket takes what fits, not whole lines: finish this one.
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
        progress.mark();
        room.notify_one();
    }
    let _ = stream.shutdown().await;
}
