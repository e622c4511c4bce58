//! One event: who, where, when, and what — with the kind's own figures,
//! by name.
//!
//! Captures come by the million, so an [`Event`] is compact: the figures
//! and flags of its kind are packed into two numbers and a byte that only
//! this module reads. Everyone else builds events with [`Event::of_face`]
//! and [`Event::of_alert`], giving the kind's figures by name
//! ([`FaceDetail`], [`AlertDetail`]), and reads them back the same way
//! ([`Event::detail`]).

use super::{Kind, LostReason};

/// Who an event is about, and where: the face (for alert-chain kinds, the
/// face that raised the alert), the person, their group and the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    /// Face number: faces are numbered from 0 in the order the engine
    /// draws them.
    pub face: u64,
    /// Resident number (made opaque when written).
    pub person: u32,
    /// Group index.
    pub group: u32,
    /// Site index.
    pub site: u32,
}

/// What happened to a face: the per-face kinds, with their own figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaceDetail {
    /// Captured. One record stands for the capture line, and — searched at
    /// capture (no pipeline) — for the search line at the same time, so the
    /// millions of faces cost one record each.
    Capture {
        /// Whether the `capture` line is written.
        capture_line: bool,
        /// Searched at capture, with the `search` line written: the outcome.
        searched: Option<SearchOutcome>,
    },
    /// Searched after the recognition pipeline.
    Search {
        /// The search's outcome.
        outcome: SearchOutcome,
        /// Capture → decision, s.
        decision_s: f64,
    },
    /// Dropped by an overloaded matcher pool, never searched.
    Drop {
        /// Turned away, or pushed out.
        reason: DropReason,
        /// Capture → drop, s.
        since_capture_s: f64,
    },
}

/// What a search concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOutcome {
    /// No candidate over the threshold.
    NoAlert,
    /// An alert naming the person captured.
    TrueAlert,
    /// An alert naming someone else.
    FalseAlert,
}

impl SearchOutcome {
    /// The name used in the stream.
    pub fn name(self) -> &'static str {
        match self {
            SearchOutcome::NoAlert => "no_alert",
            SearchOutcome::TrueAlert => "true_alert",
            SearchOutcome::FalseAlert => "false_alert",
        }
    }
}

/// Why a matcher pool dropped a face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Turned away on arrival: the queue was full (drop-newest).
    QueueFull,
    /// The longest-waiting face, pushed out of a full queue by a newer one
    /// (drop-oldest).
    PushedOut,
}

impl DropReason {
    /// The name used in the stream.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::PushedOut => "pushed_out",
        }
    }
}

/// A step of an alert through the response chain: the alert-chain kinds,
/// with their own figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlertDetail {
    /// Raised: the alert reaches the operators.
    Raised {
        /// The face's capture, virtual s.
        captured_t: f64,
        /// After it the person is out of reach, virtual s.
        window_ends_t: f64,
    },
    /// An operator's decision.
    Review {
        /// Confirmed, or rejected.
        confirmed: bool,
        /// Waiting for a free operator, s.
        operator_wait_s: f64,
        /// Alert → decision, s.
        latency_s: f64,
    },
    /// An officer sent.
    Dispatch {
        /// Waiting for a free officer, s.
        wait_s: f64,
        /// The officer's travel time, s.
        approach_s: f64,
    },
    /// The person stopped (correctly if the alert is true).
    Stop {
        /// Capture → stop, s.
        since_capture_s: f64,
        /// The stop's length, s.
        duration_s: f64,
    },
    /// A stop ending in an arrest (of the person wanted if the alert is
    /// true, else a false arrest).
    Arrest {
        /// Capture → arrest, s.
        since_capture_s: f64,
    },
    /// The person walked out of reach.
    Lost {
        /// Where in the chain.
        reason: LostReason,
        /// Capture → loss, s.
        since_capture_s: f64,
    },
}

/// An event's own part, by family: see [`Event::detail`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detail {
    /// A per-face kind.
    Face {
        /// The person is on the watchlist at capture (a mated search).
        wanted: bool,
        /// What happened to the face.
        detail: FaceDetail,
    },
    /// An alert-chain kind.
    Alert {
        /// The alert names the person captured.
        true_alert: bool,
        /// The step.
        detail: AlertDetail,
    },
}

impl FaceDetail {
    /// The event kind.
    pub fn kind(&self) -> Kind {
        match self {
            FaceDetail::Capture { .. } => Kind::Capture,
            FaceDetail::Search { .. } => Kind::Search,
            FaceDetail::Drop { .. } => Kind::Drop,
        }
    }
}

impl AlertDetail {
    /// The event kind.
    pub fn kind(&self) -> Kind {
        match self {
            AlertDetail::Raised { .. } => Kind::Alert,
            AlertDetail::Review { .. } => Kind::Review,
            AlertDetail::Dispatch { .. } => Kind::Dispatch,
            AlertDetail::Stop { .. } => Kind::Stop,
            AlertDetail::Arrest { .. } => Kind::Arrest,
            AlertDetail::Lost { .. } => Kind::Lost,
        }
    }
}

