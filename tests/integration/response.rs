//! The alert → review → stop → arrest chain: conservation, queueing sanity,
//! and closed forms (binomial thinning, Erlang's loss formula).

use crate::common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{GroupMetric, Metric, Outcome};

/// A city with a flat footfall and a poor matcher, so alerts are plentiful
/// and arrive as a homogeneous Poisson process.
const BUSY: &str = r#"
    [simulation]
    duration = "24h"
    seed = 3
    [population]
    residents = 200000
    [[sites]]
    name = "s"
    footfall_per_hour = 20000
    [watchlist]
    size = 10000
    wanted_present = 2000
    [matcher]
    threshold = 0.55
"#;

fn run(sets: &[&str], reps: u64) -> Vec<Outcome> {
    run_replications(&scenario(BUSY, sets).model, reps, 2)
}

fn assert_conservation(o: &Outcome) {
    let c = &o.counts;
    assert_eq!(
        c[Metric::Alerts],
        c[Metric::TrueAlerts] + c[Metric::FalseAlerts]
    );
    assert_eq!(
        c[Metric::Alerts],
        c[Metric::AlertsRejected]
            + c[Metric::AlertsConfirmed]
            + c[Metric::LostAwaitingReview]
            + c[Metric::LostToPipelineDelay]
    );
    assert_eq!(
        c[Metric::AlertsConfirmed],
        c[Metric::StopAttempts] + c[Metric::LostDuringReview] + c[Metric::LostAwaitingOfficer]
    );
    assert_eq!(
        c[Metric::StopAttempts],
        c[Metric::Stops] + c[Metric::LostBeforeStop] + c[Metric::FoundArrested]
    );
    assert_eq!(
        c[Metric::Stops],
        c[Metric::CorrectStops] + c[Metric::WrongfulStops]
    );
    assert_eq!(
        c[Metric::LostInCrowd],
        c[Metric::LostToPipelineDelay]
            + c[Metric::LostAwaitingReview]
            + c[Metric::LostDuringReview]
            + c[Metric::LostAwaitingOfficer]
            + c[Metric::LostBeforeStop]
    );
    assert!(c[Metric::Arrests] <= c[Metric::CorrectStops]);
    assert!(c[Metric::FalseArrests] <= c[Metric::WrongfulStops]);
    assert!(c[Metric::WantedArrested] <= c[Metric::WantedAlerted]);
    assert!(c[Metric::WantedAlerted] <= c[Metric::WantedScanned]);
    let g_false: u64 = o.groups.iter().map(|g| g[GroupMetric::FalseAlerts]).sum();
    assert_eq!(g_false, c[Metric::FalseAlerts]);
}

#[test]
fn every_alert_is_accounted_for() {
    for sets in [
        &[][..],
        &["review.operators=1", "review.review_time=\"4m\""][..],
        &["intervention.officers=1", "intervention.window=\"2m\""][..],
    ] {
        for o in run(sets, 3) {
            assert!(o.counts[Metric::Alerts] > 100);
            assert_conservation(&o);
        }
    }
}

#[test]
fn one_slow_operator_loses_alerts_in_the_crowd() {
    let outcomes = run(
        &[
            "review.operators=1",
            "review.review_time=\"10m\"",
            "intervention.window=\"5m\"",
        ],
        2,
    );
    let alerts = total(&outcomes, Metric::Alerts);
    let lost = total(&outcomes, Metric::LostInCrowd);
    assert!(alerts > 500.0);
    // Reviews take twice the window: every confirmed alert is too late, and
    // most alerts never reach the operator.
    assert_eq!(total(&outcomes, Metric::Stops), 0.0);
    assert!(total(&outcomes, Metric::LostAwaitingReview) > 0.5 * alerts);
    assert!(lost > 0.5 * alerts, "lost {lost} of {alerts}");
}

#[test]
fn ample_staff_lose_no_one_and_thin_alerts_binomially() {
    let outcomes = run(
        &[
            "review.operators=10000",
            "review.review_time=\"5s\"",
            "intervention.officers=10000",
            "intervention.approach_time=\"10s\"",
            "intervention.window=\"10m\"",
            "review.p_confirm_true=0.8",
            "review.p_confirm_false=0.3",
            "intervention.p_arrest_correct=0.6",
            "intervention.p_arrest_wrongful=0.1",
        ],
        4,
    );
    // No one is lost in the crowd. The only losses are officers sent on a
    // later alert of someone already arrested on an earlier one: they find
    // no one (counted as lost before the stop), at most one per repeat
    // true alert.
    let lost_before_stop = total(&outcomes, Metric::LostBeforeStop);
    assert_eq!(total(&outcomes, Metric::LostInCrowd), lost_before_stop);
    assert!(
        lost_before_stop
            <= total(&outcomes, Metric::TrueAlerts) - total(&outcomes, Metric::WantedAlerted)
    );
    for o in &outcomes {
        assert_conservation(o);
    }
    // With no one lost, each stage is a binomial thinning of the one before.
    let binomial = |what: &str, k: f64, n: f64, p: f64| {
        assert_within_4se(what, k, n * p, (n * p * (1.0 - p)).sqrt());
    };
    let true_alerts = total(&outcomes, Metric::TrueAlerts);
    let false_alerts = total(&outcomes, Metric::FalseAlerts);
    let correct = total(&outcomes, Metric::CorrectStops);
    let wrongful = total(&outcomes, Metric::WrongfulStops);
    // A confirmed true alert ends in a correct stop or finds its person
    // already in custody.
    binomial(
        "confirmed true alerts",
        correct + lost_before_stop,
        true_alerts,
        0.8,
    );
    binomial("wrongful stops", wrongful, false_alerts, 0.3);
    binomial("arrests", total(&outcomes, Metric::Arrests), correct, 0.6);
    binomial(
        "false arrests",
        total(&outcomes, Metric::FalseArrests),
        wrongful,
        0.1,
    );
}

