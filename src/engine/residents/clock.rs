//! When a site captures faces over the whole run: its capture rate as a
//! distribution of time, drawn by inversion.
//!
//! A site's cameras repeat the same day (`segments_in_hour`), cut off at the
//! run's end. The face engine walks it hour by hour; here the whole run's
//! rate is one piecewise-constant density — whole days, then the last
//! partial day — so a capture time costs a binary search, whatever the
//! duration.

use crate::metrics::HOURS_OF_DAY;
use crate::model::Site;
use crate::model::{DAY_S, HOUR_S};

/// One stretch of the day at a constant rate, with the capture mass of the
/// day before it.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start_s: f64,
    end_s: f64,
    captures_per_s: f64,
    mass_before: f64,
}

/// A site's capture rate over the run.
#[derive(Debug, Clone)]
pub(super) struct SiteClock {
    pieces: Vec<Piece>,
    /// Expected captures in one whole day.
    day_mass: f64,
    /// Whole days in the run.
    full_days: f64,
    /// Seconds of the last, partial day.
    rest_s: f64,
    /// Expected captures in the partial day.
    rest_mass: f64,
    /// Expected captures in each hour of the clock, over the run.
    pub(super) hour_mass: [f64; HOURS_OF_DAY],
}

impl SiteClock {
    /// The clock of `site` over a run of `duration_s`.
    pub(super) fn new(site: &Site, duration_s: f64) -> SiteClock {
        let mut pieces = Vec::new();
        let mut day_mass = 0.0;
        for (hour, segments) in site.segments_in_hour.iter().enumerate() {
            for segment in segments.iter().filter(|s| s.captures_per_s > 0.0) {
                let start_s = hour as f64 * HOUR_S + segment.start_s;
                let end_s = hour as f64 * HOUR_S + segment.end_s;
                pieces.push(Piece {
                    start_s,
                    end_s,
                    captures_per_s: segment.captures_per_s,
                    mass_before: day_mass,
                });
                day_mass += segment.captures_per_s * (end_s - start_s);
            }
        }
        let full_days = (duration_s / DAY_S).floor();
        let rest_s = duration_s - full_days * DAY_S;
        let within_rest = |p: &Piece| (p.end_s.min(rest_s) - p.start_s).max(0.0);
        let rest_mass = pieces
            .iter()
            .map(|p| p.captures_per_s * within_rest(p))
            .sum();
        let mut hour_mass = [0.0; HOURS_OF_DAY];
        for p in &pieces {
            let hour = (p.start_s / HOUR_S) as usize;
            hour_mass[hour.min(HOURS_OF_DAY - 1)] +=
                p.captures_per_s * (full_days * (p.end_s - p.start_s) + within_rest(p));
        }
        SiteClock {
            pieces,
            day_mass,
            full_days,
            rest_s,
            rest_mass,
            hour_mass,
        }
    }

    /// Expected captures over the run.
    pub(super) fn mass(&self) -> f64 {
        self.full_days * self.day_mass + self.rest_mass
    }

    /// The day of a capture at quantile `u` ∈ [0, 1) of the run's capture
    /// mass: with `u` uniform, drawn in proportion to each day's mass.
    pub(super) fn day_at(&self, u: f64) -> u32 {
        let x = u * self.mass();
        let whole = self.full_days * self.day_mass;
        if x < whole {
            (x / self.day_mass).floor().min(self.full_days - 1.0) as u32
        } else {
            self.full_days as u32
        }
    }

    /// A capture time within day `day`, at quantile `u` ∈ [0, 1) of that
    /// day's mass: with `u` uniform, drawn as [`SiteClock::time_at`] draws
    /// a time given its day.
    pub(super) fn time_in_day(&self, day: u32, u: f64) -> f64 {
        let day = day as f64;
        let mass = if day < self.full_days {
            self.day_mass
        } else {
            self.rest_mass
        };
        self.time_within(day, u * mass)
    }

    /// The time at capture mass `x` into day `day`.
    fn time_within(&self, day: f64, x: f64) -> f64 {
        let i = self
            .pieces
            .partition_point(|p| p.mass_before <= x)
            .saturating_sub(1);
        let p = &self.pieces[i];
        let t = (p.start_s + (x - p.mass_before) / p.captures_per_s).clamp(p.start_s, p.end_s);
        let time_s = day * DAY_S + t;
        if day == self.full_days {
            // Rounding must not carry a time past the run's end.
            time_s.min((day * DAY_S + self.rest_s).next_down())
        } else {
            time_s
        }
    }

    /// The capture time at quantile `u` ∈ [0, 1) of the run's capture mass:
    /// with `u` uniform, a capture time drawn exactly.
    pub(super) fn time_at(&self, u: f64) -> f64 {
        let mut x = u * self.mass();
        let whole = self.full_days * self.day_mass;
        let day = if x < whole {
            let day = (x / self.day_mass).floor().min(self.full_days - 1.0);
            x -= day * self.day_mass;
            day
        } else {
            x -= whole;
            self.full_days
        };
        self.time_within(day, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Segment;

    fn site(segments_in_hour: Vec<Vec<Segment>>) -> Site {
        Site {
            name: "s".into(),
            cameras: 1,
            capture_share: 1.0,
            segments_in_hour,
            zone: 0,
            block_shares: vec![],
            avoided_share_by_group: vec![],
            schedule: vec![],
        }
    }

    #[test]
    fn inversion_follows_the_rate_over_days_and_a_partial_day() {
        // 10/s in 08:00–09:00, 30/s in 17:00–17:30; a run of 1 day + 9 h.
        let mut hours = vec![Vec::new(); 24];
        hours[8] = vec![Segment {
            start_s: 0.0,
            end_s: 3600.0,
            captures_per_s: 10.0,
        }];
        hours[17] = vec![Segment {
            start_s: 0.0,
            end_s: 1800.0,
            captures_per_s: 30.0,
        }];
        let clock = SiteClock::new(&site(hours), DAY_S + 9.0 * HOUR_S);
        // Day 0: 36,000 + 54,000; day 1 up to 09:00: 36,000.
        assert_eq!(clock.mass(), 126_000.0);
        assert_eq!(clock.hour_mass[8], 72_000.0);
        assert_eq!(clock.hour_mass[17], 54_000.0);
        let at = |u: f64| clock.time_at(u);
        assert_eq!(at(0.0), 8.0 * HOUR_S);
        // Halfway through day 0's morning hour.
        assert!((at(18_000.0 / 126_000.0) - 8.5 * HOUR_S).abs() < 1e-6);
        // The evening half hour.
        assert!((at(63_000.0 / 126_000.0) - (17.0 * HOUR_S + 900.0)).abs() < 1e-6);
        // The partial day's morning.
        assert!((at(108_000.0 / 126_000.0) - (DAY_S + 8.5 * HOUR_S)).abs() < 1e-6);
        assert!(at(1.0f64.next_down()) < DAY_S + 9.0 * HOUR_S);
    }
}
