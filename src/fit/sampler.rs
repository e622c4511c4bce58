//! Sampling a posterior: its mode, then adaptive Metropolis chains.
//!
//! 1. **Mode.** Nelder–Mead from the prior's centre finds the posterior
//!    mode; the curvature there (a finite-difference Hessian) gives the
//!    Laplace approximation's covariance, the first proposal.
//! 2. **Chains.** Each chain starts at the mode plus a draw from that
//!    covariance (overdispersed by 1.5) and runs random-walk Metropolis with
//!    a Gaussian proposal. During warm-up the proposal's covariance is the
//!    chain's own running covariance (Haario, Saksman & Tamminen, "An
//!    adaptive Metropolis algorithm", Bernoulli 7(2), 2001) and its scale is
//!    tuned towards an acceptance of 0.234 (Roberts, Gelman & Gilks, 1997);
//!    both are then frozen, so the draws kept are from a plain Metropolis
//!    chain, which leaves the posterior invariant.
//! 3. **Diagnostics.** Split-R̂ and the effective sample size per
//!    parameter (Gelman et al., Bayesian Data Analysis, 3rd ed., §11.4–11.5).
//!
//! Everything is deterministic given the seed and the chain's number: the
//! driver decides which threads run which chains.

use super::problem::standard_normal;
use crate::rng::{SimRng, open01, stream};
use rand::Rng;

/// Stream label of a fit's chains (followed by the chain number).
const STREAM_CHAIN: u64 = 0x4348_4149;

/// How long the chains run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Chains.
    pub chains: usize,
    /// Warm-up iterations per chain (adaptation; not kept).
    pub warmup: usize,
    /// Iterations kept per chain.
    pub draws: usize,
    /// Seed of every chain's stream.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            chains: 4,
            warmup: 20_000,
            draws: 20_000,
            seed: 2026,
        }
    }
}

/// Where chains start: the posterior's mode and the Laplace covariance.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// The mode.
    pub mode: Vec<f64>,
    /// The covariance's lower Cholesky factor.
    pub cholesky: Vec<Vec<f64>>,
}

/// One chain's kept draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Draws, each a point of the parameter space.
    pub draws: Vec<Vec<f64>>,
    /// Share of proposals accepted after warm-up.
    pub acceptance: f64,
}

/// The mode of `log_density` from `from`, and the Laplace covariance there.
pub fn find_start(log_density: &dyn Fn(&[f64]) -> f64, from: &[f64], scales: &[f64]) -> Start {
    let d = from.len();
    let objective = |x: &[f64]| -log_density(x);
    let mut mode = nelder_mead(&objective, from, scales, 4000 * d);
    // A second start from the first mode escapes a stalled simplex.
    mode = nelder_mead(
        &objective,
        &mode,
        &scales.iter().map(|s| s * 0.1).collect::<Vec<_>>(),
        2000 * d,
    );
    let hessian = hessian(&objective, &mode, scales);
    let covariance = invert(&hessian)
        .filter(|c| cholesky(c).is_some())
        .unwrap_or_else(|| {
            // Not positive definite: each parameter on its own curvature.
            (0..d)
                .map(|i| {
                    (0..d)
                        .map(|j| {
                            let fallback = (scales[i] * 0.1).powi(2);
                            let curvature = 1.0 / hessian[i][i];
                            if i != j {
                                0.0
                            } else if curvature.is_finite() && curvature > 0.0 {
                                curvature.clamp(1e-12 * fallback, 1e4 * fallback)
                            } else {
                                fallback
                            }
                        })
                        .collect()
                })
                .collect()
        });
    let cholesky = cholesky(&covariance).expect("a diagonal covariance factors");
    Start { mode, cholesky }
}

