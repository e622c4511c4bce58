//! Writing results: atomically to files, quietly to closed pipes, and
//! never onto a device, FIFO or symlink's place.

use crate::error::{Error, InputError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where an output path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `-`: standard output.
    Stdout,
    /// A FIFO or character device (`/dev/null`, a terminal): written
    /// directly, since replacing it would destroy it.
    Stream(PathBuf),
    /// A regular file, or a path where none exists yet (a symlink is
    /// followed to its target): replaced atomically.
    File(PathBuf),
}

impl Target {
    /// Classifies `path`, following symlinks. Directories, sockets, block
    /// devices and dangling symlinks are refused, naming the path as given.
    pub fn resolve(path: &Path) -> Result<Target, Error> {
        if path == Path::new("-") {
            return Ok(Target::Stdout);
        }
        let refuse =
            |why: String| -> Error { InputError::whole(path.display().to_string(), why).into() };
        // `/dev/stdout`, `/dev/fd/N` (process substitution) and `/proc/…/fd`
        // name open descriptors: written where they lead, never renamed over
        // (`-o /dev/stdout >> all.txt` must append, not replace all.txt).
        if (path.starts_with("/dev") || path.starts_with("/proc")) && path.exists() {
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                return Err(refuse("is a directory: give a file name to write".into()));
            }
            return Ok(Target::Stream(path.into()));
        }
        let real = match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::File(path.into())),
            Err(source) => {
                return Err(Error::Io {
                    context: format!("cannot inspect {}", path.display()),
                    source,
                });
            }
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
                refuse(format!(
                    "is a symbolic link whose target cannot be reached ({e}); give a path to write"
                ))
            })?,
            Ok(_) => path.to_path_buf(),
        };
        let meta = std::fs::metadata(&real).map_err(|source| Error::Io {
            context: format!("cannot inspect {}", real.display()),
            source,
        })?;
        let kind = meta.file_type();
        if kind.is_file() {
            return Ok(Target::File(real));
        }
        if kind.is_dir() {
            return Err(refuse("is a directory: give a file name to write".into()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_fifo() || kind.is_char_device() {
                return Ok(Target::Stream(real));
            }
        }
        Err(refuse(
            "is neither a regular file, a FIFO nor a character device: survsim will not write over it"
                .into(),
        ))
    }

    /// Checks, before any work is done, that the target can be written:
    /// for a file, that a temporary file can be created beside it (a FIFO
    /// or device is tried only when written).
    pub fn check_writable(&self, given: &Path) -> Result<(), Error> {
        match self {
            // Opening a FIFO to try it would hand its reader an early end
            // of file: streams are tried when written.
            Target::Stdout | Target::Stream(_) => Ok(()),
            Target::File(p) => {
                let dir = parent_dir(p);
                tempfile::Builder::new()
                    .prefix(&temp_prefix(""))
                    .tempfile_in(dir)
                    .map(drop)
                    .map_err(plain_os_error)
                    .map_err(|source| Error::Io {
                        context: format!(
                            "cannot write {} (cannot create a file in {})",
                            given.display(),
                            dir.display()
                        ),
                        source,
                    })
            }
        }
    }
}

/// The OS error alone: tempfile's errors name the temporary file, which
/// means nothing to the user (the message names the path they gave).
pub(crate) fn plain_os_error(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    // tempfile wraps the OS error in one whose text ends in
    // ` at path "…"`, and exposes no way back to it but the text.
    let text = e.to_string();
    match text.find(" at path \"") {
        Some(cut) => io::Error::new(e.kind(), &text[..cut]),
        None => e,
    }
}

/// The directory a file is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Checks that `path` can be written (see [`Target::check_writable`]), so a
/// run fails before simulating rather than after.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    Target::resolve(path)?.check_writable(path)
}

/// Writes `contents` to `path`. A regular file (or a new one) is replaced
/// atomically: a temporary file in the same directory, flushed to disk, then
/// renamed over it, so a reader sees the old file or the whole new one, and
/// on error nothing is left behind. A symlink is followed to its target. A
/// FIFO or character device is written directly, never replaced; `-` is
/// standard output. Anything else is refused.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    write_atomically_with(path, |out| {
        out.write_all(contents)
            .map_err(|source| write_error(path, source))
    })
}

