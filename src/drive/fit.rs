//! `survsim fit`: the chains of a fit on the cores, and, for the
//! leave-one-out check, a fit without each record in turn.

use crate::error::{Error, InputError};
use crate::fit::{
    Chain, Posterior, Problem, RecordPrediction, Records, Settings, predictions, prepare,
};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What `survsim fit` was asked to do.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// The records.
    pub records: Records,
    /// The matcher whose records are fitted.
    pub matcher: String,
    /// How long the chains run.
    pub settings: Settings,
    /// Whether to fit again without each record.
    pub leave_one_out: bool,
    /// Threads (chains run side by side).
    pub threads: usize,
}

/// A finished fit.
#[derive(Debug, Clone)]
pub struct FitOutput {
    /// The posterior of every record.
    pub posterior: Posterior,
    /// With leave-one-out: per fitted record, what a fit without it predicts.
    pub left_out: Vec<RecordPrediction>,
}

/// Fits the records.
pub fn run(options: &FitOptions) -> Result<FitOutput, Error> {
    let problem = Problem::new(&options.records, &options.matcher).ok_or_else(|| {
        InputError::whole(
            &options.records.name,
            format!(
                "no record of the matcher \"{}\" is fitted (matchers here: {})",
                options.matcher,
                matchers(&options.records)
            ),
        )
    })?;
    let posterior = posterior(&problem, None, options);
    let left_out = if options.leave_one_out {
        problem
            .records()
            .collect::<Vec<_>>()
            .into_iter()
            .flat_map(|record| {
                let without = posterior_chains(&problem, Some(record), options);
                predictions(
                    &problem,
                    without.iter().flat_map(|c| c.draws.iter()),
                    Some(record),
                    false,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(FitOutput {
        posterior,
        left_out,
    })
}

fn matchers(records: &Records) -> String {
    let mut names: Vec<&str> = records.records.iter().map(|r| r.matcher.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

fn posterior(problem: &Problem, left_out: Option<usize>, options: &FitOptions) -> Posterior {
    Posterior::new(
        problem.clone(),
        posterior_chains(problem, left_out, options),
    )
}

/// The chains of `problem` without record `left_out`, on up to
/// `options.threads` threads; in chain order whatever the threads.
fn posterior_chains(
    problem: &Problem,
    left_out: Option<usize>,
    options: &FitOptions,
) -> Vec<Chain> {
    let prepared = prepare(problem, left_out);
    let chains = options.settings.chains;
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Chain)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..options.threads.clamp(1, chains.max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        if c >= chains {
                            return mine;
                        }
                        mine.push((c, prepared.chain(&options.settings, c)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a chain does not panic"))
            .collect()
    });
    done.sort_by_key(|(c, _)| *c);
    done.into_iter().map(|(_, chain)| chain).collect()
}
