//! Simulation-based calibration of the whole fit, groups included (Talts
//! et al., 2018): record sets simulated from parameters drawn from the
//! prior, with the bundled records' inputs, each fitted; for each
//! parameter, how often its 90 % posterior interval covers the value it was
//! simulated from. A calibrated fit covers 90 % (binomial sd 1.5 % at 400
//! sets). Too slow for the test suite (`tests/integration/fit.rs` checks the fit
//! without the groups' counts over 200 sets); run it with
//!
//!     cargo bench --bench sbc            # 400 sets, both cores
//!     cargo bench --bench sbc -- 100     # fewer

use survsim::fit::sampler::Settings;
use survsim::fit::{Problem, Records, prepare, quantile};

fn main() {
    let sets: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(400);
    let records = Records::bundled();
    let problem = Problem::new(&records, "neoface-v4").expect("the bundled records fit");
    let settings = Settings {
        chains: 2,
        warmup: 20_000,
        draws: 20_000,
        seed: 11,
    };
    let started = std::time::Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Each set from its own stream, so the split over threads changes nothing.
    let covered: Vec<Vec<bool>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let problem = &problem;
                scope.spawn(move || {
                    (t..sets)
                        .step_by(threads)
                        .map(|set| {
                            let mut rng = survsim::fit::problem::rng_for_checks(1000 + set as u64);
                            let truth = problem.draw_prior(&mut rng);
                            let counts = problem.simulate(&truth, &mut rng, false).expect("a rate");
                            let simulated = problem.with_counts(&counts);
                            let prepared = prepare(&simulated, None);
                            let chains: Vec<_> = (0..settings.chains)
                                .map(|c| prepared.chain(&settings, c))
                                .collect();
                            (0..problem.dimension())
                                .map(|i| {
                                    let xs: Vec<f64> = chains
                                        .iter()
                                        .flat_map(|c| c.draws.iter().map(|x| x[i]))
                                        .collect();
                                    let (low, high) = (quantile(&xs, 0.05), quantile(&xs, 0.95));
                                    low <= truth[i] && truth[i] <= high
                                })
                                .collect::<Vec<bool>>()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    println!(
        "simulation-based calibration: {sets} record sets, {} chains × {} draws, {:.0} s on {threads} threads",
        settings.chains,
        settings.draws,
        started.elapsed().as_secs_f64()
    );
    println!(
        "90 % interval coverage (calibrated: 90 %, binomial sd {:.1} %):",
        100.0 * (0.09 / sets as f64).sqrt()
    );
    for (i, p) in problem.parameters.iter().enumerate() {
        let hits = covered.iter().filter(|c| c[i]).count();
        println!(
            "  {:<40}{:>6.1} %",
            p.name,
            100.0 * hits as f64 / sets as f64
        );
    }
}
