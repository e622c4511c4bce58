//! A scenario value that may be uncertain: a number, or a distribution
//! stating what is known of it, e.g. `{ dist = "uniform", low = 0.055, high = 0.085 }`.

use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A number, or the distribution of an uncertain one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// Known (or taken as known).
    Value(f64),
    /// Uncertain: each replication draws from this.
    Dist(ParamDist),
}

/// What is known of an uncertain value.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum ParamDist {
    /// Equally likely anywhere in [low, high]; nominal value the midpoint.
    Uniform {
        /// Lowest value.
        low: f64,
        /// Highest value.
        high: f64,
    },
    /// Its logarithm uniform in [ln low, ln high] (a factor known to within
    /// a range of orders of magnitude, e.g. NIST's 10× to 100×); nominal
    /// value the geometric midpoint √(low · high).
    Loguniform {
        /// Lowest value, above 0.
        low: f64,
        /// Highest value.
        high: f64,
    },
    /// Normal; nominal value the mean.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, above 0.
        sd: f64,
    },
}

impl Param {
    /// The value taken when parameters are fixed: the number itself, or the
    /// distribution's centre ([`ParamDist::nominal`]).
    pub fn nominal(&self) -> f64 {
        match self {
            Param::Value(value) => *value,
            Param::Dist(dist) => dist.nominal(),
        }
    }

    /// The distribution, if the value is uncertain.
    pub fn dist(&self) -> Option<&ParamDist> {
        match self {
            Param::Value(_) => None,
            Param::Dist(dist) => Some(dist),
        }
    }
}

impl From<f64> for Param {
    fn from(value: f64) -> Self {
        Param::Value(value)
    }
}

impl ParamDist {
    /// Its centre: the midpoint, the geometric midpoint, or the mean.
    pub fn nominal(&self) -> f64 {
        match *self {
            ParamDist::Uniform { low, high } => 0.5 * (low + high),
            ParamDist::Loguniform { low, high } => (low * high).sqrt(),
            ParamDist::Normal { mean, .. } => mean,
        }
    }

    /// The value at probability `u` ∈ (0, 1) of its distribution (the
    /// inverse CDF), so that one uniform draw gives one value.
    pub fn quantile(&self, u: f64) -> f64 {
        match *self {
            ParamDist::Uniform { low, high } => low + u * (high - low),
            ParamDist::Loguniform { low, high } => (low.ln() + u * (high / low).ln()).exp(),
            ParamDist::Normal { mean, sd } => {
                mean - sd * crate::stats::normal_upper_quantile(u.clamp(1e-300, 1.0))
            }
        }
    }

    /// Why it is not a distribution, if it is not one.
    pub fn problem(&self) -> Option<String> {
        match *self {
            ParamDist::Uniform { low, high }
                if !(low.is_finite() && high.is_finite() && low < high) =>
            {
                Some(format!(
                    "expected low < high, got low = {low}, high = {high}"
                ))
            }
            ParamDist::Loguniform { low, high }
                if !(low.is_finite() && high.is_finite() && 0.0 < low && low < high) =>
            {
                Some(format!(
                    "expected 0 < low < high, got low = {low}, high = {high}"
                ))
            }
            ParamDist::Normal { mean, sd } if !(mean.is_finite() && sd.is_finite() && sd > 0.0) => {
                Some(format!(
                    "expected a finite mean and sd > 0, got mean = {mean}, sd = {sd}"
                ))
            }
            _ => None,
        }
    }

    /// Its lowest and highest possible values (a normal's are infinite).
    pub fn range(&self) -> (f64, f64) {
        match *self {
            ParamDist::Uniform { low, high } | ParamDist::Loguniform { low, high } => (low, high),
            ParamDist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }
}

impl fmt::Display for ParamDist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParamDist::Uniform { low, high } => write!(f, "uniform {low} to {high}"),
            ParamDist::Loguniform { low, high } => write!(f, "log-uniform {low} to {high}"),
            ParamDist::Normal { mean, sd } => write!(f, "normal, mean {mean}, sd {sd}"),
        }
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamVisitor;
        impl<'de> Visitor<'de> for ParamVisitor {
            type Value = Param;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number, or a distribution such as \
                     { dist = \"uniform\", low = 0.055, high = 0.085 }",
                )
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Param, E> {
                Ok(Param::Value(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Param, E> {
                Ok(Param::Value(value as f64))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Param, E> {
                Ok(Param::Value(value as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Param, A::Error> {
                ParamDist::deserialize(MapAccessDeserializer::new(map)).map(Param::Dist)
            }
        }
        deserializer.deserialize_any(ParamVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_distributions_parse() {
        #[derive(Deserialize)]
        struct T {
            a: Param,
            b: Param,
            c: Param,
        }
        let t: T =
            toml::from_str("a = 10\nb = 0.5\nc = { dist = \"loguniform\", low = 10, high = 100 }")
                .unwrap();
        assert_eq!(t.a, Param::Value(10.0));
        assert_eq!(t.b.nominal(), 0.5);
        assert!((t.c.nominal() - 1000f64.sqrt()).abs() < 1e-12);
        let bad = toml::from_str::<T>("a = 1\nb = 1\nc = { dist = \"uniform\", low = 1 }");
        assert!(bad.is_err());
    }

    #[test]
    fn quantiles_span_the_range() {
        let d = ParamDist::Loguniform {
            low: 10.0,
            high: 100.0,
        };
        assert!((d.quantile(0.0) - 10.0).abs() < 1e-9);
        assert!((d.quantile(0.5) - 1000f64.sqrt()).abs() < 1e-9);
        assert!((d.quantile(1.0) - 100.0).abs() < 1e-9);
        let n = ParamDist::Normal { mean: 1.0, sd: 2.0 };
        assert!((n.quantile(0.5) - 1.0).abs() < 1e-9);
        assert!((n.quantile(0.975) - (1.0 + 2.0 * 1.959_964)).abs() < 1e-4);
    }
}
