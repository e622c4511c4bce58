//! `survsim check`: what a scenario implies before it runs — the matcher
//! and its calibration, each group's error rates, each site's load, and the
//! closed-form expectations per replication.
//!
//! [`Check::new`] computes every derived figure once (faces per day, the
//! expected [`Ratios`], operator utilisation, face shares, site loads); the
//! table and the JSON only lay them out.

use super::{Ratios, VarianceShares, expected_total};
use crate::format::{TABLE_WIDTH, fmt_num, fmt_pct, human_duration, truncate, wrap_text};
use crate::metrics::Metric;
use crate::model::DAY_S;
use crate::model::Expected;
use crate::model::RatesPer;
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// `survsim check` as a table.
pub fn check_table(scenario: &Scenario) -> String {
    Check::new(scenario).to_table()
}

/// A scenario's derived quantities, computed once for both renderings.
#[derive(Debug, Clone)]
pub struct Check<'a> {
    /// The scenario checked.
    pub scenario: &'a Scenario,
    /// Closed-form expectations per replication.
    pub expected: Expected,
    /// Expected faces captured per day.
    pub faces_per_day: f64,
    /// The [`Ratios`] of the expected totals (those without a closed form,
    /// such as the wrongful share of stops, are `None`).
    pub ratios: Ratios,
    /// Expected alerts × mean review time ÷ operator time available (with
    /// a schedule, each deployment's operators during it, and the
    /// scenario's over the run for alerts at sites it does not name).
    pub operator_utilisation: f64,
    /// Each group's expected share of all faces, in model order.
    pub face_shares: Vec<f64>,
    /// Each site's expected load, in model order.
    pub sites: Vec<SiteLoad>,
    /// Each group's per-comparison FMR at thresholds around the scenario's
    /// ([`FMR_CURVE_STEPS`] steps of 1 % of the score range each way):
    /// `(threshold, FMR per group in model order)`.
    pub fmr_curve: Vec<(f64, Vec<f64>)>,
    /// What each uncertain input contributes to the variance of one run's
    /// false alerts (`None` without uncertain inputs), or why it could not
    /// be computed.
    pub variance: Result<Option<VarianceShares>, String>,
}

/// A site's expected load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteLoad {
    /// Faces captured over the run.
    pub expected_faces: f64,
    /// The busiest hour of the clock (0–23).
    pub busiest_hour: usize,
    /// Faces expected in that hour on one day.
    pub busiest_hour_faces: f64,
}

impl<'a> Check<'a> {
    /// The derived quantities of `scenario`.
    pub fn new(scenario: &'a Scenario) -> Check<'a> {
        let m = &scenario.model;
        let expected = m.expected();
        let total = |metric: Metric| expected_total(&expected, metric);
        let alerts = total(Metric::Alerts).unwrap_or(0.0);
        let all_faces = expected.faces_captured.max(f64::MIN_POSITIVE);
        Check {
            scenario,
            faces_per_day: expected.faces_captured / (m.duration_s / DAY_S),
            ratios: Ratios::from_expected(&expected),
            operator_utilisation: alerts * m.review.review_time.mean_s()
                / operator_time_s(m, &expected, alerts),
            face_shares: expected
                .groups
                .iter()
                .map(|g| g.faces_captured / all_faces)
                .collect(),
            sites: m
                .sites
                .iter()
                .map(|s| SiteLoad {
                    expected_faces: s.expected_captures(m.duration_s),
                    busiest_hour: s.busiest_hour().0,
                    busiest_hour_faces: s.busiest_hour().1,
                })
                .collect(),
            variance: VarianceShares::of(scenario).map_err(|error| error.to_string()),
            fmr_curve: fmr_curve(m),
            expected,
        }
    }

    /// The table.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        self.matcher_section(&mut out);
        self.groups_section(&mut out);
        self.sites_section(&mut out);
        self.expected_section(&mut out);
        self.fmr_curve_section(&mut out);
        self.uncertainty_section(&mut out);
        out
    }

