//! The stable JSON form of a [`Report`] (documented in README.md).
//!
//! The structs below are the schema: their fields, in order, are the keys
//! as written, so a change to the output is a change to a struct here.
//! Floats are [`Num`]s (integers when whole, `null` when not finite);
//! `Option`s are `null` when a ratio is undefined; the `ci95` objects are
//! left out with one replication, the `pi95` objects with fewer than
//! [`MIN_REPS_FOR_PI95`], the `pipeline` object without a pipeline. A `pi95`
//! bound that is unbounded (faces per true alert when some replications have
//! no true alert) is `null`.
//! Maps keyed by a metric follow [`Metric::ALL`] and [`GroupMetric::ALL`].

use super::ratios::RATIOS;
use super::{DEPLOYMENT_METRICS, HourReport, LATENCY_QUANTILES, MIN_REPS_FOR_PI95, Report, Stat};
use crate::error::Warning;
use crate::format::Num;
use crate::metrics::{GroupMetric, Metric};
use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::Value;

impl Report {
    /// The stable JSON form (documented in README.md).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(ReportJson::new(self)).expect("report JSON serializes")
    }
}

/// An object whose keys are known only at run time (metric keys, latency
/// names), written in the order given.
struct Entries<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Entries<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// An optional number: `null` when `None`.
fn opt(x: Option<f64>) -> Option<Num> {
    x.map(Num)
}

/// A 95 % interval as `[low, high]`.
fn interval((lo, hi): (f64, f64)) -> [Num; 2] {
    [Num(lo), Num(hi)]
}

#[derive(Serialize)]
struct ReportJson<'a> {
    survsim: &'static str,
    scenario: ScenarioJson<'a>,
    warnings: Vec<WarningJson<'a>>,
    /// In words, what the figures rest on beyond the measured thresholds.
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold_caveat: Option<&'a str>,
    totals: Entries<&'static str, Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci95: Option<Entries<&'static str, [Num; 2]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pi95: Option<Entries<&'static str, [Num; 2]>>,
    expected: ExpectedJson,
    ratios: Entries<&'static str, Option<Num>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ratios_ci95: Option<Entries<&'static str, Option<[Num; 2]>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ratios_pi95: Option<Entries<&'static str, Option<[Num; 2]>>>,
    groups: Vec<GroupJson<'a>>,
    latency: Entries<String, LatencyJson>,
    exposure: ExposureJson,
    equity: EquityJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_of_day: Option<TimeOfDayJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    deployments: Vec<DeploymentJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pipeline: Option<PipelineJson<'a>>,
}

/// One deployment of a schedule: its settings, expectations and counts.
#[derive(Serialize)]
struct DeploymentJson<'a> {
    name: &'a str,
    day: u32,
    start_s: Num,
    end_s: Num,
    sites: &'a [String],
    watchlist_size: u64,
    threshold: Num,
    wanted_on_list: u32,
    operators: u32,
    officers: u32,
    faces_given: Option<Num>,
    expected: ExpectedDeploymentJson,
    totals: Entries<&'static str, Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci95: Option<Entries<&'static str, [Num; 2]>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    watchlists: Vec<ListJson<'a>>,
}

/// One of several watchlists at a deployment.
#[derive(Serialize)]
struct ListJson<'a> {
    name: &'a str,
    size: u64,
    threshold: Num,
    wanted_on_list: u32,
    expected: ListCountsJson<Num>,
    totals: ListCountsJson<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci95: Option<ListCountsJson<[Num; 2]>>,
}

#[derive(Serialize)]
struct ListCountsJson<T> {
    true_alerts: T,
    false_alerts: T,
}

#[derive(Serialize)]
struct ExpectedDeploymentJson {
    faces_captured: Num,
    true_alerts: Num,
    wanted_faces_captured: Num,
    false_alerts: Num,
}

