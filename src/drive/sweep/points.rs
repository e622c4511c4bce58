//! Points × replications on all cores.
//!
//! The work is a queue of `(point, replication)` items, point by point, that
//! workers take from a shared counter; a worker keeps its engine (and the
//! per-resident memory) while consecutive items are of the same point —
//! unless the point draws its uncertain inputs, when each replication builds
//! and runs its own model ([`Scenario::replication_model`]), as `survsim
//! run` does, so that replication r of a point is the same whatever else
//! runs.
//! Outcomes come back over a channel and are assembled per point in
//! replication order, so a point's result does not depend on the thread
//! count or on the order in which items finish. Points are handed over as
//! soon as their last replication is in, to be checkpointed.

use super::Progress;
use crate::engine::Replicator;
use crate::error::{Error, InputError};
use crate::metrics::Outcome;
use crate::scenario::Scenario;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs replications `0..reps` of each point in `todo` (indices into
/// `scenarios`) on up to `threads` threads. `on_point(index, outcomes)` is
/// called as each point completes, with its outcomes in replication order;
/// `progress` hears of each replication as it comes in, and of each point
/// once `on_point` has taken it. An error from `on_point`, or a
/// replication whose draw of the uncertain inputs gives no valid model,
/// stops the workers after their current replication and is returned.
pub fn run_points(
    scenarios: &[Scenario],
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
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, u64, Result<Outcome, InputError>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, total) {
            let tx = tx.clone();
            let take = &take;
            scope.spawn(move || {
                let mut pending = take();
                while let Some((point, first)) = pending {
                    let scenario = &scenarios[point];
                    pending = if scenario.draws_per_replication() {
                        let outcome = drawn_replication(scenario, first);
                        let failed = outcome.is_err();
                        if tx.send((point, first, outcome)).is_err() || failed {
                            return;
                        }
                        take()
                    } else {
                        match same_model(scenario, point, first, take, &tx) {
                            Some(next) => next,
                            None => return,
                        }
                    };
                }
            });
        }
        drop(tx);
        let mut partial: HashMap<usize, Vec<Option<Outcome>>> = HashMap::new();
        let mut result = Ok(());
        let mut done = 0;
        for (point, rep, outcome) in rx.iter() {
            let mut outcome = match outcome {
                Ok(outcome) => outcome,
                Err(error) => {
                    result = Err(error.into());
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            };
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

/// The item taken after a worker's last one: the next `(point, rep)`, or
/// none left.
type Next = Option<(usize, u64)>;

/// Replication `rep` of a point that draws its uncertain inputs: its own
/// model, built from its own draw, and an engine for it alone.
fn drawn_replication(scenario: &Scenario, rep: u64) -> Result<Outcome, InputError> {
    let model = scenario
        .replication_model(rep)?
        .expect("a scenario that draws has a model per replication");
    Ok(Replicator::new(&model).run(rep))
}

/// Replications of a point at its nominal model, from `first` on, with one
/// engine while the items taken stay on this point: the item taken after
/// them (`Some(None)` if none is left), or `None` if the receiver is gone.
fn same_model(
    scenario: &Scenario,
    point: usize,
    first: u64,
    take: impl Fn() -> Next,
    tx: &crossbeam_channel::Sender<(usize, u64, Result<Outcome, InputError>)>,
) -> Option<Next> {
    let mut engine = Replicator::new(&scenario.model);
    let mut rep = first;
    loop {
        if tx.send((point, rep, Ok(engine.run(rep)))).is_err() {
            return None;
        }
        match take() {
            Some((p, r)) if p == point => rep = r,
            next => return Some(next),
        }
    }
}
