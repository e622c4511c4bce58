//! A chunk's wanted people's faces, held until their response unit takes
//! them a window of days at a time, as alerts are ([`super::alerts`]).
//!
//! Wanted people are searched face by face in time order, and a national
//! year's few thousand of them give tens of millions of faces. A chunk keeps
//! each face in sixteen bytes, grouped by the unit that answers its site and
//! by window; a unit spells out (sorts, and lists the arrests they could
//! lead to) one window's faces at a time.

use super::alerts::Routing;
use super::member::WantedSeen;
use crate::model::DAY_S;

/// One chunk's wanted faces by (unit, window of days).
#[derive(Debug, Clone, Default)]
pub(super) struct WantedFaces {
    faces: Vec<WantedSeen>,
    /// Bucket `b` is `faces[offsets[b]..offsets[b + 1]]`, with `b` = unit ×
    /// windows + window; empty without faces.
    offsets: Vec<u32>,
    windows: u32,
}

impl WantedFaces {
    /// The faces `drawn`, grouped in place by where `routing` sends them
    /// (the order within a bucket is left as it falls: the unit sorts them).
    pub(super) fn new(mut faces: Vec<WantedSeen>, routing: &Routing) -> WantedFaces {
        if faces.is_empty() {
            return WantedFaces::default();
        }
        let windows = routing.windows();
        let bucket = |f: &WantedSeen| {
            let day = ((f.time_s / DAY_S) as u32).min(routing.days - 1);
            routing.unit_of_site[f.site as usize] as usize * windows as usize
                + (day / routing.window_days) as usize
        };
        let mut offsets = vec![0u32; routing.units * windows as usize + 1];
        for f in &faces {
            offsets[bucket(f) + 1] += 1;
        }
        for b in 1..offsets.len() {
            offsets[b] += offsets[b - 1];
        }
        // Each face is swapped into the next free place of its bucket until
        // every bucket is full: no second copy of the faces.
        let mut next = offsets.clone();
        for b in 0..offsets.len() - 1 {
            while next[b] < offsets[b + 1] {
                let here = next[b] as usize;
                let to = bucket(&faces[here]);
                if to == b {
                    next[b] += 1;
                } else {
                    faces.swap(here, next[to] as usize);
                    next[to] += 1;
                }
            }
        }
        faces.shrink_to_fit();
        WantedFaces {
            faces,
            offsets,
            windows,
        }
    }

    /// The faces of `unit` in window `window`.
    pub(super) fn bucket(&self, unit: usize, window: u32) -> &[WantedSeen] {
        if self.offsets.is_empty() {
            return &[];
        }
        let b = unit * self.windows as usize + window as usize;
        &self.faces[self.offsets[b] as usize..self.offsets[b + 1] as usize]
    }
}

/// Bytes each wanted face takes once drawn.
pub(super) const BYTES_HELD: u64 = std::mem::size_of::<WantedSeen>() as u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_go_to_their_units_window() {
        let routing = Routing {
            unit_of_site: vec![0, 1],
            units: 2,
            days: 5,
            window_days: 2,
        };
        let face = |day: f64, site: u32, wanted_index: u32| WantedSeen {
            time_s: day * DAY_S,
            wanted_index,
            site,
        };
        let drawn = vec![
            face(4.5, 1, 0),
            face(0.5, 0, 1),
            face(1.5, 1, 2),
            face(0.2, 1, 3),
            face(3.0, 0, 4),
        ];
        let held = WantedFaces::new(drawn, &routing);
        let people = |unit, window| -> Vec<u32> {
            let mut people: Vec<u32> = held
                .bucket(unit, window)
                .iter()
                .map(|f| f.wanted_index)
                .collect();
            people.sort();
            people
        };
        assert_eq!(people(0, 0), [1]);
        assert_eq!(people(0, 1), [4]);
        assert_eq!(people(1, 0), [2, 3]);
        assert_eq!(people(1, 2), [0]);
        assert!(people(0, 2).is_empty());
        assert!(WantedFaces::default().bucket(1, 2).is_empty());
    }
}
