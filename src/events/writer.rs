//! `survsim run --events`: an event log written by a thread of its own.
//!
//! The engine runs on the calling thread and hands its events, in batches,
//! to a bounded crossbeam channel; a writer thread turns them into NDJSON
//! and writes them. When the writer is slower than the engine (a slow disk,
//! a slow pipe reader) the channel fills and the engine waits, so memory
//! stays bounded and the writer's speed sets the pace. Batches travel back
//! on a second channel to be reused.
//!
//! Where the log goes:
//!
//! * `-` — standard output. A reader that closes the pipe (`| head`) ends
//!   the run quietly: the engine stops at its next hand-over and the command
//!   succeeds.
//! * a path to a regular file (or to nothing yet) — written to a temporary
//!   file in the same directory, flushed to disk and renamed into place at
//!   the end, like `-o`. A run that fails (a full disk) or is cut short
//!   leaves no file behind, and an existing file is replaced only by a whole
//!   new log.
//! * an existing path that is not a regular file (a FIFO, `/dev/stdout`) —
//!   written directly, as a stream.

use super::ndjson::{KindCounts, Ndjson};
use super::{Event, EventSink, Filter};
use crate::engine::Engine;
use crate::error::Error;
use crate::metrics::{Counts, Outcome};
use crate::model::Model;
use crossbeam_channel::{Receiver, Sender, bounded};
use std::fs::File;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// Events per batch sent to the writer.
const BATCH: usize = 8192;
/// Batches in flight: with [`BATCH`], at most ≈ 3 MB of events wait.
const IN_FLIGHT: usize = 8;
/// Bytes of NDJSON gathered before a write.
const WRITE_CHUNK: usize = 1 << 20;

/// Where an event log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`).
    Stdout,
    /// A file, FIFO or device.
    Path(PathBuf),
}

impl Destination {
    /// `-` is standard output; anything else a path.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            Destination::Stdout
        } else {
            Destination::Path(arg.to_path_buf())
        }
    }
}

/// What a logged run gave.
#[derive(Debug)]
pub enum Logged {
    /// The run completed and its whole log was written.
    Complete {
        /// The replication's outcome, exactly as without events.
        outcome: Box<Outcome>,
        /// Lines written, the closing `end` line included.
        lines: u64,
    },
    /// The reader closed the pipe: the run was cut short, quietly.
    ReaderGone,
}

/// Runs replication `rep` of `model`, writing the events `filter` selects
/// to `destination`, and closes the log with an `end` line.
pub fn log_run(
    model: &Model,
    rep: u64,
    destination: &Destination,
    filter: &Filter,
) -> Result<Logged, Error> {
    // Opening first: an unwritable destination fails before any simulating.
    let output = Output::open(destination)?;
    let format = Ndjson::new(model);
    let (tx, rx) = bounded::<Msg>(IN_FLIGHT);
    let (back_tx, back_rx) = bounded::<Vec<Event>>(IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_all(output, format, rx, back_tx));
        let mut sink = ChannelSink { tx, back: back_rx };
        let outcome = Engine::new(model).run_with_events(rep, filter, &mut sink);
        if let Some(o) = &outcome {
            // If the writer has gone, its own result says why.
            let _ = sink.tx.send(Msg::End {
                duration_s: model.duration_s,
                counts: Box::new(o.counts.clone()),
            });
        }
        drop(sink);
        let written = writer.join().expect("the event writer does not panic");
        match (written, outcome) {
            (Written::Complete { lines }, Some(outcome)) => Ok(Logged::Complete {
                outcome: Box::new(outcome),
                lines,
            }),
            (Written::Failed(e), _) => Err(e),
            _ => Ok(Logged::ReaderGone),
        }
    })
}

enum Msg {
    Events(Vec<Event>),
    End {
        duration_s: f64,
        counts: Box<Counts>,
    },
}

/// The engine's end of the channel.
struct ChannelSink {
    tx: Sender<Msg>,
    back: Receiver<Vec<Event>>,
}

