//! Reports: replications aggregated once, then rendered as a table or JSON.
//!
//! [`Report::new`] computes every figure — means, 95 % intervals, ratios,
//! per-group rates, expectations — and the renderers only format them.
//! Ratios are taken over the pooled totals of all replications (a ratio of
//! sums), which stays finite when a single replication has no true alert.
//!
//! Intervals (95 %, over replications) respect the support of what they
//! bound: counts use Student's t, or an exact quasi-Poisson interval where
//! t would reach zero ([`crate::stats::count_ci95`]); ratios use the
//! ratio-of-means delta method on the log scale, or Korn and Graubard's
//! interval for proportions ([`crate::stats::ratio_ci95`]); disparities use
//! the delta method on the log scale with a Poisson fallback when a count is
//! zero ([`crate::stats::pooled_product_ci`]).
//!
//! The parts:
//!
//! * this module — [`Report`], its figures, and the aggregation;
//! * `equity` — exposure of residents and each group's burden;
//! * `table` — [`Report::to_table`], the human-readable rendering;
//! * `json` — [`Report::to_json`], serde wire structs that are the schema;
//! * `latency_log` — the HdrHistogram interval log of the latencies;
//! * `long` — every replication's counts in long format (CSV);
//! * `check` — `survsim check`: a scenario's expectations, without running it;
//! * `sensitivity` — what drives each expected figure (Sobol indices);
//! * [`html`] — one self-contained HTML page per run or sweep (`--html`).

mod check;
mod check_json;
mod deployments;
mod equity;
mod html;
mod json;
mod latency_log;
mod long;
mod ratios;
mod sensitivity;
mod table;
mod time_of_day;
mod uncertainty;

pub use check::{Check, SiteLoad, check_table};
pub use check_json::check_json;
pub use deployments::{
    DEPLOYMENT_COLUMNS, DEPLOYMENT_METRICS, DeploymentColumn, DeploymentReport, ListReport,
};
pub use equity::{CAPTURE_BINS, CaptureBin, EquityRow, ExposureReport};
pub use latency_log::{LatencyLog, latency_log};
pub use long::{
    ALL_GROUPS, DECISION_P99_KEY, LONG_HEADER, write_long_csv, write_long_header, write_long_rows,
};
pub use ratios::{RATIOS, Ratio, RatioIntervals, Ratios, Shown};
pub use sensitivity::{DESIGN_ROWS as SENSITIVITY_ROWS, Sensitivity, SensitivityOutput};
pub use time_of_day::HourReport;
pub use uncertainty::{DRAWS as UNCERTAINTY_DRAWS, VarianceShares};

use crate::error::Warning;
use crate::metrics::{GroupMetric, Latencies, Metric, Outcome, PoolStats};
use crate::model::UncertainInput;
use crate::model::{Expected, Model};
pub use crate::stats::MIN_REPS_FOR_PI95;
use crate::stats::{RatioScale, count_ci95, mean_ci95, prediction_interval95, ratio_ci95};
pub use html::{
    Page, Provenance, assumptions_section, esc, run_body, run_command, run_page, run_page_with,
    shell_quote, style_sheet, table,
};

/// A metric's mean over replications with two intervals: `lo`–`hi`, the
/// 95 % confidence interval of the mean (`ci95`: how precisely the runs
/// pin the mean down, [`crate::stats::count_ci95`]: Student's t, or a
/// quasi-Poisson exact interval where t would reach zero; never negative),
/// and `pi95`, the 95 % prediction interval of one replication's outcome
/// (where a single deployment's count should fall,
/// [`crate::stats::prediction_interval95`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean (the value itself for one replication).
    pub mean: f64,
    /// Lower bound of the 95 % interval of the mean.
    pub lo: f64,
    /// Upper bound of the 95 % interval of the mean.
    pub hi: f64,
    /// The 2.5 % and 97.5 % quantiles of the per-replication values; `None`
    /// with fewer than [`MIN_REPS_FOR_PI95`] replications.
    pub pi95: Option<(f64, f64)>,
}

