//! Who is watched and who pays for the errors: the exposure of residents
//! (how often, at how many sites) and, per group, the burden of false
//! alerts, wrongful stops and false arrests against the reference group's.

use super::{Stat, group_total, ratio};
use crate::metrics::{Exposure, GroupMetric, Outcome};
use crate::model::{Expected, Model};
use crate::stats::{Factor, RatioScale, pooled_product_ci, prediction_interval95, ratio_ci95};

/// Exposure of residents, pooled over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureReport {
    /// Residents.
    pub residents: u64,
    /// Share captured at least once.
    pub share_scanned: f64,
    /// Its closed form (see [`Expected::people_scanned`]).
    pub share_scanned_expected: f64,
    /// Share captured ten times or more.
    pub share_scanned_10: f64,
    /// Captures per resident: mean.
    pub captures_mean: f64,
    /// Captures per resident: (quantile, value) for p50, p90, p99.
    pub captures_quantiles: [(f64, u64); 3],
    /// Most captures of one resident.
    pub captures_max: u64,
    /// The histogram of captures per resident, in widening bins
    /// ([`CAPTURE_BINS`]): each bin's share of residents. Bins above the
    /// most captured resident are left out.
    pub captures_histogram: Vec<CaptureBin>,
    /// Shares of residents captured at 0, 1, 2, 3, 4+ distinct sites.
    pub distinct_sites: [f64; 5],
    /// Share captured at three or more distinct sites.
    pub trackable_share: f64,
    /// Its closed form (see [`Expected::trackable`]).
    pub trackable_share_expected: f64,
    /// Residents captured at three or more distinct sites (per replication).
    pub trackable: Stat,
    /// Residents with two or more false alerts (per replication).
    pub people_with_2_false_alerts: Stat,
    /// The same, were everyone in a group alike (no lookalikes): closed form.
    pub people_with_2_false_alerts_if_alike: f64,
    /// Residents wrongly stopped two or more times (per replication).
    pub people_with_2_wrongful_stops: Stat,
}

/// One bin of the histogram of captures per resident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaptureBin {
    /// Fewest captures in the bin.
    pub from: u64,
    /// Most captures in the bin; `None` for the open-ended last bin.
    pub to: Option<u64>,
    /// Share of residents captured that many times.
    pub share: f64,
}

/// The lower edges of the bins of [`ExposureReport::captures_histogram`]:
/// single counts where most residents are, then widening bins, so that a
/// long tail of heavily watched residents stays visible in a few bars.
pub const CAPTURE_BINS: [u64; 9] = [0, 1, 2, 3, 5, 10, 20, 50, 100];

/// The shares of residents in each of [`CAPTURE_BINS`], up to the bin of the
/// most captured resident.
fn captures_histogram(pooled: &Exposure, people: u64) -> Vec<CaptureBin> {
    if pooled.captures.is_empty() {
        return Vec::new();
    }
    let last = pooled.captures.len() as u64;
    let in_range = |from: u64, to: u64| -> u64 {
        let end = to.min(last.saturating_sub(1));
        (from..=end).map(|i| pooled.captures[i as usize]).sum()
    };
    CAPTURE_BINS
        .iter()
        .enumerate()
        .take_while(|&(_, &from)| from <= pooled.max_captures)
        .map(|(i, &from)| {
            let to = CAPTURE_BINS.get(i + 1).map(|next| next - 1);
            let count = in_range(from, to.unwrap_or(u64::MAX));
            CaptureBin {
                from,
                to,
                share: count as f64 / people.max(1) as f64,
            }
        })
        .collect()
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
    /// The group's share of each of [`SHARES`] over all groups: (key,
    /// share).
    pub shares: Vec<(&'static str, Share)>,
}

/// A group's share of a count over all groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// Pooled over replications: the group's total over everyone's (`None`
    /// if nobody had any).
    pub share: Option<f64>,
    /// Its 95 % interval over replications (ratio of means, as a
    /// proportion), with two replications or more.
    pub ci95: Option<(f64, f64)>,
    /// Where one replication's share falls (95 %): the 2.5 % and 97.5 %
    /// quantiles over the replications that had any, from
    /// [`crate::stats::MIN_REPS_FOR_PI95`] of them. With uncertain inputs
    /// drawn per replication, it carries them too.
    pub pi95: Option<(f64, f64)>,
}

/// The shares reported: JSON key and the group metric counted.
pub const SHARES: [(&str, GroupMetric); 3] = [
    ("false_alerts", GroupMetric::FalseAlerts),
    ("wrongful_stops", GroupMetric::WrongfulStops),
    ("false_arrests", GroupMetric::FalseArrests),
];

/// Group `g`'s share of `m` over all groups.
fn share(outcomes: &[Outcome], g: usize, m: GroupMetric) -> Share {
    let mine: Vec<f64> = outcomes.iter().map(|o| o.groups[g][m] as f64).collect();
    let all: Vec<f64> = outcomes
        .iter()
        .map(|o| o.groups.iter().map(|group| group[m]).sum::<u64>() as f64)
        .collect();
    let total: f64 = all.iter().sum();
    let per_rep: Vec<f64> = mine
        .iter()
        .zip(&all)
        .filter(|(_, all)| **all > 0.0)
        .map(|(mine, all)| mine / all)
        .collect();
    Share {
        share: (total > 0.0).then(|| mine.iter().sum::<f64>() / total),
        ci95: ratio_ci95(&mine, &all, RatioScale::Proportion).map(|(_, lo, hi)| (lo, hi)),
        pi95: prediction_interval95(&per_rep),
    }
}

