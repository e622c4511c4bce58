//! What a replication counts. Each metric is defined once, here, with its
//! report key and label; the engine fills [`Counts`], the report aggregates
//! and renders them, and nothing recomputes a figure elsewhere.

use std::ops::{AddAssign, Index, IndexMut};

/// Defines a metric enum once: each variant with its key (in JSON, CSV and
/// file names), its label (in tables and charts) and, for a count that is
/// part of another (`under Alerts`), that count; and `ALL` in report
/// order. Used here for [`Metric`] and [`GroupMetric`], and by the sweep for
/// its headline metrics, whose keys can name another metric's key.
macro_rules! metrics {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => ($key:expr, $label:literal $(, under $parent:ident)?),)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every metric, in report order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            /// Number of metrics.
            pub const COUNT: usize = Self::ALL.len();
            /// Key in JSON and CSV.
            pub const fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)* }
            }
            /// Label in tables and charts.
            pub const fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }
            /// The count this one is part of, if any: the funnel's nesting,
            /// declared here once (the table indents by it).
            #[allow(unused_mut, unused_assignments)]
            pub const fn parent(self) -> Option<$name> {
                match self {
                    $($name::$variant => {
                        let mut parent = None;
                        $(parent = Some($name::$parent);)?
                        parent
                    })*
                }
            }
        }
    };
}
pub(crate) use metrics;

metrics! {
    /// Run-wide counts: the funnel from face to arrest.
    Metric {
        /// Usable faces captured by all cameras.
        FacesCaptured => ("faces_captured", "faces captured"),
        /// Distinct residents captured at least once.
        PeopleScanned => ("people_scanned", "distinct people scanned"),
        /// Watchlist searches run (captured faces not dropped by the pipeline).
        Searches => ("searches", "searches"),
        /// Faces the pipeline dropped under overload: never searched.
        FacesDropped => ("faces_dropped", "dropped by the pipeline"),
        /// ... of which faces of wanted people.
        WantedFacesDropped => ("wanted_faces_dropped", "of wanted people", under FacesDropped),
        /// All alerts.
        Alerts => ("alerts", "alerts"),
        /// Alerts whose top candidate is the person.
        TrueAlerts => ("true_alerts", "true", under Alerts),
        /// Alerts whose top candidate is someone else.
        FalseAlerts => ("false_alerts", "false", under Alerts),
        /// Alerts an operator judged non-credible.
        AlertsRejected => ("alerts_rejected", "rejected by operator"),
        /// Alerts an operator confirmed.
        AlertsConfirmed => ("alerts_confirmed", "confirmed by operator"),
        /// Confirmed alerts no officer could act on: the scenario has none
        /// (a trial that only records alerts).
        NotActioned => ("not_actioned", "not actioned (no officers)"),
        /// Alerts whose subject left before a stop (the sum of the five below).
        LostInCrowd => ("lost_in_crowd", "lost in the crowd"),
        /// ... decided by the pipeline only after the window closed.
        LostToPipelineDelay => ("lost_to_pipeline_delay", "decided too late (pipeline)", under LostInCrowd),
        /// ... while waiting for an operator.
        LostAwaitingReview => ("lost_awaiting_review", "awaiting an operator", under LostInCrowd),
        /// ... confirmed only after the window closed.
        LostDuringReview => ("lost_during_review", "confirmed too late", under LostInCrowd),
        /// ... while waiting for a free officer.
        LostAwaitingOfficer => ("lost_awaiting_officer", "awaiting an officer", under LostInCrowd),
        /// ... the officer arrived after the window closed.
        LostBeforeStop => ("lost_before_stop", "officer arrived too late", under LostInCrowd),
        /// Officers dispatched to a confirmed alert.
        StopAttempts => ("stop_attempts", "stop attempts"),
        /// Stops made: an event, so a person stopped twice counts twice.
        Stops => ("stops", "stops"),
        /// Stops of the person the alert named. A correct stop that ends
        /// without an arrest leaves the warrant open, so the same wanted
        /// person can be stopped again on a later alert: `WantedStopped`
        /// counts the people.
        CorrectStops => ("correct_stops", "correct", under Stops),
        /// Stops on a false alert.
        WrongfulStops => ("wrongful_stops", "wrongful", under Stops),
        /// Officers who reached a wanted person already arrested on another
        /// alert: no stop is made, and the alert is not lost in the crowd.
        FoundArrested => ("found_arrested", "already arrested on another alert"),
        /// Correct stops ending in arrest (each with `p_arrest_correct`, a
        /// probability per stop): the warrant is executed, so each wanted
        /// person is arrested at most once (equal to `WantedArrested`).
        Arrests => ("arrests", "arrests"),
        /// Wrongful stops ending in arrest.
        FalseArrests => ("false_arrests", "false arrests"),
        /// Wanted people living in the city.
        WantedPresent => ("wanted_present", "wanted people present"),
        /// ... captured at least once.
        WantedScanned => ("wanted_scanned", "scanned at least once", under WantedPresent),
        /// ... with at least one true alert.
        WantedAlerted => ("wanted_alerted", "with a true alert", under WantedPresent),
        /// ... stopped at least once by an officer (a correct stop): people,
        /// where `CorrectStops` counts stops.
        WantedStopped => ("wanted_stopped", "stopped", under WantedPresent),
        /// ... arrested at least once.
        WantedArrested => ("wanted_arrested", "arrested", under WantedPresent),
        /// Faces of wanted people captured while their warrant was open
        /// (mated searches, and those the pipeline dropped unsearched); with
        /// walk-past rates, each walk past is one. A face captured after
        /// the person's arrest is not one: in custody it was never there,
        /// afterwards they are no longer wanted.
        WantedFacesCaptured => ("wanted_faces_captured", "faces of wanted people captured"),
        /// ... that raised a true alert: equal to `TrueAlerts`, since every
        /// true alert is a wanted person's face (their ratio is the
        /// detection rate per pass).
        WantedFacesAlerted => ("wanted_faces_alerted", "that raised a true alert", under WantedFacesCaptured),
    }
}

