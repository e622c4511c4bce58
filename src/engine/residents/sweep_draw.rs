//! A chunk's members drawn by the sweep law ([`super::sweep`]): cells
//! moved class by class, alerts thinned from each class's faces, marked
//! members followed through their cells, and the few members whose faces
//! pass the tables drawn one by one.

use super::draw::{DistinctSites, binomial, poisson_inverting_small, share_out};
use super::lookalike::CodeLaw;
use super::member::{ResidentDraw, tally};
use super::sweep::{DISTINCT, SweepLaw};
use crate::rng::{SimRng, below, open01, unit};
use rand::Rng;
use rand_distr::{Distribution, Gamma};

/// A member who has had an alert, following their cell.
#[derive(Debug, Clone, Copy)]
struct Marked {
    member: u32,
    alerts: u32,
    lookalike: f64,
}

/// A member who left the cells at class `class` with `k` faces at `d`
/// distinct sites before it, drawn one by one from there.
#[derive(Debug, Clone, Copy)]
struct Loose {
    class: usize,
    k: usize,
    d: usize,
    marked: Option<Marked>,
}

/// One outcome group of a cell at a class: `count` members with `a` faces
/// at `b` distinct sites in the class (`b` is `None` where the row merged
/// it: the cell had four sites already).
#[derive(Debug, Clone, Copy)]
struct Group {
    a: usize,
    b: Option<usize>,
    count: u64,
}

/// The chunk's cells: members per (k, d), and their marked members.
struct Cells {
    count: Vec<u64>,
    marked: Vec<Vec<Marked>>,
}

impl Cells {
    fn new(len: usize) -> Cells {
        Cells {
            count: vec![0; len],
            marked: vec![Vec::new(); len],
        }
    }

    fn clear(&mut self) {
        self.count.fill(0);
        self.marked.iter_mut().for_each(Vec::clear);
    }
}

impl ResidentDraw<'_, '_> {
    /// Members `first .. first + count` of the block, none wanted, drawn by
    /// `law`; with lookalikes, `codes` is the law of their multipliers.
    pub(super) fn sweep_members(
        &mut self,
        law: &SweepLaw,
        first: u32,
        count: u32,
        codes: Option<&CodeLaw>,
    ) {
        let width = law.k_max + 1;
        let mut cells = Cells::new(width * DISTINCT);
        let mut next = Cells::new(width * DISTINCT);
        cells.count[0] = count as u64;
        let mut next_member = first;
        let mut loose = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        for c in 0..law.classes.len() {
            next.clear();
            for k in 0..width {
                for d in 0..DISTINCT {
                    let cell = k * DISTINCT + d;
                    let n = cells.count[cell];
                    if n == 0 {
                        continue;
                    }
                    let row = law.row(c, k);
                    groups.clear();
                    let leaving = if d == DISTINCT - 1 {
                        share_out(
                            &mut self.passes,
                            n,
                            &row.merged_p,
                            &row.merged_tail,
                            |i, n| {
                                groups.push(Group {
                                    a: row.merged_a[i] as usize,
                                    b: None,
                                    count: n,
                                })
                            },
                        )
                    } else {
                        share_out(&mut self.passes, n, &row.p, &row.tail, |i, n| {
                            groups.push(Group {
                                a: row.a[i] as usize,
                                b: Some(row.b[i] as usize),
                                count: n,
                            })
                        })
                    };
                    let marked = std::mem::take(&mut cells.marked[cell]);
                    let (mut by_group, left_marked) = self.spread_marked(&groups, leaving, marked);
                    for (g, group) in groups.iter().enumerate() {
                        let target =
                            (k + group.a) * DISTINCT + (d + group.b.unwrap_or(0)).min(DISTINCT - 1);
                        next.count[target] += group.count;
                        let mut marked = std::mem::take(&mut by_group[g]);
                        self.group_alerts(law, c, k, *group, &mut marked, &mut next_member, codes);
                        next.marked[target].append(&mut marked);
                    }
                    let left_marked = left_marked.into_iter().map(Some);
                    let unmarked = leaving as usize - left_marked.len();
                    for marked in left_marked.chain(std::iter::repeat_n(None, unmarked)) {
                        loose.push(Loose {
                            class: c,
                            k,
                            d,
                            marked,
                        });
                    }
                }
            }
            std::mem::swap(&mut cells, &mut next);
        }
        let group = self.block.group as usize;
        for k in 0..width {
            for d in 0..DISTINCT {
                let cell = k * DISTINCT + d;
                let scanned = &mut self.out.scanned_by_group[group];
                tally(
                    &mut self.out.exposure,
                    scanned,
                    k as u64,
                    d,
                    cells.count[cell],
                );
                scanned[3] += cells.marked[cell].iter().filter(|m| m.alerts >= 2).count() as u64;
            }
        }
        for member in loose {
            self.loose_member(law, member, &mut next_member, codes);
        }
    }

