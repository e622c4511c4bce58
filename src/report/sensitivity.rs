//! What drives each expected figure: global (Sobol) sensitivity indices of
//! false alerts, true alerts, wanted people alerted and each group's share
//! of false alerts to every uncertain input, for `survsim check
//! --sensitivity` and the HTML report.
//!
//! The figures are the closed-form expectations of a run
//! ([`crate::model::Model::expected`]) as functions of the uncertain inputs,
//! each input at a probability of its own distribution ([`Design`]): a
//! scenario's distributions, an operating point's posterior, a fitted
//! profile's posterior draws (one input: the draws keep the fitted
//! parameters' correlations, which Sobol indices of independent inputs
//! cannot split). The design is Saltelli's on an Owen-scrambled Sobol
//! sequence; the estimators and their bootstrap intervals are
//! [`crate::stats::sobol`]'s.
//!
//! What the indices measure is the spread of the *expected* figure over what
//! is not known about the inputs. One run's luck adds to it (`check`'s
//! UNCERTAIN INPUTS gives its share of false alerts). Arrests have no closed
//! form — the response chain's queues and custody decide them — so wanted
//! people alerted stand in for them: while review keeps up, arrests are a
//! fixed share of them, and the same inputs drive both. Likewise each
//! group's share of wrongful stops and false arrests follows its share of
//! false alerts while review, stops and arrests treat groups alike.
//!
//! [`Design`]: crate::model::Design

use crate::error::InputError;
use crate::format::{TABLE_WIDTH, fmt_num, truncate, wrap_text};
use crate::model::Expected;
use crate::model::UncertainInput;
use crate::rng::{STREAM_SENSITIVITY, stream};
use crate::scenario::Scenario;
use crate::stats::sobol::{Evaluations, Indices, MAX_DIMENSIONS, design_point};
use rand::Rng as _;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Rows of the design (N): N (k + 2) closed-form evaluations for k inputs.
/// A power of two keeps the Sobol sequence balanced; at 256 rows the
/// indices' bootstrap intervals are a few hundredths wide.
pub const DESIGN_ROWS: u32 = 256;

/// Groups whose share of false alerts the table shows (the JSON has all):
/// those with the largest expected shares.
const TABLE_GROUPS: usize = 6;

/// One expected figure and what drives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityOutput {
    /// Its key in the JSON (`false_alerts`, `false_alert_share.black`).
    pub key: String,
    /// In words.
    pub label: String,
    /// Its mean over the design's A and B rows.
    pub mean: f64,
    /// Its standard deviation there: the spread the indices share out.
    pub sd: f64,
    /// Each input's indices, in the order of [`Sensitivity::inputs`];
    /// `None` where the figure does not vary.
    pub indices: Option<Vec<Indices>>,
}

/// The Sobol indices of a scenario's expected figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Rows of the design.
    pub rows: u32,
    /// The uncertain inputs, in the order the model reads them.
    pub inputs: Vec<UncertainInput>,
    /// The figures.
    pub outputs: Vec<SensitivityOutput>,
}

impl Sensitivity {
    /// The indices for `scenario` from a design of `rows` rows, or `None`
    /// without uncertain inputs.
    pub fn of(scenario: &Scenario, rows: u32) -> Result<Option<Sensitivity>, InputError> {
        let inputs = scenario.uncertain.clone();
        let k = inputs.len();
        if k == 0 {
            return Ok(None);
        }
        if 2 * k as u32 > MAX_DIMENSIONS {
            return Err(InputError::whole(
                scenario.source.name.clone(),
                format!(
                    "{k} uncertain inputs are more than the sensitivity analysis's design \
                     takes ({}); give some a single value",
                    MAX_DIMENSIONS / 2
                ),
            ));
        }
        let keys: Vec<String> = inputs.iter().map(|input| input.key.clone()).collect();
        let groups: Vec<String> = scenario
            .model
            .groups
            .iter()
            .map(|g| g.name.clone())
            .collect();
        let mut rng = stream(scenario.model.seed, &[STREAM_SENSITIVITY]);
        let seed = (rng.next_u64() >> 32) as u32;
        let drawn = scenario.drawn_expectations();
        let names = figure_names(&groups);
        let mut evaluations = vec![
            Evaluations {
                ab: vec![Vec::with_capacity(rows as usize); k],
                ..Default::default()
            };
            names.len()
        ];
        let mut point = 0;
        let mut figures = |uniforms: &[f64]| -> Result<Vec<f64>, InputError> {
            point += 1;
            Ok(figures_of(
                &drawn.designed(&keys, uniforms, point)?,
                groups.len(),
            ))
        };
        for row in 0..rows {
            let u = design_point(row, 2 * k as u32, seed);
            let (a, b) = u.split_at(k);
            let (fa, fb) = (figures(a)?, figures(b)?);
            for (e, (&ya, &yb)) in evaluations.iter_mut().zip(fa.iter().zip(&fb)) {
                e.a.push(ya);
                e.b.push(yb);
            }
            for i in 0..k {
                let mut ab = a.to_vec();
                ab[i] = b[i];
                for (e, y) in evaluations.iter_mut().zip(figures(&ab)?) {
                    e.ab[i].push(y);
                }
            }
        }
        let outputs = names
            .into_iter()
            .zip(&evaluations)
            .map(|((key, label), e)| {
                let ys: Vec<f64> = e.a.iter().chain(&e.b).copied().collect();
                let (mean, sd) = mean_sd(&ys);
                SensitivityOutput {
                    key,
                    label,
                    mean,
                    sd,
                    indices: e.indices(&mut rng),
                }
            })
            .collect();
        Ok(Some(Sensitivity {
            rows,
            inputs,
            outputs,
        }))
    }

