//! Members alike but for their activity and lookalike propensity, drawn as a
//! whole: how many have each number of captures and distinct sites, one
//! class of sites at a time, instead of one by one.
//!
//! A member of a block is captured at site s Poisson(a·λₛ) times,
//! independently over the sites, where a is their activity (Gamma of shape
//! α and mean 1, or 1 for members alike). What the report needs of them is
//! their captures K, their distinct sites D (counted to four, as the
//! resident record does), their alerts, and — for the hour of a quiet face
//! — only the *shape* of the site's day. So the block's sites are grouped
//! into **classes** of one hourly shape, and the members are swept through
//! the classes in turn ([`SweepLaw`]):
//!
//! 1. **Cells.** A chunk's members start in cell (k = 0, d = 0). At class c,
//!    each cell's members take their faces there, a, and the distinct sites
//!    among them, b, jointly — as one multinomial draw over the class's
//!    outcomes (conditional binomials), moving to cell (k + a, min(d + b, 4)).
//!    The law of (a, b) given the cell is exact: a is Poisson(λ_c), or,
//!    with activity, negative binomial — the member's activity given their k
//!    faces over the classes before is Gamma(α + k, α + Λ_before), the
//!    conjugate update — and b given a is the occupancy of a faces over the
//!    class's sites, worked out once per class by a recursion
//!    ([`occupancy`]). Cells already at four sites merge the outcomes over b.
//!    A member whose faces would pass the table (a total above `k_max`, a
//!    tail below 10⁻¹², or a class count past its table, below 10⁻¹⁶) leaves
//!    the cells and is drawn one by one from there on, exactly.
//! 2. **Alerts** are a thinning of the faces, independent of where a face
//!    was: drawn per outcome group from the search stream, so that what-ifs on
//!    the matcher see the same cells. Members who have had an alert are
//!    *marked* — given a number, their alerts and (with lookalikes) their
//!    multiplier L — and follow their cells; a cell's marked members are
//!    spread over its outcome groups as a random draw without replacement.
//!    An unmarked member with k quiet faces so far has an alert among the a
//!    faces of this class with 1 − (1 − FPIR)^a, or with lookalikes
//!    (D(k + a) − D(k)) / (1 − D(k)) ([`super::lookalike`]), and their L is
//!    then drawn given it; a marked member's alerts are Binomial(a, FPIR(L)).
//!    An alerting face's site is drawn given the member's b distinct sites
//!    in the class (repeat draws until they show b, exactly that law), and
//!    its day from its site's clock.
//!
//! The cost is per chunk, per cell and outcome, and per alert — not per
//! member. Quiet faces are counted per class (at its first site: the hours
//! of its sites' days are alike).

use super::draw::Multinomial;
use super::lookalike::CodeLaw;
use crate::metrics::HOURS_OF_DAY;

/// The tail of a member's total captures left to the one-by-one draw.
const TOTAL_TAIL: f64 = 1e-12;
/// The tail of one class's count left to the one-by-one draw.
const CLASS_TAIL: f64 = 1e-16;
/// Distinct sites are counted up to four ("four or more").
pub(super) const DISTINCT: usize = 5;
/// The largest `k_max` tabled: beyond, sweeping costs more than it saves.
const MAX_K: usize = 400;

/// A class of a block's sites that share one hourly shape.
#[derive(Debug, Clone)]
pub(super) struct Class {
    /// The sites, as positions among the block's sites, each with its share
    /// of the class.
    pub(super) within: Multinomial,
    /// Where the class's quiet faces are counted (its first site's position).
    pub(super) first: u32,
    /// A member's expected faces in the class (with activity 1).
    pub(super) mean: f64,
    /// P(b distinct sites | a faces), b counted to four, for a ≤ the table.
    pub(super) occupancy: Vec<[f64; DISTINCT]>,
}

/// The outcomes of one cell at one class: (faces a, distinct sites b) with
/// their probabilities, most likely first; whatever they leave over —
/// more faces than tabled — leaves the cells.
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    pub(super) a: Vec<u16>,
    pub(super) b: Vec<u8>,
    pub(super) p: Vec<f64>,
    /// `tail[i]`: the mass of outcomes i.. and of leaving.
    pub(super) tail: Vec<f64>,
    /// The same over a alone (for cells at four sites already).
    pub(super) merged_a: Vec<u16>,
    pub(super) merged_p: Vec<f64>,
    pub(super) merged_tail: Vec<f64>,
    /// The largest a tabled: a member with more leaves the cells.
    pub(super) a_top: u32,
}

