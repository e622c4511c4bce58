//! How a count of events per person is spread over people: Poisson for
//! everyone alike, negative binomial with activity spread.

use crate::stats::integrate;
use statrs::distribution::{Continuous, ContinuousCDF, Gamma};

/// How a person's count of events of mean `a × μ` is spread over people:
/// `a` = 1 for everyone (Poisson counts), or Gamma of mean 1 and shape k
/// (negative binomial counts, variance μ + μ²/k).
#[derive(Debug, Clone, Copy)]
pub struct ActivityMix {
    shape: Option<f64>,
}

impl ActivityMix {
    /// Everyone alike (`None`), or Gamma activity of this shape.
    pub fn new(shape: Option<f64>) -> Self {
        ActivityMix { shape }
    }

    /// E[a²]: 1 for everyone alike, 1 + 1/k for Gamma activity.
    pub fn second_moment(&self) -> f64 {
        self.shape.map_or(1.0, |k| 1.0 + 1.0 / k)
    }

    /// P(at least one event) when the mean is μ: 1 − E[e^(−a μ)].
    pub fn at_least_one(&self, mu: f64) -> f64 {
        match self.shape {
            None => -(-mu).exp_m1(),
            Some(k) => -(-k * (mu / k).ln_1p()).exp_m1(),
        }
    }

    /// P(at least two events) when the mean is μ: one minus the chances of
    /// none and of exactly one, μ e^(−μ) or μ (1 + μ/k)^(−k−1).
    pub fn at_least_two(&self, mu: f64) -> f64 {
        let one = match self.shape {
            None => mu * (-mu).exp(),
            Some(k) => mu * (-(k + 1.0) * (mu / k).ln_1p()).exp(),
        };
        (self.at_least_one(mu) - one).max(0.0)
    }

    /// P(seen at three or more distinct sites), for a person of a block of
    /// `passers` whose faces at each site total `site_faces`: given a, the
    /// sites are independent, each seen with 1 − e^(−a λ_s) (λ_s its faces
    /// per passer), which a recursion over sites turns into P(≥ 3); with
    /// spread, that is averaged over the Gamma density by quadrature between
    /// its 10⁻¹³ and 1 − 10⁻¹³ quantiles.
    pub fn at_least_three_sites(&self, site_faces: &[f64], passers: f64) -> f64 {
        let given = |a: f64| -> f64 {
            // Probabilities of 0, 1, 2 and ≥ 3 sites so far.
            let (mut p0, mut p1, mut p2, mut p3) = (1.0, 0.0, 0.0, 0.0);
            for &faces in site_faces {
                let seen = -(-a * faces / passers).exp_m1();
                p3 += p2 * seen;
                p2 = p2 * (1.0 - seen) + p1 * seen;
                p1 = p1 * (1.0 - seen) + p0 * seen;
                p0 *= 1.0 - seen;
            }
            p3
        };
        if site_faces.len() < 3 {
            return 0.0;
        }
        match self.shape {
            None => given(1.0),
            Some(k) => {
                let gamma = Gamma::new(k, k).expect("the model checked the shape");
                let (low, high) = (gamma.inverse_cdf(1e-13), gamma.inverse_cdf(1.0 - 1e-13));
                integrate(&|a| gamma.pdf(a) * given(a), low, high, 1e-12)
            }
        }
    }
}
