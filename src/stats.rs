//! Numerical helpers: normal tails computed without cancellation, quadrature,
//! and confidence intervals over replications.
//!
//! Every interval here is a two-sided 95 % interval that respects the support
//! of what it bounds: counts ([`count_ci95`]) never go below zero, ratios of
//! positive totals ([`ratio_ci95`] with [`RatioScale::Positive`]) stay
//! positive, and proportions ([`RatioScale::Proportion`]) stay in [0, 1].

pub mod sobol;

use statrs::distribution::{Beta, ContinuousCDF, Gamma, StudentsT};
use statrs::function::erf::{erfc, erfc_inv};
use std::f64::consts::SQRT_2;

/// Upper tail of the standard normal, Q(z) = P(Z > z), accurate far into the
/// tail (Q(8) ≈ 6e-16 is returned with full relative precision).
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / SQRT_2)
}

/// Inverse of [`normal_upper_tail`]: the z with Q(z) = q, for q in (0, 1).
pub fn normal_upper_quantile(q: f64) -> f64 {
    SQRT_2 * erfc_inv(2.0 * q)
}

/// Standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Adaptive Simpson quadrature of `f` over [a, b] to absolute tolerance `eps`.
pub fn integrate(f: &dyn Fn(f64) -> f64, a: f64, b: f64, eps: f64) -> f64 {
    fn simpson(fa: f64, fm: f64, fb: f64, a: f64, b: f64) -> f64 {
        (b - a) / 6.0 * (fa + 4.0 * fm + fb)
    }
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        f: &dyn Fn(f64) -> f64,
        a: f64,
        b: f64,
        fa: f64,
        fm: f64,
        fb: f64,
        whole: f64,
        eps: f64,
        depth: u32,
    ) -> f64 {
        let m = 0.5 * (a + b);
        let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
        let (flm, frm) = (f(lm), f(rm));
        let left = simpson(fa, flm, fm, a, m);
        let right = simpson(fm, frm, fb, m, b);
        let delta = left + right - whole;
        if depth == 0 || delta.abs() <= 15.0 * eps {
            left + right + delta / 15.0
        } else {
            recurse(f, a, m, fa, flm, fm, left, eps / 2.0, depth - 1)
                + recurse(f, m, b, fm, frm, fb, right, eps / 2.0, depth - 1)
        }
    }
    // Split first so that a narrow feature cannot hide between the first nodes.
    let pieces = 64;
    let h = (b - a) / pieces as f64;
    (0..pieces)
        .map(|i| {
            let (x0, x1) = (a + h * i as f64, a + h * (i + 1) as f64);
            let (f0, fm, f1) = (f(x0), f(0.5 * (x0 + x1)), f(x1));
            recurse(
                f,
                x0,
                x1,
                f0,
                fm,
                f1,
                simpson(f0, fm, f1, x0, x1),
                eps / pieces as f64,
                40,
            )
        })
        .sum()
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: the
/// half-width factor of a two-sided 95 % interval.
pub fn student_t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1) as f64)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(Z_975)
}

/// The 97.5 % quantile of the standard normal.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// One factor of a product of pooled totals (see [`pooled_product_ci`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The per-replication values.
    pub values: Vec<f64>,
    /// The exponent of the factor's total in the product.
    pub power: i32,
    /// Whether the values are event counts (Poisson within a replication),
    /// as opposed to fixed quantities such as residents or days.
    pub count: bool,
}

impl Factor {
    /// An event count raised to `power`.
    pub fn count(values: Vec<f64>, power: i32) -> Factor {
        Factor {
            values,
            power,
            count: true,
        }
    }

    /// A fixed quantity (no sampling variance of its own) raised to `power`.
    pub fn fixed(values: Vec<f64>, power: i32) -> Factor {
        Factor {
            values,
            power,
            count: false,
        }
    }
}

