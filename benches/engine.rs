//! Engine throughput: one replication of a scenario, in faces per second.
//!
//! Cases:
//!
//! * `bench-city/watchlist-10k` — `scenarios/bench-city.toml` as written: ten
//!   million residents, ≈ 50 M faces in a day, a watchlist of 10,000;
//! * `bench-city/watchlist-1M` — the same with `watchlist.size=1000000`. The
//!   per-face search is O(1) in the watchlist size, but FPIR grows about
//!   100-fold, so the alerts handed to the response chain grow from ≈ 24 k
//!   to ≈ 2.3 M and this case measures that load too;
//! * `bench-city/watchlist-1M-same-fpir` — a 1,000,000 watchlist with the
//!   threshold raised to 0.6551, where the per-comparison FMR is 100× lower
//!   and FPIR (so the alert load) is the same as at 10,000: only the search
//!   cost is compared, and it should match the first case;
//! * `default` — the built-in default scenario (a million residents, ≈ 144 k
//!   faces);
//! * `residents/bench-city` and `residents/default` — the same two scenarios
//!   drawn by the residents engine ([`survsim::engine::residents::Plan`]),
//!   on one thread.
//!
//! A recognition pipeline has no case here: bench-city with one takes 6–8 s
//! a replication, which would triple the bench. `benches/pipeline-threads.sh`
//! times it on one thread and on two (`Engine::run_lent`), side by side.
//!
//! Each iteration is `Engine::run(0)` on an engine allocated once, as
//! `survsim::drive::replicate` does. The throughput is the faces a first run
//! captured (the same in every iteration, as the replication is fixed).
//! Sampling is flat and the measurement time is set from the first run, so
//! each city case takes ten iterations (one per sample; criterion's warning
//! that it cannot complete 10 samples in the target time is expected) and
//! the whole bench about a minute and a half:
//!
//! ```text
//! cargo bench --bench engine
//! ```

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use criterion::{criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use survsim::engine::Engine;
use survsim::engine::residents::Plan;
use survsim::metrics::{Metric, Outcome};
use survsim::model::Model;
use survsim::scenario::{Override, Scenario, ScenarioSource};

/// Samples per case: criterion's minimum.
const SAMPLES: usize = 10;

/// Loads `scenarios/<file>` (or the built-in default) with `--set`-style overrides.
fn load(file: Option<&str>, overrides: &[&str]) -> Model {
    let source = match file {
        Some(name) => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(name);
            survsim::drive::files::read_scenario(&path).unwrap_or_else(|e| panic!("{e}"))
        }
        None => ScenarioSource::builtin_default(),
    };
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| o.parse().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    Scenario::load(source, &overrides)
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

/// Benchmarks `run(0)`, one replication, under `id`.
fn bench_run(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    mut run: impl FnMut(u64) -> Outcome,
) {
    // A first run: the throughput, and the time that sizes the measurement.
    let started = Instant::now();
    let faces = run(0).counts[Metric::FacesCaptured];
    let once = started.elapsed();
    group.throughput(Throughput::Elements(faces));
    // Half the time ten iterations take, so criterion settles on one
    // iteration per sample (it then warns that it "cannot complete 10
    // samples" in that time, and takes ten iterations anyway).
    group.measurement_time((once * SAMPLES as u32 / 2).max(Duration::from_secs(2)));
    group.bench_function(id, |b| b.iter(|| run(black_box(0))));
}

/// Benchmarks one replication of `model` by the face engine.
fn bench_model(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, model: &Model) {
    let mut engine = Engine::new(model);
    bench_run(group, id, |rep| engine.run(rep));
}

/// Benchmarks one replication of `model` by the residents engine.
fn bench_residents(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, model: &Model) {
    let plan = Plan::new(model);
    bench_run(group, id, |rep| plan.run(rep));
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1));

    let city = load(Some("bench-city.toml"), &[]);
    bench_model(&mut group, "bench-city/watchlist-10k", &city);
    drop(city);

    let city_1m = load(Some("bench-city.toml"), &["watchlist.size=1000000"]);
    bench_model(&mut group, "bench-city/watchlist-1M", &city_1m);
    drop(city_1m);

    // FMR 100× lower (z = 6.2774 instead of 5.5172 for the impostor normal),
    // so FPIR at N = 10^6 equals FPIR at N = 10^4.
    let city_1m_same_fpir = load(
        Some("bench-city.toml"),
        &["watchlist.size=1000000", "matcher.threshold=0.6551"],
    );
    bench_model(
        &mut group,
        "bench-city/watchlist-1M-same-fpir",
        &city_1m_same_fpir,
    );
    drop(city_1m_same_fpir);

    let default = load(None, &[]);
    bench_model(&mut group, "default", &default);

    let city = load(Some("bench-city.toml"), &[]);
    bench_residents(&mut group, "residents/bench-city", &city);
    bench_residents(&mut group, "residents/default", &default);

    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