/// The law of a block's members, swept class by class.
#[derive(Debug, Clone)]
pub(super) struct SweepLaw {
    /// The classes, in the order they are swept (most faces first).
    pub(super) classes: Vec<Class>,
    /// The largest total tabled.
    pub(super) k_max: usize,
    /// `rows[c * (k_max + 1) + k]`: the outcomes at class c of a cell of k.
    rows: Vec<Row>,
    /// The activity's shape α, if members' activity differs.
    pub(super) shape: Option<f64>,
    /// α + the expected faces of the classes before each one (the rate of
    /// the activity's posterior).
    pub(super) rate_before: Vec<f64>,
    /// The group's FPIR (a face of a member with multiplier 1).
    pub(super) fpir: f64,
    /// With lookalikes: P(some of m faces alert) for m ≤ 2 k_max + the
    /// largest class count tabled.
    pub(super) some_alert: Option<Vec<f64>>,
}

impl SweepLaw {
    /// The law of members whose expected faces at each site are
    /// `mean × probabilities` (by position), with the sites grouped by the
    /// hourly shape `shape_of(position)`; `None` where it would not pay.
    /// `work` is what is left of the model's budget of table entries (taken
    /// from it).
    pub(super) fn new(
        mean: f64,
        probabilities: &[f64],
        shape_of: &dyn Fn(u32) -> [u64; HOURS_OF_DAY],
        shape: Option<f64>,
        fpir: f64,
        lookalikes: Option<&CodeLaw>,
        work: &mut f64,
    ) -> Option<SweepLaw> {
        if !(mean > 0.0 && mean.is_finite()) || probabilities.is_empty() {
            return None;
        }
        let k_max = total_top(mean, shape)?;
        let classes = classes(mean, probabilities, shape_of, k_max);
        let cost = (classes.len() * (k_max + 1)) as f64 * (k_max as f64 + 10.0)
            + classes
                .iter()
                .map(|c| (c.within.len() * (k_max + 1) * (k_max + 1)) as f64)
                .sum::<f64>();
        if cost > *work {
            return None;
        }
        *work -= cost;
        let mut rate_before = Vec::with_capacity(classes.len());
        let mut before = 0.0;
        for class in &classes {
            rate_before.push(shape.unwrap_or(0.0) + before);
            before += class.mean;
        }
        let mut law = SweepLaw {
            classes,
            k_max,
            rows: Vec::new(),
            shape,
            rate_before,
            fpir,
            some_alert: None,
        };
        let mut a_cap = 0;
        for c in 0..law.classes.len() {
            for k in 0..=k_max {
                let row = law.build_row(c, k);
                a_cap = a_cap.max(row.a_top as usize);
                law.rows.push(row);
            }
        }
        law.some_alert = lookalikes.map(|codes| codes.some_alert(fpir, k_max + a_cap + 1));
        Some(law)
    }

    /// Bytes the law holds.
    pub(super) fn bytes(&self) -> u64 {
        let rows: usize = self
            .rows
            .iter()
            .map(|r| r.a.len() * 19 + r.merged_a.len() * 18 + 120)
            .sum();
        let classes: usize = self.classes.iter().map(|c| c.occupancy.len() * 40).sum();
        (rows + classes) as u64
    }

    /// The outcomes at class `c` of a cell of `k`.
    #[inline]
    pub(super) fn row(&self, c: usize, k: usize) -> &Row {
        &self.rows[c * (self.k_max + 1) + k]
    }

    /// P(a faces at class `c` | k faces before): Poisson, or negative
    /// binomial given the activity's posterior; terms from a = 0, by
    /// recursion.
    pub(super) fn counts(&self, c: usize, k: usize) -> impl Iterator<Item = f64> {
        let lambda = self.classes[c].mean;
        let (mut term, r, ratio) = match self.shape {
            None => ((-lambda).exp(), 0.0, lambda),
            Some(alpha) => {
                let rate = self.rate_before[c];
                let r = alpha + k as f64;
                (
                    (-r * (lambda / rate).ln_1p()).exp(),
                    r,
                    lambda / (rate + lambda),
                )
            }
        };
        let poisson = self.shape.is_none();
        (0u64..).map(move |a| {
            let here = term;
            let a = a as f64;
            term *= if poisson {
                ratio / (a + 1.0)
            } else {
                (r + a) * ratio / (a + 1.0)
            };
            here
        })
    }

