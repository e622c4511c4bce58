//! The residents engine's draws: Poisson counts, sites chosen in
//! proportion to their weight (one at a time, or many at once), and the
//! distinct sites a person was seen at.

use super::super::activity::AliasTable;
use crate::rng::{SimRng, open01, unit};
use rand::Rng;
use rand_distr::{Binomial, Distribution, Poisson};
use statrs::function::gamma::ln_gamma;

/// Below this mean a Poisson count is drawn by inversion from one uniform
/// (the mean number of steps is the mean); above it, by rand_distr's
/// rejection sampler, whose cost does not grow with the mean.
const INVERSION_BELOW: f64 = 30.0;

/// A Poisson(`mean`) count: by inversion from one uniform below
/// [`INVERSION_BELOW`], by rand_distr's sampler above; zero for a
/// non-positive mean. The residents engine draws a count per member and
/// site, mostly of small means, where inversion needs one uniform and no
/// sampler set-up per mean; the face engine keeps rand_distr's sampler
/// throughout (`engine::capture::poisson_rand_distr`), which its reports
/// were drawn with.
#[inline]
pub(super) fn poisson_inverting_small(rng: &mut SimRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    if mean >= INVERSION_BELOW {
        return Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64);
    }
    let u = unit(rng.next_u64());
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u64;
    // The sum of p falls short of 1 by rounding: stop where it stops
    // growing.
    while u >= cdf && cdf + p > cdf {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
    }
    k
}

/// A Binomial(`n`, `p`) count (`p` clamped to [0, 1]).
#[inline]
pub(super) fn binomial(rng: &mut SimRng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).map_or(0, |d| d.sample(rng))
    }
}

/// Shares `n` people out over outcomes whose probabilities are `p[i]`,
/// the rest (`1 − Σ p`) going to a last, implicit outcome: conditional
/// binomials, `p[i] / tail[i]` each, where `tail[i]` is the mass of
/// outcome `i` and all after it, the implicit one included (summed from
/// the end, so that a small remainder keeps its digits). Calls
/// `each(i, count)` for each outcome drawn at least once and returns the
/// count of the implicit outcome. Stops as soon as no one is left.
#[inline]
pub(super) fn share_out(
    rng: &mut SimRng,
    n: u64,
    p: &[f64],
    tail: &[f64],
    mut each: impl FnMut(usize, u64),
) -> u64 {
    let mut left = n;
    for (i, (&pi, &ti)) in p.iter().zip(tail).enumerate() {
        if left == 0 {
            return 0;
        }
        let count = if pi >= ti {
            left
        } else {
            binomial(rng, left, pi / ti)
        };
        if count > 0 {
            each(i, count);
            left -= count;
        }
    }
    left
}

/// Means up to which [`PoissonTable`] tables the law (about 24√mean
/// entries and a guide of as many): a year's visits to a site, for
/// instance; above, rand_distr's sampler.
const TABLE_BELOW: f64 = 5_000.0;

/// Poisson(mean) counts for many draws of one mean: the CDF as 64-bit
/// thresholds over the counts that carry any probability, with a guide
/// table (Chen and Asau) so that a count costs one word and about one
/// comparison.
#[derive(Debug, Clone)]
pub(super) struct PoissonTable {
    mean: f64,
    /// The smallest count tabled (below it the law holds under 10⁻³⁰).
    first: u64,
    /// `cdf[i]`: P(X ≤ first + i) × 2⁶⁴; the last is 2⁶⁴ − 1.
    cdf: Vec<u64>,
    /// `guide[b]`: the first i whose `cdf[i]` exceeds b × 2^(64 − bits): a
    /// word whose top `guide_bits` bits are b starts its search there.
    guide: Vec<u32>,
    guide_bits: u32,
}

impl PoissonTable {
    /// The table for `mean` (≥ 0).
    pub(super) fn new(mean: f64) -> PoissonTable {
        let (first, cdf) = if mean > 0.0 && mean < TABLE_BELOW {
            poisson_cdf(mean)
        } else {
            (0, Vec::new())
        };
        let guide_bits = (usize::BITS - cdf.len().leading_zeros()).clamp(4, 16);
        let guide = if cdf.is_empty() {
            Vec::new()
        } else {
            (0..1u64 << guide_bits)
                .map(|b| cdf.partition_point(|&t| t <= b << (64 - guide_bits)) as u32)
                .collect()
        };
        PoissonTable {
            mean,
            first,
            cdf,
            guide,
            guide_bits,
        }
    }

