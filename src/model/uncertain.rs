//! Uncertain inputs: how a model's uncertain values take their values while
//! it is built.
//!
//! A scenario value may be a distribution ([`Param`]), and a matcher's
//! operating point may carry the counts it was measured from (7 false
//! positives in 41,000 searches). Building a model asks a [`Draws`] for each
//! such value, in a fixed order (the order of the scenario file):
//!
//! * [`Fixed`] gives the nominal value: the published rate, a
//!   distribution's centre (`--fixed-parameters`, and the model a report's
//!   expectations come from);
//! * [`Sampled`] draws every one from one replication's stream: the
//!   posterior of each operating point's rate, and each distribution;
//! * [`OneAtATime`] draws one named input and fixes the rest, to measure
//!   what each contributes to the variance of an outcome (`survsim check`);
//! * [`Design`] sets each input at a probability a sampling design chose
//!   (`survsim check --sensitivity`);
//! * [`Inventory`] fixes them all and lists them.
//!
//! Each uncertain input consumes exactly one uniform of the stream, drawn or
//! not, and its value is the inverse CDF at that uniform, so a value does not
//! depend on which other inputs are drawn.
//!
//! The posterior of a rate measured as `count` events in `trials`: for a
//! false-positive rate (Poisson), Gamma(count, trials) — the posterior under
//! the scale-invariant prior ∝ 1/λ, whose mean is the published rate
//! count/trials; for a true-positive rate (binomial), Beta(count,
//! trials − count), Haldane's prior, likewise centred on the published
//! proportion. Where that is improper (no event, or all), Jeffreys' prior
//! is used instead: Gamma(½, trials), Beta(count + ½, trials − count + ½).

use crate::error::{KeyPath, ValidationError};
use crate::rng::{SimRng, unit};
use crate::spec::Param;
use rand::Rng;
use statrs::distribution::{Beta, ContinuousCDF, Gamma};

/// What an operating point's rate was measured from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// `count` false positives in `trials` non-mated searches.
    Poisson {
        /// Events counted.
        count: u64,
        /// Searches.
        trials: u64,
    },
    /// `count` true positives in `trials` mated searches.
    Binomial {
        /// Successes counted.
        count: u64,
        /// Searches.
        trials: u64,
    },
}

impl Evidence {
    /// The rate at probability `u` of its posterior.
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(1e-12, 1.0 - 1e-12);
        match *self {
            Evidence::Poisson { count, trials } => {
                let shape = if count == 0 { 0.5 } else { count as f64 };
                Gamma::new(shape, trials as f64)
                    .map(|gamma| gamma.inverse_cdf(u))
                    .unwrap_or(count as f64 / trials as f64)
            }
            Evidence::Binomial { count, trials } => {
                let (a, b) = if count == 0 || count == trials {
                    (count as f64 + 0.5, (trials - count) as f64 + 0.5)
                } else {
                    (count as f64, (trials - count) as f64)
                };
                Beta::new(a, b)
                    .map(|beta| beta.inverse_cdf(u))
                    .unwrap_or(count as f64 / trials as f64)
            }
        }
    }

    /// In words, for `survsim check`.
    pub fn describe(&self) -> String {
        match *self {
            Evidence::Poisson { count, trials } => format!(
                "{count} false positives in {} searches",
                crate::format::fmt_num(trials as f64, 0)
            ),
            Evidence::Binomial { count, trials } => format!(
                "{count} of {} mated searches",
                crate::format::fmt_num(trials as f64, 0)
            ),
        }
    }
}

/// One uncertain input, as listed by [`Inventory`].
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainInput {
    /// Its key path, e.g. `matcher.impostor.sd`.
    pub key: String,
    /// What is known of it, in words.
    pub what: String,
}

/// How uncertain inputs take their values while a model is built.
pub trait Draws {
    /// The value of `param`, the input at `path`.
    fn value(&mut self, path: &KeyPath, param: &Param) -> f64;

    /// The rate of the operating point at `path`, published as `published`
    /// and measured from `evidence` (if given).
    fn rate(&mut self, path: &KeyPath, published: f64, evidence: Option<Evidence>) -> f64;

    /// Which of a fitted profile's `rows` posterior draws this model takes
    /// (at `path`): `None` for their mean, the nominal value.
    fn posterior_row(&mut self, _path: &KeyPath, _rows: usize) -> Option<usize> {
        None
    }

    /// Whether the fractional wanted person at `path` is present in this
    /// model: `wanted_prevalence` × residents = 3.4 people gives 3, and a
    /// fourth with probability 0.4 (`probability`), decided per
    /// replication. Nominal models leave them out; their expectations mix
    /// in a model with them (see [`crate::model::Model::expected`]).
    fn extra_wanted(&mut self, _path: &KeyPath, _probability: f64) -> bool {
        false
    }

