//! What a matcher's rates mean: lookalikes' effect on the level of false
//! alerts, group multipliers on false non-matches, and what a profile's
//! rates are per (a walk past a camera, or a searched face).
//!
//! Each test compares simulated counts over fixed seeds with a closed form,
//! within 4 standard errors.

use crate::common;

use common::*;
use survsim::drive::replicate::run_replications;
use survsim::metrics::Metric;

/// A laboratory-style batch: every resident searched once, no one wanted,
/// one group whose FPIR is high enough (≈ 5 × 10⁻³) for heavy lookalikes to
/// saturate.
const LOOKALIKE_BATCH: &str = "
[simulation]
mode = \"batch\"
seed = 77
[population]
residents = 1_000_000
lookalike_spread = 3.0
[[population.groups]]
name = \"all\"
share = 1.0
fmr_multiplier = 30.0
[watchlist]
size = 10_000
";

#[test]
fn lookalikes_lower_the_mean_false_alert_rate_and_the_expectation_says_so() {
    let sc = scenario(LOOKALIKE_BATCH, &[]);
    let model = &sc.model;
    let g = &model.groups[0];
    // The level moves: at σ = 3, E[FPIR(L)] is well below FPIR (concavity).
    assert!(
        g.averaged.fpir < 0.9 * g.search.fpir,
        "E[FPIR(L)] {} vs FPIR {}",
        g.averaged.fpir,
        g.search.fpir
    );
    // Each resident is searched once with an independent L, so false alerts
    // are Binomial(R·reps, E[FPIR(L)]) exactly.
    let reps = 4;
    let outcomes = run_replications(model, reps, 2);
    let n = model.residents as f64 * reps as f64;
    let p = model.expected().false_alerts / model.residents as f64;
    assert!((p - g.averaged.fpir).abs() < 1e-12 * p.max(1e-300) + 1e-15);
    let se = (n * p * (1.0 - p)).sqrt();
    assert_within_4se(
        "false alerts at σ = 3",
        total(&outcomes, Metric::FalseAlerts),
        n * p,
        se,
    );
    // Without lookalikes the same scenario keeps the group's FPIR.
    let plain = scenario(LOOKALIKE_BATCH, &["population.lookalike_spread=0"]);
    assert_eq!(
        plain.model.groups[0].averaged.fpir,
        plain.model.groups[0].search.fpir
    );
}

#[test]
fn lookalikes_average_the_mated_outcomes_too() {
    // Everyone wanted: mated searches only, with a wide watchlist so that
    // heavy lookalikes are often misidentified.
    let text = LOOKALIKE_BATCH.replace(
        "size = 10_000",
        "size = 1_000_000\nwanted_present = 1_000_000",
    );
    let sc = scenario(&text, &[]);
    let model = &sc.model;
    let g = &model.groups[0];
    // Misidentification is concave in L too: its level moves.
    assert!(
        (g.averaged.misidentification / g.search.misidentification - 1.0).abs() > 0.05,
        "E[misidentified(L)] {} vs {}",
        g.averaged.misidentification,
        g.search.misidentification
    );
    let reps = 2;
    let outcomes = run_replications(model, reps, 2);
    let n = model.residents as f64 * reps as f64;
    for (what, metric, p) in [
        ("true alerts", Metric::TrueAlerts, g.averaged.tpir),
        (
            "false alerts",
            Metric::FalseAlerts,
            g.averaged.misidentification,
        ),
    ] {
        assert_within_4se(
            &format!("mated {what} at σ = 3"),
            total(&outcomes, metric),
            n * p,
            (n * p * (1.0 - p)).sqrt(),
        );
    }
}

/// Two groups that differ only in their false-non-match multiplier.
const FNMR_GROUPS: &str = "
[population]
residents = 10_000
[[population.groups]]
name = \"base\"
share = 0.5
[[population.groups]]
name = \"doubled\"
share = 0.5
fnmr_multiplier = 2.0
[[sites]]
name = \"a\"
footfall_per_hour = 100
[watchlist]
size = 10_000
";

