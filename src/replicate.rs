//! Independent replications on all cores.
//!
//! Replication `r` draws only from streams derived from `(seed, r)`, and the
//! results are put back in replication order before anything is summed, so
//! the output is the same whatever the number of threads or the order in
//! which they finish. Workers take replication numbers from a shared counter
//! and send outcomes back over a crossbeam channel.

use crate::engine::Engine;
use crate::error::InputError;
use crate::metrics::Outcome;
use crate::model::Model;
use std::sync::atomic::{AtomicU64, Ordering};

/// The number of worker threads to use when none is given: the machine's cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The memory this machine has available, in bytes (Linux's
/// `MemAvailable`; `None` where it cannot be read).
pub fn available_memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How many engines (one per worker thread) fit in `available` bytes, at
/// most `threads`: each holds [`crate::engine::memory_bytes`]. An error if
/// not even one fits, stating what one needs. `None` available: no bound.
pub fn threads_within_memory(
    model: &Model,
    threads: usize,
    available: Option<u64>,
) -> Result<usize, InputError> {
    let Some(available) = available else {
        return Ok(threads.max(1));
    };
    let per_engine = crate::engine::memory_bytes(model);
    let fit = (available / per_engine.max(1)) as usize;
    if fit == 0 {
        let gb = |b: u64| b as f64 / 1e9;
        let key = if model.pipeline.is_some() {
            "population.residents (and the pipeline's busiest hour of faces)"
        } else {
            "population.residents"
        };
        return Err(InputError::whole(
            key,
            format!(
                "one replication needs {:.1} GB of memory ({} residents × 16 bytes{}), \
                 and {:.1} GB is available",
                gb(per_engine),
                model.residents,
                if model.pipeline.is_some() {
                    ", plus an hour of faces in the pipeline"
                } else {
                    ""
                },
                gb(available)
            ),
        ));
    }
    Ok(threads.clamp(1, fit))
}

/// Runs replications `0..reps` of `model` on up to `threads` threads and
/// returns their outcomes in replication order.
pub fn run_replications(model: &Model, reps: u64, threads: usize) -> Vec<Outcome> {
    let workers = threads.clamp(1, reps.max(1) as usize);
    if workers == 1 {
        let mut engine = Engine::new(model);
        return (0..reps).map(|r| engine.run(r)).collect();
    }
    let next = AtomicU64::new(0);
    let (tx, rx) = crossbeam_channel::unbounded::<(u64, Outcome)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                let mut engine = Engine::new(model);
                loop {
                    let r = next.fetch_add(1, Ordering::Relaxed);
                    if r >= reps {
                        break;
                    }
                    if tx.send((r, engine.run(r))).is_err() {
                        break;
                    }
                }
            });
        }
    });
    drop(tx);
    let mut results: Vec<(u64, Outcome)> = rx.iter().collect();
    results.sort_by_key(|(r, _)| *r);
    results.into_iter().map(|(_, o)| o).collect()
}
