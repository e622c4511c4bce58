//! Threads the driver lends the engines.
//!
//! The engines start no thread of their own: one policy for both. The
//! driver (see `crate::drive::replicate`) decides how many threads a
//! replication may use and lends them through [`Lend`]; the residents
//! engine runs its response units on them, the face engine its pipeline's
//! hourly sort and merge. Either way the outcome is the one of a single
//! thread, byte for byte, so a report never depends on `--threads`.

/// Threads the driver lends a replication.
pub trait Lend: Sync {
    /// Workers that may run at once.
    fn workers(&self) -> usize;
    /// Runs `work(w)` for every worker `w` in `0..workers` (at most
    /// [`Lend::workers`]) at once, each on its own thread, and returns when
    /// all have returned. Workers may wait for one another (a producer and
    /// its consumer), so they must not run one after the other.
    fn run(&self, workers: usize, work: &(dyn Fn(usize) + Sync));
}

/// No threads lent: one worker, this thread.
pub struct OneThread;

impl Lend for OneThread {
    fn workers(&self) -> usize {
        1
    }

    fn run(&self, workers: usize, work: &(dyn Fn(usize) + Sync)) {
        debug_assert!(
            workers <= 1,
            "one thread cannot run {workers} workers at once"
        );
        work(0)
    }
}
