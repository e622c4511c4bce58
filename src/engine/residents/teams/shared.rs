//! What independent response units share: each wanted person's arrest,
//! each unit's clock, and the arrests each unit might still make.
//!
//! A unit reads the shared state only to decide a wanted person's fate — a
//! face searched against their warrant, an officer reaching them, a stop
//! ending in an arrest — and such a read at time t must see every arrest
//! made before it, in any unit. Arrests are made only on true alerts, and a
//! true alert raised on a face at time t₀ can end in an arrest no earlier
//! than t₀ + review + approach + stop, its own draws: a *potential arrest*
//! with that lower bound E. So a read of person w at time t by unit j is
//! safe once every other unit's potential arrest of w with E before t is
//! resolved (made, or no longer possible) or that unit has passed t. Reads
//! are ordered by (time, unit): an arrest at the same time by a unit of a
//! lower number comes first.
//!
//! Potential arrests are listed a window of days at a time, as each unit
//! takes its window's faces (E ≥ t₀, so a unit that has listed its faces
//! before t has listed every potential arrest before t), and dropped once
//! resolved: the lists hold what is in flight, not a run's faces. A read
//! beyond what a unit not yet past it has listed waits, as a read waits
//! for a unit's potential arrest.

use crate::engine::response::Warrant;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A possible arrest of one wanted person by one unit, not yet resolved.
#[derive(Debug, Clone, Copy)]
struct Potential {
    /// The earliest it could happen.
    earliest_s: f64,
    unit: u16,
    /// Its number among its person's potential arrests.
    number: u32,
}

/// One wanted person's potential arrests not yet resolved.
#[derive(Debug, Default)]
struct Open {
    listed: u32,
    open: Vec<Potential>,
}

/// The units' shared state.
#[derive(Debug)]
pub(super) struct Shared {
    custody_s: f64,
    /// Per wanted person: when arrested (infinite: not yet), and by which unit.
    arrest_time: Vec<AtomicU64>,
    arrest_unit: Vec<AtomicU32>,
    /// Per unit: every event before this time has been handled.
    clocks: Vec<AtomicU64>,
    /// Per unit: every potential arrest from its faces before this time is
    /// listed.
    listed: Vec<AtomicU64>,
    /// At most the least of `listed`.
    listed_by_all: AtomicU64,
    /// Per wanted person: their potential arrests not yet resolved.
    potentials: Vec<Mutex<Open>>,
}

/// Whether an arrest at (`arrest_s`, `by`) comes before a read at (`t_s`,
/// `unit`): earlier, or at the same time by a unit of a lower number or the
/// reader itself (which handles its own events in order).
#[inline]
fn before(arrest_s: f64, by: u32, t_s: f64, unit: u32) -> bool {
    arrest_s < t_s || (arrest_s == t_s && by <= unit)
}

impl Shared {
    /// The state of `units` units and `wanted` wanted people, before any
    /// potential arrest is listed.
    pub(super) fn new(units: usize, custody_s: f64, wanted: usize) -> Shared {
        Shared {
            custody_s,
            arrest_time: (0..wanted)
                .map(|_| AtomicU64::new(f64::INFINITY.to_bits()))
                .collect(),
            arrest_unit: (0..wanted).map(|_| AtomicU32::new(u32::MAX)).collect(),
            clocks: (0..units).map(|_| AtomicU64::new(0)).collect(),
            listed: (0..units).map(|_| AtomicU64::new(0)).collect(),
            listed_by_all: AtomicU64::new(0),
            potentials: (0..wanted).map(|_| Mutex::default()).collect(),
        }
    }

    /// Unit `unit` has handled every event before `t_s`.
    #[inline]
    pub(super) fn publish(&self, unit: usize, t_s: f64) {
        self.clocks[unit].store(t_s.to_bits(), Ordering::Release);
    }

    /// Unit `unit`'s clock.
    pub(super) fn clock(&self, unit: usize) -> f64 {
        f64::from_bits(self.clocks[unit].load(Ordering::Acquire))
    }

    /// Whether unit `by` has handled every event that comes before a read
    /// at (`t_s`, `unit`).
    #[inline]
    fn past(&self, by: u32, t_s: f64, unit: u32) -> bool {
        let clock = self.clock(by as usize);
        if by < unit { clock > t_s } else { clock >= t_s }
    }

    /// Lists a potential arrest of wanted person `w` by unit `unit`, no
    /// earlier than `earliest_s`; returns its number, to resolve it by.
    pub(super) fn list(&self, w: u32, earliest_s: f64, unit: u32) -> u32 {
        let mut open = self.potentials[w as usize]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let number = open.listed;
        open.listed += 1;
        open.open.push(Potential {
            earliest_s,
            unit: unit as u16,
            number,
        });
        number
    }

    /// Unit `unit` has listed the potential arrests of all its faces before
    /// `t_s`.
    pub(super) fn listed_through(&self, unit: usize, t_s: f64) {
        self.listed[unit].store(t_s.to_bits(), Ordering::Release);
        // Times only grow, so a least value read now is one at most.
        let least = self
            .listed
            .iter()
            .map(|l| f64::from_bits(l.load(Ordering::Acquire)))
            .fold(f64::INFINITY, f64::min);
        self.listed_by_all
            .fetch_max(least.to_bits(), Ordering::AcqRel);
    }

