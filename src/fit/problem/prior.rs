//! A fit's parameters: their priors, and the sampler's unconstrained scale.

use crate::rng::{SimRng, open01};
use crate::stats::normal_upper_quantile;
use rand::Rng;

/// A parameter's prior, on the sampler's unconstrained scale x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// x ~ N(mean, sd²); the value is x.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// The value τ = eˣ is half-normal with this sd.
    HalfNormal {
        /// The sd of the normal it is the positive half of.
        sd: f64,
    },
    /// The value is uniform in its logarithm on [low, high]: x is its
    /// logit position.
    LogUniform {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
    },
    /// The value is uniform on [low, high]: x is its logit position.
    Uniform {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
    },
}

impl Prior {
    /// The log density of x (with the Jacobian where the value is a
    /// transform of x), up to a constant.
    pub fn log_density(&self, x: f64) -> f64 {
        match *self {
            Prior::Normal { mean, sd } => -0.5 * ((x - mean) / sd).powi(2),
            Prior::HalfNormal { sd } => {
                let tau = x.exp();
                -0.5 * (tau / sd).powi(2) + x
            }
            Prior::LogUniform { .. } | Prior::Uniform { .. } => {
                // s = logistic(x) is uniform: density s(1 − s).
                -(-x).exp().ln_1p() - x.exp().ln_1p()
            }
        }
    }

    /// The value of x on its natural scale.
    pub fn value(&self, x: f64) -> f64 {
        match *self {
            Prior::Normal { .. } => x,
            Prior::HalfNormal { .. } => x.exp(),
            Prior::LogUniform { low, high } => {
                (low.ln() + logistic(x) * (high.ln() - low.ln())).exp()
            }
            Prior::Uniform { low, high } => low + logistic(x) * (high - low),
        }
    }

    /// A draw of x from the prior.
    pub fn draw(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Prior::Normal { mean, sd } => mean + sd * standard_normal(rng),
            Prior::HalfNormal { sd } => (sd * standard_normal(rng).abs()).max(1e-300).ln(),
            Prior::LogUniform { .. } | Prior::Uniform { .. } => {
                let u = open01(rng.next_u64());
                (u / (1.0 - u)).ln()
            }
        }
    }

    /// Where the sampler's search for the mode starts (the prior's centre)
    /// and the scale of its first steps.
    pub fn centre_and_scale(&self) -> (f64, f64) {
        match *self {
            Prior::Normal { mean, sd } => (mean, sd),
            Prior::HalfNormal { sd } => (sd.ln(), 1.0),
            Prior::LogUniform { .. } | Prior::Uniform { .. } => (0.0, 1.0),
        }
    }
}

/// One parameter of the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Its name, as printed.
    pub name: String,
    /// What it is, in words, with its natural units.
    pub what: String,
    /// Its prior, and the sampler's scale.
    pub prior: Prior,
    /// Whether it is a record's input known only as a range (a nuisance the
    /// records are not expected to narrow), not a quantity learned.
    pub input: bool,
}

/// The logistic function.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A standard normal draw, by inversion.
pub fn standard_normal(rng: &mut SimRng) -> f64 {
    normal_upper_quantile(open01(rng.next_u64()))
}

/// A random stream for checks of a fit (simulated records, prior draws):
/// deterministic in `seed`.
pub fn rng_for_checks(seed: u64) -> SimRng {
    crate::rng::stream(seed, &[0x4348_4543])
}
