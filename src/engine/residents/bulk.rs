//! Regulars in bulk: members alike over a long run, whose faces are so many
//! that every one of them shows all the block's sites (four or more), drawn
//! as a whole by their totals alone.
//!
//! A member's captures K are Poisson(λ) (or negative binomial with
//! activity); given K, their sites are K independent draws of the block's
//! site law, whoever they are. When even the fewest captures tabled make
//! seeing fewer than min(sites, 4) distinct sites less likely than 10⁻³⁰
//! for any member of the block in a replication, D is that number for
//! everyone, and the members need nothing but their totals:
//!
//! 1. a chunk's members fall into cells of K as one multinomial draw over
//!    the law's table (its tails beyond, below 10⁻³⁰, drawn one by one);
//! 2. the chunk's faces go to the sites as one multinomial draw;
//! 3. in each cell of k faces, the members with an alert are Binomial(n,
//!    P(some of k alert)) — with lookalikes D(k) of [`super::lookalike`], and
//!    their multiplier drawn given it — and their alerts Binomial(k, FPIR)
//!    given at least one; each alerting face is a face drawn without
//!    replacement from the chunk's faces by site (alerts are a thinning of
//!    the faces, independent of where they were), and gets a day there.
//!
//! Exposure and faces come from the passes stream and alerts from the
//! search stream, so what-ifs on the matcher see the same faces. The cost is
//! per chunk and per alert.

use super::draw::{DistinctSites, binomial, share_out};
use super::lookalike::CodeLaw;
use super::member::{ResidentDraw, tally};
use super::sweep_draw::at_least_one;
use crate::rng::{below, unit};
use rand::Rng;
use statrs::function::gamma::ln_gamma;

/// The mass a table's tails may leave out.
const TAIL: f64 = 1e-30;
/// The most entries a table may have.
const MAX_TABLE: usize = 200_000;

/// The law of one block's members' totals, when they all show
/// `distinct` sites.
#[derive(Debug, Clone)]
pub(super) struct BulkLaw {
    /// The smallest total tabled.
    first: u64,
    /// P(K = first + i), and the mass of i.. and beyond the table.
    p: Vec<f64>,
    tail: Vec<f64>,
    /// The mass outside the table, below and above it, term by term.
    below: Vec<f64>,
    above: Vec<f64>,
    /// Distinct sites every member shows.
    distinct: usize,
    fpir: f64,
    /// With lookalikes: D(k), P(some of k faces alert), for k to the
    /// table's end.
    some_alert: Option<Vec<f64>>,
}

impl BulkLaw {
    /// The law of members with `mean` expected faces (activity of shape
    /// `shape`) over sites of `probabilities`, in a block of `passers`;
    /// `None` unless every member shows min(sites, 4) of them but for a
    /// chance below 10⁻³⁰ in the block.
    pub(super) fn new(
        mean: f64,
        probabilities: &[f64],
        shape: Option<f64>,
        fpir: f64,
        codes: Option<&CodeLaw>,
        passers: u32,
    ) -> Option<BulkLaw> {
        let sites = probabilities.len();
        if !(mean > 100.0 && mean.is_finite()) || sites == 0 {
            return None;
        }
        let (ln_pmf, mode) = total_law(mean, shape);
        let sd = mean.sqrt() * shape.map_or(1.0, |a| (1.0 + mean / a).sqrt());
        let reach = 40.0 * sd + 50.0;
        let lo = (mode - reach).max(0.0) as u64;
        let hi = (mode + reach) as u64;
        if (hi - lo) as usize > MAX_TABLE {
            return None;
        }
        let terms: Vec<f64> = (lo..=hi).map(|k| ln_pmf(k).exp()).collect();
        let start = terms.iter().position(|&t| t > TAIL * 1e-3)?;
        let end = terms.iter().rposition(|&t| t > TAIL * 1e-3)?;
        let first = lo + start as u64;
        // Every member shows `distinct` sites but with this chance at most
        // (their K faces fall within fewer sites).
        let distinct = sites.min(4);
        if few_sites_bound(probabilities, first) * passers as f64 > TAIL {
            return None;
        }
        let below: Vec<f64> = (0..first).map(|k| ln_pmf(k).exp()).collect();
        let mut above = Vec::new();
        for k in first + (end - start) as u64 + 1.. {
            let t = ln_pmf(k).exp();
            if t == 0.0 || k > hi + MAX_TABLE as u64 {
                break;
            }
            above.push(t);
        }
        let p = terms[start..=end].to_vec();
        let outside: f64 = below.iter().sum::<f64>() + above.iter().sum::<f64>();
        let mut tail = vec![0.0; p.len()];
        let mut sum = outside;
        for i in (0..p.len()).rev() {
            sum += p[i];
            tail[i] = sum;
        }
        let last = first as usize + p.len();
        Some(BulkLaw {
            first,
            p,
            tail,
            below,
            above,
            distinct,
            fpir,
            some_alert: codes.map(|codes| codes.some_alert(fpir, last)),
        })
    }

