//! The list's turnover in the closed forms: each block's faces weighted by
//! the chance that a wanted member is on the list when captured, and the
//! chance that a wanted person is alerted while on it
//! ([`crate::model::Turnover`]).

use super::{ActivityMix, Model, deployment_index};

/// Steps of the grid over the run on which a wanted person's time on the
/// list is integrated, with turnover (a midpoint rule: its error falls as
/// the square of the step, far below a replication's noise at 512).
pub const TURNOVER_STEPS: usize = 512;

/// Adds site `site`'s faces, weighted by the chance a wanted person is on
/// the list at each stretch ([`crate::model::Turnover::open_integral`]), to each
/// block's `open_faces`, and its faces in each step of the grid to each
/// block's `cumulative` (its running totals, so summed over sites).
pub(super) fn add_turnover(
    model: &Model,
    turnover: &crate::model::Turnover,
    site: &crate::model::Site,
    open_faces: &mut [Vec<f64>],
    cumulative: &mut [Vec<Vec<f64>>],
) {
    let regimes = 1 + model.deployments.len();
    let duration_s = model.duration_s;
    let step_s = duration_s / TURNOVER_STEPS as f64;
    let mut open = vec![0.0; regimes];
    let mut steps = vec![vec![0.0; TURNOVER_STEPS]; regimes];
    let mut used = vec![false; regimes];
    site.stretches_between(0.0, duration_s, |deployment, start_s, end_s, faces| {
        let regime = deployment_index(deployment).map_or(0, |d| d + 1);
        used[regime] = true;
        let rate = faces / (end_s - start_s);
        open[regime] += rate * turnover.open_integral(model.wanted, duration_s, start_s, end_s);
        let mut from = start_s;
        while from < end_s {
            let k = ((from / step_s) as usize).min(TURNOVER_STEPS - 1);
            let to = end_s.min((k + 1) as f64 * step_s);
            steps[regime][k] += rate * (to - from).max(0.0);
            from = if to > from { to } else { end_s };
        }
    });
    for &(block, share) in &site.block_shares {
        let block = block as usize;
        for regime in (0..regimes).filter(|&r| used[r]) {
            open_faces[block][regime] += open[regime] * share;
            let totals = &mut cumulative[block][regime];
            let mut sum = 0.0;
            for (k, faces) in steps[regime].iter().enumerate() {
                sum += faces * share;
                totals[k + 1] += sum;
            }
        }
    }
}

/// The chance that a wanted person — one of `wanted`, with `turnover` —
/// has a true alert while on the list, ignoring arrests, given the true
/// alerts a person would expect by each moment of the grid (`by_step`:
/// [`TURNOVER_STEPS`] + 1 running totals over a run of `duration_s`):
/// P(≥ 1) of the alerts in their window on the list, averaged over the
/// window's law. One on the list at the start stays for an exponential
/// time L of mean T (to the run's end if longer); one added at a uniform
/// moment a stays from a for L. Both integrals by the midpoint rule on the
/// grid (a start at a step's middle; an end in a later step at its middle,
/// in the start's step a quarter of the way).
pub(super) fn on_list_alerted(
    turnover: &crate::model::Turnover,
    wanted: u32,
    duration_s: f64,
    by_step: &[f64],
    mix: ActivityMix,
) -> f64 {
    let steps = by_step.len() - 1;
    let total = by_step[steps];
    let mid = |k: usize| 0.5 * (by_step[k] + by_step[k + 1]);
    let step_s = duration_s / steps as f64;
    let mean_s = turnover.mean_on_list_s;
    // decay[j] = e^(−j h / T): the chance of staying j steps.
    let decay: Vec<f64> = (0..=steps)
        .map(|j| (-(j as f64) * step_s / mean_s).exp())
        .collect();
    let half = (-0.5 * step_s / mean_s).exp();
    let initial = if mean_s.is_infinite() {
        mix.at_least_one(total)
    } else {
        (0..steps)
            .map(|j| (decay[j] - decay[j + 1]) * mix.at_least_one(mid(j)))
            .sum::<f64>()
            + decay[steps] * mix.at_least_one(total)
    };
    let arrived = (0..steps)
        .map(|k| {
            let start = mid(k);
            if mean_s.is_infinite() {
                return mix.at_least_one(total - start);
            }
            // Ends in the start's own step, in a later one, or after the run.
            let own = (1.0 - half) * mix.at_least_one(0.25 * (by_step[k + 1] - by_step[k]));
            let later: f64 = (k + 1..steps)
                .map(|j| {
                    let stays = (decay[j - k] - decay[j - k + 1]) / half;
                    stays * mix.at_least_one(mid(j) - start)
                })
                .sum();
            own + later + decay[steps - k] / half * mix.at_least_one(total - start)
        })
        .sum::<f64>()
        / steps as f64;
    let share_arrived = f64::from(turnover.arrivals) / f64::from(wanted.max(1));
    (1.0 - share_arrived) * initial + share_arrived * arrived
}
