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

use crate::error::{KeyPath, ValidationError};
use crate::model::matcher::{Matcher, NormalScores};
use crate::spec::profiles::{self, DEFAULT_PROFILE};
use crate::spec::{self, MatcherSection, OperatingPoint, ScoreDistSection};
use crate::stats::normal_upper_quantile;

/// The largest relative misfit of an operating point that is accepted.
pub const MAX_RELATIVE_MISFIT: f64 = 0.10;

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
}

impl PointFit {
    /// (fitted − target) / target.
    pub fn relative_residual(&self) -> f64 {
        (self.fitted - self.target) / self.target
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
}

fn overlay_dist(
    base: Option<ScoreDistSection>,
    top: &Option<ScoreDistSection>,
) -> ScoreDistSection {
    let base = base.unwrap_or_default();
    match top {
        None => base,
        Some(t) => ScoreDistSection {
            dist: t.dist,
            mean: t.mean.or(base.mean),
            sd: t.sd.or(base.sd),
        },
    }
}

/// Resolves `[matcher]` into a calibrated matcher for a watchlist of
/// `watchlist_size` entries.
pub fn resolve(
    section: &MatcherSection,
    watchlist_size: u64,
) -> Result<ResolvedMatcher, ValidationError> {
    let path = KeyPath::keys(&["matcher"]);
    let open = section.impostor.is_none()
        && section.genuine.is_none()
        && section.operating_points.is_none();
    let profile_name = match &section.profile {
        Some(p) => Some(p.clone()),
        None if open => Some(DEFAULT_PROFILE.to_string()),
        None => None,
    };
    let base = match &profile_name {
        Some(name) => profiles::load(name, &path.key("profile"))?,
        None => MatcherSection::default(),
    };
    let rates_per = section
        .rates_per
        .or(base.rates_per)
        .map_or(RatesPer::SearchedFace, RatesPer::from);
    let [lo, hi] = section
        .score_range
        .or(base.score_range)
        .unwrap_or([0.0, 1.0]);
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(ValidationError::new(
            path.key("score_range"),
            format!("expected [min, max] with min < max, got [{lo}, {hi}]"),
        ));
    }
    let threshold = section.threshold.or(base.threshold).ok_or_else(|| {
        ValidationError::new(
            path.key("threshold"),
            "expected a threshold (no profile gives one)",
        )
    })?;
    if !(threshold.is_finite() && (lo..=hi).contains(&threshold)) {
        return Err(ValidationError::new(
            path.key("threshold"),
            format!("expected a threshold within the score range [{lo}, {hi}], got {threshold}"),
        ));
    }
    let impostor = overlay_dist(base.impostor, &section.impostor);
    let genuine = overlay_dist(base.genuine, &section.genuine);
    let (points, points_path) = match &section.operating_points {
        Some(p) => (p.clone(), path.key("operating_points")),
        None => (
            base.operating_points.unwrap_or_default(),
            match &profile_name {
                Some(_) => path.key("profile"),
                None => path.key("operating_points"),
            },
        ),
    };
    let points = check_points(&points, &points_path, watchlist_size, [lo, hi])?;

