//! `survsim fit`: the sampler against known posteriors, simulation-based
//! calibration of the whole fit, the records file's errors, and the fitted
//! profile in a run.

use crate::common;

use common::{exit_of, json_output, scenario_file, survsim};
use survsim::fit::sampler::{Settings, effective_size, find_start, run_chain, split_rhat};
use survsim::fit::{Problem, Records, prepare, quantile};

/// Mean, and its standard error from the chains' effective size.
fn mean_and_se(chains: &[Vec<f64>]) -> (f64, f64) {
    let all: Vec<f64> = chains.iter().flatten().copied().collect();
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let sd = (all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd / effective_size(chains).sqrt())
}

fn sample(
    density: &dyn Fn(&[f64]) -> f64,
    from: &[f64],
    settings: &Settings,
) -> Vec<Vec<Vec<f64>>> {
    let scales = vec![1.0; from.len()];
    let start = find_start(density, from, &scales);
    let chains: Vec<_> = (0..settings.chains)
        .map(|c| run_chain(density, &start, settings, c))
        .collect();
    // Per parameter, per chain.
    (0..from.len())
        .map(|i| {
            chains
                .iter()
                .map(|c| c.draws.iter().map(|x| x[i]).collect())
                .collect()
        })
        .collect()
}

/// A correlated Gaussian (ρ = 0.9, sds 1 and 3) and a Beta(8, 14) reached
/// through its logit: the draws' means and variances match within 4
/// standard errors (from the effective sample size), and split-R̂ < 1.01.
#[test]
fn the_sampler_recovers_known_posteriors() {
    let settings = Settings {
        chains: 4,
        warmup: 4000,
        draws: 8000,
        seed: 7,
    };
    let (s1, s2, rho) = (1.0f64, 3.0f64, 0.9f64);
    let gaussian = |x: &[f64]| {
        let (a, b) = ((x[0] - 1.0) / s1, (x[1] + 2.0) / s2);
        -(a * a - 2.0 * rho * a * b + b * b) / (2.0 * (1.0 - rho * rho))
    };
    let per = sample(&gaussian, &[0.0, 0.0], &settings);
    for (i, (want, sd)) in [(1.0, s1), (-2.0, s2)].into_iter().enumerate() {
        let (mean, se) = mean_and_se(&per[i]);
        assert!(
            (mean - want).abs() < 4.0 * se,
            "mean {i}: {mean} vs {want} ± {se}"
        );
        let squares: Vec<Vec<f64>> = per[i]
            .iter()
            .map(|c| c.iter().map(|v| (v - want).powi(2)).collect())
            .collect();
        let (variance, se) = mean_and_se(&squares);
        assert!(
            (variance - sd * sd).abs() < 4.0 * se,
            "variance {i}: {variance} vs {} ± {se}",
            sd * sd
        );
        assert!(split_rhat(&per[i]) < 1.01);
    }
    // p ~ Beta(8, 14): 7 of 20 under a uniform prior, sampled as x = logit p.
    let beta = |x: &[f64]| {
        let p = 1.0 / (1.0 + (-x[0]).exp());
        8.0 * p.ln() + 14.0 * (1.0 - p).ln()
    };
    let per = sample(&beta, &[0.0], &settings);
    let p: Vec<Vec<f64>> = per[0]
        .iter()
        .map(|c| c.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect())
        .collect();
    let (mean, se) = mean_and_se(&p);
    assert!((mean - 8.0 / 22.0).abs() < 4.0 * se, "{mean}");
    let squares: Vec<Vec<f64>> = p
        .iter()
        .map(|c| c.iter().map(|v| (v - 8.0 / 22.0).powi(2)).collect())
        .collect();
    let (variance, se) = mean_and_se(&squares);
    let want = 8.0 * 14.0 / (22.0f64.powi(2) * 23.0);
    assert!((variance - want).abs() < 4.0 * se, "{variance} vs {want}");
}

