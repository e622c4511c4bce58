//! Independent replications on all cores.
//!
//! Replication `r` draws only from streams derived from `(seed, r)`, and the
//! results are put back in replication order before anything is summed, so
//! the output is the same whatever the number of threads or the order in
//! which they finish. Workers take replication numbers from a shared counter
//! and send outcomes back over a crossbeam channel.

pub use super::memory::{
    Available, Limit, available_memory, available_memory_bytes, threads_for, threads_within_memory,
};
use crate::engine::lend::Lend;
use crate::engine::residents::Plan;
use crate::engine::{Engine, Replicator};
use crate::error::InputError;
use crate::metrics::Outcome;
use crate::model::Model;
use crate::model::{EngineKind, Mode};
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

/// The number of worker threads to use when none is given: the machine's cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs replications `0..reps` of `model` on up to `threads` threads and
/// returns their outcomes in replication order.
pub fn run_replications(model: &Model, reps: u64, threads: usize) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(reps.min(1 << 16) as usize);
    for_each_replication(model, reps, threads, |_, o| outcomes.push(o));
    outcomes
}

/// Runs replications `0..reps` of `model` on up to `threads` threads and
/// hands each outcome to `consume` as soon as every earlier one has been
/// handed over: in replication order, whatever the thread count. Workers
/// run at most a few replications ahead of the oldest one unfinished, so
/// memory stays bounded by the workers, not by `reps`.
pub fn for_each_replication(
    model: &Model,
    reps: u64,
    threads: usize,
    consume: impl FnMut(u64, Outcome),
) {
    for_each_replication_until(model, reps, threads, &|| false, consume);
}

/// [`for_each_replication`] that starts no replication once `stop()` is
/// true (a server's cancelled request): false if it stopped before the
/// last. The outcomes handed over are still those of replications
/// `0..k`, in order.
fn for_each_replication_until<'m>(
    model: &'m Model,
    reps: u64,
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
    mut consume: impl FnMut(u64, Outcome),
) -> bool {
    if splits_replications(model, reps, threads) {
        let mut split = Split::new(model, threads);
        for r in 0..reps {
            if stop() {
                return false;
            }
            consume(r, split.run(r));
        }
        return true;
    }
    let outcome = |engine: &mut Option<Replicator<'m>>, r: u64| -> Result<Outcome, InputError> {
        Ok(engine.get_or_insert_with(|| Replicator::new(model)).run(r))
    };
    pool(reps, threads, stop, outcome, consume).expect("a fixed model cannot fail to build") == reps
}

/// [`for_each_replication`] of a scenario: where it draws its uncertain
/// inputs or a fractional wanted person ([`Scenario::draws_per_replication`]),
/// each replication runs its own
/// model ([`Scenario::replication_model`]); otherwise every replication runs
/// the nominal one. An error if a replication's draw gives no valid model.
pub fn for_each_scenario_replication(
    scenario: &Scenario,
    reps: u64,
    threads: usize,
    consume: impl FnMut(u64, Outcome),
) -> Result<(), InputError> {
    for_each_scenario_replication_until(scenario, reps, threads, &|| false, consume).map(|_| ())
}

/// [`for_each_scenario_replication`] that starts no replication once
/// `stop()` is true: `Ok(false)` if it stopped before the last (what was
/// handed over is replications `0..k`, in order). `survsim serve` stops a
/// run this way when its request is cancelled.
pub fn for_each_scenario_replication_until(
    scenario: &Scenario,
    reps: u64,
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
    mut consume: impl FnMut(u64, Outcome),
) -> Result<bool, InputError> {
    if !scenario.draws_per_replication() {
        return Ok(for_each_replication_until(
            &scenario.model,
            reps,
            threads,
            stop,
            consume,
        ));
    }
    // A drawn model lives for its replication only; its engine with it.
    let draw = |r: u64| -> Result<_, InputError> {
        Ok(scenario
            .replication_model(r)?
            .expect("a scenario that draws has a model per replication"))
    };
    if splits_replications(&scenario.model, reps, threads) {
        for r in 0..reps {
            if stop() {
                return Ok(false);
            }
            consume(r, Split::new(&draw(r)?, threads).run(r));
        }
        return Ok(true);
    }
    let outcome = |_: &mut Option<Replicator<'_>>, r: u64| -> Result<Outcome, InputError> {
        Ok(Replicator::new(&draw(r)?).run(r))
    };
    Ok(pool(reps, threads, stop, outcome, consume)? == reps)
}

