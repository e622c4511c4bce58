//! The recognition pipeline against queueing theory: M/M/1, M/M/c (Erlang C)
//! and M/D/1 (Pollaczek–Khinchine) mean waits and utilisation, drops below
//! and above capacity, and pipeline delay eating the intervention window.
//!
//! Detection is made instantaneous and latencies zero, so faces reach the
//! pool as the Poisson process they are captured as. Each test compares the
//! mean over replications with the closed form, within 4 standard errors
//! (between-replication spread) and a stated relative tolerance.

use crate::common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::{Metric, Outcome};

/// One site with Poisson arrivals at `rate_per_s` into one pool.
fn queue(rate_per_s: f64, servers: u32, service: &str, queue_capacity: u64, extra: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "1h"
        seed = 11
        [population]
        residents = 100000
        [[sites]]
        name = "s"
        footfall_per_hour = {}
        [watchlist]
        size = 1000
        [pipeline]
        detection_faces_per_s = 1e12
        detection_latency = "0s"
        network_latency = "0s"
        [[pipeline.pools]]
        name = "p"
        servers = {servers}
        service_time = {service}
        queue_capacity = {queue_capacity}
        {extra}
        "#,
        rate_per_s * 3600.0
    )
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (m, sd / n.sqrt())
}

/// Checks mean sojourn (capture → decision) and utilisation.
/// Checks a queue's mean sojourn and utilisation; `service_cv2` is the
/// squared coefficient of variation of its service time (0 fixed, 1
/// exponential).
fn check_queue(
    name: &str,
    text: &str,
    want_sojourn_s: f64,
    want_util: f64,
    reps: u64,
    service_cv2: f64,
) {
    let sc = scenario(text, &[]);
    let outcomes: Vec<Outcome> = run_replications(&sc.model, reps, 2);
    let sojourn: Vec<f64> = outcomes
        .iter()
        .map(|o| o.latency.capture_to_decision.mean() / 1e6)
        .collect();
    let util: Vec<f64> = outcomes
        .iter()
        .map(|o| {
            o.pools[0].busy_s
                / (sc.model.pipeline.as_ref().unwrap().pools[0].servers as f64 * 3600.0)
        })
        .collect();
    let (w, w_se) = mean_sd(&sojourn);
    let (u, u_sample_se) = mean_sd(&util);
    // The busy time is a compound Poisson sum: with arrivals Poisson(λT) and
    // service S, Var(busy) = λT·E[S²], so the utilisation's standard error is
    // ρ·√(E[S²]/E[S]²)/√(λT) per replication — known in closed form, unlike
    // the sample SE of 8 replications, whose 4-SE band fails one time in
    // 200 (t with 7 df). The larger of the two is used.
    let faces: f64 = outcomes
        .iter()
        .map(|o| o.counts[Metric::FacesCaptured] as f64)
        .sum::<f64>()
        / reps as f64;
    let u_poisson_se = want_util * (service_cv2 + 1.0).sqrt() / (faces * reps as f64).sqrt();
    let u_se = u_sample_se.max(u_poisson_se);
    assert_within_4se(
        &format!("{name}: mean sojourn (s)"),
        w,
        want_sojourn_s,
        w_se.max(1e-12),
    );
    assert!(
        (w / want_sojourn_s - 1.0).abs() < 0.05,
        "{name}: sojourn {w} vs {want_sojourn_s}"
    );
    assert_within_4se(
        &format!("{name}: utilisation"),
        u,
        want_util,
        u_se.max(1e-12),
    );
    assert!(
        (u - want_util).abs() < 0.01,
        "{name}: utilisation {u} vs {want_util}"
    );
    for o in &outcomes {
        assert_eq!(o.counts[Metric::FacesDropped], 0, "{name}: nothing dropped");
    }
}

