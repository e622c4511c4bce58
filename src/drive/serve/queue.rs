//! The queue in front of the cores: a run (or a sweep) waits for one of
//! as many slots as there are runs at once, and starts fairly between
//! clients — a client being its peer address ([`client_of`]):
//!
//! * A client has one run going at a time; its others wait, even with a
//!   slot free. A run uses every core already (`--threads` workers), so a
//!   lone client loses little by it, and a second client's run starts at
//!   once beside the first's, however many long runs the first has asked
//!   for — instead of waiting for them all.
//! * When a slot frees, of the clients that may start one, the one whose
//!   last run started longest ago (or never) goes first, with its
//!   earliest run: round-robin between clients.
//!
//! Which run starts when changes no result: each is `survsim run`'s,
//! whatever ran beside it.
//!
//! It is bounded: a client may have at most `per_client` runs going or
//! waiting, and at most `max_waiting` runs wait in all; beyond either, a
//! request is refused at once ([`Busy`]), before it streams anything.
//! Cancelled runs count for neither, nor as a client's run going (a page's
//! older run, cancelled by its newer, must neither refuse nor hold it up,
//! though it holds its slot until it stops), and none is started.

use super::work::Cancel;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;

/// A client, as the queue tells them apart: its IP address, an IPv6 one
/// by its /64 prefix (what one host usually holds).
pub type Client = IpAddr;

/// The client of a peer address.
pub fn client_of(peer: SocketAddr) -> Client {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6([s[0], s[1], s[2], s[3], 0, 0, 0, 0].into())
            }
        },
        v4 => v4,
    }
}

/// Why a run was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// This client already has its most runs going or waiting.
    Client(usize),
    /// The queue is full.
    Full(usize),
}

/// The queue: the slots, the waiting runs, the turns.
pub struct Queue {
    slots: usize,
    max_waiting: usize,
    per_client: usize,
    state: Mutex<State>,
    /// Woken whenever a slot is handed out.
    changed: Notify,
}

#[derive(Default)]
struct State {
    /// The next ticket's number; also the clock of starts.
    next: u64,
    /// Waiting runs, in the order they came.
    waiting: Vec<Entry>,
    /// Runs holding a slot, or handed one: at most `slots`.
    going: Vec<Entry>,
    /// Tickets handed a slot that they have not yet taken.
    granted: HashSet<u64>,
    /// When each client with runs going or waiting last started one.
    last_start: HashMap<Client, u64>,
}

/// A run in the queue or going.
struct Entry {
    id: u64,
    client: Client,
    cancel: Arc<Cancel>,
}

impl Entry {
    fn live(&self) -> bool {
        !self.cancel.is_cancelled()
    }
}

impl State {
    /// Whether `client` has a run going that was not cancelled.
    fn has_going(&self, client: Client) -> bool {
        self.going.iter().any(|e| e.client == client && e.live())
    }

    /// Hands free slots to waiting runs (see the module doc); whether any
    /// was handed out.
    fn dispatch(&mut self, slots: usize) -> bool {
        let mut any = false;
        while self.going.len() < slots {
            // Of the runs that may start, the client's that started
            // longest ago; ties (the same client) go to the earliest.
            let next = self
                .waiting
                .iter()
                .enumerate()
                .filter(|(_, e)| e.live() && !self.has_going(e.client))
                .min_by_key(|(i, e)| (self.last_start.get(&e.client).copied().unwrap_or(0), *i))
                .map(|(i, _)| i);
            let Some(at) = next else { break };
            let entry = self.waiting.remove(at);
            self.next += 1;
            self.last_start.insert(entry.client, self.next);
            self.granted.insert(entry.id);
            self.going.push(entry);
            any = true;
        }
        any
    }