    // Impostor scores from the FPIR points.
    let fpir: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.rate == Rate::Fpir)
        .map(|p| {
            let fmr = -((-p.target).ln_1p() / p.watchlist as f64).exp_m1();
            (normal_upper_quantile(fmr), p.threshold)
        })
        .collect();
    let impostor = solve(&impostor, &fpir, &path.key("impostor"), "fpir")?;

    // Genuine scores from the TPIR points: solve as if the best impostor never
    // won, then correct each target by the competition the fit implies.
    let tpir: Vec<&CheckedPoint> = points.iter().filter(|p| p.rate == Rate::Tpir).collect();
    let mut adjusted: Vec<f64> = tpir.iter().map(|p| p.target).collect();
    let mut genuine_fit = None;
    for _ in 0..8 {
        let zt: Vec<(f64, f64)> = tpir
            .iter()
            .zip(&adjusted)
            .map(|(p, &t)| {
                (
                    normal_upper_quantile(t.clamp(1e-15, 1.0 - 1e-15)),
                    p.threshold,
                )
            })
            .collect();
        let g = solve(&genuine, &zt, &path.key("genuine"), "tpir")?;
        for (p, a) in tpir.iter().zip(adjusted.iter_mut()) {
            let model = at(impostor, g, p.threshold, p.watchlist).tpir;
            *a += p.target - model;
        }
        genuine_fit = Some(g);
    }
    let genuine =
        genuine_fit.map_or_else(|| solve(&genuine, &[], &path.key("genuine"), "tpir"), Ok)?;

    let fits: Vec<PointFit> = points
        .iter()
        .map(|p| {
            let s = at(impostor, genuine, p.threshold, p.watchlist);
            PointFit {
                threshold: p.threshold,
                watchlist: p.watchlist,
                rate: p.rate,
                target: p.target,
                fitted: match p.rate {
                    Rate::Fpir => s.fpir,
                    Rate::Tpir => s.tpir,
                },
                source: p.source.clone(),
            }
        })
        .collect();
    if let Some(worst) = fits
        .iter()
        .max_by(|a, b| {
            a.relative_residual()
                .abs()
                .total_cmp(&b.relative_residual().abs())
        })
        .filter(|f| f.relative_residual().abs() > MAX_RELATIVE_MISFIT)
    {
        let all: Vec<String> = fits
            .iter()
            .map(|f| {
                format!(
                    "{} at {} (N = {}): stated {:.4e}, best fit {:.4e} ({:+.0} %)",
                    f.rate.name(),
                    f.threshold,
                    f.watchlist,
                    f.target,
                    f.fitted,
                    100.0 * f.relative_residual()
                )
            })
            .collect();
        return Err(ValidationError::new(
            points_path,
            format!(
                "no normal score distribution meets these operating points within {:.0} % \
                 (worst: {} at {}); {}",
                100.0 * MAX_RELATIVE_MISFIT,
                worst.rate.name(),
                worst.threshold,
                all.join("; ")
            ),
        ));
    }
    Ok(ResolvedMatcher {
        profile: profile_name,
        matcher: Matcher {
            threshold,
            impostor,
            genuine,
            watchlist_size,
        },
        score_range: [lo, hi],
        fits,
        rates_per,
    })
}

/// A matcher's search probabilities at another threshold and watchlist size.
fn at(
    impostor: NormalScores,
    genuine: NormalScores,
    threshold: f64,
    watchlist: u64,
) -> crate::model::GroupSearch {
    Matcher {
        threshold,
        impostor,
        genuine,
        watchlist_size: watchlist,
    }
    .group_search(1.0, 1.0)
}

struct CheckedPoint {
    threshold: f64,
    watchlist: u64,
    rate: Rate,
    target: f64,
    source: Option<String>,
}

fn check_points(
    points: &[OperatingPoint],
    path: &KeyPath,
    watchlist_size: u64,
    [lo, hi]: [f64; 2],
) -> Result<Vec<CheckedPoint>, ValidationError> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let here = path.index(i);
            let (rate, target) = match (p.fpir, p.tpir) {
                (Some(f), None) => (Rate::Fpir, f),
                (None, Some(t)) => (Rate::Tpir, t),
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
            if !(p.threshold.is_finite() && (lo..=hi).contains(&p.threshold)) {
                return Err(ValidationError::new(
                    here.key("threshold"),
                    format!("expected a threshold within the score range [{lo}, {hi}], got {}", p.threshold),
                ));
            }
            let watchlist = match (rate, p.watchlist) {
                (_, Some(0)) => {
                    return Err(ValidationError::new(here.key("watchlist"), "expected a watchlist of at least 1"));
                }
                (_, Some(n)) => n,
                (Rate::Tpir, None) => watchlist_size,
                (Rate::Fpir, None) => {
                    return Err(ValidationError::new(
                        here.key("watchlist"),
                        "an fpir depends on the watchlist size it was measured with: give `watchlist`",
                    ));
                }
            };
            Ok(CheckedPoint {
                threshold: p.threshold,
                watchlist,
                rate,
                target,
                source: p.source.clone(),
            })
        })
        .collect()
}

