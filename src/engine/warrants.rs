//! When each wanted person is on the watchlist, with the list's turnover
//! ([`crate::model::Turnover`]): some are added during the run, and each
//! leaves it after an exponential time unless arrested first.
//!
//! Drawn once per replication from a stream of its own, so a scenario
//! without turnover draws nothing new and its runs are as they were; the
//! same replication always draws the same windows, whichever engine runs
//! it.

use crate::model::Model;
use crate::rng::{STREAM_WARRANTS, below, open01, stream, unit};
use rand::Rng;

/// Per wanted person, the stretch of the run in which they are on the list
/// (arrests aside): from `added_s` until `removed_s`.
#[derive(Debug, Clone)]
pub struct Warrants {
    added_s: Vec<f64>,
    removed_s: Vec<f64>,
}

impl Warrants {
    /// Replication `rep`'s windows, if `model` has turnover: which of its
    /// wanted people are added during the run (a uniformly random choice
    /// of `arrivals` of them, by a partial Fisher–Yates shuffle) and when
    /// (uniform in the run), then each one's time on the list
    /// (exponential, from the start for those already on it: its law is
    /// memoryless), in wanted-index order.
    pub fn draw(model: &Model, rep: u64) -> Option<Warrants> {
        let turnover = model.turnover?;
        let mut rng = stream(model.seed, &[rep, STREAM_WARRANTS]);
        let wanted = model.wanted as usize;
        let arrivals = (turnover.arrivals as usize).min(wanted);
        let mut order: Vec<u32> = (0..model.wanted).collect();
        for i in 0..arrivals {
            let j = i + below(rng.next_u64(), (wanted - i) as u64) as usize;
            order.swap(i, j);
        }
        let mut added_s = vec![0.0; wanted];
        for &slot in &order[..arrivals] {
            added_s[slot as usize] = model.duration_s * unit(rng.next_u64());
        }
        let mean_s = turnover.mean_on_list_s;
        let removed_s = added_s
            .iter()
            .map(|&added| {
                if mean_s.is_finite() {
                    added - mean_s * open01(rng.next_u64()).ln()
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        Some(Warrants { added_s, removed_s })
    }

    /// Whether wanted person `wanted_index` is on the list at `t_s`.
    pub fn on_list(&self, wanted_index: u32, t_s: f64) -> bool {
        let i = wanted_index as usize;
        self.added_s[i] <= t_s && t_s < self.removed_s[i]
    }
}