    /// Bytes it holds.
    pub(super) fn bytes(&self) -> u64 {
        let entries = 2 * self.p.len()
            + self.below.len()
            + self.above.len()
            + self.some_alert.as_ref().map_or(0, Vec::len);
        (entries * 8) as u64
    }

    /// P(some of `k` faces alert) for a member whose multiplier is unknown.
    fn some_of(&self, k: u64) -> f64 {
        match &self.some_alert {
            Some(d) => d[k as usize],
            None => -(k as f64 * (-self.fpir).ln_1p()).exp_m1(),
        }
    }
}

/// ln P(K = k) of the total, Poisson(`mean`) or negative binomial with
/// activity of shape α (mean `mean`), and its mode.
fn total_law(mean: f64, shape: Option<f64>) -> (impl Fn(u64) -> f64, f64) {
    let law = move |k: u64| {
        let k = k as f64;
        match shape {
            None => k * mean.ln() - mean - ln_gamma(k + 1.0),
            Some(a) => {
                ln_gamma(a + k) - ln_gamma(a) - ln_gamma(k + 1.0)
                    + a * (a / (a + mean)).ln()
                    + k * (mean / (a + mean)).ln()
            }
        }
    };
    (law, mean.floor())
}

/// An upper bound on P(k faces fall within fewer than min(sites, 4) sites):
/// with four sites or more, on some three of them — at most C(sites, 3)
/// times the three likeliest's share to the k; with fewer, missing one.
fn few_sites_bound(probabilities: &[f64], k: u64) -> f64 {
    let sites = probabilities.len();
    let k = k as f64;
    if sites >= 4 {
        let mut sorted = probabilities.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let top: f64 = sorted[..3].iter().sum();
        let n = sites as f64;
        let triples = n * (n - 1.0) * (n - 2.0) / 6.0;
        (triples.ln() + k * top.min(1.0).ln()).exp()
    } else {
        probabilities.iter().map(|p| (k * (-p).ln_1p()).exp()).sum()
    }
}

/// Faces by site position, drawn without replacement (a Fenwick tree of the
/// counts).
struct FacesLeft {
    tree: Vec<u64>,
}

impl FacesLeft {
    fn new(counts: &[u64]) -> FacesLeft {
        let mut tree = vec![0; counts.len() + 1];
        for (i, &c) in counts.iter().enumerate() {
            let mut j = i + 1;
            while j < tree.len() {
                tree[j] += c;
                j += j & j.wrapping_neg();
            }
        }
        FacesLeft { tree }
    }

    /// The position of the face at `index` among those left, taken out.
    fn take(&mut self, mut index: u64) -> u32 {
        let n = self.tree.len() - 1;
        let mut pos = 0;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= index {
                index -= self.tree[next];
                pos = next;
            }
            step >>= 1;
        }
        let mut j = pos + 1;
        while j <= n {
            self.tree[j] -= 1;
            j += j & j.wrapping_neg();
        }
        pos as u32
    }
}

