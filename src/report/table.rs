//! The human-readable table of a [`Report`], section by section: header,
//! funnel, ratios, groups, exposure, equity, latency and matcher pools.
//! Every figure comes from the report; this module only lays it out.

use super::deployments::DEPLOYMENT_COLUMNS;
use super::ratios::{RATIOS, Shown};
use super::{MIN_REPS_FOR_PI95, Report, Stat, expected_total};
use crate::format::{fmt_ms, fmt_num, fmt_pct, human_duration, truncate};
use crate::metrics::{GroupMetric, Metric};
use std::fmt::Write as _;

impl Report {
    /// The human-readable table.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        self.header_section(&mut out);
        self.funnel_section(&mut out);
        self.ratios_section(&mut out);
        self.groups_section(&mut out);
        self.deployments_section(&mut out);
        self.exposure_section(&mut out);
        self.equity_section(&mut out);
        self.latency_section(&mut out);
        self.pools_section(&mut out);
        out
    }

    /// Decimals of a mean per replication: one when it averages several.
    fn mean_decimals(&self) -> usize {
        if self.replications > 1 { 1 } else { 0 }
    }

    fn header_section(&self, out: &mut String) {
        let reps = self.replications;
        let _ = writeln!(
            out,
            "survsim {} — {} (seed {}, {}, {} replication{}, {} engine)",
            env!("CARGO_PKG_VERSION"),
            self.name,
            self.seed,
            human_duration(self.duration_s),
            reps,
            if reps == 1 { "" } else { "s" },
            self.engine
        );
        let _ = writeln!(out, "scenario: {}", self.source);
        for o in &self.overrides {
            let _ = writeln!(out, "  --set {o}");
        }
        if !self.uncertain_inputs.is_empty() {
            let _ = writeln!(
                out,
                "uncertain inputs, {}:",
                if self.parameters_drawn {
                    "drawn afresh for each replication"
                } else {
                    "held at their nominal values (--fixed-parameters)"
                }
            );
            for input in &self.uncertain_inputs {
                let _ = writeln!(out, "  {}: {}", input.key, input.what);
            }
        }
    }

    /// Every run-wide metric beside its closed-form expectation.
    fn funnel_section(&self, out: &mut String) {
        let reps = self.replications;
        let head = if reps > 1 {
            "mean ± 95% CI"
        } else {
            "simulated"
        };
        let predicted = reps >= MIN_REPS_FOR_PI95 as u64;
        // Arrests execute warrants, which removes true alerts (and wanted
        // people's faces) the closed form counts: it is then an upper
        // bound, and says so.
        let bound = |m: Metric| {
            let upper = self.expected.true_alerts_is_upper_bound;
            let wanted_faces = [
                Metric::TrueAlerts,
                Metric::WantedFacesCaptured,
                Metric::WantedFacesAlerted,
            ];
            if upper && wanted_faces.contains(&m) {
                "≤ "
            } else {
                ""
            }
        };
        // Each row's cells first: the expected and range columns widen past
        // their usual width when a figure needs it (a year's faces run to
        // 15 digits), so that they never run into the column before. (The
        // label's padding gives a wide simulated figure its room.)
        let rows: Vec<(Metric, [String; 4])> = Metric::ALL
            .iter()
            .zip(&self.totals)
            .filter(|(m, _)| self.has_pipeline() || !PIPELINE_ONLY.contains(m))
            .map(|(&m, s)| {
                let expected = expected_total(&self.expected, m)
                    .map_or(String::new(), |e| format!("{}{}", bound(m), fmt_num(e, 1)));
                let range = s.pi95.map_or(String::new(), |(lo, hi)| {
                    // Whole numbers where a decimal adds nothing but width.
                    let d = |x: f64| if x.abs() >= 100.0 { 0 } else { 1 };
                    format!("[{}, {}]", fmt_num(lo, d(lo)), fmt_num(hi, d(hi)))
                });
                let label = format!("{}{}", indent(m), m.label());
                (m, [label, fmt_stat(s, reps), expected, range])
            })
            .collect();
        let width = |column: usize, usual: usize| {
            rows.iter()
                .map(|(_, cells)| cells[column].chars().count() + 2)
                .fold(usual, usize::max)
        };
        let (w_stat, w_expected, w_range) = (24, width(2, 16), width(3, 26));
        let _ = write!(
            out,
            "\n{:<34}{:>w_stat$}{:>w_expected$}",
            "FUNNEL", head, "expected"
        );
        if predicted {
            let _ = write!(out, "{:>w_range$}", "one run: 95 % range");
        }
        out.push('\n');
        for (m, [label, stat, expected, range]) in &rows {
            if *m == Metric::WantedPresent {
                let _ = writeln!(out, "\nWANTED PEOPLE");
            }
            let line =
                format!("{label:<34}{stat:>w_stat$}{expected:>w_expected$}{range:>w_range$}");
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }

    fn ratios_section(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\n{:<40}{:>14}{}",
            "RATIOS",
            "pooled",
            if self.replications > 1 {
                "  [95 % CI]"
            } else {
                ""
            }
        );
        let r = &self.ratios;
        let (c, p) = (&self.ratios_ci95, &self.ratios_pi95);
        // The confidence interval, then (with enough replications) the
        // range of one run; an unbounded end is "∞".
        let with_ci = |label: &str,
                       v: String,
                       ci: Option<(f64, f64)>,
                       pi: Option<(f64, f64)>,
                       f: &dyn Fn(f64) -> String| {
            let f = |x: f64| if x.is_finite() { f(x) } else { "∞".into() };
            let mut s = format!("  {label:<38}{v:>14}");
            if let Some((lo, hi)) = ci {
                let _ = write!(s, "  [{}, {}]", f(lo), f(hi));
            }
            if let Some((lo, hi)) = pi {
                let _ = write!(s, "  one run [{}, {}]", f(lo), f(hi));
            }
            s + "\n"
        };
        for row in RATIOS {
            let ends: &dyn Fn(f64) -> String = match row.shown {
                Shown::OneIn => &|v| fmt_num(v, 0),
                Shown::Percent => &fmt_pct,
                Shown::Decimals4 => &|v| format!("{v:.4}"),
            };
            let value = match ((row.value)(r), row.shown) {
                (Some(v), Shown::OneIn) => format!("1 in {}", fmt_num(v, 0)),
                (Some(v), _) => ends(v),
                (None, Shown::OneIn) => "no true alert".into(),
                (None, _) => "-".into(),
            };
            *out += &with_ci(row.label, value, (row.within)(c), (row.within)(p), ends);
        }
        out.truncate(out.trim_end().len());
        if let Some(expected) = self.expected_ratios.detection_per_pass {
            let about = if self.expected.detection_per_pass_is_exact {
                ""
            } else {
                "≈ "
            };
            out.push('\n');
            let _ = write!(
                out,
                "  {:<38}{:>14}",
                "  expected (closed form)",
                format!("{about}{}", fmt_pct(expected))
            );
        }
        out.push('\n');
    }

    /// The width of the group-name column: the longest name (up to 24
    /// characters, the rest cut) and a space, at least that of "GROUP".
    fn name_width(&self) -> usize {
        let longest = self.groups.iter().map(|g| g.name.chars().count()).max();
        longest.unwrap_or(0).clamp(6, 24) + 1
    }

    fn groups_section(&self, out: &mut String) {
        let w = self.name_width();
        let _ = writeln!(
            out,
            "\n{:<w$}{:>11}{:>12}{:>10}{:>11}{:>11}{:>10}{:>10}{:>9}",
            "GROUP",
            "residents",
            "faces",
            "true al.",
            "false al.",
            "per 1k f.",
            "vs lowest",
            "wr. stops",
            "f. arr."
        );
        let decimals = self.mean_decimals();
        for g in &self.groups {
            let mean = |m: GroupMetric| fmt_num(g.mean(m), decimals);
            let _ = writeln!(
                out,
                "{:<w$}{:>11}{:>12}{:>10}{:>11}{:>11}{:>10}{:>10}{:>9}",
                truncate(&g.name, w - 1),
                fmt_num(g.residents as f64, 0),
                mean(GroupMetric::FacesCaptured),
                mean(GroupMetric::TrueAlerts),
                mean(GroupMetric::FalseAlerts),
                g.false_alerts_per_1000_faces
                    .map_or("-".into(), |v| format!("{v:.4}")),
                g.false_alert_rate_vs_lowest
                    .map_or("-".into(), |v| format!("{v:.2}×")),
                mean(GroupMetric::WrongfulStops),
                mean(GroupMetric::FalseArrests),
            );
        }
    }

    /// One line per deployment of a schedule: when, what it searched
    /// with, and its counts (means over replications).
    fn deployments_section(&self, out: &mut String) {
        if self.deployments.is_empty() {
            return;
        }
        let _ = write!(
            out,
            "\n{:<22}{:>5}{:>13}{:>8}{:>6}",
            "DEPLOYMENT", "day", "hours", "list", "thr."
        );
        for c in DEPLOYMENT_COLUMNS {
            let _ = write!(out, "{:>w$}", c.short, w = c.width);
        }
        out.push('\n');
        let decimals = self.mean_decimals();
        for d in &self.deployments {
            let mean = |m: Metric| fmt_num(d.mean(m).unwrap_or(f64::NAN), decimals);
            let _ = write!(
                out,
                "{:<22}{:>5}{:>13}{:>8}{:>6}",
                truncate(&d.name, 21),
                d.day,
                d.hours(),
                fmt_num(d.watchlist_size as f64, 0),
                format!("{:.2}", d.threshold),
            );
            for c in DEPLOYMENT_COLUMNS {
                let _ = write!(out, "{:>w$}", mean(c.metric), w = c.width);
            }
            out.push('\n');
            // Several lists: each one's alerts under the deployment's.
            for list in &d.lists {
                let _ = writeln!(
                    out,
                    "{:<40}{:>8}{:>6}{:>11}{:>9}{:>10}",
                    format!("  list {}", truncate(&list.name, 32)),
                    fmt_num(list.size as f64, 0),
                    format!("{:.2}", list.threshold),
                    "",
                    fmt_num(list.true_alerts.mean, decimals),
                    fmt_num(list.false_alerts.mean, decimals),
                );
            }
        }
    }

    fn exposure_section(&self, out: &mut String) {
        let x = &self.exposure;
        let decimals = self.mean_decimals();
        let _ = writeln!(out, "\nEXPOSURE");
        let mut line = |label: &str, v: String| {
            let _ = writeln!(out, "  {label:<40}{v:>20}");
        };
        line(
            "residents scanned at least once",
            format!(
                "{} (expected {})",
                fmt_pct(x.share_scanned),
                fmt_pct(x.share_scanned_expected)
            ),
        );
        line("... ten times or more", fmt_pct(x.share_scanned_10));
        line(
            "captures per resident",
            format!(
                "mean {:.2}, p50 {}, p90 {}, p99 {}, max {}",
                x.captures_mean,
                x.captures_quantiles[0].1,
                x.captures_quantiles[1].1,
                x.captures_quantiles[2].1,
                x.captures_max
            ),
        );
        line(
            "trackable (captured at ≥ 3 sites)",
            format!(
                "{} (expected {})",
                fmt_pct(x.trackable_share),
                fmt_pct(x.trackable_share_expected)
            ),
        );
        line(
            "residents with ≥ 2 false alerts",
            format!(
                "{} (if alike: {})",
                fmt_num(x.people_with_2_false_alerts.mean, decimals),
                fmt_num(x.people_with_2_false_alerts_if_alike, 1)
            ),
        );
        line(
            "residents with ≥ 2 wrongful stops",
            fmt_num(x.people_with_2_wrongful_stops.mean, decimals),
        );
    }

    fn equity_section(&self, out: &mut String) {
        let w = self.name_width();
        let _ = writeln!(
            out,
            "\n{:<w$}{:>10}{:>10}{:>9}{:>10}{:>9}{:>13}  FA × ref. [95 % CI]",
            "EQUITY", "FA/100k", "WS/100k", "FAr/100k", "trackable", "avoided", "face share",
        );
        let _ = writeln!(
            out,
            "  FA: false alerts per 100,000 faces; WS, FAr: wrongful stops, false arrests per \
             100,000\n  residents; ref.: the reference group, {}",
            self.reference_group
        );
        for q in &self.equity {
            let (_, v, lo, hi) = q.disparity[0];
            let _ = writeln!(
                out,
                "{:<w$}{:>10}{:>10.2}{:>9.2}{:>10}{:>9}{:>13}  {}",
                truncate(&q.name, w - 1),
                q.false_alerts_per_100k_captures
                    .map_or("-".into(), |v| format!("{v:.2}")),
                q.wrongful_stops_per_100k_residents,
                q.false_arrests_per_100k_residents,
                fmt_pct(q.trackable_share),
                fmt_num(q.avoided_visits, 0),
                format!(
                    "{:.1}→{:.1}%",
                    100.0 * q.face_share_without_avoidance,
                    100.0 * q.face_share
                ),
                if v.is_finite() && (v > 0.0 || lo < hi) {
                    if lo < hi {
                        format!("{v:.2} [{lo:.2}, {hi:.2}]")
                    } else {
                        format!("{v:.2}")
                    }
                } else {
                    "-".into()
                },
            );
        }
    }

    fn latency_section(&self, out: &mut String) {
        if self.latency.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<22}{:>12}{:>11}{:>11}{:>11}{:>11}{:>11}",
            "LATENCY", "count", "p50", "p90", "p99", "p99.9", "max"
        );
        for l in &self.latency {
            let _ = write!(
                out,
                "{:<22}{:>12}",
                l.name.replace('_', " "),
                fmt_num(l.count as f64, 0)
            );
            for (_, v) in l.quantiles_ms {
                let _ = write!(out, "{:>11}", fmt_latency(v));
            }
            let _ = writeln!(out, "{:>11}", fmt_latency(l.max_ms));
        }
    }

    fn pools_section(&self, out: &mut String) {
        if self.pools.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<16}{:>8}{:>11}{:>11}{:>9}{:>11}{:>8}{:>12}{:>11}",
            "MATCHER POOL",
            "servers",
            "capacity/s",
            "peak in/s",
            "util.",
            "mean queue",
            "max q.",
            "dropped",
            "drop rate"
        );
        for p in &self.pools {
            let _ = writeln!(
                out,
                "{:<16}{:>8}{:>11}{:>11}{:>9}{:>11.2}{:>8}{:>12}{:>11}",
                truncate(&p.name, 15),
                p.servers,
                fmt_num(p.capacity_per_s, 0),
                fmt_num(p.peak_offered_per_s, 1),
                fmt_pct(p.utilisation),
                p.mean_queue,
                fmt_num(p.max_queue as f64, 0),
                fmt_num(p.dropped, self.mean_decimals()),
                p.drop_rate
                    .map_or("-".into(), |r| format!("{:.4} %", 100.0 * r)),
            );
        }
    }
}

