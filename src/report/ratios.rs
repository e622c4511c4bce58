//! Ratios of totals — the one definition of each, a row of [`RATIOS`] —
//! and their intervals: of the mean (delta method) and of one run
//! (quantiles).

use super::{expected_total, ratio};
use crate::metrics::{Metric, Outcome};
use crate::model::Expected;
use crate::stats::{RatioScale, prediction_interval95, ratio_ci95};

/// How a ratio is shown in the table: its value, the text when it is
/// undefined, and its interval's ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// "1 in N", N to the unit ("no true alert" when undefined).
    OneIn,
    /// A percentage ([`crate::format::fmt_pct`]).
    Percent,
    /// Four decimals.
    Decimals4,
}

/// One ratio's definition, a row of [`RATIOS`]: numerator ÷ denominator
/// of the totals, the numerator multiplied by `scale`.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// Key in JSON (`ratios`, `ratios_ci95`, `ratios_pi95`).
    pub key: &'static str,
    /// Label in the table.
    pub label: &'static str,
    /// The metric on top.
    pub numerator: Metric,
    /// The metric below.
    pub denominator: Metric,
    /// What the numerator is multiplied by (1000: per 1,000).
    pub scale: f64,
    /// The scale its confidence interval is computed on.
    pub interval: RatioScale,
    /// What a replication whose denominator is zero counts as in the
    /// prediction interval (`None`: it is left out).
    pub undefined_run: Option<f64>,
    /// How the table shows it.
    pub shown: Shown,
    /// Its value among [`Ratios`].
    pub value: fn(&Ratios) -> Option<f64>,
    /// Its interval among [`RatioIntervals`].
    pub within: fn(&RatioIntervals) -> Option<(f64, f64)>,
}

