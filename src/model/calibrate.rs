//! Matcher profiles and calibration from published operating points.
//!
//! A **profile** is a bundled `[matcher]` section ([`crate::spec::profiles`]).
//! A scenario's own `[matcher]` keys override the profile's.
//!
//! **Calibration.** A score parameter left open is solved from operating
//! points. For normal scores every point is linear in the parameters: an
//! FPIR at watchlist N and threshold T gives the per-comparison FMR =
//! 1 − (1 − FPIR)^(1/N), and Q((T − μ)/σ) = FMR means T = μ + σ·z with
//! z = Q⁻¹(FMR). A TPIR gives T = μ_g + σ_g·Q⁻¹(TPIR) for the genuine scores,
//! refined a few times because the best impostor competes with the mate.
//! With both parameters open, a least-squares line through the (z, T) points
//! (at least two distinct thresholds); with one open, its least-squares
//! value. Points that no normal distribution meets within 10 % (a falling
//! FPIR with a falling threshold, say, or two contradictory FPIRs) are refused.

use super::matcher::{Matcher, NormalScores};
use super::points::{CheckedPoint, PointFit, Rate, at, check_fits, check_points, point_fits};
use super::uncertain::Draws;
use crate::error::{KeyPath, ValidationError};
use crate::spec::{self, DEFAULT_PROFILE, MatcherSection, Param, ScoreDistSection, load_profile};
use crate::stats::normal_upper_quantile;

/// The default `extrapolation_margin`, as a share of the score range: 0.02
/// score units on a `[0, 1]` scale.
pub const DEFAULT_MARGIN_SHARE: f64 = 0.02;

/// What a matcher's identification rates are per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatesPer {
    /// Per face searched: capture failures are not in the rates (a
    /// laboratory test on images, a batch search).
    SearchedFace,
    /// Per watchlisted person walking past a camera: failures to capture
    /// and detect the face are already in the TPIR (NPL's live tests).
    WalkPast,
}

impl RatesPer {
    /// As written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            RatesPer::SearchedFace => "searched_face",
            RatesPer::WalkPast => "walk_past",
        }
    }
}

impl From<spec::RatesPer> for RatesPer {
    fn from(rates_per: spec::RatesPer) -> RatesPer {
        match rates_per {
            spec::RatesPer::SearchedFace => RatesPer::SearchedFace,
            spec::RatesPer::WalkPast => RatesPer::WalkPast,
        }
    }
}

/// A scenario's matcher after profile, overrides and calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedMatcher {
    /// The profile used, if any.
    pub profile: Option<String>,
    /// The matcher (with the scenario's watchlist size).
    pub matcher: Matcher,
    /// The scale scores are on.
    pub score_range: [f64; 2],
    /// Every operating point, with its fit.
    pub fits: Vec<PointFit>,
    /// What the rates are per.
    pub rates_per: RatesPer,
    /// How far the threshold may lie from every operating point before the
    /// matcher counts as extrapolated, in score units.
    pub extrapolation_margin: f64,
    /// Whether the impostor scores' sd was given (an assumption, unless
    /// measured) rather than fitted from points at several thresholds.
    pub impostor_sd_given: bool,
    /// With a fitted profile, how many posterior draws it holds (one is
    /// taken per replication); 0 otherwise.
    pub posterior_draws: usize,
    /// How many times likelier a false match within a group than across
    /// (`matcher.homophily`, or a fitted profile's draw); 1: none.
    pub homophily: f64,
    /// A fitted profile's groups, the reference first, each with its
    /// impostor shift (score units): a scenario's group or dimension level
    /// of that name takes it. Empty without one.
    pub groups: Vec<(String, f64)>,
}