    /// Whether unit `unit` may read wanted person `w`'s fate at `t_s`: every
    /// arrest of them before it, by any unit, is known.
    pub(super) fn safe(&self, w: u32, t_s: f64, unit: u32) -> bool {
        // Arrested before the read: that arrest was the first (its unit read
        // safely), and an executed warrant makes no more, so nothing else
        // can change the read.
        if self.arrested_before(w, t_s, unit) {
            return true;
        }
        // A unit not past the read must have listed its faces up to it.
        let listed_by_all = f64::from_bits(self.listed_by_all.load(Ordering::Acquire));
        if listed_by_all <= t_s {
            for by in 0..self.listed.len() as u32 {
                let listed = f64::from_bits(self.listed[by as usize].load(Ordering::Acquire));
                if by != unit && listed <= t_s && !self.past(by, t_s, unit) {
                    return self.arrested_before(w, t_s, unit);
                }
            }
        }
        let open = self.potentials[w as usize]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for p in &open.open {
            let by = p.unit as u32;
            if by == unit || !before(p.earliest_s, by, t_s, unit) {
                continue;
            }
            if !self.past(by, t_s, unit) && !self.arrested_before(w, t_s, unit) {
                return false;
            }
        }
        true
    }

    /// Whether wanted person `w` was arrested before a read at (`t_s`,
    /// `unit`), as far as arrests are known.
    #[inline]
    pub(super) fn arrested_before(&self, w: u32, t_s: f64, unit: u32) -> bool {
        let arrest_s = f64::from_bits(self.arrest_time[w as usize].load(Ordering::Acquire));
        arrest_s.is_finite()
            && before(
                arrest_s,
                self.arrest_unit[w as usize].load(Ordering::Acquire),
                t_s,
                unit,
            )
    }

    /// Wanted person `w`'s warrant at a read at (`t_s`, `unit`).
    pub(super) fn warrant(&self, w: u32, t_s: f64, unit: u32) -> Warrant {
        if !self.arrested_before(w, t_s, unit) {
            return Warrant::Open;
        }
        let arrest_s = f64::from_bits(self.arrest_time[w as usize].load(Ordering::Acquire));
        if t_s < arrest_s + self.custody_s {
            Warrant::InCustody
        } else {
            Warrant::Executed
        }
    }

    /// Unit `unit` arrests wanted person `w` at `t_s` (a safe read found
    /// them not yet arrested).
    pub(super) fn arrest(&self, w: u32, t_s: f64, unit: u32) {
        self.arrest_unit[w as usize].store(unit, Ordering::Release);
        self.arrest_time[w as usize].store(t_s.to_bits(), Ordering::Release);
    }

    /// Potential arrest `number` of wanted person `w` is made or no longer
    /// possible.
    pub(super) fn resolve(&self, w: u32, number: u32) {
        let mut open = self.potentials[w as usize]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(i) = open.open.iter().position(|p| p.number == number) {
            open.open.swap_remove(i);
        }
    }

    /// When wanted person `w` was arrested, if they were.
    pub(super) fn arrested_at(&self, w: u32) -> Option<f64> {
        let t = f64::from_bits(self.arrest_time[w as usize].load(Ordering::Acquire));
        t.is_finite().then_some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two units that have listed everything.
    fn listed(units: usize, custody_s: f64) -> Shared {
        let shared = Shared::new(units, custody_s, 1);
        for u in 0..units {
            shared.listed_through(u, f64::INFINITY);
        }
        shared
    }

    #[test]
    fn a_read_waits_for_another_units_earlier_potential_arrest() {
        let shared = listed(2, 3600.0);
        let number = shared.list(0, 100.0, 1);
        // Unit 0 reads person 0 at 50: no potential arrest before it.
        assert!(shared.safe(0, 50.0, 0));
        // At 150, unit 1 might have arrested them at 100: wait for it.
        assert!(!shared.safe(0, 150.0, 0));
        shared.publish(1, 120.0);
        assert!(!shared.safe(0, 150.0, 0));
        shared.publish(1, 150.5);
        assert!(shared.safe(0, 150.0, 0));
        // Or the potential resolves: an arrest at 130, seen by the read.
        shared.publish(1, 0.0);
        shared.arrest(0, 130.0, 1);
        shared.resolve(0, number);
        assert!(shared.safe(0, 150.0, 0));
        assert_eq!(shared.warrant(0, 150.0, 0), Warrant::InCustody);
        assert_eq!(shared.warrant(0, 120.0, 0), Warrant::Open);
        assert_eq!(shared.warrant(0, 130.0 + 3600.0, 0), Warrant::Executed);
    }

    #[test]
    fn a_read_waits_for_what_another_unit_has_not_listed() {
        let shared = Shared::new(2, 3600.0, 1);
        shared.listed_through(0, 86_400.0);
        shared.listed_through(1, 86_400.0);
        assert!(shared.safe(0, 50.0, 0));
        // Unit 1 has not listed its faces of the second day, nor passed it.
        assert!(!shared.safe(0, 90_000.0, 0));
        shared.listed_through(1, 2.0 * 86_400.0);
        assert!(shared.safe(0, 90_000.0, 0));
        // A potential arrest resolved is dropped.
        let number = shared.list(0, 100.0, 1);
        assert!(!shared.safe(0, 150.0, 0));
        shared.resolve(0, number);
        assert!(shared.safe(0, 150.0, 0));
    }

    #[test]
    fn ties_go_to_the_lower_unit() {
        let shared = listed(2, 10.0);
        shared.arrest(0, 5.0, 0);
        assert!(shared.arrested_before(0, 5.0, 1));
        let shared = listed(2, 10.0);
        shared.arrest(0, 5.0, 1);
        assert!(!shared.arrested_before(0, 5.0, 0));
        assert!(shared.arrested_before(0, 5.0, 1));
    }
}