fn deployments(r: &Report) -> Vec<DeploymentJson<'_>> {
    let several = r.replications > 1;
    r.deployments
        .iter()
        .map(|d| {
            let metrics = || DEPLOYMENT_METRICS.iter().zip(&d.stats);
            DeploymentJson {
                name: &d.name,
                day: d.day,
                start_s: Num(d.start_s),
                end_s: Num(d.end_s),
                sites: &d.sites,
                watchlist_size: d.watchlist_size,
                threshold: Num(d.threshold),
                wanted_on_list: d.wanted_on_list,
                operators: d.operators,
                officers: d.officers,
                faces_given: opt(d.faces_given),
                expected: ExpectedDeploymentJson {
                    faces_captured: Num(d.expected.faces_captured),
                    true_alerts: Num(d.expected.true_alerts),
                    wanted_faces_captured: Num(d.expected.wanted_faces_captured),
                    false_alerts: Num(d.expected.false_alerts),
                },
                totals: Entries(metrics().map(|(m, s)| (m.key(), Num(s.mean))).collect()),
                ci95: several.then(|| {
                    Entries(
                        metrics()
                            .map(|(m, s)| (m.key(), interval((s.lo, s.hi))))
                            .collect(),
                    )
                }),
                watchlists: d
                    .lists
                    .iter()
                    .map(|l| ListJson {
                        name: &l.name,
                        size: l.size,
                        threshold: Num(l.threshold),
                        wanted_on_list: l.wanted_on_list,
                        expected: ListCountsJson {
                            true_alerts: Num(l.expected_true_alerts),
                            false_alerts: Num(l.expected_false_alerts),
                        },
                        totals: ListCountsJson {
                            true_alerts: Num(l.true_alerts.mean),
                            false_alerts: Num(l.false_alerts.mean),
                        },
                        ci95: several.then(|| ListCountsJson {
                            true_alerts: interval((l.true_alerts.lo, l.true_alerts.hi)),
                            false_alerts: interval((l.false_alerts.lo, l.false_alerts.hi)),
                        }),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A warning about the scenario: the key it is about, and what it says.
#[derive(Serialize)]
pub(super) struct WarningJson<'a> {
    key: String,
    message: &'a str,
}

/// The warnings, in the model's order.
pub(super) fn warnings(warnings: &[Warning]) -> Vec<WarningJson<'_>> {
    warnings
        .iter()
        .map(|warning| WarningJson {
            key: warning.path.to_string(),
            message: &warning.message,
        })
        .collect()
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    source: &'a str,
    overrides: &'a [String],
    seed: u64,
    duration_s: Num,
    replications: u64,
    /// `"faces"` or `"residents"`.
    engine: &'static str,
    /// With uncertain inputs: "drawn" for each replication, or "fixed".
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    uncertain_inputs: Vec<UncertainJson<'a>>,
}

#[derive(Serialize)]
struct UncertainJson<'a> {
    key: &'a str,
    what: &'a str,
}

#[derive(Serialize)]
struct ExpectedJson {
    faces_captured: Num,
    people_scanned: Num,
    true_alerts: Num,
    true_alerts_is_upper_bound: bool,
    false_alerts: Num,
    false_alerts_variance: Num,
    wanted_alerted: Num,
    wanted_faces_captured: Num,
    detection_per_pass: Option<Num>,
    detection_per_pass_is_exact: bool,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    name: &'a str,
    residents: u32,
    wanted: u32,
    /// The means of [`GroupMetric::ALL`], by key.
    #[serde(flatten)]
    means: Entries<&'static str, Num>,
    false_alerts_per_1000_faces: Option<Num>,
    false_alert_rate_vs_lowest: Option<Num>,
    fmr: Num,
    fpir: Num,
    tpir: Num,
    expected: GroupExpectedJson,
    /// With several replications: the 95 % confidence interval of each
    /// mean of [`GroupMetric::ALL`], by key.
    #[serde(skip_serializing_if = "Option::is_none")]
    ci95: Option<Entries<&'static str, [Num; 2]>>,
    /// From [`MIN_REPS_FOR_PI95`] replications: the 95 % prediction
    /// interval of one replication's count of each of [`GroupMetric::ALL`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pi95: Option<Entries<&'static str, [Num; 2]>>,
}

#[derive(Serialize)]
struct GroupExpectedJson {
    faces_captured: Num,
    people_scanned: Num,
    true_alerts: Num,
    false_alerts: Num,
}

#[derive(Serialize)]
struct LatencyJson {
    count: u64,
    mean: Num,
    /// The [`LATENCY_QUANTILES`], by key.
    #[serde(flatten)]
    quantiles: Entries<&'static str, Num>,
    max: Num,
}

#[derive(Serialize)]
struct ExposureJson {
    residents: u64,
    share_scanned: Num,
    share_scanned_expected: Num,
    share_scanned_10_times: Num,
    captures_per_resident: CapturesJson,
    distinct_sites_share: DistinctSitesJson,
    trackable_share: Num,
    trackable_share_expected: Num,
    people_with_2_false_alerts: Num,
    people_with_2_false_alerts_if_alike: Num,
    people_with_2_wrongful_stops: Num,
}

#[derive(Serialize)]
struct CapturesJson {
    mean: Num,
    p50: u64,
    p90: u64,
    p99: u64,
    max: u64,
}

#[derive(Serialize)]
struct DistinctSitesJson {
    #[serde(rename = "0")]
    none: Num,
    #[serde(rename = "1")]
    one: Num,
    #[serde(rename = "2")]
    two: Num,
    #[serde(rename = "3")]
    three: Num,
    #[serde(rename = "4+")]
    four_or_more: Num,
}

#[derive(Serialize)]
struct EquityJson<'a> {
    reference_group: &'a str,
    groups: Vec<EquityGroupJson<'a>>,
}

#[derive(Serialize)]
struct EquityGroupJson<'a> {
    name: &'a str,
    residents: u32,
    captures: Num,
    false_alerts_per_100k_captures: Option<Num>,
    wrongful_stops_per_100k_residents: Num,
    false_arrests_per_100k_residents: Num,
    trackable_share: Num,
    avoided_visits: Num,
    face_share: Num,
    face_share_without_avoidance: Num,
    disparity_vs_reference: Entries<&'static str, DisparityJson>,
    shares: Entries<&'static str, ShareJson>,
}