impl ResolvedMatcher {
    /// Resolves `[matcher]` into a calibrated matcher for a watchlist of
    /// `watchlist_size` entries: the profile's keys, overridden by the
    /// scenario's, with the parameters left open solved from the operating
    /// points.
    ///
    /// Uncertain inputs — a score distribution's mean or sd given as a
    /// distribution, an operating point's rate with the counts it was
    /// measured from — take their values from `draws`. A drawn set of
    /// points is not held to the fit tolerance that the published ones are.
    pub fn build(
        section: &MatcherSection,
        watchlist_size: u64,
        draws: &mut dyn Draws,
    ) -> Result<ResolvedMatcher, ValidationError> {
        let path = KeyPath::keys(&["matcher"]);
        let open = section.impostor.is_none()
            && section.genuine.is_none()
            && section.operating_points.is_none();
        let open = open && section.posterior.is_none();
        let profile = match &section.profile {
            Some(name) => Some(name.clone()),
            None if open => Some(DEFAULT_PROFILE.to_string()),
            None => None,
        };
        let base = match &profile {
            Some(name) => load_profile(name, &path.key("profile"))?,
            None => MatcherSection::default(),
        };
        // A profile file's keys are already the scenario's (read in by
        // spec::parse); it is named like a bundled profile in reports.
        let profile = profile.or_else(|| section.profile_file.clone());
        let rates_per = section
            .rates_per
            .or(base.rates_per)
            .map_or(RatesPer::SearchedFace, RatesPer::from);
        let (score_range, threshold, extrapolation_margin) = scale(section, &base, &path)?;
        if let Some(posterior) = section.posterior.as_ref().or(base.posterior.as_ref()) {
            only_posterior(section, &base, &path)?;
            let fitted = from_posterior(posterior, &path.key("posterior"), draws)?;
            let (impostor, genuine) = (fitted.impostor, fitted.genuine);
            let matcher = Matcher {
                threshold,
                impostor,
                genuine,
                watchlist_size,
            };
            let fits = evidence_fits(posterior, &matcher);
            return Ok(ResolvedMatcher {
                profile,
                matcher,
                score_range,
                fits,
                rates_per,
                extrapolation_margin,
                impostor_sd_given: false,
                posterior_draws: posterior.draws.len(),
                homophily: fitted.homophily,
                groups: fitted.groups,
            });
        }
        let impostor = overlay_dist(base.impostor, &section.impostor);
        let genuine = overlay_dist(base.genuine, &section.genuine);
        let homophily = match section.homophily.or(base.homophily) {
            None => 1.0,
            Some(param) => {
                let at = path.key("homophily");
                super::uncertain::check_param(&at, &param, 1.0, 1e6)?;
                draws.value(&at, &param)
            }
        };
        let impostor_sd_given = impostor.sd.is_some();
        let impostor = drawn_dist(&impostor, &path.key("impostor"), draws)?;
        let genuine = drawn_dist(&genuine, &path.key("genuine"), draws)?;
        // Points that come from the profile are blamed on it.
        let (points, points_path) = match &section.operating_points {
            Some(points) => (points.clone(), path.key("operating_points")),
            None => (
                base.operating_points.unwrap_or_default(),
                match &profile {
                    Some(_) => path.key("profile"),
                    None => path.key("operating_points"),
                },
            ),
        };
        let points = check_points(&points, &points_path, watchlist_size, score_range)?;
        // Drawn inputs are named by where they sit in the merged section,
        // whether the scenario or its profile gave them.
        let points = drawn_points(points, &path.key("operating_points"), draws);
        let impostor = fit_impostor(&impostor, &points, &path.key("impostor"))?;
        let genuine = fit_genuine(&genuine, impostor, &points, &path.key("genuine"))?;
        let fits = point_fits(&points, impostor, genuine);
        if !draws.draws_any() {
            check_fits(&fits, &points_path)?;
        }
        Ok(ResolvedMatcher {
            profile,
            matcher: Matcher {
                threshold,
                impostor,
                genuine,
                watchlist_size,
            },
            score_range,
            fits,
            rates_per,
            extrapolation_margin,
            impostor_sd_given,
            posterior_draws: 0,
            homophily,
            groups: Vec::new(),
        })
    }
}

