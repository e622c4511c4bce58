//! Learning from the record: a matcher's impostor tail, its detection rate
//! and the prevalence of wanted people, fitted to published counts.
//!
//! `survsim fit` reads records ([`records`]: what each published figure
//! counted, under which inputs, and its source), writes down their
//! likelihood under stated priors ([`problem`]), samples the posterior
//! ([`sampler`]) and summarises it ([`Posterior`]): each parameter's
//! posterior beside its prior, what each record's counts would be under
//! it, and the false-positive rate the tail implies at the thresholds
//! forces use. The posterior's draws become a matcher profile ([`profile`])
//! that `run`, `sweep`, `serve` and reports use, one draw per replication,
//! so that one run's range (`pi95`) carries what the records leave unknown.
//!
//! ```
//! use survsim::fit::{Posterior, Problem, Records, Settings};
//! let records = Records::bundled();
//! let problem = Problem::new(&records, "neoface-v4").unwrap();
//! let settings = Settings { chains: 2, warmup: 500, draws: 500, seed: 1 };
//! let prepared = survsim::fit::prepare(&problem, None);
//! let chains = (0..2).map(|c| prepared.chain(&settings, c)).collect();
//! let posterior = Posterior::new(problem, chains);
//! assert!(posterior.fpir_at(10_000.0, 0.60).1 > 0.0);
//! ```
//!
//! The fit is pure: chains are deterministic given the seed and their
//! number, and the driver decides the threads.

pub mod groups;
pub mod problem;
pub mod profile;
pub mod records;
pub mod sampler;
pub mod summary;

pub use groups::Groups;
pub use problem::{Parameter, Prior, Problem, Tail};
pub use records::{Evidence, Record, Records};
pub use sampler::{Chain, Settings, Start};

use crate::rng::stream;

/// Stream label of the draws that summarise priors and predictions.
const STREAM_SUMMARY: u64 = 0x5355_4d4d;

/// A problem ready for its chains: the mode to start from, and which
/// record (file index) is left out, if any.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    problem: &'a Problem,
    left_out: Option<usize>,
    start: Start,
}

/// Finds where the chains of `problem` start (leaving out the record at
/// file index `left_out`, for a leave-one-out check).
pub fn prepare(problem: &Problem, left_out: Option<usize>) -> Prepared<'_> {
    let (from, scales): (Vec<f64>, Vec<f64>) = problem
        .parameters
        .iter()
        .map(|p| p.prior.centre_and_scale())
        .unzip();
    let density = |x: &[f64]| problem.log_posterior(x, left_out);
    let start = sampler::find_start(&density, &from, &scales);
    Prepared {
        problem,
        left_out,
        start,
    }
}

impl Prepared<'_> {
    /// Runs chain `chain`.
    pub fn chain(&self, settings: &Settings, chain: usize) -> Chain {
        let density = |x: &[f64]| self.problem.log_posterior(x, self.left_out);
        sampler::run_chain(&density, &self.start, settings, chain)
    }
}

/// A sampled posterior.
#[derive(Debug, Clone)]
pub struct Posterior {
    /// The problem sampled.
    pub problem: Problem,
    /// Each chain's draws.
    pub chains: Vec<Chain>,
}

/// One parameter's posterior, beside its prior.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSummary {
    /// Name.
    pub name: String,
    /// What it is.
    pub what: String,
    /// Posterior mean, on its natural scale.
    pub mean: f64,
    /// 5 %, 50 % and 95 % quantiles, on its natural scale.
    pub quantiles: [f64; 3],
    /// The prior's 5 % and 95 % quantiles, on its natural scale.
    pub prior_quantiles: [f64; 2],
    /// The posterior's sd over the prior's, on the sampler's scale: near 1,
    /// the records narrowed it little.
    pub sd_ratio: f64,
    /// Split-R̂.
    pub rhat: f64,
    /// Effective sample size.
    pub ess: f64,
    /// Whether it is an input known only as a range, which the records
    /// are not expected to narrow.
    pub range: bool,
}

impl ParameterSummary {
    /// Whether the prior, more than the records, decides it: the posterior
    /// is more than half as wide as the prior.
    pub fn prior_dominated(&self) -> bool {
        !self.range && self.sd_ratio > 0.5
    }
}

impl Posterior {
    /// The posterior of `chains`, run on `problem`.
    pub fn new(problem: Problem, chains: Vec<Chain>) -> Posterior {
        Posterior { problem, chains }
    }

    /// Every kept draw, chain after chain.
    pub fn draws(&self) -> impl Iterator<Item = &Vec<f64>> {
        self.chains.iter().flat_map(|c| c.draws.iter())
    }

