//! The hour's faces in the two orders the pipeline needs: by site and
//! capture time for detection, then by pool and arrival for matching.
//!
//! Both orders are total, so they do not depend on how the work is split:
//! faces that tie on every compared field are equal byte for byte, and
//! either order of them is the same array. That is what lets the sort use
//! a lent thread with results identical for any thread count.
//!
//! The second order needs no sort. Detection is a FIFO per site, so within
//! a site's run (in capture order) arrival times never decrease; a pool's
//! faces in arrival order are a k-way merge of its sites' runs.

use super::Face;
use crate::engine::lend::Lend;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Mutex;

/// Below this many faces a second thread costs more than it saves.
pub(super) const PARALLEL_MIN: usize = 1 << 15;

/// The detection order: site and capture time (the packed `key`, then the
/// exact fields it rounds, then the rest), so that only faces equal in
/// every field the pipeline reads can tie.
fn detection_order(a: &Face, b: &Face) -> Ordering {
    a.key.cmp(&b.key).then_with(|| {
        (a.site.cmp(&b.site))
            .then(a.capture_s.total_cmp(&b.capture_s))
            .then(a.alert.cmp(&b.alert))
            .then(a.mated.cmp(&b.mated))
            .then(a.tag.cmp(&b.tag))
    })
}

/// Sorts `faces` into the detection order, on up to `threads` of the
/// workers `lend` lends.
///
/// With threads to spare the slice is partitioned around a pivot key (the
/// median of a fixed sample, so it depends on the data only) and the two
/// parts are sorted at once. The order being total, the result is the one
/// a single sort gives.
pub(super) fn sort_for_detection(faces: &mut [Face], lend: &dyn Lend, threads: usize) {
    if threads < 2 || faces.len() < PARALLEL_MIN {
        faces.sort_unstable_by(detection_order);
        return;
    }
    let pivot = sample_median_key(faces);
    let mid = partition(faces, |f| f.key < pivot);
    let (left, right) = faces.split_at_mut(mid);
    let left_threads = threads / 2;
    // Each worker takes its part: a lock taken once, never contended.
    let parts = [
        (Mutex::new(left), left_threads),
        (Mutex::new(right), threads - left_threads),
    ];
    lend.run(2, &|w| {
        let (part, threads) = &parts[w];
        let mut part = part.lock().unwrap_or_else(|p| p.into_inner());
        sort_for_detection(&mut part, lend, *threads);
    });
}

/// The median of 63 keys at fixed, evenly spaced positions.
fn sample_median_key(faces: &[Face]) -> u64 {
    const SAMPLE: usize = 63;
    let mut keys: Vec<u64> = (0..SAMPLE)
        .map(|i| faces[(2 * i + 1) * faces.len() / (2 * SAMPLE)].key)
        .collect();
    keys.sort_unstable();
    keys[SAMPLE / 2]
}

/// Moves the faces for which `left` holds before the others (in no
/// particular order within each part) and returns how many there are.
fn partition(faces: &mut [Face], left: impl Fn(&Face) -> bool) -> usize {
    let (mut i, mut j) = (0, faces.len());
    loop {
        while i < j && left(&faces[i]) {
            i += 1;
        }
        while i < j && !left(&faces[j - 1]) {
            j -= 1;
        }
        if i + 1 >= j {
            return i;
        }
        faces.swap(i, j - 1);
        i += 1;
        j -= 1;
    }
}

/// The next face of one site's run in a merge.
#[derive(Clone, Copy)]
struct Head {
    ready_s: f64,
    site: u32,
    at: usize,
    end: usize,
}

