//! Uneven mobility: who, within a block, is the one who passes.
//!
//! With `population.activity_spread`, each resident gets an activity drawn
//! once per replication from a Gamma of mean 1 and the scenario's shape k.
//! A block's captures are Poisson at its expected rate times its passers'
//! mean activity `Σ a / n` ([`Activity::scale`]), and a face of the block is
//! member `i` with probability `a_i / Σ a`. So a person's captures are
//! Poisson(a_i λ) given their activity, whoever else is in their block, and
//! negative binomial over it (mean λ, variance λ + λ²/k) — also in a block
//! of one, such as a wanted person's own (a block's count that ignored its
//! realised activity would give its only member the whole block mean, and
//! cancel their spread). Without it every
//! member is equally likely, and the engine draws a member with one uniform
//! (see [`super::capture`]).
//!
//! Picking is Walker's alias method (as laid out by Vose, 1991): one random
//! word chooses a slot and, from the same multiply's low half, whether to
//! keep it or take its alias. The table holds 8 bytes a resident (and,
//! while it is built, 16 more of scratch).

use crate::model::{Block, Model};
use crate::rng::SimRng;
use rand_distr::{Distribution, Gamma};

/// One slot of a block's alias table.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Slot {
    /// Keep the slot when the coin (32 bits) is below this.
    keep_below: u32,
    /// Otherwise this member (of the same block) passes.
    alias: u32,
}

/// Every block's alias table, over its passers, in resident order.
#[derive(Debug, Default)]
pub(super) struct Activity {
    slots: Vec<Slot>,
    /// Each block's passers' mean activity (`Σ a / n`), by block index.
    scales: Vec<f64>,
    /// Scratch: scaled weights and the two work lists of Vose's method.
    scaled: Vec<f64>,
    small: Vec<u32>,
    large: Vec<u32>,
}

impl Activity {
    /// Bytes a resident costs with activity spread, at the most: their
    /// table slot, and while a block's table is built (a block may hold
    /// everyone) a weight and room in both work lists.
    pub(super) const BYTES_PER_RESIDENT: u64 = std::mem::size_of::<Slot>() as u64
        + std::mem::size_of::<f64>() as u64
        + 2 * std::mem::size_of::<u32>() as u64;

    /// Draws every resident's activity from a Gamma of mean 1 and shape
    /// `shape`, and builds each block's table over its passers (avoiders,
    /// the block's last members, never pass).
    pub(super) fn draw(&mut self, model: &Model, shape: f64, rng: &mut SimRng) {
        let gamma = Gamma::new(shape, 1.0 / shape).expect("the model checked the shape");
        self.slots.clear();
        self.slots.resize(model.residents as usize, Slot::default());
        self.scales.clear();
        for block in &model.blocks {
            let first = block.first_resident as usize;
            let passers = block.passers() as usize;
            self.scaled.clear();
            self.scaled.extend((0..passers).map(|_| gamma.sample(rng)));
            let total: f64 = self.scaled.iter().sum();
            self.scales.push(if passers == 0 {
                1.0
            } else {
                total / passers as f64
            });
            build_alias(
                &mut self.scaled,
                &mut self.small,
                &mut self.large,
                &mut self.slots[first..first + passers],
            );
        }
    }

    /// The factor on block `block_index`'s expected captures: its passers'
    /// mean activity this replication.
    #[inline]
    pub(super) fn scale(&self, block_index: usize) -> f64 {
        self.scales[block_index]
    }

    /// The member of `block` that the uniform word `word` picks, weighted by
    /// activity: `passers` is the block's number of passers.
    #[inline(always)]
    pub(super) fn pick(&self, block: &Block, passers: u64, word: u64) -> u32 {
        let wide = word as u128 * passers as u128;
        let slot = (wide >> 64) as u32;
        // Given the slot, the product's low half is uniform: the coin.
        let coin = ((wide as u64) >> 32) as u32;
        let entry = self.slots[(block.first_resident + slot) as usize];
        if coin < entry.keep_below {
            slot
        } else {
            entry.alias
        }
    }