impl Stat {
    fn of(values: impl Iterator<Item = u64>) -> Stat {
        let v: Vec<f64> = values.map(|x| x as f64).collect();
        let (mean, lo, hi) = count_ci95(&v);
        Stat {
            mean,
            lo,
            hi,
            pi95: prediction_interval95(&v),
        }
    }

    /// A figure the model fixes (the wanted people present; drops without a
    /// pipeline): the same in every replication, so its interval is itself.
    fn fixed(values: impl Iterator<Item = u64>) -> Stat {
        let v: Vec<f64> = values.map(|x| x as f64).collect();
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        Stat {
            mean,
            lo: mean,
            hi: mean,
            pi95: prediction_interval95(&v),
        }
    }
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupReport {
    /// Group name.
    pub name: String,
    /// Residents in the group.
    pub residents: u32,
    /// Wanted people in the group.
    pub wanted: u32,
    /// Per-metric means and intervals, in [`GroupMetric::ALL`] order.
    pub stats: Vec<Stat>,
    /// False alerts per 1,000 of the group's faces (pooled).
    pub false_alerts_per_1000_faces: Option<f64>,
    /// That rate divided by the lowest non-zero rate among groups.
    pub false_alert_rate_vs_lowest: Option<f64>,
    /// Per-comparison FMR at the threshold.
    pub fmr: f64,
    /// FPIR of a non-mated search.
    pub fpir: f64,
    /// TPIR of a mated search.
    pub tpir: f64,
}

impl GroupReport {
    /// The mean of a group metric.
    pub fn mean(&self, m: GroupMetric) -> f64 {
        self.stats[m as usize].mean
    }
}

/// Everything a run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Scenario name.
    pub name: String,
    /// Where the scenario came from.
    pub source: String,
    /// `--set` overrides applied, as given.
    pub overrides: Vec<String>,
    /// Base seed.
    pub seed: u64,
    /// Simulated seconds.
    pub duration_s: f64,
    /// Replications run.
    pub replications: u64,
    /// The engine that drew them: `"faces"` or `"residents"`.
    pub engine: &'static str,
    /// Where the scenario takes the matcher beyond its calibration
    /// ([`Model::warnings`]).
    pub warnings: Vec<Warning>,
    /// In words, what the figures rest on when the threshold lies beyond
    /// those the matcher was measured at ([`Model::threshold_caveat`]).
    pub threshold_caveat: Option<String>,
    /// The thresholds the matcher was measured at, ascending
    /// ([`crate::model::measured_thresholds`]).
    pub measured_thresholds: Vec<f64>,
    /// The published outcomes the scenario expresses ([`Model::record`]).
    pub record: Option<crate::model::Record>,
    /// Per-metric means and intervals, in [`Metric::ALL`] order.
    pub totals: Vec<Stat>,
    /// Closed-form expectations per replication.
    pub expected: Expected,
    /// Ratios over pooled totals.
    pub ratios: Ratios,
    /// 95 % intervals of the ratios (delta method for a ratio of means).
    pub ratios_ci95: RatioIntervals,
    /// 95 % prediction intervals of one replication's ratios
    /// ([`RatioIntervals::predictions`]).
    pub ratios_pi95: RatioIntervals,
    /// The [`Ratios`] of the closed-form expectations, where both terms
    /// have one (see [`expected_total`]): the detection rate per pass is
    /// `expected.true_alerts / expected.wanted_faces_captured`, exact as
    /// [`Expected::detection_per_pass_is_exact`] says.
    pub expected_ratios: Ratios,
    /// Wanted people missed: scanned at least once but never the subject of
    /// a true alert (`wanted_scanned − wanted_alerted`, per replication),
    /// with its mean and 95 % interval over replications.
    pub wanted_missed: Stat,
    /// Per group, in model order.
    pub groups: Vec<GroupReport>,
    /// Latency percentiles pooled over replications (empty histograms are
    /// left out: capture → decision needs a pipeline).
    pub latency: Vec<LatencyReport>,
    /// Per matcher pool, with a pipeline.
    pub pools: Vec<PoolReport>,
    /// With a pipeline: faces dropped ÷ faces captured, pooled over
    /// replications, and its 95 % interval (Korn and Graubard's, as for
    /// alert precision; the value itself with one replication).
    pub drop_rate: Option<Stat>,
    /// With a pipeline: each replication's 99th percentile of capture →
    /// decision latency (ms), averaged over replications, and its Student's
    /// t 95 % interval (never below zero). The pooled percentiles are in
    /// [`Report::latency`].
    pub decision_p99_ms: Option<Stat>,
    /// Who is watched, how often, and who can be tracked.
    pub exposure: ExposureReport,
    /// Faces and alerts by hour of the clock (none in batch mode).
    pub time_of_day: Vec<HourReport>,
    /// Each deployment of a schedule, in file order (none without one).
    pub deployments: Vec<DeploymentReport>,
    /// Who pays for the errors, per group, against the reference group.
    pub equity: Vec<EquityRow>,
    /// The reference group's name.
    pub reference_group: String,
    /// The scenario's uncertain inputs (empty: every input exact).
    pub uncertain_inputs: Vec<UncertainInput>,
    /// Whether each replication drew its own values of them (otherwise
    /// they were held at their nominal values).
    pub parameters_drawn: bool,
}

