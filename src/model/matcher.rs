//! The face matcher: similarity scores, the threshold, and what one search of
//! a watchlist of N entries yields — exactly, in O(1) whatever N is.
//!
//! A comparison of two images of different people scores from the impostor
//! distribution F; two images of the same person from the genuine distribution
//! G. Per comparison, FMR(T) = 1 − F(T) and FNMR(T) = G(T).
//!
//! **Group differentials.** A group's multiplier m on false matches makes its
//! impostor scores distributed as F^m (a Lehmann alternative): its FMR is
//! 1 − F(T)^m ≈ m · FMR(T) in the tail where thresholds live, and the whole
//! model stays closed under maxima. Likewise a multiplier m′ on false
//! non-matches raises the genuine survival to the power m′: FNMR_g =
//! 1 − (1 − FNMR)^m′, which is ≈ m′ · FNMR only while m′ · FNMR ≪ 1 (at
//! FNMR = 0.11, m′ = 2 gives 0.208).
//!
//! **A non-mated search** (the person is not on the watchlist) compares the
//! probe with N impostors. It alerts when the best of them reaches T:
//! FPIR = 1 − F(T)^(mN) = 1 − (1 − FMR_g(T))^N, computed with `expm1`/`ln_1p`
//! so it stays accurate at FMR ≈ 1e-9 and N = 10^6.
//!
//! **A mated search** (a watchlisted person) compares the genuine score S with
//! the best M of the N − 1 impostors. M has CDF F^k with k = m(N − 1); it is
//! sampled directly by inverting F at U^(1/k), computed in the upper tail as
//! 1 − U^(1/k) = −expm1(ln U / k) to keep precision when k is large. The
//! search alerts when max(S, M) ≥ T; the alert is true when S ≥ M and a
//! misidentification (a false alert on a wanted person) when M > S.

use crate::stats::{integrate, normal_pdf, normal_upper_quantile, normal_upper_tail};

/// A normal score distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalScores {
    /// Mean score.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
}

impl NormalScores {
    /// P(a score above `score`).
    pub fn upper_tail(&self, score: f64) -> f64 {
        normal_upper_tail((score - self.mean) / self.sd)
    }
    /// The score whose upper tail is `tail`.
    pub fn upper_quantile(&self, tail: f64) -> f64 {
        self.mean + self.sd * normal_upper_quantile(tail)
    }
    /// Density at `score`.
    pub fn pdf(&self, score: f64) -> f64 {
        normal_pdf((score - self.mean) / self.sd) / self.sd
    }
}

/// What one search by a member of a group yields, at the model's threshold and
/// watchlist size. Computed once when the model is built.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSearch {
    /// Per-comparison false-match rate, 1 − F(T)^m.
    pub fmr: f64,
    /// Per-comparison false-non-match rate, 1 − (1 − G(T))^m′.
    pub fnmr: f64,
    /// False-positive identification rate of a non-mated search.
    pub fpir: f64,
    /// Probability a mated search alerts on the right identity (TPIR).
    pub tpir: f64,
    /// Probability a mated search alerts on a wrong identity.
    pub misidentification: f64,
    /// Probability a mated search raises no alert (FNIR minus misidentification).
    pub no_alert: f64,
    /// `bits < this` ⇔ a non-mated search alerts (Bernoulli(FPIR) on 64 bits).
    pub false_alert_bits: u64,
    /// Exponent k = m(N − 1) of the best impostor's CDF in a mated search.
    pub impostor_exponent: f64,
    /// Exponent m′ of the genuine score's survival function.
    pub genuine_exponent: f64,
    /// The group's impostor and genuine scores sit this far above the
    /// matcher's (score units; 0 for most groups).
    pub score_shift: ScoreShift,
}

impl GroupSearch {
    /// The FPIR of a member whose false-match propensity is `lookalike`:
    /// 1 − F(T)^(m·L·N) = 1 − (1 − FPIR)^L.
    #[inline]
    pub fn fpir_for(&self, lookalike: f64) -> f64 {
        -(lookalike * (-self.fpir).ln_1p()).exp_m1()
    }
}

/// How far a group's scores sit above the matcher's, in score units: a
/// group whose impostor comparisons score higher has more false matches,
/// increasingly so at higher thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScoreShift {
    /// Added to every impostor score of the group's members.
    pub impostor: f64,
    /// Added to every genuine score of the group's members.
    pub genuine: f64,
}