/// Funnel rows that only a `[pipeline]` can make other than 0: left out of
/// the reports of scenarios without one, where they would only say that
/// machinery the scenario does not have did nothing.
pub(super) const PIPELINE_ONLY: [Metric; 3] = [
    Metric::FacesDropped,
    Metric::WantedFacesDropped,
    Metric::LostToPipelineDelay,
];

impl Report {
    /// Whether the scenario has a `[pipeline]` (matcher pools, drops and
    /// a capture-to-decision latency).
    pub(super) fn has_pipeline(&self) -> bool {
        !self.pools.is_empty() || self.drop_rate.is_some() || self.decision_p99_ms.is_some()
    }
}

/// A latency with its unit, in the unit a reader pictures it in: `0.250
/// ms`, `85 ms`, `29.8 s`, `4.5 min`, `1.2 h` (a table of six-digit
/// milliseconds, `268,042`, reads as nothing).
pub(super) fn fmt_latency(ms: f64) -> String {
    let s = ms / 1e3;
    if !ms.is_finite() {
        "-".into()
    } else if ms < 1e3 {
        format!("{} ms", fmt_ms(ms))
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{} h", fmt_num(s / 3600.0, 1))
    }
}

/// The funnel's indentation: a count sits under the count it is part of
/// ([`Metric::parent`]).
fn indent(m: Metric) -> &'static str {
    match m.parent() {
        Some(_) => "    ",
        None => "  ",
    }
}

