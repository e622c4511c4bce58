//! A `survsim live` client that measures pacing: how late each event
//! arrives, on the wall clock, relative to its virtual timestamp.
//!
//! The `hello` line gives the speed and the Unix time at which virtual time
//! 0 was due; an event at virtual time t is due at `started + t / speed`,
//! and its drift is its arrival time minus that. Run a paced server and
//! point this at it:
//!
//! ```text
//! survsim live bench-city --set simulation.duration=1m --speed 1 --wait-clients 1 &
//! cargo run --release --example drift -- 127.0.0.1:7878
//! ```
//!
//! It prints the drift's percentiles once the server sends its `end` line.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".into());
    let stream = TcpStream::connect(&address).unwrap_or_else(|e| {
        eprintln!("drift: cannot connect to {address}: {e}");
        std::process::exit(1)
    });
    let mut lines = BufReader::new(stream).lines();
    let mut origin = None;
    // Microseconds late (early arrivals, if any, are counted separately).
    let mut late = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
    let mut early = 0u64;
    let mut worst_early_us = 0u64;
    for line in lines.by_ref() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let line = line.expect("a line");
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        match v["kind"].as_str() {
            Some("hello") => {
                let speed = v["speed"]
                    .as_f64()
                    .expect("a paced server (not --speed max)");
                let started = v["started_unix_s"].as_f64().expect("started_unix_s");
                origin = Some((started, speed));
            }
            Some("end") => break,
            _ => {
                let (started, speed) = origin.expect("hello first");
                let due = started + v["t"].as_f64().expect("t") / speed;
                let drift_us = ((now - due) * 1e6).round() as i64;
                if drift_us < 0 {
                    early += 1;
                    worst_early_us = worst_early_us.max(drift_us.unsigned_abs());
                } else {
                    late.saturating_record(drift_us as u64);
                }
            }
        }
    }
    let ms = |us: u64| us as f64 / 1e3;
    println!(
        "{} events: arrived after due by {:.2} ms (p50), {:.2} ms (p99), {:.2} ms (p99.9), {:.2} ms (max); \
         {early} arrived early (by at most {:.2} ms)",
        late.len() + early,
        ms(late.value_at_quantile(0.5)),
        ms(late.value_at_quantile(0.99)),
        ms(late.value_at_quantile(0.999)),
        ms(late.max()),
        ms(worst_early_us),
    );
}