    /// Parameter `i`'s draws, chain by chain, on the sampler's scale.
    fn parameter_chains(&self, i: usize) -> Vec<Vec<f64>> {
        self.chains
            .iter()
            .map(|c| c.draws.iter().map(|x| x[i]).collect())
            .collect()
    }

    /// Each parameter's posterior.
    pub fn summary(&self) -> Vec<ParameterSummary> {
        let mut rng = stream(0, &[STREAM_SUMMARY]);
        self.problem
            .parameters
            .iter()
            .enumerate()
            .map(|(i, parameter)| {
                let chains = self.parameter_chains(i);
                let xs: Vec<f64> = chains.iter().flatten().copied().collect();
                let values: Vec<f64> = xs.iter().map(|&x| parameter.prior.value(x)).collect();
                let prior_xs: Vec<f64> =
                    (0..4000).map(|_| parameter.prior.draw(&mut rng)).collect();
                let prior_values: Vec<f64> =
                    prior_xs.iter().map(|&x| parameter.prior.value(x)).collect();
                ParameterSummary {
                    name: parameter.name.clone(),
                    what: parameter.what.clone(),
                    mean: values.iter().sum::<f64>() / values.len() as f64,
                    quantiles: [
                        quantile(&values, 0.05),
                        quantile(&values, 0.5),
                        quantile(&values, 0.95),
                    ],
                    prior_quantiles: [quantile(&prior_values, 0.05), quantile(&prior_values, 0.95)],
                    sd_ratio: sd(&xs) / sd(&prior_xs),
                    rhat: sampler::split_rhat(&chains),
                    ess: sampler::effective_size(&chains),
                    range: parameter.input,
                }
            })
            .collect()
    }

    /// The matcher at every draw.
    pub fn tails(&self) -> Vec<Tail> {
        self.draws().filter_map(|x| self.problem.tail(x)).collect()
    }

    /// FPIR of a search of `entries` at `threshold` by the records' mix of
    /// passers, against a list like them: the 5 %, 50 % and 95 % quantiles
    /// over the posterior.
    pub fn fpir_at(&self, entries: f64, threshold: f64) -> (f64, f64, f64) {
        let passers = &self.problem.passers;
        let values: Vec<f64> = self
            .tails()
            .iter()
            .map(|t| t.mixture_fpir(passers, Some(passers), entries, threshold))
            .collect();
        (
            quantile(&values, 0.05),
            quantile(&values, 0.5),
            quantile(&values, 0.95),
        )
    }

    /// Each fitted record's counts (file index, and per count its name,
    /// the published value and the 5 % and 95 % quantiles of what the
    /// posterior predicts for it: one simulated record set per draw).
    pub fn predictions(&self) -> Vec<RecordPrediction> {
        predictions(&self.problem, self.draws(), None, true)
    }
}

/// A record's counts beside what a posterior predicts for them.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPrediction {
    /// The record's index in its file.
    pub record: usize,
    /// Per count: what it is, its published value, and the predictive 5 %
    /// and 95 % quantiles.
    pub counts: Vec<(String, u64, [f64; 2])>,
}

impl RecordPrediction {
    /// Whether every published count lies within its 90 % interval.
    pub fn covered(&self) -> bool {
        self.counts
            .iter()
            .all(|(_, value, [low, high])| (*value as f64) >= *low && (*value as f64) <= *high)
    }
}

/// What `draws` predict for each record fitted by `problem` (or only for
/// record `only`, by file index): each deployment at the prevalence its
/// own true alerts imply (`conditioned`, in-sample), or at one drawn afresh
/// (a record the draws did not see).
pub fn predictions<'a>(
    problem: &Problem,
    draws: impl Iterator<Item = &'a Vec<f64>>,
    only: Option<usize>,
    conditioned: bool,
) -> Vec<RecordPrediction> {
    let mut rng = stream(1, &[STREAM_SUMMARY]);
    let simulated: Vec<Vec<problem::Counts>> = draws
        .filter_map(|x| problem.simulate(x, &mut rng, conditioned))
        .collect();
    let observed = problem.observed();
    problem
        .records()
        .enumerate()
        .filter(|(_, record)| only.is_none_or(|o| o == *record))
        .map(|(k, record)| {
            let names = problem.count_names(record);
            let counts = observed[k]
                .iter()
                .enumerate()
                .map(|(j, &value)| {
                    let values: Vec<f64> = simulated.iter().map(|s| s[k][j] as f64).collect();
                    (
                        names.get(j).cloned().unwrap_or_default(),
                        value,
                        [quantile(&values, 0.05), quantile(&values, 0.95)],
                    )
                })
                .collect();
            RecordPrediction { record, counts }
        })
        .collect()
}

/// The `q` quantile of `values` (linear between order statistics).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    sorted[low] + (position - low as f64) * (sorted[high] - sorted[low])
}

/// Sample standard deviation.
fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt()
}
