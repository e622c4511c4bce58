//! `survsim check` as a scenario grows. Its variance shares read the
//! expectations of hundreds of draws of the uncertain inputs, and a draw
//! must cost what it changes — the groups, the matcher and what each
//! deployment searches with — not a pass over every site or deployment
//! (issue 26: 20,000 sites took 244 s, quadratic in the sites; 64 lists at
//! one deployment over a minute).
//!
//! Cases, each `Check::new` (what `check` prints, computed) on a scenario
//! loaded once; the throughput is in sites, deployments or lists, so a
//! quadratic shows as a rate that falls as the size grows:
//!
//! * `sites/5000`, `sites/20000` — a city of that many small sites, the
//!   NeoFace profile's one uncertain operating point;
//! * `deployments/2500`, `deployments/10000` — eight sites run by a schedule
//!   of that many deployments (10,000 is the most a schedule may have),
//!   each giving its faces, as `met-2024-25-deployments` does;
//! * `lists/16`, `lists/64` — `london-borough-day` (zones, eight groups,
//!   lookalikes) with one deployment searching that many lists (64 is the
//!   most).
//!
//! ```text
//! cargo bench --bench check
//! ```

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use criterion::{criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;
use survsim::report::Check;
use survsim::scenario::{Scenario, ScenarioSource};

/// Samples per case: criterion's minimum.
const SAMPLES: usize = 10;

/// The matcher and watchlist of every case but the lists'.
const CITY: &str = r#"
[simulation]
duration = "366d"
seed = 1
[population]
residents = 1_000_000
[watchlist]
size = 10_000
wanted_present = 10
[matcher]
profile = "neoface-v4-npl2023"
threshold = 0.6
"#;

fn load(name: &str, text: String) -> Scenario {
    let source = ScenarioSource::from_text(name, text);
    Scenario::load(source, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// `CITY` with `count` sites of ten passers an hour.
fn sites(count: usize) -> Scenario {
    let mut text = CITY.replace("366d", "24h");
    for i in 0..count {
        let _ = write!(text, "[[sites]]\nname = \"s{i}\"\nfootfall_per_hour = 10\n");
    }
    load("sites", text)
}

/// `CITY` with eight sites and `count` deployments of 20 minutes, each at
/// one site and giving its faces.
fn deployments(count: usize) -> Scenario {
    let mut text = CITY.replace("[simulation]", "[simulation]\nengine = \"faces\"");
    for site in 0..8 {
        let _ = write!(text, "[[sites]]\nname = \"site-{site}\"\n");
    }
    for i in 0..count {
        let (slot, site) = (i / 8, i % 8);
        let (day, half_hour) = (slot / 48, slot % 48);
        let start = half_hour * 30;
        let _ = write!(
            text,
            "[[deployments]]\nday = {day}\nstart = \"{:02}:{:02}\"\nend = \"{:02}:{:02}\"\n\
             sites = [\"site-{site}\"]\nfaces = 100\n",
            start / 60,
            start % 60,
            (start + 20) / 60,
            (start + 20) % 60,
        );
    }
    load("deployments", text)
}

/// `london-borough-day` with one deployment searching `count` lists, each
/// with its own size and threshold, every other one with a wanted person.
fn lists(count: usize) -> Scenario {
    let mut text = survsim::scenario::bundled::get("london-borough-day")
        .unwrap()
        .to_string();
    text.push_str(
        "[[deployments]]\nday = 0\nstart = \"12:00\"\nend = \"20:00\"\n\
         sites = [\"high-street\"]\nwatchlists = [\n",
    );
    for i in 0..count {
        let _ = writeln!(
            text,
            "  {{ name = \"l{i}\", size = {}, threshold = {:.4}, wanted_present = {} }},",
            1000 + 10 * i,
            0.59 + 0.0002 * i as f64,
            i % 2
        );
    }
    text.push_str("]\n");
    load("lists", text)
}

/// Benchmarks `Check::new` on `scenario`, `units` sites, deployments or
/// lists of it.
fn bench(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, units: usize, scenario: &Scenario) {
    group.throughput(Throughput::Elements(units as u64));
    group.bench_function(id, |b| b.iter(|| Check::new(black_box(scenario)).expected));
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for count in [5_000, 20_000] {
        bench(&mut group, &format!("sites/{count}"), count, &sites(count));
    }
    for count in [2_500, 10_000] {
        let scenario = deployments(count);
        bench(
            &mut group,
            &format!("deployments/{count}"),
            count,
            &scenario,
        );
    }
    for count in [16, 64] {
        bench(&mut group, &format!("lists/{count}"), count, &lists(count));
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
