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

use crate::metrics::{GroupMetric, Latencies, Metric, Outcome, PoolStats};
use crate::model::{Expected, Model};
use crate::stats::{Factor, RatioScale, count_ci95, ratio_ci95};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// A metric's mean over replications and its 95 % interval
/// ([`crate::stats::count_ci95`]: Student's t, or a quasi-Poisson exact
/// interval where t would reach zero; never negative).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean (the value itself for one replication).
    pub mean: f64,
    /// Lower bound of the 95 % interval.
    pub lo: f64,
    /// Upper bound of the 95 % interval.
    pub hi: f64,
}

impl Stat {
    fn of(values: impl Iterator<Item = u64>) -> Stat {
        let v: Vec<f64> = values.map(|x| x as f64).collect();
        let (mean, lo, hi) = count_ci95(&v);
        Stat { mean, lo, hi }
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
        }
    }
}

/// Ratios over pooled totals; `None` where the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// Faces captured per true alert: the "1 in N" hit ratio.
    pub faces_per_true_alert: Option<f64>,
    /// True alerts / all alerts.
    pub alert_precision: Option<f64>,
    /// False alerts per 1,000 faces captured.
    pub false_alerts_per_1000_faces: Option<f64>,
    /// Wrongful stops / all stops.
    pub wrongful_stop_share: Option<f64>,
}

impl Ratios {
    /// The ratios of a set of totals, `total(m)` being metric `m`'s total:
    /// the one definition of each ratio, used for pooled totals and for a
    /// single replication's counts alike.
    pub fn from_totals(total: impl Fn(Metric) -> f64) -> Ratios {
        Ratios {
            faces_per_true_alert: ratio(total(Metric::FacesCaptured), total(Metric::TrueAlerts)),
            alert_precision: ratio(total(Metric::TrueAlerts), total(Metric::Alerts)),
            false_alerts_per_1000_faces: ratio(
                1000.0 * total(Metric::FalseAlerts),
                total(Metric::FacesCaptured),
            ),
            wrongful_stop_share: ratio(total(Metric::WrongfulStops), total(Metric::Stops)),
        }
    }
}

/// 95 % intervals for the [`Ratios`], `(low, high)`, each around the pooled
/// ratio of totals R = ΣY / ΣX of [`Report::ratios`].
///
/// Each is the delta-method interval of a ratio of means
/// ([`crate::stats::ratio_ci95`]): Var(R) ≈ s²_d / (n·X̄²) from the
/// per-replication residuals d_r = Y_r − R·X_r, with Student's t on n − 1
/// degrees of freedom, computed on a scale that respects the support:
/// `faces_per_true_alert` and `false_alerts_per_1000_faces` on the log
/// scale (so they stay positive), `alert_precision` and
/// `wrongful_stop_share` as proportions by Korn and Graubard's
/// effective-sample-size Clopper–Pearson interval (so they stay in [0, 1]).
/// Every replication counts, including those with a zero denominator. An
/// interval is `None` where the ratio is undefined (ΣX = 0) and with one
/// replication, which gives no estimate of the variance between
/// replications.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RatioIntervals {
    /// Interval of faces captured per true alert.
    pub faces_per_true_alert: Option<(f64, f64)>,
    /// Interval of true alerts / all alerts.
    pub alert_precision: Option<(f64, f64)>,
    /// Interval of false alerts per 1,000 faces.
    pub false_alerts_per_1000_faces: Option<(f64, f64)>,
    /// Interval of wrongful stops / all stops.
    pub wrongful_stop_share: Option<(f64, f64)>,
}

