//! A time-ordered event queue: what happens next, in virtual time.
//!
//! In SimPy's words this is the environment's event queue. Entries pop in
//! order of time, and entries at the same time pop in the order they were
//! pushed (a FIFO tie-break), so a run never depends on how a heap happens to
//! arrange equal keys: the same pushes give the same pops. The idea is
//! NeXosim's `util::priority_queue`: a binary heap keyed by (time, insertion
//! number).
//!
//! `tests::ties_pop_in_insertion_order` below shows it on a handful of
//! entries.
//!
//! Times are seconds of virtual time and never negative; the queue orders them
//! by their bits, which for non-negative floats is the order of the numbers
//! and costs one integer comparison.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Events (any payload `T`) in order of time, ties in insertion order.
#[derive(Debug, Clone)]
pub struct TimeQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    /// The next entry's insertion number.
    next_seq: u64,
}

/// An entry, ordered so that the heap's greatest is the earliest (then the
/// first inserted).
#[derive(Debug, Clone)]
struct Entry<T> {
    /// `f64::to_bits` of a non-negative time: orders like the time itself.
    time_bits: u64,
    seq: u64,
    payload: T,
}

impl<T> Entry<T> {
    fn key(&self) -> (u64, u64) {
        (self.time_bits, self.seq)
    }
}

impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other.key().cmp(&self.key())
    }
}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Entry<T> {}

impl<T> Default for TimeQueue<T> {
    fn default() -> Self {
        TimeQueue::new()
    }
}

impl<T> TimeQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        TimeQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Schedules `payload` at `time_s` (non-negative), after everything
    /// already scheduled at the same time.
    pub fn push(&mut self, time_s: f64, payload: T) {
        debug_assert!(time_s.is_sign_positive() && !time_s.is_nan());
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time_bits: time_s.to_bits(),
            seq,
            payload,
        });
    }

    /// The earliest entry: its time and payload, left in the queue.
    pub fn peek(&self) -> Option<(f64, &T)> {
        self.heap
            .peek()
            .map(|e| (f64::from_bits(e.time_bits), &e.payload))
    }

    /// The earliest entry's time.
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|e| f64::from_bits(e.time_bits))
    }

    /// Removes and returns the earliest entry (the first pushed, among
    /// equals).
    pub fn pop(&mut self) -> Option<(f64, T)> {
        self.heap
            .pop()
            .map(|e| (f64::from_bits(e.time_bits), e.payload))
    }

    /// [`TimeQueue::pop`], if the earliest entry is strictly before `until_s`.
    pub fn pop_before(&mut self, until_s: f64) -> Option<(f64, T)> {
        if self.peek_time()? < until_s {
            self.pop()
        } else {
            None
        }
    }

    /// [`TimeQueue::pop`], if the earliest entry is at or before `t_s`.
    pub fn pop_until(&mut self, t_s: f64) -> Option<(f64, T)> {
        if self.peek_time()? <= t_s {
            self.pop()
        } else {
            None
        }
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::TimeQueue;

    fn drain<T>(queue: &mut TimeQueue<T>) -> Vec<(f64, T)> {
        std::iter::from_fn(|| queue.pop()).collect()
    }

    #[test]
    fn pops_in_time_order() {
        let mut queue = TimeQueue::new();
        for (t, name) in [(5.0, 'e'), (1.0, 'a'), (3.5, 'c'), (0.0, 'z'), (1e9, 'x')] {
            queue.push(t, name);
        }
        assert_eq!(queue.peek_time(), Some(0.0));
        let order: Vec<char> = drain(&mut queue).into_iter().map(|(_, c)| c).collect();
        assert_eq!(order, ['z', 'a', 'c', 'e', 'x']);
        assert!(queue.is_empty());
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn ties_pop_in_insertion_order() {
        let mut queue = TimeQueue::new();
        queue.push(2.0, 'y');
        queue.push(1.0, 'a');
        queue.push(2.0, 'z');
        queue.push(3.0, 'c');
        queue.push(2.0, 'x');
        assert_eq!(
            drain(&mut queue),
            [(1.0, 'a'), (2.0, 'y'), (2.0, 'z'), (2.0, 'x'), (3.0, 'c')]
        );
    }

    #[test]
    fn ties_stay_fifo_across_interleaved_pops() {
        // A tie pushed after a pop still goes behind the earlier ones.
        let mut queue = TimeQueue::new();
        for i in 0..100 {
            queue.push(1.0, i);
        }
        let mut popped = Vec::new();
        for i in 100..200 {
            popped.push(queue.pop().unwrap().1);
            queue.push(1.0, i);
        }
        popped.extend(drain(&mut queue).into_iter().map(|(_, i)| i));
        assert_eq!(popped, (0..200).collect::<Vec<_>>());
    }

    #[test]
    fn bounded_pops() {
        let mut queue = TimeQueue::new();
        queue.push(1.0, 'a');
        queue.push(2.0, 'b');
        assert_eq!(queue.pop_before(1.0), None);
        assert_eq!(queue.pop_until(1.0), Some((1.0, 'a')));
        assert_eq!(queue.pop_until(1.5), None);
        assert_eq!(queue.pop_before(f64::INFINITY), Some((2.0, 'b')));
        assert_eq!(queue.pop_before(f64::INFINITY), None);
    }

    #[test]
    fn agrees_with_a_sort_on_many_random_times() {
        // Coarse times make many ties; the reference is a stable sort.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut queue = TimeQueue::new();
        let mut reference = Vec::new();
        for i in 0..5000 {
            let t = (next() % 50) as f64 * 0.25;
            queue.push(t, i);
            reference.push((t, i));
        }
        reference.sort_by(|x, y| x.0.total_cmp(&y.0));
        assert_eq!(drain(&mut queue), reference);
    }
}
