//! Lookalikes in bulk: the law of a member's lookalike code, the chance it
//! gives that some of m faces alert, and a member's multiplier drawn given
//! what their faces did.
//!
//! A member's false-match multiplier L is stored as a code
//! ([`crate::model::lookalike_code`]): ln L = −σ²/2 + σ·z rounded
//! to 1/4096 and clamped, with z standard normal. So L takes finitely many
//! values, each with the normal mass of its rounding interval, and the law
//! of what members alike but for L do is an exact sum over codes. Cells of
//! members ([`super::sweep`], [`super::bulk`]) need two things of it:
//!
//! * D(m) = P(some of m faces alert) = E[1 − (1 − FPIR)^(L·m)], to split a
//!   cell into members with and without an alert;
//! * a member's L given what their faces did (a weight in L), drawn by
//!   rejection from the same normal z the member-by-member path draws, so
//!   that the code — rounding and clamp included — is exactly as there.

use crate::model::{LOOKALIKE_CODE_SCALE, lookalike_code, lookalike_from_code};
use crate::rng::{SimRng, open01, unit};
use rand::Rng;
use statrs::function::erf::erfc;

/// The law of a member's lookalike code under spread σ.
#[derive(Debug, Clone)]
pub(super) struct CodeLaw {
    spread: f64,
    /// Each code's multiplier L.
    multiplier: Vec<f64>,
    /// Each code's probability.
    probability: Vec<f64>,
}

impl CodeLaw {
    /// The codes of spread `spread` (> 0) and their probabilities.
    pub(super) fn new(spread: f64) -> CodeLaw {
        let scale = LOOKALIKE_CODE_SCALE;
        let shift = 0.5 * spread * spread;
        // Code c takes ln L · scale in [c − ½, c + ½): z between these.
        let z_at = |edge: f64| (edge / scale + shift) / spread;
        let normal_cdf = |z: f64| 0.5 * erfc(-z / std::f64::consts::SQRT_2);
        let normal_sf = |z: f64| 0.5 * erfc(z / std::f64::consts::SQRT_2);
        let mass = |lo: f64, hi: f64| {
            // From the nearer tail, so that a tail code keeps its digits.
            if lo >= 0.0 {
                normal_sf(lo) - normal_sf(hi)
            } else {
                normal_cdf(hi) - normal_cdf(lo)
            }
        };
        let (mut multiplier, mut probability) = (Vec::new(), Vec::new());
        for code in -32767i32..=32767 {
            let lo = match code {
                -32767 => f64::NEG_INFINITY,
                _ => z_at(code as f64 - 0.5),
            };
            let hi = match code {
                32767 => f64::INFINITY,
                _ => z_at(code as f64 + 0.5),
            };
            let p = mass(lo, hi);
            if p > 0.0 {
                multiplier.push(lookalike_from_code(code as i16));
                probability.push(p);
            }
        }
        CodeLaw {
            spread,
            multiplier,
            probability,
        }
    }

    /// D(m) = P(some of m faces alert) for m = 0 ..= `m_max`, each face
    /// alerting with 1 − (1 − `fpir`)^L: E[1 − e^(−m·g·L)], g = −ln(1 − fpir).
    /// Small exponents by their series, so that a tiny D keeps its digits.
    pub(super) fn some_alert(&self, fpir: f64, m_max: usize) -> Vec<f64> {
        let g = -(-fpir).ln_1p();
        let rate: Vec<f64> = self.multiplier.iter().map(|&l| g * l).collect();
        let step: Vec<f64> = rate.iter().map(|&a| (-a).exp()).collect();
        let mut power = vec![1.0; rate.len()];
        let mut d = vec![0.0; m_max + 1];
        for (m, slot) in d.iter_mut().enumerate().skip(1) {
            let mf = m as f64;
            let mut sum = 0.0;
            for c in 0..rate.len() {
                power[c] *= step[c];
                let x = mf * rate[c];
                let some = if x < 1e-3 {
                    x * (1.0 - x * (0.5 - x * (1.0 / 6.0 - x / 24.0)))
                } else {
                    1.0 - power[c]
                };
                sum += self.probability[c] * some;
            }
            *slot = sum;
        }
        d
    }