/// The disparities reported, in order: JSON key, the group metric counted,
/// and whether it is a rate per capture (else per resident).
const DISPARITIES: [(&str, GroupMetric, bool); 3] = [
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
];

/// The exposure of residents: per-resident figures from the pooled
/// `exposure`, per-replication figures from the outcomes' group counts.
pub(super) fn exposure(
    model: &Model,
    expected: &Expected,
    outcomes: &[Outcome],
    pooled: &Exposure,
) -> ExposureReport {
    let people: u64 = pooled.captures.iter().sum();
    let share = |n: u64| {
        if people > 0 {
            n as f64 / people as f64
        } else {
            0.0
        }
    };
    let reps = outcomes.len().max(1) as f64;
    let all_groups = |m: GroupMetric| {
        (0..model.groups.len())
            .map(|g| group_total(outcomes, g, m))
            .sum::<f64>()
    };
    let per_rep_total = |m: GroupMetric| {
        outcomes
            .iter()
            .map(move |o| o.groups.iter().map(|g| g[m]).sum::<u64>())
    };
    ExposureReport {
        residents: model.residents as u64,
        share_scanned: 1.0 - share(pooled.captures[0]),
        share_scanned_expected: expected.people_scanned / model.residents as f64,
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
        captures_histogram: captures_histogram(pooled, people),
        distinct_sites: pooled.distinct_sites.map(share),
        trackable_share: share(pooled.distinct_sites[3] + pooled.distinct_sites[4]),
        trackable_share_expected: expected.trackable / model.residents as f64,
        trackable: Stat::of(per_rep_total(GroupMetric::Trackable)),
        people_with_2_false_alerts: Stat::of(per_rep_total(GroupMetric::RepeatFalseAlerts)),
        people_with_2_false_alerts_if_alike: expected
            .groups
            .iter()
            .map(|g| g.repeat_false_alert_people)
            .sum(),
        people_with_2_wrongful_stops: Stat::of(per_rep_total(GroupMetric::RepeatWrongfulStops)),
    }
}

/// Each group's burden, in model order.
pub(super) fn equity(model: &Model, expected: &Expected, outcomes: &[Outcome]) -> Vec<EquityRow> {
    let reps = outcomes.len().max(1) as f64;
    let all_faces: f64 = expected.groups.iter().map(|g| g.faces_captured).sum();
    let all_without: f64 = expected
        .groups
        .iter()
        .map(|g| g.faces_captured + g.avoided_visits)
        .sum();
    model
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let e = &expected.groups[g];
            let residents = group.residents as f64;
            let total = |m: GroupMetric| group_total(outcomes, g, m);
            let per_100k = |m: GroupMetric| 1e5 * total(m) / (reps * residents.max(1.0));
            EquityRow {
                name: group.name.clone(),
                residents: group.residents,
                captures: total(GroupMetric::FacesCaptured) / reps,
                false_alerts_per_100k_captures: ratio(
                    1e5 * total(GroupMetric::FalseAlerts),
                    total(GroupMetric::FacesCaptured),
                ),
                wrongful_stops_per_100k_residents: per_100k(GroupMetric::WrongfulStops),
                false_arrests_per_100k_residents: per_100k(GroupMetric::FalseArrests),
                trackable_share: total(GroupMetric::Trackable) / (reps * residents.max(1.0)),
                avoided_visits: e.avoided_visits,
                face_share: e.faces_captured / all_faces.max(f64::MIN_POSITIVE),
                face_share_without_avoidance: (e.faces_captured + e.avoided_visits)
                    / all_without.max(f64::MIN_POSITIVE),
                disparity: disparities(model, outcomes, g),
                shares: SHARES
                    .iter()
                    .map(|&(key, m)| (key, share(outcomes, g, m)))
                    .collect(),
            }
        })
        .collect()
}

/// Group `g`'s [`DISPARITIES`] against the reference group: (key, ratio,
/// 95 % low, 95 % high).
fn disparities(
    model: &Model,
    outcomes: &[Outcome],
    g: usize,
) -> Vec<(&'static str, f64, f64, f64)> {
    let r = model.reference_group;
    let per_rep = |group: usize, m: GroupMetric| -> Vec<f64> {
        outcomes.iter().map(|o| o.groups[group][m] as f64).collect()
    };
    let constant = |x: f64| Factor::fixed(vec![x; outcomes.len()], 1);
    let ratio_vs_reference = |m: GroupMetric, per_captures: bool| {
        let (den_g, den_r) = if per_captures {
            (
                Factor::count(per_rep(g, GroupMetric::FacesCaptured), 1),
                Factor::count(per_rep(r, GroupMetric::FacesCaptured), 1),
            )
        } else {
            (
                constant(model.groups[g].residents as f64),
                constant(model.groups[r].residents as f64),
            )
        };
        pooled_product_ci(&[
            Factor::count(per_rep(g, m), 1),
            Factor { power: -1, ..den_g },
            Factor::count(per_rep(r, m), -1),
            den_r,
        ])
    };
    DISPARITIES
        .into_iter()
        .map(|(key, m, per_captures)| {
            let (v, lo, hi) = ratio_vs_reference(m, per_captures);
            if g == r {
                // The reference group against itself: exactly 1 (or
                // undefined), with no uncertainty — not the product's
                // rounding, 1.0000000000000002.
                let one = if v.is_finite() && v > 0.0 { 1.0 } else { v };
                (key, one, one, one)
            } else {
                (key, v, lo, hi)
            }
        })
        .collect()
}