    /// The outcomes at class `c` of a cell of `k` faces.
    fn build_row(&self, c: usize, k: usize) -> Row {
        let class = &self.classes[c];
        let top = (self.k_max - k).min(class.occupancy.len() - 1);
        let mut outcomes: Vec<(f64, u16, u8)> = Vec::new();
        let mut merged: Vec<(f64, u16)> = Vec::new();
        let mut a_top = 0;
        let mut cumulative = 0.0;
        for (a, pa) in self.counts(c, k).enumerate().take(top + 1) {
            a_top = a;
            for (b, &occ) in class.occupancy[a].iter().enumerate() {
                if occ > 0.0 {
                    outcomes.push((pa * occ, a as u16, b as u8));
                }
            }
            merged.push((pa, a as u16));
            cumulative += pa;
            if 1.0 - cumulative < CLASS_TAIL && pa < CLASS_TAIL {
                break;
            }
        }
        let leave = self.beyond(c, k, a_top as u64);
        outcomes.sort_by(|x, y| y.0.total_cmp(&x.0));
        merged.sort_by(|x, y| y.0.total_cmp(&x.0));
        let tails = |ps: &[f64]| {
            let mut tail = vec![0.0; ps.len()];
            let mut sum = leave;
            for i in (0..ps.len()).rev() {
                sum += ps[i];
                tail[i] = sum;
            }
            tail
        };
        let p: Vec<f64> = outcomes.iter().map(|o| o.0).collect();
        let merged_p: Vec<f64> = merged.iter().map(|o| o.0).collect();
        Row {
            a: outcomes.iter().map(|o| o.1).collect(),
            b: outcomes.iter().map(|o| o.2).collect(),
            tail: tails(&p),
            p,
            merged_a: merged.iter().map(|o| o.1).collect(),
            merged_tail: tails(&merged_p),
            merged_p,
            a_top: a_top as u32,
        }
    }

    /// P(more than `a_top` faces at class `c` | k), summed term by term
    /// (not as 1 − the rest, which would lose its digits).
    pub(super) fn beyond(&self, c: usize, k: usize, a_top: u64) -> f64 {
        let mut sum = 0.0;
        for (a, term) in self.counts(c, k).enumerate().skip(a_top as usize + 1) {
            sum += term;
            let past_mode = a as f64 > 2.0 * self.classes[c].mean * (1.0 + k as f64) + 10.0;
            if term == 0.0 || (past_mode && term < sum * 1e-17) || a > 1_000_000 {
                break;
            }
        }
        sum
    }

    /// About how many binomial draws sweeping a chunk of `members` takes:
    /// its cells' expected sizes carried class by class, each cell
    /// counting the outcomes its members are likely to reach.
    pub(super) fn expected_draws(&self, members: f64) -> f64 {
        let width = self.k_max + 1;
        let mut cells = vec![0.0; width * DISTINCT];
        cells[0] = members;
        let mut draws = 0.0;
        for c in 0..self.classes.len() {
            let mut next = vec![0.0; width * DISTINCT];
            for k in 0..width {
                for d in 0..DISTINCT {
                    let m = cells[k * DISTINCT + d];
                    if m < 1e-3 {
                        continue;
                    }
                    let row = self.row(c, k);
                    let merged = d == DISTINCT - 1;
                    let p = if merged { &row.merged_p } else { &row.p };
                    let likely = p.iter().filter(|&&p| p * m >= 0.05).count() + 1;
                    draws += likely.min(p.len().max(1)) as f64;
                    for (i, &pi) in p.iter().enumerate() {
                        let (a, b) = match merged {
                            true => (row.merged_a[i] as usize, 0),
                            false => (row.a[i] as usize, row.b[i] as usize),
                        };
                        next[(k + a) * DISTINCT + (d + b).min(DISTINCT - 1)] += m * pi;
                    }
                }
            }
            cells = next;
        }
        draws
    }

    /// P(some of the next `a` faces alert | none of the first `k` did), for
    /// an unmarked member (their multiplier unknown).
    #[inline]
    pub(super) fn some_after(&self, k: usize, a: usize) -> f64 {
        match &self.some_alert {
            None => -(a as f64 * (-self.fpir).ln_1p()).exp_m1(),
            Some(d) => (d[k + a] - d[k]) / (1.0 - d[k]),
        }
    }
}

/// The largest total captures tabled: P(K > k_max) < [`TOTAL_TAIL`] for K
/// Poisson(`mean`), or negative binomial with activity of shape `shape`;
/// `None` past [`MAX_K`].
fn total_top(mean: f64, shape: Option<f64>) -> Option<usize> {
    let (mut term, r, ratio) = match shape {
        None => ((-mean).exp(), 0.0, mean),
        Some(alpha) => (
            (-alpha * (mean / alpha).ln_1p()).exp(),
            alpha,
            mean / (alpha + mean),
        ),
    };
    let mut below = 0.0;
    for k in 0..=MAX_K {
        below += term;
        if 1.0 - below < TOTAL_TAIL && k as f64 > mean {
            return Some(k);
        }
        let kf = k as f64;
        term *= match shape {
            None => ratio / (kf + 1.0),
            Some(_) => (r + kf) * ratio / (kf + 1.0),
        };
    }
    None
}

