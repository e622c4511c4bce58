//! A matcher's operating points, checked: one rate each, in range, at a
//! known watchlist, with the counts it was measured from (if given); and,
//! once the matcher is calibrated, how well it meets each.

use super::matcher::{GroupSearch, Matcher, NormalScores};
use super::uncertain::Evidence;
use crate::error::{KeyPath, ValidationError};
use crate::spec::OperatingPoint;

/// The largest relative misfit of an operating point that is accepted.
pub const MAX_RELATIVE_MISFIT: f64 = 0.10;

/// Which rate an operating point states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// False-positive identification rate.
    Fpir,
    /// True-positive identification rate.
    Tpir,
}

impl Rate {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Rate::Fpir => "fpir",
            Rate::Tpir => "tpir",
        }
    }
}

/// An operating point and how well the calibrated matcher meets it.
#[derive(Debug, Clone, PartialEq)]
pub struct PointFit {
    /// Threshold.
    pub threshold: f64,
    /// Watchlist size.
    pub watchlist: u64,
    /// The rate stated.
    pub rate: Rate,
    /// Its published value.
    pub target: f64,
    /// The calibrated matcher's value.
    pub fitted: f64,
    /// Where the figure comes from.
    pub source: Option<String>,
    /// Whether the point's threshold is an assumption (not published).
    pub threshold_assumed: bool,
}

impl PointFit {
    /// (fitted − target) / target.
    pub fn relative_residual(&self) -> f64 {
        (self.fitted - self.target) / self.target
    }
}

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

/// Each operating point beside the calibrated matcher's rate there.
pub(super) fn point_fits(
    points: &[CheckedPoint],
    impostor: NormalScores,
    genuine: NormalScores,
) -> Vec<PointFit> {
    points
        .iter()
        .map(|point| {
            let search = at(impostor, genuine, point.threshold, point.watchlist);
            PointFit {
                threshold: point.threshold,
                watchlist: point.watchlist,
                rate: point.rate,
                target: point.target,
                fitted: match point.rate {
                    Rate::Fpir => search.fpir,
                    Rate::Tpir => search.tpir,
                },
                source: point.source.clone(),
                threshold_assumed: point.threshold_assumed,
            }
        })
        .collect()
}

/// Refuses operating points that no normal distribution meets within
/// [`MAX_RELATIVE_MISFIT`], listing them all.
pub(super) fn check_fits(fits: &[PointFit], path: &KeyPath) -> Result<(), ValidationError> {
    let misfit = |fit: &PointFit| fit.relative_residual().abs();
    let Some(worst) = fits
        .iter()
        .max_by(|a, b| misfit(a).total_cmp(&misfit(b)))
        .filter(|fit| misfit(fit) > MAX_RELATIVE_MISFIT)
    else {
        return Ok(());
    };
    let all: Vec<String> = fits
        .iter()
        .map(|fit| {
            format!(
                "{} at {} (N = {}): stated {:.4e}, best fit {:.4e} ({:+.0} %)",
                fit.rate.name(),
                fit.threshold,
                fit.watchlist,
                fit.target,
                fit.fitted,
                100.0 * fit.relative_residual()
            )
        })
        .collect();
    Err(ValidationError::new(
        path.clone(),
        format!(
            "no normal score distribution meets these operating points within {:.0} % \
             (worst: {} at {}); {}",
            100.0 * MAX_RELATIVE_MISFIT,
            worst.rate.name(),
            worst.threshold,
            all.join("; ")
        ),
    ))
}

/// A matcher's search probabilities at another threshold and watchlist size.
pub(super) fn at(
    impostor: NormalScores,
    genuine: NormalScores,
    threshold: f64,
    watchlist: u64,
) -> GroupSearch {
    Matcher {
        threshold,
        impostor,
        genuine,
        watchlist_size: watchlist,
    }
    .group_search(1.0, 1.0)
}