    /// Whether values may differ from the nominal ones (a drawn model's
    /// operating points need not be fitted as closely as the published ones).
    fn draws_any(&self) -> bool {
        false
    }

    /// Whether the model's expectations average mated searches' rates over
    /// lookalikes (a nested quadrature, the dearest part of a build). A
    /// replication's drawn model needs no expectations; a drawn model for
    /// variance shares needs only false alerts, of which mated
    /// misidentifications are a sliver, taken there at the group's own rate.
    fn averages_mated_rates(&self) -> bool {
        !self.draws_any()
    }
}

/// Nominal values: published rates, distributions' centres.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fixed;

impl Draws for Fixed {
    fn value(&mut self, _: &KeyPath, param: &Param) -> f64 {
        param.nominal()
    }
    fn rate(&mut self, _: &KeyPath, published: f64, _: Option<Evidence>) -> f64 {
        published
    }
}

/// Nominal values, with the fractional wanted person present: the model
/// whose expectations are mixed into the nominal one's.
#[derive(Debug, Default, Clone, Copy)]
pub struct WithExtraWanted;

impl Draws for WithExtraWanted {
    fn value(&mut self, _: &KeyPath, param: &Param) -> f64 {
        param.nominal()
    }
    fn rate(&mut self, _: &KeyPath, published: f64, _: Option<Evidence>) -> f64 {
        published
    }
    fn extra_wanted(&mut self, _: &KeyPath, _: f64) -> bool {
        true
    }
}

/// One replication's model: the uncertain inputs as `params` gives them,
/// and the fractional wanted person present or not by a uniform of its own
/// stream (so that it does not shift the parameters' draws).
pub struct Replication<'a> {
    /// How the uncertain inputs take their values ([`Sampled`], or
    /// [`Fixed`] with `--fixed-parameters`).
    pub params: &'a mut dyn Draws,
    /// The replication's stream for its fractional wanted person.
    pub wanted: &'a mut SimRng,
}

impl Draws for Replication<'_> {
    fn value(&mut self, path: &KeyPath, param: &Param) -> f64 {
        self.params.value(path, param)
    }
    fn rate(&mut self, path: &KeyPath, published: f64, evidence: Option<Evidence>) -> f64 {
        self.params.rate(path, published, evidence)
    }
    fn extra_wanted(&mut self, _: &KeyPath, probability: f64) -> bool {
        unit(self.wanted.next_u64()) < probability
    }
    fn posterior_row(&mut self, path: &KeyPath, rows: usize) -> Option<usize> {
        self.params.posterior_row(path, rows)
    }
    fn draws_any(&self) -> bool {
        self.params.draws_any()
    }
    fn averages_mated_rates(&self) -> bool {
        // A replication's model needs no expectations.
        false
    }
}

/// Every uncertain input drawn from `rng`, one uniform each.
pub struct Sampled<'a> {
    /// The replication's parameter stream.
    pub rng: &'a mut SimRng,
}

impl Draws for Sampled<'_> {
    fn value(&mut self, _: &KeyPath, param: &Param) -> f64 {
        match param {
            Param::Value(value) => *value,
            Param::Dist(dist) => dist.quantile(unit(self.rng.next_u64())),
        }
    }
    fn rate(&mut self, _: &KeyPath, published: f64, evidence: Option<Evidence>) -> f64 {
        match evidence {
            None => published,
            Some(evidence) => evidence.quantile(unit(self.rng.next_u64())),
        }
    }
    fn posterior_row(&mut self, _: &KeyPath, rows: usize) -> Option<usize> {
        Some(row_of(unit(self.rng.next_u64()), rows))
    }
    fn draws_any(&self) -> bool {
        true
    }
}

/// The row of `rows` that the uniform `u` picks.
fn row_of(u: f64, rows: usize) -> usize {
    ((u * rows as f64) as usize).min(rows.saturating_sub(1))
}

/// Only the input at `key` drawn; the others nominal, though each still
/// consumes its uniform, so the drawn one sees the same uniforms as under
/// [`Sampled`].
pub struct OneAtATime<'a> {
    /// The key path of the input drawn.
    pub key: &'a str,
    /// The replication's parameter stream.
    pub rng: &'a mut SimRng,
}

impl Draws for OneAtATime<'_> {
    fn value(&mut self, path: &KeyPath, param: &Param) -> f64 {
        match param {
            Param::Value(value) => *value,
            Param::Dist(dist) => {
                let u = unit(self.rng.next_u64());
                if path.to_string() == self.key {
                    dist.quantile(u)
                } else {
                    dist.nominal()
                }
            }
        }
    }
    fn rate(&mut self, path: &KeyPath, published: f64, evidence: Option<Evidence>) -> f64 {
        match evidence {
            None => published,
            Some(evidence) => {
                let u = unit(self.rng.next_u64());
                if path.to_string() == self.key {
                    evidence.quantile(u)
                } else {
                    published
                }
            }
        }
    }
    fn posterior_row(&mut self, path: &KeyPath, rows: usize) -> Option<usize> {
        let u = unit(self.rng.next_u64());
        (path.to_string() == self.key).then(|| row_of(u, rows))
    }
    fn draws_any(&self) -> bool {
        true
    }
}