/// The matcher at one threshold and watchlist size.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    /// Alert when the best score is at or above this.
    pub threshold: f64,
    /// Scores of comparisons between different people.
    pub impostor: NormalScores,
    /// Scores of comparisons of the same person.
    pub genuine: NormalScores,
    /// Entries searched, N.
    pub watchlist_size: u64,
}

/// How a mated search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatedOutcome {
    /// No candidate at or above the threshold.
    NoAlert,
    /// The top candidate is the person: a true alert.
    TrueAlert,
    /// The top candidate is someone else: a false alert on a wanted person.
    Misidentified,
}

impl Matcher {
    /// This matcher for a group whose scores are shifted by `shift`.
    pub fn shifted(&self, shift: ScoreShift) -> Matcher {
        Matcher {
            impostor: NormalScores {
                mean: self.impostor.mean + shift.impostor,
                sd: self.impostor.sd,
            },
            genuine: NormalScores {
                mean: self.genuine.mean + shift.genuine,
                sd: self.genuine.sd,
            },
            ..*self
        }
    }

    /// A group's search probabilities: its scores shifted by `shift` (a
    /// mean offset, which makes its FMR ratio to others depend on the
    /// threshold), then its multipliers applied (a Lehmann power, a ratio
    /// that does not).
    pub fn group_search_shifted(
        &self,
        shift: ScoreShift,
        fmr_multiplier: f64,
        fnmr_multiplier: f64,
    ) -> GroupSearch {
        GroupSearch {
            score_shift: shift,
            ..self
                .shifted(shift)
                .group_search(fmr_multiplier, fnmr_multiplier)
        }
    }

    /// A group's per-comparison FMR at `threshold`: 1 − F(T − shift)^m.
    pub fn group_fmr_at(&self, threshold: f64, shift: ScoreShift, fmr_multiplier: f64) -> f64 {
        let ln_cdf = (-self.impostor.upper_tail(threshold - shift.impostor)).ln_1p();
        -(fmr_multiplier * ln_cdf).exp_m1()
    }

    /// Derives a group's search probabilities from its multipliers.
    pub fn group_search(&self, fmr_multiplier: f64, fnmr_multiplier: f64) -> GroupSearch {
        let threshold = self.threshold;
        let entries = self.watchlist_size as f64;
        // ln F(T)^m, kept in log space: F(T) is within 1e-9 of 1 in practice.
        let ln_impostor_cdf = (-self.impostor.upper_tail(threshold)).ln_1p();
        let fmr = -(fmr_multiplier * ln_impostor_cdf).exp_m1();
        let fpir = -(fmr_multiplier * entries * ln_impostor_cdf).exp_m1();
        // FNMR_g = 1 − (1 − G(T))^m′, where 1 − G(T) is the genuine upper tail.
        let genuine_survival = fnmr_multiplier * self.genuine.upper_tail(threshold).ln();
        let fnmr = -genuine_survival.exp_m1();
        // k = m(N − 1): the best of N − 1 impostors has CDF F^k.
        let impostor_exponent = fmr_multiplier * (entries - 1.0);
        // P(no alert) = P(S < T) · P(M < T)
        let no_alert = fnmr * (impostor_exponent * ln_impostor_cdf).exp();
        // P(true) = ∫_T^∞ density of S · P(M < s) ds, integrated over the
        // genuine survival q ∈ (0, q_T) with s(q) = G⁻¹-upper(q^(1/m′)),
        // which puts the nodes where the probability mass is.
        let survival_at_threshold = 1.0 - fnmr;
        let tpir = if survival_at_threshold <= 0.0 {
            0.0
        } else {
            let integrand = |survival: f64| {
                if survival <= 0.0 {
                    return 1.0;
                }
                let score = self
                    .genuine
                    .upper_quantile(survival.powf(1.0 / fnmr_multiplier).min(1.0));
                if impostor_exponent == 0.0 {
                    return 1.0;
                }
                (impostor_exponent * (-self.impostor.upper_tail(score)).ln_1p()).exp()
            };
            integrate(&integrand, 0.0, survival_at_threshold, 1e-13)
                .clamp(0.0, survival_at_threshold)
        };
        let misidentification = (1.0 - tpir - no_alert).max(0.0);
        GroupSearch {
            fmr,
            fnmr,
            fpir,
            tpir,
            misidentification,
            no_alert,
            false_alert_bits: crate::rng::bernoulli_threshold(fpir),
            impostor_exponent,
            genuine_exponent: fnmr_multiplier,
            score_shift: ScoreShift::default(),
        }
    }