    /// A member's multiplier L drawn from the code law weighted by
    /// `weight(L)`, which must hold below min(1, `bound` × L): by rejection
    /// from the normal z behind the code, proposed half the time from N(0, 1)
    /// and half the time from N(σ, 1) (the law of z weighted by L, so that a
    /// weight that grows with L — the chance of an alert — is accepted about
    /// half the time whatever its size).
    pub(super) fn draw(&self, rng: &mut SimRng, bound: f64, weight: impl Fn(f64) -> f64) -> f64 {
        let sigma = self.spread;
        // The rounding to a code moves L by at most e^(1/8192).
        let m = 2.0 * (bound * (0.5 / LOOKALIKE_CODE_SCALE).exp()).min(1.0);
        loop {
            let shifted = rng.next_u64() >> 63 == 1;
            let (a, b) = (rng.next_u64(), rng.next_u64());
            let normal =
                (-2.0 * open01(a).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(b)).cos();
            let z = if shifted { normal + sigma } else { normal };
            let l = lookalike_from_code(lookalike_code(sigma, z));
            let tilt = (sigma * z - 0.5 * sigma * sigma).exp();
            let proposal = 0.5 * (1.0 + tilt);
            if unit(rng.next_u64()) * m * proposal <= weight(l) {
                return l;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn the_code_law_sums_to_one_and_has_mean_one() {
        let law = CodeLaw::new(0.8);
        let total: f64 = law.probability.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let mean: f64 = law
            .probability
            .iter()
            .zip(&law.multiplier)
            .map(|(p, l)| p * l)
            .sum();
        assert!((mean - 1.0).abs() < 1e-3, "{mean}");
    }

    #[test]
    fn some_alert_matches_the_draws_of_codes() {
        // D(m) against members drawn one by one, as the engine draws them.
        let (spread, fpir) = (1.0, 0.02);
        let law = CodeLaw::new(spread);
        let d = law.some_alert(fpir, 30);
        let mut rng = stream(3, &[4]);
        let n = 200_000;
        let (mut hits5, mut hits30) = (0u32, 0u32);
        for _ in 0..n {
            let (a, b) = (rng.next_u64(), rng.next_u64());
            let z = (-2.0 * open01(a).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(b)).cos();
            let l = lookalike_from_code(lookalike_code(spread, z));
            let f = -(l * (-fpir).ln_1p()).exp_m1();
            hits5 += (unit(rng.next_u64()) < 1.0 - (1.0 - f).powi(5)) as u32;
            hits30 += (unit(rng.next_u64()) < 1.0 - (1.0 - f).powi(30)) as u32;
        }
        for (m, hits) in [(5usize, hits5), (30, hits30)] {
            let p = hits as f64 / n as f64;
            let se = (d[m] * (1.0 - d[m]) / n as f64).sqrt();
            assert!((p - d[m]).abs() < 4.0 * se, "D({m}) = {} vs {p}", d[m]);
        }
        // Tiny rates keep their digits.
        let tiny = law.some_alert(1e-9, 3);
        assert!((tiny[2] / 2e-9 - 1.0).abs() < 1e-6, "{}", tiny[2]);
    }

    #[test]
    fn a_weighted_draw_follows_the_weighted_law() {
        // Weight 1 − (1 − f)^(L·m): members with an alert among m faces.
        let (spread, fpir, m) = (0.8, 0.001_f64, 10u64);
        let law = CodeLaw::new(spread);
        let g = -(-fpir).ln_1p();
        let weight = |l: f64| -(-(m as f64) * g * l).exp_m1();
        let exact: f64 = law
            .probability
            .iter()
            .zip(&law.multiplier)
            .map(|(p, &l)| p * weight(l) * l)
            .sum::<f64>()
            / law
                .probability
                .iter()
                .zip(&law.multiplier)
                .map(|(p, &l)| p * weight(l))
                .sum::<f64>();
        let mut rng = stream(9, &[1]);
        let n = 100_000;
        let draws: Vec<f64> = (0..n)
            .map(|_| law.draw(&mut rng, m as f64 * g, weight))
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let se = (var / n as f64).sqrt();
        assert!((mean - exact).abs() < 4.0 * se, "{mean} vs {exact}");
    }
}