/// Each uncertain input at a value chosen for it by a sampling design
/// (`survsim check --sensitivity`): `uniforms[i]` is the probability at
/// which the input `keys[i]` takes its value, whichever read of it this is
/// (a level of a cross product, read once per group it is in, takes one
/// value, as [`Inventory`] lists it once). An input not in `keys` is
/// nominal.
pub struct Design<'a> {
    /// The inputs' key paths, as [`Inventory`] lists them.
    pub keys: &'a [String],
    /// One probability in (0, 1) per key.
    pub uniforms: &'a [f64],
}

impl Design<'_> {
    fn uniform(&self, path: &KeyPath) -> Option<f64> {
        let key = path.to_string();
        let i = self.keys.iter().position(|k| *k == key)?;
        Some(self.uniforms[i])
    }
}

impl Draws for Design<'_> {
    fn value(&mut self, path: &KeyPath, param: &Param) -> f64 {
        match (param, self.uniform(path)) {
            (Param::Dist(dist), Some(u)) => dist.quantile(u),
            _ => param.nominal(),
        }
    }
    fn rate(&mut self, path: &KeyPath, published: f64, evidence: Option<Evidence>) -> f64 {
        match (evidence, self.uniform(path)) {
            (Some(evidence), Some(u)) => evidence.quantile(u),
            _ => published,
        }
    }
    fn posterior_row(&mut self, path: &KeyPath, rows: usize) -> Option<usize> {
        self.uniform(path).map(|u| row_of(u, rows))
    }
    fn draws_any(&self) -> bool {
        true
    }
    fn averages_mated_rates(&self) -> bool {
        // True alerts are among the outputs whose sensitivity is measured:
        // each wanted person's lookalikes are averaged over, as in the
        // nominal expectations.
        true
    }
}

/// Nominal values, listing every uncertain input met.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The uncertain inputs, in the order the model reads them.
    pub inputs: Vec<UncertainInput>,
}

impl Draws for Inventory {
    fn value(&mut self, path: &KeyPath, param: &Param) -> f64 {
        if let Param::Dist(dist) = param {
            let key = path.to_string();
            // A level of a cross product is read once per group it is in.
            if !self.inputs.iter().any(|input| input.key == key) {
                self.inputs.push(UncertainInput {
                    key,
                    what: dist.to_string(),
                });
            }
        }
        param.nominal()
    }
    fn rate(&mut self, path: &KeyPath, published: f64, evidence: Option<Evidence>) -> f64 {
        if let Some(evidence) = evidence {
            self.inputs.push(UncertainInput {
                key: path.to_string(),
                what: evidence.describe(),
            });
        }
        published
    }
    fn posterior_row(&mut self, path: &KeyPath, rows: usize) -> Option<usize> {
        self.inputs.push(UncertainInput {
            key: path.to_string(),
            what: format!(
                "{rows} posterior draws of the score distributions, fitted to published \
                 records (survsim fit)"
            ),
        });
        None
    }
}

/// A number in [min, max] (`min` above 0 reads "above 0").
pub(crate) fn check_range(
    path: &KeyPath,
    value: f64,
    min: f64,
    max: f64,
) -> Result<(), ValidationError> {
    if !value.is_finite() || value < min || value > max {
        let bound = if min > 0.0 { "above 0" } else { "≥ 0" };
        return Err(ValidationError::new(
            path.clone(),
            format!("expected a number {bound} and at most {max}, got {value}"),
        ));
    }
    Ok(())
}

/// A possibly uncertain number in [min, max]: a distribution must be one
/// (see [`crate::spec::ParamDist::problem`]) and lie wholly in the range.
pub(crate) fn check_param(
    path: &KeyPath,
    param: &Param,
    min: f64,
    max: f64,
) -> Result<(), ValidationError> {
    match param {
        Param::Value(value) => check_range(path, *value, min, max),
        Param::Dist(dist) => {
            if let Some(problem) = dist.problem() {
                return Err(ValidationError::new(path.clone(), problem));
            }
            let (low, high) = dist.range();
            if low < min || high > max {
                return Err(ValidationError::new(
                    path.clone(),
                    format!(
                        "the {dist} distribution reaches outside [{min}, {max}]: \
                         give a bounded one (uniform or loguniform) within it"
                    ),
                ));
            }
            Ok(())
        }
    }
}