/// The error of a failed write to `path`, naming it as the user gave it.
pub fn write_error(path: &Path, source: io::Error) -> Error {
    let context = if path == Path::new("-") {
        "cannot write to standard output".to_string()
    } else {
        format!("cannot write {}", path.display())
    };
    Error::Io { context, source }
}

/// [`write_atomically`] for contents too large to hold in memory: `write`
/// streams them into the (buffered) destination, and reports a failed write
/// with [`write_error`]. The file is replaced only if `write` succeeds; a
/// reader that closes standard output or a FIFO early ends the write
/// quietly.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut file = AtomicFile::create(path)?;
    quiet_if_pipe_closed(write(&mut file).and_then(|()| file.commit()))
}

/// A destination written in pieces, as [`write_atomically`] writes one: a
/// regular file (or a new one) goes to a temporary file beside it, put in
/// place by [`AtomicFile::commit`] — dropped without it, nothing is left
/// behind; a FIFO, character device or `-` is written directly. For
/// contents that come in over time and are too large to hold (a sweep's
/// point, replication by replication). Writes are buffered; their errors
/// are the OS's, for the caller to report with [`write_error`].
pub struct AtomicFile {
    /// The path as given, for messages.
    path: PathBuf,
    sink: Sink,
}

enum Sink {
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    Stream(io::BufWriter<std::fs::File>),
    Temp {
        out: io::BufWriter<tempfile::NamedTempFile>,
        /// Where it goes (a symlink followed).
        real: PathBuf,
        _pending: Pending,
    },
}

impl AtomicFile {
    /// Opens `path` for writing (see [`Target::resolve`] for what it may
    /// be).
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        let sink = match Target::resolve(path)? {
            Target::Stdout => Sink::Stdout(io::BufWriter::new(io::stdout().lock())),
            // Appending: a device or FIFO does not care, and a descriptor
            // the shell opened for `>>` keeps what it held.
            Target::Stream(p) => Sink::Stream(io::BufWriter::new(
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&p)
                    .map_err(|e| write_error(path, e))?,
            )),
            Target::File(real) => {
                let dir = parent_dir(&real);
                let tmp = temporary_in(
                    dir,
                    "",
                    format!(
                        "cannot write {} (cannot create a file in {})",
                        path.display(),
                        dir.display()
                    ),
                )?;
                let pending = Pending::track(tmp.path());
                // Held while the file is written: a later run's cleanup
                // removes only temporaries whose lock it can take, i.e.
                // whose writer is gone.
                let _ = tmp.as_file().try_lock();
                Sink::Temp {
                    out: io::BufWriter::new(tmp),
                    real,
                    _pending: pending,
                }
            }
        };
        Ok(AtomicFile {
            path: path.to_path_buf(),
            sink,
        })
    }

    /// Finishes the write: flushes it and, for a file, syncs it to disk and
    /// renames it into place.
    pub fn commit(self) -> Result<(), Error> {
        let path = &self.path;
        let (out, real) = match self.sink {
            Sink::Stdout(mut out) => return out.flush().map_err(|e| write_error(path, e)),
            Sink::Stream(mut out) => return out.flush().map_err(|e| write_error(path, e)),
            Sink::Temp { out, real, .. } => (out, real),
        };
        let tmp = out
            .into_inner()
            .map_err(|e| write_error(path, e.into_error()))?;
        tmp.as_file().sync_all().map_err(|e| write_error(path, e))?;
        // Temporary files are created private (0600); a report is an
        // ordinary file, readable by others as the umask allows for new
        // files. A replaced file keeps its permissions (a private report
        // stays private).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&real).map_or(0o644, |m| m.permissions().mode() & 0o7777);
            let _ = tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode));
        }
        tmp.persist(&real).map_err(|e| write_error(path, e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write(buf),
            Sink::Stream(out) => out.write(buf),
            Sink::Temp { out, .. } => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::Stream(out) => out.flush(),
            Sink::Temp { out, .. } => out.flush(),
        }
    }
}

