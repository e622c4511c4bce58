//! An amount a record gives as a number or a range (`{ low = …, high = … }`),
//! validated into a [`Span`]: what records and their per-group cells share.

use crate::error::{KeyPath, ValidationError};
use serde::Deserialize;

/// A number known exactly, or only between two values.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum AmountSection {
    Value(f64),
    Range { low: f64, high: f64 },
}

/// An input known between `low` and `high` (equal when known exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Smallest value.
    pub low: f64,
    /// Largest value.
    pub high: f64,
}

impl Span {
    /// Whether the value is known exactly.
    pub fn is_exact(&self) -> bool {
        self.low == self.high
    }
}

/// An amount or range within [min, max], required.
pub(super) fn span(
    amount: Option<AmountSection>,
    path: &KeyPath,
    min: f64,
    max: f64,
) -> Result<Span, ValidationError> {
    let (low, high) = match amount {
        None => {
            return Err(ValidationError::new(
                path.clone(),
                "expected a number, or a range { low = …, high = … }",
            ));
        }
        Some(AmountSection::Value(v)) => (v, v),
        Some(AmountSection::Range { low, high }) => (low, high),
    };
    if !(low.is_finite() && high.is_finite() && min <= low && low <= high && high <= max) {
        return Err(ValidationError::new(
            path.clone(),
            format!("expected a value, or low ≤ high, within [{min}, {max}]; got [{low}, {high}]"),
        ));
    }
    Ok(Span { low, high })
}