    /// Spreads a cell's marked members over its outcome groups (and those
    /// leaving the cells, `leaving` of them), as a draw without replacement:
    /// each marked member is any of the cell's members.
    fn spread_marked(
        &mut self,
        groups: &[Group],
        leaving: u64,
        marked: Vec<Marked>,
    ) -> (Vec<Vec<Marked>>, Vec<Marked>) {
        let mut by_group = vec![Vec::new(); groups.len()];
        let mut left = Vec::new();
        if marked.is_empty() {
            return (by_group, left);
        }
        let mut room: Vec<u64> = groups.iter().map(|g| g.count).collect();
        room.push(leaving);
        let mut total: u64 = room.iter().sum();
        for m in marked {
            let mut index = below(self.search.next_u64(), total);
            let g = room
                .iter()
                .position(|&r| {
                    let here = index < r;
                    if !here {
                        index -= r;
                    }
                    here
                })
                .expect("the room adds up to the members");
            room[g] -= 1;
            total -= 1;
            match by_group.get_mut(g) {
                Some(list) => list.push(m),
                None => left.push(m),
            }
        }
        (by_group, left)
    }

    /// The alerts of one outcome group at class `c` (its members had `k`
    /// quiet faces before): its marked members' alerts among their `a`
    /// faces here, and the unmarked who have their first, who become marked
    /// (numbered from `next_member`). Counts the group's faces.
    #[allow(clippy::too_many_arguments)]
    fn group_alerts(
        &mut self,
        law: &SweepLaw,
        c: usize,
        k: usize,
        group: Group,
        marked: &mut Vec<Marked>,
        next_member: &mut u32,
        codes: Option<&CodeLaw>,
    ) {
        let faces = group.count * group.a as u64;
        let class = &law.classes[c];
        self.out.faces_by_group[self.block.group as usize] += faces;
        self.quiet_by_position[class.first as usize] += faces;
        if group.a == 0 {
            return;
        }
        for m in marked.iter_mut() {
            let fpir = law_fpir(law, m.lookalike);
            let alerts = binomial(&mut self.search, group.a as u64, fpir);
            self.class_alerts(law, c, group, m.member, alerts);
            m.alerts += alerts as u32;
        }
        let unmarked = group.count - marked.len() as u64;
        let first = binomial(&mut self.search, unmarked, law.some_after(k, group.a));
        for _ in 0..first {
            let lookalike = match codes {
                None => 1.0,
                Some(codes) => {
                    let (g, a) = (-(-law.fpir).ln_1p(), group.a as f64);
                    codes.draw(&mut self.search, a * g, |l| {
                        (-(k as f64) * g * l).exp() * -(-a * g * l).exp_m1()
                    })
                }
            };
            let fpir = law_fpir(law, lookalike);
            let alerts = at_least_one(&mut self.search, group.a as u64, fpir);
            let member = *next_member;
            *next_member += 1;
            self.class_alerts(law, c, group, member, alerts);
            marked.push(Marked {
                member,
                alerts: alerts as u32,
                lookalike,
            });
        }
    }

    /// `alerts` alerts of member `member` among their `group.a` faces at
    /// class `c`: the faces' sites drawn (given their `group.b` distinct
    /// sites, when the cell's row kept it), the alerting ones chosen among
    /// them, each given a day; taken off the class's quiet faces.
    fn class_alerts(&mut self, law: &SweepLaw, c: usize, group: Group, member: u32, alerts: u64) {
        if alerts == 0 {
            return;
        }
        let class = &law.classes[c];
        let mut positions = Vec::with_capacity(group.a);
        loop {
            positions.clear();
            let mut seen = DistinctSites::default();
            for _ in 0..group.a {
                let p = class.within.item(class.within.one(&mut self.search));
                seen.add(p);
                positions.push(p);
            }
            if group.b.is_none_or(|b| seen.count().min(DISTINCT - 1) == b) {
                break;
            }
        }
        for i in 0..alerts as usize {
            // A partial shuffle: the alerting faces, distinct.
            let j = i + below(self.search.next_u64(), (group.a - i) as u64) as usize;
            positions.swap(i, j);
            self.quiet_by_position[class.first as usize] -= 1;
            self.push_alert(member, self.rates.sites.item(positions[i]));
        }
    }