/// Chain `chain` of `settings` from `start`.
pub fn run_chain(
    log_density: &dyn Fn(&[f64]) -> f64,
    start: &Start,
    settings: &Settings,
    chain: usize,
) -> Chain {
    let d = start.mode.len();
    let mut rng = stream(settings.seed, &[STREAM_CHAIN, chain as u64]);
    let normals = |rng: &mut SimRng| -> Vec<f64> { (0..d).map(|_| standard_normal(rng)).collect() };
    // An overdispersed start, where the density is finite.
    let mut x = start.mode.clone();
    for _ in 0..100 {
        let step = multiply(&start.cholesky, &normals(&mut rng));
        let candidate: Vec<f64> = start
            .mode
            .iter()
            .zip(&step)
            .map(|(m, s)| m + 1.5 * s)
            .collect();
        if log_density(&candidate).is_finite() {
            x = candidate;
            break;
        }
    }
    let mut current = log_density(&x);
    let mut factor = start.cholesky.clone();
    let mut scale = 2.38 / (d as f64).sqrt();
    // Running mean and covariance of the warm-up (Welford).
    let mut mean = x.clone();
    let mut scatter = vec![vec![0.0; d]; d];
    let mut seen = 1.0;
    let mut draws = Vec::with_capacity(settings.draws);
    let mut accepted = 0usize;
    for iteration in 0..settings.warmup + settings.draws {
        let step = multiply(&factor, &normals(&mut rng));
        let proposal: Vec<f64> = x.iter().zip(&step).map(|(x, s)| x + scale * s).collect();
        let density = log_density(&proposal);
        let accept = density.is_finite() && open01(rng.next_u64()).ln() < density - current;
        if accept {
            x = proposal;
            current = density;
        }
        if iteration < settings.warmup {
            // Robbins–Monro on the scale, towards 0.234 acceptance.
            let rate = (iteration as f64 + 10.0).powf(-0.6);
            scale *= (rate * (accept as u8 as f64 - 0.234)).exp();
            seen += 1.0;
            let delta: Vec<f64> = x.iter().zip(&mean).map(|(x, m)| x - m).collect();
            for (m, dl) in mean.iter_mut().zip(&delta) {
                *m += dl / seen;
            }
            for i in 0..d {
                for j in 0..d {
                    scatter[i][j] += delta[i] * (x[j] - mean[j]);
                }
            }
            // Re-factor the chain's covariance now and then, once it has
            // seen enough.
            if iteration >= 200 && iteration % 100 == 0 {
                let covariance: Vec<Vec<f64>> = (0..d)
                    .map(|i| {
                        (0..d)
                            .map(|j| {
                                scatter[i][j] / (seen - 1.0) + if i == j { 1e-10 } else { 0.0 }
                            })
                            .collect()
                    })
                    .collect();
                if let Some(l) = cholesky(&covariance) {
                    factor = l;
                }
            }
        } else {
            accepted += accept as usize;
            draws.push(x.clone());
        }
    }
    Chain {
        acceptance: accepted as f64 / settings.draws.max(1) as f64,
        draws,
    }
}

/// Split-R̂ of one parameter over chains (each chain's draws of it).
pub fn split_rhat(chains: &[Vec<f64>]) -> f64 {
    let halves: Vec<&[f64]> = chains
        .iter()
        .flat_map(|c| {
            let half = c.len() / 2;
            [&c[..half], &c[half..2 * half]]
        })
        .collect();
    let n = halves[0].len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let means: Vec<f64> = halves.iter().map(|h| h.iter().sum::<f64>() / n).collect();
    let grand = means.iter().sum::<f64>() / means.len() as f64;
    let between =
        n / (means.len() as f64 - 1.0) * means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let within = halves
        .iter()
        .zip(&means)
        .map(|(h, m)| h.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0))
        .sum::<f64>()
        / means.len() as f64;
    if within == 0.0 {
        return 1.0;
    }
    (((n - 1.0) / n * within + between / n) / within).sqrt()
}

/// Effective sample size of one parameter over chains: draws over the
/// integrated autocorrelation time, summed while consecutive pairs of
/// autocorrelations stay positive (Geyer's initial positive sequence).
pub fn effective_size(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len() as f64;
    let n = chains.iter().map(Vec::len).min().unwrap_or(0);
    if n < 4 {
        return 0.0;
    }
    let means: Vec<f64> = chains
        .iter()
        .map(|c| c[..n].iter().sum::<f64>() / n as f64)
        .collect();
    let variance = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c[..n].iter().map(|v| (v - mu).powi(2)).sum::<f64>() / n as f64)
        .sum::<f64>()
        / m;
    if variance == 0.0 {
        return m * n as f64;
    }
    let autocorrelation = |lag: usize| -> f64 {
        chains
            .iter()
            .zip(&means)
            .map(|(c, mu)| {
                (0..n - lag)
                    .map(|t| (c[t] - mu) * (c[t + lag] - mu))
                    .sum::<f64>()
                    / n as f64
            })
            .sum::<f64>()
            / m
            / variance
    };
    let mut tau = -1.0;
    let mut lag = 0;
    while lag + 1 < n {
        let pair = autocorrelation(lag) + autocorrelation(lag + 1);
        if pair <= 0.0 {
            break;
        }
        tau += 2.0 * pair;
        lag += 2;
    }
    m * n as f64 / tau.max(1.0)
}

