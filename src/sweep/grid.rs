//! The grid of a sweep: `--vary KEY=START:STOP:STEP` or `--vary KEY=A,B,C`,
//! and the Cartesian product of the varied keys.
//!
//! A grid point is a list of `--set` overrides (`key.path=value`), parsed and
//! applied exactly as `survsim run --set` does. Points are numbered from 0 in
//! the order of the product, the first `--vary` outermost (it changes
//! slowest), so point numbers do not depend on anything but the flags.

use crate::error::InputError;
use crate::scenario::Override;

/// Most points a sweep may have (and most values one `--vary` may expand to).
pub const MAX_POINTS: u64 = 100_000;

/// One varied key and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// The key path, as given (`matcher.threshold`).
    pub key: String,
    /// The values as given after `=` (`0.55:0.70:0.01`, `1000,10000`).
    pub spec: String,
    /// The values, as `--set` would take them (`0.55`, `0.56`, …).
    pub values: Vec<String>,
}

impl Axis {
    /// Parses one `--vary` argument.
    ///
    /// `START:STOP:STEP` is an inclusive range, counted in integers when all
    /// three are whole numbers (STOP is included when it is
    /// within 10⁻⁹ steps of a step), written with as many decimals as START or
    /// STEP has, so `0.55:0.70:0.01` gives `0.55`, `0.56`, … `0.70` without
    /// float noise. Otherwise the text is a comma-separated list of values
    /// taken verbatim; commas inside `[]`, `{}` or quotes do not split.
    pub fn parse(arg: &str) -> Result<Axis, InputError> {
        let bad = |msg: String| InputError::whole(format!("--vary {arg}"), msg);
        let (key, spec) = arg.split_once('=').ok_or_else(|| {
            bad("expected KEY.PATH=START:STOP:STEP or KEY.PATH=A,B,C, \
                 e.g. matcher.threshold=0.55:0.70:0.01"
                .into())
        })?;
        let key = key.trim();
        // The key must be a well-formed `--set` path; whether the scenario
        // has it is checked when the points are loaded.
        format!("{key}=0")
            .parse::<Override>()
            .map_err(|e| bad(format!("key `{key}`: {}", e.message)))?;
        let spec = spec.trim();
        let values = if top_level(spec, ':').len() > 1 && top_level(spec, ',').len() == 1 {
            range(spec).map_err(bad)?
        } else {
            let items = top_level(spec, ',');
            if items.iter().any(|v| v.trim().is_empty()) {
                return Err(bad(
                    "empty value in the list; expected values separated by commas, e.g. 1000,10000"
                        .into(),
                ));
            }
            items.into_iter().map(|v| v.trim().to_string()).collect()
        };
        Ok(Axis {
            key: key.to_string(),
            spec: spec.to_string(),
            values,
        })
    }

    /// The override that sets this key to its `i`-th value.
    pub fn set(&self, i: usize) -> String {
        format!("{}={}", self.key, self.values[i])
    }

    /// The values as numbers, if every one is a finite number.
    pub fn numeric(&self) -> Option<Vec<f64>> {
        self.values
            .iter()
            .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect()
    }
}

/// Splits `text` at `sep` where it is not inside brackets, braces or quotes.
fn top_level(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Decimals a number is written with: `0.01` → 2, `5` → 0, `2.5e-3` → 4.
fn decimals(text: &str) -> usize {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let frac = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    (frac - exp).clamp(0, 15) as usize
}

/// `START:STOP:STEP` → the values, formatted without float noise.
fn range(spec: &str) -> Result<Vec<String>, String> {
    let malformed = || {
        format!(
            "malformed range `{spec}`: expected START:STOP:STEP with three numbers, \
             e.g. 0.55:0.70:0.01"
        )
    };
    let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
    let [start_s, stop_s, step_s] = parts[..] else {
        return Err(malformed());
    };
    if let (Ok(start), Ok(stop), Ok(step)) = (
        start_s.parse::<i128>(),
        stop_s.parse::<i128>(),
        step_s.parse::<i128>(),
    ) {
        return int_range(spec, start, stop, step, step_s);
    }
    let num = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(start), Some(stop), Some(step)) = (num(start_s), num(stop_s), num(step_s)) else {
        return Err(malformed());
    };
    if step <= 0.0 {
        return Err(format!(
            "range `{spec}`: the step must be greater than 0, got {step_s}"
        ));
    }
    if stop < start {
        return Err(format!(
            "range `{spec}`: the stop ({stop_s}) is below the start ({start_s})"
        ));
    }
    let steps = ((stop - start) / step + 1e-9).floor();
    if steps + 1.0 > MAX_POINTS as f64 {
        return Err(format!(
            "range `{spec}` has {} values; at most {} are allowed",
            crate::format::fmt_num(steps + 1.0, 0),
            crate::format::fmt_num(MAX_POINTS as f64, 0)
        ));
    }
    let n = steps as i64 + 1;
    let d = decimals(start_s).max(decimals(step_s));
    let scale = 10f64.powi(d as i32);
    // Exact decimal arithmetic when the scaled numbers are exact integers in
    // an f64; otherwise format the float with `d` decimals.
    let (start_i, step_i) = ((start * scale).round(), (step * scale).round());
    let exact = start_i.abs() < 1e15 && (start_i + step_i * n as f64).abs() < 1e15;
    Ok((0..n)
        .map(|k| {
            if exact {
                let v = start_i as i64 + step_i as i64 * k;
                fixed(v, d)
            } else {
                let s = format!("{:.*}", d, start + step * k as f64);
                match s.strip_prefix('-') {
                    Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
                    _ => s,
                }
            }
        })
        .collect())
}