#[test]
fn m_m_1_matches_the_textbook() {
    // λ = 240/s, μ = 300/s: ρ = 0.8, W = 1 / (μ − λ) = 16.7 ms.
    let text = queue(
        240.0,
        1,
        r#"{ dist = "exponential", mean = "3333333ns" }"#,
        1_000_000,
        "",
    );
    check_queue("M/M/1", &text, 1.0 / 60.0, 0.8, 8, 1.0);
}

/// Erlang's C formula: the probability an arrival waits in M/M/c.
fn erlang_c(c: u32, a: f64) -> f64 {
    let b = (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b));
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}

#[test]
fn m_m_c_matches_erlang_c() {
    // c = 3, μ = 300/s each, λ = 765/s: a = 2.55, ρ = 0.85.
    let (c, mu, lambda) = (3u32, 300.0, 765.0);
    let a = lambda / mu;
    let wq = erlang_c(c, a) / (c as f64 * mu - lambda);
    let text = queue(
        lambda,
        c,
        r#"{ dist = "exponential", mean = "3333333ns" }"#,
        1_000_000,
        "",
    );
    check_queue(
        "M/M/3",
        &text,
        wq + 1.0 / mu,
        lambda / (c as f64 * mu),
        8,
        1.0,
    );
}

#[test]
fn m_d_1_matches_pollaczek_khinchine() {
    // Deterministic 300 faces/s, λ = 240/s: Wq = ρ / (2μ(1 − ρ)) = 6.67 ms.
    let (mu, lambda) = (300.0, 240.0);
    let rho = lambda / mu;
    let wq = rho / (2.0 * mu * (1.0 - rho));
    let text = queue(lambda, 1, r#""3333333ns""#, 1_000_000, "");
    check_queue("M/D/1", &text, wq + 1.0 / mu, rho, 8, 0.0);
}

#[test]
fn m_d_c_utilisation_is_the_offered_load() {
    // M/D/c has no simple closed form for the wait; its utilisation is λ/(cμ),
    // and its wait lies below M/M/c's (deterministic service halves the
    // variability term) and above the service time.
    let (c, mu, lambda) = (4u32, 300.0, 1020.0);
    let a = lambda / mu;
    let mmc_wait = erlang_c(c, a) / (c as f64 * mu - lambda) + 1.0 / mu;
    let sc = scenario(&queue(lambda, c, "\"3333333ns\"", 1_000_000, ""), &[]);
    let outcomes = run_replications(&sc.model, 6, 2);
    for o in &outcomes {
        let util = o.pools[0].busy_s / (c as f64 * 3600.0);
        assert!(
            (util - lambda / (c as f64 * mu)).abs() < 0.01,
            "utilisation {util}"
        );
        let w = o.latency.capture_to_decision.mean() / 1e6;
        assert!(
            w > 1.0 / mu && w < mmc_wait,
            "M/D/4 wait {w} outside ({}, {mmc_wait})",
            1.0 / mu
        );
    }
}

#[test]
fn drops_only_beyond_capacity_and_then_the_excess() {
    let below = scenario(&queue(150.0, 1, "\"3333333ns\"", 100, ""), &[]);
    for o in run_replications(&below.model, 2, 2) {
        assert_eq!(o.counts[Metric::FacesDropped], 0);
        assert_eq!(o.counts[Metric::Searches], o.counts[Metric::FacesCaptured]);
    }
    // 1.5× capacity: in the long run a third of the faces cannot be served.
    for policy in ["drop-newest", "drop-oldest"] {
        let over = scenario(
            &queue(
                450.0,
                1,
                "\"3333333ns\"",
                100,
                &format!("overload = \"{policy}\""),
            ),
            &[],
        );
        let outcomes = run_replications(&over.model, 2, 2);
        let dropped = total(&outcomes, Metric::FacesDropped);
        let faces = total(&outcomes, Metric::FacesCaptured);
        let rate = dropped / faces;
        assert!(
            (rate - 1.0 / 3.0).abs() < 0.005,
            "{policy}: drop rate {rate}"
        );
        assert_eq!(
            total(&outcomes, Metric::Searches),
            faces - dropped,
            "{policy}: dropped faces are not searched"
        );
    }
}

#[test]
fn pipeline_delay_loses_interventions_and_keeps_the_books() {
    // Heavily overloaded, with a huge queue: decisions come minutes late.
    let text = queue(
        600.0,
        1,
        "\"3333333ns\"",
        100_000_000,
        "[matcher]\nthreshold = 0.5\n[intervention]\nwindow = \"2m\"\nofficers = 100\n[review]\noperators = 100\n",
    );
    let sc = scenario(&text, &[]);
    for o in run_replications(&sc.model, 2, 2) {
        let c = &o.counts;
        assert!(c[Metric::LostToPipelineDelay] > 100, "{c:?}");
        assert_eq!(
            c[Metric::Alerts],
            c[Metric::AlertsRejected]
                + c[Metric::AlertsConfirmed]
                + c[Metric::LostAwaitingReview]
                + c[Metric::LostToPipelineDelay]
        );
    }
}

#[test]
fn the_pipeline_sees_the_same_faces_and_is_reproducible() {
    let base = "[simulation]\nseed = 3\nduration = \"6h\"\n[population]\nresidents = 50000\n\
                [[sites]]\nname = \"a\"\nfootfall_per_hour = 50000\n[[sites]]\nname = \"b\"\n\
                footfall_per_hour = 80000\ncameras = 3\n[watchlist]\nsize = 5000\nwanted_present = 50\n";
    let with = format!(
        "{base}[pipeline]\n[[pipeline.pools]]\nname = \"one\"\nservers = 1\nfaces_per_s = 30\nqueue_capacity = 50\n"
    );
    // Arrests feed back on later faces (custody), and a pipeline delays
    // them, so the faces match only without arrests; and only within one
    // engine (a pipeline needs the face engine).
    let no_arrests = [
        "intervention.p_arrest_correct=0",
        "simulation.engine=\"faces\"",
    ];
    let plain = scenario(base, &no_arrests);
    let piped = scenario(&with, &no_arrests);
    let a = run_replications(&plain.model, 3, 1);
    let b = run_replications(&piped.model, 3, 1);
    let b2 = run_replications(&piped.model, 3, 2);
    assert_eq!(b, b2, "thread count changes nothing");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x.counts[Metric::FacesCaptured],
            y.counts[Metric::FacesCaptured]
        );
        assert_eq!(
            x.counts[Metric::PeopleScanned],
            y.counts[Metric::PeopleScanned]
        );
        assert!(y.counts[Metric::FacesDropped] > 0);
    }
}

#[test]
fn latency_log_is_a_standard_hdrhistogram_interval_log() {
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("latency.hlog");
    survsim()
        .args([
            "run",
            "neoface-300fps-stadium",
            "--reps",
            "2",
            "-q",
            "--latency-log",
        ])
        .arg(&log)
        .assert()
        .success();
    let bytes = std::fs::read(&log).unwrap();
    let mut tags = Vec::new();
    for entry in IntervalLogIterator::new(&bytes) {
        if let LogEntry::Interval(h) = entry.expect("parses as an interval log") {
            tags.push(h.tag().map(|t| t.as_str().to_string()).unwrap_or_default());
            let decoded: hdrhistogram::Histogram<u64> =
                hdrhistogram::serialization::Deserializer::new()
                    .deserialize(&mut std::io::Cursor::new(
                        base64::Engine::decode(
                            &base64::engine::general_purpose::STANDARD,
                            h.encoded_histogram(),
                        )
                        .unwrap(),
                    ))
                    .unwrap();
            assert!(!decoded.is_empty());
        }
    }
    // Two replications × three histograms.
    assert_eq!(
        tags.iter().filter(|t| *t == "capture_to_decision").count(),
        2
    );
    assert_eq!(tags.len(), 6, "{tags:?}");
}