/// Simulation-based calibration (Talts et al., "Validating Bayesian
/// inference algorithms with simulation-based calibration", 2018): 200
/// record sets are simulated from parameters drawn from the prior, with
/// the bundled records' inputs, and fitted. If the fit is right, each
/// parameter's 90 % posterior interval covers the value it was simulated
/// from 90 % of the time; the test asks for 85–95 % per parameter (the
/// binomial sd at 200 is 2.1 %). The records' counts by group are left
/// out here, to keep the test fast: the groups' shifts and homophily need
/// chains four times as long, and `cargo bench --bench sbc` checks the
/// whole fit over 400 record sets.
#[test]
fn posterior_intervals_cover_the_truth_they_were_simulated_from() {
    let records = Records::bundled().without_groups();
    let problem = Problem::new(&records, "neoface-v4").unwrap();
    let settings = Settings {
        chains: 2,
        warmup: 5000,
        draws: 5000,
        seed: 11,
    };
    let sets = 200;
    let mut covered = vec![0usize; problem.dimension()];
    let mut rng = survsim::fit::problem::rng_for_checks(5);
    for _ in 0..sets {
        let truth = problem.draw_prior(&mut rng);
        let counts = problem.simulate(&truth, &mut rng, false).unwrap();
        let simulated = problem.with_counts(&counts);
        let prepared = prepare(&simulated, None);
        let chains: Vec<_> = (0..settings.chains)
            .map(|c| prepared.chain(&settings, c))
            .collect();
        for (i, hits) in covered.iter_mut().enumerate() {
            let xs: Vec<f64> = chains
                .iter()
                .flat_map(|c| c.draws.iter().map(|x| x[i]))
                .collect();
            let (low, high) = (quantile(&xs, 0.05), quantile(&xs, 0.95));
            *hits += (low <= truth[i] && truth[i] <= high) as usize;
        }
    }
    let report: Vec<String> = problem
        .parameters
        .iter()
        .zip(&covered)
        .map(|(p, &hits)| format!("{}: {:.1} %", p.name, 100.0 * hits as f64 / sets as f64))
        .collect();
    eprintln!(
        "90 % interval coverage over {sets} simulated record sets:\n  {}",
        report.join("\n  ")
    );
    for (p, &hits) in problem.parameters.iter().zip(&covered) {
        let share = hits as f64 / sets as f64;
        assert!(
            (0.85..=0.95).contains(&share),
            "{}: 90 % intervals covered the truth {:.1} % of the time\n{}",
            p.name,
            100.0 * share,
            report.join("\n")
        );
    }
}