#[derive(Serialize)]
struct ShareJson {
    share: Option<Num>,
    ci95: Option<[Num; 2]>,
    pi95: Option<[Num; 2]>,
}

#[derive(Serialize)]
struct DisparityJson {
    ratio: Num,
    ci95: [Num; 2],
}

#[derive(Serialize)]
struct PipelineJson<'a> {
    pools: Vec<PoolJson<'a>>,
}

#[derive(Serialize)]
struct PoolJson<'a> {
    name: &'a str,
    servers: u32,
    capacity_faces_per_s: Num,
    utilisation: Num,
    mean_queue: Num,
    max_queue: u64,
    faces_dropped: Num,
    drop_rate: Option<Num>,
    peak_offered_faces_per_s: Num,
}

impl<'a> ReportJson<'a> {
    fn new(r: &'a Report) -> Self {
        let several = r.replications > 1;
        let predicted = r.replications >= MIN_REPS_FOR_PI95 as u64;
        let e = &r.expected;
        let (ratios, c, p) = (&r.ratios, &r.ratios_ci95, &r.ratios_pi95);
        ReportJson {
            survsim: env!("CARGO_PKG_VERSION"),
            scenario: ScenarioJson {
                name: &r.name,
                source: &r.source,
                overrides: &r.overrides,
                seed: r.seed,
                duration_s: Num(r.duration_s),
                replications: r.replications,
                engine: r.engine,
                parameters: (!r.uncertain_inputs.is_empty()).then_some(if r.parameters_drawn {
                    "drawn"
                } else {
                    "fixed"
                }),
                uncertain_inputs: r
                    .uncertain_inputs
                    .iter()
                    .map(|input| UncertainJson {
                        key: &input.key,
                        what: &input.what,
                    })
                    .collect(),
            },
            warnings: warnings(&r.warnings),
            threshold_caveat: r.threshold_caveat.as_deref(),
            totals: Entries(
                Metric::ALL
                    .iter()
                    .zip(&r.totals)
                    .map(|(m, s)| (m.key(), Num(s.mean)))
                    .collect(),
            ),
            ci95: several.then(|| {
                Entries(
                    Metric::ALL
                        .iter()
                        .zip(&r.totals)
                        .map(|(m, s)| (m.key(), interval((s.lo, s.hi))))
                        .collect(),
                )
            }),
            pi95: predicted.then(|| {
                Entries(
                    Metric::ALL
                        .iter()
                        .zip(&r.totals)
                        .filter_map(|(m, s)| s.pi95.map(|pi| (m.key(), interval(pi))))
                        .collect(),
                )
            }),
            expected: ExpectedJson {
                faces_captured: Num(e.faces_captured),
                people_scanned: Num(e.people_scanned),
                true_alerts: Num(e.true_alerts),
                true_alerts_is_upper_bound: e.true_alerts_is_upper_bound,
                false_alerts: Num(e.false_alerts),
                false_alerts_variance: Num(e.false_alerts_variance),
                wanted_alerted: Num(e.wanted_alerted),
                wanted_faces_captured: Num(e.wanted_faces_captured),
                detection_per_pass: opt(r.expected_ratios.detection_per_pass),
                detection_per_pass_is_exact: e.detection_per_pass_is_exact,
            },
            ratios: Entries(
                RATIOS
                    .iter()
                    .map(|row| (row.key, opt((row.value)(ratios))))
                    .collect(),
            ),
            ratios_ci95: several.then(|| {
                Entries(
                    RATIOS
                        .iter()
                        .map(|row| (row.key, (row.within)(c).map(interval)))
                        .collect(),
                )
            }),
            ratios_pi95: predicted.then(|| {
                Entries(
                    RATIOS
                        .iter()
                        .map(|row| (row.key, (row.within)(p).map(interval)))
                        .collect(),
                )
            }),
            groups: groups(r),
            latency: latency(r),
            exposure: exposure(r),
            equity: equity(r),
            time_of_day: time_of_day(r),
            deployments: deployments(r),
            pipeline: (!r.pools.is_empty()).then(|| pipeline(r)),
        }
    }
}