    /// One mated search by a person whose false-match propensity is
    /// `lookalike` (1 for most), from two uniform draws in (0, 1].
    #[inline]
    pub fn mated_search(
        &self,
        group: &GroupSearch,
        lookalike: f64,
        u_genuine: f64,
        u_impostor: f64,
    ) -> MatedOutcome {
        // Genuine score: survival (1 − G)^m′ = U  ⇒  upper tail of G at S is U^(1/m′).
        let genuine = self
            .genuine
            .upper_quantile((u_genuine.ln() / group.genuine_exponent).exp())
            + group.score_shift.genuine;
        // Best impostor: CDF F^k = U  ⇒  upper tail of F at M is −expm1(ln U / k).
        let exponent = group.impostor_exponent * lookalike;
        let best_impostor = if exponent > 0.0 {
            self.impostor
                .upper_quantile(-(u_impostor.ln() / exponent).exp_m1())
                + group.score_shift.impostor
        } else {
            f64::NEG_INFINITY
        };
        if genuine.max(best_impostor) < self.threshold {
            MatedOutcome::NoAlert
        } else if genuine >= best_impostor {
            MatedOutcome::TrueAlert
        } else {
            MatedOutcome::Misidentified
        }
    }
}

/// Scale of a resident's stored lookalike code: ln L to 1/4096.
pub const LOOKALIKE_CODE_SCALE: f64 = 4096.0;

/// The stored code of a resident's lookalike multiplier L, from a standard
/// normal draw `z`: ln L = −σ²/2 + σ·z (so E\[L\] = 1), to 1/4096 in the log and
/// clamped to ±32767/4096 (L within e^±8). The engine draws with this, and
/// [`LookalikeMean`] integrates over it, so both see the same L.
pub fn lookalike_code(spread: f64, z: f64) -> i16 {
    let ln_l = -0.5 * spread * spread + spread * z;
    (ln_l * LOOKALIKE_CODE_SCALE)
        .round()
        .clamp(-32767.0, 32767.0) as i16
}

/// The multiplier L a stored code stands for.
#[inline(always)]
pub fn lookalike_from_code(code: i16) -> f64 {
    if code == 0 {
        1.0
    } else {
        (code as f64 / LOOKALIKE_CODE_SCALE).exp()
    }
}

/// A group's search probabilities averaged over its members' lookalike
/// multipliers L (log-normal, mean 1, log-scale σ = `lookalike_spread`).
///
/// A person with multiplier L has impostor scores F^(m·L): FPIR(L) =
/// 1 − (1 − FPIR)^L, and the best of N − 1 impostors in a mated search has
/// CDF F^(m·L·(N − 1)). FPIR(L) is concave in L, so although E\[L\] = 1 the
/// mean FPIR is *below* the group's FPIR once L·FPIR is no longer small — at
/// σ = 3 the heaviest lookalikes saturate (they alert on nearly every
/// search) and the total falls. This is the exact expectation, by quadrature
/// over the normal draw behind L (the clamp of [`lookalike_code`] included;
/// its 1/4096 rounding in the log is left out, a relative effect below 10⁻⁴).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LookalikeMean {
    /// E[FPIR(L)].
    pub fpir: f64,
    /// E[FPIR(L)²]: with E[FPIR(L)], the spread of a person's false alerts
    /// between people (see [`crate::model::Expected::false_alerts_variance`]).
    pub fpir_squared: f64,
    /// E[TPIR(L)].
    pub tpir: f64,
    /// E[P(misidentified | L)].
    pub misidentification: f64,
}

