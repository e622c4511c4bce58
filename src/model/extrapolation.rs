//! Where a calibrated matcher is extrapolated beyond its published figures.
//!
//! A profile pins the score distributions at its operating points only.
//! Elsewhere its rates follow from assumptions: that the impostor scores
//! have a normal tail, with an sd that is either given (for the NeoFace
//! profiles, an assumption) or fitted from points at several thresholds;
//! and that a search against N entries is N independent comparisons, so
//! FPIR(N) = 1 − (1 − FMR)^N. [`warnings`] says so when a scenario goes far
//! from the points: a threshold more than `matcher.extrapolation_margin`
//! from every operating point, or a watchlist more than
//! [`WATCHLIST_FACTOR`] times outside the sizes of the FPIR points. The run
//! goes ahead; the warning says what its figures rest on.

use super::calibrate::ResolvedMatcher;
use super::points::{PointFit, Rate};
use crate::error::{KeyPath, Warning};
use crate::format::fmt_num;

/// How far outside the calibrated watchlist sizes (as a factor) a watchlist
/// may be before it is said to be extrapolated.
pub const WATCHLIST_FACTOR: f64 = 10.0;

/// The thresholds the matcher's false-alert rate was measured at (its FPIR
/// operating points', or a fitted profile's records'), ascending, each
/// once.
pub fn measured_thresholds(fits: &[PointFit]) -> Vec<f64> {
    let mut at: Vec<f64> = fits
        .iter()
        .filter(|fit| fit.rate == Rate::Fpir)
        .map(|fit| fit.threshold)
        .collect();
    at.sort_by(f64::total_cmp);
    at.dedup();
    at
}

/// Whether `threshold` lies beyond the thresholds the matcher was
/// measured at (outside their span; between two of them the curve is
/// pinned on both sides). `false` without measured thresholds.
pub fn beyond_measured(threshold: f64, fits: &[PointFit]) -> bool {
    let at = measured_thresholds(fits);
    let (Some(&low), Some(&high)) = (at.first(), at.last()) else {
        return false;
    };
    let tolerance = 1e-9 * high.abs().max(1.0);
    threshold < low - tolerance || threshold > high + tolerance
}

/// What figures beyond the measured thresholds rest on, in words: `beyond
/// the thresholds with published figures (0.6), false and true alerts
/// follow an assumed curve: …`. `None` without measured thresholds (rates
/// given outright: nothing was published to go beyond).
///
/// What the curve is depends on the profile: a fitted profile's is fitted
/// to the records at several thresholds ([`PointFit`]s from its evidence),
/// so beyond them it is that fit carried further; a profile with points at
/// one threshold has a slope that was assumed.
pub fn beyond_caveat(fits: &[PointFit], posterior_draws: usize) -> Option<String> {
    let at = measured_thresholds(fits);
    let list = match at.as_slice() {
        [] => return None,
        [one] => format!("{one}"),
        [first, .., last] => format!("{first} to {last}"),
    };
    let curve = if posterior_draws > 0 {
        "the curve fitted to those records, carried beyond them: each run's range carries the \
         fit's uncertainty, but not whether the curve keeps its shape there"
    } else if at.len() > 1 {
        "a normal curve fitted to the published figures, carried beyond them"
    } else {
        "an assumed curve: a normal tail through the published figure, whose slope is an \
         assumption, not a measurement"
    };
    let measured = if posterior_draws > 0 {
        "the thresholds the fitted records measured"
    } else {
        "the thresholds with published figures"
    };
    Some(format!(
        "beyond {measured} ({list}), false and true alerts follow {curve}"
    ))
}

/// The caveat, in words, on a figure at `threshold` beyond the thresholds
/// the matcher was measured at ([`beyond_caveat`]) — at any distance,
/// unlike the warning, which waits for `extrapolation_margin`: a what-if
/// at 0.58 rests on the curve as much as one at 0.50.
pub fn threshold_caveat(
    threshold: f64,
    fits: &[PointFit],
    posterior_draws: usize,
) -> Option<String> {
    if !beyond_measured(threshold, fits) {
        return None;
    }
    Some(format!(
        "at threshold {threshold}, {}",
        beyond_caveat(fits, posterior_draws)?
    ))
}