/// A range of whole numbers, computed in integers: seeds and counts above
/// 2^53 are not rounded to their nearest f64.
fn int_range(
    spec: &str,
    start: i128,
    stop: i128,
    step: i128,
    step_s: &str,
) -> Result<Vec<String>, String> {
    if step <= 0 {
        return Err(format!(
            "range `{spec}`: the step must be greater than 0, got {step_s}"
        ));
    }
    if stop < start {
        return Err(format!(
            "range `{spec}`: the stop ({stop}) is below the start ({start})"
        ));
    }
    // Whole numbers of up to 39 digits: the difference fits in a u128.
    let steps = stop.abs_diff(start) / step.unsigned_abs();
    if steps >= MAX_POINTS as u128 {
        return Err(format!(
            "range `{spec}` has {} values; at most {} are allowed",
            crate::format::fmt_num(steps as f64 + 1.0, 0),
            crate::format::fmt_num(MAX_POINTS as f64, 0)
        ));
    }
    Ok((0..=steps as i128)
        .map(|k| (start + step * k).to_string())
        .collect())
}

/// `v / 10^d` written with exactly `d` decimals: `fixed(55, 2)` → `0.55`.
fn fixed(v: i64, d: usize) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let digits = format!("{:0width$}", v.unsigned_abs(), width = d + 1);
    if d == 0 {
        return format!("{sign}{digits}");
    }
    let (int, frac) = digits.split_at(digits.len() - d);
    format!("{sign}{int}.{frac}")
}

/// The Cartesian product of the varied keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The varied keys, in `--vary` order.
    pub axes: Vec<Axis>,
}

