//! Members alike, drawn as a whole: how many have each number of captures
//! and of distinct sites, instead of one by one.
//!
//! A member of a block whose members are alike (no activity or lookalike
//! spread) is captured at each site s a Poisson(λ p_s) number of times,
//! independently ([`super`]). What the report needs of them is, per member,
//! their captures K and their distinct sites D (counted up to four, as the
//! resident record does), and which of their faces alert. So:
//!
//! 1. The joint law of (K, D) is worked out once per block, by a recursion
//!    over its sites ([`CellLaw::new`]); K above `k_max` (a tail below
//!    10⁻¹²) is one more cell.
//! 2. A chunk's members fall into the cells as one multinomial draw, by
//!    conditional binomials: O(cells), not O(members). Members are alike, so
//!    which of them falls where does not matter; they are numbered in cell
//!    order.
//! 3. A cell of n members with k captures each holds n·k faces, each
//!    alerting with the FPIR independently: Binomial(n·k, FPIR) alerting
//!    faces, drawn without replacement among them, so a member may have
//!    several. An alerting member's k sites are drawn given D = d — k draws
//!    of the site law, repeated until they show d distinct sites, which is
//!    exactly that conditional law — and each alerting face gets its site's
//!    time.
//! 4. Members past `k_max` are drawn one by one (their K from the Poisson's
//!    tail), as in the per-member path.
//!
//! Quiet faces need only their hour of the clock, so this is used only when
//! every site of the block has the same shape over the hours
//! ([`same_hours`]): then where a quiet face was does not change its hour's
//! law, and the block's quiet faces are counted at its first site.

use super::draw::Multinomial;
use super::{Captures, Law, Odds, ResidentDraw, clock::SiteClock, tally};
use crate::rng::{below, unit};
use rand::Rng;
use rand_distr::{Binomial, Distribution};

/// Distinct sites are counted up to four ("four or more").
const DISTINCT: usize = 5;
/// The largest mean number of captures per member tabled (k_max stays
/// below about 40; larger means are drawn member by member).
const MAX_MEAN: f64 = 12.0;
/// The Poisson tail left to the member-by-member cell.
const TAIL: f64 = 1e-12;
/// The most (sites × k_max²) work the laws of all a model's blocks may
/// take together (about a second); blocks past it are drawn member by member.
pub(super) const MAX_WORK: f64 = 2e8;

/// The joint law of one member's captures and distinct sites.
#[derive(Debug, Clone)]
pub(super) struct CellLaw {
    /// P(K = k, D = min(distinct, 4)), for k ≤ k_max.
    pmf: Vec<[f64; DISTINCT]>,
    /// The member's mean captures.
    mean: f64,
}

impl CellLaw {
    /// The law for a member captured Poisson(`mean` × pₛ) times at each
    /// site s (`probabilities`), or `None` where tabling it does not pay or
    /// its work would overrun what is left of `budget` (taken from it).
    pub(super) fn new(mean: f64, probabilities: &[f64], budget: &mut f64) -> Option<CellLaw> {
        if !(mean > 0.0 && mean <= MAX_MEAN) {
            return None;
        }
        // k_max: the total's tail beyond it is below TAIL.
        let mut k_max = 0;
        let mut term = (-mean).exp();
        let mut below_k = term;
        while 1.0 - below_k > TAIL && k_max < 200 {
            k_max += 1;
            term *= mean / k_max as f64;
            below_k += term;
        }
        let work = probabilities.len() as f64 * ((k_max + 1) * (k_max + 1)) as f64;
        if work > *budget {
            return None;
        }
        *budget -= work;
        let mut law = vec![[0.0; DISTINCT]; k_max + 1];
        law[0][0] = 1.0;
        let mut next = law.clone();
        let mut poisson = vec![0.0; k_max + 1];
        for &p in probabilities {
            let lambda = mean * p;
            poisson[0] = (-lambda).exp();
            for j in 1..=k_max {
                poisson[j] = poisson[j - 1] * lambda / j as f64;
            }
            for row in next.iter_mut() {
                *row = [0.0; DISTINCT];
            }
            for k in 0..=k_max {
                for d in 0..DISTINCT {
                    let w = law[k][d];
                    if w == 0.0 {
                        continue;
                    }
                    next[k][d] += w * poisson[0];
                    let seen = (d + 1).min(DISTINCT - 1);
                    for j in 1..=k_max - k {
                        next[k + j][seen] += w * poisson[j];
                    }
                }
            }
            std::mem::swap(&mut law, &mut next);
        }
        Some(CellLaw { pmf: law, mean })
    }
}

/// Whether every site of `sites` has the same shape over the hours of the
/// clock, so that a quiet face's hour does not depend on its site.
pub(super) fn same_hours(sites: &Multinomial, clocks: &[SiteClock]) -> bool {
    let shape = |position: usize| {
        let clock = &clocks[sites.item(position as u32) as usize];
        let mass = clock.mass();
        clock.hour_mass.map(|m| m / mass)
    };
    let first = shape(0);
    (1..sites.len()).all(|position| {
        shape(position)
            .iter()
            .zip(&first)
            .all(|(a, b)| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300))
    })
}