/// One event, compact (48 bytes) because captures come by the million.
///
/// Built by [`Event::of_face`] and [`Event::of_alert`], read through
/// [`Event::detail`]: the kind's own figures and flags are packed into two
/// numbers and a byte, which only this module reads. An alert is
/// identified by the face that raised it, so `face` joins a capture, its
/// search, its alert and the alert's review, dispatch, stop, arrest or loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Virtual time, seconds from the start of the run.
    pub t: f64,
    /// The face (for alert-chain kinds: the face that raised the alert).
    /// Faces are numbered from 0 in the order the engine draws them.
    pub face: u64,
    /// The kind's first figure (see [`Event::detail`]).
    first: f64,
    /// The kind's second figure.
    second: f64,
    /// Resident number (made opaque when written).
    pub person: u32,
    /// Site index.
    pub site: u32,
    /// Group index.
    pub group: u32,
    /// What happened.
    pub kind: Kind,
    /// The kind's flags (see the `FLAG_` constants).
    flags: u8,
}

/// `flags` bit 0: per-face kinds, the person is wanted; alert-chain kinds,
/// the alert is true.
const FLAG_WANTED_OR_TRUE: u8 = 1;
/// `Capture`: the capture line is written. `Drop`: pushed out. `Review`:
/// confirmed.
const FLAG_SECOND: u8 = 2;
/// `Capture`: searched at capture, the search line is written.
const FLAG_SEARCH_LINE: u8 = 4;
/// `Capture` with a search, and `Search`: the search alerted...
const FLAG_ALERTED: u8 = 8;
/// ... and the alert is true.
const FLAG_ALERT_TRUE: u8 = 16;
/// `Lost`: the reason, `LostReason as u8`, is in bits 1..4.
const REASON_SHIFT: u8 = 1;

impl SearchOutcome {
    fn flags(self) -> u8 {
        match self {
            SearchOutcome::NoAlert => 0,
            SearchOutcome::TrueAlert => FLAG_ALERTED | FLAG_ALERT_TRUE,
            SearchOutcome::FalseAlert => FLAG_ALERTED,
        }
    }

    fn from_flags(flags: u8) -> Self {
        match (flags & FLAG_ALERTED != 0, flags & FLAG_ALERT_TRUE != 0) {
            (false, _) => SearchOutcome::NoAlert,
            (true, true) => SearchOutcome::TrueAlert,
            (true, false) => SearchOutcome::FalseAlert,
        }
    }
}

impl Event {
    /// What happened to a face at `t`, `wanted` if the person is on the
    /// watchlist at capture.
    #[inline]
    pub fn of_face(t: f64, face: Subject, wanted: bool, detail: FaceDetail) -> Event {
        let (first, second, flags) = match detail {
            FaceDetail::Capture {
                capture_line,
                searched,
            } => {
                let line = if capture_line { FLAG_SECOND } else { 0 };
                let search = searched.map_or(0, |s| FLAG_SEARCH_LINE | s.flags());
                (0.0, 0.0, line | search)
            }
            FaceDetail::Search {
                outcome,
                decision_s,
            } => (decision_s, 0.0, outcome.flags()),
            FaceDetail::Drop {
                reason,
                since_capture_s,
            } => {
                let pushed = (reason == DropReason::PushedOut) as u8 * FLAG_SECOND;
                (since_capture_s, 0.0, pushed)
            }
        };
        Event::pack(
            t,
            face,
            detail.kind(),
            (first, second),
            flags | wanted as u8,
        )
    }

    /// A step at `t` of the alert raised by `alert`'s face, `true_alert` if
    /// it names the person captured.
    #[inline]
    pub fn of_alert(t: f64, alert: Subject, true_alert: bool, detail: AlertDetail) -> Event {
        let (first, second, flags) = match detail {
            AlertDetail::Raised {
                captured_t,
                window_ends_t,
            } => (captured_t, window_ends_t, 0),
            AlertDetail::Review {
                confirmed,
                operator_wait_s,
                latency_s,
            } => (operator_wait_s, latency_s, confirmed as u8 * FLAG_SECOND),
            AlertDetail::Dispatch { wait_s, approach_s } => (wait_s, approach_s, 0),
            AlertDetail::Stop {
                since_capture_s,
                duration_s,
            } => (since_capture_s, duration_s, 0),
            AlertDetail::Arrest { since_capture_s } => (since_capture_s, 0.0, 0),
            AlertDetail::Lost {
                reason,
                since_capture_s,
            } => (since_capture_s, 0.0, (reason as u8) << REASON_SHIFT),
        };
        Event::pack(
            t,
            alert,
            detail.kind(),
            (first, second),
            flags | true_alert as u8,
        )
    }

