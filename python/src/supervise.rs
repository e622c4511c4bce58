//! Work on a thread of its own, watched from the caller's.
//!
//! A call from Python hands its work (load, simulate, render) to a new
//! thread and waits for it with the GIL released, waking every
//! [`POLL`] to do what only the caller's thread may: run Python's signal
//! handlers ([`Python::check_signals`], so Ctrl-C raises
//! `KeyboardInterrupt`), check the timeout, and tell the progress callback
//! how far the work has got. On an interrupt or a timeout it sets the
//! [`Watch`]'s stop flag, which the drivers read before each replication
//! (`for_each_scenario_replication_until`, `sweep_until`), waits for the work
//! to stop — a second Ctrl-C stops waiting — and raises.
//!
//! The work never touches Python, and a panic in it is caught on its
//! thread and raised as a `RuntimeError`: nothing unwinds across the FFI.

use crossbeam_channel::RecvTimeoutError;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTimeoutError};
use pyo3::prelude::*;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use survsim::error::{Error, InputError};

/// How often the caller's thread wakes to check signals, the timeout and
/// progress.
const POLL: Duration = Duration::from_millis(50);

/// What the work and the thread watching it share: the stop flag, and how
/// far the work has got.
#[derive(Debug, Default)]
pub struct Watch {
    stop: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
}

impl Watch {
    /// Whether the caller has asked the work to stop.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The work has `total` steps (replications) to do.
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// One more step is done.
    pub fn step(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn progress(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// How a call is watched.
pub struct How<'py> {
    /// The verb, for messages (`run`, `sweep`).
    pub what: &'static str,
    /// Seconds after which the work is stopped and `TimeoutError` raised.
    pub timeout: Option<f64>,
    /// Called as `progress(done, total)` when either changes.
    pub progress: Option<Bound<'py, PyAny>>,
    /// Whether the work reads [`Watch::stopped`]. Work that does not (a
    /// fit's chains) is left to finish on its own when the call is
    /// interrupted, and the call returns at once.
    pub stoppable: bool,
}

/// What the work's thread hands back: its result, or its panic.
type Answer<T> = std::thread::Result<Result<Option<T>, Error>>;

/// Runs `work` on a thread of its own and waits for it as [`How`] says.
/// `work` returns `None` only when it saw [`Watch::stopped`].
pub fn supervise<T, F>(py: Python<'_>, how: How<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Watch) -> Result<Option<T>, Error> + Send + 'static,
{
    let timeout = match how.timeout {
        Some(s) if !(s.is_finite() && s > 0.0) => {
            return Err(input_error(
                py,
                &InputError::whole(
                    "timeout",
                    format!("expected a number of seconds above 0, got {s}"),
                ),
            ));
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let watch = Arc::new(Watch::default());
    let (tx, rx) = crossbeam_channel::bounded::<Answer<T>>(1);
    let shared = Arc::clone(&watch);
    std::thread::Builder::new()
        .name(format!("survsim {}", how.what))
        .spawn(move || {
            let answer = catch_unwind(AssertUnwindSafe(|| work(&shared)));
            let _ = tx.send(answer);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let started = Instant::now();
    let mut shown = (0, 0);
    loop {
        match py.detach(|| rx.recv_timeout(POLL)) {
            Ok(answer) => {
                show(&how, &watch, &mut shown)?;
                return finish(py, how.what, answer);
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(format!(
                    "survsim {}: its thread ended without an answer",
                    how.what
                )));
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let interrupted = match py.check_signals() {
            Err(e) => Some(e),
            Ok(()) if timeout.is_some_and(|t| started.elapsed() >= t) => {
                Some(timed_out(&how, &watch))
            }
            // A callback that raises stops the work too.
            Ok(()) => show(&how, &watch, &mut shown).err(),
        };
        if let Some(error) = interrupted {
            watch.stop.store(true, Ordering::Relaxed);
            if how.stoppable {
                wait_for_stop(py, &rx);
            }
            return Err(error);
        }
    }
}

/// The `TimeoutError` of work that ran past `how.timeout`.
fn timed_out(how: &How<'_>, watch: &Watch) -> PyErr {
    let seconds = how.timeout.unwrap_or_default();
    let (done, total) = watch.progress();
    PyTimeoutError::new_err(if how.stoppable {
        format!(
            "survsim {} stopped at its timeout of {seconds} s, {done} of {total} replications \
             done; no result",
            how.what
        )
    } else {
        format!(
            "survsim {} gave no result within its timeout of {seconds} s (it cannot stop \
             midway: it finishes in the background, and its result is dropped)",
            how.what
        )
    })
}

/// Waits for stopped work to end (its replications running finish first);
/// another Ctrl-C stops waiting, and the work ends on its own.
fn wait_for_stop<T: Send>(py: Python<'_>, rx: &crossbeam_channel::Receiver<Answer<T>>) {
    loop {
        match py.detach(|| rx.recv_timeout(POLL)) {
            Ok(_) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                if py.check_signals().is_err() {
                    return;
                }
            }
        }
    }
}

/// Calls the progress callback if the work has moved on since `shown`.
fn show(how: &How<'_>, watch: &Watch, shown: &mut (u64, u64)) -> PyResult<()> {
    let Some(callback) = &how.progress else {
        return Ok(());
    };
    let now = watch.progress();
    if now != *shown {
        *shown = now;
        callback.call1(now)?;
    }
    Ok(())
}

/// The work's answer as Python sees it.
fn finish<T>(py: Python<'_>, what: &str, answer: Answer<T>) -> PyResult<T> {
    match answer {
        Ok(Ok(Some(value))) => Ok(value),
        Ok(Ok(None)) => Err(PyRuntimeError::new_err(format!(
            "survsim {what} stopped without being asked to"
        ))),
        Ok(Err(error)) => Err(to_py(py, error)),
        Err(panic) => Err(PyRuntimeError::new_err(format!(
            "survsim {what} failed unexpectedly (a bug: please report it with the call that \
             raised this): {}",
            panic_message(&panic)
        ))),
    }
}

fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// A survsim error as a Python exception: bad input is
/// `survsim.ScenarioError` with the command line's message; a failure to
/// write a file is `OSError`.
pub fn to_py(py: Python<'_>, error: Error) -> PyErr {
    match error {
        Error::Input(e) => input_error(py, &e),
        e @ Error::Io { .. } => PyOSError::new_err(e.to_string()),
    }
}

/// `survsim.ScenarioError(message, source, key, line, column, reason)`:
/// `str()` of it is what `survsim` prints after `survsim: error: `.
pub fn input_error(py: Python<'_>, e: &InputError) -> PyErr {
    let (line, column) = e.line_col.unzip();
    let raised = py
        .import("survsim._errors")
        .and_then(|module| module.getattr("ScenarioError"))
        .and_then(|class| {
            class.call1((
                e.to_string(),
                e.source_name.clone(),
                e.key_path.clone(),
                line,
                column,
                e.message.clone(),
            ))
        });
    match raised {
        Ok(exception) => PyErr::from_value(exception),
        Err(failed) => failed,
    }
}