/// A group's intervals of one kind, by metric key: `None` (left out) when
/// `shown` is false.
fn group_intervals(
    stats: &[Stat],
    shown: bool,
    interval_of: impl Fn(&Stat) -> Option<(f64, f64)>,
) -> Option<Entries<&'static str, [Num; 2]>> {
    shown.then(|| {
        Entries(
            GroupMetric::ALL
                .iter()
                .zip(stats)
                .filter_map(|(m, s)| interval_of(s).map(|i| (m.key(), interval(i))))
                .collect(),
        )
    })
}

fn groups(r: &Report) -> Vec<GroupJson<'_>> {
    let several = r.replications > 1;
    let predicted = r.replications >= MIN_REPS_FOR_PI95 as u64;
    r.groups
        .iter()
        .zip(&r.expected.groups)
        .map(|(g, e)| GroupJson {
            name: &g.name,
            residents: g.residents,
            wanted: g.wanted,
            means: Entries(
                GroupMetric::ALL
                    .iter()
                    .zip(&g.stats)
                    .map(|(m, s)| (m.key(), Num(s.mean)))
                    .collect(),
            ),
            false_alerts_per_1000_faces: opt(g.false_alerts_per_1000_faces),
            false_alert_rate_vs_lowest: opt(g.false_alert_rate_vs_lowest),
            fmr: Num(g.fmr),
            fpir: Num(g.fpir),
            tpir: Num(g.tpir),
            expected: GroupExpectedJson {
                faces_captured: Num(e.faces_captured),
                people_scanned: Num(e.people_scanned),
                true_alerts: Num(e.true_alerts),
                false_alerts: Num(e.false_alerts),
            },
            ci95: group_intervals(&g.stats, several, |s| Some((s.lo, s.hi))),
            pi95: group_intervals(&g.stats, predicted, |s| s.pi95),
        })
        .collect()
}

fn latency(r: &Report) -> Entries<String, LatencyJson> {
    Entries(
        r.latency
            .iter()
            .map(|l| {
                let quantiles = l
                    .quantiles_ms
                    .iter()
                    .zip(LATENCY_QUANTILES)
                    .map(|((_, v), (_, key))| (key, Num(*v)))
                    .collect();
                let json = LatencyJson {
                    count: l.count,
                    mean: Num(l.mean_ms),
                    quantiles: Entries(quantiles),
                    max: Num(l.max_ms),
                };
                (format!("{}_ms", l.name), json)
            })
            .collect(),
    )
}