/// The score range, the threshold within it and the extrapolation margin:
/// the scenario's, else its profile's (`base`).
fn scale(
    section: &MatcherSection,
    base: &MatcherSection,
    path: &KeyPath,
) -> Result<([f64; 2], f64, f64), ValidationError> {
    let score_range = section
        .score_range
        .or(base.score_range)
        .unwrap_or([0.0, 1.0]);
    let [low, high] = score_range;
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(ValidationError::new(
            path.key("score_range"),
            format!("expected [min, max] with min < max, got [{low}, {high}]"),
        ));
    }
    let threshold = section.threshold.or(base.threshold).ok_or_else(|| {
        ValidationError::new(
            path.key("threshold"),
            "expected a threshold (no profile gives one)",
        )
    })?;
    if !(threshold.is_finite() && (low..=high).contains(&threshold)) {
        return Err(ValidationError::new(
            path.key("threshold"),
            format!("expected a threshold within the score range [{low}, {high}], got {threshold}"),
        ));
    }
    let extrapolation_margin = section
        .extrapolation_margin
        .or(base.extrapolation_margin)
        .unwrap_or(DEFAULT_MARGIN_SHARE * (high - low));
    if !(extrapolation_margin.is_finite() && extrapolation_margin >= 0.0) {
        return Err(ValidationError::new(
            path.key("extrapolation_margin"),
            format!("expected a score distance ≥ 0, got {extrapolation_margin}"),
        ));
    }
    Ok((score_range, threshold, extrapolation_margin))
}

/// A fitted profile's score distributions and homophily come from its
/// posterior draws: an error if the scenario or profile gives them too.
fn only_posterior(
    section: &MatcherSection,
    base: &MatcherSection,
    path: &KeyPath,
) -> Result<(), ValidationError> {
    let given = [
        (
            "impostor",
            section.impostor.is_some() || base.impostor.is_some(),
        ),
        (
            "genuine",
            section.genuine.is_some() || base.genuine.is_some(),
        ),
        (
            "operating_points",
            section.operating_points.is_some() || base.operating_points.is_some(),
        ),
        ("homophily", section.homophily.is_some()),
    ];
    if let Some((key, _)) = given.iter().find(|(_, given)| *given) {
        return Err(ValidationError::new(
            path.key(key),
            "a fitted profile's score distributions and homophily come from its \
             posterior draws: give impostor, genuine, operating_points and homophily \
             only without one",
        ));
    }
    Ok(())
}

/// A fitted profile's evidence, each point at the rate `matcher` gives
/// (a posterior draw fits no points of its own: target and fit agree).
fn evidence_fits(posterior: &spec::PosteriorSection, matcher: &Matcher) -> Vec<PointFit> {
    posterior
        .evidence
        .iter()
        .map(|point| {
            let (rate, value) = match point.rate.as_str() {
                "tpir" => (Rate::Tpir, matcher.genuine.upper_tail(point.threshold)),
                _ => (
                    Rate::Fpir,
                    Matcher {
                        threshold: point.threshold,
                        watchlist_size: point.watchlist,
                        ..matcher.clone()
                    }
                    .group_search(1.0, 1.0)
                    .fpir,
                ),
            };
            PointFit {
                threshold: point.threshold,
                watchlist: point.watchlist,
                rate,
                target: value,
                fitted: value,
                source: Some(point.source.clone()),
                threshold_assumed: false,
            }
        })
        .collect()
}

/// One of a fitted profile's posterior draws, as the model uses it.
struct FittedRow {
    impostor: NormalScores,
    genuine: NormalScores,
    /// Homophily (1 without groups).
    homophily: f64,
    /// The fit's groups, the reference first, and each one's impostor shift.
    groups: Vec<(String, f64)>,
}

