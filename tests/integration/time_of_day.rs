//! Faces and alerts by hour of the clock (the HTML report's time-of-day
//! chart): each hour's faces against the site profiles' closed form, and
//! the hours summing to the run's totals.

use crate::common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{HOURS_OF_DAY, Metric};

const TWO_DAYS: &str = r#"
    [simulation]
    duration = "48h"
    seed = 5
    [population]
    residents = 100000
    [[sites]]
    name = "station"
    footfall_per_hour = [400, 300, 200, 200, 500, 1200, 3000, 6000, 8000, 5000, 4000, 4000,
                         4500, 4200, 4000, 4000, 5000, 7000, 6000, 4000, 2500, 1800, 1000, 700]
    [[sites]]
    name = "market"
    footfall_per_hour = 1500
    active = ["09:00-18:00"]
    [watchlist]
    size = 10000
    wanted_present = 30
    [matcher]
    threshold = 0.55
"#;

#[test]
fn faces_per_hour_of_day_follow_the_site_profiles() {
    let sc = scenario(TWO_DAYS, &[]);
    let reps = 6;
    let outcomes = run_replications(&sc.model, reps, 2);
    let days = 2.0;
    for hour in 0..HOURS_OF_DAY {
        // Each hour's faces are Poisson: the sum of the segments' means.
        let per_day: f64 = sc
            .model
            .sites
            .iter()
            .flat_map(|s| &s.segments_in_hour[hour])
            .map(|seg| seg.captures_per_s * (seg.end_s - seg.start_s))
            .sum();
        let expected = per_day * days * reps as f64;
        let observed: f64 = outcomes
            .iter()
            .map(|o| o.time_of_day.faces[hour] as f64)
            .sum();
        assert_poisson(&format!("faces at {hour:02}:00"), observed, expected);
    }
}

#[test]
fn the_hours_sum_to_the_totals() {
    let sc = scenario(TWO_DAYS, &[]);
    for o in run_replications(&sc.model, 3, 2) {
        let t = &o.time_of_day;
        assert_eq!(t.faces.iter().sum::<u64>(), o.counts[Metric::FacesCaptured]);
        assert_eq!(
            t.true_alerts.iter().sum::<u64>(),
            o.counts[Metric::TrueAlerts]
        );
        assert_eq!(
            t.false_alerts.iter().sum::<u64>(),
            o.counts[Metric::FalseAlerts]
        );
    }
}
