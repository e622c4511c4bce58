//! Chart axes: a linear axis with round ticks, or a base-10 logarithmic one
//! when the data span two decades or more.

use crate::format::fmt_num;

/// A linear or base-10 logarithmic axis over `[min, max]` (exponents for log).
#[derive(Debug, Clone, Copy)]
pub(super) enum Scale {
    Linear { min: f64, max: f64, step: f64 },
    Log { min: f64, max: f64 },
}

impl Scale {
    /// Position in [0, 1], or `None` for a value a log axis cannot show.
    pub(super) fn frac(&self, v: f64) -> Option<f64> {
        match *self {
            Scale::Linear { min, max, .. } => Some((v - min) / (max - min)),
            Scale::Log { min, max } => (v > 0.0).then(|| (v.log10() - min) / (max - min)),
        }
    }

    pub(super) fn is_log(&self) -> bool {
        matches!(self, Scale::Log { .. })
    }

    pub(super) fn ticks(&self) -> Vec<(f64, String)> {
        match *self {
            Scale::Linear { min, max, step } => {
                let decimals = (-(step.log10() + 1e-9).floor()).max(0.0) as usize;
                let first = (min / step - 1e-9).ceil() as i64;
                let last = (max / step + 1e-9).floor() as i64;
                (first..=last)
                    .map(|k| {
                        let v = k as f64 * step;
                        (v, fmt_num(v, decimals))
                    })
                    .collect()
            }
            Scale::Log { min, max } => {
                let mults: &[f64] = if max - min <= 2.0 {
                    &[1.0, 2.0, 5.0]
                } else {
                    &[1.0]
                };
                let mut ticks = Vec::new();
                for e in min as i64..=max as i64 {
                    for &m in mults {
                        let v = m * 10f64.powi(e as i32);
                        if v.log10() <= max + 1e-9 {
                            ticks.push((v, fmt_num(v, (-e).max(0) as usize)));
                        }
                    }
                }
                ticks
            }
        }
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    p * if f < 1.5 {
        1.0
    } else if f < 3.0 {
        2.0
    } else if f < 7.0 {
        5.0
    } else {
        10.0
    }
}

/// Chooses an axis for `values` (the plotted estimates) that also spans
/// `extent` (interval bounds). `tight`: the ends are the data's own (an x
/// axis), otherwise rounded out to ticks and including 0 for non-negative
/// data. Returns the scale and how many values it cannot show.
pub(super) fn auto_scale(values: &[f64], extent: &[f64], tight: bool) -> (Scale, usize) {
    let positive: Vec<f64> = values.iter().copied().filter(|&v| v > 0.0).collect();
    let (pmin, pmax) = min_max(&positive);
    let all_positive = positive.len() == values.len();
    if positive.len() >= 2 && pmax / pmin >= 100.0 && (all_positive || !tight) {
        // Interval bounds may reach one decade below the smallest estimate;
        // lower ones are clipped (a band reaching 0 runs off the bottom).
        let lows = extent.iter().copied().filter(|&v| v > 0.0 && v < pmin);
        let low = lows.fold(pmin, f64::min).max(pmin / 10.0);
        let high = extent.iter().copied().fold(pmax, f64::max);
        let (min, mut max) = (low.log10().floor(), high.log10().ceil());
        if max <= min {
            max = min + 1.0;
        }
        return (Scale::Log { min, max }, values.len() - positive.len());
    }
    let all: Vec<f64> = values.iter().chain(extent).copied().collect();
    let (mut lo, mut hi) = if tight {
        min_max(values)
    } else {
        min_max(&all)
    };
    if values.is_empty() {
        (lo, hi) = (0.0, 1.0);
    }
    if !tight && values.iter().all(|&v| v >= 0.0) {
        lo = 0.0;
    }
    if hi - lo <= 0.0 {
        let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        (lo, hi) = if tight || lo < 0.0 {
            (lo - pad, hi + pad)
        } else {
            (lo, hi + pad)
        };
        if !tight && values.iter().all(|&v| v >= 0.0) {
            lo = lo.max(0.0);
        }
    }
    // Fewer ticks along x, whose labels are wider.
    let step = nice_step((hi - lo) / if tight { 4.0 } else { 5.0 });
    if !tight {
        lo = (lo / step + 1e-9).floor() * step;
        hi = (hi / step - 1e-9).ceil() * step;
    }
    (
        Scale::Linear {
            min: lo,
            max: hi,
            step,
        },
        0,
    )
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_ticks_are_round() {
        assert_eq!(nice_step(0.03), 0.05);
        assert_eq!(nice_step(0.16), 0.2);
        assert_eq!(nice_step(140.0), 100.0);
        let (s, _) = auto_scale(&[3.0, 47.0], &[1.0, 52.0], false);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0", "10", "20", "30", "40", "50", "60"]);
        let (s, hidden) = auto_scale(&[0.0, 2.0, 40.0, 9000.0], &[], false);
        assert!(s.is_log());
        assert_eq!(hidden, 1);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["1", "10", "100", "1,000", "10,000"]);
        let (s, _) = auto_scale(&[0.55, 0.6, 0.7], &[], true);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0.55", "0.60", "0.65", "0.70"]);
    }
}