/// `mean ± half-width` for a symmetric (Student's t) interval, `mean [low,
/// high]` for an asymmetric (Poisson) one.
fn fmt_stat(s: &Stat, reps: u64) -> String {
    let (up, down) = (s.hi - s.mean, s.mean - s.lo);
    if reps > 1 && (up - down).abs() <= 1e-9 * up.abs().max(1.0) {
        format!("{} ± {}", fmt_num(s.mean, 1), fmt_num(up, 1))
    } else if reps > 1 {
        // Small bounds (a rare count over many replications) keep two
        // significant digits rather than rounding to 0.0.
        let bound = |x: f64| {
            if x > 0.0 && x < 0.1 {
                format!("{x:.*}", (1.0 - x.log10().floor()) as usize)
            } else {
                fmt_num(x, 1)
            }
        };
        format!("{} [{}, {}]", fmt_num(s.mean, 1), bound(s.lo), bound(s.hi))
    } else {
        fmt_num(s.mean, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_latency;

    #[test]
    fn latencies_carry_a_unit_a_reader_pictures() {
        assert_eq!(fmt_latency(0.25), "0.250 ms");
        assert_eq!(fmt_latency(85.0), "85.0 ms");
        assert_eq!(fmt_latency(268.4), "268 ms");
        assert_eq!(fmt_latency(29_770.0), "29.8 s");
        assert_eq!(fmt_latency(268_042.0), "4.5 min");
        assert_eq!(fmt_latency(4_320_000.0), "1.2 h");
    }
}