    /// The table entry [`Activity::pick`] will read for `word`, to prefetch.
    #[inline(always)]
    pub(super) fn entry(&self, block: &Block, passers: u64, word: u64) -> &Slot {
        let slot = ((word as u128 * passers as u128) >> 64) as u32;
        &self.slots[(block.first_resident + slot) as usize]
    }
}

/// An alias table over a few items (a block's sites): one 64-bit word
/// picks one in proportion to its weight, to 2⁻³².
#[derive(Debug, Clone, Default)]
pub(super) struct AliasTable {
    slots: Vec<Slot>,
}

impl AliasTable {
    /// The table of `weights` (non-negative, not all zero).
    pub(super) fn new(weights: &[f64]) -> AliasTable {
        let mut slots = vec![Slot::default(); weights.len()];
        build_alias(
            &mut weights.to_vec(),
            &mut Vec::new(),
            &mut Vec::new(),
            &mut slots,
        );
        AliasTable { slots }
    }

    /// The index `word` picks: its high bits choose a slot, the low ones
    /// toss the slot's coin (as [`Activity::pick`]).
    #[inline(always)]
    pub(super) fn pick(&self, word: u64) -> usize {
        let wide = word as u128 * self.slots.len() as u128;
        let slot = (wide >> 64) as usize;
        let coin = ((wide as u64) >> 32) as u32;
        let entry = self.slots[slot];
        if coin < entry.keep_below {
            slot
        } else {
            entry.alias as usize
        }
    }
}

/// Vose's alias construction over `weights` (consumed as scratch) into
/// `table`. Probabilities are kept to 2⁻³² (a slot with a full share keeps
/// itself as its alias, so it is never left).
fn build_alias(
    weights: &mut [f64],
    small: &mut Vec<u32>,
    large: &mut Vec<u32>,
    table: &mut [Slot],
) {
    let n = weights.len();
    if n == 0 {
        return;
    }
    let total: f64 = weights.iter().sum();
    if total.is_nan() || total <= 0.0 {
        // Every draw underflowed to zero (only at absurdly small shapes):
        // everyone alike.
        weights.fill(1.0);
    } else {
        let scale = n as f64 / total;
        weights.iter_mut().for_each(|w| *w *= scale);
    }
    small.clear();
    large.clear();
    for (i, &w) in weights.iter().enumerate() {
        if w < 1.0 {
            small.push(i as u32);
        } else {
            large.push(i as u32);
        }
    }
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        table[s as usize] = Slot {
            keep_below: to_u32_fraction(weights[s as usize]),
            alias: l,
        };
        weights[l as usize] -= 1.0 - weights[s as usize];
        if weights[l as usize] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left has a full share, up to rounding.
    for &i in large.iter().chain(small.iter()) {
        table[i as usize] = Slot {
            keep_below: u32::MAX,
            alias: i,
        };
    }
}

/// A probability in [0, 1] as a 32-bit threshold.
fn to_u32_fraction(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The alias table picks each member with its weight's share.
    #[test]
    fn alias_picks_in_proportion_to_weight() {
        let weights = [0.1, 3.0, 0.0, 1.5, 0.4];
        let total: f64 = weights.iter().sum();
        let mut scratch = weights.to_vec();
        let mut table = vec![Slot::default(); weights.len()];
        build_alias(&mut scratch, &mut Vec::new(), &mut Vec::new(), &mut table);
        // Exact probabilities from the table: slot i is chosen with 1/n and
        // kept with keep_below / 2³², else its alias.
        let n = weights.len() as f64;
        let mut p = [0.0; 5];
        for (i, slot) in table.iter().enumerate() {
            let keep = slot.keep_below as f64 / 4_294_967_296.0;
            p[i] += keep / n;
            p[slot.alias as usize] += (1.0 - keep) / n;
        }
        for (i, w) in weights.iter().enumerate() {
            assert!(
                (p[i] - w / total).abs() < 1e-9,
                "member {i}: {} vs {}",
                p[i],
                w / total
            );
        }
    }
}