    /// Each group's FMR over thresholds, as a multiple of the reference
    /// group's: constant for multipliers, growing with the threshold for a
    /// shifted impostor tail. Up to 12 groups (the JSON has all).
    fn fmr_curve_section(&self, out: &mut String) {
        let m = &self.scenario.model;
        if m.groups.len() < 2 {
            return;
        }
        let reference = m.reference_group;
        let _ = write!(out, "\n{:<24}", "FMR × REFERENCE AT");
        for (threshold, _) in &self.fmr_curve {
            let _ = write!(
                out,
                "{:>10}",
                format!("{threshold:.4}").trim_end_matches('0')
            );
        }
        out.push('\n');
        for (g, group) in m.groups.iter().enumerate().take(12) {
            let _ = write!(out, "  {:<22}", truncate(&group.name, 21));
            for (_, fmr) in &self.fmr_curve {
                let ratio = fmr[g] / fmr[reference];
                let _ = write!(
                    out,
                    "{:>10}",
                    if ratio.is_finite() {
                        format!("{ratio:.2}×")
                    } else {
                        "-".into()
                    }
                );
            }
            out.push('\n');
        }
    }

    fn uncertainty_section(&self, out: &mut String) {
        let shares = match &self.variance {
            Ok(None) => return,
            Ok(Some(shares)) => shares,
            Err(error) => {
                let _ = writeln!(out, "\nUNCERTAIN INPUTS  (shares not computed: {error})");
                return;
            }
        };
        let head = format!(
            "UNCERTAIN INPUTS  share of the variance of one run's false alerts \
             (sd {}; one at a time, {} draws)",
            fmt_num(shares.total.sqrt(), 1),
            super::uncertainty::DRAWS
        );
        let _ = writeln!(out, "\n{}", wrap_text(&head, TABLE_WIDTH, "", "  "));
        for (input, share) in &shares.inputs {
            let row = format!(
                "  {:<44}{:>8}  {}",
                truncate(&input.key, 43),
                fmt_pct(*share),
                input.what
            );
            let _ = writeln!(out, "{}", wrap_text(&row, TABLE_WIDTH, "", &" ".repeat(56)));
        }
        let _ = writeln!(
            out,
            "  {:<44}{:>8}",
            "Monte Carlo noise",
            fmt_pct(shares.monte_carlo)
        );
        let _ = writeln!(
            out,
            "  {:<44}{:>8}",
            "interactions and curvature",
            fmt_pct(shares.remainder)
        );
    }

