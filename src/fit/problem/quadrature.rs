//! Likelihoods of counts: Poisson, binomial, multinomial cells, and the
//! Poisson log-normal of a deployment whose prevalence is integrated out.

/// ln P(k | Poisson(mean)), up to the k-only constant.
pub(super) fn poisson_ln(k: u64, mean: f64) -> f64 {
    if mean <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    k as f64 * mean.ln() - mean
}

/// ln P(k | Binomial(n, p)), up to the (k, n)-only constant.
pub(super) fn binomial_ln(k: u64, n: u64, p: f64) -> f64 {
    let (k, n) = (k as f64, n as f64);
    let p = p.clamp(0.0, 1.0);
    let success = if k > 0.0 { k * p.ln() } else { 0.0 };
    let failure = if n > k { (n - k) * (-p).ln_1p() } else { 0.0 };
    success + failure
}

/// ln P(counts | Multinomial(Σ counts, weights / Σ weights)), up to the
/// counts-only constant.
pub(super) fn multinomial_ln(counts: &[u64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    counts
        .iter()
        .zip(weights)
        .map(|(&k, &w)| match k {
            0 => 0.0,
            k => k as f64 * (w / total).ln(),
        })
        .sum()
}

/// The mode and curvature sd in z of the Poisson log-normal integrand
/// e^(g(z)), g(z) = k·(a + τz) − e^(a + τz) − z²/2: g is concave, so
/// damped Newton finds its mode.
pub(super) fn lognormal_mode(k: u64, a: f64, tau: f64) -> (f64, f64) {
    let k = k as f64;
    let mut z = 0.0;
    for _ in 0..100 {
        let lambda = (a + tau * z).exp();
        let gradient = k * tau - tau * lambda - z;
        let curvature = -tau * tau * lambda - 1.0;
        let step = (-gradient / curvature).clamp(-4.0, 4.0);
        z += step;
        if step.abs() < 1e-12 * (1.0 + z.abs()) {
            break;
        }
    }
    let curvature = tau * tau * (a + tau * z).exp() + 1.0;
    (z, 1.0 / curvature.sqrt())
}

/// ln P(k | Poisson(e^(a + τZ))), Z ~ N(0, 1), up to the k-only constant:
/// adaptive Gauss–Hermite quadrature about the integrand's mode (Liu &
/// Pierce, Biometrika 81(3), 1994).
pub(super) fn poisson_lognormal_ln(k: u64, a: f64, tau: f64) -> f64 {
    if !(a.is_finite() && tau.is_finite()) {
        return f64::NEG_INFINITY;
    }
    let (mode, sd) = lognormal_mode(k, a, tau);
    let g = |z: f64| k as f64 * (a + tau * z) - (a + tau * z).exp() - 0.5 * z * z;
    let peak = g(mode);
    // ∫ e^(g(z)) dz = √2·sd·Σ wᵢ e^(xᵢ²) e^(g(mode + √2·sd·xᵢ)).
    let scale = std::f64::consts::SQRT_2 * sd;
    let sum: f64 = hermite_rule()
        .iter()
        .map(|&(x, w)| w * (x * x + g(mode + scale * x) - peak).exp())
        .sum();
    peak + (scale * sum).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// The 24-point Gauss–Hermite rule for ∫ e^(−x²) f(x) dx: (node, weight),
/// by Newton's method on the Hermite polynomials (Press et al., Numerical
/// Recipes, 3rd ed., §4.6).
fn hermite_rule() -> &'static [(f64, f64)] {
    static RULE: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    RULE.get_or_init(|| {
        let n = 24usize;
        let mut rule = vec![(0.0, 0.0); n];
        let pim4 = std::f64::consts::PI.powf(-0.25);
        let mut z: f64 = 0.0;
        for i in 0..n.div_ceil(2) {
            z = match i {
                0 => {
                    (2.0 * n as f64 + 1.0).sqrt()
                        - 1.85575 * (2.0 * n as f64 + 1.0).powf(-1.0 / 6.0)
                }
                1 => z - 1.14 * (n as f64).powf(0.426) / z,
                2 => 1.86 * z - 0.86 * rule[0].0,
                3 => 1.91 * z - 0.91 * rule[1].0,
                _ => 2.0 * z - rule[i - 2].0,
            };
            let mut derivative = 0.0;
            for _ in 0..100 {
                let (mut p1, mut p2) = (pim4, 0.0);
                for j in 0..n {
                    let p3 = p2;
                    p2 = p1;
                    p1 = z * (2.0 / (j as f64 + 1.0)).sqrt() * p2
                        - (j as f64 / (j as f64 + 1.0)).sqrt() * p3;
                }
                derivative = (2.0 * n as f64).sqrt() * p2;
                let step = p1 / derivative;
                z -= step;
                if step.abs() < 1e-14 {
                    break;
                }
            }
            let weight = 2.0 / (derivative * derivative);
            rule[i] = (z, weight);
            rule[n - 1 - i] = (-z, weight);
        }
        rule
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule integrates e^(−x²)·x^(2m) exactly: Γ(m + ½).
    #[test]
    fn hermite_rule_integrates_even_moments() {
        let rule = hermite_rule();
        for (m, want) in [
            (0, 1.772_453_850_905_516),
            (1, 0.886_226_925_452_758),
            (2, 1.329_340_388_179_137),
        ] {
            let got: f64 = rule.iter().map(|&(x, w)| w * x.powi(2 * m)).sum();
            assert!((got - want).abs() < 1e-12, "moment {m}: {got} vs {want}");
        }
    }

    /// With τ → 0 the log-normal is a point: the Poisson likelihood.
    #[test]
    fn a_narrow_lognormal_is_poisson() {
        let (k, a) = (12, 2.3f64);
        let want = k as f64 * a - a.exp() - 0.0;
        let got = poisson_lognormal_ln(k, a, 1e-9);
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
}