impl RatioIntervals {
    /// The intervals over `outcomes`, in replication order.
    pub fn new(outcomes: &[Outcome]) -> RatioIntervals {
        let per_rep = |m: Metric, scale: f64| -> Vec<f64> {
            outcomes
                .iter()
                .map(|o| scale * o.counts[m] as f64)
                .collect()
        };
        let interval = |y: Vec<f64>, x: Vec<f64>, scale: RatioScale| {
            ratio_ci95(&y, &x, scale).map(|(_, lo, hi)| (lo, hi))
        };
        RatioIntervals {
            faces_per_true_alert: interval(
                per_rep(Metric::FacesCaptured, 1.0),
                per_rep(Metric::TrueAlerts, 1.0),
                RatioScale::Positive,
            ),
            alert_precision: interval(
                per_rep(Metric::TrueAlerts, 1.0),
                per_rep(Metric::Alerts, 1.0),
                RatioScale::Proportion,
            ),
            false_alerts_per_1000_faces: interval(
                per_rep(Metric::FalseAlerts, 1000.0),
                per_rep(Metric::FacesCaptured, 1.0),
                RatioScale::Positive,
            ),
            wrongful_stop_share: interval(
                per_rep(Metric::WrongfulStops, 1.0),
                per_rep(Metric::Stops, 1.0),
                RatioScale::Proportion,
            ),
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
    /// Per-metric means and intervals, in [`Metric::ALL`] order.
    pub totals: Vec<Stat>,
    /// Closed-form expectations per replication.
    pub expected: Expected,
    /// Ratios over pooled totals.
    pub ratios: Ratios,
    /// 95 % intervals of the ratios (delta method for a ratio of means).
    pub ratios_ci95: RatioIntervals,
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
    /// Who is watched, how often, and who can be tracked.
    pub exposure: ExposureReport,
    /// Who pays for the errors, per group, against the reference group.
    pub equity: Vec<EquityRow>,
    /// The reference group's name.
    pub reference_group: String,
}

/// Exposure of residents, pooled over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureReport {
    /// Residents.
    pub residents: u64,
    /// Share captured at least once.
    pub share_scanned: f64,
    /// Share captured ten times or more.
    pub share_scanned_10: f64,
    /// Captures per resident: mean.
    pub captures_mean: f64,
    /// Captures per resident: (quantile, value) for p50, p90, p99.
    pub captures_quantiles: [(f64, u64); 3],
    /// Most captures of one resident.
    pub captures_max: u64,
    /// Shares of residents captured at 0, 1, 2, 3, 4+ distinct sites.
    pub distinct_sites: [f64; 5],
    /// Share captured at three or more distinct sites.
    pub trackable_share: f64,
    /// Residents captured at three or more distinct sites (per replication).
    pub trackable: Stat,
    /// Residents with two or more false alerts (per replication).
    pub people_with_2_false_alerts: Stat,
    /// The same, were everyone in a group alike (no lookalikes): closed form.
    pub people_with_2_false_alerts_if_alike: f64,
    /// Residents wrongly stopped two or more times (per replication).
    pub people_with_2_wrongful_stops: Stat,
}

/// One group's burden, and its disparity against the reference group.
#[derive(Debug, Clone, PartialEq)]
pub struct EquityRow {
    /// Group name.
    pub name: String,
    /// Residents.
    pub residents: u32,
    /// Faces captured (mean per replication).
    pub captures: f64,
    /// False alerts per 100,000 captures.
    pub false_alerts_per_100k_captures: Option<f64>,
    /// Wrongful stops per 100,000 residents.
    pub wrongful_stops_per_100k_residents: f64,
    /// False arrests per 100,000 residents.
    pub false_arrests_per_100k_residents: f64,
    /// Share of members captured at three or more sites.
    pub trackable_share: f64,
    /// Expected visits to covered sites avoided by members (chilling effect).
    pub avoided_visits: f64,
    /// Expected share of all faces that are the group's.
    pub face_share: f64,
    /// The same had nobody avoided the cameras.
    pub face_share_without_avoidance: f64,
    /// Each rate over the reference group's, with a 95 % interval over
    /// replications: (key, ratio, low, high). The ratio is of pooled totals;
    /// the interval is [`crate::stats::pooled_product_ci`]'s: the delta method
    /// on the log scale, or — when a count is zero (ratio 0 or ∞), with one
    /// replication, or when the replications show no spread — a Poisson
    /// interval on the log scale with a ½ continuity correction of zero
    /// counts. It never collapses to [v, v] because a count is zero.
    pub disparity: Vec<(&'static str, f64, f64, f64)>,
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
        outcome.latency = Latencies::empty();
        outcome.exposure = crate::metrics::Exposure::empty();
        self.outcomes.push(outcome);
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
            Metric::WantedPresent => true,
            Metric::FacesDropped | Metric::WantedFacesDropped | Metric::LostToPipelineDelay => {
                model.pipeline.is_none()
            }
            Metric::NotActioned => model.intervention.officers > 0,
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
        let ratios = Ratios::from_totals(sum);
        let group_sum =
            |g: usize, m: GroupMetric| outcomes.iter().map(|o| o.groups[g][m] as f64).sum::<f64>();
        let rates: Vec<Option<f64>> = (0..model.groups.len())
            .map(|g| {
                ratio(
                    1000.0 * group_sum(g, GroupMetric::FalseAlerts),
                    group_sum(g, GroupMetric::FacesCaptured),
                )
            })
            .collect();
        let lowest = rates
            .iter()
            .flatten()
            .copied()
            .filter(|&r| r > 0.0)
            .min_by(f64::total_cmp);
        let groups = model
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
            .collect();
        let (exposure, equity) = Self::exposure_and_equity(model, outcomes, pooled_exposure);
        Report {
            name: model.name.clone(),
            source: source.to_string(),
            overrides: overrides.to_vec(),
            seed: model.seed,
            duration_s: model.duration_s,
            replications: outcomes.len() as u64,
            totals,
            expected: model.expected(),
            ratios,
            ratios_ci95: RatioIntervals::new(outcomes),
            wanted_missed: Stat::of(outcomes.iter().map(|o| {
                o.counts[Metric::WantedScanned].saturating_sub(o.counts[Metric::WantedAlerted])
            })),
            groups,
            latency: pooled_latency
                .named()
                .iter()
                .filter_map(|(name, h)| LatencyReport::of(name, h))
                .collect(),
            pools: model
                .pipeline
                .iter()
                .flat_map(|p| p.pools.iter().enumerate())
                .map(|(i, pool)| {
                    let stats: Vec<&PoolStats> =
                        outcomes.iter().filter_map(|o| o.pools.get(i)).collect();
                    let reps = stats.len().max(1) as f64;
                    let sum = |f: fn(&PoolStats) -> f64| stats.iter().map(|s| f(s)).sum::<f64>();
                    PoolReport {
                        name: pool.name.clone(),
                        servers: pool.servers,
                        capacity_per_s: pool.capacity_per_s(),
                        utilisation: sum(|s| s.busy_s)
                            / (reps * pool.servers as f64 * model.duration_s),
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
                .collect(),
            exposure,
            equity,
            reference_group: model.groups[model.reference_group].name.clone(),
        }
    }

    fn exposure_and_equity(
        model: &Model,
        outcomes: &[Outcome],
        pooled: &crate::metrics::Exposure,
    ) -> (ExposureReport, Vec<EquityRow>) {
        let people: u64 = pooled.captures.iter().sum();
        let share = |n: u64| {
            if people > 0 {
                n as f64 / people as f64
            } else {
                0.0
            }
        };
        let reps = outcomes.len().max(1) as f64;
        let group_sum =
            |g: usize, m: GroupMetric| outcomes.iter().map(|o| o.groups[g][m] as f64).sum::<f64>();
        let all_groups = |m: GroupMetric| {
            (0..model.groups.len())
                .map(|g| group_sum(g, m))
                .sum::<f64>()
        };
        let per_rep_total = |m: GroupMetric| {
            outcomes
                .iter()
                .map(move |o| o.groups.iter().map(|g| g[m]).sum::<u64>())
        };
        let expected = model.expected();
        let exposure = ExposureReport {
            residents: model.residents as u64,
            share_scanned: 1.0 - share(pooled.captures[0]),
            share_scanned_10: all_groups(GroupMetric::ScannedTenTimes)
                / (reps * model.residents as f64),
            captures_mean: pooled
                .captures
                .iter()
                .enumerate()
                .map(|(i, &n)| i as f64 * n as f64)
                .sum::<f64>()
                / people.max(1) as f64,
            captures_quantiles: [0.5, 0.9, 0.99].map(|q| (q, pooled.captures_quantile(q))),
            captures_max: pooled.max_captures,
            distinct_sites: pooled.distinct_sites.map(share),
            trackable_share: share(pooled.distinct_sites[3] + pooled.distinct_sites[4]),
            trackable: Stat::of(per_rep_total(GroupMetric::Trackable)),
            people_with_2_false_alerts: Stat::of(per_rep_total(GroupMetric::RepeatFalseAlerts)),
            people_with_2_false_alerts_if_alike: expected
                .groups
                .iter()
                .map(|g| g.repeat_false_alert_people)
                .sum(),
            people_with_2_wrongful_stops: Stat::of(per_rep_total(GroupMetric::RepeatWrongfulStops)),
        };
        let r = model.reference_group;
        let per_rep = |g: usize, m: GroupMetric| -> Vec<f64> {
            outcomes.iter().map(|o| o.groups[g][m] as f64).collect()
        };
        let constant = |x: f64| Factor::fixed(vec![x; outcomes.len()], 1);
        let all_faces: f64 = expected.groups.iter().map(|g| g.faces_captured).sum();
        let all_without: f64 = expected
            .groups
            .iter()
            .map(|g| g.faces_captured + g.avoided_visits)
            .sum();
        let equity = model
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let e = &expected.groups[g];
                let residents = group.residents as f64;
                let per_100k = |m: GroupMetric| 1e5 * group_sum(g, m) / (reps * residents.max(1.0));
                let ratio_vs_ref = |m: GroupMetric, per_captures: bool| {
                    let (den_g, den_r) = if per_captures {
                        (
                            Factor::count(per_rep(g, GroupMetric::FacesCaptured), 1),
                            Factor::count(per_rep(r, GroupMetric::FacesCaptured), 1),
                        )
                    } else {
                        (
                            constant(residents),
                            constant(model.groups[r].residents as f64),
                        )
                    };
                    crate::stats::pooled_product_ci(&[
                        Factor::count(per_rep(g, m), 1),
                        Factor { power: -1, ..den_g },
                        Factor::count(per_rep(r, m), -1),
                        den_r,
                    ])
                };
                let disparity = [
                    (
                        "false_alerts_per_100k_captures",
                        GroupMetric::FalseAlerts,
                        true,
                    ),
                    (
                        "wrongful_stops_per_100k_residents",
                        GroupMetric::WrongfulStops,
                        false,
                    ),
                    (
                        "false_arrests_per_100k_residents",
                        GroupMetric::FalseArrests,
                        false,
                    ),
                ]
                .into_iter()
                .map(|(key, m, per_captures)| {
                    let (v, lo, hi) = ratio_vs_ref(m, per_captures);
                    if g == r {
                        // The reference group against itself: exactly 1
                        // (or undefined), with no uncertainty — not the
                        // product's rounding, 1.0000000000000002.
                        let one = if v.is_finite() && v > 0.0 { 1.0 } else { v };
                        (key, one, one, one)
                    } else {
                        (key, v, lo, hi)
                    }
                })
                .collect();
                EquityRow {
                    name: group.name.clone(),
                    residents: group.residents,
                    captures: group_sum(g, GroupMetric::FacesCaptured) / reps,
                    false_alerts_per_100k_captures: ratio(
                        1e5 * group_sum(g, GroupMetric::FalseAlerts),
                        group_sum(g, GroupMetric::FacesCaptured),
                    ),
                    wrongful_stops_per_100k_residents: per_100k(GroupMetric::WrongfulStops),
                    false_arrests_per_100k_residents: per_100k(GroupMetric::FalseArrests),
                    trackable_share: group_sum(g, GroupMetric::Trackable)
                        / (reps * residents.max(1.0)),
                    avoided_visits: e.avoided_visits,
                    face_share: e.faces_captured / all_faces.max(f64::MIN_POSITIVE),
                    face_share_without_avoidance: (e.faces_captured + e.avoided_visits)
                        / all_without.max(f64::MIN_POSITIVE),
                    disparity,
                }
            })
            .collect();
        (exposure, equity)
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

    /// The stable JSON form (documented in README.md).
    pub fn to_json(&self) -> Value {
        let mut totals = Map::new();
        let mut ci95 = Map::new();
        for (&m, s) in Metric::ALL.iter().zip(&self.totals) {
            totals.insert(m.key().into(), num(s.mean));
            ci95.insert(m.key().into(), json!([num(s.lo), num(s.hi)]));
        }
        let groups: Vec<Value> = self
            .groups
            .iter()
            .zip(&self.expected.groups)
            .map(|(g, e)| {
                let mut o = Map::new();
                o.insert("name".into(), json!(g.name));
                o.insert("residents".into(), json!(g.residents));
                o.insert("wanted".into(), json!(g.wanted));
                for (&m, s) in GroupMetric::ALL.iter().zip(&g.stats) {
                    o.insert(m.key().into(), num(s.mean));
                }
                o.insert(
                    "false_alerts_per_1000_faces".into(),
                    opt(g.false_alerts_per_1000_faces),
                );
                o.insert(
                    "false_alert_rate_vs_lowest".into(),
                    opt(g.false_alert_rate_vs_lowest),
                );
                o.insert("fmr".into(), num(g.fmr));
                o.insert("fpir".into(), num(g.fpir));
                o.insert("tpir".into(), num(g.tpir));
                o.insert(
                    "expected".into(),
                    json!({
                        "faces_captured": num(e.faces_captured),
                        "people_scanned": num(e.people_scanned),
                        "true_alerts": num(e.true_alerts),
                        "false_alerts": num(e.false_alerts),
                    }),
                );
                Value::Object(o)
            })
            .collect();
        let mut root = Map::new();
        root.insert("survsim".into(), json!(env!("CARGO_PKG_VERSION")));
        root.insert(
            "scenario".into(),
            json!({
                "name": self.name,
                "source": self.source,
                "overrides": self.overrides,
                "seed": self.seed,
                "duration_s": num(self.duration_s),
                "replications": self.replications,
            }),
        );
        root.insert("totals".into(), Value::Object(totals));
        if self.replications > 1 {
            root.insert("ci95".into(), Value::Object(ci95));
        }
        root.insert(
            "expected".into(),
            json!({
                "faces_captured": num(self.expected.faces_captured),
                "people_scanned": num(self.expected.people_scanned),
                "true_alerts": num(self.expected.true_alerts),
                "true_alerts_is_upper_bound": self.expected.true_alerts_is_upper_bound,
                "false_alerts": num(self.expected.false_alerts),
                "wanted_alerted": num(self.expected.wanted_alerted),
            }),
        );
        root.insert(
            "ratios".into(),
            json!({
                "faces_per_true_alert": opt(self.ratios.faces_per_true_alert),
                "alert_precision": opt(self.ratios.alert_precision),
                "false_alerts_per_1000_faces": opt(self.ratios.false_alerts_per_1000_faces),
                "wrongful_stop_share": opt(self.ratios.wrongful_stop_share),
            }),
        );
        if self.replications > 1 {
            let iv =
                |x: Option<(f64, f64)>| x.map_or(Value::Null, |(lo, hi)| json!([num(lo), num(hi)]));
            let c = &self.ratios_ci95;
            root.insert(
                "ratios_ci95".into(),
                json!({
                    "faces_per_true_alert": iv(c.faces_per_true_alert),
                    "alert_precision": iv(c.alert_precision),
                    "false_alerts_per_1000_faces": iv(c.false_alerts_per_1000_faces),
                    "wrongful_stop_share": iv(c.wrongful_stop_share),
                }),
            );
        }
        root.insert("groups".into(), Value::Array(groups));
        let mut latency = Map::new();
        for l in &self.latency {
            let mut o = Map::new();
            o.insert("count".into(), json!(l.count));
            o.insert("mean".into(), num(l.mean_ms));
            for ((_, v), (_, key)) in l.quantiles_ms.iter().zip(LATENCY_QUANTILES) {
                o.insert(key.into(), num(*v));
            }
            o.insert("max".into(), num(l.max_ms));
            latency.insert(format!("{}_ms", l.name), Value::Object(o));
        }
        root.insert("latency".into(), Value::Object(latency));
        let x = &self.exposure;
        root.insert(
            "exposure".into(),
            json!({
                "residents": x.residents,
                "share_scanned": num(x.share_scanned),
                "share_scanned_10_times": num(x.share_scanned_10),
                "captures_per_resident": {
                    "mean": num(x.captures_mean),
                    "p50": x.captures_quantiles[0].1,
                    "p90": x.captures_quantiles[1].1,
                    "p99": x.captures_quantiles[2].1,
                    "max": x.captures_max,
                },
                "distinct_sites_share": {
                    "0": num(x.distinct_sites[0]),
                    "1": num(x.distinct_sites[1]),
                    "2": num(x.distinct_sites[2]),
                    "3": num(x.distinct_sites[3]),
                    "4+": num(x.distinct_sites[4]),
                },
                "trackable_share": num(x.trackable_share),
                "people_with_2_false_alerts": num(x.people_with_2_false_alerts.mean),
                "people_with_2_false_alerts_if_alike": num(x.people_with_2_false_alerts_if_alike),
                "people_with_2_wrongful_stops": num(x.people_with_2_wrongful_stops.mean),
            }),
        );
        root.insert(
            "equity".into(),
            json!({
                "reference_group": self.reference_group,
                "groups": self.equity.iter().map(|q| {
                    let mut disparity = Map::new();
                    for (key, v, lo, hi) in &q.disparity {
                        disparity.insert((*key).into(), json!({"ratio": num(*v), "ci95": [num(*lo), num(*hi)]}));
                    }
                    json!({
                        "name": q.name,
                        "residents": q.residents,
                        "captures": num(q.captures),
                        "false_alerts_per_100k_captures": opt(q.false_alerts_per_100k_captures),
                        "wrongful_stops_per_100k_residents": num(q.wrongful_stops_per_100k_residents),
                        "false_arrests_per_100k_residents": num(q.false_arrests_per_100k_residents),
                        "trackable_share": num(q.trackable_share),
                        "avoided_visits": num(q.avoided_visits),
                        "face_share": num(q.face_share),
                        "face_share_without_avoidance": num(q.face_share_without_avoidance),
                        "disparity_vs_reference": disparity,
                    })
                }).collect::<Vec<_>>(),
            }),
        );
        if !self.pools.is_empty() {
            root.insert(
                "pipeline".into(),
                json!({
                    "pools": self.pools.iter().map(|p| json!({
                        "name": p.name,
                        "servers": p.servers,
                        "capacity_faces_per_s": num(p.capacity_per_s),
                        "utilisation": num(p.utilisation),
                        "mean_queue": num(p.mean_queue),
                        "max_queue": p.max_queue,
                        "faces_dropped": num(p.dropped),
                        "drop_rate": opt(p.drop_rate),
                        "peak_offered_faces_per_s": num(p.peak_offered_per_s),
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        Value::Object(root)
    }

    /// The human-readable table.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let reps = self.replications;
        let _ = writeln!(
            out,
            "survsim {} — {} (seed {}, {}, {} replication{})",
            env!("CARGO_PKG_VERSION"),
            self.name,
            self.seed,
            human_duration(self.duration_s),
            reps,
            if reps == 1 { "" } else { "s" }
        );
        let _ = writeln!(out, "scenario: {}", self.source);
        for o in &self.overrides {
            let _ = writeln!(out, "  --set {o}");
        }
        let head = if reps > 1 {
            "mean ± 95% CI"
        } else {
            "simulated"
        };
        let _ = writeln!(out, "\n{:<34}{:>24}{:>16}", "FUNNEL", head, "expected");
        let expected = |m: Metric| match m {
            Metric::FacesCaptured => Some(self.expected.faces_captured),
            Metric::PeopleScanned => Some(self.expected.people_scanned),
            Metric::Searches => Some(self.expected.faces_captured),
            Metric::Alerts => Some(self.expected.true_alerts + self.expected.false_alerts),
            Metric::TrueAlerts => Some(self.expected.true_alerts),
            Metric::FalseAlerts => Some(self.expected.false_alerts),
            Metric::WantedAlerted => Some(self.expected.wanted_alerted),
            _ => None,
        };
        // Arrests execute warrants, which removes true alerts the closed
        // form counts: it is then an upper bound, and says so.
        let bound = |m: Metric| {
            let upper = self.expected.true_alerts_is_upper_bound;
            if upper && m == Metric::TrueAlerts {
                "≤ "
            } else {
                ""
            }
        };
        let indent = |m: Metric| match m {
            Metric::TrueAlerts
            | Metric::FalseAlerts
            | Metric::WantedFacesDropped
            | Metric::LostToPipelineDelay
            | Metric::LostAwaitingReview
            | Metric::LostDuringReview
            | Metric::LostAwaitingOfficer
            | Metric::LostBeforeStop
            | Metric::CorrectStops
            | Metric::WrongfulStops
            | Metric::WantedScanned
            | Metric::WantedAlerted
            | Metric::WantedArrested => "    ",
            _ => "  ",
        };
        for (&m, s) in Metric::ALL.iter().zip(&self.totals) {
            if m == Metric::WantedPresent {
                let _ = writeln!(out, "\nWANTED PEOPLE");
            }
            let label = format!("{}{}", indent(m), m.label());
            let _ = writeln!(
                out,
                "{:<34}{:>24}{:>16}",
                label,
                fmt_stat(s, reps),
                expected(m).map_or(String::new(), |e| format!("{}{}", bound(m), fmt_num(e, 1)))
            );
        }
        let _ = writeln!(
            out,
            "\n{:<42}{:>20}{}",
            "RATIOS",
            "pooled",
            if reps > 1 { "  [95 % CI]" } else { "" }
        );
        let r = &self.ratios;
        let c = &self.ratios_ci95;
        let line = |label: &str, v: String| format!("  {label:<40}{v:>20}\n");
        let with_ci =
            |label: &str, v: String, ci: Option<(f64, f64)>, f: &dyn Fn(f64) -> String| {
                let mut s = format!("  {label:<40}{v:>20}");
                if let Some((lo, hi)) = ci {
                    let _ = write!(s, "  [{}, {}]", f(lo), f(hi));
                }
                s + "\n"
            };
        out += &with_ci(
            "faces scanned per true alert",
            r.faces_per_true_alert.map_or("no true alert".into(), |v| {
                format!("1 in {}", fmt_num(v, 0))
            }),
            c.faces_per_true_alert,
            &|v| fmt_num(v, 0),
        );
        out += &with_ci(
            "alert precision (true / all alerts)",
            r.alert_precision.map_or("-".into(), fmt_pct),
            c.alert_precision,
            &fmt_pct,
        );
        out += &with_ci(
            "false alerts per 1,000 faces",
            r.false_alerts_per_1000_faces
                .map_or("-".into(), |v| format!("{v:.4}")),
            c.false_alerts_per_1000_faces,
            &|v| format!("{v:.4}"),
        );
        out += &with_ci(
            "wrongful share of stops",
            r.wrongful_stop_share.map_or("-".into(), fmt_pct),
            c.wrongful_stop_share,
            &fmt_pct,
        );
        let _ = writeln!(
            out,
            "\n{:<18}{:>12}{:>14}{:>10}{:>11}{:>12}{:>11}{:>10}{:>9}",
            "GROUP",
            "residents",
            "faces",
            "true al.",
            "false al.",
            "per 1k f.",
            "vs lowest",
            "wr. stops",
            "f. arr."
        );
        for g in &self.groups {
            let _ = writeln!(
                out,
                "{:<18}{:>12}{:>14}{:>10}{:>11}{:>12}{:>11}{:>10}{:>9}",
                truncate(&g.name, 17),
                fmt_num(g.residents as f64, 0),
                fmt_num(
                    g.mean(GroupMetric::FacesCaptured),
                    if reps > 1 { 1 } else { 0 }
                ),
                fmt_num(
                    g.mean(GroupMetric::TrueAlerts),
                    if reps > 1 { 1 } else { 0 }
                ),
                fmt_num(
                    g.mean(GroupMetric::FalseAlerts),
                    if reps > 1 { 1 } else { 0 }
                ),
                g.false_alerts_per_1000_faces
                    .map_or("-".into(), |v| format!("{v:.4}")),
                g.false_alert_rate_vs_lowest
                    .map_or("-".into(), |v| format!("{v:.2}×")),
                fmt_num(
                    g.mean(GroupMetric::WrongfulStops),
                    if reps > 1 { 1 } else { 0 }
                ),
                fmt_num(
                    g.mean(GroupMetric::FalseArrests),
                    if reps > 1 { 1 } else { 0 }
                ),
            );
        }
        let x = &self.exposure;
        let _ = writeln!(out, "\nEXPOSURE");
        out += &line("residents scanned at least once", fmt_pct(x.share_scanned));
        out += &line("... ten times or more", fmt_pct(x.share_scanned_10));
        out += &line(
            "captures per resident",
            format!(
                "mean {:.2}, p50 {}, p90 {}, p99 {}, max {}",
                x.captures_mean,
                x.captures_quantiles[0].1,
                x.captures_quantiles[1].1,
                x.captures_quantiles[2].1,
                x.captures_max
            ),
        );
        out += &line(
            "trackable (captured at ≥ 3 sites)",
            fmt_pct(x.trackable_share),
        );
        out += &line(
            "residents with ≥ 2 false alerts",
            format!(
                "{} (if alike: {})",
                fmt_num(
                    x.people_with_2_false_alerts.mean,
                    if reps > 1 { 1 } else { 0 }
                ),
                fmt_num(x.people_with_2_false_alerts_if_alike, 1)
            ),
        );
        out += &line(
            "residents with ≥ 2 wrongful stops",
            fmt_num(
                x.people_with_2_wrongful_stops.mean,
                if reps > 1 { 1 } else { 0 },
            ),
        );
        let _ = writeln!(
            out,
            "\n{:<18}{:>12}{:>11}{:>11}{:>11}{:>10}{:>15}  false-alert rate vs {} [95 % CI]",
            "EQUITY",
            "FA/100k f.",
            "WS/100k r.",
            "FAr/100k",
            "trackable",
            "avoided",
            "face share",
            self.reference_group,
        );
        for q in &self.equity {
            let (_, v, lo, hi) = q.disparity[0];
            let _ = writeln!(
                out,
                "{:<18}{:>12}{:>11.2}{:>11.2}{:>11}{:>10}{:>15}  {}",
                truncate(&q.name, 17),
                q.false_alerts_per_100k_captures
                    .map_or("-".into(), |v| format!("{v:.2}")),
                q.wrongful_stops_per_100k_residents,
                q.false_arrests_per_100k_residents,
                fmt_pct(q.trackable_share),
                fmt_num(q.avoided_visits, 0),
                format!(
                    "{:.1}→{:.1}%",
                    100.0 * q.face_share_without_avoidance,
                    100.0 * q.face_share
                ),
                if v.is_finite() && (v > 0.0 || lo < hi) {
                    if lo < hi {
                        format!("{v:.2} [{lo:.2}, {hi:.2}]")
                    } else {
                        format!("{v:.2}")
                    }
                } else {
                    "-".into()
                },
            );
        }
        if !self.latency.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<22}{:>12}{:>11}{:>11}{:>11}{:>11}{:>11}",
                "LATENCY (ms)", "count", "p50", "p90", "p99", "p99.9", "max"
            );
            for l in &self.latency {
                let _ = write!(
                    out,
                    "{:<22}{:>12}",
                    l.name.replace('_', " "),
                    fmt_num(l.count as f64, 0)
                );
                for (_, v) in l.quantiles_ms {
                    let _ = write!(out, "{:>11}", fmt_ms(v));
                }
                let _ = writeln!(out, "{:>11}", fmt_ms(l.max_ms));
            }
        }
        if !self.pools.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<18}{:>8}{:>12}{:>12}{:>9}{:>11}{:>10}{:>12}{:>11}",
                "MATCHER POOL",
                "servers",
                "capacity/s",
                "peak in/s",
                "util.",
                "mean queue",
                "max q.",
                "dropped",
                "drop rate"
            );
            for p in &self.pools {
                let _ = writeln!(
                    out,
                    "{:<18}{:>8}{:>12}{:>12}{:>9}{:>11.2}{:>10}{:>12}{:>11}",
                    truncate(&p.name, 17),
                    p.servers,
                    fmt_num(p.capacity_per_s, 0),
                    fmt_num(p.peak_offered_per_s, 1),
                    fmt_pct(p.utilisation),
                    p.mean_queue,
                    fmt_num(p.max_queue as f64, 0),
                    fmt_num(p.dropped, if reps > 1 { 1 } else { 0 }),
                    p.drop_rate
                        .map_or("-".into(), |r| format!("{:.4} %", 100.0 * r)),
                );
            }
        }
        out
    }
}

/// The replications' latency histograms in HdrHistogram's interval-log
/// format (V2, deflate-compressed, base64), readable by HdrHistogram's log
/// tools and plotters: replication r is the interval [r·d, (r+1)·d) of
/// virtual time, d the run's duration; values are microseconds and each
/// histogram is tagged with its name. The log's start time is the epoch, so
/// the file is the same on every run.
pub fn latency_log(outcomes: &[Outcome], duration_s: f64) -> Vec<u8> {
    let mut log = LatencyLog::default();
    for o in outcomes {
        log.add(&o.latency);
    }
    log.finish(duration_s)
}

/// A latency log built as replications finish ([`latency_log`]): each
/// replication's histograms are kept compressed (a few kilobytes, not the
/// 0.75 MB of the histograms themselves) until the log is written.
#[derive(Default)]
pub struct LatencyLog {
    /// Per replication, in order: (name, V2-deflate bytes) of each
    /// non-empty histogram.
    replications: Vec<Vec<(&'static str, Vec<u8>)>>,
}

impl LatencyLog {
    /// Adds the next replication's latencies.
    pub fn add(&mut self, latency: &Latencies) {
        use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
        let mut serializer = V2DeflateSerializer::new();
        let compressed = latency
            .named()
            .into_iter()
            .filter(|(_, h)| !h.is_empty())
            .map(|(name, h)| {
                let mut bytes = Vec::new();
                serializer
                    .serialize(h, &mut bytes)
                    .expect("serializing to memory cannot fail");
                (name, bytes)
            })
            .collect();
        self.replications.push(compressed);
    }

    /// The log: HdrHistogram's interval-log format, one interval of
    /// `duration_s` per replication.
    pub fn finish(&self, duration_s: f64) -> Vec<u8> {
        use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
        use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};
        let mut buf = Vec::new();
        let mut serializer = V2DeflateSerializer::new();
        let mut deserializer = Deserializer::new();
        {
            let mut writer = IntervalLogWriterBuilder::new()
                .add_comment("survsim latency histograms, values in microseconds")
                .with_start_time(std::time::UNIX_EPOCH)
                .with_base_time(std::time::UNIX_EPOCH)
                .with_max_value_divisor(1000.0)
                .begin_log_with(&mut buf, &mut serializer)
                .expect("writing to memory cannot fail");
            let span = std::time::Duration::from_secs_f64(duration_s);
            for (r, histograms) in self.replications.iter().enumerate() {
                for (name, bytes) in histograms {
                    let h: hdrhistogram::Histogram<u64> = deserializer
                        .deserialize(&mut bytes.as_slice())
                        .expect("our own serialization reads back");
                    writer
                        .write_histogram(&h, span * r as u32, span, Tag::new(name))
                        .expect("writing to memory cannot fail");
                }
            }
        }
        buf
    }
}

/// A number as a person would write it: at most six significant digits,
/// without float noise (`0.8999999999999999` → `0.9`).
pub fn round_for_people(x: f64) -> String {
    let text = format!("{:.6}", x);
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() || trimmed == "-" {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// Milliseconds with sensible precision.
fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        fmt_num(ms, 0)
    } else if ms >= 1.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.3}")
    }
}

/// A number as JSON: an integer when it is one, `null` when not finite.
pub fn num(x: f64) -> Value {
    if !x.is_finite() {
        Value::Null
    } else if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

/// `mean ± half-width` for a symmetric (Student's t) interval, `mean [low,
/// high]` for an asymmetric (Poisson) one.
fn fmt_stat(s: &Stat, reps: u64) -> String {
    let (up, down) = (s.hi - s.mean, s.mean - s.lo);
    if reps > 1 && (up - down).abs() <= 1e-9 * up.abs().max(1.0) {
        format!("{} ± {}", fmt_num(s.mean, 1), fmt_num(up, 1))
    } else if reps > 1 {
        // Small bounds (a rare count over many replications) keep two
        // significant digits rather than rounding to 0.0.
        let bound = |x: f64| {
            if x > 0.0 && x < 0.1 {
                format!("{x:.*}", (1.0 - x.log10().floor()) as usize)
            } else {
                fmt_num(x, 1)
            }
        };
        format!("{} [{}, {}]", fmt_num(s.mean, 1), bound(s.lo), bound(s.hi))
    } else {
        fmt_num(s.mean, 0)
    }
}

fn fmt_pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// Formats with thousands separators and `decimals` decimals (fewer for
/// values that are whole).
pub fn fmt_num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && s.chars().any(|c| c != '0' && c != '.') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

/// `86400` → `"24h"`, `5400` → `"1h 30m"`.
pub fn human_duration(seconds: f64) -> String {
    if seconds >= 3600.0 && seconds % 3600.0 == 0.0 {
        format!("{}h", seconds / 3600.0)
    } else {
        humantime::format_duration(std::time::Duration::from_secs_f64(seconds.max(0.0))).to_string()
    }
}

/// `survsim check` as JSON: the derived quantities of a scenario.
pub fn check_json(scenario: &crate::scenario::Scenario) -> Value {
    let m = &scenario.model;
    let e = m.expected();
    let days = m.duration_s / crate::model::sites::DAY_S;
    let alerts = e.true_alerts + e.false_alerts;
    json!({
        "survsim": env!("CARGO_PKG_VERSION"),
        "scenario": {
            "name": m.name,
            "source": scenario.source.name,
            "seed": m.seed,
            "duration_s": num(m.duration_s),
        },
        "matcher": {
            "profile": m.matcher_profile,
            "rates_per": m.rates_per.name(),
            "threshold": num(m.matcher.threshold),
            "watchlist_size": m.matcher.watchlist_size,
            "impostor": { "mean": num(m.matcher.impostor.mean), "sd": num(m.matcher.impostor.sd) },
            "genuine": { "mean": num(m.matcher.genuine.mean), "sd": num(m.matcher.genuine.sd) },
            "calibration": m.calibration.iter().map(|f| json!({
                "threshold": num(f.threshold),
                "watchlist": f.watchlist,
                "rate": f.rate.name(),
                "published": num(f.target),
                "fitted": num(f.fitted),
                "relative_residual": num(f.relative_residual()),
                "source": f.source,
            })).collect::<Vec<_>>(),
        },
        "expected": {
            "faces_captured": num(e.faces_captured),
            "faces_per_day": num(e.faces_captured / days),
            "people_scanned": num(e.people_scanned),
            "true_alerts": num(e.true_alerts),
            "false_alerts": num(e.false_alerts),
            "faces_per_true_alert": opt(ratio(e.faces_captured, e.true_alerts)),
            "alert_precision": opt(ratio(e.true_alerts, alerts)),
            "operator_utilisation": num(alerts * m.review.review_time.mean_s()
                / (m.duration_s * m.review.operators as f64)),
        },
        "groups": m.groups.iter().zip(&e.groups).map(|(g, ge)| json!({
            "name": g.name,
            "residents": g.residents,
            "wanted": g.wanted,
            "face_share": num(ge.faces_captured / e.faces_captured.max(f64::MIN_POSITIVE)),
            "fmr_multiplier": num(g.fmr_multiplier),
            "fnmr_multiplier": num(g.fnmr_multiplier),
            "fmr": num(g.search.fmr),
            "fnmr": num(g.search.fnmr),
            "fpir": num(g.search.fpir),
            "tpir": num(g.search.tpir),
            "misidentification": num(g.search.misidentification),
            "expected_faces": num(ge.faces_captured),
            "expected_true_alerts": num(ge.true_alerts),
            "expected_false_alerts": num(ge.false_alerts),
        })).collect::<Vec<_>>(),
        "sites": m.sites.iter().map(|s| json!({
            "name": s.name,
            "cameras": s.cameras,
            "expected_faces": num(s.expected_captures(m.duration_s)),
            "peak_faces_per_hour": num(s.peak_captures_per_hour()),
        })).collect::<Vec<_>>(),
    })
}

/// `survsim check` as a table.
pub fn check_table(scenario: &crate::scenario::Scenario) -> String {
    let v = check_json(scenario);
    let m = &scenario.model;
    let mut out = String::new();
    let f = |x: &Value| x.as_f64().unwrap_or(f64::NAN);
    let _ = writeln!(
        out,
        "{} — {} (seed {}, {})\nscenario is valid.\n",
        m.name,
        scenario.source.name,
        m.seed,
        human_duration(m.duration_s)
    );
    let ex = &v["expected"];
    let _ = writeln!(
        out,
        "MATCHER  {}threshold {}, watchlist of {} entries, rates per {}\n  impostor scores N({:.5}, {:.5}²), genuine scores N({:.5}, {:.5}²)",
        m.matcher_profile
            .as_ref()
            .map_or(String::new(), |p| format!("profile {p}, ")),
        m.matcher.threshold,
        fmt_num(m.matcher.watchlist_size as f64, 0),
        match m.rates_per {
            crate::model::RatesPer::WalkPast => "walk past",
            crate::model::RatesPer::SearchedFace => "searched face",
        },
        m.matcher.impostor.mean,
        m.matcher.impostor.sd,
        m.matcher.genuine.mean,
        m.matcher.genuine.sd,
    );
    if !m.calibration.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<12}{:>10}{:>10}{:>13}{:>13}{:>10}  source",
            "CALIBRATION", "threshold", "watchlist", "published", "fitted", "residual"
        );
        for f in &m.calibration {
            let _ = writeln!(
                out,
                "  {:<10}{:>10}{:>10}{:>13.4e}{:>13.4e}{:>9.2} %  {}",
                f.rate.name(),
                f.threshold,
                fmt_num(f.watchlist as f64, 0),
                f.target,
                f.fitted,
                100.0 * f.relative_residual(),
                f.source.as_deref().unwrap_or("")
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{:<18}{:>12}{:>8}{:>9}{:>8}{:>12}{:>8}{:>10}{:>12}{:>8}{:>14}",
        "GROUP",
        "residents",
        "wanted",
        "faces %",
        "m",
        "FMR",
        "m′",
        "FNMR",
        "FPIR",
        "TPIR",
        "misident."
    );
    for (g, gv) in m
        .groups
        .iter()
        .zip(v["groups"].as_array().into_iter().flatten())
    {
        let _ = writeln!(
            out,
            "{:<18}{:>12}{:>8}{:>9.2}{:>8}{:>12.3e}{:>8}{:>10.4}{:>12.3e}{:>8.4}{:>14.3e}",
            truncate(&g.name, 17),
            fmt_num(g.residents as f64, 0),
            fmt_num(g.wanted as f64, 0),
            100.0 * f(&gv["face_share"]),
            g.fmr_multiplier,
            g.search.fmr,
            g.fnmr_multiplier,
            g.search.fnmr,
            g.search.fpir,
            g.search.tpir,
            g.search.misidentification
        );
    }
    let _ = writeln!(
        out,
        "  per comparison: FMR = 1 − (1 − FMR₁)^m and FNMR = 1 − (1 − FNMR₁)^m′, \
         FMR₁ and FNMR₁ being a multiplier-1 group's"
    );
    let _ = writeln!(
        out,
        "\n{:<24}{:>8}{:>18}{:>20}",
        "SITE", "cameras", "expected faces", "peak faces/hour"
    );
    for (s, sv) in m
        .sites
        .iter()
        .zip(v["sites"].as_array().into_iter().flatten())
    {
        let _ = writeln!(
            out,
            "{:<24}{:>8}{:>18}{:>20}",
            truncate(&s.name, 23),
            s.cameras,
            fmt_num(f(&sv["expected_faces"]), 0),
            fmt_num(f(&sv["peak_faces_per_hour"]), 0)
        );
    }
    let _ = writeln!(out, "\nEXPECTED PER REPLICATION");
    for (label, key, dec) in [
        ("faces captured", "faces_captured", 0),
        ("faces per day", "faces_per_day", 0),
        ("distinct people scanned", "people_scanned", 0),
        ("true alerts", "true_alerts", 2),
        ("false alerts", "false_alerts", 2),
        ("faces per true alert", "faces_per_true_alert", 0),
    ] {
        let _ = writeln!(out, "  {label:<32}{:>20}", fmt_num(f(&ex[key]), dec));
    }
    let _ = writeln!(
        out,
        "  {:<32}{:>20}",
        "alert precision",
        ex["alert_precision"].as_f64().map_or("-".into(), fmt_pct)
    );
    let _ = writeln!(
        out,
        "  {:<32}{:>20}",
        "operator utilisation",
        fmt_pct(f(&ex["operator_utilisation"]))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_for_people() {
        assert_eq!(fmt_num(1234567.0, 0), "1,234,567");
        assert_eq!(fmt_num(999.0, 0), "999");
        assert_eq!(fmt_num(1234.5678, 1), "1,234.6");
        assert_eq!(fmt_num(-1234.0, 0), "-1,234");
        assert_eq!(num(3.0), json!(3));
        assert_eq!(num(0.5), json!(0.5));
        assert_eq!(num(f64::INFINITY), Value::Null);
    }
}