#[test]
fn check_shows_each_groups_fnmr_and_multiplier_and_the_power_law_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fnmr.toml");
    std::fs::write(&path, FNMR_GROUPS).unwrap();
    let (_, v) = json_output(&["check", path.to_str().unwrap()]);
    let groups = v["groups"].as_array().unwrap();
    let fnmr = |i: usize| groups[i]["fnmr"].as_f64().unwrap();
    assert_eq!(groups[1]["fnmr_multiplier"].as_f64(), Some(2.0));
    assert_eq!(groups[0]["fnmr_multiplier"].as_f64(), Some(1.0));
    // FNMR_g = 1 − (1 − FNMR)^m′: at NeoFace's FNMR ≈ 0.11, m′ = 2 gives
    // ≈ 0.208, not 2 × FNMR.
    let closed = 1.0 - (1.0 - fnmr(0)).powi(2);
    assert!((fnmr(1) - closed).abs() < 1e-12, "{} vs {closed}", fnmr(1));
    assert!(fnmr(1) < 2.0 * fnmr(0) - 0.005, "{}", fnmr(1));
    // The table shows both multipliers beside the rates.
    let out = survsim()
        .args(["check", path.to_str().unwrap()])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("m′"), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("doubled"))
        .unwrap_or_else(|| panic!("no row for the group:\n{table}"));
    assert!(row.contains(&format!("{:.4}", fnmr(1))), "{row}");
    assert!(row.split_whitespace().any(|w| w == "2"), "{row}");
}

/// One site at half capture, 1 % of residents wanted, NeoFace V4 (whose
/// rates are per walk past).
const WALK_PAST: &str = "
[simulation]
duration = \"24h\"
seed = 5
[population]
residents = 100_000
[[sites]]
name = \"gate\"
footfall_per_hour = 10_000
capture_share = 0.5
[watchlist]
size = 10_000
wanted_present = 1_000
[matcher]
profile = \"neoface-v4-npl2023\"
";

#[test]
fn walk_past_rates_apply_capture_share_to_the_crowd_but_not_to_wanted_passers() {
    let (passes, c, w) = (10_000.0 * 24.0, 0.5, 1_000.0 / 100_000.0);
    let reps = 4;
    for (rates_per, mated_passes) in [("walk_past", passes * w), ("searched_face", passes * w * c)]
    {
        let sc = scenario(WALK_PAST, &[&format!("matcher.rates_per={rates_per}")]);
        let model = &sc.model;
        let g = &model.groups[0].search;
        // Closed forms: wanted passers are searched once per walk past with
        // walk-past rates, or once per captured face with per-face rates;
        // everyone else once per captured face, at the per-face FPIR.
        let crowd = passes * c * (1.0 - w);
        let true_alerts = mated_passes * g.tpir;
        let false_alerts = crowd * g.fpir + mated_passes * g.misidentification;
        let e = model.expected();
        assert!(
            (e.true_alerts / true_alerts - 1.0).abs() < 1e-9,
            "{rates_per}: {} vs {true_alerts}",
            e.true_alerts
        );
        assert!((e.false_alerts / false_alerts - 1.0).abs() < 1e-9);
        assert!((e.faces_captured / (crowd + mated_passes) - 1.0).abs() < 1e-9);
        let outcomes = run_replications(model, reps, 2);
        let r = reps as f64;
        assert_poisson(
            &format!("{rates_per}: true alerts"),
            total(&outcomes, Metric::TrueAlerts),
            r * true_alerts,
        );
        assert_poisson(
            &format!("{rates_per}: false alerts"),
            total(&outcomes, Metric::FalseAlerts),
            r * false_alerts,
        );
        assert_poisson(
            &format!("{rates_per}: faces"),
            total(&outcomes, Metric::FacesCaptured),
            r * (crowd + mated_passes),
        );
    }
}

#[test]
fn rates_per_is_a_matcher_key_and_nonsense_is_refused() {
    let sc = scenario(WALK_PAST, &[]);
    assert_eq!(sc.model.rates_per.name(), "walk_past");
    let (_, v) = json_output(&["check", "met-essex-2019"]);
    assert_eq!(v["matcher"]["rates_per"], "walk_past");
    let (_, v) = json_output(&["check", "aclu-rekognition-2018"]);
    assert_eq!(v["matcher"]["rates_per"], "searched_face");
    let bad: survsim::scenario::Override = "matcher.rates_per=per_fortnight".parse().unwrap();
    let err = survsim::scenario::Scenario::load(
        survsim::scenario::ScenarioSource::from_text("t.toml", WALK_PAST),
        &[bad],
    )
    .unwrap_err();
    assert_eq!(err.key_path.as_deref(), Some("matcher.rates_per"), "{err}");
    assert!(err.message.contains("walk_past"), "{err}");
}