impl EventSink for ChannelSink {
    fn accept(&mut self, events: &[Event]) -> ControlFlow<()> {
        for chunk in events.chunks(BATCH) {
            let mut batch = self
                .back
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH));
            batch.clear();
            batch.extend_from_slice(chunk);
            if self.tx.send(Msg::Events(batch)).is_err() {
                // The writer stopped: a closed pipe or a write error.
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

enum Written {
    Complete { lines: u64 },
    ReaderGone,
    Failed(Error),
}

/// The writer thread: serialises batches and writes them until the channel
/// closes, or writing fails.
fn write_all(
    mut output: Output,
    format: Ndjson,
    rx: Receiver<Msg>,
    back: Sender<Vec<Event>>,
) -> Written {
    let mut buf = Vec::with_capacity(WRITE_CHUNK + 64 * 1024);
    let mut counts = KindCounts::default();
    let mut last_t = 0.0f64;
    let mut ended = false;
    let result = (|| -> io::Result<()> {
        for msg in rx.iter() {
            match msg {
                Msg::Events(batch) => {
                    for e in &batch {
                        format.write(e, &mut buf, &mut counts);
                        if buf.len() >= WRITE_CHUNK {
                            output.write(&buf)?;
                            buf.clear();
                        }
                    }
                    if let Some(e) = batch.last() {
                        last_t = e.t;
                    }
                    let _ = back.try_send(batch);
                }
                Msg::End {
                    duration_s,
                    counts: totals,
                } => {
                    let t = last_t.max(duration_s);
                    buf.extend_from_slice(&format.end_line(t, "finished", &counts, Some(&totals)));
                    ended = true;
                }
            }
        }
        output.write(&buf)
    })();
    // Closing the channel stops the engine at its next hand-over.
    drop(rx);
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Written::ReaderGone,
        Err(source) => Written::Failed(output.error(source)),
        Ok(()) if !ended => Written::ReaderGone,
        Ok(()) => match output.finish() {
            Ok(()) => Written::Complete {
                lines: counts.total() + 1,
            },
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Written::ReaderGone,
            Err(source) => Written::Failed(output.error(source)),
        },
    }
}

/// An open destination.
enum Output {
    Stdout(io::Stdout),
    /// A regular file, written to a temporary file and renamed at the end.
    Atomic {
        tmp: Option<tempfile::NamedTempFile>,
        path: PathBuf,
    },
    /// A FIFO or device, written as it comes.
    Direct {
        file: File,
        path: PathBuf,
    },
}

impl Output {
    fn open(destination: &Destination) -> Result<Output, Error> {
        let path = match destination {
            Destination::Stdout => return Ok(Output::Stdout(io::stdout())),
            Destination::Path(p) => p,
        };
        let io_err = |context: String| move |source| Error::Io { context, source };
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() && !m.is_dir() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io_err(format!("cannot write events to {}", path.display())))?;
                return Ok(Output::Direct {
                    file,
                    path: path.clone(),
                });
            }
            Ok(m) if m.is_dir() => {
                return Err(Error::Io {
                    context: format!("cannot write events to {}", path.display()),
                    source: io::Error::new(io::ErrorKind::IsADirectory, "it is a directory"),
                });
            }
            _ => {}
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".survsim-events-")
            .tempfile_in(dir)
            // The error names the temporary file; the message names `dir`.
            .map_err(|e| e.raw_os_error().map_or(e, io::Error::from_raw_os_error))
            .map_err(io_err(format!(
                "cannot write events to {}: cannot create a file in {}",
                path.display(),
                dir.display()
            )))?;
        // Temporary files are created private (0600); a log is an ordinary
        // file, readable by others as the umask allows for new files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        Ok(Output::Atomic {
            tmp: Some(tmp),
            path: path.clone(),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(s) => s.lock().write_all(bytes),
            Output::Atomic { tmp, .. } => tmp.as_mut().expect("open").write_all(bytes),
            Output::Direct { file, .. } => file.write_all(bytes),
        }
    }

    /// Flushes, and puts a temporary file in place.
    fn finish(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(s) => s.lock().flush(),
            Output::Direct { file, .. } => file.flush(),
            Output::Atomic { tmp, path } => {
                let tmp = tmp.take().expect("finished once");
                tmp.as_file().sync_all()?;
                tmp.persist(path).map(|_| ()).map_err(|e| e.error)
            }
        }
    }

    /// The error to report for a failed write (a temporary file is removed
    /// when the output is dropped).
    fn error(&self, source: io::Error) -> Error {
        let context = match self {
            Output::Stdout(_) => "cannot write events to standard output".to_string(),
            Output::Atomic { path, .. } | Output::Direct { path, .. } => {
                format!("cannot write events to {}", path.display())
            }
        };
        Error::Io { context, source }
    }
}