/// The block's sites grouped by hourly shape, most faces first, each with
/// its occupancy table up to `k_max` faces.
fn classes(
    mean: f64,
    probabilities: &[f64],
    shape_of: &dyn Fn(u32) -> [u64; HOURS_OF_DAY],
    k_max: usize,
) -> Vec<Class> {
    let mut by_shape: std::collections::HashMap<[u64; HOURS_OF_DAY], usize> = Default::default();
    let mut members: Vec<Vec<(u32, f64)>> = Vec::new();
    for (position, &p) in probabilities.iter().enumerate() {
        let key = shape_of(position as u32);
        let class = *by_shape.entry(key).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[class].push((position as u32, p));
    }
    let mut classes: Vec<Class> = members
        .into_iter()
        .map(|sites| {
            let share: f64 = sites.iter().map(|s| s.1).sum();
            let first = sites[0].0;
            let within = Multinomial::new(sites);
            let occupancy = occupancy(within.probabilities(), k_max);
            Class {
                within,
                first,
                mean: mean * share,
                occupancy,
            }
        })
        .collect();
    classes.sort_by(|x, y| y.mean.total_cmp(&x.mean));
    classes
}

/// P(b distinct sites | a faces), b counted to four, for a ≤ `a_max`: a
/// faces fall on sites of probabilities `within` (summing to 1). By a
/// recursion over the sites of R(a, b) = P(all a faces fall on the sites so
/// far, b of them hit): adding a site of probability π, R'(a, b') = Σⱼ
/// C(a, j) πʲ R(a − j, b) with b' = b + [j > 0] — probabilities all, so
/// nothing overflows.
pub(super) fn occupancy(within: &[f64], a_max: usize) -> Vec<[f64; DISTINCT]> {
    let mut r = vec![[0.0; DISTINCT]; a_max + 1];
    r[0][0] = 1.0;
    // choose[a][j] = C(a, j).
    let mut choose = vec![vec![1.0f64; 1]; a_max + 1];
    for a in 1..=a_max {
        let mut row = vec![1.0; a + 1];
        for j in 1..a {
            row[j] = choose[a - 1][j - 1] + choose[a - 1][j];
        }
        choose[a] = row;
    }
    let mut powers = vec![1.0; a_max + 1];
    for &pi in within {
        for j in 1..=a_max {
            powers[j] = powers[j - 1] * pi;
        }
        let mut next = vec![[0.0; DISTINCT]; a_max + 1];
        for a in 0..=a_max {
            for j in 0..=a {
                let w = choose[a][j] * powers[j];
                if w == 0.0 {
                    continue;
                }
                for (b, &before) in r[a - j].iter().enumerate() {
                    if before != 0.0 {
                        let after = (b + (j > 0) as usize).min(DISTINCT - 1);
                        next[a][after] += w * before;
                    }
                }
            }
        }
        r = next;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupancy_is_the_law_of_distinct_sites() {
        // Two faces on two sites of 0.3 and 0.7: both at one site with
        // 0.09 + 0.49, at both with 0.42.
        let occ = occupancy(&[0.3, 0.7], 3);
        assert!((occ[2][1] - 0.58).abs() < 1e-15);
        assert!((occ[2][2] - 0.42).abs() < 1e-15);
        assert_eq!(occ[0][0], 1.0);
        for row in &occ {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        // Six equal sites, five faces: four or more distinct with
        // P(5 distinct) + P(4 distinct) = (6!/1! + C(6, 4) · 240) / 6⁵,
        // 240 being the ways five faces fill four given sites.
        let occ = occupancy(&[1.0 / 6.0; 6], 5);
        assert!((occ[5][4] - 4320.0 / 7776.0).abs() < 1e-12, "{}", occ[5][4]);
    }

    #[test]
    fn the_total_table_reaches_its_tail() {
        let k = total_top(3.0, None).unwrap();
        assert!((20..30).contains(&k), "{k}");
        // Activity spreads the total: a longer table.
        let spread = total_top(3.0, Some(0.5)).unwrap();
        assert!(spread > k, "{spread}");
        assert!(total_top(5_000.0, None).is_none());
    }
}
