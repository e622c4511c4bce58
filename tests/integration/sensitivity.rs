//! Issue 25: `check --sensitivity` gives Sobol indices of the expected
//! figures to every uncertain input, held here to closed forms.
//!
//! In the town below the only uncertain inputs are two groups' false-match
//! multipliers, independent and uniform. A group's false alerts are its
//! faces × FPIR × its multiplier (FPIR ≈ 2·10⁻⁴ keeps 1 − (1 − m·FMR)^N
//! linear in m to a part in 10³), so the expected false alerts are
//! c_a·m_a + c_b·m_b: additive, whose Sobol indices are
//! S_g = S_Tg = c_g² Var(m_g) / Σ_h c_h² Var(m_h).

use crate::common;

use common::*;
use survsim::report::{SENSITIVITY_ROWS, Sensitivity};

const TOWN: &str = r#"
    [simulation]
    duration = "24h"
    seed = 25
    [population]
    residents = 100000
    [[population.groups]]
    name = "a"
    share = 0.7
    fmr_multiplier = { dist = "uniform", low = 1, high = 3 }
    [[population.groups]]
    name = "b"
    share = 0.3
    fmr_multiplier = { dist = "uniform", low = 1, high = 9 }
    [[sites]]
    name = "a"
    footfall_per_hour = 9000
    capture_share = 1.0
    [watchlist]
    size = 10000
    wanted_present = 0
    [matcher]
    rates_per = "searched_face"
    threshold = 0.6
    impostor = { sd = 0.07 }
    genuine = { mean = 0.8, sd = 0.1 }
    operating_points = [
        { threshold = 0.6, watchlist = 10_000, fpir = 2e-4 },
    ]
"#;

#[test]
fn an_additive_figure_has_the_closed_form_indices() {
    let sc = scenario(TOWN, &[]);
    assert_eq!(sc.uncertain.len(), 2, "{:?}", sc.uncertain);
    let expected = sc.model.expected();
    // c_g: a group's expected false alerts per unit of its multiplier, at
    // the nominal (centre) multipliers 2 and 5.
    let c: Vec<f64> = expected
        .groups
        .iter()
        .zip([2.0, 5.0])
        .map(|(g, m)| g.false_alerts / m)
        .collect();
    let var = [(3.0f64 - 1.0).powi(2) / 12.0, (9.0f64 - 1.0).powi(2) / 12.0];
    let parts: Vec<f64> = c.iter().zip(var).map(|(c, v)| c * c * v).collect();
    let all: f64 = parts.iter().sum();
    let s = Sensitivity::of(&sc, SENSITIVITY_ROWS).unwrap().unwrap();
    let false_alerts = &s.outputs[0];
    assert_eq!(false_alerts.key, "false_alerts");
    let indices = false_alerts.indices.as_ref().unwrap();
    for (g, (idx, part)) in indices.iter().zip(&parts).enumerate() {
        let truth = part / all;
        // The bootstrap 95 % interval spans about ±2 SE: the closed form
        // must lie within 4 SE of each estimate.
        for (name, est) in [("first-order", idx.first), ("total", idx.total)] {
            let half = ((est.ci95.1 - est.ci95.0) / 2.0).max(0.005);
            assert!(
                (est.value - truth).abs() <= 2.0 * half,
                "group {g} {name}: {} {:?} vs closed form {truth}",
                est.value,
                est.ci95
            );
        }
    }
    // The spread shared out is the closed form's: sd of c_a m_a + c_b m_b.
    assert!(
        (false_alerts.sd - all.sqrt()).abs() < 0.1 * all.sqrt(),
        "sd {} vs {}",
        false_alerts.sd,
        all.sqrt()
    );
}

#[test]
fn check_reports_the_indices_and_which_input_drives_each_share() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", TOWN);
    let path = path.to_str().unwrap();
    let (_, json) = json_output(&["check", path, "--sensitivity"]);
    let s = &json["sensitivity"];
    assert_eq!(s["design"]["rows"], SENSITIVITY_ROWS);
    let keys: Vec<&str> = s["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "false_alerts",
            "true_alerts",
            "wanted_alerted",
            "false_alert_share.a",
            "false_alert_share.b"
        ]
    );
    // No wanted person is present: true alerts do not vary, and say so.
    assert!(s["outputs"][1]["indices"].is_null());
    // b's multiplier spans four times a's range on 0.3 of the faces: it
    // drives b's share of false alerts.
    let b = &s["outputs"][4]["indices"];
    assert_eq!(b[1]["input"], "population.groups[1].fmr_multiplier");
    assert!(b[1]["total"]["value"].as_f64().unwrap() > b[0]["total"]["value"].as_f64().unwrap());
    // The table says what the indices are, and the same seed gives the
    // same bytes.
    let table = |_: ()| {
        succeeded(
            survsim()
                .args(["check", path, "--sensitivity"])
                .output()
                .unwrap(),
        )
    };
    let once = table(());
    assert_eq!(once, table(()));
    let text = String::from_utf8(once).unwrap();
    assert!(text.contains("SENSITIVITY"), "{text}");
    assert!(text.contains("first-order"), "{text}");
    // Without uncertain inputs there is nothing to share out: a note, not
    // an error.
    let out = survsim().args(["check", "--sensitivity"]).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn the_html_report_shows_what_drives_the_uncertainty() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "town.toml", TOWN);
    let html = dir.path().join("town.html");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", path.to_str().unwrap(), "--reps", "2", "-q"];
        args.extend_from_slice(extra);
        args.extend(["--html", html.to_str().unwrap()]);
        succeeded(survsim().args(&args).output().unwrap());
        std::fs::read_to_string(&html).unwrap()
    };
    let page = run(&[]);
    assert!(page.contains("What drives the uncertainty"), "no section");
    // A chart per figure that varies, a bar per input, each described in
    // words with its whole key.
    assert!(page.contains("What drives false alerts"));
    assert!(page.contains("population.groups[1].fmr_multiplier: total index"));
    // Held at their nominal values, the inputs drive nothing.
    let fixed = run(&["--fixed-parameters"]);
    assert!(!fixed.contains("What drives the uncertainty"));
}
