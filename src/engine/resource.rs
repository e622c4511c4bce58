//! A resource: c servers and a FIFO queue of the customers waiting for one.
//!
//! In SimPy's words, a customer *requests* a server: it starts at once if one
//! is idle, and otherwise waits in line. When a server is *released*, the
//! customer who has waited longest takes it; with no one waiting, the server
//! idles. A queue may be bounded: an arrival that finds it full is turned
//! away, or (drop-oldest) pushes out the customer who has waited longest.
//!
//! Customers may *renege*: leave the line at a deadline, unserved. The
//! resource does not keep the clock, so it learns of this lazily: whoever
//! owns the clock notes the departure when the deadline comes (the response
//! chain's window-closes event), and when a released server reaches a
//! customer who left, the resource passes over them to the next. So a
//! deadline never costs a search through the line.
//!
//! The same resource is the response chain's operators and officers
//! ([`super::response`]) and each matcher pool of the recognition pipeline
//! ([`super::pipeline`]). What a server does with its customer, and when it
//! is done, is the owner's business: the resource only says who is served
//! next, so its decisions — and the order of the owner's random draws —
//! follow the order of arrivals and releases exactly.

use std::collections::VecDeque;

/// c servers and a FIFO queue of customers `T`.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    /// Servers without a customer.
    idle: u32,
    /// Customers waiting for a server, longest-waiting first.
    waiting: VecDeque<T>,
    /// Most customers that may wait (`u64::MAX`: no limit).
    capacity: u64,
}

/// What became of a customer who arrived at a [`Resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival<T> {
    /// A server was idle: the customer, served from now.
    Starts(T),
    /// Every server is busy: the customer waits in line.
    Waits,
    /// Every server is busy and the line is full: the customer, turned away.
    TurnedAway(T),
}

impl<T> Resource<T> {
    /// `servers` idle servers and an empty line that holds at most
    /// `capacity` customers (`u64::MAX`: no limit).
    pub fn new(servers: u32, capacity: u64) -> Self {
        Resource {
            idle: servers,
            waiting: VecDeque::new(),
            capacity,
        }
    }

    /// A customer arrives: served at once by an idle server, or waiting in
    /// line, or — the line full — turned away.
    pub fn arrive(&mut self, customer: T) -> Arrival<T> {
        // Released servers always take a waiting customer, so an idle server
        // means an empty line.
        if self.idle > 0 {
            self.idle -= 1;
            Arrival::Starts(customer)
        } else if (self.waiting.len() as u64) < self.capacity {
            self.waiting.push_back(customer);
            Arrival::Waits
        } else {
            Arrival::TurnedAway(customer)
        }
    }

    /// A server finishes with its customer and takes the longest-waiting one
    /// still in line (returned); customers for whom `still_waiting` is false
    /// reneged and are passed over. With no one left in line, the server
    /// idles.
    pub fn release(&mut self, mut still_waiting: impl FnMut(&T) -> bool) -> Option<T> {
        while let Some(customer) = self.waiting.pop_front() {
            if still_waiting(&customer) {
                return Some(customer);
            }
        }
        self.idle += 1;
        None
    }

    /// The line is full and `customer` arrives all the same (drop-oldest): the
    /// customer who waited longest leaves (returned), and the newcomer joins
    /// the back of the line. Someone must be waiting.
    pub fn push_out(&mut self, customer: T) -> T {
        let oldest = self.waiting.pop_front().expect("someone is waiting");
        self.waiting.push_back(customer);
        oldest
    }

    /// Customers in line, including any who reneged but have not yet been
    /// passed over.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{Arrival, Resource};

    #[test]
    fn serves_while_servers_are_idle_then_queues() {
        let mut staff = Resource::new(2, u64::MAX);
        assert_eq!(staff.arrive('a'), Arrival::Starts('a'));
        assert_eq!(staff.arrive('b'), Arrival::Starts('b'));
        assert_eq!(staff.arrive('c'), Arrival::Waits);
        assert_eq!(staff.arrive('d'), Arrival::Waits);
        assert_eq!(staff.waiting(), 2);
    }