metrics! {
    /// Per-group counts.
    GroupMetric {
        /// Faces of the group's members.
        FacesCaptured => ("faces_captured", "faces"),
        /// Distinct members captured.
        PeopleScanned => ("people_scanned", "people scanned"),
        /// True alerts.
        TrueAlerts => ("true_alerts", "true alerts"),
        /// False alerts.
        FalseAlerts => ("false_alerts", "false alerts"),
        /// Wrongful stops.
        WrongfulStops => ("wrongful_stops", "wrongful stops"),
        /// False arrests.
        FalseArrests => ("false_arrests", "false arrests"),
        /// Members captured ten times or more.
        ScannedTenTimes => ("people_scanned_10_times", "scanned ≥ 10 times"),
        /// Members captured at three or more distinct sites: their movements
        /// can be reconstructed.
        Trackable => ("trackable", "trackable (≥ 3 sites)"),
        /// Members with two or more false alerts.
        RepeatFalseAlerts => ("people_with_2_false_alerts", "≥ 2 false alerts"),
        /// Members stopped wrongly two or more times.
        RepeatWrongfulStops => ("people_with_2_wrongful_stops", "≥ 2 wrongful stops"),
    }
}

/// How captures fall on residents in one replication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// `captures[i]`: residents captured i times (the last bucket: that many or more).
    pub captures: Vec<u64>,
    /// Most captures of one resident.
    pub max_captures: u64,
    /// Residents by distinct sites that captured them: 0, 1, 2, 3, 4 or more.
    pub distinct_sites: [u64; 5],
}

/// Buckets of the captures-per-resident histogram (the last is open-ended).
pub const CAPTURE_BUCKETS: usize = 1024;

impl Default for Exposure {
    fn default() -> Self {
        Exposure {
            captures: vec![0; CAPTURE_BUCKETS],
            max_captures: 0,
            distinct_sites: [0; 5],
        }
    }
}

impl Exposure {
    /// An exposure that holds nothing and allocates nothing (adding it
    /// changes nothing).
    pub fn empty() -> Self {
        Exposure {
            captures: Vec::new(),
            max_captures: 0,
            distinct_sites: [0; 5],
        }
    }