    /// Takes run `id` out, waiting or going, and hands on what it frees.
    fn remove(&mut self, id: u64, slots: usize) -> bool {
        self.granted.remove(&id);
        let entry = if let Some(at) = self.waiting.iter().position(|e| e.id == id) {
            self.waiting.remove(at)
        } else if let Some(at) = self.going.iter().position(|e| e.id == id) {
            self.going.remove(at)
        } else {
            return false;
        };
        let client = entry.client;
        if !self
            .going
            .iter()
            .chain(&self.waiting)
            .any(|e| e.client == client)
        {
            self.last_start.remove(&client);
        }
        self.dispatch(slots)
    }
}

impl Queue {
    /// A queue of `slots` runs at once, `max_waiting` waiting in all, and
    /// `per_client` going or waiting per client (each at least 1).
    pub fn new(slots: usize, max_waiting: usize, per_client: usize) -> Queue {
        Queue {
            slots: slots.max(1),
            max_waiting: max_waiting.max(1),
            per_client: per_client.max(1),
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent under a panic: each change is whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a run of `client`, given up when `cancel` is set, or says
    /// why not.
    pub fn admit(self: &Arc<Self>, client: Client, cancel: &Arc<Cancel>) -> Result<Ticket, Busy> {
        let mut s = self.lock();
        let mine = s
            .going
            .iter()
            .chain(&s.waiting)
            .filter(|e| e.live() && e.client == client)
            .count();
        if mine >= self.per_client {
            return Err(Busy::Client(self.per_client));
        }
        s.next += 1;
        let id = s.next;
        s.waiting.push(Entry {
            id,
            client,
            cancel: cancel.clone(),
        });
        let handed = s.dispatch(self.slots);
        // Refused only if it would wait, behind a full queue.
        if !s.granted.contains(&id)
            && s.waiting.iter().filter(|e| e.live()).count() > self.max_waiting
        {
            s.remove(id, self.slots);
            return Err(Busy::Full(self.max_waiting));
        }
        drop(s);
        if handed {
            self.changed.notify_waiters();
        }
        Ok(Ticket {
            queue: self.clone(),
            id,
            cancel: cancel.clone(),
            taken: false,
        })
    }

    /// Runs waiting, and runs going.
    #[cfg(test)]
    fn load(&self) -> (usize, usize) {
        let s = self.lock();
        (s.waiting.len(), s.going.len())
    }
}

/// A place in the queue. Dropped before its slot is taken, it leaves the
/// queue (or gives the slot it was handed back).
pub struct Ticket {
    queue: Arc<Queue>,
    id: u64,
    cancel: Arc<Cancel>,
    taken: bool,
}

/// A slot: a run may go while it is held; dropping it frees the slot.
pub struct Slot {
    queue: Arc<Queue>,
    id: u64,
}

impl Ticket {
    /// Waits for a slot; `None` once cancelled (checked at least every
    /// 100 ms). Dropped then, the ticket leaves the queue.
    pub async fn wait(mut self) -> Option<Slot> {
        loop {
            // Registered before the check, so that no hand-out is missed.
            let notified = self.queue.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.cancel.is_cancelled() {
                return None;
            }
            let (granted, handed) = {
                let mut s = self.queue.lock();
                // A run cancelled meanwhile may have let one of its
                // client's start: dispatched here, as nothing else would.
                let handed = s.dispatch(self.queue.slots);
                (s.granted.remove(&self.id), handed)
            };
            if handed {
                self.queue.changed.notify_waiters();
            }
            if granted {
                self.taken = true;
                return Some(Slot {
                    queue: self.queue.clone(),
                    id: self.id,
                });
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
        }
    }
}

/// Takes run `id` out of `queue`, waking whoever it lets start.
fn leave(queue: &Queue, id: u64) {
    let handed = queue.lock().remove(id, queue.slots);
    if handed {
        queue.changed.notify_waiters();
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.taken {
            leave(&self.queue, self.id);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        leave(&self.queue, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Client {
        IpAddr::from([127, 0, 0, last])
    }

    fn live() -> Arc<Cancel> {
        Arc::new(Cancel::default())
    }

    /// Which tickets have been handed a slot.
    fn granted(q: &Queue, tickets: &[&Ticket]) -> Vec<bool> {
        let s = q.lock();
        tickets.iter().map(|t| s.granted.contains(&t.id)).collect()
    }

    #[test]
    fn a_client_has_one_run_going_and_a_second_starts_beside_it() {
        let q = Arc::new(Queue::new(2, 16, 8));
        let a1 = q.admit(ip(1), &live()).unwrap();
        let a2 = q.admit(ip(1), &live()).unwrap();
        let b1 = q.admit(ip(2), &live()).unwrap();
        assert_eq!(granted(&q, &[&a1, &a2, &b1]), [true, false, true]);
        drop(a1);
        assert_eq!(granted(&q, &[&a2]), [true]);
    }

    #[test]
    fn turns_go_round_the_clients() {
        let q = Arc::new(Queue::new(1, 16, 8));
        let a1 = q.admit(ip(1), &live()).unwrap();
        let a2 = q.admit(ip(1), &live()).unwrap();
        let a3 = q.admit(ip(1), &live()).unwrap();
        let b1 = q.admit(ip(2), &live()).unwrap();
        let b2 = q.admit(ip(2), &live()).unwrap();
        assert_eq!(
            granted(&q, &[&a1, &a2, &a3, &b1]),
            [true, false, false, false]
        );
        drop(a1); // its slot, never taken, goes back and on
        assert_eq!(granted(&q, &[&a2, &a3, &b1]), [false, false, true]);
        drop(b1);
        assert_eq!(granted(&q, &[&a2, &a3, &b2]), [true, false, false]);
        drop(a2);
        assert_eq!(granted(&q, &[&a3, &b2]), [false, true]);
        drop((a3, b2));
        assert_eq!(q.load(), (0, 0));
        assert!(q.lock().last_start.is_empty(), "clients are forgotten");
    }

    #[test]
    fn limits_refuse_at_once_and_cancelled_runs_do_not_count() {
        let q = Arc::new(Queue::new(1, 2, 2));
        let older = live();
        let a = [
            q.admit(ip(1), &live()).unwrap(),
            q.admit(ip(1), &older).unwrap(),
        ];
        assert_eq!(q.admit(ip(1), &live()).err(), Some(Busy::Client(2)));
        older.cancel();
        let a3 = q.admit(ip(1), &live()).unwrap();
        let b = q.admit(ip(2), &live()).unwrap();
        // One going, two waiting (and one cancelled): full for another.
        assert_eq!(q.admit(ip(3), &live()).err(), Some(Busy::Full(2)));
        assert_eq!(q.load(), (3, 1));
        drop(a);
        assert_eq!(granted(&q, &[&a3, &b]), [false, true]);
    }

    #[tokio::test]
    async fn a_waiting_ticket_takes_its_slot_or_gives_up_when_cancelled() {
        let q = Arc::new(Queue::new(2, 4, 4));
        let first_cancel = live();
        let first = q.admit(ip(1), &first_cancel).unwrap().wait().await.unwrap();
        let cancel = live();
        let second = q.admit(ip(1), &cancel).unwrap();
        let waiting = tokio::spawn(second.wait());
        cancel.cancel();
        assert!(waiting.await.unwrap().is_none());
        assert_eq!(q.load(), (0, 1));
        // A cancelled run, still going, does not hold up its client's next.
        let third = tokio::spawn(q.admit(ip(1), &live()).unwrap().wait());
        first_cancel.cancel();
        assert!(third.await.unwrap().is_some());
        drop(first);
    }

    #[test]
    fn ipv6_clients_are_told_apart_by_their_64_prefix() {
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:5".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:bbbb::9]:6".parse().unwrap();
        let c: SocketAddr = "[2001:db8:1:3::1]:6".parse().unwrap();
        assert_eq!(client_of(a), client_of(b));
        assert_ne!(client_of(a), client_of(c));
        let mapped: SocketAddr = "[::ffff:10.0.0.1]:1".parse().unwrap();
        assert_eq!(client_of(mapped), IpAddr::from([10, 0, 0, 1]));
    }
}
