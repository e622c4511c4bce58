//! Notes on a grid: keys that are read as a pair, varied one without the
//! other. Varying `watchlist.size` while `watchlist.wanted_present` stays
//! fixed gives every list the same wanted people, so true alerts stay flat
//! as the list grows — which analysts misread as the list not helping. The
//! grid is fine; `sweep` says so in a line before it runs, and how to vary
//! the two together (linked keys, [`super::Axis`]).

use super::Grid;
use crate::model::{beyond_caveat, beyond_measured};
use crate::scenario::Scenario;

/// A line naming the points whose threshold lies beyond those the matcher
/// was measured at, and what their figures rest on (the caveat of
/// [`crate::model::Model::threshold_caveat`], once for all of them).
/// `None` when no point is beyond.
pub fn threshold_note(scenarios: &[Scenario]) -> Option<String> {
    let mut beyond: Vec<f64> = Vec::new();
    let mut caveat = None;
    for model in scenarios.iter().map(|s| &s.model) {
        let threshold = model.matcher.threshold;
        if beyond_measured(threshold, &model.calibration) {
            caveat = caveat.or_else(|| beyond_caveat(&model.calibration, model.posterior_draws));
            if !beyond.contains(&threshold) {
                beyond.push(threshold);
            }
        }
    }
    beyond.sort_by(f64::total_cmp);
    let list: Vec<String> = beyond.iter().map(|t| t.to_string()).collect();
    Some(format!(
        "threshold{} {}: {}",
        if list.len() == 1 { "" } else { "s" },
        list.join(", "),
        caveat?
    ))
}

/// Keys read as a pair: varying the first while the second stays fixed
/// changes the ratio between them, which analysts misread as the effect of
/// the first. (key, partner, what happens, an example of varying both.)
pub const PARTNERS: [(&str, &str, &str, &str); 2] = [
    (
        "watchlist.size",
        "watchlist.wanted_present",
        "every list holds the same wanted people, so true alerts stay flat while false alerts grow \
         with the list",
        "1000,2;10000,20",
    ),
    (
        "population.residents",
        "watchlist.wanted_present",
        "every city holds the same wanted people, so the share of faces that are wanted falls as \
         the city grows (unless the scenario gives watchlist.wanted_prevalence, which scales with \
         residents)",
        "100000,1;1000000,10",
    ),
];

impl Grid {
    /// A line for each varied key whose partner stays fixed (see
    /// [`PARTNERS`]): `watchlist.size` varied while `watchlist.wanted_present`
    /// is not, say. For the caller to show before the sweep runs.
    pub fn notes(&self) -> Vec<String> {
        let keys = self.keys();
        PARTNERS
            .iter()
            .filter(|(key, partner, ..)| keys.contains(key) && !keys.contains(partner))
            .map(|(key, partner, what, example)| {
                format!(
                    "--vary {key} keeps {partner} fixed: {what}; to vary them together: \
                     --vary '{key},{partner}={example}'"
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varying_a_key_without_its_partner_is_noted() {
        let notes = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            Grid::parse(&args).unwrap().notes()
        };
        let lone = notes(&["watchlist.size=1000,10000"]);
        assert_eq!(lone.len(), 1);
        assert!(lone[0].starts_with("--vary watchlist.size keeps watchlist.wanted_present fixed"));
        assert!(lone[0].contains("true alerts stay flat"));
        assert!(!lone[0].contains('\n'));
        assert!(notes(&["watchlist.size,watchlist.wanted_present=1000,2;10000,20"]).is_empty());
        assert!(notes(&["watchlist.size=1000,10000", "watchlist.wanted_present=2,20"]).is_empty());
        assert!(notes(&["matcher.threshold=0.6,0.62"]).is_empty());
        assert_eq!(notes(&["population.residents=1e5,1e6"]).len(), 1);
    }
}