    /// Adds another replication's exposure.
    pub fn add(&mut self, other: &Exposure) {
        for (a, b) in self.captures.iter_mut().zip(&other.captures) {
            *a += b;
        }
        self.max_captures = self.max_captures.max(other.max_captures);
        for (a, b) in self.distinct_sites.iter_mut().zip(&other.distinct_sites) {
            *a += b;
        }
    }

    /// The captures of the resident at quantile `q` (0–1) of the pooled
    /// distribution (the open-ended bucket reads as its lower bound).
    pub fn captures_quantile(&self, q: f64) -> u64 {
        let total: u64 = self.captures.iter().sum();
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total.max(1));
        let mut seen = 0;
        for (i, &n) in self.captures.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return i as u64;
            }
        }
        0
    }
}

/// A fixed-size table of counts indexed by a metric enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table<const N: usize>(pub [u64; N]);

impl<const N: usize> Default for Table<N> {
    fn default() -> Self {
        Table([0; N])
    }
}

/// Run-wide counts.
pub type Counts = Table<{ Metric::COUNT }>;
/// One group's counts.
pub type GroupCounts = Table<{ GroupMetric::COUNT }>;

impl Index<Metric> for Counts {
    type Output = u64;
    fn index(&self, m: Metric) -> &u64 {
        &self.0[m as usize]
    }
}
impl IndexMut<Metric> for Counts {
    fn index_mut(&mut self, m: Metric) -> &mut u64 {
        &mut self.0[m as usize]
    }
}
impl Index<GroupMetric> for GroupCounts {
    type Output = u64;
    fn index(&self, m: GroupMetric) -> &u64 {
        &self.0[m as usize]
    }
}
impl IndexMut<GroupMetric> for GroupCounts {
    fn index_mut(&mut self, m: GroupMetric) -> &mut u64 {
        &mut self.0[m as usize]
    }
}
impl<const N: usize> AddAssign<&Table<N>> for Table<N> {
    fn add_assign(&mut self, rhs: &Table<N>) {
        for (a, b) in self.0.iter_mut().zip(rhs.0.iter()) {
            *a += b;
        }
    }
}

/// Everything one replication counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Run-wide counts.
    pub counts: Counts,
    /// Per group, in model order.
    pub groups: Vec<GroupCounts>,
    /// Per matcher pool, with a pipeline.
    pub pools: Vec<PoolStats>,
    /// Latency distributions.
    pub latency: Latencies,
    /// Captures per resident.
    pub exposure: Exposure,
    /// This replication's 99th percentile of capture → decision latency,
    /// µs: with a pipeline that searched a face, `None` otherwise. It
    /// outlives the histograms, which are let go as replications are
    /// gathered (see [`Outcome::compact`]).
    pub decision_p99_us: Option<u64>,
    /// Faces and alerts by hour of the clock, by capture time.
    pub time_of_day: TimeOfDay,
    /// With a deployment schedule, each deployment's counts (in file
    /// order): its faces, alerts and what came of them.
    pub deployments: Vec<Counts>,
    /// With several watchlists at a deployment, per deployment and list:
    /// the true and false alerts each list raised.
    pub lists: Vec<Vec<[u64; 2]>>,
}

/// Hours of the clock: one time-of-day bucket each.
pub const HOURS_OF_DAY: usize = 24;

/// Faces captured and alerts raised in each hour of the clock (00:00–01:00,
/// …), summed over the run's days and placed by capture time. Batch mode
/// has no capture times for faces without an alert, so it counts none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeOfDay {
    /// Faces captured, per hour of the clock.
    pub faces: [u64; HOURS_OF_DAY],
    /// True alerts, per hour of the clock.
    pub true_alerts: [u64; HOURS_OF_DAY],
    /// False alerts, per hour of the clock.
    pub false_alerts: [u64; HOURS_OF_DAY],
}