/// Percentiles of one latency distribution, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyReport {
    /// `capture_to_decision`, `alert_to_review` or `capture_to_stop`.
    pub name: &'static str,
    /// Values recorded.
    pub count: u64,
    /// Mean, ms.
    pub mean_ms: f64,
    /// (quantile, ms) for p50, p90, p99, p99.9.
    pub quantiles_ms: [(f64, f64); 4],
    /// Largest value, ms.
    pub max_ms: f64,
}

/// The quantiles reported, and their JSON keys.
pub const LATENCY_QUANTILES: [(f64, &str); 4] =
    [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99_9")];

impl LatencyReport {
    fn of(name: &'static str, h: &hdrhistogram::Histogram<u64>) -> Option<Self> {
        (!h.is_empty()).then(|| LatencyReport {
            name,
            count: h.len(),
            mean_ms: h.mean() / 1e3,
            quantiles_ms: LATENCY_QUANTILES.map(|(q, _)| (q, h.value_at_quantile(q) as f64 / 1e3)),
            max_ms: h.max() as f64 / 1e3,
        })
    }

    /// The value at a reported quantile, ms.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        self.quantiles_ms
            .iter()
            .find(|(x, _)| *x == q)
            .map(|(_, v)| *v)
    }
}

/// One matcher pool's figures, over all replications.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolReport {
    /// Pool name.
    pub name: String,
    /// Servers.
    pub servers: u32,
    /// Faces per second the pool can match.
    pub capacity_per_s: f64,
    /// Busy server time ÷ (servers × duration).
    pub utilisation: f64,
    /// The same in the busiest 60 minutes (largest over replications).
    pub peak_hour_utilisation: f64,
    /// Time-average number of faces waiting.
    pub mean_queue: f64,
    /// Longest queue in any replication.
    pub max_queue: u64,
    /// Faces dropped per replication (mean).
    pub dropped: f64,
    /// Dropped ÷ arrived.
    pub drop_rate: Option<f64>,
    /// Highest arrival rate over one minute, faces/s (largest over replications).
    pub peak_offered_per_s: f64,
}