    fn matcher_section(&self, out: &mut String) {
        let m = &self.scenario.model;
        let _ = writeln!(
            out,
            "{} — {} (seed {}, {})\nscenario is valid.\n",
            m.name,
            self.scenario.source.name,
            m.seed,
            human_duration(m.duration_s)
        );
        let matcher = format!(
            "MATCHER  {}threshold {}, watchlist of {} entries, rates per {}",
            m.matcher_profile
                .as_ref()
                .map_or(String::new(), |p| format!("profile {p}, ")),
            m.matcher.threshold,
            fmt_num(m.matcher.watchlist_size as f64, 0),
            match m.rates_per {
                RatesPer::WalkPast => "walk past",
                RatesPer::SearchedFace => "searched face",
            },
        );
        let _ = writeln!(
            out,
            "{}\n  impostor scores N({:.5}, {:.5}²), genuine scores N({:.5}, {:.5}²)",
            wrap_text(&matcher, TABLE_WIDTH, "", "  "),
            m.matcher.impostor.mean,
            m.matcher.impostor.sd,
            m.matcher.genuine.mean,
            m.matcher.genuine.sd,
        );
        if m.calibration.is_empty() {
            return;
        }
        if m.posterior_draws > 0 {
            let _ = writeln!(
                out,
                "\n{:<12}{:>10}{:>10}{:>13}  record",
                "FITTED", "threshold", "watchlist", "rate"
            );
            for fit in &m.calibration {
                let _ = writeln!(
                    out,
                    "  {:<10}{:>10}{:>10}{:>13.4e}  {}",
                    fit.rate.name(),
                    fit.threshold,
                    fmt_num(fit.watchlist as f64, 0),
                    fit.fitted,
                    fit.source.as_deref().unwrap_or_default()
                );
            }
            let note = format!(
                "the matcher is fitted to published records (survsim fit): each replication \
                 takes one of its {} posterior draws, so one run's range carries what the \
                 records leave unknown; the rates above are the posterior mean's, where the \
                 records measured",
                m.posterior_draws
            );
            let _ = writeln!(out, "{}", wrap_text(&note, TABLE_WIDTH, "  ", "  "));
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<12}{:>10}{:>10}{:>13}{:>13}{:>10}  source",
            "CALIBRATION", "threshold", "watchlist", "published", "fitted", "residual"
        );
        // Sources are often sentences: numbered notes below the table.
        let mut notes = Vec::new();
        for fit in &m.calibration {
            // An assumed threshold is starred, and explained below.
            let threshold = format!(
                "{}{}",
                fit.threshold,
                if fit.threshold_assumed { "*" } else { "" }
            );
            let note = fit.source.as_deref().map_or(String::new(), |source| {
                notes.push(source);
                format!("[{}]", notes.len())
            });
            let row = format!(
                "  {:<10}{:>10}{:>10}{:>13.4e}{:>13.4e}{:>9.2} %  {note}",
                fit.rate.name(),
                threshold,
                fmt_num(fit.watchlist as f64, 0),
                fit.target,
                fit.fitted,
                100.0 * fit.relative_residual(),
            );
            let _ = writeln!(out, "{}", row.trim_end());
        }
        for (i, source) in notes.iter().enumerate() {
            let first = format!("  [{}] ", i + 1);
            let rest = " ".repeat(first.chars().count());
            let _ = writeln!(out, "{}", wrap_text(source, TABLE_WIDTH, &first, &rest));
        }
        if m.calibration.iter().any(|fit| fit.threshold_assumed) {
            let note = "the figure was published without the threshold it was measured at \
                        (threshold_assumed = true)";
            let _ = writeln!(
                out,
                "{}",
                wrap_text(note, TABLE_WIDTH, "  * threshold assumed: ", "    ")
            );
        }
    }

    fn groups_section(&self, out: &mut String) {
        // The name column is as wide as the longest name (cut at 16).
        let groups = &self.scenario.model.groups;
        let name_w = groups
            .iter()
            .map(|g| g.name.chars().count().min(16) + 1)
            .fold(5, usize::max);
        let _ = writeln!(
            out,
            "\n{:<name_w$}{:>11}{:>7}{:>8}{:>6}{:>10}{:>6}{:>8}{:>10}{:>7}{:>10}",
            "GROUP",
            "residents",
            "wanted",
            "faces %",
            "m",
            "FMR",
            "m′",
            "FNMR",
            "FPIR",
            "TPIR",
            "misident."
        );
        for (g, share) in groups.iter().zip(&self.face_shares) {
            let _ = writeln!(
                out,
                "{:<name_w$}{:>11}{:>7}{:>8.2}{:>6}{:>10.3e}{:>6}{:>8.4}{:>10.3e}{:>7.4}{:>10.3e}",
                truncate(&g.name, 16),
                fmt_num(g.residents as f64, 0),
                fmt_num(g.wanted as f64, 0),
                100.0 * share,
                multiplier(g.fmr_multiplier),
                g.search.fmr,
                multiplier(g.fnmr_multiplier),
                g.search.fnmr,
                g.search.fpir,
                g.search.tpir,
                g.search.misidentification
            );
        }
        let note = "per comparison: FMR = 1 − (1 − FMR₁)^m and FNMR = 1 − (1 − FNMR₁)^m′, \
                    FMR₁ and FNMR₁ being a multiplier-1 group's";
        let _ = writeln!(out, "{}", wrap_text(note, TABLE_WIDTH, "  ", "    "));
        let model = &self.scenario.model;
        if let Some((probability, _)) = &model.wanted_fraction {
            let note = format!(
                "wanted: {} people on average (watchlist.wanted_prevalence × residents): the {} \
                 above in every replication, and one more in {:.0} % of them",
                fmt_num(model.wanted_mean(), 2),
                model.wanted,
                100.0 * probability
            );
            let _ = writeln!(out, "{}", wrap_text(&note, TABLE_WIDTH, "  ", "    "));
        }
        if let Some(turnover) = &model.turnover {
            let arrivals = u64::from(turnover.arrivals);
            let removal = if turnover.mean_on_list_s.is_finite() {
                format!(
                    "each leaves the list after {} days on average (watchlist.time_on_list) \
                     unless arrested first",
                    fmt_num(turnover.mean_on_list_s / 86_400.0, 1)
                )
            } else {
                "none leaves the list but by arrest".to_string()
            };
            let note = format!(
                "wanted over the run: {} on the list at its start and {arrivals} added during \
                 it (watchlist.new_wanted_per_day), at uniform times; {removal}",
                u64::from(model.wanted).saturating_sub(arrivals)
            );
            let _ = writeln!(out, "{}", wrap_text(&note, TABLE_WIDTH, "  ", "    "));
        }
    }

    fn sites_section(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\n{:<24}{:>8}{:>18}{:>30}",
            "SITE", "cameras", "expected faces", "busiest hour: faces a day"
        );
        for (s, load) in self.scenario.model.sites.iter().zip(&self.sites) {
            let _ = writeln!(
                out,
                "{:<24}{:>8}{:>18}{:>30}",
                truncate(&s.name, 23),
                s.cameras,
                fmt_num(load.expected_faces, 0),
                format!(
                    "{:02}:00–{:02}:00: {}",
                    load.busiest_hour,
                    load.busiest_hour + 1,
                    fmt_num(load.busiest_hour_faces, 0)
                )
            );
        }
    }

    fn expected_section(&self, out: &mut String) {
        let e = &self.expected;
        let _ = writeln!(out, "\nEXPECTED PER REPLICATION");
        for (label, value, decimals) in [
            ("faces captured", e.faces_captured, 0),
            ("faces per day", self.faces_per_day, 0),
            ("distinct people scanned", e.people_scanned, 0),
            ("true alerts", e.true_alerts, 2),
            ("false alerts", e.false_alerts, 2),
            (
                "faces per true alert",
                self.ratios.faces_per_true_alert.unwrap_or(f64::NAN),
                0,
            ),
        ] {
            let _ = writeln!(out, "  {label:<32}{:>20}", fmt_num(value, decimals));
        }
        let _ = writeln!(
            out,
            "  {:<32}{:>20}",
            "alert precision",
            self.ratios
                .alert_precision
                .filter(|x| x.is_finite())
                .map_or("-".into(), fmt_pct)
        );
        let _ = writeln!(
            out,
            "  {:<32}{:>20}",
            "operator utilisation",
            fmt_pct(self.operator_utilisation)
        );
    }
}