impl Grid {
    /// Parses the `--vary` arguments; an empty grid, a key varied twice, or
    /// more than [`MAX_POINTS`] points is an error.
    pub fn parse(args: &[String]) -> Result<Grid, InputError> {
        if args.is_empty() {
            return Err(InputError::whole(
                "--vary",
                "a sweep needs at least one --vary KEY.PATH=START:STOP:STEP or KEY.PATH=A,B,C",
            ));
        }
        let axes = args
            .iter()
            .map(|a| Axis::parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, a) in axes.iter().enumerate() {
            if axes[..i].iter().any(|b| b.key == a.key) {
                return Err(InputError::whole(
                    format!("--vary {}={}", a.key, a.spec),
                    format!("the key `{}` is varied twice", a.key),
                ));
            }
        }
        let points = axes
            .iter()
            .try_fold(1u64, |acc, a| acc.checked_mul(a.values.len() as u64));
        match points {
            Some(p) if p <= MAX_POINTS => Ok(Grid { axes }),
            _ => Err(InputError::whole(
                "--vary",
                format!(
                    "the grid has {} points; at most {} are allowed",
                    points.map_or("too many".to_string(), |p| crate::format::fmt_num(
                        p as f64, 0
                    )),
                    crate::format::fmt_num(MAX_POINTS as f64, 0)
                ),
            )),
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Whether the grid has no point (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value index on each axis of point `index`.
    pub fn coords(&self, index: usize) -> Vec<usize> {
        let mut rest = index;
        let mut coords = vec![0; self.axes.len()];
        for (c, a) in coords.iter_mut().zip(&self.axes).rev() {
            *c = rest % a.values.len();
            rest /= a.values.len();
        }
        coords
    }

    /// The point with the given value index on each axis.
    pub fn index(&self, coords: &[usize]) -> usize {
        coords
            .iter()
            .zip(&self.axes)
            .fold(0, |acc, (&c, a)| acc * a.values.len() + c)
    }

    /// The overrides of point `index`, one per axis.
    pub fn sets(&self, index: usize) -> Vec<String> {
        self.coords(index)
            .iter()
            .zip(&self.axes)
            .map(|(&c, a)| a.set(c))
            .collect()
    }

    /// The overrides of point `index`, parsed as `--vary` gave them (errors
    /// name that flag): they cannot fail, since [`Axis::parse`] checked each
    /// key with a value.
    pub fn overrides(&self, index: usize) -> Vec<Override> {
        self.sets(index)
            .iter()
            .map(|set| {
                Override::parse("--vary", set).expect("a grid's keys are checked when parsed")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(arg: &str) -> Vec<String> {
        Axis::parse(arg).unwrap().values
    }

    #[test]
    fn ranges_are_inclusive_and_free_of_float_noise() {
        let v = values("matcher.threshold=0.55:0.70:0.01");
        assert_eq!(v.len(), 16);
        assert_eq!(v[0], "0.55");
        assert_eq!(v[1], "0.56");
        assert_eq!(v[7], "0.62");
        assert_eq!(v[15], "0.70");
        assert_eq!(
            values("a.b=1000:5000:1000"),
            ["1000", "2000", "3000", "4000", "5000"]
        );
        assert_eq!(
            values("a.b=-0.1:0.1:0.05"),
            ["-0.10", "-0.05", "0.00", "0.05", "0.10"]
        );
        assert_eq!(values("a.b=0:1:0.3"), ["0.0", "0.3", "0.6", "0.9"]);
        assert_eq!(values("a.b=1:1:1"), ["1"]);
        assert_eq!(values("a.b=0:1e-3:2.5e-4").len(), 5);
        assert_eq!(values("a.b=0:1e-3:2.5e-4")[1], "0.00025");
        // Whole numbers are counted in integers, beyond 2^53 too.
        assert_eq!(
            values("simulation.seed=9007199254740993:9007199254740995:1"),
            ["9007199254740993", "9007199254740994", "9007199254740995"]
        );
        assert_eq!(values("a.b=-3:3:3"), ["-3", "0", "3"]);
        assert_eq!(values("a.b=+1:7:4"), ["1", "5"]);
    }

    #[test]
    fn lists_are_verbatim_and_split_only_at_top_level_commas() {
        assert_eq!(
            values("w.size=1000, 10000,100000"),
            ["1000", "10000", "100000"]
        );
        assert_eq!(
            values(r#"sites.0.active=["10:00-16:00","18:00-20:00"],["00:00-24:00"]"#),
            [r#"["10:00-16:00","18:00-20:00"]"#, r#"["00:00-24:00"]"#]
        );
        assert_eq!(
            values(r#"review.review_time={ dist = "exponential", mean = "45s" },30s"#),
            [r#"{ dist = "exponential", mean = "45s" }"#, "30s"]
        );
        assert_eq!(values("simulation.duration=12h"), ["12h"]);
    }

    #[test]
    fn bad_specs_are_errors_naming_the_flag() {
        for (arg, needle) in [
            ("matcher.threshold", "expected KEY.PATH="),
            ("matcher.threshold=0.5:0.7", "malformed range"),
            ("matcher.threshold=0.5:x:0.1", "malformed range"),
            ("matcher.threshold=0.5:0.7:0", "greater than 0"),
            ("matcher.threshold=0.5:0.7:-0.1", "greater than 0"),
            ("matcher.threshold=0.7:0.5:0.1", "below the start"),
            ("matcher.threshold=0:1:1e-9", "at most 100,000"),
            ("watchlist.size=1,,2", "empty value"),
            ("watchlist.size=", "empty value"),
            ("sites[x].cameras=1,2", "index"),
        ] {
            let e = Axis::parse(arg).unwrap_err().to_string();
            assert!(e.starts_with("--vary "), "{e}");
            assert!(e.contains(needle), "{arg}: {e}");
        }
        let twice = ["a.b=1,2".to_string(), "a.b=3".to_string()];
        assert!(
            Grid::parse(&twice)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let big = ["a.b=0:999:1".to_string(), "c.d=0:999:1".to_string()];
        assert!(
            Grid::parse(&big)
                .unwrap_err()
                .to_string()
                .contains("1,000,000 points")
        );
        assert!(Grid::parse(&[]).is_err());
    }

    #[test]
    fn points_are_numbered_first_axis_outermost() {
        let g = Grid::parse(&["a.x=1,2,3".into(), "b.y=p,q".into()]).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g.sets(0), ["a.x=1", "b.y=p"]);
        assert_eq!(g.sets(1), ["a.x=1", "b.y=q"]);
        assert_eq!(g.sets(5), ["a.x=3", "b.y=q"]);
        for i in 0..6 {
            assert_eq!(g.index(&g.coords(i)), i);
        }
    }
}