impl TimeOfDay {
    /// The hour of the clock that `t_s` (seconds from the run's start,
    /// which is midnight) falls in.
    pub fn hour_of(t_s: f64) -> usize {
        ((t_s / 3600.0).floor() as i64).rem_euclid(HOURS_OF_DAY as i64) as usize
    }
}

impl Outcome {
    /// Lets go of what is pooled, or not kept, once a replication is in:
    /// the latency histograms (0.75 MB) and the captures-per-resident
    /// histogram. Counts, pool statistics and the p99 stay.
    pub fn compact(&mut self) {
        self.latency = Latencies::empty();
        self.exposure = Exposure::empty();
    }
}

/// What one matcher pool saw in a replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PoolStats {
    /// Faces that reached the pool.
    pub arrivals: u64,
    /// Faces matched.
    pub served: u64,
    /// Faces dropped.
    pub dropped: u64,
    /// Server-seconds spent matching.
    pub busy_s: f64,
    /// ∫ queue length dt, face-seconds.
    pub queue_area: f64,
    /// Longest queue.
    pub max_queue: u64,
    /// Most arrivals in one minute of virtual time.
    pub peak_per_minute: u64,
    /// Busy server time ÷ (servers × an hour) in the busiest 60 consecutive
    /// minutes of the run (the whole run if shorter; the drain after the
    /// end is not counted).
    pub peak_hour_utilisation: f64,
}

impl Eq for PoolStats {}

/// Latency distributions, in microseconds (HdrHistogram, 3 significant digits).
#[derive(Debug, Clone, PartialEq)]
pub struct Latencies {
    /// Capture → match decision, for every searched face (with a pipeline).
    pub capture_to_decision: hdrhistogram::Histogram<u64>,
    /// Alert raised → operator's decision.
    pub alert_to_review: hdrhistogram::Histogram<u64>,
    /// Capture → stop, for every stop.
    pub capture_to_stop: hdrhistogram::Histogram<u64>,
}

impl Eq for Latencies {}

impl Latencies {
    /// Names and histograms, in report order.
    pub fn named(&self) -> [(&'static str, &hdrhistogram::Histogram<u64>); 3] {
        [
            ("capture_to_decision", &self.capture_to_decision),
            ("alert_to_review", &self.alert_to_review),
            ("capture_to_stop", &self.capture_to_stop),
        ]
    }

    /// Histograms that hold nothing and take a few hundred bytes (they grow
    /// if recorded into); adding them changes nothing.
    pub fn empty() -> Self {
        let tiny = || hdrhistogram::Histogram::new(1).expect("valid histogram precision");
        Latencies {
            capture_to_decision: tiny(),
            alert_to_review: tiny(),
            capture_to_stop: tiny(),
        }
    }

    /// Adds another replication's latencies.
    pub fn add(&mut self, other: &Latencies) {
        // Same bounds on both sides (or an empty side), so adding cannot fail.
        let _ = self.capture_to_decision.add(&other.capture_to_decision);
        let _ = self.alert_to_review.add(&other.alert_to_review);
        let _ = self.capture_to_stop.add(&other.capture_to_stop);
    }
}

/// A latency histogram: 1 µs to ~11.6 days, 3 significant digits.
pub fn latency_histogram() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(1, 1_000_000_000_000, 3)
        .expect("valid histogram bounds")
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            capture_to_decision: latency_histogram(),
            alert_to_review: latency_histogram(),
            capture_to_stop: latency_histogram(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The funnel's nesting: a count comes after the count it is part of,
    /// which is itself no part of another (the table indents one level).
    #[test]
    fn a_part_follows_its_whole_one_level_down() {
        let at = |m: Metric| Metric::ALL.iter().position(|&x| x == m).unwrap();
        for &m in Metric::ALL {
            if let Some(whole) = m.parent() {
                assert!(at(whole) < at(m), "{} before {}", whole.key(), m.key());
                assert_eq!(whole.parent(), None, "{}", whole.key());
            }
        }
        assert_eq!(Metric::TrueAlerts.parent(), Some(Metric::Alerts));
        assert_eq!(Metric::FacesCaptured.parent(), None);
        assert_eq!(GroupMetric::FacesCaptured.parent(), None);
    }
}