    /// Bytes it holds.
    pub(super) fn bytes(&self) -> u64 {
        (self.cdf.len() * 8 + self.guide.len() * 4 + std::mem::size_of::<Self>()) as u64
    }

    /// One count.
    #[inline]
    pub(super) fn draw(&self, rng: &mut SimRng) -> u64 {
        if self.cdf.is_empty() {
            return poisson_inverting_small(rng, self.mean);
        }
        let word = rng.next_u64();
        let mut i = self.guide[(word >> (64 - self.guide_bits)) as usize] as usize;
        // The last threshold is 2⁶⁴ − 1, which the word 2⁶⁴ − 1 reaches.
        let last = self.cdf.len() - 1;
        while i < last && word >= self.cdf[i] {
            i += 1;
        }
        self.first + i as u64
    }
}

/// The CDF of Poisson(`mean`) as 64-bit thresholds, from the first count
/// whose probability matters: each probability from the mode outwards,
/// so that a large mean's e^(−mean) never underflows.
fn poisson_cdf(mean: f64) -> (u64, Vec<u64>) {
    let spread = 12.0 * mean.sqrt() + 12.0;
    let first = (mean - spread).max(0.0).floor() as u64;
    let last = (mean + spread).ceil() as u64;
    let mode = mean.floor() as u64;
    let ln_mode = mode as f64 * mean.ln() - mean - ln_gamma(mode as f64 + 1.0);
    let mut p = vec![0.0; (last - first + 1) as usize];
    p[(mode - first) as usize] = ln_mode.exp();
    for k in (first..mode).rev() {
        let i = (k - first) as usize;
        p[i] = p[i + 1] * (k + 1) as f64 / mean;
    }
    for k in mode + 1..=last {
        let i = (k - first) as usize;
        p[i] = p[i - 1] * mean / k as f64;
    }
    // Normalised: ln Γ's rounding must not land on the last count.
    let total: f64 = p.iter().sum();
    let mut sum = 0.0;
    let mut cdf: Vec<u64> = p
        .iter()
        .map(|&pk| {
            sum += pk / total;
            to_threshold(sum)
        })
        .collect();
    // What rounding leaves of the tails goes to the last count tabled.
    *cdf.last_mut().expect("at least one count") = u64::MAX;
    (first, cdf)
}

/// Faces that alert, each with probability `p`: P(none of n) as 64-bit
/// thresholds for the usual small n, worked out once per law.
#[derive(Debug, Clone)]
pub(super) struct AlertOdds {
    p: f64,
    /// ln(1 − p).
    log_miss: f64,
    /// `none[n]`: the word below which none of n faces alerts, for n <
    /// [`AlertOdds::TABLED`].
    none: Vec<u64>,
}

impl AlertOdds {
    /// Face counts whose P(none) is tabled.
    const TABLED: u64 = 64;

    /// The odds for alert probability `p` per face; `tabled` works out the
    /// table (worth it for many people of the same law).
    pub(super) fn new(p: f64, tabled: bool) -> AlertOdds {
        let log_miss = (-p).ln_1p();
        let none = if tabled && p > 0.0 && p < 1.0 {
            (0..Self::TABLED).map(|n| none_below(n, log_miss)).collect()
        } else {
            Vec::new()
        };
        AlertOdds { p, log_miss, none }
    }

    /// How many of `n` faces alert: Binomial(n, p), drawn so that the usual
    /// case — none — costs one word. Given at least one, the first
    /// alerting face is found by inverting its truncated geometric law, and
    /// the faces after it are a plain binomial.
    #[inline]
    pub(super) fn alerting(&self, n: u64, rng: &mut SimRng) -> u64 {
        let p = self.p;
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        let word = rng.next_u64();
        let none_below = match self.none.get(n as usize) {
            Some(&threshold) => threshold,
            None => none_below(n, self.log_miss),
        };
        if word < none_below {
            return 0;
        }
        // The first alert's position J ≥ 1 has P(J > j) = (1 − p)^j, so J
        // is ⌊ln V / ln(1 − p)⌋ + 1 for V uniform on (0, 1]; J ≤ n exactly
        // when V > (1 − p)^n — and the word is uniform above that.
        let u = open01(word);
        let j = ((u.ln() / self.log_miss).floor() as u64 + 1).min(n);
        1 + Binomial::new(n - j, p).map_or(0, |d| d.sample(rng))
    }
}

