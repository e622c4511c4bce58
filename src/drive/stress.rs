//! Running `survsim stress`: each probe is the scenario at a footfall factor
//! (or a number of servers per pool), replicated on all cores, and the
//! searches of [`crate::stress`] decide which probe comes next.

use super::replicate::{available_memory_bytes, for_each_replication, threads_within_memory};
use crate::error::InputError;
use crate::model::{MAX_EXPECTED_FACES, Model};
use crate::report::{Gathered, Report};
use crate::stress::{Probe, StressResult, Target, search_load, search_servers};

/// Runs and measures one probe: `reps` replications of `model` at footfall
/// factor `load` (with `servers` per pool, if given), on up to `threads`
/// threads.
pub fn probe(
    model: &Model,
    load: f64,
    servers: Option<u32>,
    reps: u64,
    threads: usize,
    targets: &[Target],
) -> Probe {
    let mut m = model.with_footfall_scaled(load);
    if let Some(n) = servers {
        m = m.with_pool_servers(n);
    }
    // Each worker holds an engine: no more of them than memory allows.
    let threads = threads_within_memory(&m, threads, available_memory_bytes()).unwrap_or(1);
    // Outcomes are gathered as they finish: bounded memory whatever --reps.
    let mut gathered = Gathered::default();
    for_each_replication(&m, reps, threads, |_, o| gathered.add(o));
    let report = Report::from_gathered(&m, "", &[], &gathered);
    Probe::measure(load, servers, &report, targets)
}

fn expected_faces(model: &Model, load: f64) -> f64 {
    model.expected().faces_captured * load
}

/// Why `model` cannot be run at footfall factor `load`, if it cannot: the
/// same limits as `survsim run` — the faces one replication may capture,
/// and one engine's memory (its pipeline holds an hour of faces) within
/// `available` bytes.
pub fn load_limit(model: &Model, load: f64, available: Option<u64>) -> Option<String> {
    let faces = expected_faces(model, load);
    if faces.is_nan() || faces > MAX_EXPECTED_FACES {
        return Some(format!(
            "at ×{} one replication would capture {faces:.3e} faces, more than the \
             {MAX_EXPECTED_FACES:.0e} one run may simulate",
            factor(load)
        ));
    }
    let scaled = model.with_footfall_scaled(load);
    threads_within_memory(&scaled, 1, available)
        .err()
        .map(|e| format!("at ×{}: {}", factor(load), e.message))
}

/// A footfall factor as people read it: `2`, `0.125`, `1e300`.
fn factor(load: f64) -> String {
    if (1e-4..1e7).contains(&load) {
        format!("{load}")
    } else {
        format!("{load:e}")
    }
}

/// Checks `--load` against [`load_limit`] before a search begins.
pub fn check_load(model: &Model, load: f64) -> Result<(), InputError> {
    match load_limit(model, load, available_memory_bytes()) {
        Some(why) => Err(InputError::whole("--load", why)),
        None => Ok(()),
    }
}

/// The highest footfall factor at which every target holds, up to
/// [`crate::stress::MAX_LOAD_FACTOR`] (see [`search_load`]).
pub fn find_load_limit(
    model: &Model,
    targets: &[Target],
    reps: u64,
    threads: usize,
) -> StressResult {
    let available = available_memory_bytes();
    search_load(
        &mut |load| probe(model, load, None, reps, threads, targets),
        &|load| load_limit(model, load, available),
    )
}

/// The fewest servers per pool meeting every target at footfall factor
/// `load` (see [`search_servers`]).
pub fn solve_servers(
    model: &Model,
    load: f64,
    targets: &[Target],
    reps: u64,
    threads: usize,
) -> StressResult {
    search_servers(&mut |n| probe(model, load, Some(n), reps, threads, targets))
}