    /// The closed-form evaluations the design took.
    pub fn evaluations(&self) -> u64 {
        u64::from(self.rows) * (self.inputs.len() as u64 + 2)
    }

    /// The input that drives `output` most (largest total index), with
    /// that index.
    pub fn main_driver<'s>(&'s self, output: &'s SensitivityOutput) -> Option<(&'s str, f64)> {
        let indices = output.indices.as_ref()?;
        self.inputs
            .iter()
            .zip(indices)
            .map(|(input, i)| (input.key.as_str(), i.total.value))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The section of `check`'s table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let head = format!(
            "SENSITIVITY  what drives each expected figure: Sobol indices over the uncertain \
             inputs ({} evaluations of the closed forms on a {}-row Saltelli design; ci95 from \
             a bootstrap of its rows). First-order: the share of the figure's spread that \
             knowing the input alone would remove. Total: with its interactions. The spread is \
             of the expected figure over what is not known of the inputs; one run's luck adds \
             to it. Arrests follow wanted people alerted while review keeps up.",
            fmt_num(self.evaluations() as f64, 0),
            self.rows
        );
        let _ = writeln!(out, "\n{}", wrap_text(&head, TABLE_WIDTH, "", "  "));
        let mut shown: Vec<&SensitivityOutput> = self
            .outputs
            .iter()
            .filter(|o| !o.key.starts_with(SHARE_PREFIX))
            .collect();
        let mut shares: Vec<&SensitivityOutput> = self
            .outputs
            .iter()
            .filter(|o| o.key.starts_with(SHARE_PREFIX))
            .collect();
        shares.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        shown.extend(shares.into_iter().take(TABLE_GROUPS));
        for output in shown {
            let decimals = if output.key.starts_with(SHARE_PREFIX) {
                3
            } else {
                1
            };
            let _ = writeln!(
                out,
                "\n  {}: mean {}, sd {} over the inputs",
                output.label,
                fmt_num(output.mean, decimals),
                fmt_num(output.sd, decimals)
            );
            let Some(indices) = &output.indices else {
                let _ = writeln!(out, "    (does not vary with the inputs)");
                continue;
            };
            let _ = writeln!(
                out,
                "    {:<44}{:>22}{:>22}",
                "input", "first-order", "total"
            );
            for (input, i) in self.inputs.iter().zip(indices) {
                let _ = writeln!(
                    out,
                    "    {:<44}{:>22}{:>22}",
                    truncate(&input.key, 43),
                    index_text(i.first),
                    index_text(i.total)
                );
            }
        }
        out
    }

    /// The JSON form: the design, then each figure's indices per input.
    pub fn json(&self) -> Value {
        json!({
            "design": {
                "rows": self.rows,
                "evaluations": self.evaluations(),
                "sequence": "Owen-scrambled Sobol (Burley 2020), seeded from the scenario's seed",
                "estimators": "Jansen (1999) first-order and total, as in Saltelli et al. (2010)",
                "ci95": "percentile bootstrap over the design's rows",
                "figures": "closed-form expectations of one run",
            },
            "inputs": self.inputs.iter().map(|i| json!({"key": i.key, "what": i.what})).collect::<Vec<_>>(),
            "outputs": self.outputs.iter().map(|o| json!({
                "key": o.key,
                "label": o.label,
                "mean": crate::format::num(o.mean),
                "sd": crate::format::num(o.sd),
                "indices": o.indices.as_ref().map(|indices| self.inputs.iter().zip(indices).map(|(input, i)| json!({
                    "input": input.key,
                    "first": estimate_json(i.first),
                    "total": estimate_json(i.total),
                })).collect::<Vec<_>>()),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The key prefix of each group's share of false alerts.
pub const SHARE_PREFIX: &str = "false_alert_share.";

/// Each figure's key and words: the three totals, then each group's share
/// of false alerts (only with more than one group).
fn figure_names(groups: &[String]) -> Vec<(String, String)> {
    let mut names = vec![
        ("false_alerts".to_string(), "false alerts".to_string()),
        (
            "true_alerts".to_string(),
            "true alerts (before arrests end any)".to_string(),
        ),
        (
            "wanted_alerted".to_string(),
            "wanted people alerted".to_string(),
        ),
    ];
    if groups.len() > 1 {
        names.extend(groups.iter().map(|g| {
            (
                format!("{SHARE_PREFIX}{g}"),
                format!("{g}'s share of false alerts"),
            )
        }));
    }
    names
}

/// The figures of [`figure_names`] from one evaluation's expectations.
fn figures_of(expected: &Expected, groups: usize) -> Vec<f64> {
    let mut figures = vec![
        expected.false_alerts,
        expected.true_alerts,
        expected.wanted_alerted,
    ];
    if groups > 1 {
        let all = expected.false_alerts;
        figures.extend(
            expected
                .groups
                .iter()
                .map(|g| if all > 0.0 { g.false_alerts / all } else { 0.0 }),
        );
    }
    figures
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// `0.71 [0.62, 0.80]`.
fn index_text(e: crate::stats::sobol::Estimate) -> String {
    format!("{:.2} [{:.2}, {:.2}]", e.value, e.ci95.0, e.ci95.1)
}

fn estimate_json(e: crate::stats::sobol::Estimate) -> Value {
    json!({
        "value": crate::format::num(e.value),
        "ci95": [crate::format::num(e.ci95.0), crate::format::num(e.ci95.1)],
    })
}