/// `num / den`, or `None` where the denominator is not positive.
fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Replication outcomes gathered as they finish, in replication order, in
/// bounded memory: per replication only its counts are kept (a kilobyte or
/// so); its latency histograms (0.75 MB) and captures-per-resident histogram
/// are pooled on arrival. Pooling adds counts, so the result does not depend
/// on the order — [`Report::from_gathered`] equals [`Report::new`] on the
/// same outcomes.
#[derive(Default)]
pub struct Gathered {
    /// The outcomes, without their latencies and exposure.
    outcomes: Vec<Outcome>,
    latency: Option<Latencies>,
    exposure: crate::metrics::Exposure,
}

impl Gathered {
    /// Adds the next replication's outcome.
    pub fn add(&mut self, mut outcome: Outcome) {
        match &mut self.latency {
            Some(all) => all.add(&outcome.latency),
            None => self.latency = Some(outcome.latency.clone()),
        }
        self.exposure.add(&outcome.exposure);
        outcome.compact();
        self.outcomes.push(outcome);
    }

    /// The outcomes gathered, in replication order, [compacted](Outcome::compact).
    pub fn into_outcomes(self) -> Vec<Outcome> {
        self.outcomes
    }

    /// Replications gathered.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether none has been gathered.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }
}

impl Report {
    /// This report, saying which inputs were uncertain and whether the
    /// replications drew them.
    pub fn with_parameters(mut self, inputs: &[UncertainInput], drawn: bool) -> Report {
        self.uncertain_inputs = inputs.to_vec();
        self.parameters_drawn = drawn && !inputs.is_empty();
        self
    }

    /// Aggregates replication outcomes (in replication order).
    pub fn new(model: &Model, source: &str, overrides: &[String], outcomes: &[Outcome]) -> Report {
        let mut latency = Latencies::default();
        let mut exposure = crate::metrics::Exposure::default();
        for o in outcomes {
            latency.add(&o.latency);
            exposure.add(&o.exposure);
        }
        Self::build(model, source, overrides, outcomes, &latency, &exposure)
    }

    /// Aggregates outcomes gathered as they finished ([`Gathered`]).
    pub fn from_gathered(
        model: &Model,
        source: &str,
        overrides: &[String],
        gathered: &Gathered,
    ) -> Report {
        let latency = gathered.latency.clone().unwrap_or_default();
        Self::build(
            model,
            source,
            overrides,
            &gathered.outcomes,
            &latency,
            &gathered.exposure,
        )
    }

    /// The report from per-replication counts (`outcomes`, whose latencies
    /// and exposure are not read) and the pooled latencies and exposure.
    fn build(
        model: &Model,
        source: &str,
        overrides: &[String],
        outcomes: &[Outcome],
        pooled_latency: &Latencies,
        pooled_exposure: &crate::metrics::Exposure,
    ) -> Report {
        // Figures the model fixes are not estimates: no interval around them.
        let fixed = |m: Metric| match m {
            // Fixed unless a prevalence carries a fractional person.
            Metric::WantedPresent => model.wanted_fraction.is_none(),
            Metric::FacesDropped | Metric::WantedFacesDropped | Metric::LostToPipelineDelay => {
                model.pipeline.is_none()
            }
            Metric::NotActioned => {
                model.intervention.teams.sizes.iter().all(|&n| n > 0)
                    && model.deployments.iter().all(|d| d.officers > 0)
            }
            _ => false,
        };
        let totals: Vec<Stat> = Metric::ALL
            .iter()
            .map(|&m| {
                let values = outcomes.iter().map(|o| o.counts[m]);
                if fixed(m) {
                    Stat::fixed(values)
                } else {
                    Stat::of(values)
                }
            })
            .collect();
        let sum = |m: Metric| outcomes.iter().map(|o| o.counts[m] as f64).sum::<f64>();
        let expected = model.expected();
        Report {
            name: model.name.clone(),
            source: source.to_string(),
            overrides: overrides.to_vec(),
            seed: model.seed,
            duration_s: model.duration_s,
            replications: outcomes.len() as u64,
            engine: model.engine.name(),
            warnings: model.warnings.clone(),
            threshold_caveat: model.threshold_caveat(),
            measured_thresholds: crate::model::measured_thresholds(&model.calibration),
            record: model.record.clone(),
            totals,
            ratios: Ratios::from_totals(sum),
            ratios_ci95: RatioIntervals::new(outcomes),
            ratios_pi95: RatioIntervals::predictions(outcomes),
            expected_ratios: Ratios::from_expected(&expected),
            wanted_missed: Stat::of(outcomes.iter().map(|o| {
                o.counts[Metric::WantedScanned].saturating_sub(o.counts[Metric::WantedAlerted])
            })),
            groups: group_reports(model, outcomes),
            latency: pooled_latency
                .named()
                .iter()
                .filter_map(|(name, h)| LatencyReport::of(name, h))
                .collect(),
            pools: pool_reports(model, outcomes),
            drop_rate: model.pipeline.as_ref().and_then(|_| drop_rate(outcomes)),
            decision_p99_ms: model
                .pipeline
                .as_ref()
                .and_then(|_| decision_p99_ms(outcomes)),
            exposure: equity::exposure(model, &expected, outcomes, pooled_exposure),
            time_of_day: time_of_day::time_of_day(model, outcomes),
            deployments: deployments::deployments(model, &expected.deployments, outcomes),
            equity: equity::equity(model, &expected, outcomes),
            reference_group: model.groups[model.reference_group].name.clone(),
            expected,
            uncertain_inputs: Vec::new(),
            parameters_drawn: false,
        }
    }

