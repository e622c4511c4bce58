//! Numerical helpers: normal tails computed without cancellation, quadrature,
//! and confidence intervals over replications.

use statrs::distribution::{ContinuousCDF, StudentsT};
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
        .unwrap_or(1.959_963_984_540_054)
}

/// A product of powers of totals pooled over replications, Π (Σ_r x_ir)^e_i,
/// with its 95 % interval: the delta method on the logarithm, with the
/// replications' influence values Σ_i e_i x_ir / x̄_i and Student's t. Valid
/// for counts, rates, ratios and ratios of rates alike. Each factor is
/// (per-replication values, exponent); all have the same length.
pub fn pooled_product_ci(factors: &[(Vec<f64>, i32)]) -> (f64, f64, f64) {
    let n = factors.first().map_or(0, |(v, _)| v.len());
    let means: Vec<f64> = factors
        .iter()
        .map(|(v, _)| v.iter().sum::<f64>() / n.max(1) as f64)
        .collect();
    let value: f64 = factors
        .iter()
        .zip(&means)
        .map(|((_, e), m)| m.powi(*e))
        .product();
    if !(value.is_finite() && value > 0.0) || n < 2 {
        return (value, value, value);
    }
    let influence: Vec<f64> = (0..n)
        .map(|r| {
            factors
                .iter()
                .zip(&means)
                .map(|((v, e), m)| *e as f64 * v[r] / m)
                .sum()
        })
        .collect();
    let u_mean = influence.iter().sum::<f64>() / n as f64;
    let var = influence.iter().map(|u| (u - u_mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = student_t_975(n - 1) * (var / n as f64).sqrt();
    (value, value * (-half).exp(), value * half.exp())
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
    fn ci_uses_students_t() {
        let (m, lo, hi) = mean_ci95(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        // t(0.975, 2) = 4.302653; sd = 1; half-width = 4.302653 / sqrt(3)
        assert!((hi - m - 4.302_652_729_749_464 / 3f64.sqrt()).abs() < 1e-9);
        assert!((m - lo - (hi - m)).abs() < 1e-12);
    }
}
