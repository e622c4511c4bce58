//! Ratios of totals — the one definition of each — and their intervals:
//! of the mean (delta method) and of one run (quantiles).

use super::{expected_total, ratio};
use crate::metrics::{Metric, Outcome};
use crate::model::Expected;
use crate::stats::{RatioScale, prediction_interval95, ratio_ci95};

/// Ratios over pooled totals; `None` where the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// Faces captured per true alert: the "1 in N" hit ratio.
    pub faces_per_true_alert: Option<f64>,
    /// True alerts / all alerts.
    pub alert_precision: Option<f64>,
    /// False alerts per 1,000 faces captured.
    pub false_alerts_per_1000_faces: Option<f64>,
    /// Wrongful stops / all stops.
    pub wrongful_stop_share: Option<f64>,
    /// Faces of wanted people that raised a true alert / faces of wanted
    /// people captured: the share of passes on which a wanted person was
    /// detected, as controlled trials report it ("detected on 76 % of
    /// passes").
    pub detection_per_pass: Option<f64>,
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
        let ratio =
            |num: Option<f64>, den: Option<f64>| num.zip(den).and_then(|(n, d)| ratio(n, d));
        let scaled = |k: f64, m: Metric| total(m).map(|x| k * x);
        Ratios {
            faces_per_true_alert: ratio(total(Metric::FacesCaptured), total(Metric::TrueAlerts)),
            alert_precision: ratio(total(Metric::TrueAlerts), total(Metric::Alerts)),
            false_alerts_per_1000_faces: ratio(
                scaled(1000.0, Metric::FalseAlerts),
                total(Metric::FacesCaptured),
            ),
            wrongful_stop_share: ratio(total(Metric::WrongfulStops), total(Metric::Stops)),
            detection_per_pass: ratio(
                total(Metric::WantedFacesAlerted),
                total(Metric::WantedFacesCaptured),
            ),
        }
    }
}

/// 95 % intervals for the [`Ratios`], `(low, high)`, each around the pooled
/// ratio of totals R = ΣY / ΣX of [`super::Report::ratios`].
///
/// Each is the delta-method interval of a ratio of means
/// ([`crate::stats::ratio_ci95`]): Var(R) ≈ s²_d / (n·X̄²) from the
/// per-replication residuals d_r = Y_r − R·X_r, with Student's t on n − 1
/// degrees of freedom, computed on a scale that respects the support:
/// `faces_per_true_alert` and `false_alerts_per_1000_faces` on the log
/// scale (so they stay positive), `alert_precision`, `wrongful_stop_share`
/// and `detection_per_pass` as proportions by Korn and Graubard's
/// effective-sample-size Clopper–Pearson interval (so they stay in [0, 1]).
/// Every replication counts, including those with a zero denominator. An
/// interval is `None` where the ratio is undefined (ΣX = 0) and with one
/// replication, which gives no estimate of the variance between
/// replications.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RatioIntervals {
    /// Interval of faces captured per true alert.
    pub faces_per_true_alert: Option<(f64, f64)>,
    /// Interval of true alerts / all alerts.
    pub alert_precision: Option<(f64, f64)>,
    /// Interval of false alerts per 1,000 faces.
    pub false_alerts_per_1000_faces: Option<(f64, f64)>,
    /// Interval of wrongful stops / all stops.
    pub wrongful_stop_share: Option<(f64, f64)>,
    /// Interval of the detection rate per pass of a wanted person.
    pub detection_per_pass: Option<(f64, f64)>,
}

impl RatioIntervals {
    /// The 95 % prediction intervals of one replication's ratios: the 2.5 %
    /// and 97.5 % quantiles of the ratios of each replication's own counts
    /// ([`Ratios::from_totals`], [`crate::stats::prediction_interval95`]).
    /// A replication without a true alert has infinitely many faces per true
    /// alert (so the interval may be unbounded above); one where a
    /// proportion is undefined (no alert, no stop) is left out of it.
    pub fn predictions(outcomes: &[Outcome]) -> RatioIntervals {
        let per_rep: Vec<Ratios> = outcomes
            .iter()
            .map(|o| Ratios::from_totals(|m| o.counts[m] as f64))
            .collect();
        let interval = |ratio: fn(&Ratios) -> Option<f64>, undefined: Option<f64>| {
            let values: Vec<f64> = per_rep
                .iter()
                .filter_map(|r| ratio(r).or(undefined))
                .collect();
            prediction_interval95(&values)
        };
        RatioIntervals {
            faces_per_true_alert: interval(|r| r.faces_per_true_alert, Some(f64::INFINITY)),
            alert_precision: interval(|r| r.alert_precision, None),
            false_alerts_per_1000_faces: interval(|r| r.false_alerts_per_1000_faces, None),
            wrongful_stop_share: interval(|r| r.wrongful_stop_share, None),
            detection_per_pass: interval(|r| r.detection_per_pass, None),
        }
    }

    /// The intervals over `outcomes`, in replication order.
    pub fn new(outcomes: &[Outcome]) -> RatioIntervals {
        let per_rep = |m: Metric, scale: f64| -> Vec<f64> {
            outcomes
                .iter()
                .map(|o| scale * o.counts[m] as f64)
                .collect()
        };
        let interval = |y: Vec<f64>, x: Vec<f64>, scale: RatioScale| {
            ratio_ci95(&y, &x, scale).map(|(_, lo, hi)| (lo, hi))
        };
        RatioIntervals {
            faces_per_true_alert: interval(
                per_rep(Metric::FacesCaptured, 1.0),
                per_rep(Metric::TrueAlerts, 1.0),
                RatioScale::Positive,
            ),
            alert_precision: interval(
                per_rep(Metric::TrueAlerts, 1.0),
                per_rep(Metric::Alerts, 1.0),
                RatioScale::Proportion,
            ),
            false_alerts_per_1000_faces: interval(
                per_rep(Metric::FalseAlerts, 1000.0),
                per_rep(Metric::FacesCaptured, 1.0),
                RatioScale::Positive,
            ),
            wrongful_stop_share: interval(
                per_rep(Metric::WrongfulStops, 1.0),
                per_rep(Metric::Stops, 1.0),
                RatioScale::Proportion,
            ),
            detection_per_pass: interval(
                per_rep(Metric::WantedFacesAlerted, 1.0),
                per_rep(Metric::WantedFacesCaptured, 1.0),
                RatioScale::Proportion,
            ),
        }
    }
}