#[test]
fn fit_prints_each_parameter_and_writes_a_profile_runs_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.toml");
    let output = survsim()
        .args(["fit", "--draws", "2000", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    for name in [
        "log10_fmr",
        "ln_impostor_sd",
        "logit_tpir",
        "ln_genuine_sd",
        "prevalence_mu",
    ] {
        assert!(table.contains(name), "{name} missing:\n{table}");
    }
    assert!(table.contains("at 0.64") && table.contains("NOT FITTED"));
    let profile: toml::Table = toml::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let draws = profile["posterior"]["draws"].as_array().unwrap();
    assert_eq!(draws.len(), 400);
    // A scenario beside it takes it with matcher.profile_file.
    let scenario = survsim::scenario::DEFAULT_SCENARIO.replace(
        "profile = \"neoface-v4-npl2023\"",
        "profile_file = \"fitted.toml\"",
    );
    let path = scenario_file(dir.path(), "town.toml", &scenario);
    let (_, check) = json_output(&["check", path.to_str().unwrap()]);
    let inputs = check["uncertainty"]["inputs"].as_array().unwrap();
    assert!(
        inputs.iter().any(|i| i["key"] == "matcher.posterior"),
        "{check}"
    );
    assert_eq!(
        check["matcher"]["profile"], "fitted.toml",
        "{}",
        check["matcher"]
    );
    let (_, run) = json_output(&["run", path.to_str().unwrap(), "--reps", "3"]);
    assert!(run["totals"]["faces_captured"].as_f64().unwrap() > 0.0);
    // A file that is not there is an error that names it.
    let missing = scenario_file(
        dir.path(),
        "missing.toml",
        &scenario.replace("fitted.toml", "gone.toml"),
    );
    let (code, stderr) = exit_of(&["check", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("gone.toml"), "{stderr}");
    // JSON carries the same parameters.
    let (_, v) = json_output(&["fit", "--draws", "2000"]);
    assert_eq!(v["parameters"][0]["name"], "log10_fmr");
    assert_eq!(v["fpir"].as_array().unwrap().len(), 5);
}

#[test]
fn a_fitted_profile_carries_its_uncertainty_into_one_run_s_range() {
    let sets = [
        "--set",
        "matcher.profile=\"neoface-v4-fitted\"",
        "--reps",
        "60",
    ];
    let run = |fixed: bool| {
        let mut args = vec!["run"];
        args.extend(sets);
        if fixed {
            args.push("--fixed-parameters");
        }
        json_output(&args).1
    };
    let (drawn, fixed) = (run(false), run(true));
    let width = |v: &serde_json::Value| {
        let pi = v["pi95"]["false_alerts"].as_array().unwrap();
        pi[1].as_f64().unwrap() - pi[0].as_f64().unwrap()
    };
    assert!(
        width(&drawn) > width(&fixed),
        "{} vs {}",
        width(&drawn),
        width(&fixed)
    );
    let (_, check) = json_output(&["check", "--set", "matcher.profile=\"neoface-v4-fitted\""]);
    let inputs = check["uncertainty"]["inputs"].as_array().unwrap();
    assert!(
        inputs.iter().any(|i| i["key"] == "matcher.posterior"),
        "{check}"
    );
}

#[test]
fn bad_records_are_refused_at_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[records]]\nid = \"a\"\nkind = \"lab_true_positives\"\nmatcher = \"m\"\nsource = \"s\"\nthreshold = 0.6\nopportunities = 10\ntrue_positives = 11\n",
            "records[0].true_positives",
        ),
        (
            "[[records]]\nid = \"a\"\nkind = \"deployment\"\nmatcher = \"m\"\nsource = \"s\"\nfit = false\n",
            "records[0].reason",
        ),
        (
            "[[records]]\nid = \"a\"\nkind = \"lab_false_positives\"\nmatcher = \"m\"\nsource = \"s\"\nreference_set = 10\nsearches = 5\nthresholds = [0.6, 0.5]\nfalse_positives = [1, 0]\n",
            "records[0].thresholds[1]",
        ),
        (
            "[[records]]\nid = \"a\"\nkind = \"deployment\"\nmatcher = \"m\"\nsource = \"s\"\nfaces = 10\nwatchlist = { low = 5, high = 2 }\nalerts = 1\nfalse_alerts = 0\nthreshold = 0.6\n",
            "records[0].watchlist",
        ),
        (
            "[[records]]\nid = \"a\"\nkind = \"survey\"\nmatcher = \"m\"\nsource = \"s\"\n",
            "records[0].kind",
        ),
    ];
    for (text, key) in cases {
        let path = scenario_file(dir.path(), "records.toml", text);
        let (code, stderr) = exit_of(&["fit", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(&format!("key `{key}`")), "{key}: {stderr}");
        assert!(stderr.contains("records.toml:"), "{stderr}");
    }
    // Records of another matcher only: nothing to fit, said plainly.
    let path = scenario_file(
        dir.path(),
        "records.toml",
        cases[0].0.replace("11", "5").as_str(),
    );
    let (code, stderr) = exit_of(&["fit", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no record of the matcher \"neoface-v4\""),
        "{stderr}"
    );
}