    /// The group whose false alerts per capture most exceed the reference
    /// group's: (name, ratio, 95 % low, 95 % high). `None` without a finite
    /// ratio (e.g. no false alert in the reference group).
    pub fn worst_false_alert_disparity(&self) -> Option<(&str, f64, f64, f64)> {
        self.equity
            .iter()
            .filter(|q| q.name != self.reference_group)
            .filter_map(|q| {
                let (_, v, lo, hi) = q.disparity[0];
                (v.is_finite() && v > 0.0).then_some((q.name.as_str(), v, lo, hi))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// A latency distribution by name, if anything was recorded.
    pub fn latency(&self, name: &str) -> Option<&LatencyReport> {
        self.latency.iter().find(|l| l.name == name)
    }

    /// A metric's mean and interval.
    pub fn total(&self, m: Metric) -> Stat {
        self.totals[m as usize]
    }
}

/// A group metric summed over replications.
fn group_total(outcomes: &[Outcome], group: usize, m: GroupMetric) -> f64 {
    outcomes.iter().map(|o| o.groups[group][m] as f64).sum()
}

/// Each group's means, and its false-alert rate against the lowest group's.
fn group_reports(model: &Model, outcomes: &[Outcome]) -> Vec<GroupReport> {
    let rates: Vec<Option<f64>> = (0..model.groups.len())
        .map(|g| {
            ratio(
                1000.0 * group_total(outcomes, g, GroupMetric::FalseAlerts),
                group_total(outcomes, g, GroupMetric::FacesCaptured),
            )
        })
        .collect();
    let lowest = rates
        .iter()
        .flatten()
        .copied()
        .filter(|&r| r > 0.0)
        .min_by(f64::total_cmp);
    model
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| GroupReport {
            name: group.name.clone(),
            residents: group.residents,
            wanted: group.wanted,
            stats: GroupMetric::ALL
                .iter()
                .map(|&m| Stat::of(outcomes.iter().map(|o| o.groups[g][m])))
                .collect(),
            false_alerts_per_1000_faces: rates[g],
            false_alert_rate_vs_lowest: rates[g].zip(lowest).map(|(r, l)| r / l),
            fmr: group.search.fmr,
            fpir: group.search.fpir,
            tpir: group.search.tpir,
        })
        .collect()
}

/// Faces dropped ÷ faces captured over the pooled totals, with its interval
/// (`None` without a face).
fn drop_rate(outcomes: &[Outcome]) -> Option<Stat> {
    let per_rep = |m: Metric| -> Vec<f64> { outcomes.iter().map(|o| o.counts[m] as f64).collect() };
    let (dropped, faces) = (
        per_rep(Metric::FacesDropped),
        per_rep(Metric::FacesCaptured),
    );
    let mean = ratio(dropped.iter().sum(), faces.iter().sum())?;
    let (lo, hi) = ratio_ci95(&dropped, &faces, RatioScale::Proportion)
        .map_or((mean, mean), |(_, lo, hi)| (lo, hi));
    // One run's drop rate, where it is defined.
    let each: Vec<f64> = dropped
        .iter()
        .zip(&faces)
        .filter(|(_, f)| **f > 0.0)
        .map(|(d, f)| d / f)
        .collect();
    Some(Stat {
        mean,
        lo,
        hi,
        pi95: prediction_interval95(&each),
    })
}

/// The mean of the replications' p99 capture → decision latencies, ms, and
/// its t interval (`None` if no replication searched a face).
fn decision_p99_ms(outcomes: &[Outcome]) -> Option<Stat> {
    let ms: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| o.decision_p99_us)
        .map(|us| us as f64 / 1e3)
        .collect();
    if ms.is_empty() {
        return None;
    }
    let (mean, lo, hi) = mean_ci95(&ms);
    Some(Stat {
        mean,
        lo: lo.max(0.0),
        hi,
        pi95: prediction_interval95(&ms),
    })
}

/// Each matcher pool's load over all replications (none without a pipeline).
fn pool_reports(model: &Model, outcomes: &[Outcome]) -> Vec<PoolReport> {
    model
        .pipeline
        .iter()
        .flat_map(|p| p.pools.iter().enumerate())
        .map(|(i, pool)| {
            let stats: Vec<&PoolStats> = outcomes.iter().filter_map(|o| o.pools.get(i)).collect();
            let reps = stats.len().max(1) as f64;
            let sum = |f: fn(&PoolStats) -> f64| stats.iter().map(|s| f(s)).sum::<f64>();
            PoolReport {
                name: pool.name.clone(),
                servers: pool.servers,
                capacity_per_s: pool.capacity_per_s(),
                utilisation: sum(|s| s.busy_s) / (reps * pool.servers as f64 * model.duration_s),
                peak_hour_utilisation: stats
                    .iter()
                    .map(|s| s.peak_hour_utilisation)
                    .fold(0.0, f64::max),
                mean_queue: sum(|s| s.queue_area) / (reps * model.duration_s),
                max_queue: stats.iter().map(|s| s.max_queue).max().unwrap_or(0),
                dropped: sum(|s| s.dropped as f64) / reps,
                drop_rate: ratio(sum(|s| s.dropped as f64), sum(|s| s.arrivals as f64)),
                peak_offered_per_s: stats
                    .iter()
                    .map(|s| s.peak_per_minute as f64 / 60.0)
                    .fold(0.0, f64::max),
            }
        })
        .collect()
}

/// The closed-form expectation of a run-wide metric per replication, where
/// the model has one: the one mapping used by the table's "expected" column
/// and by `survsim check`.
pub fn expected_total(expected: &Expected, m: Metric) -> Option<f64> {
    match m {
        Metric::FacesCaptured | Metric::Searches => Some(expected.faces_captured),
        Metric::PeopleScanned => Some(expected.people_scanned),
        Metric::Alerts => Some(expected.true_alerts + expected.false_alerts),
        Metric::TrueAlerts => Some(expected.true_alerts),
        Metric::FalseAlerts => Some(expected.false_alerts),
        Metric::WantedAlerted => Some(expected.wanted_alerted),
        Metric::WantedFacesCaptured => Some(expected.wanted_faces_captured),
        Metric::WantedFacesAlerted => Some(expected.true_alerts),
        _ => None,
    }
}
