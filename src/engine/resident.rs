//! A resident's record: what a replication remembers of each person.

use crate::rng::{SimRng, open01, unit};
use rand::Rng;

/// One resident's exposure in a replication, 16 bytes: captures, the first
/// five distinct sites that captured them, and their false-match propensity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct Resident {
    /// Captures.
    pub captures: u32,
    /// Distinct sites seen at, as site index + 1 (0: empty slot).
    sites: [u16; SITE_SLOTS],
    /// ln of the lookalike multiplier × 4096 (0: multiplier 1).
    log_lookalike: i16,
}

/// Distinct sites remembered per resident; trackability needs three.
const SITE_SLOTS: usize = 5;

impl Resident {
    /// Records a capture at `site` (index + 1).
    #[inline(always)]
    pub(super) fn seen_at(&mut self, site: u16) {
        self.captures = self.captures.saturating_add(1);
        for slot in &mut self.sites {
            if *slot == site {
                return;
            }
            if *slot == 0 {
                *slot = site;
                return;
            }
        }
    }

    /// Distinct sites that captured the resident (at most five).
    pub fn distinct_sites(&self) -> usize {
        self.sites.iter().take_while(|&&s| s != 0).count()
    }

    /// The resident's false-match propensity multiplier.
    #[inline(always)]
    pub(super) fn lookalike(&self) -> f64 {
        crate::model::lookalike_from_code(self.log_lookalike)
    }
}

/// Gives every resident a log-normal propensity with mean 1 and log-scale
/// σ = `spread`: ln L ~ N(−σ²/2, σ²), stored to 1/4096 in the log (see
/// [`crate::model::lookalike_code`], which the expectation uses too).
pub(super) fn draw_lookalikes(residents: &mut [Resident], spread: f64, rng: &mut SimRng) {
    for r in residents.iter_mut() {
        let (a, b) = (rng.next_u64(), rng.next_u64());
        let z = (-2.0 * open01(a).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(b)).cos();
        r.log_lookalike = crate::model::lookalike_code(spread, z);
    }
}
