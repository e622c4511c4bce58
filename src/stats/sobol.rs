//! Variance-based (Sobol) sensitivity indices from a Saltelli design.
//!
//! For an output Y = f(X₁ … X_k) of independent inputs, the **first-order
//! index** of X_i is S_i = Var(E[Y | X_i]) / Var(Y): the share of Y's
//! variance that knowing X_i alone would remove. The **total index** is
//! S_Ti = E[Var(Y | X₋i)] / Var(Y): the share left if every other input were
//! known, so X_i's share with all its interactions. Σ S_i ≤ 1 ≤ Σ S_Ti, and
//! S_Ti − S_i is what X_i adds through interactions.
//!
//! The design (Saltelli 2002; Saltelli et al. 2010): two N × k matrices A
//! and B of independent points, and for each input i the matrix A_B⁽ⁱ⁾, A
//! with column i taken from B — N (k + 2) evaluations of f in all. The
//! estimators are Jansen's (1999), in the form Saltelli et al. (2010,
//! table 2) give them:
//!
//! * S_i · V = V − (1/2N) Σ_j (f(B)_j − f(A_B⁽ⁱ⁾)_j)²;
//! * S_Ti · V = (1/2N) Σ_j (f(A)_j − f(A_B⁽ⁱ⁾)_j)²;
//!
//! For first-order indices Saltelli et al. favour the product
//! (1/N) Σ f(B)(f(A_B⁽ⁱ⁾) − f(A)); survsim's figures are skewed (a fitted
//! tail's posterior draws give a long right tail of false alerts), where the
//! product's variance is large: on the Met's 2024-25 scenario its 95 %
//! intervals were about six times as wide as Jansen's from the same design.
//!
//! V, the variance of Y, is taken from f(A) and f(B) together. Each index's
//! 95 % interval is a percentile bootstrap over the design's N rows
//! (Archer, Saltelli and Sobol 1997), resampling the rows whole so that
//! f(A), f(B) and f(A_B⁽ⁱ⁾) stay paired.
//!
//! References:
//! * A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto and
//!   S. Tarantola (2010), "Variance based sensitivity analysis of model
//!   output. Design and estimator for the total sensitivity index",
//!   *Computer Physics Communications* 181(2), 259–270,
//!   doi:10.1016/j.cpc.2009.09.018.
//! * A. Saltelli (2002), "Making best use of model evaluations to compute
//!   sensitivity indices", *Computer Physics Communications* 145(2),
//!   280–297, doi:10.1016/S0010-4655(02)00280-1.
//! * M. J. W. Jansen (1999), "Analysis of variance designs for model
//!   output", *Computer Physics Communications* 117(1–2), 35–43,
//!   doi:10.1016/S0010-4655(98)00154-4.
//! * G. E. B. Archer, A. Saltelli and I. M. Sobol (1997), "Sensitivity
//!   measures, ANOVA-like techniques and the use of bootstrap", *Journal
//!   of Statistical Computation and Simulation* 58(2), 99–120,
//!   doi:10.1080/00949659708811825.

use crate::rng::{SimRng, below};
use rand::Rng as _;

/// Bootstrap resamples behind each index's interval.
pub const BOOTSTRAP_RESAMPLES: usize = 500;

/// One index: its estimate and a 95 % bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate from the whole design.
    pub value: f64,
    /// The 2.5 % and 97.5 % points of its bootstrap distribution.
    pub ci95: (f64, f64),
}

/// One input's first-order and total index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Indices {
    /// S_i: the share of the variance that knowing this input alone removes.
    pub first: Estimate,
    /// S_Ti: this input's share with its interactions.
    pub total: Estimate,
}

/// An output evaluated over a Saltelli design: `a[j]` = f(A_j),
/// `b[j]` = f(B_j), `ab[i][j]` = f(A_B⁽ⁱ⁾_j).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluations {
    /// f at the rows of A.
    pub a: Vec<f64>,
    /// f at the rows of B.
    pub b: Vec<f64>,
    /// Per input i, f at the rows of A with column i from B.
    pub ab: Vec<Vec<f64>>,
}

impl Evaluations {
    /// Each input's indices, or `None` where the output does not vary (no
    /// share of a zero variance is defined). `rng` draws the bootstrap.
    pub fn indices(&self, rng: &mut SimRng) -> Option<Vec<Indices>> {
        let n = self.a.len();
        let all: Vec<usize> = (0..n).collect();
        let point = self.at(&all)?;
        let resamples: Vec<Vec<(f64, f64)>> = (0..BOOTSTRAP_RESAMPLES)
            .filter_map(|_| {
                let rows: Vec<usize> = (0..n)
                    .map(|_| below(rng.next_u64(), n as u64) as usize)
                    .collect();
                self.at(&rows)
            })
            .collect();
        let interval = |input: usize, pick: fn(&(f64, f64)) -> f64| {
            let mut values: Vec<f64> = resamples.iter().map(|r| pick(&r[input])).collect();
            values.sort_by(f64::total_cmp);
            percentile_interval(&values)
        };
        Some(
            point
                .iter()
                .enumerate()
                .map(|(i, &(first, total))| Indices {
                    first: Estimate {
                        value: first,
                        ci95: interval(i, |r| r.0),
                    },
                    total: Estimate {
                        value: total,
                        ci95: interval(i, |r| r.1),
                    },
                })
                .collect(),
        )
    }