impl ResidentDraw<'_, '_> {
    /// Members `first .. first + count` of the block, none wanted, drawn by
    /// `law`; with lookalikes, `codes` is the law of their multipliers.
    pub(super) fn bulk_members(
        &mut self,
        law: &BulkLaw,
        first: u32,
        count: u32,
        codes: Option<&CodeLaw>,
    ) {
        let group = self.block.group as usize;
        let mut cells: Vec<(u64, u64)> = Vec::new();
        let outside = share_out(&mut self.passes, count as u64, &law.p, &law.tail, |i, n| {
            cells.push((law.first + i as u64, n))
        });
        let mut faces = 0u64;
        for &(k, n) in &cells {
            let scanned = &mut self.out.scanned_by_group[group];
            tally(&mut self.out.exposure, scanned, k, law.distinct, n);
            faces += k * n;
        }
        let mut by_position = vec![0u64; self.rates.sites.len()];
        self.rates
            .sites
            .split(faces, &mut self.passes, |position, n| {
                by_position[position as usize] += n
            });
        let mut next_member = first;
        let mut left = FacesLeft::new(&by_position);
        let mut faces_left = faces;
        for &(k, n) in &cells {
            for _ in 0..binomial(&mut self.search, n, law.some_of(k)) {
                let fpir = match codes {
                    None => law.fpir,
                    Some(codes) => {
                        let g = -(-law.fpir).ln_1p();
                        let l = codes.draw(&mut self.search, k as f64 * g, |l| {
                            -(-(k as f64) * g * l).exp_m1()
                        });
                        -(l * (-law.fpir).ln_1p()).exp_m1()
                    }
                };
                let alerts = at_least_one(&mut self.search, k, fpir);
                for _ in 0..alerts {
                    let position = left.take(below(self.search.next_u64(), faces_left));
                    faces_left -= 1;
                    by_position[position as usize] -= 1;
                    self.push_alert(next_member, self.rates.sites.item(position));
                }
                self.out.scanned_by_group[group][3] += (alerts >= 2) as u64;
                next_member += 1;
            }
        }
        for (quiet, n) in self.quiet_by_position.iter_mut().zip(&by_position) {
            *quiet += n;
        }
        self.out.faces_by_group[group] += faces;
        for _ in 0..outside {
            let k = self.outside_total(law);
            self.outside_member(next_member, k, law, codes);
            next_member += 1;
        }
    }

    /// A total from the law's tails beyond its table, by inversion.
    fn outside_total(&mut self, law: &BulkLaw) -> u64 {
        let mass: f64 = law.below.iter().chain(&law.above).sum();
        let mut u = unit(self.passes.next_u64()) * mass;
        for (k, &t) in law.below.iter().enumerate() {
            if u < t {
                return k as u64;
            }
            u -= t;
        }
        let after = law.first + law.p.len() as u64;
        for (i, &t) in law.above.iter().enumerate() {
            if u < t {
                return after + i as u64;
            }
            u -= t;
        }
        after + law.above.len().saturating_sub(1) as u64
    }

    /// A member whose total `k` lies beyond the table: drawn one by one.
    fn outside_member(&mut self, member: u32, k: u64, law: &BulkLaw, codes: Option<&CodeLaw>) {
        let group = self.block.group as usize;
        let mut seen = DistinctSites::default();
        self.faces_at.clear();
        let (quiet, faces_at) = (&mut self.quiet_by_position, &mut self.faces_at);
        self.rates.sites.split(k, &mut self.passes, |position, n| {
            quiet[position as usize] += n;
            seen.add(position);
            faces_at.push((position, n));
        });
        let lookalike = codes.map_or(1.0, |codes| {
            codes.draw(&mut self.search, f64::INFINITY, |_| 1.0)
        });
        let fpir = -(lookalike * (-law.fpir).ln_1p()).exp_m1();
        let alerts = binomial(&mut self.search, k, fpir);
        for left in (k - alerts + 1..=k).rev() {
            self.alert(member, left);
        }
        self.out.faces_by_group[group] += k;
        let scanned = &mut self.out.scanned_by_group[group];
        tally(&mut self.out.exposure, scanned, k, seen.count(), 1);
        scanned[3] += (alerts >= 2) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_left_are_taken_by_their_counts() {
        let mut left = FacesLeft::new(&[2, 0, 3, 1]);
        // Faces 0-1 at position 0, 2-4 at 2, 5 at 3.
        assert_eq!(left.take(5), 3);
        assert_eq!(left.take(0), 0);
        assert_eq!(left.take(1), 2);
        // One face left at 0, two at 2.
        assert_eq!(left.take(2), 2);
        assert_eq!(left.take(0), 0);
        assert_eq!(left.take(0), 2);
    }

    #[test]
    fn the_bound_on_few_sites_falls_with_the_faces() {
        let p = [0.4, 0.3, 0.2, 0.1];
        assert!(few_sites_bound(&p, 10) > 1e-3);
        assert!(few_sites_bound(&p, 2_000) < 1e-60);
        assert!(few_sites_bound(&[0.5, 0.5], 200) < 1e-59);
    }
}
