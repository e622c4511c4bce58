//! Durations as written: `"30s"`, or a distribution table.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A human-readable duration such as `"24h"`, `"90m"`, `"1h 30m"`, `"45s"`.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationText {
    /// As written.
    pub text: String,
    /// In seconds.
    pub seconds: f64,
}

impl DurationText {
    /// Parses a humantime duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text.trim())
            .map(|duration| DurationText {
                text: text.to_string(),
                seconds: duration.as_secs_f64(),
            })
            .map_err(|error| {
                format!(
                    "`{text}` is not a duration ({error}); write e.g. \"24h\", \"90m\" or \"45s\""
                )
            })
    }
}

impl Serialize for DurationText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = DurationText;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a duration string such as \"24h\", \"90m\" or \"45s\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationText, E> {
                DurationText::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// A random duration: a fixed `"30s"`, or a table
/// `{ dist = "exponential", mean = "30s" }`,
/// `{ dist = "uniform", min = "10s", max = "1m" }`,
/// `{ dist = "lognormal", median = "30s", sigma = 0.5 }`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum DurationDist {
    /// Always the same.
    Fixed(DurationText),
    /// One of the distribution tables.
    Random(RandomDuration),
}

/// The table forms of [`DurationDist`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RandomDuration {
    /// Exponential with the given mean.
    Exponential {
        /// Mean.
        mean: DurationText,
    },
    /// Uniform between min and max.
    Uniform {
        /// Lower bound.
        min: DurationText,
        /// Upper bound.
        max: DurationText,
    },
    /// Log-normal with the given median and log-scale sigma.
    Lognormal {
        /// Median.
        median: DurationText,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
}

impl<'de> Deserialize<'de> for DurationDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = DurationDist;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str(
                    "a duration such as \"30s\" or a table such as { dist = \"exponential\", mean = \"30s\" }",
                )
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationDist, E> {
                DurationText::parse(text)
                    .map(DurationDist::Fixed)
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DurationDist, A::Error> {
                RandomDuration::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(DurationDist::Random)
            }
        }
        deserializer.deserialize_any(DistVisitor)
    }
}