/// A multiplier in a narrow column: at most three decimals, no trailing
/// zeros (`1`, `1.2`, `0.909`).
fn multiplier(m: f64) -> String {
    let s = format!("{m:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Steps each way of the FMR curve in `survsim check`.
pub const FMR_CURVE_STEPS: i32 = 2;

/// Each group's FMR at thresholds around the model's (steps of 1 % of the
/// score range, within it).
fn fmr_curve(m: &crate::model::Model) -> Vec<(f64, Vec<f64>)> {
    let matcher = &m.matcher;
    let step = 0.01 * (m.score_range[1] - m.score_range[0]);
    (-FMR_CURVE_STEPS..=FMR_CURVE_STEPS)
        .map(|i| matcher.threshold + f64::from(i) * step)
        .filter(|t| (m.score_range[0]..=m.score_range[1]).contains(t))
        .map(|t| {
            let fmr = m
                .groups
                .iter()
                .map(|g| matcher.group_fmr_at(t, g.score_shift, g.fmr_multiplier))
                .collect();
            (t, fmr)
        })
        .collect()
}

/// Operator-seconds available to review `alerts` expected alerts: each
/// deployment's crew during it, and the scenario's operators over the run
/// for the alerts no deployment raises.
fn operator_time_s(m: &crate::model::Model, expected: &crate::model::Expected, alerts: f64) -> f64 {
    let scheduled: f64 = expected
        .deployments
        .iter()
        .map(|d| d.true_alerts + d.false_alerts)
        .sum();
    let crews: f64 = m
        .deployments
        .iter()
        .map(|d| d.operators as f64 * (d.slot.end_s - d.slot.start_s))
        .sum();
    let unscheduled = alerts - scheduled > 1e-9 * alerts.max(1.0) || m.deployments.is_empty();
    crews
        + if unscheduled {
            m.duration_s * m.review.teams.total() as f64
        } else {
            0.0
        }
}