/// L·v for a lower-triangular L.
fn multiply(l: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    l.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

/// The lower Cholesky factor of a symmetric positive-definite matrix.
pub fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let diagonal = a[i][i] - sum;
                if !(diagonal > 0.0 && diagonal.is_finite()) {
                    return None;
                }
                l[i][j] = diagonal.sqrt();
            } else {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// The inverse of a square matrix, by Gauss–Jordan with partial pivoting.
fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..d).map(|j| (i == j) as u8 as f64));
            r
        })
        .collect();
    for col in 0..d {
        let pivot = (col..d).max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, pivot);
        let p = m[col][col];
        for v in m[col].iter_mut() {
            *v /= p;
        }
        let pivot_row = m[col].clone();
        for (row, values) in m.iter_mut().enumerate() {
            if row != col {
                let f = values[col];
                if f != 0.0 {
                    for (v, p) in values.iter_mut().zip(&pivot_row) {
                        *v -= f * p;
                    }
                }
            }
        }
    }
    Some(m.into_iter().map(|r| r[d..].to_vec()).collect())
}

/// The Hessian of `f` at `x` by central differences.
fn hessian(f: &dyn Fn(&[f64]) -> f64, x: &[f64], scales: &[f64]) -> Vec<Vec<f64>> {
    let d = x.len();
    let h: Vec<f64> = scales.iter().map(|s| 1e-3 * s.max(1e-3)).collect();
    let at = |moves: &[(usize, f64)]| {
        let mut y = x.to_vec();
        for &(i, step) in moves {
            y[i] += step;
        }
        f(&y)
    };
    let centre = f(x);
    let mut out = vec![vec![0.0; d]; d];
    for i in 0..d {
        out[i][i] = (at(&[(i, h[i])]) - 2.0 * centre + at(&[(i, -h[i])])) / (h[i] * h[i]);
        for j in 0..i {
            let v = (at(&[(i, h[i]), (j, h[j])])
                - at(&[(i, h[i]), (j, -h[j])])
                - at(&[(i, -h[i]), (j, h[j])])
                + at(&[(i, -h[i]), (j, -h[j])]))
                / (4.0 * h[i] * h[j]);
            out[i][j] = v;
            out[j][i] = v;
        }
    }
    out
}

/// Nelder–Mead minimisation of `f` from `start`, with a first simplex of
/// the given `scales`, for at most `evaluations` evaluations.
fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    scales: &[f64],
    evaluations: usize,
) -> Vec<f64> {
    let d = start.len();
    let value = |x: &[f64]| {
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = (0..=d)
        .map(|i| {
            let mut x = start.to_vec();
            if i > 0 {
                x[i - 1] += scales[i - 1];
            }
            let v = value(&x);
            (x, v)
        })
        .collect();
    let mut used = d + 1;
    while used < evaluations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[d].1);
        if (worst - best).abs() <= 1e-10 * (1.0 + best.abs()) && best.is_finite() {
            break;
        }
        let centroid: Vec<f64> = (0..d)
            .map(|k| simplex[..d].iter().map(|(x, _)| x[k]).sum::<f64>() / d as f64)
            .collect();
        let toward = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[d].0)
                .map(|(c, w)| c + t * (w - c))
                .collect()
        };
        let reflected = toward(-1.0);
        let r = value(&reflected);
        used += 1;
        if r < simplex[0].1 {
            let expanded = toward(-2.0);
            let e = value(&expanded);
            used += 1;
            simplex[d] = if e < r { (expanded, e) } else { (reflected, r) };
        } else if r < simplex[d - 1].1 {
            simplex[d] = (reflected, r);
        } else {
            let contracted = toward(0.5);
            let c = value(&contracted);
            used += 1;
            if c < simplex[d].1 {
                simplex[d] = (contracted, c);
            } else {
                let best = simplex[0].0.clone();
                for (x, v) in simplex.iter_mut().skip(1) {
                    for (xi, bi) in x.iter_mut().zip(&best) {
                        *xi = bi + 0.5 * (*xi - bi);
                    }
                    *v = value(x);
                }
                used += d;
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}