    #[test]
    fn releases_serve_the_line_first_come_first_served() {
        let mut staff = Resource::new(1, u64::MAX);
        assert_eq!(staff.arrive(1), Arrival::Starts(1));
        for customer in 2..=5 {
            assert_eq!(staff.arrive(customer), Arrival::Waits);
        }
        let served: Vec<i32> = (0..4).map(|_| staff.release(|_| true).unwrap()).collect();
        assert_eq!(served, [2, 3, 4, 5]);
        assert_eq!(staff.waiting(), 0);
    }

    #[test]
    fn counts_servers() {
        // Three servers: a fourth customer waits until one is released; the
        // released servers then idle, and serve three new arrivals at once.
        let mut staff = Resource::new(3, u64::MAX);
        for customer in 0..3 {
            assert_eq!(staff.arrive(customer), Arrival::Starts(customer));
        }
        assert_eq!(staff.arrive(3), Arrival::Waits);
        assert_eq!(staff.release(|_| true), Some(3));
        for _ in 0..3 {
            assert_eq!(staff.release(|_| true), None);
        }
        for customer in 4..7 {
            assert_eq!(staff.arrive(customer), Arrival::Starts(customer));
        }
        assert_eq!(staff.arrive(7), Arrival::Waits);
    }

    #[test]
    fn a_resource_without_servers_never_serves() {
        let mut staff = Resource::new(0, u64::MAX);
        assert_eq!(staff.arrive('a'), Arrival::Waits);
        assert_eq!(staff.waiting(), 1);
    }

    #[test]
    fn reneged_customers_are_passed_over() {
        let mut staff = Resource::new(1, u64::MAX);
        assert_eq!(staff.arrive(0), Arrival::Starts(0));
        for customer in 1..=4 {
            assert_eq!(staff.arrive(customer), Arrival::Waits);
        }
        // Customers 1 and 2 left the line at their deadlines.
        let left = [1, 2];
        let mut passed_over = Vec::new();
        let next = staff.release(|c| {
            let stays = !left.contains(c);
            if !stays {
                passed_over.push(*c);
            }
            stays
        });
        assert_eq!(next, Some(3));
        assert_eq!(passed_over, [1, 2]);
        // Everyone left: the server idles and the next arrival starts at once.
        assert_eq!(staff.release(|_| false), None);
        assert_eq!(staff.waiting(), 0);
        assert_eq!(staff.arrive(5), Arrival::Starts(5));
    }

    #[test]
    fn a_full_line_turns_arrivals_away() {
        let mut pool = Resource::new(1, 2);
        assert_eq!(pool.arrive('a'), Arrival::Starts('a'));
        assert_eq!(pool.arrive('b'), Arrival::Waits);
        assert_eq!(pool.arrive('c'), Arrival::Waits);
        assert_eq!(pool.arrive('d'), Arrival::TurnedAway('d'));
        assert_eq!(pool.waiting(), 2);
    }

    #[test]
    fn pushing_out_drops_the_longest_waiting() {
        let mut pool = Resource::new(1, 2);
        pool.arrive('a');
        pool.arrive('b');
        pool.arrive('c');
        let Arrival::TurnedAway(d) = pool.arrive('d') else {
            panic!("the line is full");
        };
        assert_eq!(pool.push_out(d), 'b');
        assert_eq!(pool.release(|_| true), Some('c'));
        assert_eq!(pool.release(|_| true), Some('d'));
        assert_eq!(pool.release(|_| true), None);
    }

    #[test]
    fn a_line_without_room_turns_everyone_away() {
        let mut pool = Resource::new(1, 0);
        assert_eq!(pool.arrive('a'), Arrival::Starts('a'));
        assert_eq!(pool.arrive('b'), Arrival::TurnedAway('b'));
        assert_eq!(pool.waiting(), 0);
    }
}