fn exposure(r: &Report) -> ExposureJson {
    let x = &r.exposure;
    let sites = x.distinct_sites.map(Num);
    ExposureJson {
        residents: x.residents,
        share_scanned: Num(x.share_scanned),
        share_scanned_expected: Num(x.share_scanned_expected),
        share_scanned_10_times: Num(x.share_scanned_10),
        captures_per_resident: CapturesJson {
            mean: Num(x.captures_mean),
            p50: x.captures_quantiles[0].1,
            p90: x.captures_quantiles[1].1,
            p99: x.captures_quantiles[2].1,
            max: x.captures_max,
        },
        distinct_sites_share: DistinctSitesJson {
            none: sites[0],
            one: sites[1],
            two: sites[2],
            three: sites[3],
            four_or_more: sites[4],
        },
        trackable_share: Num(x.trackable_share),
        trackable_share_expected: Num(x.trackable_share_expected),
        people_with_2_false_alerts: Num(x.people_with_2_false_alerts.mean),
        people_with_2_false_alerts_if_alike: Num(x.people_with_2_false_alerts_if_alike),
        people_with_2_wrongful_stops: Num(x.people_with_2_wrongful_stops.mean),
    }
}

fn equity(r: &Report) -> EquityJson<'_> {
    EquityJson {
        reference_group: &r.reference_group,
        groups: r
            .equity
            .iter()
            .map(|q| EquityGroupJson {
                name: &q.name,
                residents: q.residents,
                captures: Num(q.captures),
                false_alerts_per_100k_captures: opt(q.false_alerts_per_100k_captures),
                wrongful_stops_per_100k_residents: Num(q.wrongful_stops_per_100k_residents),
                false_arrests_per_100k_residents: Num(q.false_arrests_per_100k_residents),
                trackable_share: Num(q.trackable_share),
                avoided_visits: Num(q.avoided_visits),
                face_share: Num(q.face_share),
                face_share_without_avoidance: Num(q.face_share_without_avoidance),
                disparity_vs_reference: Entries(
                    q.disparity
                        .iter()
                        .map(|&(key, ratio, lo, hi)| {
                            let ci95 = interval((lo, hi));
                            (
                                key,
                                DisparityJson {
                                    ratio: Num(ratio),
                                    ci95,
                                },
                            )
                        })
                        .collect(),
                ),
                shares: Entries(
                    q.shares
                        .iter()
                        .map(|&(key, s)| {
                            (
                                key,
                                ShareJson {
                                    share: opt(s.share),
                                    ci95: s.ci95.map(interval),
                                    pi95: s.pi95.map(interval),
                                },
                            )
                        })
                        .collect(),
                ),
            })
            .collect(),
    }
}

fn pipeline(r: &Report) -> PipelineJson<'_> {
    PipelineJson {
        pools: r
            .pools
            .iter()
            .map(|p| PoolJson {
                name: &p.name,
                servers: p.servers,
                capacity_faces_per_s: Num(p.capacity_per_s),
                utilisation: Num(p.utilisation),
                mean_queue: Num(p.mean_queue),
                max_queue: p.max_queue,
                faces_dropped: Num(p.dropped),
                drop_rate: opt(p.drop_rate),
                peak_offered_faces_per_s: Num(p.peak_offered_per_s),
            })
            .collect(),
    }
}

/// Means per hour of the clock, 24 each (index = hour).
#[derive(Serialize)]
struct TimeOfDayJson {
    faces: Vec<Num>,
    true_alerts: Vec<Num>,
    false_alerts: Vec<Num>,
}

fn time_of_day(r: &Report) -> Option<TimeOfDayJson> {
    let hours = &r.time_of_day;
    let means = |stat: fn(&HourReport) -> Stat| hours.iter().map(|h| Num(stat(h).mean)).collect();
    (!hours.is_empty()).then(|| TimeOfDayJson {
        faces: means(|h| h.faces),
        true_alerts: means(|h| h.true_alerts),
        false_alerts: means(|h| h.false_alerts),
    })
}