/// Defines the ratios once, as [`metrics!`](crate::metrics::metrics)
/// defines the counts: each ratio's field (its JSON key), label, numerator,
/// denominator, scale, interval scale, what an undefined run counts as,
/// and how the table shows it. It makes the [`Ratios`] and
/// [`RatioIntervals`] structs and the [`RATIOS`] table, which the ratios,
/// their intervals and every renderer that lists them (JSON, table)
/// iterate. Adding a ratio is a row here.
macro_rules! ratios {
    ($($(#[$doc:meta])* $field:ident => (
        $label:literal, $num:ident / $den:ident * $scale:literal,
        $interval:ident, undefined run: $undefined:expr, $shown:ident
    ),)*) => {
        /// Ratios over pooled totals ([`RATIOS`]); `None` where the
        /// denominator is zero.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Ratios {
            $($(#[$doc])* pub $field: Option<f64>,)*
        }

        /// 95 % intervals for the [`Ratios`], `(low, high)`, each around the
        /// pooled ratio of totals R = ΣY / ΣX of [`super::Report::ratios`].
        ///
        /// Each is the delta-method interval of a ratio of means
        /// ([`crate::stats::ratio_ci95`]): Var(R) ≈ s²_d / (n·X̄²) from the
        /// per-replication residuals d_r = Y_r − R·X_r, with Student's t on
        /// n − 1 degrees of freedom, computed on a scale that respects the
        /// support ([`Ratio::interval`]): ratios of positive totals on the
        /// log scale (so they stay positive), proportions by Korn and
        /// Graubard's effective-sample-size Clopper–Pearson interval (so they
        /// stay in [0, 1]). Every replication counts, including those with a
        /// zero denominator. An interval is `None` where the ratio is
        /// undefined (ΣX = 0) and with one replication, which gives no
        /// estimate of the variance between replications.
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct RatioIntervals {
            $($(#[$doc])* pub $field: Option<(f64, f64)>,)*
        }

        /// Every ratio, in report order.
        pub const RATIOS: &[Ratio] = &[$(Ratio {
            key: stringify!($field),
            label: $label,
            numerator: Metric::$num,
            denominator: Metric::$den,
            scale: $scale,
            interval: RatioScale::$interval,
            undefined_run: $undefined,
            shown: Shown::$shown,
            value: |r| r.$field,
            within: |r| r.$field,
        },)*];

        impl Ratios {
            /// The ratios, each given by `value` from its row of [`RATIOS`].
            fn from_rows(mut value: impl FnMut(&Ratio) -> Option<f64>) -> Ratios {
                let mut rows = RATIOS.iter();
                Ratios { $($field: value(rows.next().expect(stringify!($field))),)* }
            }
        }

        impl RatioIntervals {
            /// The intervals, each given by `within` from its row of [`RATIOS`].
            fn from_rows(mut within: impl FnMut(&Ratio) -> Option<(f64, f64)>) -> RatioIntervals {
                let mut rows = RATIOS.iter();
                RatioIntervals { $($field: within(rows.next().expect(stringify!($field))),)* }
            }
        }
    };
}

ratios! {
    /// Faces captured per true alert: the "1 in N" hit ratio.
    faces_per_true_alert => (
        "faces scanned per true alert", FacesCaptured / TrueAlerts * 1.0,
        Positive, undefined run: Some(f64::INFINITY), OneIn
    ),
    /// True alerts / all alerts.
    alert_precision => (
        "alert precision (true / all alerts)", TrueAlerts / Alerts * 1.0,
        Proportion, undefined run: None, Percent
    ),
    /// False alerts per 1,000 faces captured.
    false_alerts_per_1000_faces => (
        "false alerts per 1,000 faces", FalseAlerts / FacesCaptured * 1000.0,
        Positive, undefined run: None, Decimals4
    ),
    /// Wrongful stops / all stops.
    wrongful_stop_share => (
        "wrongful share of stops", WrongfulStops / Stops * 1.0,
        Proportion, undefined run: None, Percent
    ),
    /// Faces of wanted people that raised a true alert / faces of wanted
    /// people captured: the share of passes on which a wanted person was
    /// detected, as controlled trials report it ("detected on 76 % of
    /// passes").
    detection_per_pass => (
        "detected per pass of a wanted person", WantedFacesAlerted / WantedFacesCaptured * 1.0,
        Proportion, undefined run: None, Percent
    ),
}

impl Ratios {
    /// The ratios of a set of totals, `total(m)` being metric `m`'s total:
    /// pooled totals, or a single replication's counts. With
    /// [`Ratios::from_expected`], one definition of each ratio for
    /// simulated and closed-form totals alike.
    pub fn from_totals(total: impl Fn(Metric) -> f64) -> Ratios {
        Ratios::of(|m| Some(total(m)))
    }

    /// The ratios of the closed-form expectations ([`expected_total`]);
    /// `None` where a term has no closed form (the wrongful share of stops).
    pub fn from_expected(expected: &Expected) -> Ratios {
        Ratios::of(|m| expected_total(expected, m))
    }

    /// The ratios of totals that may be unknown (`None`).
    fn of(total: impl Fn(Metric) -> Option<f64>) -> Ratios {
        Ratios::from_rows(|row| {
            let numerator = total(row.numerator).map(|x| row.scale * x);
            numerator
                .zip(total(row.denominator))
                .and_then(|(n, d)| ratio(n, d))
        })
    }
}

impl RatioIntervals {
    /// The 95 % prediction intervals of one replication's ratios: the 2.5 %
    /// and 97.5 % quantiles of the ratios of each replication's own counts
    /// ([`Ratios::from_totals`], [`crate::stats::prediction_interval95`]).
    /// A replication without a true alert has infinitely many faces per true
    /// alert (so the interval may be unbounded above); one where a
    /// proportion is undefined (no alert, no stop) is left out of it
    /// ([`Ratio::undefined_run`]).
    pub fn predictions(outcomes: &[Outcome]) -> RatioIntervals {
        let per_rep: Vec<Ratios> = outcomes
            .iter()
            .map(|o| Ratios::from_totals(|m| o.counts[m] as f64))
            .collect();
        RatioIntervals::from_rows(|row| {
            let values: Vec<f64> = per_rep
                .iter()
                .filter_map(|r| (row.value)(r).or(row.undefined_run))
                .collect();
            prediction_interval95(&values)
        })
    }

    /// The intervals over `outcomes`, in replication order.
    pub fn new(outcomes: &[Outcome]) -> RatioIntervals {
        let per_rep = |m: Metric, scale: f64| -> Vec<f64> {
            outcomes
                .iter()
                .map(|o| scale * o.counts[m] as f64)
                .collect()
        };
        RatioIntervals::from_rows(|row| {
            let (y, x) = (
                per_rep(row.numerator, row.scale),
                per_rep(row.denominator, 1.0),
            );
            ratio_ci95(&y, &x, row.interval).map(|(_, lo, hi)| (lo, hi))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row reads its own field: with every total different, each
    /// ratio is its numerator × scale ÷ denominator and no other.
    #[test]
    fn each_row_is_its_own_ratio() {
        let total = |m: Metric| 3.0 + Metric::ALL.iter().position(|&x| x == m).unwrap() as f64;
        let ratios = Ratios::from_totals(total);
        let mut keys = Vec::new();
        for row in RATIOS {
            let expected = row.scale * total(row.numerator) / total(row.denominator);
            assert_eq!((row.value)(&ratios), Some(expected), "{}", row.key);
            keys.push(row.key);
        }
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), RATIOS.len(), "keys are unique");
    }

    /// An interval row reads its own field too.
    #[test]
    fn each_row_is_its_own_interval() {
        let mut n = 0.0;
        let intervals = RatioIntervals::from_rows(|_| {
            n += 1.0;
            Some((n, n + 0.5))
        });
        for (i, row) in RATIOS.iter().enumerate() {
            let n = i as f64 + 1.0;
            assert_eq!((row.within)(&intervals), Some((n, n + 0.5)), "{}", row.key);
        }
    }
}
