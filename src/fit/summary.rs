//! What `survsim fit` prints: each parameter's posterior beside its prior,
//! the false-positive rates the tail implies, and each record beside what
//! the posterior — and, with `--loo`, a fit without it — predicts.

use super::profile::{REPORTED_LIST, REPORTED_THRESHOLDS};
use super::{Posterior, RecordPrediction, Records};
use crate::format::fmt_num;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A fit, with its optional leave-one-out checks, ready to print.
#[derive(Debug, Clone)]
pub struct FitReport<'a> {
    /// The records read.
    pub records: &'a Records,
    /// The posterior of all of them.
    pub posterior: &'a Posterior,
    /// Per fitted record, what a fit without it predicts for it.
    pub left_out: Vec<RecordPrediction>,
}

/// A number as printed: four significant figures, scientific when small.
fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e6) {
        format!("{x:.3e}")
    } else if x.abs() >= 100.0 {
        fmt_num(x, 0)
    } else {
        format!("{}", (x * 1e4).round() / 1e4)
    }
}

impl FitReport<'_> {
    /// Warnings a reader must see: chains that did not mix, parameters the
    /// prior decides.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.posterior.summary() {
            if p.rhat > 1.01 {
                out.push(format!(
                    "{}: the chains disagree (R̂ = {:.3} > 1.01); run more draws",
                    p.name, p.rhat
                ));
            }
            if p.prior_dominated() {
                out.push(format!(
                    "{}: prior-dominated — the records narrow it only to {:.0} % of the prior's \
                     spread, so what the fit says of it is mostly the prior's assumption",
                    p.name,
                    100.0 * p.sd_ratio
                ));
            }
        }
        out
    }

    /// The report as a table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let problem = &self.posterior.problem;
        let draws: usize = self.posterior.chains.iter().map(|c| c.draws.len()).sum();
        let _ = writeln!(
            s,
            "FIT of {} to {} ({} chains, {} draws)",
            problem.matcher,
            self.records.name,
            self.posterior.chains.len(),
            fmt_num(draws as f64, 0)
        );
        let _ = writeln!(
            s,
            "\n{:<34}{:>12}{:>26}{:>26}{:>8}{:>8}",
            "PARAMETER", "median", "posterior 90 %", "prior 90 %", "R̂", "ESS"
        );
        for p in self.posterior.summary() {
            let _ = writeln!(
                s,
                "{:<34}{:>12}{:>26}{:>26}{:>8.3}{:>8}{}",
                p.name,
                number(p.quantiles[1]),
                format!("[{}, {}]", number(p.quantiles[0]), number(p.quantiles[2])),
                format!(
                    "[{}, {}]",
                    number(p.prior_quantiles[0]),
                    number(p.prior_quantiles[1])
                ),
                p.rhat,
                fmt_num(p.ess, 0),
                if p.prior_dominated() {
                    "  prior-dominated"
                } else if p.range {
                    "  input range"
                } else {
                    ""
                }
            );
            let _ = writeln!(s, "    {}", p.what);
        }
        let _ = writeln!(
            s,
            "\nFPIR with a {}-image list            median          posterior 90 %",
            fmt_num(REPORTED_LIST, 0)
        );
        for t in REPORTED_THRESHOLDS {
            let (low, mid, high) = self.posterior.fpir_at(REPORTED_LIST, t);
            let _ = writeln!(
                s,
                "  at {t:.2}{:>33}{:>26}",
                number(mid),
                format!("[{}, {}]", number(low), number(high))
            );
        }
        let prevalences = self.prevalences();
        if !prevalences.is_empty() {
            let _ = writeln!(
                s,
                "\nPREVALENCE: wanted walk-pasts per face      median          posterior 90 %"
            );
            for (name, [low, mid, high]) in prevalences {
                let _ = writeln!(
                    s,
                    "  {name:<36}{:>12}{:>26}",
                    number(mid),
                    format!("[{}, {}]", number(low), number(high))
                );
            }
        }
        self.records_section(&mut s);
        let _ = writeln!(s, "\nNOT FITTED");
        for record in &self.records.records {
            if let Err(reason) = &record.evidence {
                let _ = writeln!(s, "  {:<28}{reason}", record.id);
            } else if !problem
                .records()
                .any(|i| self.records.records[i].id == record.id)
            {
                let _ = writeln!(
                    s,
                    "  {:<28}a record of {}, without a detection range for its true alerts",
                    record.id, record.matcher
                );
            }
        }
        let warnings = self.warnings();
        if !warnings.is_empty() {
            let _ = writeln!(s, "\nWARNINGS");
            for w in warnings {
                let _ = writeln!(s, "  {w}");
            }
        }
        s
    }

    /// The table's RECORDS: each published count beside the range the
    /// posterior predicts (and, left out, without its record).
    fn records_section(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "\nRECORDS: published, and the 90 % range the posterior predicts{}",
            if self.left_out.is_empty() {
                ""
            } else {
                " (with all records / without this one)"
            }
        );
        for prediction in self.posterior.predictions() {
            let record = &self.records.records[prediction.record];
            let loo = self.left_out.iter().find(|l| l.record == prediction.record);
            for (j, (name, value, range)) in prediction.counts.iter().enumerate() {
                let mut line = format!(
                    "  {:<26}{:<34}{:>9}  [{}, {}]",
                    if j == 0 { record.id.as_str() } else { "" },
                    name,
                    fmt_num(*value as f64, 0),
                    number(range[0]),
                    number(range[1])
                );
                if let Some((_, _, [low, high])) = loo.and_then(|l| l.counts.get(j)) {
                    let inside = (*value as f64) >= *low && (*value as f64) <= *high;
                    let _ = write!(
                        line,
                        "  / [{}, {}] {}",
                        number(*low),
                        number(*high),
                        if inside { "ok" } else { "MISS" }
                    );
                }
                let _ = writeln!(s, "{line}");
            }
        }
        if !self.left_out.is_empty() {
            let (inside, all) = self.coverage();
            let _ = writeln!(
                s,
                "  leave-one-out: {inside} of {all} counts within their 90 % range ({:.0} %)",
                100.0 * inside as f64 / all.max(1) as f64
            );
        }
    }

    /// Each deployment's prevalence and a new deployment's: name, and the
    /// 5 %, 50 % and 95 % quantiles.
    pub fn prevalences(&self) -> Vec<(String, [f64; 3])> {
        let mut rng = crate::fit::problem::rng_for_checks(3);
        let mut by: Vec<(Option<usize>, Vec<f64>)> = Vec::new();
        for x in self.posterior.draws() {
            for (index, p) in self.posterior.problem.prevalences(x, &mut rng) {
                match by.iter_mut().find(|(i, _)| *i == index) {
                    Some((_, values)) => values.push(p),
                    None => by.push((index, vec![p])),
                }
            }
        }
        by.into_iter()
            .map(|(index, values)| {
                let name = match index {
                    Some(i) => self.records.records[i].id.clone(),
                    None => "a new deployment".to_string(),
                };
                let q = |p| crate::fit::quantile(&values, p);
                (name, [q(0.05), q(0.5), q(0.95)])
            })
            .collect()
    }

    /// The leave-one-out checks alone, as `survsim validate` shows them:
    /// each published count beside the 90 % range that a fit of the other
    /// records predicts for it, and how many those ranges cover.
    pub fn loo_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\nRECORDS AGAINST A FIT WITHOUT THEM (survsim fit --loo): each published count beside\n\
             the 90 % range a fit of the other records predicts for it"
        );
        let _ = writeln!(
            s,
            "{:<26}{:<34}{:>11}  {:<20}status",
            "record", "count", "published", "without it (90 %)"
        );
        for l in &self.left_out {
            let id = &self.records.records[l.record].id;
            for (j, (name, value, [low, high])) in l.counts.iter().enumerate() {
                let inside = (*value as f64) >= *low && (*value as f64) <= *high;
                let _ = writeln!(
                    s,
                    "{:<26}{:<34}{:>11}  {:<20}{}",
                    if j == 0 { id.as_str() } else { "" },
                    name,
                    fmt_num(*value as f64, 0),
                    format!("[{}, {}]", number(*low), number(*high)),
                    if inside { "ok" } else { "outside" }
                );
            }
        }
        let (inside, all) = self.coverage();
        let _ = writeln!(
            s,
            "{inside} of {all} counts within their range ({:.0} %); ranges from a calibrated fit \
             cover about 90 %",
            100.0 * inside as f64 / all.max(1) as f64
        );
        s
    }

    /// Leave-one-out counts within their 90 % range, and all counts.
    pub fn coverage(&self) -> (usize, usize) {
        let mut inside = 0;
        let mut all = 0;
        for l in &self.left_out {
            for (_, value, [low, high]) in &l.counts {
                all += 1;
                inside += ((*value as f64) >= *low && (*value as f64) <= *high) as usize;
            }
        }
        (inside, all)
    }

    /// The report as JSON.
    pub fn json(&self) -> Value {
        let parameters: Vec<Value> = self
            .posterior
            .summary()
            .iter()
            .map(|p| {
                json!({
                    "name": p.name, "what": p.what, "mean": p.mean,
                    "median": p.quantiles[1], "q05": p.quantiles[0], "q95": p.quantiles[2],
                    "prior_q05": p.prior_quantiles[0], "prior_q95": p.prior_quantiles[1],
                    "sd_ratio": p.sd_ratio, "prior_dominated": p.prior_dominated(),
                    "rhat": p.rhat, "ess": p.ess,
                })
            })
            .collect();
        let fpir: Vec<Value> = REPORTED_THRESHOLDS
            .iter()
            .map(|&t| {
                let (low, mid, high) = self.posterior.fpir_at(REPORTED_LIST, t);
                json!({ "threshold": t, "watchlist": REPORTED_LIST, "median": mid, "q05": low, "q95": high })
            })
            .collect();
        let records: Vec<Value> = self
            .posterior
            .predictions()
            .iter()
            .map(|p| {
                let loo = self.left_out.iter().find(|l| l.record == p.record);
                json!({
                    "id": self.records.records[p.record].id,
                    "counts": p.counts.iter().enumerate().map(|(j, (name, value, range))| json!({
                        "what": name, "published": value, "q05": range[0], "q95": range[1],
                        "loo": loo.and_then(|l| l.counts.get(j)).map(|(_, _, r)| json!({ "q05": r[0], "q95": r[1] })),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "matcher": self.posterior.problem.matcher,
            "records": self.records.name,
            "parameters": parameters,
            "fpir": fpir,
            "fitted": records,
            "prevalence": self.prevalences().iter().map(|(name, q)| json!({
                "deployment": name, "median": q[1], "q05": q[0], "q95": q[2],
            })).collect::<Vec<_>>(),
            "loo_coverage": (!self.left_out.is_empty()).then(|| {
                let (inside, all) = self.coverage();
                json!({ "inside": inside, "counts": all })
            }),
            "warnings": self.warnings(),
        })
    }
}
