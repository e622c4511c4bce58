//! Numbers as people and JSON readers see them: thousands separators,
//! percentages, durations, and JSON numbers without float noise.
//!
//! This is the ground floor: it imports nothing from the crate, so every
//! renderer (report, check, sweep, stress, validate, events) can use it
//! without pulling in another.

use serde::{Serialize, Serializer};
use serde_json::Value;

/// Formats with thousands separators and `decimals` decimals (fewer for
/// values that are whole); `-` when not finite.
pub fn fmt_num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    // No sign on a value that rounds to zero: "-0" reads as a bug.
    let sign = if x < 0.0 && s.chars().any(|c| c != '0' && c != '.') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A share (0–1) as a percentage with one decimal: `0.123` → `12.3 %`.
pub fn fmt_pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// Milliseconds with sensible precision: whole above 100 ms, three
/// decimals below 1 ms.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        fmt_num(ms, 0)
    } else if ms >= 1.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.3}")
    }
}

/// A number as a person would write it: at most six significant digits,
/// without float noise (`0.8999999999999999` → `0.9`).
pub fn round_for_people(x: f64) -> String {
    let text = format!("{:.6}", x);
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() || trimmed == "-" {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// `86400` → `"24h"`, `5400` → `"1h 30m"`.
pub fn human_duration(seconds: f64) -> String {
    if seconds >= 3600.0 && seconds % 3600.0 == 0.0 {
        format!("{}h", seconds / 3600.0)
    } else {
        humantime::format_duration(std::time::Duration::from_secs_f64(seconds.max(0.0))).to_string()
    }
}

/// `s` cut to `n` characters, the last replaced by `…` when cut, to fit a
/// table column.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

/// Widest line of a table or note on a terminal, in characters.
pub const TABLE_WIDTH: usize = 100;

/// `text` as lines of at most `width` characters, broken at spaces: the
/// first line begins with `first`, the others with `rest` (a hanging
/// indent). Runs of spaces within a line are kept (a table row's padding);
/// those at a break are dropped. A word longer than a line is left whole.
pub fn wrap_text(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut lines = vec![first.to_string()];
    let mut empty = true;
    let mut gap = String::new();
    for word in text.split(' ') {
        if word.is_empty() {
            gap.push(' ');
            continue;
        }
        let line = lines.last_mut().expect("never empty");
        let needed = line.chars().count() + gap.chars().count() + 1 + word.chars().count();
        if empty || needed <= width {
            if !empty {
                line.push(' ');
            }
            line.push_str(&gap);
            line.push_str(word);
            empty = false;
        } else {
            lines.push(format!("{rest}{word}"));
        }
        gap.clear();
    }
    lines.join("\n")
}

/// A number as JSON: an integer when it is one, `null` when not finite.
///
/// The one definition of how survsim writes a float in JSON: wire structs
/// hold it as a field, and [`num`] turns it into a [`Value`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if !x.is_finite() {
            serializer.serialize_unit()
        } else if x.fract() == 0.0 && x.abs() < 9.0e15 {
            // Whole and exactly representable: `3`, not `3.0`.
            serializer.serialize_i64(x as i64)
        } else {
            serializer.serialize_f64(x)
        }
    }
}

/// A number as a JSON [`Value`], as [`Num`] writes it.
pub fn num(x: f64) -> Value {
    serde_json::to_value(Num(x)).expect("a number serializes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapped_text_keeps_to_the_width_with_a_hanging_indent() {
        let text = "per comparison: FMR = 1 − (1 − FMR₁)^m and FNMR = 1 − (1 − FNMR₁)^m′";
        let wrapped = super::wrap_text(text, 30, "  ", "    ");
        assert!(wrapped.lines().count() > 2, "{wrapped}");
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 30),
            "{wrapped}"
        );
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("    ")));
        let words: Vec<&str> = wrapped.split_whitespace().collect();
        assert_eq!(words, text.split(' ').collect::<Vec<_>>());
        // A line that fits keeps its padding.
        assert_eq!(super::wrap_text("a   b", 30, "", ""), "a   b");
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_format_for_people() {
        assert_eq!(fmt_num(1234567.0, 0), "1,234,567");
        assert_eq!(fmt_num(999.0, 0), "999");
        assert_eq!(fmt_num(1234.5678, 1), "1,234.6");
        assert_eq!(fmt_num(-1234.0, 0), "-1,234");
        assert_eq!(fmt_num(-0.01, 1), "0.0");
        assert_eq!(fmt_num(f64::NAN, 1), "-");
        assert_eq!(round_for_people(0.8999999999999999), "0.9");
        assert_eq!(human_duration(86400.0), "24h");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    #[test]
    fn json_numbers_are_integers_when_whole_and_null_when_not_finite() {
        assert_eq!(num(3.0), json!(3));
        assert_eq!(num(-0.0), json!(0));
        assert_eq!(num(0.5), json!(0.5));
        assert_eq!(num(f64::INFINITY), Value::Null);
        assert_eq!(num(f64::NAN), Value::Null);
        // Beyond 9e15 a whole float stays a float, written as serde_json
        // writes any f64.
        for x in [1e16, 0.1, 123.456] {
            let text = serde_json::to_string(&Num(x)).unwrap();
            assert_eq!(text, serde_json::to_string(&json!(x)).unwrap());
        }
        assert_eq!(serde_json::to_string(&Num(1e16)).unwrap(), "1e+16");
    }
}
