//! What independent response units share: each wanted person's arrest,
//! each unit's clock, and the arrests each unit might still make.
//!
//! A unit reads the shared state only to decide a wanted person's fate — a
//! face searched against their warrant, an officer reaching them, a stop
//! ending in an arrest — and such a read at time t must see every arrest
//! made before it, in any unit. Arrests are made only on true alerts, and a
//! true alert raised on a face at time t₀ can end in an arrest no earlier
//! than t₀ + review + approach + stop, its own draws: a *potential arrest*
//! with that lower bound E, listed per person before the units start. So a
//! read of person w at time t by unit j is safe once every other unit's
//! potential arrest of w with E before t is resolved (made, or no longer
//! possible) or that unit has passed t. Reads are ordered by (time, unit):
//! an arrest at the same time by a unit of a lower number comes first.

use crate::engine::response::Warrant;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// A possible arrest of one wanted person by one unit.
#[derive(Debug)]
pub(super) struct Potential {
    /// The earliest it could happen.
    pub(super) earliest_s: f64,
    pub(super) unit: u16,
    /// Made, or no longer possible.
    pub(super) resolved: AtomicBool,
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
    /// Per wanted person: their potential arrests, earliest first, and the
    /// first that may be unresolved.
    potentials: Vec<Vec<Potential>>,
    cursor: Vec<AtomicU32>,
}

/// Whether an arrest at (`arrest_s`, `by`) comes before a read at (`t_s`,
/// `unit`): earlier, or at the same time by a unit of a lower number or the
/// reader itself (which handles its own events in order).
#[inline]
fn before(arrest_s: f64, by: u32, t_s: f64, unit: u32) -> bool {
    arrest_s < t_s || (arrest_s == t_s && by <= unit)
}

impl Shared {
    /// The state of `units` units and `wanted` wanted people, with their
    /// potential arrests (each person's sorted by their earliest time).
    pub(super) fn new(units: usize, custody_s: f64, potentials: Vec<Vec<Potential>>) -> Shared {
        let wanted = potentials.len();
        Shared {
            custody_s,
            arrest_time: (0..wanted)
                .map(|_| AtomicU64::new(f64::INFINITY.to_bits()))
                .collect(),
            arrest_unit: (0..wanted).map(|_| AtomicU32::new(u32::MAX)).collect(),
            clocks: (0..units).map(|_| AtomicU64::new(0)).collect(),
            potentials,
            cursor: (0..wanted).map(|_| AtomicU32::new(0)).collect(),
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

    /// Whether unit `unit` may read wanted person `w`'s fate at `t_s`: every
    /// arrest of them before it, by any unit, is known.
    pub(super) fn safe(&self, w: u32, t_s: f64, unit: u32) -> bool {
        // Arrested before the read: that arrest was the first (its unit read
        // safely), and an executed warrant makes no more, so nothing later
        // in the list can change the read. (Without this, every read after
        // the arrest would walk the person's unresolved potentials: a
        // national year's regulars have hundreds.)
        if self.arrested_before(w, t_s, unit) {
            return true;
        }
        let list = &self.potentials[w as usize];
        let cursor = &self.cursor[w as usize];
        let mut i = cursor.load(Ordering::Relaxed) as usize;
        // Resolved potentials at the front never matter again.
        while i < list.len() && list[i].resolved.load(Ordering::Acquire) {
            i += 1;
        }
        cursor.fetch_max(i as u32, Ordering::Relaxed);
        for p in &list[i..] {
            if !before(p.earliest_s, p.unit as u32, t_s, unit) {
                break;
            }
            if p.unit as u32 == unit || p.resolved.load(Ordering::Acquire) {
                continue;
            }
            // Its unit has handled everything that comes before this read.
            let clock = self.clock(p.unit as usize);
            let past = if (p.unit as u32) < unit {
                clock > t_s
            } else {
                clock >= t_s
            };
            if !past && !self.arrested_before(w, t_s, unit) {
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

    /// Potential arrest `index` of wanted person `w` is made or no longer
    /// possible.
    pub(super) fn resolve(&self, w: u32, index: u32) {
        self.potentials[w as usize][index as usize]
            .resolved
            .store(true, Ordering::Release);
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

    fn potential(earliest_s: f64, unit: u16) -> Potential {
        Potential {
            earliest_s,
            unit,
            resolved: AtomicBool::new(false),
        }
    }

    #[test]
    fn a_read_waits_for_another_units_earlier_potential_arrest() {
        let shared = Shared::new(2, 3600.0, vec![vec![potential(100.0, 1)]]);
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
        shared.resolve(0, 0);
        assert!(shared.safe(0, 150.0, 0));
        assert_eq!(shared.warrant(0, 150.0, 0), Warrant::InCustody);
        assert_eq!(shared.warrant(0, 120.0, 0), Warrant::Open);
        assert_eq!(shared.warrant(0, 130.0 + 3600.0, 0), Warrant::Executed);
    }

    #[test]
    fn ties_go_to_the_lower_unit() {
        let shared = Shared::new(2, 10.0, vec![vec![]]);
        shared.arrest(0, 5.0, 0);
        assert!(shared.arrested_before(0, 5.0, 1));
        let shared = Shared::new(2, 10.0, vec![vec![]]);
        shared.arrest(0, 5.0, 1);
        assert!(!shared.arrested_before(0, 5.0, 0));
        assert!(shared.arrested_before(0, 5.0, 1));
    }
}