/// Solves the open parameters of `dist` from points T = μ + σ·z.
fn solve(
    dist: &ScoreDistSection,
    points: &[(f64, f64)],
    path: &KeyPath,
    rate: &str,
) -> Result<NormalScores, ValidationError> {
    let n = points.len() as f64;
    let (mean, sd) = match (dist.mean, dist.sd) {
        (Some(m), Some(s)) => (m, s),
        (None, Some(s)) if !points.is_empty() => {
            (points.iter().map(|(z, t)| t - s * z).sum::<f64>() / n, s)
        }
        (Some(m), None) if points.iter().any(|(z, _)| *z != 0.0) => {
            let zz: f64 = points.iter().map(|(z, _)| z * z).sum();
            (m, points.iter().map(|(z, t)| z * (t - m)).sum::<f64>() / zz)
        }
        (None, None) if n >= 2.0 => {
            let (zm, tm) = (
                points.iter().map(|p| p.0).sum::<f64>() / n,
                points.iter().map(|p| p.1).sum::<f64>() / n,
            );
            let szz: f64 = points.iter().map(|(z, _)| (z - zm) * (z - zm)).sum();
            if szz < 1e-12 {
                return Err(ValidationError::new(
                    path.clone(),
                    format!(
                        "mean and sd cannot both be solved from {rate} points at a single \
                         operating point: give `sd`, or points at two different thresholds"
                    ),
                ));
            }
            let s = points.iter().map(|(z, t)| (z - zm) * (t - tm)).sum::<f64>() / szz;
            (tm - s * zm, s)
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
    use crate::spec::profiles::PROFILES;

    fn section(text: &str) -> MatcherSection {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn every_bundled_profile_calibrates() {
        for (name, _) in PROFILES {
            let r = resolve(&section(&format!("profile = \"{name}\"")), 10_000).unwrap();
            for f in &r.fits {
                assert!(f.relative_residual().abs() < 0.02, "{name}: {f:?}");
            }
        }
    }

    #[test]
    fn every_bundled_profile_states_what_its_rates_are_per() {
        for (name, text) in PROFILES {
            let p = section(text);
            assert!(p.rates_per.is_some(), "{name} does not state rates_per");
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
        let fpir = |t: f64| at(truth, truth, t, 5000).fpir;
        let text = format!(
            "threshold = 0.6\ngenuine = {{ mean = 0.8, sd = 0.1 }}\noperating_points = [\n\
             {{ threshold = 0.55, watchlist = 5000, fpir = {} }},\n\
             {{ threshold = 0.6, watchlist = 5000, fpir = {} }} ]",
            fpir(0.55),
            fpir(0.6)
        );
        let r = resolve(&section(&text), 5000).unwrap();
        assert!((r.matcher.impostor.mean - 0.3).abs() < 1e-9);
        assert!((r.matcher.impostor.sd - 0.05).abs() < 1e-9);
    }

    #[test]
    fn impossible_points_are_refused() {
        // FPIR rising with the threshold.
        let rising = "threshold = 0.6\ngenuine = { mean = 0.8, sd = 0.1 }\noperating_points = [\
             { threshold = 0.55, watchlist = 1000, fpir = 1e-4 },\
             { threshold = 0.6, watchlist = 1000, fpir = 1e-3 } ]";
        let e = resolve(&section(rising), 1000).unwrap_err();
        assert!(
            e.message.contains("no normal distribution"),
            "{}",
            e.message
        );
        // Two contradictory figures at one threshold.
        let clash = "threshold = 0.6\nimpostor = { sd = 0.1 }\ngenuine = { mean = 0.8, sd = 0.1 }\n\
             operating_points = [\
             { threshold = 0.6, watchlist = 1000, fpir = 1e-4 },\
             { threshold = 0.6, watchlist = 1000, fpir = 1e-2 } ]";
        let e = resolve(&section(clash), 1000).unwrap_err();
        assert!(e.message.contains("within 10 %"), "{}", e.message);
    }
}
