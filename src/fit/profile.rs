//! A fitted posterior as a matcher profile: the TOML `survsim fit` writes,
//! which `[matcher] profile = "…"` (a bundled profile) or a scenario's own
//! `[matcher.posterior]` uses. Its score distributions are not solved from
//! operating points: each replication takes one of the posterior's draws
//! (`--fixed-parameters`: their mean), so one run's range carries what the
//! records leave unknown.

use super::Posterior;
use super::records::{Evidence, Records};
use crate::format::fmt_num;
use std::fmt::Write as _;

use crate::spec::POSTERIOR_COLUMNS as COLUMNS;

/// Thresholds at which `survsim fit` reports the fitted FPIR.
pub const REPORTED_THRESHOLDS: [f64; 5] = [0.56, 0.58, 0.60, 0.62, 0.64];

/// The list size those FPIRs are for.
pub const REPORTED_LIST: f64 = 10_000.0;

/// The profile's text: comments that say where it comes from, the matcher's
/// keys, and `[posterior]` with `kept` draws spread evenly over the chains.
pub fn text(posterior: &Posterior, records: &Records, command: &str, kept: usize) -> String {
    let problem = &posterior.problem;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Matcher profile: {}, fitted by survsim {} to the published records in {}.",
        problem.matcher,
        env!("CARGO_PKG_VERSION"),
        records.name
    );
    let _ = writeln!(
        s,
        "# Written by `{command}`; rerun it rather than edit this file."
    );
    what_was_fitted(posterior, records, &mut s);
    let _ = writeln!(
        s,
        "#\n# What the rates are per: the detection rate is fitted to NPL's per walk past, so\n\
         # rates_per = \"walk_past\"; the false-positive rate is per searched face."
    );
    let _ = writeln!(s, "rates_per = \"walk_past\"");
    let _ = writeln!(s, "threshold = {}", problem.anchor);
    let _ = writeln!(s, "score_range = [0.0, 1.0]");
    let _ = writeln!(s, "\n[posterior]");
    let _ = writeln!(
        s,
        "# Where the records measured: a threshold far from all of these is extrapolated."
    );
    let _ = writeln!(s, "evidence = [");
    for (threshold, watchlist, rate, id) in evidence(posterior, records) {
        let _ = writeln!(
            s,
            "    {{ threshold = {threshold}, watchlist = {watchlist}, rate = \"{rate}\", source = \"{id}\" }},"
        );
    }
    let _ = writeln!(s, "]");
    let mut columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    if problem.fits_groups() {
        let quoted: Vec<String> = problem.labels.iter().map(|l| format!("\"{l}\"")).collect();
        let _ = writeln!(
            s,
            "# Groups: the draws' impostor scores are {}'s; a scenario's group (or level) named\n\
             # as one of the others takes its shift, and homophily acts against the list's mix.",
            problem.labels[0]
        );
        let _ = writeln!(s, "groups = [{}]", quoted.join(", "));
        columns.push("homophily".into());
        columns.extend(
            problem.labels[1..]
                .iter()
                .map(|l| format!("impostor_shift.{l}")),
        );
    }
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let _ = writeln!(s, "columns = [{}]", quoted.join(", "));
    let _ = writeln!(s, "draws = [");
    let tails = posterior.tails();
    let step = (tails.len() as f64 / kept.max(1) as f64).max(1.0);
    let mut k = 0.0;
    while (k as usize) < tails.len() {
        let tail = &tails[k as usize];
        let (im, is) = tail.impostor();
        let (gm, gs) = tail.genuine();
        let mut row = vec![im, is, gm, gs];
        if problem.fits_groups() {
            row.push(tail.homophily);
            row.extend_from_slice(&tail.shifts[1..]);
        }
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.7}")).collect();
        let _ = writeln!(s, "    [{}],", cells.join(", "));
        k += step;
    }
    let _ = writeln!(s, "]");
    s
}

/// The profile's comments on what was fitted: the records fitted and
/// those left out, with why, then the posterior of each parameter and the
/// FPIRs it gives.
fn what_was_fitted(posterior: &Posterior, records: &Records, s: &mut String) {
    let problem = &posterior.problem;
    let _ = writeln!(s, "#\n# Records fitted:");
    for index in problem.records() {
        let record = &records.records[index];
        let _ = writeln!(s, "#   {}: {}", record.id, record.source);
    }
    let _ = writeln!(s, "# Records read but not fitted, and why:");
    for record in &records.records {
        let why = match &record.evidence {
            Err(reason) => reason.clone(),
            Ok(_)
                if problem
                    .records()
                    .any(|i| records.records[i].id == record.id) =>
            {
                continue;
            }
            Ok(_) => format!("a record of {}, not the matcher fitted", record.matcher),
        };
        let _ = writeln!(s, "#   {}: {why}", record.id);
    }
    let _ = writeln!(
        s,
        "#\n# Posterior (5 %, 50 %, 95 %) and prior (5 %, 95 %), per parameter:"
    );
    for p in posterior.summary() {
        let _ = writeln!(
            s,
            "#   {}: {} [{}, {}]; prior [{}, {}]{}",
            p.name,
            number(p.quantiles[1]),
            number(p.quantiles[0]),
            number(p.quantiles[2]),
            number(p.prior_quantiles[0]),
            number(p.prior_quantiles[1]),
            if p.prior_dominated() {
                " — prior-dominated"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        s,
        "# FPIR with a {}-image list (5 %, 50 %, 95 %):",
        fmt_num(REPORTED_LIST, 0)
    );
    for t in REPORTED_THRESHOLDS {
        let (low, mid, high) = posterior.fpir_at(REPORTED_LIST, t);
        let _ = writeln!(
            s,
            "#   {t:.2}: {} [{}, {}]",
            number(mid),
            number(low),
            number(high)
        );
    }
}

/// The thresholds, list sizes and rates the fitted records measured.
fn evidence(posterior: &Posterior, records: &Records) -> Vec<(f64, u64, &'static str, String)> {
    let mut out = Vec::new();
    for index in posterior.problem.records() {
        let record = &records.records[index];
        let Ok(evidence) = &record.evidence else {
            continue;
        };
        match evidence {
            Evidence::LabFalsePositives {
                reference_set,
                thresholds,
                ..
            } => {
                for &t in thresholds {
                    out.push((t, *reference_set, "fpir", record.id.clone()));
                }
            }
            Evidence::LabTruePositives { threshold, .. } => {
                out.push((*threshold, 1, "tpir", record.id.clone()));
            }
            Evidence::Deployment {
                threshold: Some(t),
                watchlist,
                false_alerts,
                ..
            } if record.matcher == posterior.problem.matcher => {
                if false_alerts.is_some() {
                    out.push((*t, watchlist.high.round() as u64, "fpir", record.id.clone()));
                }
            }
            Evidence::Deployment { .. } => {}
        }
    }
    out
}

/// A number to four significant figures, in scientific notation when small.
fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e6) {
        format!("{x:.3e}")
    } else {
        format!("{}", (x * 1e4).round() / 1e4)
    }
}