impl ResidentDraw<'_, '_> {
    /// Members `first .. first + count` of the block, alike and not wanted,
    /// drawn by cells under `law`; each face alerts with `fpir`.
    pub(super) fn alike_members(&mut self, law: &CellLaw, first: u32, count: u32, fpir: f64) {
        let group = self.block.group as usize;
        let mut left = count as u64;
        let mut mass_left = 1.0;
        let mut next_member = first;
        let mut quiet = 0u64;
        for (k, row) in law.pmf.iter().enumerate() {
            for (d, &p) in row.iter().enumerate() {
                if left == 0 {
                    break;
                }
                let share = (p / mass_left).clamp(0.0, 1.0);
                mass_left -= p;
                let n = if share >= 1.0 {
                    left
                } else if share > 0.0 {
                    Binomial::new(left, share).map_or(0, |b| b.sample(&mut self.passes))
                } else {
                    0
                };
                if n == 0 {
                    continue;
                }
                left -= n;
                let group_scanned = &mut self.out.scanned_by_group[group];
                tally(&mut self.out.exposure, group_scanned, k as u64, d, n);
                let faces = k as u64 * n;
                self.out.faces_by_group[group] += faces;
                let alerting = if faces == 0 || fpir <= 0.0 {
                    0
                } else {
                    Binomial::new(faces, fpir.min(1.0)).map_or(0, |b| b.sample(&mut self.search))
                };
                quiet += faces - alerting;
                self.alerts_in_cell(next_member, k as u64, d, faces, alerting);
                next_member += n as u32;
            }
        }
        self.quiet_by_position[0] += quiet;
        // The tail past k_max: member by member, their captures drawn from it.
        let k_max = law.pmf.len() as u64 - 1;
        for member in next_member..next_member + left as u32 {
            let captures = self.tail_draw(law.mean, k_max);
            let one = Law {
                captures: Captures::Exactly(captures),
                odds: Odds::Fpir(fpir),
                mean: law.mean,
            };
            self.member(member, &one);
        }
    }

    /// `alerting` faces drawn without replacement among a cell's `faces`
    /// (k per member, members numbered from `first`), each member's sites
    /// drawn given their `d` distinct ones, and each alerting face timed at
    /// its site.
    fn alerts_in_cell(&mut self, first: u32, k: u64, d: usize, faces: u64, alerting: u64) {
        if alerting == 0 {
            return;
        }
        // Distinct faces by rejection, then in order: a member's faces
        // come together.
        let mut drawn = std::collections::HashSet::with_capacity(alerting as usize);
        while (drawn.len() as u64) < alerting {
            drawn.insert(below(self.search.next_u64(), faces));
        }
        let mut chosen: Vec<u64> = drawn.into_iter().collect();
        chosen.sort_unstable();
        let mut sites: Vec<u32> = Vec::with_capacity(k as usize);
        let mut i = 0;
        while i < chosen.len() {
            let member = chosen[i] / k;
            self.sites_given(k, d, &mut sites);
            while i < chosen.len() && chosen[i] / k == member {
                let position = sites[(chosen[i] % k) as usize];
                let site = self.rates.sites.item(position);
                let time_s = self.plan.clocks[site as usize].time_at(unit(self.search.next_u64()));
                self.push_alert(first + member as u32, site, time_s);
                i += 1;
            }
        }
    }

    /// A member's `k` site positions given that they show `d` distinct
    /// sites (`d` = 4: four or more), by rejection: exact, at an expected
    /// cost that the rarity of the cell repays.
    fn sites_given(&mut self, k: u64, d: usize, sites: &mut Vec<u32>) {
        loop {
            sites.clear();
            let mut seen = super::draw::DistinctSites::default();
            for _ in 0..k {
                let position = self.rates.sites.one(&mut self.search);
                seen.add(position);
                sites.push(position);
            }
            if seen.count().min(DISTINCT - 1) == d {
                return;
            }
        }
    }

    /// A Poisson(`mean`) count given that it exceeds `k_max`, by inversion
    /// of its tail (summed term by term, not as 1 − the rest, which would
    /// lose its digits).
    fn tail_draw(&mut self, mean: f64, k_max: u64) -> u64 {
        let mut term = (-mean).exp();
        for k in 1..=k_max {
            term *= mean / k as f64;
        }
        let terms: Vec<f64> = (k_max + 1..)
            .scan(term, |term, k| {
                *term *= mean / k as f64;
                (*term > 0.0 && k < k_max + 400).then_some(*term)
            })
            .collect();
        let tail: f64 = terms.iter().sum();
        let mut u = unit(self.passes.next_u64()) * tail;
        for (i, &t) in terms.iter().enumerate() {
            if u < t {
                return k_max + 1 + i as u64;
            }
            u -= t;
        }
        k_max + terms.len().max(1) as u64
    }
}