/// The warnings about `matcher`, calibrated for its watchlist size: none
/// without operating points (then nothing was published to depart from).
pub fn warnings(matcher: &ResolvedMatcher) -> Vec<Warning> {
    let mut warnings = Vec::new();
    warnings.extend(threshold_warning(matcher));
    warnings.extend(watchlist_warning(matcher));
    warnings
}

/// What the impostor tail rests on, for a warning's closing words.
fn impostor_assumption(matcher: &ResolvedMatcher) -> String {
    let impostor = matcher.matcher.impostor;
    if matcher.posterior_draws > 0 {
        return format!(
            "a normal impostor tail fitted to published records (survsim fit): N({:.4}, {:.4}²) \
             at this replication's draw of {} posterior draws, whose spread each run's range \
             carries",
            impostor.mean, impostor.sd, matcher.posterior_draws
        );
    }
    let sd = if matcher.impostor_sd_given {
        "assumed (given, not fitted from published points)"
    } else {
        "fitted from the operating points"
    };
    format!(
        "a normal impostor tail, N({:.4}, {:.4}²), with sd {:.4} {sd}",
        impostor.mean, impostor.sd, impostor.sd
    )
}

/// The threshold more than the margin from every operating point.
fn threshold_warning(matcher: &ResolvedMatcher) -> Option<Warning> {
    let threshold = matcher.matcher.threshold;
    let distance = |t: f64| (t - threshold).abs();
    let nearest = matcher
        .fits
        .iter()
        .min_by(|a, b| distance(a.threshold).total_cmp(&distance(b.threshold)))?;
    let margin = matcher.extrapolation_margin;
    // Thresholds as written: 0.62 − 0.6 is 0.02, not 0.020000000000000018.
    let [low, high] = matcher.score_range;
    if distance(nearest.threshold) <= margin + 1e-9 * (high - low) {
        return None;
    }
    let assumed = if nearest.threshold_assumed {
        ", itself an assumed threshold"
    } else {
        ""
    };
    let genuine = matcher.matcher.genuine;
    Some(Warning {
        path: KeyPath::keys(&["matcher", "threshold"]),
        message: format!(
            "the threshold {threshold} is {} from the nearest calibrated operating point \
             ({}{assumed}; extrapolation_margin {margin}): FPIR and TPIR there are \
             extrapolated, not published. They rest on {}, and on normal genuine scores \
             N({:.4}, {:.4}²)",
            (distance(nearest.threshold) * 1e6).round() / 1e6,
            nearest.threshold,
            impostor_assumption(matcher),
            genuine.mean,
            genuine.sd,
        ),
    })
}

/// The watchlist more than [`WATCHLIST_FACTOR`] times outside the sizes of
/// the FPIR operating points.
fn watchlist_warning(matcher: &ResolvedMatcher) -> Option<Warning> {
    let sizes: Vec<f64> = matcher
        .fits
        .iter()
        .filter(|fit| fit.rate == Rate::Fpir)
        .map(|fit| fit.watchlist as f64)
        .collect();
    if sizes.is_empty() {
        // Impostor scores given outright: no published size to depart from.
        return None;
    }
    let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
    let largest = sizes.iter().copied().fold(0.0, f64::max);
    let size = matcher.matcher.watchlist_size as f64;
    let beyond = if size > WATCHLIST_FACTOR * largest {
        format!(
            "{}× the largest calibrated watchlist ({})",
            fmt_num(size / largest, 0),
            fmt_num(largest, 0)
        )
    } else if size * WATCHLIST_FACTOR < smallest {
        format!(
            "1/{} of the smallest calibrated watchlist ({})",
            fmt_num(smallest / size, 0),
            fmt_num(smallest, 0)
        )
    } else {
        return None;
    };
    let fpir = matcher.matcher.group_search(1.0, 1.0).fpir;
    Some(Warning {
        path: KeyPath::keys(&["watchlist", "size"]),
        message: format!(
            "a watchlist of {} entries is {beyond}: its FPIR ({fpir:.3e} for a multiplier-1 \
             group) is extrapolated as 1 − (1 − FMR)^N, which assumes every entry is a \
             distinct, independent comparison, and {}",
            fmt_num(size, 0),
            impostor_assumption(matcher),
        ),
    })
}
