//! Points × replications on all cores.
//!
//! The work is a queue of `(point, replication)` items, point by point, that
//! workers take from a shared counter; a worker keeps its engine (and the
//! per-resident memory) while consecutive items are of the same point.
//! Outcomes come back over a channel and are assembled per point in
//! replication order, so a point's result does not depend on the thread
//! count or on the order in which items finish. Points are handed over as
//! soon as their last replication is in, to be checkpointed.

use super::Progress;
use crate::engine::Replicator;
use crate::error::Error;
use crate::metrics::Outcome;
use crate::model::Model;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs replications `0..reps` of each point in `todo` (indices into
/// `models`) on up to `threads` threads. `on_point(index, outcomes)` is
/// called as each point completes, with its outcomes in replication order;
/// `progress` hears of each replication as it comes in, and of each point
/// once `on_point` has taken it. An error from `on_point` stops the workers
/// after their current replication and is returned.
pub fn run_points(
    models: &[Model],
    todo: &[usize],
    reps: u64,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
    mut on_point: impl FnMut(usize, Vec<Outcome>) -> Result<(), Error>,
) -> Result<(), Error> {
    let reps = reps as usize;
    let total = todo.len() * reps;
    if total == 0 {
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let take = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < total && !stop.load(Ordering::Relaxed)).then(|| (todo[i / reps], (i % reps) as u64))
    };
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, u64, Outcome)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, total) {
            let tx = tx.clone();
            let take = &take;
            scope.spawn(move || {
                let mut pending = take();
                while let Some((point, first)) = pending {
                    let mut engine = Replicator::new(&models[point]);
                    let mut rep = first;
                    loop {
                        if tx.send((point, rep, engine.run(rep))).is_err() {
                            return;
                        }
                        pending = take();
                        match pending {
                            Some((p, r)) if p == point => rep = r,
                            _ => break,
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut partial: HashMap<usize, Vec<Option<Outcome>>> = HashMap::new();
        let mut result = Ok(());
        let mut done = 0;
        for (point, rep, mut outcome) in rx.iter() {
            progress(Progress::Replication);
            // A point is written from its counts: holding each finished
            // replication's histograms until its point completes would cost
            // 0.75 MB a replication (`--reps 500`: 375 MB a point in flight).
            outcome.compact();
            let slots = partial.entry(point).or_insert_with(|| vec![None; reps]);
            slots[rep as usize] = Some(outcome);
            if slots.iter().all(Option::is_some) {
                let outcomes = partial
                    .remove(&point)
                    .expect("just filled")
                    .into_iter()
                    .map(|o| o.expect("all replications are in"))
                    .collect();
                if let Err(e) = on_point(point, outcomes) {
                    result = Err(e);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
                done += 1;
                progress(Progress::Point {
                    done,
                    of: todo.len(),
                });
            }
        }
        drop(rx);
        result
    })
}