/// Erlang's loss formula B(c, a): the share of arrivals that find all c
/// servers busy, for Poisson arrivals and any service-time distribution.
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

#[test]
fn operators_without_a_queue_block_as_erlang_b_predicts() {
    // A window of 10 ms makes the operators' queue a loss system: an alert
    // that finds both operators busy is lost before one frees up (reviews
    // take 20 s on average). Alerts are Poisson (flat footfall, one site), so
    // the blocked share is B(2, λ·20 s), insensitive to the review-time law.
    let sets = [
        "review.operators=2",
        "review.review_time={ dist = \"exponential\", mean = \"20s\" }",
        "intervention.window=\"10ms\"",
    ];
    let sc = scenario(BUSY, &sets);
    let e = sc.model.expected();
    let rate_per_s = (e.true_alerts + e.false_alerts) / sc.model.duration_s;
    let b = erlang_b(2, rate_per_s * 20.0);
    assert!(b > 0.1 && b < 0.6, "the case must block a fair share: {b}");
    // Blocking is correlated within a run; compare across replications.
    let reps = 24;
    let shares: Vec<f64> = run_replications(&sc.model, reps, 2)
        .iter()
        .map(|o| o.counts[Metric::LostAwaitingReview] as f64 / o.counts[Metric::Alerts] as f64)
        .collect();
    let mean = shares.iter().sum::<f64>() / reps as f64;
    let sd = (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (reps - 1) as f64).sqrt();
    assert_within_4se("Erlang-B blocking", mean, b, sd / (reps as f64).sqrt());
}

#[test]
fn staffing_changes_do_not_change_which_faces_alerted() {
    // Common random numbers: the response chain has its own stream. Arrests
    // feed back on the faces (custody, executed warrants), so staffing can
    // change later faces only through them: without arrests, not at all.
    let no_arrests = "intervention.p_arrest_correct=0";
    let a = run(&["review.operators=1", no_arrests], 2);
    let b = run(
        &["review.operators=5", "intervention.officers=1", no_arrests],
        2,
    );
    for (x, y) in a.iter().zip(&b) {
        for m in [
            Metric::FacesCaptured,
            Metric::TrueAlerts,
            Metric::FalseAlerts,
        ] {
            assert_eq!(x.counts[m], y.counts[m]);
        }
    }
}

#[test]
fn a_higher_threshold_sees_the_same_faces_and_a_subset_of_alerts() {
    // Arrivals and searches have separate streams, and each search uses a
    // fixed number of draws: what-ifs on the matcher compare like with like,
    // and an alert at a higher threshold is also an alert at a lower one.
    // (Arrests feed back on later faces through custody, so they are off.)
    let no_arrests = "intervention.p_arrest_correct=0";
    let low = run(&["matcher.threshold=0.55", no_arrests], 2);
    let high = run(&["matcher.threshold=0.58", no_arrests], 2);
    for (a, b) in low.iter().zip(&high) {
        for m in [
            Metric::FacesCaptured,
            Metric::PeopleScanned,
            Metric::WantedScanned,
        ] {
            assert_eq!(a.counts[m], b.counts[m]);
        }
        for (ga, gb) in a.groups.iter().zip(&b.groups) {
            assert_eq!(
                ga[GroupMetric::FacesCaptured],
                gb[GroupMetric::FacesCaptured]
            );
        }
        assert!(b.counts[Metric::FalseAlerts] < a.counts[Metric::FalseAlerts]);
        assert!(b.counts[Metric::TrueAlerts] <= a.counts[Metric::TrueAlerts]);
    }
    // A bigger watchlist leaves the faces untouched too. (Not a change in
    // who is wanted: wanted people are drawn one by one, the others of
    // their block may be drawn as cells, so that changes which draws make
    // the faces — the same law, another sample.)
    let bigger = run(&["watchlist.size=50000", no_arrests], 2);
    for (a, b) in low.iter().zip(&bigger) {
        assert_eq!(
            a.counts[Metric::FacesCaptured],
            b.counts[Metric::FacesCaptured]
        );
        assert_eq!(
            a.counts[Metric::PeopleScanned],
            b.counts[Metric::PeopleScanned]
        );
    }
}