    #[inline(always)]
    fn pack(t: f64, subject: Subject, kind: Kind, figures: (f64, f64), flags: u8) -> Event {
        Event {
            t,
            face: subject.face,
            first: figures.0,
            second: figures.1,
            person: subject.person,
            site: subject.site,
            group: subject.group,
            kind,
            flags,
        }
    }

    /// The kind's own part: its flags and figures, by name.
    pub fn detail(&self) -> Detail {
        let flags = self.flags;
        let (first, second) = (self.first, self.second);
        let bit0 = flags & FLAG_WANTED_OR_TRUE != 0;
        let second_flag = flags & FLAG_SECOND != 0;
        let face = |detail| Detail::Face {
            wanted: bit0,
            detail,
        };
        let alert = |detail| Detail::Alert {
            true_alert: bit0,
            detail,
        };
        match self.kind {
            Kind::Capture => face(FaceDetail::Capture {
                capture_line: second_flag,
                searched: (flags & FLAG_SEARCH_LINE != 0).then(|| SearchOutcome::from_flags(flags)),
            }),
            Kind::Search => face(FaceDetail::Search {
                outcome: SearchOutcome::from_flags(flags),
                decision_s: first,
            }),
            Kind::Drop => face(FaceDetail::Drop {
                reason: if second_flag {
                    DropReason::PushedOut
                } else {
                    DropReason::QueueFull
                },
                since_capture_s: first,
            }),
            Kind::Alert => alert(AlertDetail::Raised {
                captured_t: first,
                window_ends_t: second,
            }),
            Kind::Review => alert(AlertDetail::Review {
                confirmed: second_flag,
                operator_wait_s: first,
                latency_s: second,
            }),
            Kind::Dispatch => alert(AlertDetail::Dispatch {
                wait_s: first,
                approach_s: second,
            }),
            Kind::Stop => alert(AlertDetail::Stop {
                since_capture_s: first,
                duration_s: second,
            }),
            Kind::Arrest => alert(AlertDetail::Arrest {
                since_capture_s: first,
            }),
            Kind::Lost => alert(AlertDetail::Lost {
                reason: LostReason::ALL[((flags >> REASON_SHIFT) & 7) as usize],
                since_capture_s: first,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBJECT: Subject = Subject {
        face: 7,
        person: 11,
        group: 2,
        site: 3,
    };

    fn subject(event: &Event) -> Subject {
        let (face, person, group, site) = (event.face, event.person, event.group, event.site);
        Subject {
            face,
            person,
            group,
            site,
        }
    }

    #[test]
    fn events_stay_compact() {
        assert_eq!(std::mem::size_of::<Event>(), 48);
    }

    #[test]
    fn face_details_read_back_as_built() {
        let outcomes = [
            SearchOutcome::NoAlert,
            SearchOutcome::TrueAlert,
            SearchOutcome::FalseAlert,
        ];
        let mut details = vec![];
        for capture_line in [false, true] {
            for searched in [None].into_iter().chain(outcomes.map(Some)) {
                details.push(FaceDetail::Capture {
                    capture_line,
                    searched,
                });
            }
        }
        for outcome in outcomes {
            details.push(FaceDetail::Search {
                outcome,
                decision_s: 0.25,
            });
        }
        for reason in [DropReason::QueueFull, DropReason::PushedOut] {
            details.push(FaceDetail::Drop {
                reason,
                since_capture_s: 1.5,
            });
        }
        for detail in details {
            for wanted in [false, true] {
                let event = Event::of_face(9.0, SUBJECT, wanted, detail);
                assert_eq!((event.t, event.kind), (9.0, detail.kind()));
                assert_eq!(subject(&event), SUBJECT);
                assert_eq!(event.detail(), Detail::Face { wanted, detail });
            }
        }
    }

    #[test]
    fn alert_details_read_back_as_built() {
        let mut details = vec![
            AlertDetail::Raised {
                captured_t: 1.0,
                window_ends_t: 301.0,
            },
            AlertDetail::Dispatch {
                wait_s: 2.0,
                approach_s: 3.0,
            },
            AlertDetail::Stop {
                since_capture_s: 4.0,
                duration_s: 5.0,
            },
            AlertDetail::Arrest {
                since_capture_s: 6.0,
            },
        ];
        for confirmed in [false, true] {
            details.push(AlertDetail::Review {
                confirmed,
                operator_wait_s: 7.0,
                latency_s: 8.0,
            });
        }
        for reason in LostReason::ALL {
            details.push(AlertDetail::Lost {
                reason,
                since_capture_s: 9.0,
            });
        }
        for detail in details {
            for true_alert in [false, true] {
                let event = Event::of_alert(10.0, SUBJECT, true_alert, detail);
                assert_eq!((event.t, event.kind), (10.0, detail.kind()));
                assert_eq!(subject(&event), SUBJECT);
                assert_eq!(event.detail(), Detail::Alert { true_alert, detail });
            }
        }
    }
}