impl LookalikeMean {
    /// The means for a group with multipliers (m, m′) at spread σ; the mated
    /// rates are averaged only if `mated` (a group with wanted members),
    /// and are the group's own otherwise.
    pub fn new(
        matcher: &Matcher,
        search: &GroupSearch,
        (fmr_multiplier, fnmr_multiplier): (f64, f64),
        spread: f64,
        mated: bool,
    ) -> LookalikeMean {
        if spread == 0.0 {
            return LookalikeMean {
                fpir: search.fpir,
                fpir_squared: search.fpir * search.fpir,
                tpir: search.tpir,
                misidentification: search.misidentification,
            };
        }
        let bound = 32767.0 / LOOKALIKE_CODE_SCALE;
        let multiplier = |z: f64| {
            (-0.5 * spread * spread + spread * z)
                .clamp(-bound, bound)
                .exp()
        };
        // ±10 standard deviations: the mass left out is below 10⁻²².
        let (low, high) = (-10.0, 10.0);
        let ln_pass = (-search.fpir).ln_1p();
        let fpir = integrate(
            &|z| normal_pdf(z) * -(multiplier(z) * ln_pass).exp_m1(),
            low,
            high,
            search.fpir * 1e-9,
        );
        let fpir_squared = integrate(
            &|z| normal_pdf(z) * (multiplier(z) * ln_pass).exp_m1().powi(2),
            low,
            high,
            search.fpir * search.fpir * 1e-9,
        );
        let (tpir, misidentification) = if !mated || search.tpir + search.misidentification == 0.0 {
            (search.tpir, search.misidentification)
        } else {
            // P(no alert | L) = FNMR · F(T)^(k·L) in closed form; TPIR(L) by
            // the matcher's own quadrature; misidentification is the rest.
            let ln_impostor_cdf = (-matcher.impostor.upper_tail(matcher.threshold)).ln_1p();
            let exponent = search.impostor_exponent;
            let no_alert = integrate(
                &|z| {
                    normal_pdf(z) * search.fnmr * (exponent * multiplier(z) * ln_impostor_cdf).exp()
                },
                low,
                high,
                1e-12,
            );
            let tpir = integrate(
                &|z| {
                    normal_pdf(z)
                        * matcher
                            .group_search(fmr_multiplier * multiplier(z), fnmr_multiplier)
                            .tpir
                },
                low,
                high,
                1e-8,
            );
            (tpir, (1.0 - tpir - no_alert).max(0.0))
        };
        LookalikeMean {
            fpir,
            fpir_squared,
            tpir,
            misidentification,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{open01, stream};
    use rand::Rng;

    fn neoface_like(watchlist_size: u64) -> Matcher {
        Matcher {
            threshold: 0.6,
            impostor: NormalScores {
                mean: 0.2,
                sd: 0.0725,
            },
            genuine: NormalScores {
                mean: 0.7227,
                sd: 0.1,
            },
            watchlist_size,
        }
    }

    #[test]
    fn fpir_matches_the_closed_form_and_scales_with_n_in_the_tail() {
        let matcher = neoface_like(10_000);
        let search = matcher.group_search(1.0, 1.0);
        let fmr = matcher.impostor.upper_tail(0.6);
        let direct = 1.0 - (1.0 - fmr).powf(10_000.0);
        assert!(((search.fpir - direct) / direct).abs() < 1e-6);
        // Near NPL 2023's 1 in 6,000 at N = 10,000.
        assert!(
            search.fpir > 1.0 / 7_000.0 && search.fpir < 1.0 / 5_000.0,
            "{}",
            search.fpir
        );
        // A 10× multiplier gives ≈ 10× FMR in the tail.
        let tenfold = matcher.group_search(10.0, 1.0);
        assert!((tenfold.fmr / search.fmr - 10.0).abs() < 1e-3);
    }

    #[test]
    fn mated_outcomes_partition_probability() {
        for size in [1u64, 1_000, 1_000_000] {
            let search = neoface_like(size).group_search(1.0, 1.0);
            let total = search.tpir + search.no_alert + search.misidentification;
            assert!((total - 1.0).abs() < 1e-9, "n={size}: {total}");
            let tpir = search.tpir;
            assert!(tpir > 0.85 && tpir < 0.9, "n={size}: tpir {tpir}");
        }
    }

    #[test]
    fn sampled_mated_searches_agree_with_the_integral() {
        // A hard case: a million-entry watchlist and heavily overlapping
        // distributions, so misidentification is common.
        let matcher = Matcher {
            threshold: 0.5,
            impostor: NormalScores {
                mean: 0.2,
                sd: 0.08,
            },
            genuine: NormalScores { mean: 0.6, sd: 0.1 },
            watchlist_size: 1_000_000,
        };
        let search = matcher.group_search(2.0, 1.5);
        let mut rng = stream(11, &[1]);
        let trials = 200_000;
        let (mut true_alerts, mut misidentified) = (0u32, 0u32);
        for _ in 0..trials {
            let (u_genuine, u_impostor) = (open01(rng.next_u64()), open01(rng.next_u64()));
            match matcher.mated_search(&search, 1.0, u_genuine, u_impostor) {
                MatedOutcome::TrueAlert => true_alerts += 1,
                MatedOutcome::Misidentified => misidentified += 1,
                MatedOutcome::NoAlert => {}
            }
        }
        for (count, probability) in [
            (true_alerts, search.tpir),
            (misidentified, search.misidentification),
        ] {
            let expect = trials as f64 * probability;
            let standard_error = (trials as f64 * probability * (1.0 - probability)).sqrt();
            assert!(
                (count as f64 - expect).abs() < 4.0 * standard_error,
                "count {count} vs {expect} ± {standard_error}"
            );
        }
    }
}