impl Ord for Head {
    /// Arrival time, then site: positions within a run never tie.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.ready_s.total_cmp(&other.ready_s)).then(self.site.cmp(&other.site))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// Hands `visit` the indices of the faces of `runs` (ranges of `faces`,
/// each already in arrival order, one per site) in arrival order, ties by
/// site then position: the order of sorting them by (arrival, site,
/// capture order).
pub(super) fn merge_by_arrival(
    faces: &[Face],
    runs: impl Iterator<Item = (usize, usize)>,
    mut visit: impl FnMut(usize),
) {
    let mut heads: BinaryHeap<Reverse<Head>> = runs
        .filter(|&(at, end)| at < end)
        .map(|(at, end)| {
            Reverse(Head {
                ready_s: faces[at].ready_s,
                site: faces[at].site,
                at,
                end,
            })
        })
        .collect();
    if heads.len() == 1 {
        let Reverse(run) = heads.pop().expect("one run");
        (run.at..run.end).for_each(visit);
        return;
    }
    while let Some(mut top) = heads.peek_mut() {
        let head = &mut top.0;
        visit(head.at);
        head.at += 1;
        if head.at == head.end {
            std::collections::binary_heap::PeekMut::pop(top);
        } else {
            head.ready_s = faces[head.at].ready_s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use rand::RngExt;

    fn faces(n: usize, sites: u32, seed: u64) -> Vec<Face> {
        let mut rng = stream(seed, &[]);
        (0..n)
            .map(|i| {
                let site = rng.random_range(0..sites);
                // Coarse times, so that keys tie often.
                let capture_s = rng.random_range(0..50) as f64 * 0.5;
                Face {
                    capture_s,
                    ready_s: 0.0,
                    site,
                    alert: if i % 7 == 0 { i as u32 } else { u32::MAX },
                    mated: i % 11 == 0,
                    key: ((site as u64) << 48) | (capture_s * 1e9) as u64,
                    tag: (i % 3) as u32,
                }
            })
            .collect()
    }

    fn bytes(faces: &[Face]) -> Vec<(u64, u64, u32, u32, bool, u64, u32)> {
        faces
            .iter()
            .map(|f| {
                let (c, r) = (f.capture_s.to_bits(), f.ready_s.to_bits());
                (c, r, f.site, f.alert, f.mated, f.key, f.tag)
            })
            .collect()
    }

    /// Lends workers that run one after the other: the sort's split, and
    /// so its result, is the one of workers that run at once (which
    /// tests/integration/pipeline_threads.rs runs through the driver).
    struct InTurn;

    impl Lend for InTurn {
        fn workers(&self) -> usize {
            4
        }

        fn run(&self, workers: usize, work: &(dyn Fn(usize) + Sync)) {
            (0..workers).for_each(work)
        }
    }

    #[test]
    fn the_parallel_sort_gives_the_single_sort_for_any_threads() {
        for (n, sites) in [(PARALLEL_MIN * 3 + 17, 5), (PARALLEL_MIN + 1, 1), (100, 3)] {
            let original = faces(n, sites, n as u64);
            let mut one = original.clone();
            sort_for_detection(&mut one, &InTurn, 1);
            for threads in [2, 3, 4] {
                let mut many = original.clone();
                sort_for_detection(&mut many, &InTurn, threads);
                assert_eq!(bytes(&one), bytes(&many), "{n} faces, {threads} threads");
            }
            assert!(one.is_sorted_by(|a, b| detection_order(a, b).is_le()));
        }
    }

    #[test]
    fn partition_splits_by_the_predicate() {
        let mut all = faces(1000, 4, 9);
        let mid = partition(&mut all, |f| f.site < 2);
        assert!(all[..mid].iter().all(|f| f.site < 2));
        assert!(all[mid..].iter().all(|f| f.site >= 2));
    }

    #[test]
    fn the_merge_is_a_sort_by_arrival_then_site() {
        let mut all = faces(5000, 4, 3);
        all.sort_unstable_by(detection_order);
        for f in &mut all {
            // Arrival = capture plus a site's constant: ties across sites.
            f.ready_s = f.capture_s + f.site as f64 * 0.5;
        }
        let runs: Vec<(usize, usize)> = (0..4)
            .map(|s| {
                let at = all.partition_point(|f| f.site < s);
                (at, all.partition_point(|f| f.site <= s))
            })
            .collect();
        let mut merged = Vec::new();
        merge_by_arrival(&all, runs.iter().copied(), |i| merged.push(all[i]));
        let mut sorted = all.clone();
        // A stable sort keeps capture order within a site.
        sorted.sort_by(|a, b| a.ready_s.total_cmp(&b.ready_s).then(a.site.cmp(&b.site)));
        assert_eq!(bytes(&merged), bytes(&sorted));
    }
}
