//! Points × replications on all cores, handed over in order.
//!
//! The work is a queue of `(point, replication)` items, point by point, run
//! by [`crate::drive::replicate`]'s worker pool — the one `survsim run`
//! uses — so what waits to be handed over is bounded by the workers, not
//! by the replications. A worker keeps its engine (and the per-resident
//! memory) while consecutive items are of the same point — unless the
//! point draws its uncertain inputs, when each replication builds and runs
//! its own model ([`Scenario::replication_model`]), as `survsim run` does,
//! so that replication r of a point is the same whatever else runs.
//!
//! Outcomes are handed over in item order — a point's replications in
//! replication order, then the next point's — so a point's result does not
//! depend on the thread count or on the order in which items finish, and a
//! consumer can stream them (into a point file, or a [`Gathered`]) without
//! holding a point's replications apart. Each is
//! [compacted](Outcome::compact) in its worker: a sweep keeps counts, and
//! the histograms (0.75 MB a replication) are let go where they are made.

use super::Progress;
use crate::drive::replicate::{available_memory_bytes, pool, threads_within_memory};
use crate::engine::Replicator;
use crate::error::{Error, InputError};
use crate::metrics::Outcome;
use crate::report::Gathered;
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs replications `0..reps` of each point in `todo` (indices into
/// `scenarios`) on up to `threads` threads, and hands each outcome,
/// compacted, to `consume(point, rep, outcome)`: in `todo` order, each
/// point's replications in order. `progress` hears of each replication as
/// it is handed over, and of each point once `consume` has taken its last
/// replication. An error from `consume`, or a replication whose draw of the
/// uncertain inputs gives no valid model, stops the workers after their
/// current replication and is returned; so does `stop()` becoming true
/// (then `Ok`, with the points not all handed over).
pub fn stream_points<'s>(
    scenarios: &'s [Scenario],
    todo: &[usize],
    reps: u64,
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
    progress: &mut dyn FnMut(Progress),
    mut consume: impl FnMut(usize, u64, Outcome) -> Result<(), Error>,
) -> Result<(), Error> {
    let total = (todo.len() as u64).saturating_mul(reps);
    if total == 0 {
        return Ok(());
    }
    let item = |i: u64| (todo[(i / reps) as usize], i % reps);
    // A worker's engine, and the point it is for.
    type Slot<'m> = Option<(usize, Replicator<'m>)>;
    let outcome = |slot: &mut Slot<'s>, i: u64| -> Result<Outcome, InputError> {
        let (point, rep) = item(i);
        let scenario = &scenarios[point];
        let mut outcome = if scenario.draws_per_replication() {
            drawn_replication(scenario, rep)?
        } else {
            if slot.as_ref().is_none_or(|(p, _)| *p != point) {
                // The previous point's engine goes before the next is built.
                *slot = None;
                *slot = Some((point, Replicator::new(&scenario.model)));
            }
            let (_, engine) = slot.as_mut().expect("just built");
            engine.run(rep)
        };
        outcome.compact();
        Ok(outcome)
    };
    let failed = AtomicBool::new(false);
    let mut error = None;
    let mut done = 0;
    let halt = || stop() || failed.load(Ordering::Relaxed);
    let ran = pool(total, threads, &halt, outcome, |i, outcome| {
        if error.is_some() {
            // Replications already running when `consume` failed.
            return;
        }
        let (point, rep) = item(i);
        progress(Progress::Replication);
        match consume(point, rep, outcome) {
            Err(e) => {
                error = Some(e);
                failed.store(true, Ordering::Relaxed);
            }
            Ok(()) if rep + 1 == reps => {
                done += 1;
                progress(Progress::Point {
                    done,
                    of: todo.len(),
                });
            }
            Ok(()) => {}
        }
    });
    match (error, ran) {
        (Some(e), _) => Err(e),
        (None, Err(e)) => Err(e.into()),
        (None, Ok(_)) => Ok(()),
    }
}

/// [`stream_points`] with each point's replications gathered as `survsim
/// run` gathers them ([`Gathered`]): `on_point(index, outcomes)` is called
/// as each point completes, with its outcomes in replication order. One
/// point's counts are held at a time, and no more workers run than there
/// are engines that fit in memory.
pub fn run_points(
    scenarios: &[Scenario],
    todo: &[usize],
    reps: u64,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
    mut on_point: impl FnMut(usize, Vec<Outcome>) -> Result<(), Error>,
) -> Result<(), Error> {
    // No more workers, each with its engine, than fit in memory at any point.
    let available = available_memory_bytes();
    let threads = todo.iter().fold(threads, |n, &i| {
        threads_within_memory(&scenarios[i].model, n, available).unwrap_or(1)
    });
    let mut gathered = Gathered::default();
    stream_points(
        scenarios,
        todo,
        reps,
        threads,
        &|| false,
        progress,
        |point, rep, outcome| {
            gathered.add(outcome);
            if rep + 1 < reps {
                return Ok(());
            }
            on_point(point, std::mem::take(&mut gathered).into_outcomes())
        },
    )
}

/// Replication `rep` of a point that draws its uncertain inputs: its own
/// model, built from its own draw, and an engine for it alone.
fn drawn_replication(scenario: &Scenario, rep: u64) -> Result<Outcome, InputError> {
    let model = scenario
        .replication_model(rep)?
        .expect("a scenario that draws has a model per replication");
    Ok(Replicator::new(&model).run(rep))
}