/// The word below which none of `n` faces alerts: 2⁶⁴ less P(some alert) ×
/// 2⁶⁴, that probability computed as −expm1(n ln(1 − p)) so that a tiny one
/// keeps its digits (as the face engine's 64-bit comparison does).
fn none_below(n: u64, log_miss: f64) -> u64 {
    u64::MAX - to_threshold(-(n as f64 * log_miss).exp_m1())
}

/// A probability as a 64-bit threshold: `word < threshold` has it.
fn to_threshold(p: f64) -> u64 {
    (p * 18_446_744_073_709_551_616.0).min(u64::MAX as f64) as u64
}

/// Items (sites, hours) with weights: one drawn at a time (alias method),
/// or a count shared out over all of them (multinomial).
#[derive(Debug, Clone)]
pub(super) struct Multinomial {
    items: Vec<u32>,
    /// Each item's probability.
    probabilities: Vec<f64>,
    /// With more than one item.
    alias: Option<AliasTable>,
}

impl Multinomial {
    /// Items with positive weights (others are dropped).
    pub(super) fn new(weighted: Vec<(u32, f64)>) -> Multinomial {
        let weighted: Vec<(u32, f64)> = weighted.into_iter().filter(|w| w.1 > 0.0).collect();
        let total: f64 = weighted.iter().map(|w| w.1).sum();
        let weights: Vec<f64> = weighted.iter().map(|w| w.1).collect();
        let alias = (weighted.len() > 1).then(|| AliasTable::new(&weights));
        Multinomial {
            items: weighted.iter().map(|w| w.0).collect(),
            probabilities: weighted.iter().map(|w| w.1 / total).collect(),
            alias,
        }
    }

    /// Items with positive weight.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The item at position `local` (of [`Multinomial::one`] and
    /// [`Multinomial::split`]).
    #[inline]
    pub(super) fn item(&self, local: u32) -> u32 {
        self.items[local as usize]
    }

    /// Each item's probability, by position.
    pub(super) fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// The position of one item, drawn in proportion to its weight.
    #[inline]
    pub(super) fn one(&self, rng: &mut SimRng) -> u32 {
        match &self.alias {
            Some(alias) => alias.pick(rng.next_u64()) as u32,
            None => 0,
        }
    }

    /// Shares `n` draws out over the items, calling `each(position, count)`
    /// for every item drawn at least once (an item may come more than once).
    ///
    /// Up to four draws per item are made one by one; more, as one
    /// multinomial draw by conditional binomials, at a cost of a few per item.
    pub(super) fn split(&self, n: u64, rng: &mut SimRng, mut each: impl FnMut(u32, u64)) {
        if n == 0 {
            return;
        }
        if self.items.len() == 1 {
            each(0, n);
            return;
        }
        if n <= 4 * self.items.len() as u64 {
            for _ in 0..n {
                each(self.one(rng), 1);
            }
            return;
        }
        let mut left = n;
        let mut mass_left = 1.0;
        for (i, &p) in self.probabilities.iter().enumerate() {
            if left == 0 {
                break;
            }
            let last = i + 1 == self.items.len();
            let share = (p / mass_left).clamp(0.0, 1.0);
            let count = if last || share >= 1.0 {
                left
            } else {
                Binomial::new(left, share).map_or(0, |d| d.sample(rng))
            };
            if count > 0 {
                each(i as u32, count);
            }
            left -= count;
            mass_left -= p;
        }
    }
}

/// Distinct sites a person was seen at, by any numbering of the sites (a
/// position among the block's sites, or a site's index): a bit each for
/// the first 64, and slots for the rest. At most five are counted, as the
/// face engine's resident record remembers.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct DistinctSites {
    first_64: u64,
    beyond: [u32; 5],
    beyond_count: u8,
}

impl DistinctSites {
    /// Notes a capture at position `site`.
    #[inline]
    pub(super) fn add(&mut self, site: u32) {
        if site < 64 {
            self.first_64 |= 1 << site;
            return;
        }
        let seen = &self.beyond[..self.beyond_count as usize];
        if self.beyond_count as usize == self.beyond.len() || seen.contains(&site) {
            return;
        }
        self.beyond[self.beyond_count as usize] = site;
        self.beyond_count += 1;
    }