/// The draw of a fitted profile's posterior that `draws` takes (the
/// columns' means if none), checked.
fn from_posterior(
    posterior: &spec::PosteriorSection,
    path: &KeyPath,
    draws: &mut dyn Draws,
) -> Result<FittedRow, ValidationError> {
    let groups = posterior.groups.clone().unwrap_or_default();
    let mut expected: Vec<String> = spec::POSTERIOR_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    if groups.len() > 1 {
        expected.push("homophily".into());
        expected.extend(groups[1..].iter().map(|g| format!("impostor_shift.{g}")));
    }
    if posterior.columns != expected {
        return Err(ValidationError::new(
            path.key("columns"),
            format!("expected the columns {expected:?}, as survsim fit writes them"),
        ));
    }
    let width = expected.len();
    for (i, row) in posterior.draws.iter().enumerate() {
        let valid = row.len() == width
            && row.iter().all(|v| v.is_finite())
            && row[1] > 0.0
            && row[3] > 0.0
            && (width == 4 || row[4] >= 1.0);
        if !valid {
            return Err(ValidationError::new(
                path.key("draws").index(i),
                format!(
                    "expected {width} finite numbers, the two sds above 0 (and homophily at \
                     least 1)"
                ),
            ));
        }
    }
    let rows = posterior.draws.len();
    if rows == 0 {
        return Err(ValidationError::new(
            path.key("draws"),
            "expected at least one draw",
        ));
    }
    let row = match draws.posterior_row(path, rows) {
        Some(i) => posterior.draws[i].clone(),
        None => (0..width)
            .map(|j| posterior.draws.iter().map(|r| r[j]).sum::<f64>() / rows as f64)
            .collect(),
    };
    let groups = match groups.split_first() {
        Some((reference, others)) if !others.is_empty() => {
            std::iter::once((reference.clone(), 0.0))
                .chain(others.iter().cloned().zip(row[5..].iter().copied()))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(FittedRow {
        impostor: NormalScores {
            mean: row[0],
            sd: row[1],
        },
        genuine: NormalScores {
            mean: row[2],
            sd: row[3],
        },
        homophily: if width > 4 { row[4] } else { 1.0 },
        groups,
    })
}

/// `top`'s parameters where it gives them, `base`'s otherwise.
fn overlay_dist(
    base: Option<ScoreDistSection>,
    top: &Option<ScoreDistSection>,
) -> ScoreDistSection {
    let base = base.unwrap_or_default();
    match top {
        None => base,
        Some(top) => ScoreDistSection {
            dist: top.dist,
            mean: top.mean.or(base.mean),
            sd: top.sd.or(base.sd),
        },
    }
}

/// `dist` with its uncertain mean and sd given values by `draws` (an sd
/// must be a bounded distribution above 0).
fn drawn_dist(
    dist: &ScoreDistSection,
    path: &KeyPath,
    draws: &mut dyn Draws,
) -> Result<ScoreDistSection, ValidationError> {
    if let Some(sd) = &dist.sd {
        super::uncertain::check_param(&path.key("sd"), sd, f64::MIN_POSITIVE, f64::MAX)?;
    }
    if let Some(mean @ Param::Dist(_)) = &dist.mean {
        super::uncertain::check_param(&path.key("mean"), mean, f64::MIN, f64::MAX)?;
    }
    Ok(ScoreDistSection {
        dist: dist.dist,
        mean: dist
            .mean
            .map(|mean| Param::Value(draws.value(&path.key("mean"), &mean))),
        sd: dist
            .sd
            .map(|sd| Param::Value(draws.value(&path.key("sd"), &sd))),
    })
}

/// The points with each rate that carries its evidence given a value by
/// `draws` (its posterior, when drawn).
fn drawn_points(
    mut points: Vec<CheckedPoint>,
    path: &KeyPath,
    draws: &mut dyn Draws,
) -> Vec<CheckedPoint> {
    for (i, point) in points.iter_mut().enumerate() {
        point.target = draws.rate(&path.index(i), point.target, point.evidence);
    }
    points
}

/// Impostor scores from the FPIR points: each gives the per-comparison FMR,
/// and so a point T = μ + σ·Q⁻¹(FMR).
fn fit_impostor(
    dist: &ScoreDistSection,
    points: &[CheckedPoint],
    path: &KeyPath,
) -> Result<NormalScores, ValidationError> {
    let fpir: Vec<(f64, f64)> = points
        .iter()
        .filter(|point| point.rate == Rate::Fpir)
        .map(|point| {
            let fmr = -((-point.target).ln_1p() / point.watchlist as f64).exp_m1();
            (normal_upper_quantile(fmr), point.threshold)
        })
        .collect();
    solve(dist, &fpir, path, "fpir")
}

/// Genuine scores from the TPIR points: solved as if the best impostor never
/// won, then each target corrected by the competition the fit implies, a
/// few times over.
fn fit_genuine(
    dist: &ScoreDistSection,
    impostor: NormalScores,
    points: &[CheckedPoint],
    path: &KeyPath,
) -> Result<NormalScores, ValidationError> {
    let tpir: Vec<&CheckedPoint> = points
        .iter()
        .filter(|point| point.rate == Rate::Tpir)
        .collect();
    let mut adjusted: Vec<f64> = tpir.iter().map(|point| point.target).collect();
    let mut fitted = None;
    for _ in 0..8 {
        let quantiles: Vec<(f64, f64)> = tpir
            .iter()
            .zip(&adjusted)
            .map(|(point, &target)| {
                (
                    normal_upper_quantile(target.clamp(1e-15, 1.0 - 1e-15)),
                    point.threshold,
                )
            })
            .collect();
        let genuine = solve(dist, &quantiles, path, "tpir")?;
        for (point, target) in tpir.iter().zip(adjusted.iter_mut()) {
            let model = at(impostor, genuine, point.threshold, point.watchlist).tpir;
            *target += point.target - model;
        }
        fitted = Some(genuine);
    }
    fitted.map_or_else(|| solve(dist, &[], path, "tpir"), Ok)
}

/// Solves the open parameters of `dist` from points (z, T) with
/// T = μ + σ·z: least squares for whichever of μ and σ is open.
fn solve(
    dist: &ScoreDistSection,
    points: &[(f64, f64)],
    path: &KeyPath,
    rate: &str,
) -> Result<NormalScores, ValidationError> {
    let count = points.len() as f64;
    let (mean, sd) = match (dist.mean.map(|p| p.nominal()), dist.sd.map(|p| p.nominal())) {
        (Some(mean), Some(sd)) => (mean, sd),
        (None, Some(sd)) if !points.is_empty() => {
            let sum: f64 = points.iter().map(|(z, threshold)| threshold - sd * z).sum();
            (sum / count, sd)
        }
        (Some(mean), None) if points.iter().any(|(z, _)| *z != 0.0) => {
            let sum_z2: f64 = points.iter().map(|(z, _)| z * z).sum();
            let sum: f64 = points
                .iter()
                .map(|(z, threshold)| z * (threshold - mean))
                .sum();
            (mean, sum / sum_z2)
        }
        (None, None) if count >= 2.0 => {
            let (mean_z, mean_threshold) = (
                points.iter().map(|point| point.0).sum::<f64>() / count,
                points.iter().map(|point| point.1).sum::<f64>() / count,
            );
            let spread_z: f64 = points
                .iter()
                .map(|(z, _)| (z - mean_z) * (z - mean_z))
                .sum();
            if spread_z < 1e-12 {
                return Err(ValidationError::new(
                    path.clone(),
                    format!(
                        "mean and sd cannot both be solved from {rate} points at a single \
                         operating point: give `sd`, or points at two different thresholds"
                    ),
                ));
            }
            let covariance: f64 = points
                .iter()
                .map(|(z, threshold)| (z - mean_z) * (threshold - mean_threshold))
                .sum();
            let sd = covariance / spread_z;
            (mean_threshold - sd * mean_z, sd)
        }
        _ => {
            let missing = if dist.mean.is_none() { "mean" } else { "sd" };
            return Err(ValidationError::new(
                path.key(missing),
                format!("expected a {missing}, or operating points with {rate} to solve it from"),
            ));
        }
    };
    if !mean.is_finite() {
        return Err(ValidationError::new(
            path.key("mean"),
            "expected a finite mean",
        ));
    }
    if !sd.is_finite() || sd <= 0.0 {
        return Err(ValidationError::new(
            path.key("sd"),
            if dist.sd.is_some() {
                format!("expected a standard deviation above 0, got {sd}")
            } else {
                format!(
                    "the {rate} operating points imply a standard deviation of {sd:.3e}: no \
                     normal distribution meets them (does the rate move the wrong way with the threshold?)"
                )
            },
        ));
    }
    Ok(NormalScores { mean, sd })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::PROFILES;

    fn section(text: &str) -> MatcherSection {
        toml::from_str(text).unwrap()
    }

    fn resolve(
        section: &MatcherSection,
        watchlist_size: u64,
    ) -> Result<ResolvedMatcher, ValidationError> {
        ResolvedMatcher::build(section, watchlist_size, &mut crate::model::uncertain::Fixed)
    }

    #[test]
    fn every_bundled_profile_calibrates() {
        for (name, _) in PROFILES {
            let resolved = resolve(&section(&format!("profile = \"{name}\"")), 10_000).unwrap();
            for fit in &resolved.fits {
                assert!(fit.relative_residual().abs() < 0.02, "{name}: {fit:?}");
            }
        }
    }

    #[test]
    fn every_bundled_profile_states_what_its_rates_are_per() {
        for (name, text) in PROFILES {
            let profile = section(text);
            assert!(
                profile.rates_per.is_some(),
                "{name} does not state rates_per"
            );
        }
        let npl = resolve(&section("profile = \"neoface-v4-npl2023\""), 10_000).unwrap();
        assert_eq!(npl.rates_per, RatesPer::WalkPast);
        let over = "profile = \"neoface-v4-npl2023\"\nrates_per = \"searched_face\"";
        assert_eq!(
            resolve(&section(over), 10_000).unwrap().rates_per,
            RatesPer::SearchedFace
        );
        let own = "threshold = 0.5\nimpostor = { mean = 0.2, sd = 0.1 }\ngenuine = { mean = 0.8, sd = 0.1 }";
        assert_eq!(
            resolve(&section(own), 1_000).unwrap().rates_per,
            RatesPer::SearchedFace
        );
    }

    #[test]
    fn two_thresholds_solve_both_parameters_exactly() {
        let truth = NormalScores {
            mean: 0.3,
            sd: 0.05,
        };
        let fpir = |threshold: f64| at(truth, truth, threshold, 5000).fpir;
        let text = format!(
            "threshold = 0.6\ngenuine = {{ mean = 0.8, sd = 0.1 }}\noperating_points = [\n\
             {{ threshold = 0.55, watchlist = 5000, fpir = {} }},\n\
             {{ threshold = 0.6, watchlist = 5000, fpir = {} }} ]",
            fpir(0.55),
            fpir(0.6)
        );
        let resolved = resolve(&section(&text), 5000).unwrap();
        assert!((resolved.matcher.impostor.mean - 0.3).abs() < 1e-9);
        assert!((resolved.matcher.impostor.sd - 0.05).abs() < 1e-9);
    }

    #[test]
    fn impossible_points_are_refused() {
        // FPIR rising with the threshold.
        let rising = "threshold = 0.6\ngenuine = { mean = 0.8, sd = 0.1 }\noperating_points = [\
             { threshold = 0.55, watchlist = 1000, fpir = 1e-4 },\
             { threshold = 0.6, watchlist = 1000, fpir = 1e-3 } ]";
        let error = resolve(&section(rising), 1000).unwrap_err();
        assert!(
            error.message.contains("no normal distribution"),
            "{}",
            error.message
        );
        // Two contradictory figures at one threshold.
        let clash = "threshold = 0.6\nimpostor = { sd = 0.1 }\ngenuine = { mean = 0.8, sd = 0.1 }\n\
             operating_points = [\
             { threshold = 0.6, watchlist = 1000, fpir = 1e-4 },\
             { threshold = 0.6, watchlist = 1000, fpir = 1e-2 } ]";
        let error = resolve(&section(clash), 1000).unwrap_err();
        assert!(error.message.contains("within 10 %"), "{}", error.message);
    }
}
