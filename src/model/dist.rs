//! Random durations (review, approach, stop), validated.

use crate::error::{KeyPath, ValidationError};
use crate::rng::{open01, unit};
use crate::spec::{DurationDist, RandomDuration};
use rand::Rng;

/// A validated duration distribution, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Duration {
    /// Always this long.
    Fixed(f64),
    /// Exponential with this mean.
    Exponential {
        /// Mean, s.
        mean_s: f64,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound, s.
        min_s: f64,
        /// Upper bound, s.
        max_s: f64,
    },
    /// exp(N(mu, sigma²)).
    LogNormal {
        /// ln of the median, s.
        mu: f64,
        /// Sigma of the logarithm.
        sigma: f64,
    },
}

/// The longest draw any duration distribution may produce, in seconds
/// (about 30 million years). Far beyond any meaningful duration; the bound
/// keeps every draw, and every time computed from it, finite.
pub const MAX_DRAW_S: f64 = 1e15;

/// The largest |z| Box–Muller can return from 53-bit uniforms: √(−2 ln 2⁻⁵³).
const MAX_NORMAL_Z: f64 = 8.58;

/// The largest value −ln U takes for a 53-bit uniform U in (0, 1]: 53 ln 2.
const MAX_EXPONENTIAL: f64 = 36.75;

impl Duration {
    /// Validates a scenario's duration distribution: its parameters must be
    /// finite and keep every draw below [`MAX_DRAW_S`].
    pub fn build(dist: &DurationDist, path: &KeyPath) -> Result<Self, ValidationError> {
        let built = Self::build_unbounded(dist, path)?;
        if built.max_draw_s().is_nan() || built.max_draw_s() > MAX_DRAW_S {
            return Err(ValidationError::new(
                path.clone(),
                format!(
                    "expected a distribution whose draws stay below {MAX_DRAW_S:e} s; this one \
                     reaches {:.3e} s",
                    built.max_draw_s()
                ),
            ));
        }
        Ok(built)
    }

    /// The largest value [`Duration::sample`] can return.
    pub fn max_draw_s(&self) -> f64 {
        match *self {
            Duration::Fixed(seconds) => seconds,
            Duration::Exponential { mean_s } => mean_s * MAX_EXPONENTIAL,
            Duration::Uniform { max_s, .. } => max_s,
            Duration::LogNormal { mu, sigma } => (mu + sigma * MAX_NORMAL_Z).exp(),
        }
    }

    fn build_unbounded(dist: &DurationDist, path: &KeyPath) -> Result<Self, ValidationError> {
        let err = |message: &str| Err(ValidationError::new(path.clone(), message));
        Ok(match dist {
            DurationDist::Fixed(text) => Duration::Fixed(text.seconds),
            DurationDist::Random(RandomDuration::Exponential { mean }) => {
                if mean.seconds <= 0.0 {
                    return err("an exponential duration needs a mean above zero");
                }
                Duration::Exponential {
                    mean_s: mean.seconds,
                }
            }
            DurationDist::Random(RandomDuration::Uniform { min, max }) => {
                if min.seconds > max.seconds {
                    return err("a uniform duration needs min ≤ max");
                }
                Duration::Uniform {
                    min_s: min.seconds,
                    max_s: max.seconds,
                }
            }
            DurationDist::Random(RandomDuration::Lognormal { median, sigma }) => {
                if median.seconds <= 0.0 || !sigma.is_finite() || *sigma < 0.0 {
                    return err("a log-normal duration needs a median above zero and sigma ≥ 0");
                }
                Duration::LogNormal {
                    mu: median.seconds.ln(),
                    sigma: *sigma,
                }
            }
        })
    }

    /// Mean duration in seconds.
    pub fn mean_s(&self) -> f64 {
        match *self {
            Duration::Fixed(seconds) => seconds,
            Duration::Exponential { mean_s } => mean_s,
            Duration::Uniform { min_s, max_s } => 0.5 * (min_s + max_s),
            Duration::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
        }
    }

    /// One draw, in seconds (by inversion, or Box–Muller for the log-normal,
    /// so the stream does not depend on a sampling crate's version).
    pub fn sample<R: Rng>(&self, rng: &mut R) -> f64 {
        let first = rng.next_u64();
        match *self {
            Duration::Fixed(seconds) => seconds,
            Duration::Exponential { mean_s } => -mean_s * open01(first).ln(),
            Duration::Uniform { min_s, max_s } => min_s + (max_s - min_s) * unit(first),
            Duration::LogNormal { mu, sigma } => {
                // Box–Muller, one of the pair.
                let second = rng.next_u64();
                let z = (-2.0 * open01(first).ln()).sqrt()
                    * (2.0 * std::f64::consts::PI * unit(second)).cos();
                (mu + sigma * z).exp()
            }
        }
    }
}
