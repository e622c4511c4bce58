//! A matcher's operating points, checked: one rate each, in range, at a
//! known watchlist, with the counts it was measured from (if given).

use super::calibrate::Rate;
use super::uncertain::Evidence;
use crate::error::{KeyPath, ValidationError};
use crate::spec::OperatingPoint;

/// An operating point that states one rate, in range, at a known watchlist.
pub(super) struct CheckedPoint {
    pub(super) threshold: f64,
    pub(super) watchlist: u64,
    pub(super) rate: Rate,
    pub(super) target: f64,
    /// The counts the rate was measured from, if given.
    pub(super) evidence: Option<Evidence>,
    pub(super) source: Option<String>,
    pub(super) threshold_assumed: bool,
}

/// Checks the operating points found at `path`: one rate each, strictly
/// between 0 and 1, at a threshold within `[low, high]`; a TPIR without a
/// watchlist was measured at the scenario's, `watchlist_size`.
pub(super) fn check_points(
    points: &[OperatingPoint],
    path: &KeyPath,
    watchlist_size: u64,
    [low, high]: [f64; 2],
) -> Result<Vec<CheckedPoint>, ValidationError> {
    points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let here = path.index(i);
            let (rate, target) = match (point.fpir, point.tpir) {
                (Some(fpir), None) => (Rate::Fpir, fpir),
                (None, Some(tpir)) => (Rate::Tpir, tpir),
                _ => {
                    return Err(ValidationError::new(
                        here,
                        "an operating point states exactly one of fpir or tpir",
                    ));
                }
            };
            if !(target > 0.0 && target < 1.0) {
                return Err(ValidationError::new(
                    here.key(rate.name()),
                    format!("expected a rate strictly between 0 and 1, got {target}"),
                ));
            }
            let threshold = point.threshold;
            if !(threshold.is_finite() && (low..=high).contains(&threshold)) {
                return Err(ValidationError::new(
                    here.key("threshold"),
                    format!(
                        "expected a threshold within the score range [{low}, {high}], got {threshold}"
                    ),
                ));
            }
            let watchlist = match (rate, point.watchlist) {
                (_, Some(0)) => {
                    return Err(ValidationError::new(
                        here.key("watchlist"),
                        "expected a watchlist of at least 1",
                    ));
                }
                (_, Some(size)) => size,
                (Rate::Tpir, None) => watchlist_size,
                (Rate::Fpir, None) => {
                    return Err(ValidationError::new(
                        here.key("watchlist"),
                        "an fpir depends on the watchlist size it was measured with: give `watchlist`",
                    ));
                }
            };
            Ok(CheckedPoint {
                threshold,
                watchlist,
                rate,
                target,
                evidence: point_evidence(point, rate, target, &here)?,
                source: point.source.clone(),
                threshold_assumed: point.threshold_assumed,
            })
        })
        .collect()
}

/// The counts a point's rate was measured from: `false_positives` in
/// `searches` for an FPIR, `true_positives` of `mated_searches` for a TPIR,
/// both or neither, and agreeing with the rate (within 5 %, or one event).
fn point_evidence(
    point: &OperatingPoint,
    rate: Rate,
    target: f64,
    here: &KeyPath,
) -> Result<Option<Evidence>, ValidationError> {
    let (count_key, trials_key, count, trials, other) = match rate {
        Rate::Fpir => (
            "false_positives",
            "searches",
            point.false_positives,
            point.searches,
            point
                .true_positives
                .map(|_| "true_positives")
                .or(point.mated_searches.map(|_| "mated_searches")),
        ),
        Rate::Tpir => (
            "true_positives",
            "mated_searches",
            point.true_positives,
            point.mated_searches,
            point
                .false_positives
                .map(|_| "false_positives")
                .or(point.searches.map(|_| "searches")),
        ),
    };
    if let Some(key) = other {
        return Err(ValidationError::new(
            here.key(key),
            format!(
                "this is evidence for the other rate; this point states {}",
                rate.name()
            ),
        ));
    }
    let (count, trials) = match (count, trials) {
        (None, None) => return Ok(None),
        (Some(count), Some(trials)) if trials > 0 && count <= trials => (count, trials),
        (Some(_), None) | (None, Some(_)) => {
            let missing = if count.is_none() {
                count_key
            } else {
                trials_key
            };
            return Err(ValidationError::new(
                here.key(missing),
                format!("give both {count_key} and {trials_key}, or neither"),
            ));
        }
        (Some(count), Some(trials)) => {
            return Err(ValidationError::new(
                here.key(trials_key),
                format!("expected at least 1 and at least {count_key} ({count}), got {trials}"),
            ));
        }
    };
    let counted = count as f64 / trials as f64;
    if (counted - target).abs() > 0.05 * target.max(counted) + 1.0 / trials as f64 {
        return Err(ValidationError::new(
            here.key(count_key),
            format!(
                "{count} in {trials} is {counted:.3e}, but the point's {} is {target:.3e}",
                rate.name()
            ),
        ));
    }
    Ok(Some(match rate {
        Rate::Fpir => Evidence::Poisson { count, trials },
        Rate::Tpir => Evidence::Binomial { count, trials },
    }))
}
