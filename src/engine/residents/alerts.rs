//! A chunk's alerts, held compactly until the response chain takes them.
//!
//! A national year raises hundreds of millions of false alerts, far more
//! than the response chain has in flight at once. So a chunk keeps each of
//! its alerts in eight bytes — who, where, and which day of its window
//! (the group is the chunk's block's) — grouped by the response unit that
//! answers its site and by window of days. A unit later takes one window at
//! a time from every chunk, draws each alert's time within its day
//! ([`super::clock::SiteClock::time_in_day`]), sorts them and hands them to
//! its chain: at most one window's alerts of one unit are ever spelled out.

use crate::model::DAY_S;
use crate::model::Model;

/// The most (unit, window) buckets a chunk keeps offsets for: a long run's
/// days are grouped into windows so that a chunk's index stays small.
const MAX_BUCKETS: u32 = 4096;

/// Where alerts go: the response unit answering each site (see
/// [`crate::engine::teams`]), and how the run's days are grouped into
/// windows.
#[derive(Debug, Clone)]
pub struct Routing {
    /// The unit answering each site's alerts.
    pub unit_of_site: Vec<u16>,
    /// Independent response units: one per zone when both operators and
    /// officers are organised by zone, else one.
    pub units: usize,
    /// Days of the run (the last may be partial).
    pub days: u32,
    /// Days per window.
    pub window_days: u32,
}

impl Routing {
    /// The routing of `model`'s alerts.
    pub fn new(model: &Model) -> Routing {
        let units = super::teams::independent_units(model);
        let unit_of_site = model
            .sites
            .iter()
            .map(|site| if units > 1 { site.zone as u16 } else { 0 })
            .collect();
        let days = ((model.duration_s / DAY_S).ceil() as u64).clamp(1, u32::MAX as u64) as u32;
        let max_windows = (MAX_BUCKETS / units as u32).max(1);
        let window_days = days.div_ceil(max_windows).clamp(1, u16::MAX as u32);
        Routing {
            unit_of_site,
            units,
            days,
            window_days,
        }
    }

    /// Windows of days in the run.
    pub fn windows(&self) -> u32 {
        self.days.div_ceil(self.window_days)
    }
}

/// Alerts as one chunk draws them, in drawing order.
pub(super) struct AlertSink<'r> {
    routing: &'r Routing,
    windows: u32,
    /// (bucket, packed alert).
    pending: Vec<(u32, u64)>,
}

impl<'r> AlertSink<'r> {
    pub(super) fn new(routing: &'r Routing) -> Self {
        AlertSink {
            routing,
            windows: routing.windows(),
            pending: Vec::new(),
        }
    }

    /// A false alert on resident `person` at `site`, on day `day`.
    #[inline]
    pub(super) fn push(&mut self, person: u32, site: u32, day: u32) {
        let routing = self.routing;
        let (window, in_window) = (day / routing.window_days, day % routing.window_days);
        let bucket = routing.unit_of_site[site as usize] as u32 * self.windows + window;
        self.pending.push((bucket, pack(person, site, in_window)));
    }

    /// The chunk's alerts by bucket, each bucket in drawing order.
    pub(super) fn finish(self) -> AlertBuckets {
        let buckets = self.routing.units * self.windows as usize;
        let mut offsets = vec![0u32; buckets + 1];
        for &(bucket, _) in &self.pending {
            offsets[bucket as usize + 1] += 1;
        }
        for b in 0..buckets {
            offsets[b + 1] += offsets[b];
        }
        let mut next = offsets.clone();
        let mut packed = vec![0u64; self.pending.len()];
        for (bucket, word) in self.pending {
            let at = &mut next[bucket as usize];
            packed[*at as usize] = word;
            *at += 1;
        }
        AlertBuckets {
            packed,
            offsets,
            windows: self.windows,
        }
    }
}

/// One chunk's alerts, eight bytes each, by (unit, window of days).
#[derive(Debug, Clone, Default)]
pub struct AlertBuckets {
    packed: Vec<u64>,
    /// Bucket `b` is `packed[offsets[b]..offsets[b + 1]]`, with `b` = unit
    /// × windows + window.
    offsets: Vec<u32>,
    windows: u32,
}

impl AlertBuckets {
    /// The alerts of `unit` in window `window`, packed ([`unpack`]).
    pub(crate) fn bucket(&self, unit: usize, window: u32) -> &[u64] {
        if self.offsets.is_empty() {
            return &[];
        }
        let b = unit * self.windows as usize + window as usize;
        &self.packed[self.offsets[b] as usize..self.offsets[b + 1] as usize]
    }

    /// Alerts held.
    pub(crate) fn len(&self) -> usize {
        self.packed.len()
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.packed.capacity() * 8 + self.offsets.capacity() * 4
    }
}

/// An alert in eight bytes: the person, the site, and the day within its
/// window.
#[inline]
fn pack(person: u32, site: u32, day_in_window: u32) -> u64 {
    debug_assert!(site <= u16::MAX as u32 && day_in_window <= u16::MAX as u32);
    (person as u64) << 32 | (site as u64) << 16 | day_in_window as u64
}

/// The person, site and day within its window of a packed alert.
#[inline]
pub(crate) fn unpack(word: u64) -> (u32, u32, u32) {
    (
        (word >> 32) as u32,
        (word >> 16) as u32 & 0xffff,
        word as u32 & 0xffff,
    )
}

/// Bytes a chunk's alerts take per alert while it draws (the pending pair)
/// and once bucketed.
pub(super) const BYTES_DRAWING: u64 = 16;
/// Bytes each alert takes once bucketed.
pub(super) const BYTES_HELD: u64 = 8;
/// Bytes each alert of the window a unit has spelled out takes: its time,
/// person, site and group (sixteen bytes), the same again to sort them, and
/// a quarter of a four-byte bucket offset.
pub(super) const BYTES_SPELLED: u64 = 33;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_each_alert_once_in_drawing_order() {
        let routing = Routing {
            unit_of_site: vec![0, 1, 1],
            units: 2,
            days: 10,
            window_days: 3,
        };
        assert_eq!(routing.windows(), 4);
        let mut sink = AlertSink::new(&routing);
        let alerts = [(5, 0, 9), (6, 2, 0), (7, 1, 4), (8, 0, 0), (9, 2, 5)];
        for &(person, site, day) in &alerts {
            sink.push(person, site, day);
        }
        let buckets = sink.finish();
        assert_eq!(buckets.len(), 5);
        assert_eq!(buckets.bucket(0, 0).len(), 1);
        assert_eq!(unpack(buckets.bucket(0, 0)[0]), (8, 0, 0));
        assert_eq!(unpack(buckets.bucket(0, 3)[0]), (5, 0, 0));
        let unit1: Vec<_> = buckets.bucket(1, 1).iter().map(|&w| unpack(w)).collect();
        assert_eq!(unit1, [(7, 1, 1), (9, 2, 2)]);
        assert_eq!(unpack(buckets.bucket(1, 0)[0]), (6, 2, 0));
    }
}