    /// The (first, total) index of each input from the design rows `rows`
    /// (a bootstrap resample repeats some), or `None` if Y does not vary.
    fn at(&self, rows: &[usize]) -> Option<Vec<(f64, f64)>> {
        let n = rows.len() as f64;
        let ys = rows.iter().flat_map(|&j| [self.a[j], self.b[j]]);
        let mean = ys.clone().sum::<f64>() / (2.0 * n);
        let variance = ys.map(|y| (y - mean).powi(2)).sum::<f64>() / (2.0 * n - 1.0);
        if variance.partial_cmp(&(f64::EPSILON * mean.abs().max(f64::MIN_POSITIVE)).powi(2))
            != Some(std::cmp::Ordering::Greater)
        {
            return None;
        }
        Some(
            self.ab
                .iter()
                .map(|ab| {
                    let (mut first, mut total) = (0.0, 0.0);
                    for &j in rows {
                        first += (self.b[j] - ab[j]).powi(2);
                        total += (self.a[j] - ab[j]).powi(2);
                    }
                    (
                        1.0 - first / (2.0 * n) / variance,
                        total / (2.0 * n) / variance,
                    )
                })
                .collect(),
        )
    }
}

/// The 2.5 % and 97.5 % points of sorted `values` (empty: NaN).
fn percentile_interval(sorted: &[f64]) -> (f64, f64) {
    if sorted.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let at = |q: f64| sorted[((q * sorted.len() as f64) as usize).min(sorted.len() - 1)];
    (at(0.025), at(0.975))
}

/// The design's point `row` as probabilities in (0, 1): `dimensions` of an
/// Owen-scrambled Sobol sequence (Burley 2020) seeded by `seed`. The first
/// k dimensions are A's row, the next k B's.
pub fn design_point(row: u32, dimensions: u32, seed: u32) -> Vec<f64> {
    // Burley's sequence gives multiples of 2⁻²⁴ in [0, 1): the half-step
    // keeps each off 0, where an unbounded input's quantile is infinite.
    const HALF_STEP: f64 = 1.0 / (1u64 << 25) as f64;
    (0..dimensions)
        .map(|d| f64::from(sobol_burley::sample(row, d, seed)) + HALF_STEP)
        .collect()
}

/// The most dimensions [`design_point`] has: 2k for k inputs.
pub const MAX_DIMENSIONS: u32 = sobol_burley::NUM_DIMENSIONS;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use std::f64::consts::PI;

    /// The Ishigami function (Ishigami and Homma 1990), the standard test of
    /// sensitivity estimators, on inputs uniform over [−π, π].
    fn ishigami(x: &[f64]) -> f64 {
        let (a, b) = (7.0, 0.1);
        x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
    }

    /// Its indices in closed form (Sobol and Levitan 1999): V₁ = ½(1 +
    /// bπ⁴/5)², V₂ = a²/8, V₃ = 0, V₁₃ = b²π⁸(1/18 − 1/50).
    fn ishigami_indices() -> [(f64, f64); 3] {
        let (a, b) = (7.0_f64, 0.1_f64);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
    }

    fn evaluate(rows: u32, f: fn(&[f64]) -> f64, k: usize, seed: u32) -> Evaluations {
        let mut e = Evaluations {
            ab: vec![Vec::new(); k],
            ..Default::default()
        };
        let x = |u: &[f64]| -> Vec<f64> { u.iter().map(|u| -PI + 2.0 * PI * u).collect() };
        for row in 0..rows {
            let u = design_point(row, 2 * k as u32, seed);
            let (a, b) = (x(&u[..k]), x(&u[k..]));
            e.a.push(f(&a));
            e.b.push(f(&b));
            for i in 0..k {
                let mut ab = a.clone();
                ab[i] = b[i];
                e.ab[i].push(f(&ab));
            }
        }
        e
    }

    #[test]
    fn ishigami_indices_are_recovered_within_four_bootstrap_standard_errors() {
        // Each index's bootstrap 95 % interval is about ±2 SE: the closed
        // form must lie within twice its half-width of the estimate.
        for seed in [1, 2, 3] {
            let e = evaluate(4096, ishigami, 3, seed);
            let got = e.indices(&mut stream(7, &[seed as u64])).unwrap();
            for (i, (&(first, total), idx)) in ishigami_indices().iter().zip(&got).enumerate() {
                for (name, truth, est) in [("S", first, idx.first), ("ST", total, idx.total)] {
                    let half = (est.ci95.1 - est.ci95.0) / 2.0;
                    assert!(
                        (est.value - truth).abs() <= 2.0 * half.max(1e-3),
                        "{name}{} seed {seed}: {} [{:?}] vs {truth}",
                        i + 1,
                        est.value,
                        est.ci95
                    );
                }
            }
        }
    }

    #[test]
    fn an_additive_output_has_first_order_equal_to_total_indices() {
        // Y = X₁ + 2 X₂ on uniforms: S₁ = 1/5, S₂ = 4/5, no interactions.
        fn additive(x: &[f64]) -> f64 {
            x[0] + 2.0 * x[1]
        }
        let e = evaluate(1024, additive, 2, 9);
        let got = e.indices(&mut stream(7, &[9])).unwrap();
        for (idx, truth) in got.iter().zip([0.2, 0.8]) {
            assert!((idx.first.value - truth).abs() < 0.02, "{idx:?}");
            assert!((idx.total.value - truth).abs() < 0.02, "{idx:?}");
        }
    }

    #[test]
    fn a_constant_output_has_no_indices() {
        let e = evaluate(64, |_| 3.0, 2, 1);
        assert_eq!(e.indices(&mut stream(7, &[1])), None);
    }
}
