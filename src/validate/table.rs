//! The validation table: two lines a check, within 100 columns, every
//! figure of a row in the published figure's unit.

use super::{Basis, Check, CheckResult, Quantity, Tolerance, sig, tolerance_text};
use std::fmt::Write as _;

/// How a check's figures are written: all of a row in the published unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A number as it is (a count, a ratio).
    Plain,
    /// A share or rate as a percentage.
    Percent,
    /// A rate as "1 in N".
    OneIn,
}

impl Unit {
    /// The unit of `check`: its published text's ("92 %", "1 in 60,000"),
    /// and a rate per search (an FPIR or TPIR) as a percentage.
    fn of(check: &Check) -> Unit {
        let per_search = check
            .measure
            .iter()
            .any(|(q, _)| matches!(q, Quantity::NonMatedSearches | Quantity::MatedSearches));
        if check.published_text.contains("1 in") {
            Unit::OneIn
        } else if check.published_text.contains('%') || per_search {
            Unit::Percent
        } else {
            Unit::Plain
        }
    }

    /// `x` in this unit.
    fn show(self, x: f64) -> String {
        match self {
            Unit::Plain => sig(x),
            Unit::Percent => format!("{} %", sig(100.0 * x)),
            Unit::OneIn if x > 0.0 => format!("1 in {}", crate::format::fmt_num(1.0 / x, 0)),
            Unit::OneIn => "none".into(),
        }
    }

    /// An interval in this unit (a "1 in N" interval gives the N, from
    /// the smaller: "[57,413, 62,047]").
    fn interval(self, (lo, hi): (f64, f64)) -> String {
        let n = |x: f64| {
            if x > 0.0 {
                crate::format::fmt_num(1.0 / x, 0)
            } else {
                "∞".into()
            }
        };
        match self {
            Unit::OneIn => format!("[{}, {}]", n(hi), n(lo)),
            _ => format!("[{}, {}]", self.show(lo), self.show(hi)),
        }
    }

    /// The tolerance, with bounds in this unit.
    fn tolerance(self, t: Tolerance) -> String {
        match t {
            Tolerance::AtMost(x) => format!("≤ {}", self.show(x)),
            Tolerance::AtLeast(x) => format!("≥ {}", self.show(x)),
            other => tolerance_text(other),
        }
    }
}

/// The validation table: two lines a check, within 100 columns — what is
/// compared and how it came out, then the figures, all in the published
/// unit.
pub fn table(results: &[CheckResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<57} {:<11} {:<15} status",
        "scenario — figure", "basis", "test"
    );
    for r in results {
        let c = r.check;
        let unit = Unit::of(c);
        let what = format!("{} — {}", c.scenario, c.figure);
        let _ = writeln!(
            out,
            "{:<57} {:<11} {:<15} {}",
            crate::format::truncate(&what, 57),
            match c.basis {
                Basis::Prediction => "prediction",
                Basis::Consistency => "consistency",
            },
            unit.tolerance(c.tolerance),
            r.status()
        );
        let _ = write!(
            out,
            "    published {} · simulated {} {}",
            c.published_text,
            unit.show(r.mean),
            unit.interval((r.lo, r.hi))
        );
        if let Some(pi) = r.pi95 {
            let _ = write!(out, " · one run {}", unit.interval(pi));
        }
        out.push('\n');
    }
    let notes: Vec<String> = results
        .iter()
        .filter(|r| !r.check.note.is_empty())
        .map(|r| {
            wrap(
                &format!(
                    "{} — {}: {}",
                    r.check.scenario, r.check.figure, r.check.note
                ),
                96,
            )
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\nNotes\n{}", notes.join("\n"));
    }
    let failed = results.iter().filter(|r| r.status() == "MISS").count();
    let known = results
        .iter()
        .filter(|r| r.status() == "known miss")
        .count();
    let _ = writeln!(
        out,
        "\n{} checks: {} as expected, {} known misses, {} failed",
        results.len(),
        results.len() - failed - known,
        known,
        failed
    );
    out
}

/// `text` in lines of at most `width` characters, broken at spaces, the
/// first indented by two and the rest by four.
fn wrap(text: &str, width: usize) -> String {
    let mut lines = vec![String::from("  ")];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        if line.trim().is_empty() || line.chars().count() + 1 + word.chars().count() <= width {
            if !line.trim().is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        } else {
            lines.push(format!("    {word}"));
        }
    }
    lines.join("\n")
}