/// A product of powers of totals pooled over replications, Π (Σ_r x_ir)^e_i
/// (computed from the means, so per replication where the powers do not sum
/// to zero), with its 95 % interval on the log scale, so that it stays
/// positive. Valid for counts, rates, ratios and ratios of rates alike.
/// Returns (value, low, high).
///
/// * **Delta method** (n ≥ 2 replications, a positive finite value and some
///   spread between replications): the replications' influence values
///   u_r = Σ_i e_i x_ir / x̄_i give Var(log value) ≈ s²_u / n, with Student's
///   t on n − 1 degrees of freedom.
/// * **Poisson fallback** (one replication, a count whose total is zero —
///   the value is then 0 or ∞ — or no spread between replications): each
///   count's total is taken as Poisson, so Var(log value) ≈ Σ e_i² / T_i over
///   the count factors, with the normal quantile; a zero total is replaced by
///   ½ (the Haldane–Anscombe continuity correction) for the bound that is
///   finite. A value of 0 thus gets [0, high] and a value of ∞ gets
///   [low, ∞], never a collapsed [v, v]. A value that is 0 ÷ 0 is undefined
///   (NaN, as are its bounds).
pub fn pooled_product_ci(factors: &[Factor]) -> (f64, f64, f64) {
    let n = factors.first().map_or(0, |f| f.values.len());
    let totals: Vec<f64> = factors.iter().map(|f| f.values.iter().sum()).collect();
    let means: Vec<f64> = totals.iter().map(|t| t / n.max(1) as f64).collect();
    let value: f64 = factors
        .iter()
        .zip(&means)
        .map(|(f, m)| m.powi(f.power))
        .product();
    if value.is_nan() || n == 0 {
        return (value, value, value);
    }
    if value.is_finite() && value > 0.0 && n >= 2 {
        let influence: Vec<f64> = (0..n)
            .map(|r| {
                factors
                    .iter()
                    .zip(&means)
                    .map(|(f, m)| f.power as f64 * f.values[r] / m)
                    .sum()
            })
            .collect();
        let u_mean = influence.iter().sum::<f64>() / n as f64;
        let var = influence.iter().map(|u| (u - u_mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        if var > 0.0 {
            let half = student_t_975(n - 1) * (var / n as f64).sqrt();
            return (value, value * (-half).exp(), value * half.exp());
        }
    }
    // Poisson fallback, with zero count totals corrected to ½.
    let corrected = |f: &Factor, t: f64| if f.count && t == 0.0 { 0.5 } else { t };
    let centre: f64 = factors
        .iter()
        .zip(&totals)
        .map(|(f, &t)| (corrected(f, t) / n as f64).powi(f.power))
        .product();
    let var: f64 = factors
        .iter()
        .zip(&totals)
        .filter(|(f, _)| f.count)
        .map(|(f, &t)| (f.power as f64).powi(2) / corrected(f, t))
        .sum();
    if !(centre.is_finite() && centre > 0.0) {
        return (value, value, value);
    }
    let half = Z_975 * var.sqrt();
    let lo = if value == 0.0 {
        0.0
    } else {
        centre * (-half).exp()
    };
    let hi = if value.is_infinite() {
        f64::INFINITY
    } else {
        centre * half.exp()
    };
    (value, lo, hi)
}

/// Garwood's exact 95 % interval for the mean per replication of a Poisson
/// count whose total over `n` replications is `total`:
/// [χ²(0.025; 2T) / 2, χ²(0.975; 2T + 2) / 2] ÷ n (the lower bound is 0
/// when T = 0). `total` may be fractional (see [`count_ci95`]).
pub fn poisson_mean_ci(total: f64, n: f64) -> (f64, f64) {
    let quantile = |shape: f64, p: f64| {
        Gamma::new(shape, 1.0)
            .map(|g| g.inverse_cdf(p))
            .unwrap_or(f64::NAN)
    };
    let lo = if total > 0.0 {
        quantile(total, 0.025)
    } else {
        0.0
    };
    let hi = quantile(total.max(0.0) + 1.0, 0.975);
    (lo / n, hi / n)
}

/// Mean and 95 % interval of a count over replications. The rule:
///
/// * Student's t interval, x̄ ± t(0.975; n − 1)·s/√n, when its lower bound is
///   above zero — the usual case, where the count is large enough for the
///   mean to be near normal and the spread between replications (whatever
///   its source) sets the width;
/// * otherwise (the t interval would reach or cross zero: a rare count, or
///   few replications) an exact Poisson interval for the mean of n
///   replications: Garwood's interval ([`poisson_mean_ci`]) of the total,
///   made quasi-Poisson by the overdispersion the replications show,
///   φ = max(1, s² / x̄): the interval of a Poisson total T / φ, scaled back
///   by φ / n. It is never negative, never narrower than the Poisson
///   interval, and is [0, 3.69 / n] when every replication counted zero.
///
/// The Poisson interval is also used when the replications do not vary at
/// all (s = 0, mean > 0): identical counts in a few replications happen by
/// chance, and a t interval of width zero would claim a certainty that the
/// count, a sum of chance events, does not have. (Figures the model fixes
/// are not passed here; see the report.)
///
/// With fewer than two values the interval is the single value itself
/// (reports give no interval for one replication).
pub fn count_ci95(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len();
    let (mean, lo, hi) = mean_ci95(values);
    if n < 2 || (lo > 0.0 && hi > lo) {
        return (mean, lo, hi);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let phi = if mean > 0.0 {
        (var / mean).max(1.0)
    } else {
        1.0
    };
    let total = mean * n as f64;
    let (lo, hi) = poisson_mean_ci(total / phi, n as f64);
    (mean, lo * phi, hi * phi)
}

/// Replications a 95 % prediction interval needs: with n values the
/// empirical 2.5 % quantile lies between the first two order statistics only
/// when (n − 1) · 0.025 ≥ 0.975, i.e. n ≥ 40; with fewer it would be the
/// sample's extremes, which cover less than they claim.
pub const MIN_REPS_FOR_PI95: usize = 40;

/// The 95 % prediction interval of one replication's outcome: the 2.5 % and
/// 97.5 % empirical quantiles of the per-replication values (Hyndman and
/// Fan's type 7, the default of R and NumPy: linear interpolation between
/// order statistics). Values may be +∞ (a "1 in N" with no true alert).
/// `None` with fewer than [`MIN_REPS_FOR_PI95`] values.
pub fn prediction_interval95(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < MIN_REPS_FOR_PI95 {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |p: f64| {
        let h = (sorted.len() - 1) as f64 * p;
        let (i, frac) = (h.floor() as usize, h - h.floor());
        if frac == 0.0 || sorted[i] == sorted[i + 1] {
            sorted[i]
        } else {
            sorted[i] + frac * (sorted[i + 1] - sorted[i])
        }
    };
    Some((quantile(0.025), quantile(0.975)))
}

/// The support of a ratio, which sets the scale of its interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatioScale {
    /// A ratio of positive quantities (e.g. faces per true alert): the
    /// interval is computed on the log scale, so it stays positive.
    Positive,
    /// A proportion, numerator ⊆ denominator (e.g. true alerts ÷ alerts):
    /// the interval stays in [0, 1].
    Proportion,
}

/// The pooled ratio of means R = ΣY / ΣX over replications and its 95 %
/// interval. The variance is the standard ratio-estimator (delta-method)
/// variance, Var(R) ≈ s²_d / (n·X̄²), from the per-replication residuals
/// d_r = Y_r − R·X_r, with Student's t on n − 1 degrees of freedom, on a
/// scale that respects the support:
///
/// * [`RatioScale::Positive`]: on the log scale, R·exp(±t·SE(R)/R). When
///   ΣY = 0 (R = 0), [0, exact Poisson upper bound of ΣY (Garwood, 3.69) ÷ ΣX].
/// * [`RatioScale::Proportion`]: Korn and Graubard's interval — the
///   Clopper–Pearson interval at the effective sample size
///   n* = R(1 − R)/Var(R), capped at ΣX (design effect ≥ 1) and scaled by
///   (z/t)² for the n − 1 degrees of freedom; n* = ΣX when R is 0 or 1 or the
///   replications do not vary.
///
/// Returns `None` when ΣX = 0 (no ratio) or with fewer than two
/// replications: the replications are the only source of variance that
/// holds for every ratio (stops and arrests, limited by officers, are not
/// Poisson), so one replication gets no interval.
pub fn ratio_ci95(y: &[f64], x: &[f64], scale: RatioScale) -> Option<(f64, f64, f64)> {
    let n = y.len().min(x.len());
    let (sy, sx) = (y.iter().sum::<f64>(), x.iter().sum::<f64>());
    if sx <= 0.0 || n < 2 {
        return None;
    }
    let r = sy / sx;
    let x_mean = sx / n as f64;
    let d: Vec<f64> = y.iter().zip(x).map(|(y, x)| y - r * x).collect();
    let d_mean = d.iter().sum::<f64>() / n as f64;
    let s2 = d.iter().map(|v| (v - d_mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let var = s2 / (n as f64 * x_mean * x_mean);
    let t = student_t_975(n - 1);
    match scale {
        RatioScale::Positive => {
            if sy <= 0.0 {
                let (_, hi) = poisson_mean_ci(0.0, 1.0);
                return Some((r, 0.0, hi / sx));
            }
            let half = t * var.sqrt() / r;
            Some((r, r * (-half).exp(), r * half.exp()))
        }
        RatioScale::Proportion => {
            let mut n_eff = if var > 0.0 && r > 0.0 && r < 1.0 {
                (r * (1.0 - r) / var).min(sx)
            } else {
                sx
            };
            n_eff *= (Z_975 / t).powi(2);
            let (lo, hi) = clopper_pearson(r * n_eff, n_eff);
            Some((r, lo, hi))
        }
    }
}

/// Clopper–Pearson 95 % interval of a proportion with `k` successes in `n`
/// trials (both may be fractional, as effective counts are).
pub fn clopper_pearson(k: f64, n: f64) -> (f64, f64) {
    let beta = |a: f64, b: f64, p: f64| {
        Beta::new(a, b)
            .map(|d| d.inverse_cdf(p))
            .unwrap_or(f64::NAN)
    };
    let lo = if k > 0.0 {
        beta(k, n - k + 1.0, 0.025)
    } else {
        0.0
    };
    let hi = if k < n {
        beta(k + 1.0, n - k, 0.975)
    } else {
        1.0
    };
    (lo, hi)
}

/// Mean and two-sided 95 % confidence interval (Student's t) of a sample.
/// With fewer than two values the interval is the single value itself.
pub fn mean_ci95(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    if n < 2 {
        return (mean, mean, mean);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let half = student_t_975(n - 1) * (var / n as f64).sqrt();
    (mean, mean - half, mean + half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_is_accurate_far_out() {
        // Reference values of Q(z) from standard tables.
        let cases = [
            (0.0, 0.5),
            (1.959_963_984_540_054, 0.025),
            (6.0, 9.865_876_450_377e-10),
            (8.0, 6.220_960_574_271_78e-16),
        ];
        for (z, q) in cases {
            let got = normal_upper_tail(z);
            assert!(((got - q) / q).abs() < 1e-9, "Q({z}) = {got}, want {q}");
            let back = normal_upper_quantile(q);
            assert!((back - z).abs() < 1e-7, "Q^-1({q}) = {back}, want {z}");
        }
    }

    #[test]
    fn simpson_integrates_a_gaussian() {
        let v = integrate(&normal_pdf, -10.0, 10.0, 1e-12);
        assert!((v - 1.0).abs() < 1e-10, "{v}");
    }

    #[test]
    fn garwood_matches_tables() {
        // Exact Poisson 95 % limits (Garwood 1936; e.g. Ulm 1990's table).
        let cases = [
            (0.0, 0.0, 3.688_879),
            (1.0, 0.025_318, 5.571_643),
            (10.0, 4.795_389, 18.390_356),
        ];
        for (t, lo, hi) in cases {
            let (a, b) = poisson_mean_ci(t, 1.0);
            assert!(
                (a - lo).abs() < 1e-5 && (b - hi).abs() < 1e-5,
                "{t}: [{a}, {b}]"
            );
        }
        let (a, b) = poisson_mean_ci(10.0, 4.0);
        assert!((a - 4.795_389 / 4.0).abs() < 1e-5 && (b - 18.390_356 / 4.0).abs() < 1e-5);
    }

    #[test]
    fn clopper_pearson_matches_tables() {
        // 0 of 10: upper 1 − 0.025^(1/10); 10 of 10: lower 0.025^(1/10).
        let (lo, hi) = clopper_pearson(0.0, 10.0);
        assert_eq!(lo, 0.0);
        assert!((hi - (1.0 - 0.025f64.powf(0.1))).abs() < 1e-9, "{hi}");
        let (lo, hi) = clopper_pearson(10.0, 10.0);
        assert!((lo - 0.025f64.powf(0.1)).abs() < 1e-9 && hi == 1.0, "{lo}");
        // 5 of 10: [0.187086, 0.812914].
        let (lo, hi) = clopper_pearson(5.0, 10.0);
        assert!((lo - 0.187_086).abs() < 1e-6 && (hi - 0.812_914).abs() < 1e-6);
    }

    #[test]
    fn count_intervals_stay_non_negative() {
        // Large counts keep Student's t.
        let v = [100.0, 110.0, 90.0, 105.0];
        assert_eq!(count_ci95(&v), mean_ci95(&v));
        // A rare, overdispersed count: the t interval crosses zero, the
        // quasi-Poisson Garwood interval does not, and it contains the mean.
        let v = [0.0, 1.0, 24.0];
        let (_, tlo, _) = mean_ci95(&v);
        assert!(tlo < 0.0);
        let (m, lo, hi) = count_ci95(&v);
        assert!(0.0 < lo && lo < m && m < hi, "[{lo}, {hi}]");
        // Identical counts: no spread to show, so not a zero-width t
        // interval but Garwood's for the total (36 over 3 replications).
        let (m, lo, hi) = count_ci95(&[12.0, 12.0, 12.0]);
        let (glo, ghi) = poisson_mean_ci(36.0, 3.0);
        assert_eq!((m, lo, hi), (12.0, glo, ghi));
        assert!(lo < 12.0 && 12.0 < hi);
        // All zero: [0, −ln(0.025) / n].
        let (m, lo, hi) = count_ci95(&[0.0; 3]);
        assert_eq!((m, lo), (0.0, 0.0));
        assert!((hi - 0.025f64.ln().abs() / 3.0).abs() < 1e-6, "{hi}");
    }

    #[test]
    fn ratio_intervals_respect_the_support() {
        // Proportions stay in [0, 1], even at 0 and 1.
        let alerts = [3.0, 5.0, 2.0];
        for true_alerts in [[0.0, 0.0, 0.0], [3.0, 5.0, 2.0], [1.0, 4.0, 0.0]] {
            let (r, lo, hi) = ratio_ci95(&true_alerts, &alerts, RatioScale::Proportion).unwrap();
            assert!(
                (0.0..=r).contains(&lo) && (r..=1.0).contains(&hi),
                "{r} [{lo}, {hi}]"
            );
            assert!(lo < hi);
        }
        // Positive ratios stay positive and contain the pooled ratio.
        let (r, lo, hi) =
            ratio_ci95(&[1e5, 2e5, 1.5e5], &[1.0, 3.0, 1.0], RatioScale::Positive).unwrap();
        assert_eq!(r, 4.5e5 / 5.0);
        assert!(0.0 < lo && lo < r && r < hi);
        // A zero numerator: [0, Poisson upper bound / ΣX].
        let (r, lo, hi) = ratio_ci95(&[0.0, 0.0], &[10.0, 10.0], RatioScale::Positive).unwrap();
        assert_eq!((r, lo), (0.0, 0.0));
        assert!((hi - 3.688_879 / 20.0).abs() < 1e-6);
        // No interval from one replication, no ratio without a denominator.
        assert!(ratio_ci95(&[1.0], &[2.0], RatioScale::Positive).is_none());
        assert!(ratio_ci95(&[1.0, 1.0], &[0.0, 0.0], RatioScale::Positive).is_none());
    }

    #[test]
    fn ratio_of_means_variance_is_the_ratio_estimator_variance() {
        // R = 12 / 6 = 2; residuals y − 2x = [1, −1, 0]: s² = 1, x̄ = 2,
        // SE = sqrt(1 / (3·4)); the log-scale half-width is t·SE / R.
        let (r, lo, hi) =
            ratio_ci95(&[5.0, 3.0, 4.0], &[2.0, 2.0, 2.0], RatioScale::Positive).unwrap();
        let half = 4.302_652_729_749_464 * (1.0f64 / 12.0).sqrt() / 2.0;
        assert_eq!(r, 2.0);
        assert!((lo - 2.0 * (-half).exp()).abs() < 1e-9 && (hi - 2.0 * half.exp()).abs() < 1e-9);
    }

    #[test]
    fn products_with_a_zero_count_do_not_collapse() {
        // Group rate 0 / 1000 against the reference's 20 / 1000.
        let zero = pooled_product_ci(&[
            Factor::count(vec![0.0, 0.0, 0.0], 1),
            Factor::fixed(vec![1000.0; 3], -1),
            Factor::count(vec![5.0, 7.0, 8.0], -1),
            Factor::fixed(vec![1000.0; 3], 1),
        ]);
        assert_eq!((zero.0, zero.1), (0.0, 0.0));
        assert!(zero.2 > 0.0 && zero.2.is_finite(), "{zero:?}");
        // The reverse: infinite ratio, finite positive lower bound.
        let inf = pooled_product_ci(&[
            Factor::count(vec![5.0, 7.0, 8.0], 1),
            Factor::count(vec![0.0, 0.0, 0.0], -1),
        ]);
        assert!(inf.0.is_infinite() && inf.1 > 0.0 && inf.1.is_finite() && inf.2.is_infinite());
        // Counts proportional in every replication: no spread, yet an interval.
        let flat = pooled_product_ci(&[
            Factor::count(vec![0.0, 0.0, 3.0], 1),
            Factor::count(vec![0.0, 0.0, 1.0], -1),
        ]);
        assert!(flat.1 < 3.0 && 3.0 < flat.2, "{flat:?}");
        // Only fixed quantities: exact.
        let exact = pooled_product_ci(&[Factor::fixed(vec![2.0, 2.0], 1)]);
        assert_eq!(exact, (2.0, 2.0, 2.0));
    }

    #[test]
    fn ci_uses_students_t() {
        let (m, lo, hi) = mean_ci95(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        // t(0.975, 2) = 4.302653; sd = 1; half-width = 4.302653 / sqrt(3)
        assert!((hi - m - 4.302_652_729_749_464 / 3f64.sqrt()).abs() < 1e-9);
        assert!((m - lo - (hi - m)).abs() < 1e-12);
    }

    #[test]
    fn prediction_interval_is_type_7_quantiles() {
        assert_eq!(prediction_interval95(&[1.0; 39]), None);
        // 0..=40: (n − 1) p = 1 and 39 exactly.
        let v: Vec<f64> = (0..=40).map(f64::from).collect();
        assert_eq!(prediction_interval95(&v), Some((1.0, 39.0)));
        // 0..=99: h = 2.475 and 96.525.
        let v: Vec<f64> = (0..100).map(f64::from).rev().collect();
        let (lo, hi) = prediction_interval95(&v).unwrap();
        assert!((lo - 2.475).abs() < 1e-12 && (hi - 96.525).abs() < 1e-12);
        // An infinite value stays infinite, without NaN.
        let mut v: Vec<f64> = (0..40).map(f64::from).collect();
        v[39] = f64::INFINITY;
        v[38] = f64::INFINITY;
        assert_eq!(prediction_interval95(&v).unwrap().1, f64::INFINITY);
    }
}