    /// A member who left the cells at class `loose.class`: their faces there
    /// (more than the row tabled), and at each later class, drawn one by one
    /// with their own activity and multiplier given what came before.
    fn loose_member(
        &mut self,
        law: &SweepLaw,
        loose: Loose,
        next_member: &mut u32,
        codes: Option<&CodeLaw>,
    ) {
        let (c0, k) = (loose.class, loose.k);
        let row = law.row(c0, k);
        // The class's count, from its law beyond the row.
        let beyond = law.beyond(c0, k, row.a_top as u64);
        let mut u = unit(self.passes.next_u64()) * beyond;
        let mut a0 = row.a_top as usize + 1;
        for (a, term) in law.counts(c0, k).enumerate().skip(a0) {
            a0 = a;
            if u < term {
                break;
            }
            u -= term;
        }
        let lookalike = match (loose.marked, codes) {
            (Some(m), _) => m.lookalike,
            (None, None) => 1.0,
            (None, Some(codes)) => {
                let g = -(-law.fpir).ln_1p();
                codes.draw(&mut self.search, f64::INFINITY, |l| {
                    (-(k as f64) * g * l).exp()
                })
            }
        };
        let activity = law.shape.map(|alpha| {
            let shape = alpha + (k + a0) as f64;
            let rate = law.rate_before[c0] + law.classes[c0].mean;
            Gamma::new(shape, 1.0 / rate).map_or(0.0, |g| g.sample(&mut self.passes))
        });
        let fpir = law_fpir(law, lookalike);
        let member = loose.marked.map_or(*next_member, |m| m.member);
        let mut alerts = loose.marked.map_or(0, |m| m.alerts as u64);
        let (mut faces, mut distinct) = (k as u64, loose.d);
        for c in c0..law.classes.len() {
            let a = if c == c0 {
                a0 as u64
            } else {
                poisson_inverting_small(
                    &mut self.passes,
                    activity.unwrap_or(1.0) * law.classes[c].mean,
                )
            };
            let (here, seen) = self.loose_class(law, c, a, member, fpir);
            alerts += here;
            faces += a;
            distinct += seen;
        }
        if loose.marked.is_none() && alerts > 0 {
            *next_member += 1;
        }
        let group = self.block.group as usize;
        let scanned = &mut self.out.scanned_by_group[group];
        tally(&mut self.out.exposure, scanned, faces, distinct, 1);
        scanned[3] += (alerts >= 2) as u64;
    }

    /// A loose member's `a` faces at class `c`: their sites, their alerts
    /// (each with `fpir`) and the faces counted; returns the alerts and the
    /// distinct sites.
    fn loose_class(
        &mut self,
        law: &SweepLaw,
        c: usize,
        a: u64,
        member: u32,
        fpir: f64,
    ) -> (u64, usize) {
        if a == 0 {
            return (0, 0);
        }
        let class = &law.classes[c];
        self.out.faces_by_group[self.block.group as usize] += a;
        self.quiet_by_position[class.first as usize] += a;
        let mut seen = DistinctSites::default();
        let mut at: Vec<(u32, u64)> = Vec::new();
        class.within.split(a, &mut self.passes, |local, n| {
            let position = class.within.item(local);
            seen.add(position);
            at.push((position, n));
        });
        let alerts = binomial(&mut self.search, a, fpir);
        for left in (a - alerts + 1..=a).rev() {
            let mut index = below(self.search.next_u64(), left);
            let slot = at
                .iter_mut()
                .find(|(_, n)| {
                    let here = index < *n;
                    if !here {
                        index -= *n;
                    }
                    here
                })
                .expect("the faces add up to those left");
            slot.1 -= 1;
            self.quiet_by_position[class.first as usize] -= 1;
            self.push_alert(member, self.rates.sites.item(slot.0));
        }
        (alerts, seen.count())
    }
}

/// A face's chance of alerting for a member of multiplier `lookalike`.
#[inline]
fn law_fpir(law: &SweepLaw, lookalike: f64) -> f64 {
    if lookalike == 1.0 {
        law.fpir
    } else {
        -(lookalike * (-law.fpir).ln_1p()).exp_m1()
    }
}

/// Binomial(`n`, `p`) given at least one: the first alerting face's
/// position J from its truncated geometric law (P(J > j) = (1 − p)^j, J ≤
/// n), and the faces after it a plain binomial.
pub(super) fn at_least_one(rng: &mut SimRng, n: u64, p: f64) -> u64 {
    debug_assert!(n > 0);
    if p >= 1.0 {
        return n;
    }
    let log_miss = (-p).ln_1p();
    // V uniform on [(1 − p)^n, 1): J = ⌊ln V / ln(1 − p)⌋ + 1, with ln V
    // = ln(1 − w·P(some)) for w uniform on (0, 1], kept to its digits.
    let some = -(n as f64 * log_miss).exp_m1();
    let ln_v = (-open01(rng.next_u64()) * some).ln_1p();
    let j = ((ln_v / log_miss).floor() as u64 + 1).min(n);
    1 + binomial(rng, n - j, p)
}
