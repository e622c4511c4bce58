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
    /// Parses a humantime duration. A capital `M` is refused ([`ambiguous_m`]).
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(message) = ambiguous_m(text) {
            return Err(message);
        }
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

/// Why `text` is refused if it uses the unit `M`, which humantime reads as
/// months (30.44 days) but many readers — and ISO 8601's `PT5M` — as
/// minutes: `intervention.window = "5M"` would silently keep people
/// reachable for five months. Refusing it, rather than reading it as
/// minutes, keeps every file that meant months from changing meaning
/// without a word; the message offers both spellings.
fn ambiguous_m(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let at = (0..bytes.len()).find(|&i| {
        // `M` standing alone as a unit: not part of a longer word.
        let alone = |j: Option<usize>| j.is_none_or(|j| !bytes[j].is_ascii_alphabetic());
        bytes[i] == b'M'
            && alone(i.checked_sub(1))
            && alone(Some(i + 1).filter(|&j| j < bytes.len()))
    })?;
    let number: String = text[..at]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let n = if number.is_empty() {
        "5".to_string()
    } else {
        number
    };
    let days = n
        .parse::<u64>()
        .map_or("150".into(), |n| n.saturating_mul(30).to_string());
    let s = if n == "1" { "" } else { "s" };
    Some(format!(
        "`{text}`: the unit `M` is ambiguous (months to the duration parser, minutes to many \
         readers), so it is refused; write `{n}m` for {n} minute{s}, or `{n}months` or `{days}d` \
         for about {n} month{s}"
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capital_m_is_refused_with_both_readings() {
        let e = DurationText::parse("5M").unwrap_err();
        assert!(e.contains("`5m` for 5 minutes"), "{e}");
        assert!(e.contains("`5months` or `150d`"), "{e}");
        assert!(DurationText::parse("1h 2M").unwrap_err().contains("`2m`"));
        // Months spelled out, minutes and milliseconds are fine.
        assert_eq!(DurationText::parse("5m").unwrap().seconds, 300.0);
        assert!(DurationText::parse("2months").is_ok());
        assert_eq!(DurationText::parse("50ms").unwrap().seconds, 0.05);
    }
}
