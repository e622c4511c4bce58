//! The grid of a sweep: `--vary KEY=START:STOP:STEP` or `--vary KEY=A,B,C`,
//! keys varied together (`--vary 'KEY1,KEY2=A1,A2;B1,B2'`), and the
//! Cartesian product of the varied axes.
//!
//! A grid point is a list of `--set` overrides (`key.path=value`), parsed and
//! applied exactly as `survsim run --set` does. Points are numbered from 0 in
//! the order of the product, the first `--vary` outermost (it changes
//! slowest), so point numbers do not depend on anything but the flags.

use crate::error::InputError;
use crate::scenario::Override;
use serde_json::{Value, json};

/// Most points a sweep may have (and most values one `--vary` may expand to).
pub const MAX_POINTS: u64 = 100_000;

/// One `--vary`: a key and its values, or several keys varied together
/// (linked), each value of the axis giving every key its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// The key paths, as given (`matcher.threshold`; for linked keys
    /// `watchlist.size` and `watchlist.wanted_present`).
    pub keys: Vec<String>,
    /// The values as given after `=` (`0.55:0.70:0.01`, `1000,10000`,
    /// `1000,2;10000,20`).
    pub spec: String,
    /// The axis' values, each one value per key, as `--set` would take them
    /// (`["0.55"]`, `["0.56"]`, …; `["1000", "2"]`, `["10000", "20"]`).
    pub values: Vec<Vec<String>>,
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
    ///
    /// Keys separated by commas are linked: `KEY1,KEY2=A1,A2;B1,B2` varies
    /// them together, the points separated by `;` and each point giving one
    /// value per key, in order.
    pub fn parse(arg: &str) -> Result<Axis, InputError> {
        // (`0.56-0.64`, a range written with a dash, is refused with the
        // form a range takes: see [`dash_range`].)
        let bad = |msg: String| InputError::whole(format!("--vary {arg}"), msg);
        let (keys, spec) = arg.split_once('=').ok_or_else(|| {
            bad(
                "expected KEY.PATH=START:STOP:STEP, KEY.PATH=A,B,C or, for keys varied \
                 together, KEY1,KEY2=A1,A2;B1,B2, e.g. matcher.threshold=0.55:0.70:0.01"
                    .into(),
            )
        })?;
        let keys: Vec<String> = top_level(keys, ',')
            .into_iter()
            .map(|k| k.trim().to_string())
            .collect();
        for (i, key) in keys.iter().enumerate() {
            // The key must be a well-formed `--set` path; whether the
            // scenario has it is checked when the points are loaded.
            format!("{key}=0")
                .parse::<Override>()
                .map_err(|e| bad(format!("key `{key}`: {}", e.message)))?;
            if keys[..i].contains(key) {
                return Err(bad(format!("the key `{key}` is linked to itself")));
            }
        }
        let spec = spec.trim();
        let values = if keys.len() > 1 {
            linked(spec, keys.len()).map_err(bad)?
        } else if top_level(spec, ':').len() > 1 && top_level(spec, ',').len() == 1 {
            range(spec)
                .map_err(bad)?
                .into_iter()
                .map(|v| vec![v])
                .collect()
        } else {
            if let Some(hint) = dash_range(spec) {
                return Err(bad(hint));
            }
            let items = top_level(spec, ',');
            if items.iter().any(|v| v.trim().is_empty()) {
                return Err(bad(
                    "empty value in the list; expected values separated by commas, e.g. 1000,10000"
                        .into(),
                ));
            }
            items
                .into_iter()
                .map(|v| vec![v.trim().to_string()])
                .collect()
        };
        Ok(Axis {
            keys,
            spec: spec.to_string(),
            values,
        })
    }

    /// Whether several keys are varied together.
    pub fn is_linked(&self) -> bool {
        self.keys.len() > 1
    }

    /// The keys as `--vary` gives them: `watchlist.size,watchlist.wanted_present`.
    pub fn key(&self) -> String {
        self.keys.join(",")
    }

    /// A heading for the axis: its key, or the first linked key with the
    /// others in brackets (`watchlist.size (with watchlist.wanted_present)`).
    pub fn title(&self) -> String {
        match &self.keys[..] {
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} (with {})", rest.join(", ")),
            [] => String::new(),
        }
    }

    /// The `i`-th value as a label: the value, or the linked values joined
    /// by `, `.
    pub fn label(&self, i: usize) -> String {
        self.values[i].join(", ")
    }

    /// Every value's label ([`Axis::label`]).
    pub fn labels(&self) -> Vec<String> {
        (0..self.values.len()).map(|i| self.label(i)).collect()
    }

    /// The overrides that set the keys to the `i`-th value.
    pub fn sets(&self, i: usize) -> Vec<String> {
        self.keys
            .iter()
            .zip(&self.values[i])
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// The first key's values as numbers, if every one is a finite number.
    pub fn numeric(&self) -> Option<Vec<f64>> {
        self.values
            .iter()
            .map(|v| v[0].parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect()
    }

    /// The axis in a manifest or `results.json`: `key` and `values` (a
    /// list of values) for one key, as before linked keys existed; `keys`
    /// and `values` (a list of lists) for linked ones.
    pub fn to_json(&self) -> Value {
        if self.is_linked() {
            json!({ "keys": self.keys, "spec": self.spec, "values": self.values })
        } else {
            let values: Vec<&String> = self.values.iter().map(|v| &v[0]).collect();
            json!({ "key": self.keys[0], "spec": self.spec, "values": values })
        }
    }

    /// The axis of [`Axis::to_json`]'s value.
    pub fn from_json(v: &Value) -> Option<Axis> {
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        let (keys, values) = match v.get("keys") {
            Some(keys) => (
                strings(keys)?,
                v["values"]
                    .as_array()?
                    .iter()
                    .map(strings)
                    .collect::<Option<Vec<_>>>()?,
            ),
            None => (
                vec![v["key"].as_str()?.to_string()],
                strings(&v["values"])?
                    .into_iter()
                    .map(|x| vec![x])
                    .collect(),
            ),
        };
        let well_formed =
            !keys.is_empty() && !values.is_empty() && values.iter().all(|v| v.len() == keys.len());
        well_formed.then(|| Axis {
            keys,
            spec: v["spec"].as_str().unwrap_or_default().to_string(),
            values,
        })
    }
}

/// Linked keys' points: `A1,A2;B1,B2` → `[[A1, A2], [B1, B2]]`, each with
/// one value per key.
fn linked(spec: &str, keys: usize) -> Result<Vec<Vec<String>>, String> {
    let points = top_level(spec, ';');
    if points.len() as u64 > MAX_POINTS {
        return Err(format!(
            "{} points; at most {} are allowed",
            crate::format::fmt_num(points.len() as f64, 0),
            crate::format::fmt_num(MAX_POINTS as f64, 0)
        ));
    }
    points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let values: Vec<String> = top_level(point, ',')
                .into_iter()
                .map(|v| v.trim().to_string())
                .collect();
            let problem = if values.iter().any(String::is_empty) {
                "an empty value".to_string()
            } else if values.len() != keys {
                let n = values.len();
                format!("{n} value{} for {keys} keys", if n == 1 { "" } else { "s" })
            } else {
                return Ok(values);
            };
            Err(format!(
                "point {} (`{}`) has {problem}; expected one value per linked key, the \
                 points separated by `;`, e.g. watchlist.size,watchlist.wanted_present=1000,2;10000,20",
                i + 1,
                point.trim(),
            ))
        })
        .collect()
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
            let earlier = |k: &String| axes[..i].iter().any(|b| b.keys.contains(k));
            if let Some(key) = a.keys.iter().find(|k| earlier(k)) {
                return Err(InputError::whole(
                    format!("--vary {}={}", a.key(), a.spec),
                    format!("the key `{key}` is varied twice"),
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

    /// The overrides of point `index`, one per varied key, in `--vary`
    /// order.
    pub fn sets(&self, index: usize) -> Vec<String> {
        self.coords(index)
            .iter()
            .zip(&self.axes)
            .flat_map(|(&c, a)| a.sets(c))
            .collect()
    }

    /// Every varied key with its value at point `index`, in `--vary` order.
    pub fn values(&self, index: usize) -> Vec<(&str, &str)> {
        self.coords(index)
            .iter()
            .zip(&self.axes)
            .flat_map(|(&c, a)| {
                a.keys
                    .iter()
                    .map(String::as_str)
                    .zip(a.values[c].iter().map(String::as_str))
            })
            .collect()
    }

    /// Every varied key, in `--vary` order (linked keys one by one).
    pub fn keys(&self) -> Vec<&str> {
        self.axes
            .iter()
            .flat_map(|a| a.keys.iter().map(String::as_str))
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

/// Why `0.56-0.64` is not a range, with the form a range takes: two numbers
/// joined by a dash would otherwise be one string value, which no numeric
/// key takes. `None` for anything else.
fn dash_range(spec: &str) -> Option<String> {
    let (start, stop) = spec.split_once('-').filter(|(a, _)| !a.is_empty())?;
    let (a, b) = (
        start.trim().parse::<f64>().ok()?,
        stop.trim().parse::<f64>().ok()?,
    );
    let step = (b - a).abs() / 8.0;
    let step = if step > 0.0 {
        let unit = 10f64.powf(step.log10().floor());
        format!("{}", (step / unit).round() * unit)
    } else {
        "1".into()
    };
    let step: f64 = step.parse().unwrap_or(1.0);
    Some(format!(
        "`{spec}` is not a range: a range is START:STOP:STEP, e.g. {}:{}:{} (or list the \
         values: A,B,C)",
        start.trim(),
        stop.trim(),
        (step * 1e9).round() / 1e9
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_with_a_dash_points_to_start_stop_step() {
        let e = Axis::parse("matcher.threshold=0.56-0.64").unwrap_err();
        assert!(
            e.message
                .contains("is not a range: a range is START:STOP:STEP, e.g. 0.56:0.64:0.01"),
            "{}",
            e.message
        );
        // Strings with dashes are values still.
        assert!(Axis::parse("simulation.name=a-b,c-d").is_ok());
        assert!(Axis::parse("simulation.duration=1h,2h").is_ok());
    }

    fn values(arg: &str) -> Vec<String> {
        Axis::parse(arg).unwrap().labels()
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
    fn linked_keys_take_one_value_each_per_point() {
        let a = Axis::parse("watchlist.size, watchlist.wanted_present=1000,2; 10000,20").unwrap();
        assert_eq!(a.keys, ["watchlist.size", "watchlist.wanted_present"]);
        assert_eq!(a.values, [["1000", "2"], ["10000", "20"]]);
        assert_eq!(
            a.sets(1),
            ["watchlist.size=10000", "watchlist.wanted_present=20"]
        );
        assert_eq!(a.title(), "watchlist.size (with watchlist.wanted_present)");
        assert_eq!(a.numeric(), Some(vec![1000.0, 10000.0]));
        // Values keep their commas inside brackets and quotes.
        let a = Axis::parse(r#"a.b,c.d=[1,2],"x;y";[3],"z""#).unwrap();
        assert_eq!(a.values, [["[1,2]", r#""x;y""#], ["[3]", r#""z""#]]);
        // The manifest form is read back.
        assert_eq!(Axis::from_json(&a.to_json()), Some(a));
        let one = Axis::parse("m.t=0.5,0.6").unwrap();
        assert_eq!(
            one.to_json(),
            json!({ "key": "m.t", "spec": "0.5,0.6", "values": ["0.5", "0.6"] })
        );
        assert_eq!(Axis::from_json(&one.to_json()), Some(one));
        for (arg, needle) in [
            ("a.b,c.d=1,2;3", "point 2 (`3`) has 1 value for 2 keys"),
            ("a.b,c.d=1,2,3", "point 1 (`1,2,3`) has 3 values for 2 keys"),
            ("a.b,c.d=1,2;", "point 2 (``) has an empty value"),
            ("a.b,a.b=1,2", "linked to itself"),
        ] {
            let e = Axis::parse(arg).unwrap_err().to_string();
            assert!(e.starts_with(&format!("--vary {arg}: ")), "{e}");
            assert!(e.contains(needle), "{arg}: {e}");
        }
        let twice = ["a.b,c.d=1,2".to_string(), "c.d=3".to_string()];
        let e = Grid::parse(&twice).unwrap_err().to_string();
        assert!(e.contains("`c.d` is varied twice"), "{e}");
    }

    #[test]
    fn a_grid_of_linked_and_single_keys() {
        let g = Grid::parse(&["a.x,a.y=1,2;3,4".into(), "b.z=p,q".into()]).unwrap();
        assert_eq!(g.len(), 4);
        assert_eq!(g.keys(), ["a.x", "a.y", "b.z"]);
        assert_eq!(g.sets(2), ["a.x=3", "a.y=4", "b.z=p"]);
        assert_eq!(g.values(1), [("a.x", "1"), ("a.y", "2"), ("b.z", "q")]);
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