    /// Notes every site `other` noted.
    pub(super) fn merge(&mut self, other: &DistinctSites) {
        self.first_64 |= other.first_64;
        for &site in &other.beyond[..other.beyond_count as usize] {
            self.add(site);
        }
    }

    /// Distinct sites (at most five).
    #[inline]
    pub(super) fn count(&self) -> usize {
        (self.first_64.count_ones() as usize + self.beyond_count as usize).min(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn poisson_by_inversion_has_its_mean_and_variance() {
        let mut rng = stream(1, &[2]);
        for mean in [0.003, 0.7, 4.0, 29.0, 300.0] {
            let n = 200_000;
            let draws: Vec<f64> = (0..n)
                .map(|_| poisson_inverting_small(&mut rng, mean) as f64)
                .collect();
            let m = draws.iter().sum::<f64>() / n as f64;
            let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (mean / n as f64).sqrt();
            assert!((m - mean).abs() < 4.0 * se, "mean {mean}: {m}");
            assert!((v / mean - 1.0).abs() < 0.03, "mean {mean}: variance {v}");
        }
    }

    #[test]
    fn a_poisson_table_draws_its_law() {
        let mut rng = stream(5, &[6]);
        for mean in [0.05, 1.9, 12.0, 700.0, 4_000.0] {
            let table = PoissonTable::new(mean);
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| table.draw(&mut rng) as f64).collect();
            let m = draws.iter().sum::<f64>() / n as f64;
            let zeros = draws.iter().filter(|&&x| x == 0.0).count() as f64 / n as f64;
            let var = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!((var / mean - 1.0).abs() < 0.03, "{mean}: variance {var}");
            let p0 = (-mean).exp();
            assert!(
                (m - mean).abs() < 4.0 * (mean / n as f64).sqrt(),
                "{mean}: {m}"
            );
            let se0 = (p0 * (1.0 - p0) / n as f64).sqrt().max(1e-9);
            assert!(
                (zeros - p0).abs() < 4.0 * se0,
                "{mean}: P(0) {zeros} vs {p0}"
            );
        }
    }

    #[test]
    fn alerting_faces_are_binomial() {
        let mut rng = stream(7, &[8]);
        for (n, p) in [(1u64, 0.3), (5, 0.02), (40, 0.2), (3, 1e-4)] {
            let reps = 300_000;
            let odds = AlertOdds::new(p, n % 2 == 0);
            let draws: Vec<f64> = (0..reps)
                .map(|_| odds.alerting(n, &mut rng) as f64)
                .collect();
            let m = draws.iter().sum::<f64>() / reps as f64;
            let mean = n as f64 * p;
            let se = (mean * (1.0 - p) / reps as f64).sqrt();
            assert!((m - mean).abs() < 4.0 * se, "Bin({n}, {p}): mean {m}");
            let none = draws.iter().filter(|&&x| x == 0.0).count() as f64 / reps as f64;
            let p0 = (1.0 - p).powi(n as i32);
            let se0 = (p0 * (1.0 - p0) / reps as f64).sqrt();
            assert!((none - p0).abs() < 4.0 * se0, "Bin({n}, {p}): P(0) {none}");
        }
    }

    #[test]
    fn a_split_follows_the_weights_whether_drawn_one_by_one_or_at_once() {
        let sites = Multinomial::new(vec![(7, 1.0), (8, 3.0), (9, 0.0), (10, 6.0)]);
        let mut rng = stream(3, &[4]);
        for n in [3u64, 1_000] {
            let mut counts = [0u64; 11];
            let reps = 4_000;
            for _ in 0..reps {
                sites.split(n, &mut rng, |s, c| counts[sites.item(s) as usize] += c);
            }
            let total = (n * reps) as f64;
            assert_eq!(counts[9], 0);
            for (s, p) in [(7usize, 0.1), (8, 0.3), (10, 0.6)] {
                let se = (total * p * (1.0 - p)).sqrt();
                assert!(
                    (counts[s] as f64 - total * p).abs() < 4.0 * se,
                    "n {n}, site {s}: {} of {total}",
                    counts[s]
                );
            }
        }
    }
}