/// Whether replications of `model` are better run one at a time with their
/// work shared out over the threads: fewer replications than threads, and
/// an engine that can split one.
fn splits_replications(model: &Model, reps: u64, threads: usize) -> bool {
    can_split(model) && threads > 1 && reps < threads as u64
}

/// Whether one replication of `model` can use several threads: the
/// residents engine's chunks, or the face engine's recognition pipeline
/// (its hourly sort of the faces).
pub(crate) fn can_split(model: &Model) -> bool {
    match model.engine {
        EngineKind::Residents => true,
        EngineKind::Faces => model.pipeline.is_some() && model.mode == Mode::Footfall,
    }
}

/// Replication `rep` of `model` alone, its work shared out over `threads`
/// where the engine can split it: the same outcome as
/// [`crate::engine::run_replication`].
pub fn run_one(model: &Model, rep: u64, threads: usize) -> Outcome {
    if threads > 1 && can_split(model) {
        Split::new(model, threads).run(rep)
    } else {
        crate::engine::run_replication(model, rep)
    }
}

/// An engine whose replications each use several threads, with the
/// outcomes of one thread.
enum Split<'m> {
    /// The residents engine's chunks, on [`run_split`].
    Residents(Plan<'m>, usize),
    /// The face engine, lending the threads to the pipeline's sort and
    /// merge.
    Faces(Box<Engine<'m>>, usize),
}

impl<'m> Split<'m> {
    fn new(model: &'m Model, threads: usize) -> Self {
        match model.engine {
            EngineKind::Residents => Split::Residents(Plan::new(model), threads),
            EngineKind::Faces => Split::Faces(Box::new(Engine::new(model)), threads),
        }
    }

    fn run(&mut self, rep: u64) -> Outcome {
        match self {
            Split::Residents(plan, threads) => run_split(plan, rep, *threads),
            Split::Faces(engine, threads) => engine.run_lent(rep, &Lent { threads: *threads }),
        }
    }
}

/// Replication `rep` of `plan` on `threads` threads. Its chunks are fixed
/// by the model and put back in chunk order, so the outcome is the one
/// [`Plan::run`] gives on one thread, byte for byte.
pub fn run_split(plan: &Plan, rep: u64, threads: usize) -> Outcome {
    let chunks = plan.chunks();
    let drawn = in_parallel(chunks, threads, |c| plan.run_chunk(rep, c));
    plan.finish_on(rep, drawn, &Lent { threads })
}

/// Threads lent to one replication (the residents engine's response units,
/// [`crate::engine::residents::teams`]; the face engine's pipeline):
/// scoped, joined before it returns.
struct Lent {
    threads: usize,
}

impl Lend for Lent {
    fn workers(&self) -> usize {
        self.threads.max(1)
    }

    fn run(&self, workers: usize, work: &(dyn Fn(usize) + Sync)) {
        std::thread::scope(|scope| {
            for w in 1..workers {
                scope.spawn(move || work(w));
            }
            work(0);
        });
    }
}

/// `f(0) … f(n − 1)` on up to `threads` threads, in index order.
fn in_parallel<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicU64::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.clamp(1, n.max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                        if i >= n {
                            return mine;
                        }
                        mine.push((i, f(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// Runs `outcome(slot, r)` for `r` in `0..reps` on up to `threads`
/// threads, each with its own slot (its engine, kept from one item to the
/// next), and hands the outcomes to `consume` in order; stops at the first
/// error, and starts no item once `stop()` is true. The number handed over.
///
/// A worker runs at most a few items ahead of the oldest one not yet
/// handed over, and the channel is bounded, so what waits to be consumed
/// is bounded by the workers whatever `reps` and however slow `consume`
/// is. Runs and sweeps both go through here (a sweep's items are its
/// points' replications, point by point).
pub(crate) fn pool<S: Default>(
    reps: u64,
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
    outcome: impl Fn(&mut S, u64) -> Result<Outcome, InputError> + Sync,
    mut consume: impl FnMut(u64, Outcome),
) -> Result<u64, InputError> {
    let workers = threads.clamp(1, reps.max(1) as usize);
    if workers == 1 {
        let mut engine = S::default();
        for r in 0..reps {
            if stop() {
                return Ok(r);
            }
            consume(r, outcome(&mut engine, r)?);
        }
        return Ok(reps);
    }
    // A worker may start replication r only while r < delivered + window.
    let window = 2 * workers as u64;
    let next = AtomicU64::new(0);
    let gate = Gate::default();
    let failure: Mutex<Option<InputError>> = Mutex::new(None);
    let mut expected = 0u64;
    std::thread::scope(|scope| {
        let (tx, rx) = crossbeam_channel::bounded::<(u64, Outcome)>(workers);
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, gate, outcome, failure) = (&next, &gate, &outcome, &failure);
            scope.spawn(move || {
                // A panicking worker releases the others (and the consumer).
                let _abort = gate.abort_on_panic();
                let mut engine = S::default();
                loop {
                    let r = next.fetch_add(1, Ordering::Relaxed);
                    if r >= reps || stop() || !gate.wait_for(r, window) || stop() {
                        break;
                    }
                    match outcome(&mut engine, r) {
                        Ok(o) => {
                            if tx.send((r, o)).is_err() {
                                break;
                            }
                        }
                        Err(error) => {
                            // The earliest replication's error is reported.
                            let mut first = failure.lock().unwrap_or_else(|p| p.into_inner());
                            if first.is_none() {
                                *first = Some(error);
                            }
                            gate.abandon();
                            break;
                        }
                    }
                }
            });
        }
        drop(tx);
        // If `consume` panics, the workers must not wait for it for ever.
        let _abort = gate.abort_on_panic();
        // Put outcomes back in replication order as they arrive.
        let mut waiting = std::collections::BTreeMap::new();
        for (r, outcome) in rx.iter() {
            waiting.insert(r, outcome);
            while let Some(outcome) = waiting.remove(&expected) {
                consume(expected, outcome);
                expected += 1;
                gate.delivered(expected);
            }
        }
        // Only a worker's panic or error ends the channel early; the scope
        // re-raises a panic.
        drop(rx);
    });
    match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(error) => Err(error),
        None => Ok(expected),
    }
}

/// How far replications have been handed over, shared by the workers, who
/// wait for it so as not to run too far ahead; and whether to stop because a
/// thread panicked.
#[derive(Default)]
struct Gate {
    state: Mutex<(u64, bool)>,
    turn: Condvar,
}

impl Gate {
    /// Waits until replication `r` is within `window` of the first not yet
    /// handed over; false if the run is being abandoned.
    fn wait_for(&self, r: u64, window: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while r >= state.0 + window && !state.1 {
            state = self.turn.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        !state.1
    }

    /// Records that replications before `n` have been handed over.
    fn delivered(&self, n: u64) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0 = n;
        self.turn.notify_all();
    }

    /// Abandons the run: waiting workers stop.
    fn abandon(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.turn.notify_all();
    }

    /// A guard that, dropped while its thread panics, abandons the run.
    fn abort_on_panic(&self) -> AbortOnPanic<'_> {
        AbortOnPanic(self)
    }
}

struct AbortOnPanic<'a>(&'a Gate);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
            self.0.turn.notify_all();
        }
    }
}