/// A JSON report as the command line prints it with `--format json`:
/// pretty, with a final newline. `run`, `check`, `validate`, `fit` and
/// `stress` print it, `survsim serve` answers with it and the Python
/// package returns it, so that all agree byte for byte.
pub fn json_text(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("JSON values serialize");
    s.push('\n');
    s
}

/// A closed pipe is not an error: its reader has what it wanted.
fn quiet_if_pipe_closed(result: Result<(), Error>) -> Result<(), Error> {
    match result {
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes to standard output. A closed pipe (`survsim run | head`) is not an
/// error: the reader has what it wanted.
pub fn write_stdout(contents: &[u8]) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(contents).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Io {
            context: "cannot write to standard output".into(),
            source,
        }),
        Ok(()) => Ok(()),
    }
}

/// Temporary files being written, to remove if the process is interrupted
/// (see [`remove_pending_temporaries`]).
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A temporary file registered in [`PENDING`] while it lives.
pub(crate) struct Pending(PathBuf);

impl Pending {
    /// Registers `path` until the returned guard is dropped.
    pub(crate) fn track(path: &Path) -> Pending {
        if let Ok(mut pending) = PENDING.lock() {
            pending.push(path.to_path_buf());
        }
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut pending) = PENDING.lock() {
            pending.retain(|p| p != &self.0);
        }
    }
}

/// Removes every temporary file still being written, and keeps the
/// registry locked so that none is registered after: for a driver's
/// SIGINT/SIGTERM handler, which exits right after (an interrupted run leaves
/// no partial file behind). A SIGKILL cannot be caught: the next run in the
/// directory removes what it left (`remove_stale_temporaries`).
pub fn remove_pending_temporaries() {
    let pending = PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for path in pending.iter() {
        let _ = std::fs::remove_file(path);
    }
    // Held until the process exits.
    std::mem::forget(pending);
}

/// Creates a temporary file of a kind (see [`temp_prefix`]) in `dir`, to
/// be renamed into place, after removing those that killed runs left there
/// (see [`remove_stale_temporaries`]). A failure is reported with `context`,
/// which names the path the user gave rather than the temporary file.
pub(crate) fn temporary_in(
    dir: &Path,
    kind: &str,
    context: String,
) -> Result<tempfile::NamedTempFile, Error> {
    remove_stale_temporaries(dir);
    tempfile::Builder::new()
        .prefix(&temp_prefix(kind))
        .tempfile_in(dir)
        .map_err(plain_os_error)
        .map_err(|source| Error::Io { context, source })
}

/// The prefix of survsim's temporary files of a kind (`""` for reports,
/// `"events-"` for event logs): `.survsim-KIND<pid>-`. The process id lets
/// a later run recognise the leftovers of a killed one.
pub(crate) fn temp_prefix(kind: &str) -> String {
    format!(".survsim-{kind}{}-", std::process::id())
}

/// Removes, from `dir`, temporary files that survsim processes left when
/// killed (SIGKILL, a power cut): files named exactly
/// `.survsim-[events-]<pid>-XXXXXX`, owned by this user, whose exclusive
/// lock can be taken — a writer holds that lock for as long as it lives, so
/// a running survsim's file (in another PID namespace, or hidden by
/// `hidepid`) is never touched, and other files are never matched.
pub(crate) fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    #[cfg(unix)]
    let me = {
        use std::os::unix::fs::MetadataExt;
        // /proc/self belongs to the process's effective user.
        std::fs::metadata("/proc/self").map(|m| m.uid()).ok()
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(is_survsim_temporary) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if me != Some(meta.uid()) {
                continue;
            }
        }
        let path = entry.path();
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Whether `name` is exactly a survsim temporary file's name:
/// `.survsim-`, optionally `events-`, digits, `-`, six letters or digits.
fn is_survsim_temporary(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(".survsim-") else {
        return false;
    };
    let rest = rest.strip_prefix("events-").unwrap_or(rest);
    let Some((pid, random)) = rest.split_once('-') else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 6
        && random.bytes().all(|b| b.is_ascii_alphanumeric())
}
