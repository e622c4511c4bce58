//! Independent replications on all cores.
//!
//! Replication `r` draws only from streams derived from `(seed, r)`, and the
//! results are put back in replication order before anything is summed, so
//! the output is the same whatever the number of threads or the order in
//! which they finish. Workers take replication numbers from a shared counter
//! and send outcomes back over a crossbeam channel.

use crate::engine::Engine;
use crate::metrics::Outcome;
use crate::model::Model;
use std::sync::atomic::{AtomicU64, Ordering};

/// The number of worker threads to use when none is given: the machine's cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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
