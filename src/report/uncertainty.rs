//! What each uncertain input contributes to the spread of one run's false
//! alerts, for `survsim check`.
//!
//! Given its inputs θ, a run's false alerts have the closed-form mean μ(θ)
//! and variance v(θ) ([`crate::model::Model::expected`]): v = μ if everyone
//! is alike (Poisson), more with uneven activity or lookalikes (each
//! person's false alerts are then a Poisson mixture). By the law of total
//! variance the spread of one run is
//!
//!   Var(X) = E[v(θ)] + Var(μ(θ)):
//!
//! Monte Carlo noise, plus what the inputs add. Each input's share is
//! one-at-a-time: Var(μ) with that input drawn and the others at their
//! nominal values, over the total. What the one-at-a-time shares miss (the
//! inputs' interactions, and the curvature of μ) is the remainder
//! Var(μ(θ)) − Σ Var_i. Every variance is estimated from [`DRAWS`] draws of
//! the replications' parameter streams — closed forms only, no simulation.

use crate::error::InputError;
use crate::model::UncertainInput;
use crate::scenario::Scenario;

/// Draws per variance: the shares' relative Monte Carlo error is about
/// √(2 / DRAWS) ≈ 10 %.
pub const DRAWS: u64 = 200;

/// The variance of one run's false alerts, and who contributes it.
#[derive(Debug, Clone, PartialEq)]
pub struct VarianceShares {
    /// Var(X) = E[v(θ)] + Var(μ(θ)), in false alerts².
    pub total: f64,
    /// E[v(θ)] ÷ total: Monte Carlo noise.
    pub monte_carlo: f64,
    /// Each input with Var(μ) drawing it alone ÷ total.
    pub inputs: Vec<(UncertainInput, f64)>,
    /// (Var(μ(θ)) − Σ each input's) ÷ total: interactions and curvature.
    pub remainder: f64,
}

impl VarianceShares {
    /// The shares for `scenario`, or `None` without uncertain inputs.
    pub fn of(scenario: &Scenario) -> Result<Option<VarianceShares>, InputError> {
        if scenario.uncertain.is_empty() {
            return Ok(None);
        }
        let drawn = scenario.drawn_expectations();
        let (all, noise): (Vec<f64>, Vec<f64>) = (0..DRAWS)
            .map(|r| drawn.false_alert_moments(None, r))
            .collect::<Result<Vec<_>, InputError>>()?
            .into_iter()
            .unzip();
        let (_, joint) = mean_variance(&all);
        let (noise, _) = mean_variance(&noise);
        let mut each = Vec::with_capacity(scenario.uncertain.len());
        for input in &scenario.uncertain {
            // Drawn alone, a scenario's only uncertain input takes the joint
            // draws' values (the same uniforms, read in the same order).
            if scenario.uncertain.len() == 1 {
                each.push((input.clone(), joint));
                continue;
            }
            let values: Vec<f64> = (0..DRAWS)
                .map(|r| Ok(drawn.false_alert_moments(Some(&input.key), r)?.0))
                .collect::<Result<_, InputError>>()?;
            each.push((input.clone(), mean_variance(&values).1));
        }
        let total = noise + joint;
        let sum: f64 = each.iter().map(|(_, v)| v).sum();
        Ok(Some(VarianceShares {
            total,
            monte_carlo: noise / total,
            remainder: (joint - sum) / total,
            inputs: each.into_iter().map(|(i, v)| (i, v / total)).collect(),
        }))
    }
}

/// Mean and (n − 1) variance.
fn mean_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var)
}
